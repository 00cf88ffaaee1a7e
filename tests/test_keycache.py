"""The grader keeps each built key (casekit.grade.keycache): used again only when nothing it was built from changed,
ignored when damaged, never where a grading kernel can read it."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest

import casekit
from casekit import course
from casekit.grade import keycache, sandbox, score, session

KIT = Path(casekit.__file__).resolve().parents[1]
SOLUTION = KIT / "solutions" / "ex06_synthesis.ipynb"  # the quickest solution to run: one variant


def _public() -> course.Secret:
    """The public default secret (the suite's conftest hides any secret of the machine's)."""
    return course.load(notice=lambda _message: None)


def test_a_key_is_built_once_then_read_back_equal(tmp_path, monkeypatch):
    key_cache = tmp_path / "keys"  # empty: the suite's shared cache may already hold this key
    monkeypatch.setenv(keycache.ENV_VAR, str(key_cache))
    said = []
    first = keycache.exercise_key(SOLUTION, _public(), said.append)
    assert said == ["computing the key of ex06 from its solution …"]
    assert [p.stat().st_mode & 0o777 for p in key_cache.glob("*.json")] == [0o600]
    assert key_cache.stat().st_mode & 0o777 == 0o700

    def must_not_build(*_args, **_kwargs):
        raise AssertionError("the key was built again although nothing it depends on changed")

    monkeypatch.setattr(score, "exercise_key", must_not_build)
    said.clear()
    assert keycache.exercise_key(SOLUTION, _public(), said.append) == first
    assert said == ["the key of ex06: kept from an earlier run with the same solution, kit and secret"]


def test_every_real_key_survives_the_round_trip(tmp_path):
    """Each exercise's key as the grader builds it (sets of answers, variant parameters) reads back as itself."""
    import nbformat

    from casekit import questions
    from casekit.grade.score import QuestionKey, VariantKey

    for path in sorted((KIT / "solutions").glob("ex0*.ipynb")):
        nb = questions.generate(nbformat.read(path, as_version=4), path.name)
        key = {}
        for q in questions.read(nb, path.name):
            variants = [VariantKey(q.spec_of(v), {"'a'", "1"}, {"'b'": "a hint"}, q.text_of(v) if q.varied else "",
                                   q.values(v)) for v in range(1 if q.free else q.variants)]
            key[q.id] = QuestionKey(q.id, q.points, q.hint, variants, free=q.free, seed="s", prompt="p", solution="x")
        keycache.save(tmp_path, path.stem, key)
        assert keycache.load(tmp_path, path.stem) == key, path.name


def test_the_name_changes_with_the_solution_the_data_the_kit_and_the_secret(tmp_path, mini_data, monkeypatch):
    secret = course.Secret("course one", "a test")
    solution = tmp_path / SOLUTION.name
    shutil.copy(SOLUTION, solution)
    before = keycache.fingerprint(solution, secret)
    assert keycache.fingerprint(solution, secret) == before
    assert keycache.fingerprint(solution, course.Secret("course two", "a test")) != before

    solution.write_bytes(solution.read_bytes().replace(b"ex06", b"ex06", 1) + b"\n")
    assert keycache.fingerprint(solution, secret) != before
    shutil.copy(SOLUTION, solution)

    (mini_data / "events.csv").write_text((mini_data / "events.csv").read_text() + "\n", encoding="utf-8")
    assert keycache.fingerprint(solution, secret) != before
    monkeypatch.setattr(keycache, "FORMAT", "casekit key cache v0")
    assert keycache.fingerprint(solution, secret) != before


def test_the_secret_is_not_in_the_name_or_the_file(key_cache, monkeypatch):
    monkeypatch.setenv("CASEKIT_COURSE_SECRET", "a secret nobody may read 1234567890")
    secret = course.load()
    key = {"ex06_q1": score.QuestionKey("ex06_q1", 1.0, "", [score.VariantKey({}, {"1"}, {})], seed="seed")}
    name = keycache.fingerprint(SOLUTION, secret)
    keycache.save(key_cache, name, key)
    assert secret.value not in name
    assert secret.value not in (key_cache / f"{name}.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("damage", ["cut short", "not json", "wrong format", "wrong shape"])
def test_a_damaged_file_is_ignored_and_the_key_built_again(key_cache, damage):
    secret = _public()
    good = keycache.exercise_key(SOLUTION, secret)
    path = key_cache / f"{keycache.fingerprint(SOLUTION, secret)}.json"
    text = path.read_text(encoding="utf-8")
    path.write_text({"cut short": text[: len(text) // 2], "not json": "\x00\x01",
                     "wrong format": text.replace(keycache.FORMAT, "something else"),
                     "wrong shape": json.dumps({"format": keycache.FORMAT, "questions": {"q": {"variants": 3}}}),
                     }[damage], encoding="utf-8")
    assert keycache.load(key_cache, path.stem) is None
    said = []
    assert keycache.exercise_key(SOLUTION, secret, said.append) == good
    assert said[0].startswith("computing the key")
    assert keycache.load(key_cache, path.stem) == good


def test_a_cache_that_cannot_be_written_costs_only_time(tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(keycache.ENV_VAR, str(blocker / "keys"))
    said = []
    key = keycache.exercise_key(SOLUTION, _public(), said.append)
    assert key and said[-1].startswith("could not keep the key of ex06 in ")
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_a_cache_where_kernels_can_read_is_refused(monkeypatch):
    for inside in (KIT / "casekit" / "cache", sandbox.mounts().data_dir + "/keys", "/usr/local/casekit-keys"):
        monkeypatch.setenv(keycache.ENV_VAR, str(inside))
        with pytest.raises(ValueError, match="every grading kernel can read"):
            keycache.cache_dir()


def test_the_default_folder_is_the_users_cache(monkeypatch, tmp_path):
    monkeypatch.delenv(keycache.ENV_VAR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert keycache.cache_dir() == tmp_path.resolve() / "casekit" / "keys"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert keycache.cache_dir() == Path.home().resolve() / ".cache" / "casekit" / "keys"


def test_a_grading_kernel_cannot_see_the_kept_keys(monkeypatch):
    """A key folder outside /tmp (the sandbox has its own) and outside the kit's package: no kernel can reach it,
    by its path or by searching the folders it can see."""
    folder = KIT.parent / f".casekit-test-keys-{os.getpid()}"
    monkeypatch.setenv(keycache.ENV_VAR, str(folder))
    try:
        key = {"ex06_q1": score.QuestionKey("ex06_q1", 1.0, "", [score.VariantKey({}, {"'the answer'"}, {})])}
        keycache.save(keycache.cache_dir(), "k", key)
        probe = f'''
import os
found = []
for top in ("/", {str(KIT.parent)!r}):
    try:
        found += [n for n in os.listdir(top) if "casekit-test-keys" in n]
    except OSError:
        pass
print("SEEN", os.path.exists({str(folder)!r}), os.path.exists({str(folder / "k.json")!r}), found)
'''
        caps = session.Caps(cell_seconds=20, notebook_seconds=60)
        result = asyncio.run(session.run_cells([(probe, True)], b'{"cells": []}', sandbox.environment({}), caps,
                                               slot=5))
        assert result.stop_status == "", result.stop_reason
        assert "SEEN False False []" in result.cells[0].text, result.cells[0].text
        assert keycache.load(folder, "k") == key  # the folder really held the key while the kernel looked
    finally:
        shutil.rmtree(folder, ignore_errors=True)

"""Variants, the course secret and the two releases (issue 13): answers a class cannot share or crack.

The grading test runs the real grader (sandboxed) once, on a small class built from both releases of ex02.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from casekit import build, check, course, questions
from casekit.grade.score import exercise_key

KIT = Path(__file__).resolve().parents[1]
SOLUTIONS = build.solution_notebooks(KIT / "solutions")
IDS = [f"student{n:03d}" for n in range(300)]


def solution(exercise: str):
    path = next(p for p in SOLUTIONS if p.name.startswith(exercise))
    return nbformat.read(path, as_version=4)


def declared(exercise: str) -> list[questions.Question]:
    return [q for q in questions.read(solution(exercise)) if not q.free]


def differing_pair(exercise: str, seed: str, key=None) -> tuple[str, str]:
    """Return two ids of IDS whose variants differ on every varied question of ``exercise`` (and, given the
    grader's ``key``, whose variants' accepted answers differ too: an option-order variant can put the right option
    under the same letter for two students)."""
    varied = [q for q in declared(exercise) if q.varied]
    first = IDS[0]
    for other in IDS[1:]:
        picks = [(questions.variant_index(seed, first, q.id, q.variants),
                  questions.variant_index(seed, other, q.id, q.variants)) for q in varied]
        if any(a == b for a, b in picks):
            continue
        if key is None or all(key[q.id].variants[a].accepted != key[q.id].variants[b].accepted
                              for q, (a, b) in zip(varied, picks)):
            return first, other
    raise AssertionError("no two ids differ on every varied question")


# --- variants ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [p for p in SOLUTIONS if declared(p.stem[:4])], ids=lambda p: p.stem)
def test_variants_are_deterministic_spread_and_differ_between_two_students(path):
    exercise = path.stem[:4]
    seed = course.load().variant_seed
    varied = [q for q in declared(exercise) if q.varied]
    assert varied
    one, two = differing_pair(exercise, seed)
    for q in varied:
        assert q.variants >= questions.MIN_VARIANTS
        picks = [questions.variant_index(seed, s, q.id, q.variants) for s in IDS]
        assert set(picks) == set(range(q.variants)), f"{q.id}: some variant is never given"
        assert max(picks.count(v) for v in range(q.variants)) < 3 * len(IDS) / q.variants
        assert questions.variant_index(seed, one, q.id, q.variants) != questions.variant_index(seed, two, q.id,
                                                                                                q.variants)
        assert questions.variant_index(seed, " " + one.upper(), q.id, q.variants) == questions.variant_index(
            seed, one, q.id, q.variants), "an id typed in capitals or with a space is the same student"


def test_at_least_two_thirds_of_the_auto_checked_points_vary():
    qs = [q for path in SOLUTIONS for q in declared(path.stem[:4])]
    varied = sum(q.points for q in qs if q.varied)
    assert varied >= 2 / 3 * sum(q.points for q in qs), (varied, sum(q.points for q in qs))


def test_each_variant_of_a_question_asks_its_own_question_and_most_have_their_own_answer():
    key = exercise_key(next(p for p in SOLUTIONS if p.name.startswith("ex02")))
    for q in key.values():
        if q.free or len(q.variants) == 1:
            continue
        assert len({v.text for v in q.variants}) == len(q.variants)
        assert len({frozenset(v.accepted) for v in q.variants}) >= 2, q.id


def test_the_course_secret_changes_variants_salts_and_seed(monkeypatch):
    public = course.load()
    monkeypatch.setenv(course.ENV, "a course secret of the instructor, long enough")
    ours = course.load()
    assert ours.source == f"${course.ENV}" and not ours.public
    assert ours.variant_seed != public.variant_seed and ours.salt("ex02.q4", 0) != public.salt("ex02.q4", 0)
    assert ours.fingerprint != public.fingerprint == "public"
    q = next(q for q in declared("ex02") if q.varied)
    assert [questions.variant_index(ours.variant_seed, s, q.id, q.variants) for s in IDS[:40]] != [
        questions.variant_index(public.variant_seed, s, q.id, q.variants) for s in IDS[:40]]


def test_a_course_secret_is_created_once_private_and_a_bad_one_is_named(tmp_path, monkeypatch):
    path = tmp_path / "config" / "casekit" / "course-secret"
    monkeypatch.setenv(course.FILE_ENV, str(path))
    notices = []
    assert course.load(notice=notices.append).public
    assert len(notices) <= 1 and (not notices or "public default" in notices[0])
    created, made = course.create()
    assert made and created == path and (path.stat().st_mode & 0o777) == 0o600
    value = path.read_text()
    assert course.create() == (path, False) and path.read_text() == value  # never overwritten
    assert course.load().source == str(path) and not course.load().public
    path.write_text("short\n")
    with pytest.raises(course.CourseSecretError, match=re.escape(str(path)) + ".*at least 16"):
        course.load()
    path.unlink()
    path.mkdir()  # a path that exists but cannot be read as a file
    with pytest.raises(course.CourseSecretError, match="the course secret " + re.escape(str(path)) +
                       " cannot be read"):
        course.load()
    monkeypatch.setenv(course.ENV, "short")
    with pytest.raises(course.CourseSecretError, match="CASEKIT_COURSE_SECRET holds 5 characters"):
        course.load()


def test_an_unreadable_course_secret_stops_the_build_with_its_path(tmp_path):
    folder = tmp_path / "secret-is-a-folder"
    folder.mkdir()
    env = {**os.environ, course.FILE_ENV: str(folder)}
    env.pop(course.ENV, None)
    result = subprocess.run([sys.executable, "-m", "casekit", "build-exercises", "--mode", "assessed", "--out",
                             str(tmp_path / "out"), "ex02"], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 2 and str(folder) in result.stderr and "cannot be read" in result.stderr
    assert not (tmp_path / "out").exists()


# --- the instructor's look-up ----------------------------------------------------------------------------------------

def test_key_prints_a_students_variant_with_the_graders_accepted_answers(tmp_path):
    copy = tmp_path / "private-solutions"
    shutil.copytree(KIT / "solutions", copy)
    result = subprocess.run([sys.executable, "-m", "casekit", "key", "ex02", "--student", "ann", "--json",
                             "--solutions", str(copy)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["exercise"] == "ex02" and data["student"] == "ann"
    key = exercise_key(next(p for p in SOLUTIONS if p.name.startswith("ex02")))
    for item in data["questions"]:
        assert {"id", "points", "text", "accepted"} <= set(item)
        q = key[item["id"]]
        assert item["points"] == q.points
        if not q.free:
            assert item["accepted"] == sorted(q.variants[q.variant_for("ann")].accepted)
            assert bool(item["text"]) == (len(q.variants) > 1)
    text = subprocess.run([sys.executable, "-m", "casekit", "key", "ex02", "--student", "ann"], capture_output=True,
                          text=True, timeout=600)
    assert text.returncode == 0 and "ex02.q4 (1 point, variant" in text.stdout and "accepted (canonical):" in text.stdout
    bad = subprocess.run([sys.executable, "-m", "casekit", "key", "ex02", "--student", "a/b"], capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 2 and "cannot be used" in bad.stderr


# --- the assessed release ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def assessed(tmp_path_factory):
    out = tmp_path_factory.mktemp("assessed") / "release"
    build.build(mode="assessed", out=out, report=lambda *_: None)
    return out


def test_the_assessed_release_ships_no_answer_hash_or_known_wrong_answer(assessed):
    files = [p for p in assessed.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {f"{p.stem[:4]}.json" for p in SOLUTIONS} | {p.name for p in SOLUTIONS}
    shipped = "\n".join(p.read_text(encoding="utf-8") for p in files)
    # Where an answer must not be: the keys, apart from the question texts and options students are shown; the'
    # notebooks' code and metadata; and their outputs, unless the value is one the case data shows anyway (the notebooks
    # display the kit's tables, where the answers are to be found). Prompts are checked by test_exercises.
    strict, outputs = [], []
    for p in files:
        if p.suffix == ".json":
            key = json.loads(p.read_text(encoding="utf-8"))
            for entry in key["questions"].values():
                for variant in entry["variants"]:
                    variant.pop("text", None), variant.pop("parameters", None), variant["spec"].pop("options", None)
            strict.append(json.dumps(key, ensure_ascii=False))
        elif p.suffix == ".ipynb":
            nb = nbformat.read(p, as_version=4)
            strict.append(json.dumps(nb.metadata, ensure_ascii=False))
            for cell in nb.cells:
                strict.append(json.dumps(cell.metadata, ensure_ascii=False))
                if cell.cell_type == "code":
                    strict.append(cell.source)
                    outputs.append(json.dumps(cell.outputs, ensure_ascii=False))
        else:
            strict.append(p.read_text(encoding="utf-8"))
    strict, outputs = "\n".join(strict).casefold(), "\n".join(outputs).casefold()
    # Words every student reads in the prompts and titles (a name such as "Russia") mark no answer.
    prompts = "\n".join(c.source for p in files if p.suffix == ".ipynb"
                        for c in nbformat.read(p, as_version=4).cells if c.cell_type == "markdown").casefold()
    case = "\n".join(p.read_text(encoding="utf-8") for p in (KIT / "data").rglob("*") if p.is_file()
                     and p.suffix in (".csv", ".txt")).casefold()
    practice = [json.loads((KIT / "casekit" / "keys" / f"{p.stem[:4]}.json").read_text()) for p in SOLUTIONS]
    for key in practice:
        for entry in key["questions"].values():
            for variant in entry["variants"]:
                for digest in variant["accepted"] + list(variant["hints"]):
                    assert digest not in shipped and digest[:16] not in shipped
                assert variant["salt"] not in shipped
                for hint in variant["hints"].values():
                    assert hint not in shipped, hint
    assert not re.search(r"\b[0-9a-f]{40,}\b", shipped.replace(course.load().variant_seed, "")), "a hash is shipped"
    for path in SOLUTIONS:
        nb = nbformat.read(path, as_version=4)
        values = build.record_values(nb, KIT / "solutions", path.name)
        for q in questions.read(nb, path.name):
            if q.free:
                continue
            for v in range(q.variants):
                accepted, wrong = questions.canonical_answers(q, values[q.id][v], path.name, v)
                for canonical in accepted + list(wrong):
                    if len(canonical) >= 6 and canonical not in prompts:
                        found = re.compile(r"(?<!\w)" + re.escape(canonical) + r"(?!\w)").search
                        assert not found(strict), f"{q.id} variant {v + 1}: {canonical[:60]} is shipped"
                        if not found(case):
                            assert not found(outputs), f"{q.id} variant {v + 1}: {canonical[:60]} is shown"
            for line in questions.region(nb.cells[q.cell].source).splitlines():
                if len(line.strip()) >= 12 and not line.strip().startswith("#"):
                    assert line.strip() not in shipped, f"{q.id}: solution line shipped: {line.strip()}"


def test_the_assessed_check_says_only_the_shape(assessed, monkeypatch, capsys):
    monkeypatch.setenv(check.KEYS_ENV, str(assessed / "casekit" / "keys"))
    checker = check.Checker("ex02", "ann")
    checker("ex02.q1", 20)
    checker("ex02.q1", 19)
    checker("ex02.q5", ["a", "b", "c", "d"])
    checker("ex02.q3", "not a date")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == out[1].replace("19", "20") == "📝 ex02.q1: recorded: a number. Your instructor's grader decides."
    assert out[2].startswith("📝 ex02.q5: recorded: a list of 4 answers in order.")
    assert out[3].startswith("❌ ex02.q3: not yet: expected a date")
    checker.progress()
    assert "Recorded on ex02: 2 of 8" in capsys.readouterr().out


def test_an_assessed_release_is_never_written_over_a_folder_the_kit_did_not_make(tmp_path):
    precious = tmp_path / "mine"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine")
    with pytest.raises(build.BuildError, match="did not write"):
        build.build(mode="assessed", out=precious, report=lambda *_: None, only=["ex02"])
    assert [p.name for p in precious.iterdir()] == ["notes.txt"]
    with pytest.raises(build.BuildError, match="--out DIR"):
        build.build(mode="assessed", report=lambda *_: None)


# --- grading: the folder decides, both releases alike ----------------------------------------------------------------

def _answers_for(student: str, exercise_nb, key) -> dict[str, str]:
    """Return literal answer code that is right for ``student``'s variants (the values written into the cell)."""
    nb = solution("ex02")
    code = {}
    for q in questions.read(nb):
        if q.free:
            continue
        region = questions.region(nb.cells[q.cell].source).strip()
        values = key[q.id].variants[key[q.id].variant_for(student)].parameters
        code[q.id] = (f"{q.variable} = {values!r}\n" if q.varied else "") + region
    return code


def _filled(nb, code: dict[str, str], student_id: str):
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in nb.cells:
        qid = questions.answer_question(cell)
        if qid in code:
            cell.source = cell.source.replace(build.PLACEHOLDER, code[qid])
        elif questions.is_student_cell(cell):
            cell.source = cell.source.replace("student_id = ...", f"student_id = {student_id!r}", 1)
    return nb


def test_the_folder_name_decides_the_variant_and_both_releases_grade_alike(assessed, tmp_path):
    from casekit import grade

    key = exercise_key(next(p for p in SOLUTIONS if p.name.startswith("ex02")))
    ann, bob = differing_pair("ex02", course.load().variant_seed, key)
    practice = nbformat.read(KIT / "exercises" / "ex02_timeline.ipynb", as_version=4)
    exam = nbformat.read(assessed / "exercises" / "ex02_timeline.ipynb", as_version=4)
    assert exam.metadata["casekit"]["release"] == "assessed"
    perfect = _answers_for(ann, practice, key)
    submissions = tmp_path / "SUBMISSIONS"
    cases = {ann: _filled(practice, perfect, ann),  # ann's own work, practice release
             bob: _filled(practice, perfect, ann),  # ann's work handed in by bob, who even typed ann's id
             ann + "x": _filled(exam, _answers_for(ann + "x", exam, key), ann + "x"),  # assessed release
             "carl": _filled(exam, _answers_for("carl", exam, key), "")}  # no id typed: the folder decides
    for name, nb in cases.items():
        (submissions / name).mkdir(parents=True)
        nbformat.write(nb, submissions / name / "ex02_timeline.ipynb")
    installed = tmp_path / "installed-kit"  # a kit without solutions/ or exercises/ beside it
    installed.mkdir()
    private = tmp_path / "private-solutions"
    shutil.copytree(KIT / "solutions", private)
    grade.grade(submissions, tmp_path / "RESULTS", jobs=2, exercises=["ex02"], kit=installed, solutions=private,
                progress=lambda *_: None)
    rows = list(csv.DictReader((tmp_path / "RESULTS" / "grades.csv").open(encoding="utf-8")))
    points = {}
    for row in rows:
        points.setdefault(row["student"], {})[row["question"]] = (float(row["points"]), row["status"])
    full = sum(q.points for q in key.values() if not q.free)
    fixed = sum(q.points for q in key.values() if not q.free and len(q.variants) == 1)
    for student in (ann, ann + "x", "carl"):
        assert sum(p for p, _ in points[student].values()) == full, points[student]
    assert sum(p for p, _ in points[bob].values()) <= fixed, points[bob]
    for qid, (_, status) in points[bob].items():
        assert (status == "correct") == (len(key[qid].variants) == 1), (qid, status)

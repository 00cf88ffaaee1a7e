"""A real JupyterHub class: 20 students log in, pull the kit with nbgitpuller, answer, check, and are graded.

The hub runs on 127.0.0.1 with its own configurable-http-proxy and the kit's course configuration
(``docs/hub/jupyterhub_config.py``), a dummy authenticator and local-process servers (``tests/hub_class.py``).
Each student answers ex02 in their own way (all right, half right, or not at all), runs every cell on a kernel of
their own server through the Jupyter server's API and websocket, and sees the checks' verdicts; the instructor
collects the saved notebooks into the grader's layout and grades them; then pushes a fix, and every student's
second pull brings the fix without losing their answers. The hub, its proxy, every server and every kernel are
stopped at the end, whatever happened. The test prints one timing line.
"""

from __future__ import annotations

import csv
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
import requests
from grading_corpus import _solutions, _wrong
from hub_class import (
    REPO_NAME,
    Student,
    course_repository,
    git,
    leftovers,
    pull_link,
    running_hub,
)

from casekit import build, grade
from casekit.grade.run import Limits

STUDENTS = 20
EXERCISE = "exercises/ex02_timeline.ipynb"
FIX = "Erratum from your instructor: the dates in this exercise are all in 2022."


def plan(index: int) -> str:
    return ("right", "half", "blank")[index % 3]


def answers_for(kind: str) -> dict[str, str]:
    right, wrong = _solutions(), _wrong()
    if kind == "right":
        return right
    if kind == "half":
        return {q: (right[q] if i % 2 == 0 else wrong[q]) for i, q in enumerate(right)}
    return {}


def expected_status(kind: str) -> dict[str, str]:
    questions = list(_solutions())
    if kind == "right":
        return {q: "correct" for q in questions}
    if kind == "half":
        return {q: ("correct" if i % 2 == 0 else "wrong") for i, q in enumerate(questions)}
    return {q: "unanswered" for q in questions}


SYMBOL = {"correct": "✅", "wrong": "❌", "unanswered": "⬜"}


def answer_sources(nb) -> dict[str, str]:
    return {c.metadata["casekit"]["question"]: c.source for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("casekit", {}).get("question")}


def play(hub, repo: Path, name: str, kind: str) -> dict:
    """One student's lesson: log in, start, follow the link, pull, answer and check ex02, save."""
    student = Student(hub, name)
    student.log_in()
    student.start_server()
    student.follow_link(pull_link(repo, EXERCISE))
    student.pull(repo)
    verdicts = student.run_notebook(f"{REPO_NAME}/{EXERCISE}", answers_for(kind), build.PLACEHOLDER)
    return {"student": student, "verdicts": verdicts, "memory": student.memory}


def test_a_class_of_twenty_on_jupyterhub(tmp_path, capsys):
    began = time.monotonic()
    repo = course_repository(tmp_path / "instructor")
    names = {f"student{i:02d}": plan(i) for i in range(STUDENTS)}
    with running_hub(tmp_path / "hub") as hub:
        marker, url = hub.marker, hub.url
        with ThreadPoolExecutor(max_workers=10) as pool:
            played = dict(zip(names, pool.map(lambda item: play(hub, repo, *item), names.items())))

        # Every student saw the verdict their answers deserve, in their own server's kernel.
        for name, kind in names.items():
            verdicts = played[name]["verdicts"]
            assert set(verdicts) == set(expected_status(kind)), (name, verdicts)
            for question, status in expected_status(kind).items():
                assert verdicts[question].startswith(f"{SYMBOL[status]} {question}:"), (name, verdicts[question])
        # Every student has their own copy, with their answers saved in it.
        saved = {}
        for name, kind in names.items():
            copy = hub.home(name) / REPO_NAME / EXERCISE
            saved[name] = answer_sources(nbformat.read(copy, as_version=4))
            for question, code in answers_for(kind).items():
                assert code in saved[name][question]

        # The instructor collects the notebooks into the grader's layout and grades them.
        submissions, results = tmp_path / "submissions", tmp_path / "results"
        for name in names:
            (submissions / name).mkdir(parents=True)
            shutil.copy(hub.home(name) / REPO_NAME / EXERCISE, submissions / name / Path(EXERCISE).name)
        graded_at = time.monotonic()
        grade.grade(submissions, results, jobs=2, limits=Limits(cell_seconds=10, notebook_seconds=120),
                    exercises=["ex02"], progress=lambda _: None)
        grading = time.monotonic() - graded_at
        rows = list(csv.DictReader((results / "grades.csv").open(encoding="utf-8")))
        got = {(r["student"], r["question"]): r["status"] for r in rows}
        for name, kind in names.items():
            for question, status in expected_status(kind).items():
                assert got[(name, question)] == status, (name, question)

        # The instructor pushes a fix; a second pull brings it and keeps every student's answers.
        released = nbformat.read(repo / EXERCISE, as_version=4)
        released.cells[0].source += "\n\n" + FIX
        nbformat.write(released, repo / EXERCISE)
        (repo / "exercises" / "ERRATA.md").write_text(FIX + "\n", encoding="utf-8")
        git(repo, "add", ".")
        git(repo, "commit", "-q", "-m", "Fix: say which year the dates are in")
        with ThreadPoolExecutor(max_workers=10) as pool:
            list(pool.map(lambda name: played[name]["student"].pull(repo), names))
        for name in names:
            home_copy = hub.home(name) / REPO_NAME
            assert (home_copy / "exercises" / "ERRATA.md").read_text(encoding="utf-8").strip() == FIX
            after = nbformat.read(home_copy / EXERCISE, as_version=4)
            assert answer_sources(after) == saved[name], name
            assert FIX in after.cells[0].source, name

        spawn = sorted(p["student"].timings["spawn"] for p in played.values())
        first = sorted(p["student"].timings["first_check"] for p in played.values())
        memory = sorted(p["memory"][1] for p in played.values())
        hub_start = hub.started_in
    # Everything is stopped: no process of the hub, proxy, servers or kernels, and nothing answers.
    assert leftovers(marker) == []
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=5)
    with capsys.disabled():
        print(f"\n[hub class] {STUDENTS} students: hub start {hub_start:.1f} s; spawn median "
              f"{spawn[len(spawn) // 2]:.1f} s, worst {spawn[-1]:.1f} s; first check median {first[len(first) // 2]:.1f} s, "
              f"worst {first[-1]:.1f} s; server+kernel memory median {memory[len(memory) // 2]:.0f} MB; grading "
              f"{grading:.1f} s; whole test {time.monotonic() - began:.1f} s (indicative: the machine is shared)")

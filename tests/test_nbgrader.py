"""nbgrader courses: nbgrader's own commands accept the kit's notebooks and give the right points.

In a temporary course folder, the solution notebook is nbgrader's source; ``nbgrader generate_assignment`` must
accept it (nbgrader validates every ``grade_id``) and release exactly the kit's exercise. Three students hand in the
kit's exercise, answered perfectly, not at all, and half right; ``nbgrader autograde`` runs them (with
``NBGRADER_EXECUTION=autograde``, so that a check that is not right raises) and ``nbgrader export`` must give 100 %,
0 % and the half-right share of the auto-graded points, each check cell scored as its answer deserves.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from grading_corpus import EXERCISE, SOLUTION, _solutions, _wrong, answered

from casekit import questions as qmod

BIN = Path(sys.executable).parent
CONFIG = """c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_students = [dict(id="perfect"), dict(id="blank"), dict(id="half")]
# Release the answer cells as the kit does (nbgrader's default stub is 'raise NotImplementedError()').
c.ClearSolutions.code_stub = {{"python": "answer = ...  # your answer here"}}
c.ClearSolutions.text_stub = "_Write your answer here._"
"""


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}  # nbgrader runs alembic
    run = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env, capture_output=True, text=True,
                         timeout=600, check=False)
    assert run.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return run


def half_right() -> dict[str, str]:
    right, wrong = _solutions(), _wrong()
    return {q: (right[q] if i % 2 == 0 else wrong[q]) for i, q in enumerate(right)}


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    course = tmp_path_factory.mktemp("course")
    (course / "nbgrader_config.py").write_text(CONFIG.format(root=str(course)), encoding="utf-8")
    (course / "source" / "ex02").mkdir(parents=True)
    (course / "source" / "ex02" / EXERCISE.name).write_bytes(SOLUTION.read_bytes())
    nbgrader(course, "generate_assignment", "ex02", "--force")
    for student, answers in {"perfect": _solutions(), "blank": {}, "half": half_right()}.items():
        folder = course / "submitted" / student / "ex02"
        folder.mkdir(parents=True)
        nbformat.write(answered(answers), folder / EXERCISE.name)
    nbgrader(course, "autograde", "ex02", "--force")
    nbgrader(course, "export", "--to", str(course / "grades.csv"))
    return course


def test_generate_assignment_accepts_the_kit_and_releases_its_exercise(course):
    released = nbformat.read(course / "release" / "ex02" / EXERCISE.name, as_version=4)
    kit = nbformat.read(EXERCISE, as_version=4)
    # The id cell differs only by nbgrader's stub where the solution sets the instructor's id.
    assert [c.source for c in released.cells if not qmod.is_student_cell(c)] == [
        c.source for c in kit.cells if not qmod.is_student_cell(c)]
    first = next(c for c in released.cells if qmod.is_student_cell(c))
    assert '"instructor"' not in first.source and "student_id = ..." in first.source
    ids = [c.metadata["nbgrader"]["grade_id"] for c in kit.cells if "nbgrader" in c.metadata]
    assert ids and all(qmod.GRADE_ID.match(i) for i in ids)


def scores(course: Path) -> dict[str, dict]:
    return {row["student_id"]: row for row in csv.DictReader((course / "grades.csv").open(encoding="utf-8"))}


def cell_scores(course: Path, student: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(EXERCISE.stem, "ex02", student)
        return {grade.name: grade.score for grade in notebook.grades if grade.cell.cell_type == "code"}


def auto_points() -> dict[str, float]:
    nb = nbformat.read(SOLUTION, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"]["points"]) for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"}


def test_autograde_gives_full_marks_none_and_half(course):
    points = auto_points()
    total = sum(points.values())
    checks = {qmod.grade_id(q): q for q in _solutions()}
    assert set(checks) == set(points)
    perfect, blank, half = (cell_scores(course, s) for s in ("perfect", "blank", "half"))
    assert perfect == points  # 100 % of the auto-graded points
    assert blank == {g: 0.0 for g in points}  # 0 %: a blank answer is not right
    right_half = {qmod.grade_id(q) for i, q in enumerate(_solutions()) if i % 2 == 0}
    assert half == {g: (points[g] if g in right_half else 0.0) for g in points}
    assert 0 < sum(half.values()) < total
    exported = scores(course)
    # The free-response question is graded by hand in nbgrader, so the export's maximum is larger than ``total``.
    assert float(exported["perfect"]["raw_score"]) == total
    assert float(exported["blank"]["raw_score"]) == 0
    assert float(exported["half"]["raw_score"]) == sum(half.values())

"""The notebook rules (casekit.questions): one declaration per question, everything else generated from it."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from casekit import build, questions

KIT = Path(__file__).resolve().parents[1]
SOLUTIONS = build.solution_notebooks(KIT / "solutions")
NOTEBOOKS = SOLUTIONS + [KIT / "exercises" / p.name for p in SOLUTIONS]


def read(path: Path):
    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_nbgrader_ids_are_valid_and_follow_the_question_ids(path):
    """nbgrader's grade_id must match ^[a-zA-Z0-9_-]*$: the check cell's is the question id with '_' for '.'."""
    nb = read(path)
    declared = questions.read(read(KIT / "solutions" / path.name), path.name)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert ids and all(questions.GRADE_ID.match(i) for i in ids), ids
    assert len(ids) == len(set(ids))
    expected = [f"{path.stem[:4]}_student_id"]  # the id cell: a solution cell, for nbgrader
    for q in declared:
        expected += [q.grade_id] if q.free else [f"{q.grade_id}-answer", q.grade_id]
    assert ids == expected
    assert "ex0" in expected[0] and "." not in "".join(expected)


def test_grade_id_convention():
    assert questions.grade_id("ex02.q1") == "ex02_q1"
    q = questions.Question("ex02.q10", {"type": "number"}, 2.0)
    assert (q.grade_id, q.number, q.heading()) == ("ex02_q10", 10, "### Q10 (2 points)")
    free = questions.Question("ex02.q9", {"type": "free"}, 1.0)
    assert free.heading() == "### Q9 (1 point, graded by your instructor)"


def test_each_question_has_one_check_cell_right_after_it_and_a_progress_cell_ends_the_notebook():
    for path in SOLUTIONS:
        nb = read(path)
        qs = [q for q in questions.read(nb, path.name) if not q.free]
        for q in qs:
            check = nb.cells[q.cell + 1]
            if q.varied:  # the question's text is shown by a cell before its answer cell
                assert questions.role_of(nb.cells[q.cell - 1]) == "question"
                assert nb.cells[q.cell - 1].source == f'{q.variable} = check.question("{q.id}")'

            assert questions.is_check_cell(check) and check.source == f'check("{q.id}", answer)'
            assert check.metadata["nbgrader"]["points"] == q.points
        assert sum(map(questions.is_check_cell, nb.cells)) == len(qs)
        assert questions.is_progress_cell(nb.cells[-1]) and nb.cells[-1].source == "check.progress()"


def _ex02():
    return read(KIT / "solutions" / "ex02_timeline.ipynb")


def test_points_are_declared_once_and_written_everywhere_by_generate():
    """Change a question's points in its declaration only: the heading, check cell and nbgrader follow."""
    nb = _ex02()
    answer = next(c for c in nb.cells if questions.answer_question(c) == "ex02.q3")
    answer.metadata["casekit"]["points"] = 2
    out = questions.generate(nb, "ex02")
    at = next(i for i, c in enumerate(out.cells) if questions.answer_question(c) == "ex02.q3")
    prompt = next(c for c in reversed(out.cells[:at]) if c.cell_type == "markdown" and c.source.startswith("###"))
    assert prompt.source.startswith("### Q3 (2 points)\n")
    assert out.cells[at + 1].metadata["nbgrader"] == {"grade": True, "grade_id": "ex02_q3", "locked": True,
                                                      "points": 2, "schema_version": 3, "solution": False}
    assert out.cells[at].metadata["nbgrader"]["grade_id"] == "ex02_q3-answer"


def test_generate_is_idempotent_and_replaces_hand_edited_check_cells():
    nb = _ex02()
    once = questions.generate(nb, "ex02")
    assert build._sources(questions.generate(once, "ex02")) == build._sources(once)
    tampered = json.loads(json.dumps(once))
    tampered = nbformat.from_dict(tampered)
    check = next(c for c in tampered.cells if questions.is_check_cell(c))
    check.source = 'check("ex02.q7", answer)'  # a copy-paste slip an author might make
    del tampered.cells[-1]  # and the progress cell lost
    assert build._sources(questions.generate(tampered, "ex02")) == build._sources(once)


def test_a_prompt_without_its_heading_is_named():
    nb = _ex02()
    at = next(i for i, c in enumerate(nb.cells) if questions.answer_question(c) == "ex02.q2")
    prompt = next(c for c in reversed(nb.cells[:at]) if c.cell_type == "markdown" and c.source.startswith("###"))
    prompt.source = prompt.source.replace("### Q2", "### Q4", 1)
    with pytest.raises(questions.BuildError, match="ex02.q2: the prompt before the answer cell must start with "
                                                   "the heading '### Q2'"):
        questions.generate(nb, "ex02")


@pytest.mark.parametrize("points", [0, -1, "2", True])
def test_bad_points_are_named(points):
    nb = _ex02()
    answer = next(c for c in nb.cells if questions.answer_question(c) == "ex02.q1")
    answer.metadata["casekit"]["points"] = points
    with pytest.raises(questions.BuildError, match="ex02.q1: points must be a positive number"):
        questions.read(nb, "ex02")


@pytest.mark.parametrize("cell, answer, check, progress", [
    ({"cell_type": "code", "metadata": {"casekit": {"question": "ex02.q1"}}}, "ex02.q1", False, False),
    ({"cell_type": "markdown", "metadata": {"casekit": {"question": "ex02.q9"}}}, None, False, False),
    ({"cell_type": "code", "metadata": {"casekit": {"role": "check"}}}, None, True, False),
    ({"cell_type": "code", "metadata": {"nbgrader": {"grade": True}}}, None, True, False),
    ({"cell_type": "code", "metadata": {"casekit": {"role": "progress"}}}, None, False, True),
    # what a student's notebook may hold instead: odd types are never an answer, check or progress cell
    ({"cell_type": "code", "metadata": {"casekit": {"question": ["ex02.q1"], "role": ["check"]}}}, None, False,
     False),
    ({"cell_type": "code", "metadata": {"casekit": "ex02.q1", "nbgrader": {"grade": "yes"}}}, None, False, False),
    ({"cell_type": "code", "metadata": []}, None, False, False),
    ({"cell_type": "code", "metadata": {}, "source": "check.progress()"}, None, False, False),
])
def test_cells_are_told_apart_by_metadata_never_by_source(cell, answer, check, progress):
    assert questions.answer_question(cell) == answer
    assert questions.is_check_cell(cell) is check
    assert questions.is_progress_cell(cell) is progress


def test_the_first_code_cell_asks_for_the_students_id_and_the_solution_uses_the_instructors():
    for path in SOLUTIONS:
        solved, student = read(path), read(KIT / "exercises" / path.name)
        for nb, expected in ((solved, 'student_id = "instructor"'), (student, "student_id = ...")):
            first = next(c for c in nb.cells if c.cell_type == "code")
            assert questions.is_student_cell(first) and expected in first.source
            assert ('"instructor"' in first.source) == (nb is solved)
            assert f'check = Checker("{path.stem[:4]}", student_id)' in first.source


@pytest.mark.parametrize("change, message", [
    (lambda m: m.update(parameters=[{"x": 1}, {"x": 2}]), "at least 4 variants"),
    (lambda m: m.update(parameters=[{"x": 1}, {"x": 2}, {"x": 3}, {"x": 3}]), "two variants have the same"),
    (lambda m: m.update(parameters=[{"x": n} for n in range(4)], text="{y}"), "names a parameter a variant lacks"),
    (lambda m: m.update(parameters=[{"x": n} for n in range(4)], text="same"), "show the same text"),
    (lambda m: m.update(parameters=[{"x": n} for n in range(4)]), "needs its 'text'"),
    (lambda m: m.update(text="a fixed question's text"), "'text' is for varied questions"),
])
def test_variant_authoring_mistakes_are_named(change, message):
    nb = _ex02()
    answer = next(c for c in nb.cells if questions.answer_question(c) == "ex02.q1")
    change(answer.metadata["casekit"])
    with pytest.raises(questions.BuildError, match="ex02.q1: .*" + message):
        questions.read(nb, "ex02")


def test_the_guides_skills_table_is_generated_from_the_tags_and_current():
    from casekit import skills

    root = build.kit_root()
    guide = (root / "solutions" / "README.md").read_text(encoding="utf-8")
    found = skills.auto_checked(root / "solutions")
    assert skills.rewrite(guide, found) == guide, "run 'python -m casekit build-skills-table'"
    # The table counts what the tags say: retagging one question changes its row.
    assert found, "no auto-checked question found"
    first = found[0]
    retagged = [questions.Question(first.id, first.spec, first.points, skill="corroboration"), *found[1:]]
    above, total = skills.above_recall_share(found)
    gained = questions.SKILLS.get(first.skill) != questions.ABOVE_RECALL
    assert skills.above_recall_share(retagged) == (above + gained, total)
    assert (skills.rewrite(guide, retagged) != guide) == gained


def test_an_unknown_skill_is_named():
    nb = nbformat.v4.new_notebook(metadata={"casekit": {"exercise": "ex09"}})
    nb.cells = [nbformat.v4.new_markdown_cell("### Q1"), nbformat.v4.new_code_cell(
        "### BEGIN SOLUTION\nanswer = 1\n### END SOLUTION",
        metadata={"casekit": {"question": "ex09.q1", "type": "number", "skill": "guessing"}})]
    with pytest.raises(questions.BuildError, match="ex09.q1: skill must be one of look-up"):
        questions.read(nb, "ex09.ipynb")

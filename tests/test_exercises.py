"""Exercises: built from solutions, instant feedback that is right, blank, or wrong with the right hint."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from casekit import answers, build, check, questions

KIT = Path(__file__).resolve().parents[1]
SOLUTIONS = build.solution_notebooks(KIT / "solutions")
LESSON_EXERCISES = ["ex01_reading_the_source", "ex02_timeline", "ex03_who_said_what",
                    "ex04_allies_or_partners", "ex05_translation_and_fact_checking", "ex06_synthesis"]
WRITING = ["ex06_synthesis"]  # the lesson-06 argument: one free response, nothing auto-checked
CHECKED = [p for p in SOLUTIONS if p.stem not in WRITING]


def read(path: Path):
    return nbformat.read(path, as_version=4)


def check_lines(nb) -> dict[str, str]:
    """Return each check cell's question id and the verdict line it printed."""
    lines, question = {}, None
    for cell in nb.cells:
        question = questions.answer_question(cell) or question
        if questions.is_check_cell(cell):
            text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream").strip()
            assert cell.metadata["nbgrader"]["grade_id"] == questions.grade_id(question)
            lines[question] = text
    return lines


def test_there_is_an_exercise_for_each_lesson_with_enough_questions():
    assert [p.stem for p in SOLUTIONS] == LESSON_EXERCISES
    total, free = 0, {}
    for path in SOLUTIONS:
        qs = build.questions(read(path), path.name)
        auto = [q for q in qs if not q.free]
        free[path.stem] = len([q for q in qs if q.free])
        if path.stem in WRITING:
            assert auto == [] and free[path.stem] == 1, path.name
            continue
        assert 6 <= len(auto) <= 10, path.name
        assert len({q.spec["type"] for q in auto}) >= 4, f"{path.name}: mix the answer types"
        total += len(auto)
    assert total >= 35
    # One written answer per exercise, except ex04, whose "are they allies?" became the ex06 argument.
    assert free == {stem: 0 if stem == "ex04_allies_or_partners" else 1 for stem in LESSON_EXERCISES}


def test_exercises_and_keys_are_up_to_date_with_the_solutions():
    """The golden test: rebuilding from solutions/ changes nothing that is committed."""
    assert build.check_built() == []


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: p.stem)
def test_stored_verdicts_are_all_correct_in_solutions_and_blank_in_exercises(path):
    solved = check_lines(read(path))
    blank = check_lines(read(KIT / "exercises" / path.name))
    assert solved and set(solved) == set(blank)
    for qid in solved:
        assert solved[qid] == f"✅ {qid}: correct.", solved[qid]
        # nothing is checked until the student has written their id in the first cell
        assert blank[qid].startswith(f"⚠️ {qid}: not checked: you have not written your student id yet"), blank[qid]


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: p.stem)
def test_known_wrong_answers_get_their_own_hints(path, tmp_path):
    """Write a student id and each question's first known wrong answer into the student copy, run it, read the
    verdicts: each gets the hint written for it, filled in for the student's variant."""
    solution = read(path)
    qs = {q.id: q for q in build.questions(solution, path.name) if not q.free}
    student = read(KIT / "exercises" / path.name)
    for cell in student.cells:
        qid = questions.answer_question(cell)
        if qid in qs:
            assert build.PLACEHOLDER in cell.source
            cell.source = cell.source.replace(build.PLACEHOLDER, f"answer = {qs[qid].wrong[0]['code']}")
        elif questions.is_student_cell(cell):
            cell.source = cell.source.replace("student_id = ...", 'student_id = "zoe"', 1)
    build.execute(student, KIT / "exercises", name=path.name)
    verdicts = check_lines(student)
    key = check.load_key(path.stem[:4])
    for qid, q in qs.items():
        assert verdicts[qid].startswith(f"❌ {qid}: not yet"), verdicts[qid]
        variant = check.variant_of(key, qid, "zoe")
        hint = q.hint_of(q.wrong[0]["hint"], variant)
        if hint in key["questions"][qid]["variants"][variant]["hints"].values():  # the wrong answer has its type
            assert "Hint: " + hint in verdicts[qid], \
                f"{qid}: the hint written for {q.wrong[0]['code']!r} is not shown: {verdicts[qid]}"
        else:  # a wrong answer of the wrong type is keyed without a hint: the student is told the type expected
            assert ": expected " in verdicts[qid] and "Hint:" not in verdicts[qid], verdicts[qid]
    wrong = qs
    progress = "".join(o.get("text", "") for o in student.cells[-1].outputs)
    assert f"0 of {len(wrong)} questions correct" in progress and "Not yet right:" in progress


def test_no_answer_is_readable_in_exercises_or_the_package():
    """Solution code never reaches exercises/ or casekit/; keys hold hashes, never canonical answers."""
    shipped = [p.read_text(encoding="utf-8") for p in (KIT / "exercises").glob("*.ipynb")]
    shipped += [p.read_text(encoding="utf-8") for p in (KIT / "casekit").rglob("*") if p.is_file()
                and p.suffix in (".py", ".json", ".js", ".css")]
    for path in SOLUTIONS:
        solution = read(path)
        for cell in solution.cells:
            region = questions.region(cell.source)
            for raw in region.splitlines():
                line = raw.strip()
                if len(line) >= 12 and not line.startswith("#"):
                    assert not any(line in text for text in shipped), f"{path.name}: solution line leaked: {line}"
        exercise = path.stem[:4]
        key = json.loads((KIT / "casekit" / "keys" / f"{exercise}.json").read_text(encoding="utf-8"))
        values = build.record_values(solution, KIT / "solutions", path.name)
        student_code = "\n".join(c.source for c in read(KIT / "exercises" / path.name).cells if c.cell_type == "code")
        for qid, entry in key["questions"].items():
            for v, variant in enumerate(entry["variants"]):
                for value in values[qid][v]["solution"]:
                    canonical = answers.normalise(variant["spec"], value)
                    assert answers.digest(variant["salt"], canonical) in variant["accepted"]
                    if len(canonical) >= 6:
                        assert canonical not in json.dumps(entry, ensure_ascii=False).casefold(), qid
                        assert canonical not in student_code.casefold(), qid


class AlwaysEqual:
    """An answer that claims to equal anything: the trick that fooled nbgrader and nbval checks."""

    def __eq__(self, other):
        return True

    def __hash__(self):
        return 0


class SneakyText(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


@pytest.fixture(scope="module")
def key():
    return check.load_key("ex02")


def test_verdicts_cover_right_blank_wrong_and_typed_mistakes(key):
    assert check.verdict(key, "ex02.q1", 20) == ("correct", "correct.")
    assert check.verdict(key, "ex02.q1", 20.0)[0] == "correct"
    assert check.verdict(key, "ex02.q1", ...)[0] == "unanswered"
    status, message = check.verdict(key, "ex02.q1", 19)
    assert status == "wrong" and "You counted from 5 February" in message
    status, message = check.verdict(key, "ex02.q1", 7)
    assert status == "wrong" and key["questions"]["ex02.q1"]["hint"] in message
    status, message = check.verdict(key, "ex02.q1", "20")
    assert status == "wrong" and "expected a number" in message
    assert check.verdict(key, "ex02.q99", 1)[0] == "error"


def test_objects_that_equal_everything_gain_nothing(key):
    for question in key["questions"]:
        for trick in (AlwaysEqual(), SneakyText("x"), True):
            assert check.verdict(key, question, trick)[0] == "wrong"


def test_the_checker_prints_one_line_and_never_the_answer(capsys):
    checker = check.Checker("ex02", "ann")
    checker("ex02.q1", 21)
    checker("ex02.q6", 30)
    out = capsys.readouterr().out.splitlines()
    assert out == ["❌ ex02.q1: not yet. Hint: You counted both the first and the last day. An interval in days is "
                   "the later date minus the earlier one.", "✅ ex02.q6: correct."]
    checker.progress()
    summary = capsys.readouterr().out
    assert "1 of 8 questions correct" in summary and "Not yet right: ex02.q1." in summary


@pytest.mark.parametrize("student, says", [
    (..., "you have not written your student id yet"), ("", "your student id is empty"),
    (1234, "must be text in quotes"), ("ab/12", "can hold only letters"), ('ann"; x', "can hold only letters"),
    ("x" * 65, "at most 64"),
])
def test_a_missing_or_malformed_student_id_says_what_to_write_and_checks_nothing(student, says, capsys):
    checker = check.Checker("ex02", student)
    checker("ex02.q6", 30)
    assert checker.question("ex02.q4") is None
    checker.progress()
    out = capsys.readouterr().out
    assert out.count(says) == 3 and 'student_id = "ab1234"' in out and "correct" not in out
    assert checker.status == {}


@pytest.mark.parametrize("mode", ["autograde", "validate"])
def test_under_nbgrader_a_check_that_is_not_right_raises_its_verdict(capsys, monkeypatch, mode):
    monkeypatch.setenv("NBGRADER_EXECUTION", mode)
    checker = check.Checker("ex02", "ann")
    checker("ex02.q6", 30)  # right: no exception
    assert capsys.readouterr().out.strip() == "✅ ex02.q6: correct."
    for answer in (21, ..., None, "nonsense"):
        with pytest.raises(AssertionError, match=r"ex02\.q1: not") as raised:
            checker("ex02.q1", answer)
        assert str(raised.value) in capsys.readouterr().out  # the same line is printed, then raised
    with pytest.raises(AssertionError, match="there is no question"):
        checker("ex02.q99", 1)
    with pytest.raises(AssertionError, match="cannot check"):
        check.Checker("ex99")("ex99.q1", 1)


@pytest.mark.parametrize("value", ["", "0", "1", "true", "grade", "Autograde"])
def test_outside_nbgrader_a_check_never_raises(capsys, monkeypatch, value):
    if value:
        monkeypatch.setenv("NBGRADER_EXECUTION", value)
    else:
        monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    checker = check.Checker("ex02", "ann")
    for answer in (21, ..., None, "nonsense"):
        checker("ex02.q1", answer)
    checker("ex02.q99", 1)
    check.Checker("ex99")("ex99.q1", 1)
    assert len(capsys.readouterr().out.strip().splitlines()) == 6


def test_the_progress_line_counts_auto_checked_questions_and_names_the_free_responses(capsys):
    checker = check.Checker("ex02", "ann")
    auto, free = checker.key["questions"], checker.key["free_response"]
    assert free and not set(free) & set(auto)
    checker.progress()
    out = capsys.readouterr().out.splitlines()
    points = sum(entry["points"] for entry in auto.values())
    assert out[0] == f"Progress on ex02: 0 of {len(auto)} questions correct (0 of {points:g} points)."
    assert out[1] == "Not answered yet: " + ", ".join(auto) + "."
    assert out[-1] == "Graded by your instructor: " + ", ".join(free) + "."
    checker.status = dict.fromkeys(auto, "correct")
    checker.progress()
    out = capsys.readouterr().out.splitlines()
    assert out == [f"Progress on ex02: {len(auto)} of {len(auto)} questions correct ({points:g} of {points:g} points).",
                   "Every auto-checked question is right.", "Graded by your instructor: " + ", ".join(free) + "."]


def test_a_missing_key_is_reported_in_the_notebook_not_a_crash(capsys):
    checker = check.Checker("ex99")
    checker("ex99.q1", 1)
    assert "cannot check: no answer key for exercise 'ex99'" in capsys.readouterr().out


def test_a_check_after_a_failed_answer_cell_does_not_judge_the_old_answer(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.run_cell('from casekit.check import Checker\ncheck = Checker("ex02", "ann")')
        shell.run_cell('answer = 30')
        shell.run_cell('check("ex02.q6", answer)')
        assert "ex02.q6: correct" in capsys.readouterr().out
        shell.run_cell("answer = seems")  # a NameError: the earlier, right answer is still in ``answer``
        shell.run_cell('check("ex02.q6", answer)')
        last = capsys.readouterr().out.strip().splitlines()[-1]
        assert "stopped with an error" in last and "correct" not in last
        shell.run_cell('answer = 30')
        shell.run_cell('check("ex02.q6", answer)')
        assert "ex02.q6: correct" in capsys.readouterr().out
    finally:
        InteractiveShell.clear_instance()


def test_authoring_mistakes_are_named(tmp_path):
    solution = read(KIT / "solutions" / "ex02_timeline.ipynb")
    broken = nbformat.from_dict(json.loads(json.dumps(solution)))
    answer_cell = next(c for c in broken.cells if c.metadata.get("casekit", {}).get("question") == "ex02.q1")
    answer_cell.metadata["casekit"]["wrong"] = []
    with pytest.raises(build.BuildError, match="ex02.q1: give at least one known wrong answer"):
        build.questions(broken, "ex02_timeline.ipynb")
    answer_cell.metadata["casekit"]["wrong"] = [{"code": "20", "hint": "oops"}]
    with pytest.raises(build.BuildError, match="the known wrong answer '20' is accepted"):
        build.key(broken, {"ex02.q1": {0: {"solution": [20], "wrong": [20]}}}, "ex02_timeline.ipynb")
    answer_cell.source = "answer = 20"
    with pytest.raises(build.BuildError, match="needs '### BEGIN SOLUTION'"):
        build.questions(broken, "ex02_timeline.ipynb")


def test_student_copy_keeps_code_outside_the_solution_region():
    source = "x = 1\n### BEGIN SOLUTION\nanswer = x + 1\n### END SOLUTION\nprint(answer)"
    assert build._replace_region(source, build.PLACEHOLDER) == f"x = 1\n{build.PLACEHOLDER}\nprint(answer)"

"""One command grades a class: every bad input gets its row and a clear message, tampering gains nothing."""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from casekit import grade
from casekit.grade.run import Limits
from grading_corpus import _solutions as solutions
from grading_corpus import answered, questions, write_corpus

LIMITS = Limits(cell_seconds=5, notebook_seconds=90, memory_mb=2048)


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".cache" not in p.parts}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    submissions = root / "submissions"
    expected = write_corpus(submissions)
    before = snapshot(submissions)
    messages = []
    summary = grade.grade(submissions, root / "results", jobs=2, limits=LIMITS, progress=messages.append,
                          exercises=["ex02"])
    rows = list(csv.DictReader((root / "results" / "grades.csv").open(encoding="utf-8")))
    return {"root": root, "expected": expected, "rows": rows, "before": before, "summary": summary,
            "messages": messages}


def test_every_case_gets_the_status_it_deserves(graded):
    rows = graded["rows"]
    for student, expected in graded["expected"].items():
        for question, status in expected.items():
            found = [r for r in rows if r["student"] == student and r["question"] == question]
            assert len(found) == 1, f"{student} {question}: {len(found)} rows"
            assert found[0]["status"] == status, f"{student} {question}: {found[0]}"
            assert found[0]["message"], f"{student} {question}: no message"


def test_messages_say_what_went_wrong(graded):
    def message(student, question="ex02.q1"):
        return next(r["message"] for r in graded["rows"] if r["student"] == student and r["question"] == question)

    assert "broken JSON at line" in message("truncated") and "cut off" in message("truncated")
    assert message("empty") == "ex02_timeline.ipynb is empty"
    assert "not a notebook (.ipynb)" in message("not_a_notebook_file")
    assert "ran too long" in message("endless_loop")
    assert "kernel died" in message("os_exit", "ex02.q3")
    assert "out of memory" in message("memory_bomb", "ex02.q2")
    assert "no notebook of ex02" in message("no_notebook")
    assert "You counted from 5 February" in message("all_wrong")
    assert "AlwaysEqual object" in message("tamperer")
    assert "holds exercise ex03, which is not among the exercises being graded (ex02)" in message("other_exercise", "-")


def test_notes_on_a_submission_reach_its_feedback_page(graded):
    """What the grader noticed about the files (a misleading name, a second file, a repeated answer cell) is said."""
    def page(student):
        return (graded["root"] / "results" / "feedback" / student / "ex02.html").read_text(encoding="utf-8")

    assert "the file is named ex03_who_said_what.ipynb but holds exercise ex02" in page("misnamed_file").lower()
    assert "another file for ex02 was not graded: ex02_timeline_v2.ipynb" in page("two_files").lower()
    assert "the answer cell of ex02.q1 appears more than once; the last one was graded" in \
        page("duplicated_cells").lower()
    assert "was not graded" not in page("all_right").lower() and "appears more than once" not in page("all_right")


def test_a_notebook_past_its_whole_time_is_stopped_and_its_rest_marked_timeout(tmp_path):
    """Each cell keeps under the per-cell limit, but together they run past the notebook's: the rest is timeout."""
    slow = {q: "import time\ntime.sleep(2)\n" + code for q, code in solutions().items()}
    (tmp_path / "subs" / "slow").mkdir(parents=True)
    nbformat.write(answered(slow), tmp_path / "subs" / "slow" / "ex02_timeline.ipynb")
    grade.grade(tmp_path / "subs", tmp_path / "results", jobs=1, progress=lambda message: None,
                limits=Limits(cell_seconds=30, notebook_seconds=8, memory_mb=2048), exercises=["ex02"])
    rows = {r["question"]: r for r in csv.DictReader((tmp_path / "results" / "grades.csv").open(encoding="utf-8"))}
    last = questions()[-1]
    assert rows[last]["status"] == "timeout" and "8 s" in rows[last]["message"], rows[last]
    for row in rows.values():
        assert row["status"] in ("correct", "timeout"), row
        assert "cell ran too long" not in row["message"], "no single cell passed its own limit"
        if row["status"] == "timeout":
            assert "notebook" in row["message"], row


def test_grades_csv_has_exactly_the_agreed_columns_and_one_row_per_question(graded):
    rows, students = graded["rows"], set(graded["expected"])
    assert list(rows[0]) == ["student", "exercise", "question", "points", "max_points", "status", "message"]
    assert {r["student"] for r in rows} == students
    for student in students:
        graded = [r["question"] for r in rows if r["student"] == student and r["question"] != "-"]
        assert sorted(graded) == sorted(questions())
    assert {r["status"] for r in rows} <= {"correct", "wrong", "unanswered", "error", "timeout", "invalid", "missing"}


def test_gradebook_has_one_row_per_student_and_a_blank_manual_column(graded):
    path = graded["root"] / "results" / "gradebook.csv"
    book = list(csv.DictReader(path.open(encoding="utf-8")))
    assert len(book) == len(graded["expected"])
    manual = [c for c in book[0] if "scored by hand" in c]
    assert manual and all(row[manual[0]] == "" for row in book), "nothing is scored until the sheet says so"
    assert all(row["free responses not scored yet"] == "1" for row in book)
    right = next(r for r in book if r["student"] == "all_right")
    assert right["auto total"] == str(len(questions()))


def test_feedback_pages_give_hints_not_answers(graded):
    results = graded["root"] / "results"
    for student in graded["expected"]:
        page = results / "feedback" / student / "ex02.html"
        assert page.is_file(), student
    wrong = (results / "feedback" / "all_wrong" / "ex02.html").read_text(encoding="utf-8")
    assert "You counted from 5 February" in wrong and "2022-07-20" not in wrong
    assert "Zoë Łukasz-Müller 张伟" in (results / "feedback" / "Zoë Łukasz-Müller 张伟" / "ex02.html").read_text(
        encoding="utf-8")


def test_summary_has_the_class_charts_offline(graded):
    results = graded["root"] / "results"
    summary = (results / "summary.html").read_text(encoding="utf-8")
    assert summary.count('id="casekit-summary-') == 2 and '<script src="plotly.min.js">' in summary
    assert "cdn" not in summary.lower() and (results / "plotly.min.js").stat().st_size > 1_000_000
    assert "Most often not right" in summary and "<code>19</code>" in summary


def test_submissions_are_never_modified(graded):
    assert snapshot(graded["root"] / "submissions") == graded["before"]


def test_progress_and_closing_line(graded):
    messages, summary = graded["messages"], graded["summary"]
    assert any(m.startswith("[1/") for m in messages)
    assert messages[-1].startswith(f"Graded {summary.submissions} submission(s) from {summary.students} student(s)")


def test_resume_skips_what_is_unchanged_and_results_are_stable(graded):
    root = graded["root"]
    before = snapshot(root / "results")
    messages = []
    grade.grade(root / "submissions", root / "results", jobs=2, limits=LIMITS, resume=True,
                progress=messages.append, exercises=["ex02"])
    rerun = sorted(m.split("] ", 1)[1].split("/")[0] for m in messages if m.startswith("["))
    unsettled = sorted({r["student"] for r in graded["rows"] if r["status"] in ("error", "timeout")})
    assert rerun == unsettled, "only submissions with an error or a timeout are graded again"
    assert snapshot(root / "results") == before, "grading again gives the same files"
    changed = root / "submissions" / "blank" / "ex02_timeline.ipynb"
    backup = changed.read_bytes()
    try:
        import nbformat

        nbformat.write(answered({"ex02.q1": "answer = 20"}), changed)
        messages = []
        grade.grade(root / "submissions", root / "results", jobs=2, limits=LIMITS, resume=True,
                    progress=messages.append, exercises=["ex02"])
        assert "blank" in [m.split("] ", 1)[1].split("/")[0] for m in messages if m.startswith("[")]
        rows = list(csv.DictReader((root / "results" / "grades.csv").open(encoding="utf-8")))
        assert next(r for r in rows if r["student"] == "blank" and r["question"] == "ex02.q1")["status"] == "correct"
    finally:
        changed.write_bytes(backup)


def test_two_full_runs_write_identical_files(tmp_path):
    submissions = tmp_path / "class"
    import nbformat

    for student in ("ann", "ben"):
        (submissions / student).mkdir(parents=True)
    nbformat.write(answered({"ex02.q1": "answer = 20", "ex02.q2": "answer = 'a'"}), submissions / "ann" / "ex02.ipynb")
    nbformat.write(answered({"ex02.q3": "answer = '2022-07-20'"}), submissions / "ben" / "ex02.ipynb")
    grade.grade(submissions, tmp_path / "one", jobs=2, limits=LIMITS, progress=lambda m: None)
    grade.grade(submissions, tmp_path / "two", jobs=1, limits=LIMITS, progress=lambda m: None)
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")


def test_command_line_errors_are_clear(tmp_path):
    run = subprocess.run([sys.executable, "-m", "casekit", "grade", str(tmp_path / "nowhere"), "--out",
                          str(tmp_path / "out")], capture_output=True, text=True)
    assert run.returncode == 2 and "no submissions folder" in run.stderr
    (tmp_path / "class").mkdir()
    run = subprocess.run([sys.executable, "-m", "casekit", "grade", str(tmp_path / "class"), "--out",
                          str(tmp_path / "class" / "results")], capture_output=True, text=True)
    assert run.returncode == 2 and "must not be inside the submissions folder" in run.stderr
    run = subprocess.run([sys.executable, "-m", "casekit", "grade", str(tmp_path / "class"), "--out",
                          str(tmp_path / "out"), "--exercise", "ex99"], capture_output=True, text=True)
    assert run.returncode == 2 and "no released exercise ex99" in run.stderr


def test_resume_after_an_interruption_runs_nothing_already_run(tmp_path):
    import os
    import re
    import signal

    import nbformat

    submissions = tmp_path / "class"
    students = [f"student{i}" for i in range(5)]
    for i, student in enumerate(students):
        (submissions / student).mkdir(parents=True)
        nbformat.write(answered({"ex02.q1": f"answer = {18 + i}"}), submissions / student / "ex02.ipynb")
    command = [sys.executable, "-m", "casekit", "grade", str(submissions), "--out", str(tmp_path / "out"),
               "--jobs", "1", "--timeout", "20", "--resume"]
    first = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    graded_before = []
    progress = re.compile(r"^\[\d+/\d+\] ([^/]+)/")
    for line in first.stderr:
        if progress.match(line):
            graded_before.append(progress.match(line).group(1))
            if len(graded_before) == 2:
                os.kill(first.pid, signal.SIGKILL)  # interrupted, as by a power cut: nothing written after this
                break
    first.wait()
    first.stderr.close()
    assert not (tmp_path / "out" / "grades.csv").exists()
    again = subprocess.run(command, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-2000:]
    graded_after = [progress.match(m).group(1) for m in again.stderr.splitlines() if progress.match(m)]
    assert sorted(graded_before + graded_after) == students, (graded_before, graded_after)
    rows = list(csv.DictReader((tmp_path / "out" / "grades.csv").open(encoding="utf-8")))
    correct = {r["student"] for r in rows if r["question"] == "ex02.q1" and r["status"] == "correct"}
    assert correct == {"student2"}  # 20 days: the answers scored from the cache are scored like the others

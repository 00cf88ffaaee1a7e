"""Score reported answer values against the key in ``solutions/``, in the grader process.

The key here is plain: the canonical text of every accepted answer and of every known wrong answer (with its
hint), computed by running the solution notebook once. Comparison is between canonical texts made by
``casekit.answers.normalise``, the same function the students' instant check uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from casekit import answers, build, questions


@dataclass
class QuestionKey:
    """What the grader knows about one question."""

    id: str
    spec: dict
    points: float
    hint: str
    accepted: set[str]
    wrong_hints: dict[str, str]
    free: bool = False


@dataclass
class Row:
    """One line of grades.csv."""

    student: str
    exercise: str
    question: str
    points: float
    max_points: float
    status: str
    message: str

    def as_list(self) -> list:
        return [self.student, self.exercise, self.question, f"{self.points:g}", f"{self.max_points:g}",
                self.status, self.message]


def exercise_key(solution: Path) -> dict[str, QuestionKey]:
    """Run a solution notebook once and return its questions' plain keys, by question id."""
    import nbformat

    nb = nbformat.read(solution, as_version=4)
    values = build.record_values(nb, solution.parent, solution.name)
    key = {}
    for q in questions.read(nb, solution.name):
        if q.free:
            key[q.id] = QuestionKey(q.id, q.spec, q.points, "", set(), {}, free=True)
            continue
        accepted, hints = questions.canonical_answers(q, values.get(q.id, {}), solution.name)
        key[q.id] = QuestionKey(q.id, q.spec, q.points, q.hint, set(accepted), hints)
    return key


def rows_of(student: str, exercise: str, key: dict[str, QuestionKey], outcome) -> tuple[list[Row], dict[str, str]]:
    """Return the rows of one run submission, one per auto-checked question, and its wrong answers (canonical)."""
    rows, wrongs = [], {}
    for qid, qkey in key.items():
        if qkey.free:
            continue
        if qid in outcome.problems:
            status, message = outcome.problems[qid]
            rows.append(Row(student, exercise, qid, 0, qkey.points, status, message))
            continue
        status, points, message, canonical = score(qkey, outcome.values.get(qid))
        rows.append(Row(student, exercise, qid, points, qkey.points, status, message))
        if status == "wrong":
            wrongs[qid] = canonical[:200]
    return rows, wrongs


def score(key: QuestionKey, reported: dict | None) -> tuple[str, float, str, str]:
    """Return (status, points, message, canonical answer) for one question from its reported, serialised value.

    The value comes from the student's kernel: one that cannot be decoded or normalised, however it was made,
    is this question's ``error``, never the run's.
    """
    if reported is None or reported.get("kind") == "blank":
        return "unanswered", 0.0, "not answered", ""
    try:
        value = answers.deserialise(reported)
    except (answers.AnswerTypeError, RecursionError):
        return "error", 0.0, "the answer's value could not be read", ""
    try:
        canonical = answers.normalise(key.spec, value)
    except answers.AnswerTypeError as err:
        return "wrong", 0.0, f"not the right kind of answer: {err}", f"({answers.describe(value)})"
    except Exception as err:  # noqa: BLE001 - a value no honest answer could have (e.g. an odd table)
        return "error", 0.0, f"the answer's value could not be read ({type(err).__name__})", ""
    if canonical in key.accepted:
        return "correct", key.points, "correct", canonical
    hint = key.wrong_hints.get(canonical) or key.hint
    return "wrong", 0.0, (f"not right. Hint: {hint}" if hint else "not right"), canonical

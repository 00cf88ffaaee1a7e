"""Score reported answer values against the key in ``solutions/``, in the grader process.

The key here is plain: the canonical text of every accepted answer and of every known wrong answer (with its
hint), computed by running the solution notebook once. Comparison is between canonical texts made by
``casekit.answers.normalise``, the same function the students' instant check uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from casekit import answers, build


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
    for q in build.questions(nb, solution.name):
        if q.free:
            key[q.id] = QuestionKey(q.id, q.spec, q.points, "", set(), {}, free=True)
            continue
        accepted, hints = build.canonical_answers(q, values.get(q.id, {}), solution.name)
        key[q.id] = QuestionKey(q.id, q.spec, q.points, q.hint, set(accepted), hints)
    return key


def score(key: QuestionKey, reported: dict | None) -> tuple[str, float, str, str]:
    """Return (status, points, message, canonical answer) for one question from its reported, serialised value."""
    if reported is None or reported.get("kind") == "blank":
        return "unanswered", 0.0, "not answered", ""
    value = answers.deserialise(reported)
    try:
        canonical = answers.normalise(key.spec, value)
    except answers.AnswerTypeError as err:
        return "wrong", 0.0, f"not the right kind of answer: {err}", f"({answers.describe(value)})"
    if canonical in key.accepted:
        return "correct", key.points, "correct", canonical
    hint = key.wrong_hints.get(canonical) or key.hint
    return "wrong", 0.0, (f"not right. Hint: {hint}" if hint else "not right"), canonical

"""Score reported answer values against the key in ``solutions/``, in the grader process.

The key here is plain: the canonical text of every accepted answer and of every known wrong answer (with its
hint), computed by running the solution notebook once. Comparison is between canonical texts made by
``casekit.answers.normalise``, the same function the students' instant check uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    prompt: str = ""  # the question as the exercise asks it (its markdown cell)
    solution: str = ""  # the solution region: code for an auto-checked question, the model answer and rubric for a free one


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


@dataclass
class Graded:
    """Everything grading one submission gave: its rows, notes, and what the student answered."""

    rows: list[Row]
    notes: list[str] = field(default_factory=list)
    given: dict[str, str] = field(default_factory=dict)  # question -> canonical text of the answer scored
    responses: dict = field(default_factory=dict)  # question -> responses.Response, as written in the notebook

    @property
    def wrongs(self) -> dict[str, str]:
        """The canonical text of each wrong answer, by question (for the summary's common wrong answers)."""
        wrong = {r.question for r in self.rows if r.status == "wrong"}
        return {q: text for q, text in self.given.items() if q in wrong}


def exercise_key(solution: Path) -> dict[str, QuestionKey]:
    """Run a solution notebook once and return its questions' plain keys, by question id."""
    import nbformat

    nb = nbformat.read(solution, as_version=4)
    values = build.record_values(nb, solution.parent, solution.name)
    key = {}
    for q in questions.read(nb, solution.name):
        prompt, solved = _prompt(nb, q.cell), questions.region(nb.cells[q.cell].source).strip()
        if q.free:
            key[q.id] = QuestionKey(q.id, q.spec, q.points, "", set(), {}, free=True, prompt=prompt, solution=solved)
            continue
        accepted, hints = questions.canonical_answers(q, values.get(q.id, {}), solution.name)
        key[q.id] = QuestionKey(q.id, q.spec, q.points, q.hint, set(accepted), hints, prompt=prompt, solution=solved)
    return key


def _prompt(nb, index: int) -> str:
    """Return the prompt of the question whose answer cell is at ``index``: the nearest cell above that starts
    with a question heading (``### Q2 (1 point)``), and the text cells between it and the answer cell."""
    for at in range(index - 1, -1, -1):
        cell = nb.cells[at]
        if cell.cell_type == "markdown" and questions.HEADING.match(cell.source.split("\n", 1)[0]):
            return "\n\n".join(c.source.strip() for c in nb.cells[at:index] if c.cell_type == "markdown"
                               and not questions.question_of(c))
    return ""


def rows_of(student: str, exercise: str, key: dict[str, QuestionKey], outcome) -> tuple[list[Row], dict[str, str]]:
    """Return the rows of one run submission, one per auto-checked question, and its answers' canonical texts."""
    rows, given = [], {}
    for qid, qkey in key.items():
        if qkey.free:
            continue
        if qid in outcome.problems:
            status, message = outcome.problems[qid]
            rows.append(Row(student, exercise, qid, 0, qkey.points, status, message))
            continue
        status, points, message, canonical = score(qkey, outcome.values.get(qid))
        rows.append(Row(student, exercise, qid, points, qkey.points, status, message))
        if status in ("wrong", "correct"):
            given[qid] = canonical[:200]
    return rows, given


def score(key: QuestionKey, reported: dict | None) -> tuple[str, float, str, str]:
    """Return (status, points, message, canonical answer) for one question from its reported, serialised value.

    The value comes from the student's kernel: one that cannot be decoded or normalised, however it was made,
    is this question's ``error``, never the run's.
    """
    if reported is None or reported.get("kind") == "blank":
        return "unanswered", 0.0, "Not answered.", ""
    try:
        value = answers.deserialise(reported)
    except (answers.AnswerTypeError, RecursionError):
        return "error", 0.0, "The answer's value could not be read.", ""
    try:
        canonical = answers.normalise(key.spec, value)
    except answers.AnswerTypeError as err:
        return "wrong", 0.0, f"Not the right kind of answer: {err}.", f"({answers.describe(value)})"
    except Exception as err:  # noqa: BLE001 - a value no honest answer could have (e.g. an odd table)
        return "error", 0.0, f"The answer's value could not be read ({type(err).__name__}).", ""
    if canonical in key.accepted:
        return "correct", key.points, "Correct.", canonical
    hint = key.wrong_hints.get(canonical) or key.hint
    return "wrong", 0.0, (f"Not right. Hint: {_sentence(hint)}" if hint else "Not right."), canonical


def _sentence(text: str) -> str:
    """Return ``text`` as a sentence: a capital first letter (hints are authored in lower case after a colon).

    >>> _sentence("subtract the dates."), _sentence("`events` first.")
    ('Subtract the dates.', '`events` first.')
    """
    return text[:1].upper() + text[1:]

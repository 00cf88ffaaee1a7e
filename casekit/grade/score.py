"""Score reported answer values against the key computed from ``solutions/``, in the grader process.

The key here is plain: for each variant of each question, the canonical text of every accepted answer and of
every known wrong answer (with its hint), computed by running the solution notebook once per variant. Which
variant a student is scored on follows from the **name of their submission folder** and the course secret, never
from anything in the notebook: a student who types a classmate's id is still graded on their own variant.
Comparison is between canonical texts made by ``casekit.answers.normalise``, the function the instant check uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from casekit import answers, build, course, questions


@dataclass
class VariantKey:
    """What the grader knows about one variant of a question."""

    spec: dict
    accepted: set[str]
    wrong_hints: dict[str, str]
    text: str = ""
    parameters: dict = field(default_factory=dict)


@dataclass
class QuestionKey:
    """What the grader knows about one question: its variants, and the seed that picks a student's."""

    id: str
    points: float
    hint: str
    variants: list[VariantKey] = field(default_factory=list)
    free: bool = False
    seed: str = ""
    prompt: str = ""  # the question as the exercise asks it (its markdown cell)
    solution: str = ""  # the solution region: code for an auto-checked question, the model answer and rubric for a free one

    def variant_for(self, student: str) -> int:
        """Return the index of the variant ``student`` (a submission folder's name) is scored on."""
        return questions.variant_index(self.seed, student, self.id, len(self.variants))

    def of(self, student: str) -> VariantKey:
        """Return the variant ``student`` is scored on."""
        return self.variants[self.variant_for(student)]


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


def exercise_key(solution: Path, secret: course.Secret | None = None) -> dict[str, QuestionKey]:
    """Run a solution notebook once per variant and return its questions' plain keys, by question id."""
    import nbformat

    secret = secret or course.load()
    nb = questions.generate(nbformat.read(solution, as_version=4), solution.name)
    values = build.record_values(nb, solution.parent, solution.name, secret=secret)
    key = {}
    for q in questions.read(nb, solution.name):
        prompt, solved = _prompt(nb, q.cell), questions.region(nb.cells[q.cell].source).strip()
        if q.free:
            key[q.id] = QuestionKey(q.id, q.points, "", [VariantKey(q.spec, set(), {})], free=True,
                                    seed=secret.variant_seed, prompt=prompt, solution=solved)
            continue
        variants = []
        for v in range(q.variants):
            accepted, hints = questions.canonical_answers(q, values.get(q.id, {}).get(v, {}), solution.name, v)
            variants.append(VariantKey(q.spec_of(v), set(accepted), hints, q.text_of(v) if q.varied else "",
                                       q.values(v)))
        key[q.id] = QuestionKey(q.id, q.points, q.hint, variants, seed=secret.variant_seed, prompt=prompt,
                                solution=solved)
    return key


def solution_of(folder: Path, exercise: str) -> Path:
    """Return the solution notebook of ``exercise`` in ``folder``."""
    for path in build.solution_notebooks(folder):
        if path.name.startswith(exercise + "_"):
            return path
    raise FileNotFoundError(f"no solution notebook for {exercise} in {folder}")


def variant_values(key: dict[str, QuestionKey], student: str) -> dict[str, dict]:
    """Return the values of each varied question's variant for ``student``: what their notebook is given."""
    return {q.id: q.of(student).parameters for q in key.values() if not q.free and len(q.variants) > 1}


def _prompt(nb, index: int) -> str:
    """Return the prompt of the question whose answer cell is at ``index``: the nearest cell above that starts
    with a question heading (``### Q2 (1 point)``), and the text cells between it and the answer cell."""
    for at in range(index - 1, -1, -1):
        cell = nb.cells[at]
        if cell.cell_type == "markdown" and questions.HEADING.match(cell.source.split("\n", 1)[0]):
            return "\n\n".join(c.source.strip() for c in nb.cells[at:index] if c.cell_type == "markdown"
                               and not questions.question_of(c))
    return ""


def rows_of(student: str, exercise: str, key: dict[str, QuestionKey], outcome, student_id: str | None = None
            ) -> tuple[list[Row], dict[str, str]]:
    """Return the rows of one run submission, one per auto-checked question, and its answers' canonical texts.

    ``student_id`` (the submission folder's name; by default ``student``) picks the variants scored.
    """
    rows, given = [], {}
    student_id = student if student_id is None else student_id
    for qid, qkey in key.items():
        if qkey.free:
            continue
        if qid in outcome.problems:
            status, message = outcome.problems[qid]
            rows.append(Row(student, exercise, qid, 0, qkey.points, status, message))
            continue
        status, points, message, canonical = score(qkey, outcome.values.get(qid), qkey.variant_for(student_id))
        rows.append(Row(student, exercise, qid, points, qkey.points, status, message))
        if status in ("wrong", "correct", "partial"):
            given[qid] = canonical[:200]
    return rows, given


def score(key: QuestionKey, reported: dict | None, variant: int = 0) -> tuple[str, float, str, str]:
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
    chosen = key.variants[variant]
    try:
        canonical = answers.normalise(chosen.spec, value)
    except answers.AnswerTypeError as err:
        return "wrong", 0.0, f"Not the right kind of answer: {err}.", f"({answers.describe(value)})"
    except Exception as err:  # noqa: BLE001 - a value no honest answer could have (e.g. an odd table)
        return "error", 0.0, f"The answer's value could not be read ({type(err).__name__}).", ""
    if canonical in chosen.accepted:
        return "correct", key.points, "Correct.", canonical
    if chosen.spec.get("type") == "annotations" and chosen.accepted:
        from casekit import annotation_answers as marked

        targets = sorted(chosen.accepted)[0]
        points = marked.points_for(key.points, targets, canonical)
        status = "correct" if points >= key.points else "partial" if points > 0 else "wrong"
        return status, points, f"{_sentence(marked.found_message(targets, canonical))}.", canonical
    hint = chosen.wrong_hints.get(canonical) or key.hint
    return "wrong", 0.0, (f"Not right. Hint: {_sentence(hint)}" if hint else "Not right."), canonical


def _sentence(text: str) -> str:
    """Return ``text`` as a sentence: a capital first letter (hints are authored in lower case after a colon).

    >>> _sentence("subtract the dates."), _sentence("`events` first.")
    ('Subtract the dates.', '`events` first.')
    """
    return text[:1].upper() + text[1:]

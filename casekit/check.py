"""Instant feedback in an exercise notebook: ``check(question, answer)`` prints one verdict line.

An exercise notebook starts with::

    from casekit.check import Checker
    check = Checker("ex02")

and after each question::

    check("ex02.q3", answer)

which prints exactly one line: correct; not answered yet; or not yet right, with a hint. Where the instructor
foresaw a particular wrong answer, the hint is written for it ("You counted from 5 February…"). The verdict never
shows the answer: the exercise's key (``casekit/keys/ex02.json``) holds only salted hashes of the accepted answers,
and ``casekit.answers`` turns the student's value into canonical text before hashing it, so the student's own
objects are never asked whether they are equal to anything.

A salted hash hides the answers from a casual look, not from a determined student with a small answer space to try:
the grade that counts is decided by ``python -m casekit grade``, outside the student's kernel, against the key in
``solutions/``. The instant check is for learning.

``check.progress()`` prints the score so far and the questions that remain.

Under nbgrader (``nbgrader autograde`` or ``validate``, which set ``$NBGRADER_EXECUTION``), a check that is not
correct also raises ``AssertionError`` with its verdict, so that nbgrader, which scores a check cell by whether it
raised, gives the question's points only for a right answer. Anywhere else a check never raises: a student's
notebook always runs to the end.
"""

from __future__ import annotations

import json
import os
from importlib import resources

from casekit import answers

RECORD_ENV = "CASEKIT_RECORD"
NBGRADER_ENV = "NBGRADER_EXECUTION"  # nbgrader sets it to "autograde" or "validate" while it runs a notebook
_KEYS = "keys"


def _previous_cell_failed() -> bool:
    """Return True when this runs in IPython and the cell run before the current one raised an error.

    Without this, ``answer = seems`` (a NameError) followed by its check would judge the answer left over from an
    earlier try, and could print a tick next to an error.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the kit's dependencies
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "last_execution_succeeded", True) is False


class UnknownExercise(LookupError):
    """No key exists for this exercise: the exercise name is wrong, or the exercises were not built."""


def load_key(exercise: str) -> dict:
    """Return the hashed key of ``exercise`` (e.g. ``"ex02"``) shipped inside the package."""
    path = resources.files("casekit").joinpath(_KEYS, f"{exercise}.json")
    if not path.is_file():
        raise UnknownExercise(f"no answer key for exercise {exercise!r}; instructors: run "
                              "'python -m casekit build-exercises' to build it")
    return json.loads(path.read_text(encoding="utf-8"))


def verdict(key: dict, question: str, value) -> tuple[str, str]:
    """Return (status, message) for ``value`` as the answer to ``question``: correct, unanswered or wrong."""
    entry = key["questions"].get(question)
    if entry is None:
        known = ", ".join(key["questions"])
        return "error", f"there is no question {question!r} in {key['exercise']}; the questions are: {known}"
    if value is Ellipsis or value is None:
        return "unanswered", "not answered yet. Replace the ... with your answer, then run this cell again."
    try:
        canonical = answers.normalise(entry["spec"], value)
    except answers.AnswerTypeError as err:
        return "wrong", f"not yet: {err}."
    hashed = answers.digest(entry["salt"], canonical)
    if hashed in entry["accepted"]:
        return "correct", "correct."
    hint = entry["hints"].get(hashed) or entry.get("hint") or "check your reasoning against the sources."
    return "wrong", f"not yet. Hint: {hint}"


SYMBOLS = {"correct": "✅", "unanswered": "⬜", "wrong": "❌", "error": "⚠️"}


class Checker:
    """The ``check`` of one exercise: call it with a question id and an answer; ``progress()`` sums up."""

    def __init__(self, exercise: str):
        self.exercise = exercise
        try:
            self.key: dict | None = load_key(exercise)
            self.missing = ""
        except UnknownExercise as err:  # reported at each check, so the notebook still runs
            self.key, self.missing = None, str(err)
        self.status: dict[str, str] = {}

    def __call__(self, question: str, value) -> None:
        """Print one verdict line for ``value`` as the answer to ``question`` (under nbgrader, raise if not right)."""
        if self.key is None:
            _say(f"{SYMBOLS['error']} {question}: cannot check: {self.missing}.")
            return
        if _previous_cell_failed():
            _say(f"{SYMBOLS['error']} {question}: the cell you ran just before this check stopped with an error, "
                 "so it did not set a new answer. Fix that cell and run it, then run this check again.")
            return
        status, message = verdict(self.key, question, value)
        if status != "error":
            self.status[question] = status
        _say(f"{SYMBOLS[status]} {question}: {message}", correct=status == "correct")

    def progress(self) -> None:
        """Print the score so far, and which questions are still unanswered or not yet right."""
        if self.key is None:
            print(f"{SYMBOLS['error']} cannot sum up: {self.missing}.")
            return
        questions = self.key["questions"]
        done = [q for q in questions if self.status.get(q) == "correct"]
        points = sum(questions[q]["points"] for q in done)
        total = sum(entry["points"] for entry in questions.values())
        if not questions:
            print(f"{self.exercise} has no auto-checked questions.")
        else:
            print(f"Progress on {self.exercise}: {len(done)} of {len(questions)} questions correct "
                  f"({points:g} of {total:g} points).")
        unanswered = [q for q in questions if self.status.get(q, "unanswered") == "unanswered"]
        wrong = [q for q in questions if self.status.get(q) == "wrong"]
        if unanswered:
            print("Not answered yet: " + ", ".join(unanswered) + ".")
        if wrong:
            print("Not yet right: " + ", ".join(wrong) + ".")
        if questions and not unanswered and not wrong:
            print("Every auto-checked question is right.")
        free = self.key.get("free_response", [])
        if free:
            print("Graded by your instructor: " + ", ".join(free) + ".")


def under_nbgrader() -> bool:
    """Return True while nbgrader autogrades or validates this notebook."""
    return os.environ.get(NBGRADER_ENV, "") in ("autograde", "validate")


def _say(line: str, correct: bool = False) -> None:
    """Print a verdict line; under nbgrader, raise it as an ``AssertionError`` unless the answer is correct."""
    print(line)
    if not correct and under_nbgrader():
        raise AssertionError(line)


def record(question: str, label: str, value) -> None:
    """Append ``value``, serialised, to the file named by $CASEKIT_RECORD (used when building the key)."""
    path = os.environ.get(RECORD_ENV)
    if not path:
        raise RuntimeError(f"record() needs ${RECORD_ENV} to name the file to write")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"question": question, "label": label, "value": answers.serialise(value)}) + "\n")

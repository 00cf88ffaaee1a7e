"""Instant feedback in an exercise notebook: ``check(question, answer)`` prints one verdict line.

An exercise notebook's first code cell holds the student's id and the checker (``casekit.questions`` generates
it)::

    student_id = "ab1234"
    from casekit.check import Checker
    check = Checker("ex02", student_id)

A varied question is shown by a cell ``q4 = check.question("ex02.q4")``, which prints the text of the student's
variant and gives its values (``q4["first"]``); after each answer comes ``check("ex02.q4", answer)``, which prints
exactly one line. Which variant a student gets follows from their id and the course's variant seed
(``casekit.questions.variant_index``); until the id is written, nothing is shown or checked, and the message says
what to write.

The key (``casekit/keys/ex02.json``, or the folder named by ``$CASEKIT_KEYS``) comes in two releases:

- **practice**: the verdict is correct; not answered yet; or not yet right, with a hint (written for the particular
  wrong answer where the instructor foresaw one). The key holds only salted hashes of the accepted answers of each
  variant, salted by the course secret; ``casekit.answers`` turns the student's value into canonical text before
  hashing it, so the student's own objects are never asked whether they are equal to anything. A hash hides an
  answer from a look, not from a student who tries every value of a small answer space: the practice release is
  for learning.
- **assessed**: the key holds no hash, hint or any other function of an answer, only each question's type; the
  check says whether the answer has the right shape ("recorded: a list of 3 texts"). The grader decides.

``check.progress()`` prints the score so far (practice) or what has been recorded (assessed).

Under nbgrader (``nbgrader autograde`` or ``validate``, which set ``$NBGRADER_EXECUTION``), a check that is not
correct also raises ``AssertionError`` with its verdict, so that nbgrader, which scores a check cell by whether it
raised, gives the question's points only for a right answer. Anywhere else a check never raises: a student's
notebook always runs to the end.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path

from casekit import answers, questions

RECORD_ENV = "CASEKIT_RECORD"
KEYS_ENV = "CASEKIT_KEYS"  # a folder of keys to use instead of the package's (an assessed release, a build)
VARIANT_ENV = "CASEKIT_VARIANT"  # set by build-exercises only: show and check this variant of every question
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


# JupyterLab sets printed output with ``word-break: break-all``, so a hint wraps in the middle of a word ("5t|h").
# An exercise's first cell (``Checker(...)``) adds this rule to the page while the notebook is open: printed lines
# wrap between words, and only a word longer than the whole line is broken.
WRAP_BETWEEN_WORDS = ("<style>.jp-Notebook .jp-OutputArea-output pre { word-break: normal; "
                      "overflow-wrap: anywhere; }</style>")


def _wrap_between_words() -> None:
    """In JupyterLab (an IPython kernel), make printed lines wrap between words; elsewhere, do nothing."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with the kit's dependencies
        return
    shell = get_ipython()
    if shell is not None and type(shell).__name__ == "ZMQInteractiveShell":
        display({"text/html": WRAP_BETWEEN_WORDS, "text/plain": ""}, raw=True)  # nothing to read in plain text


class UnknownExercise(LookupError):
    """No key exists for this exercise: the exercise name is wrong, or the exercises were not built."""


def load_key(exercise: str) -> dict:
    """Return the key of ``exercise`` (e.g. ``"ex02"``): from ``$CASEKIT_KEYS`` if set, else the package's."""
    folder = os.environ.get(KEYS_ENV)
    path = (Path(folder) / f"{exercise}.json") if folder else resources.files("casekit").joinpath(_KEYS,
                                                                                                    f"{exercise}.json")
    if not path.is_file():
        raise UnknownExercise(f"no answer key for exercise {exercise!r}; instructors: run "
                              "'python -m casekit build-exercises' to build it")
    return json.loads(path.read_text(encoding="utf-8"))


def variant_of(key: dict, question: str, student: str) -> int:
    """Return the variant of ``question`` that ``student`` gets under this key."""
    count = len(key["questions"][question]["variants"])
    forced = os.environ.get(VARIANT_ENV)
    if forced is not None and forced.isdigit():
        return int(forced) % count
    return questions.variant_index(key["variant_seed"], student, question, count)


def verdict(key: dict, question: str, value, variant: int = 0) -> tuple[str, str]:
    """Return (status, message) for ``value`` as the answer to one variant of ``question``.

    The status is correct, unanswered or wrong in a practice key; in an assessed key, ``recorded`` (the answer has
    the right shape) or ``wrong`` (it has not: the message says what is expected).
    """
    entry = key["questions"].get(question)
    if entry is None:
        known = ", ".join(key["questions"])
        return "error", f"there is no question {question!r} in {key['exercise']}; the questions are: {known}"
    if value is Ellipsis or value is None:
        return "unanswered", "not answered yet. Replace the ... with your answer, then run this cell again."
    chosen = entry["variants"][variant]
    try:
        canonical = answers.normalise(chosen["spec"], value)
    except answers.AnswerTypeError as err:
        return "wrong", f"not yet: {err}."
    if key.get("release") == "assessed":
        return "recorded", f"recorded: {answers.shape(chosen['spec'], canonical)}. Your instructor's grader decides."
    hashed = answers.digest(chosen["salt"], canonical)
    if hashed in chosen["accepted"]:
        return "correct", "correct."
    if chosen["spec"].get("type") == "annotations" and chosen.get("targets"):
        from casekit import annotation_answers

        found, _, count = annotation_answers.hashed_tally(chosen["salt"], chosen["targets"], canonical)
        words = annotation_answers.hashed_message(chosen["salt"], chosen["targets"], canonical)
        return ("correct", f"correct: {words}.") if found == count and "among them" not in words else (
            "wrong", f"not yet: {words}.")
    hint = chosen["hints"].get(hashed) or entry.get("hint") or "check your reasoning against the sources."
    return "wrong", f"not yet. Hint: {hint}"


SYMBOLS = {"correct": "✅", "unanswered": "⬜", "wrong": "❌", "error": "⚠️", "recorded": "📝"}


class Checker:
    """The ``check`` of one exercise for one student: call it with a question id and an answer."""

    def __init__(self, exercise: str, student_id=None):
        self.exercise, self.student = exercise, student_id
        self.status: dict[str, str] = {}
        self.problem = questions.student_problem(student_id)
        self._given: dict[str, dict] | None = None
        try:
            self.key: dict | None = load_key(exercise)
            self.missing = ""
        except UnknownExercise as err:  # reported at each check, so the notebook still runs
            self.key, self.missing = None, str(err)
        _wrap_between_words()

    @classmethod
    def for_grading(cls, exercise: str, student_id: str, values: dict[str, dict]) -> "Checker":
        """Return the checker the grader puts in a submission's first cell: it knows the values of the student's
        variants (from the grader) and checks nothing, as the grader never runs check cells."""
        checker = cls.__new__(cls)
        checker.exercise, checker.student, checker.status = exercise, student_id, {}
        checker.problem, checker.key, checker.missing, checker._given = "", None, "graded", dict(values)
        return checker

    def question(self, question: str) -> dict | None:
        """Show the text of the student's variant of a varied question; return its values (a dict)."""
        if self._given is not None:
            return dict(self._given.get(question, {}))
        if self.key is None or self.problem:
            print(f"{SYMBOLS['error']} {question}: {self.missing or self.problem}.")
            return None
        entry = self.key["questions"].get(question)
        if entry is None or not entry["variants"][0].get("text"):
            print(f"{SYMBOLS['error']} {question}: not a question with variants in {self.exercise}.")
            return None
        chosen = entry["variants"][variant_of(self.key, question, self.student)]
        if self.student == questions.INSTRUCTOR:  # the instructor's copy shows every variant under their own
            listing = "\n".join(f"{n}. " + v["text"].replace("\n", "\n   ") for n, v in
                                 enumerate(entry["variants"], 1))
            _show_markdown(f"{chosen['text']}\n\n**All variants of {question}** (instructors only; each student "
                           f"gets one, chosen from their id and the course secret; `python -m casekit key "
                           f"{self.exercise} --student ID` shows a student's variant and its accepted answers):"
                           f"\n\n{listing}")
        else:
            _show_markdown(chosen["text"])
        return dict(chosen["parameters"])

    def __call__(self, question: str, value) -> None:
        """Print one verdict line for ``value`` as the answer to ``question`` (under nbgrader, raise if not right)."""
        if self._given is not None:
            return
        if self.key is None:
            _say(f"{SYMBOLS['error']} {question}: cannot check: {self.missing}.")
            return
        if self.problem:
            _say(f"{SYMBOLS['error']} {question}: not checked: {self.problem}.")
            return
        if _previous_cell_failed():
            _say(f"{SYMBOLS['error']} {question}: the cell you ran just before this check stopped with an error, "
                 "so it did not set a new answer. Fix that cell and run it, then run this check again.")
            return
        variant = variant_of(self.key, question, self.student) if question in self.key["questions"] else 0
        status, message = verdict(self.key, question, value, variant)
        if status != "error":
            self.status[question] = status
        _say(f"{SYMBOLS[status]} {question}: {message}", correct=status == "correct")

    def progress(self) -> None:
        """Print the score so far, and which questions are still unanswered or not yet right."""
        if self.key is None or self.problem:
            print(f"{SYMBOLS['error']} cannot sum up: {self.missing or self.problem}.")
            return
        questions_ = self.key["questions"]
        unanswered = [q for q in questions_ if self.status.get(q, "unanswered") == "unanswered"]
        wrong = [q for q in questions_ if self.status.get(q) == "wrong"]
        if self.key.get("release") == "assessed":
            done = [q for q in questions_ if self.status.get(q) == "recorded"]
            print(f"Recorded on {self.exercise}: {len(done)} of {len(questions_)} answers of the right shape. "
                  "Your instructor's grader gives the score.")
        elif not questions_:
            print(f"{self.exercise} has no auto-checked questions.")
            done = []
        else:
            done = [q for q in questions_ if self.status.get(q) == "correct"]
            points = sum(questions_[q]["points"] for q in done)
            total = sum(entry["points"] for entry in questions_.values())
            print(f"Progress on {self.exercise}: {len(done)} of {len(questions_)} questions correct "
                  f"({points:g} of {total:g} points).")
        if unanswered:
            print("Not answered yet: " + ", ".join(unanswered) + ".")
        if wrong:
            print("Not yet right: " + ", ".join(wrong) + ".")
        if questions_ and not unanswered and not wrong:
            print("Every auto-checked question is " + ("recorded." if self.key.get("release") == "assessed"
                                                      else "right."))
        free = self.key.get("free_response", [])
        if free:
            print("Graded by your instructor: " + ", ".join(free) + ".")


def _show_markdown(text: str) -> None:
    """Display ``text`` as Markdown in a notebook (as plain text elsewhere)."""
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:  # pragma: no cover - IPython comes with the kit's dependencies
        print(text)
        return
    if get_ipython() is None:
        print(text)
    else:
        display(Markdown(text))


def under_nbgrader() -> bool:
    """Return True while nbgrader autogrades or validates this notebook."""
    return os.environ.get(NBGRADER_ENV, "") in ("autograde", "validate")


def _say(line: str, correct: bool = False) -> None:
    """Print a verdict line; under nbgrader, raise it as an ``AssertionError`` unless the answer is correct."""
    print(line)
    if not correct and under_nbgrader():
        raise AssertionError(line)


def record(question: str, label: str, value, variant: int = 0) -> None:
    """Append ``value``, serialised, to the file named by $CASEKIT_RECORD (used when building the key)."""
    path = os.environ.get(RECORD_ENV)
    if not path:
        raise RuntimeError(f"record() needs ${RECORD_ENV} to name the file to write")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"question": question, "label": label, "variant": variant,
                                 "value": answers.serialise(value)}) + "\n")

"""The rules of an exercise notebook, in one place: how a question is declared, found and checked.

``build`` (which writes the students' exercises), ``check`` (the instant verdict) and ``grade`` (the grader) all
read notebooks through this module, so they agree on what a question, an answer cell or a check cell is. Nothing
here runs a notebook.

**Declaring a question.** In a solution notebook (``solutions/exNN_<topic>.ipynb``, whose notebook metadata has
``{"casekit": {"exercise": "exNN"}}``), an auto-checked question is *one* code cell, the **answer cell**: its
solution region is marked the nbgrader way, and its metadata declares the question::

    ### BEGIN SOLUTION
    answer = len(statements)
    ### END SOLUTION

    metadata: {"casekit": {"question": "ex03.q2", "type": "number", "points": 1,
                           "hint": "a hint for any wrong answer",
                           "wrong": [{"code": "len(statements)", "hint": "That counts every statement; ..."}],
                           "also_accept": [], "skill": "compute"}}

``skill`` says what the question asks the student to do, one of ``SKILLS`` (its level is ``SKILLS[skill]``):
``look-up`` and ``restate`` are recall, ``compute`` applies a method, ``analysis``, ``evaluation`` and
``corroboration`` are above recall. It is declared once, here; the guide's table of questions by skill
(``casekit.skills``) is generated from it.

A free-response question is a markdown cell with ``{"casekit": {"question": "ex03.q9", "type": "free",
"points": 3}}`` whose model answer sits between the same markers. Each question is announced by a markdown
**prompt** cell before it whose first line is its heading, ``### Q2``.

A **varied** question adds ``parameters``, a list of at least ``MIN_VARIANTS`` variants, each a dict of named
values, and ``text``, the question its variants fill in (``"How many events from {start} to {end}?"``). Its
solution, wrong answers and hints use the values through the variable the question cell defines (``q2["start"]``,
``"{end}"`` in a hint). A variant may also give its own ``options`` (a choice question) or ``columns`` (a table).
Which variant a student gets is ``variant_index(seed, student, question)``; the seed comes from the course secret
(``casekit.course``).

Everything else about a question is **generated** from that declaration by ``generate`` (``build`` calls it on
the solution notebook, so solution and exercise always agree):

- the prompt's heading gets the question's points: ``### Q2 (1 point)``, ``### Q9 (3 points, graded by your
  instructor)``;
- the answer cell gets its nbgrader metadata (``grade_id`` ``"ex03_q2-answer"``);
- right after the answer cell comes a locked **check cell**, ``check("ex03.q2", answer)``, with nbgrader metadata
  ``{"grade": true, "grade_id": "ex03_q2", "points": 1}`` and the tag ``nbval-check-output``;
- the last cell is the **progress cell**, ``check.progress()``;
- the first code cell is the **id cell**: ``student_id = ...`` (the student writes their id there; the solution has
  ``"instructor"``) and ``check = Checker("exNN", student_id)``;
- before a varied question's answer cell, a **question cell** ``q2 = check.question("ex03.q2")`` shows the text of
  the student's variant (in the solution, run as the instructor, it lists every variant too).

Question ids are the kit's own, ``"ex03.q2"``: they name questions in keys, verdicts, ``grades.csv`` and the
gradebook. nbgrader wants its ``grade_id`` to match ``^[a-zA-Z0-9_\\-]*$``, so there the dot becomes an
underscore (``grade_id``).

Cells are told apart by their metadata, never by their source: an answer cell has ``casekit.question``; a check
cell, the progress, id and question cells have ``casekit.role`` (``"check"``, ``"progress"``, ``"student"``,
``"question"``); an nbgrader graded code cell counts as a check cell too, whichever release it came from.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
from dataclasses import dataclass, field

from casekit import answers

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
PLACEHOLDER = "answer = ...  # your answer here"
FREE_PLACEHOLDER = "_Write your answer here._"
CODE_PLACEHOLDER = "...  # your code here"
QUESTION_ID = re.compile(r"^(ex\d{2})\.q(\d+)$")
EXERCISE_ID = re.compile(r"^ex\d{2}$")
EXERCISE_FILE = re.compile(r"^(ex\d{2})_[a-z0-9_]+\.ipynb$")
GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]*$")  # nbgrader's rule for grade_id
HEADING = re.compile(r"^###\s+Q(\d+)\b.*$")
CHECK_TAG = "nbval-check-output"
NBGRADER_SCHEMA = 3
FREE = "free"

# Keys of a question's casekit metadata that are not part of its answer spec (the spec goes to answers.normalise).
DECLARATION_KEYS = ("question", "points", "hint", "wrong", "also_accept", "parameters", "text", "skill")
# What a question asks the student to do, and its level. A question declares its skill once, in its metadata.
SKILLS = {
    "look-up": "recall",        # find a value in a table or the text
    "restate": "recall",        # repeat what a lesson or the prompt already says
    "compute": "apply",         # apply a method to the data (days between dates, a count, a filter)
    "analysis": "above recall",       # classify or compare by reading (whose voice, what a treaty promises)
    "evaluation": "above recall",     # judge a claim, a translation or what the evidence supports
    "corroboration": "above recall",  # check a claim against another source
}
ABOVE_RECALL = "above recall"
MIN_VARIANTS = 4
VARIANT_SPEC_KEYS = ("options", "columns")  # a variant's parameters may give its own answer options or columns


class BuildError(ValueError):
    """A solution notebook breaks an authoring rule; the message names the notebook and the question."""


@dataclass
class Question:
    """An auto-checked or free-response question, as declared in a solution notebook.

    ``spec`` is what ``casekit.answers.normalise`` needs (the type and its options); ``cell`` is the index of the
    answer cell in the notebook it was read from.
    """

    id: str
    spec: dict
    points: float
    hint: str = ""
    wrong: list[dict] = field(default_factory=list)
    also_accept: list[str] = field(default_factory=list)
    cell: int = 0
    parameters: list[dict] = field(default_factory=list)  # one dict of named values per variant; [] if fixed
    text: str = ""  # the variant's question, a Markdown template filled from its parameters
    skill: str = ""  # one of SKILLS; "" while the question is not yet tagged

    @property
    def varied(self) -> bool:
        return bool(self.parameters)

    @property
    def variants(self) -> int:
        """How many variants the question has (1 for a fixed question)."""
        return max(1, len(self.parameters))

    @property
    def variable(self) -> str:
        """The name the question cell gives the variant's values in the notebook: ``q4`` for ``ex02.q4``."""
        return f"q{self.number}"

    def values(self, variant: int) -> dict:
        """Return the parameters of one variant ({} for a fixed question)."""
        return dict(self.parameters[variant]) if self.parameters else {}

    def spec_of(self, variant: int) -> dict:
        """Return the answer spec of one variant: a variant may give its own ``options`` or ``columns``."""
        values = self.values(variant)
        return {**self.spec, **{k: values[k] for k in VARIANT_SPEC_KEYS if k in values}}

    def text_of(self, variant: int) -> str:
        """Return the question text of one variant, its parameters filled in."""
        return fill(self.text, self.values(variant))

    def hint_of(self, hint: str, variant: int) -> str:
        return fill(hint, self.values(variant)) if self.varied else hint

    @property
    def type(self) -> str:
        return self.spec.get("type", "")

    @property
    def free(self) -> bool:
        return self.type == FREE

    @property
    def exercise(self) -> str:
        return self.id.split(".")[0]

    @property
    def number(self) -> int:
        """The question's number in its exercise: 2 for ``ex03.q2``."""
        return int(QUESTION_ID.match(self.id).group(2))

    @property
    def grade_id(self) -> str:
        return grade_id(self.id)

    @property
    def nbgrader_points(self) -> int | float:
        """The points as nbgrader metadata holds them: 1, not 1.0."""
        return int(self.points) if self.points == int(self.points) else self.points

    def heading(self) -> str:
        """Return the first line of the question's prompt: ``### Q2 (1 point)``."""
        points = f"{self.points:g} point{'' if self.points == 1 else 's'}"
        return f"### Q{self.number} ({points}{', graded by your instructor' if self.free else ''})"


def grade_id(question: str) -> str:
    """Return nbgrader's ``grade_id`` for a question id: ``"ex02.q1"`` -> ``"ex02_q1"``.

    >>> grade_id("ex02.q1"), grade_id("ex02.q1") + "-answer"
    ('ex02_q1', 'ex02_q1-answer')
    """
    return question.replace(".", "_")


def fill(template: str, values: dict) -> str:
    """Return ``template`` with ``{name}`` replaced by the variant's values (``{{`` and ``}}`` for braces).

    >>> fill("How many days from {first} to {second}?", {"first": "A", "second": "B"})
    'How many days from A to B?'
    """
    return template.format_map(values)


# --- students and variants -----------------------------------------------------------------------------------------

STUDENT_ID = re.compile(r"^[\w.@+\-]+( [\w.@+\-]+)*$")
MAX_STUDENT_ID = 64
INSTRUCTOR = "instructor"  # the id in the solution notebooks: the instructor's own variant


def student_key(student: str) -> str:
    """Return the form of a student id that variants are computed from: "AB1234 " and "ab1234" are one student."""
    return unicodedata.normalize("NFKC", student).strip().casefold()


def student_problem(student) -> str:
    """Return what is wrong with a student id typed in an exercise's first cell, or "" if it can be used."""
    how = 'write it in the first code cell, in quotes, e.g. student_id = "ab1234", then run that cell'
    if student is Ellipsis or student is None:
        return f"you have not written your student id yet: {how}"
    if type(student) is not str:
        return f"your student id must be text in quotes, not {answers.describe(student)}: {how}"
    key = student_key(student)
    if not key:
        return f"your student id is empty: {how}"
    if len(key) > MAX_STUDENT_ID:
        return f"your student id is {len(key)} characters long; ids have at most {MAX_STUDENT_ID}: {how}"
    if not STUDENT_ID.match(key):
        return ("your student id can hold only letters, digits, single spaces and . _ - @ +, exactly as your "
                f"instructor gave it: {how}")
    return ""


def variant_index(seed: str, student: str, question: str, variants: int) -> int:
    """Return which variant of ``question`` a student gets: a deterministic, keyed function of the two.

    ``seed`` comes from the course secret (``casekit.course``), so another course's students get other variants.
    Each question is drawn on its own, so two classmates rarely share all their variants.

    >>> variant_index("seed", "ab1234", "ex02.q4", 1)
    0
    >>> variant_index("seed", "AB1234 ", "ex02.q4", 4) == variant_index("seed", "ab1234", "ex02.q4", 4)
    True
    """
    if variants <= 1:
        return 0
    message = f"{question}\x00{student_key(student)}".encode("utf-8")
    digest = hmac.new(seed.encode("utf-8"), message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") % variants


# --- cell predicates: what a cell is, from its metadata ------------------------------------------------------------

def _casekit(cell) -> dict:
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    value = meta.get("casekit") if isinstance(meta, dict) else None
    return value if isinstance(value, dict) else {}


def question_of(cell) -> str | None:
    """Return the question id an answer cell (code or markdown) declares, or None. Any odd metadata gives None."""
    qid = _casekit(cell).get("question")
    return qid if isinstance(qid, str) else None


def answer_question(cell) -> str | None:
    """Return the question id of an auto-checked answer cell (a code cell with ``casekit.question``), or None."""
    return question_of(cell) if isinstance(cell, dict) and cell.get("cell_type") == "code" else None


def role_of(cell) -> str | None:
    """Return the generated role of a cell (``"check"``, ``"progress"``), or None."""
    role = _casekit(cell).get("role")
    return role if isinstance(role, str) else None


def is_check_cell(cell) -> bool:
    """Return True for a check cell: ``casekit.role == "check"``, or any code cell nbgrader grades."""
    if not isinstance(cell, dict) or cell.get("cell_type") != "code":
        return False
    nbgrader = cell.get("metadata", {}).get("nbgrader") if isinstance(cell.get("metadata"), dict) else None
    return role_of(cell) == "check" or (isinstance(nbgrader, dict) and nbgrader.get("grade") is True)


def is_progress_cell(cell) -> bool:
    """Return True for the ``check.progress()`` cell."""
    return isinstance(cell, dict) and cell.get("cell_type") == "code" and role_of(cell) == "progress"


GENERATED_ROLES = ("check", "progress", "student", "question", "variants")  # "variants": an older build's


def question_shown(cell) -> str | None:
    """Return the id of the question a question cell shows, or None."""
    qid = _casekit(cell).get("for")
    return qid if role_of(cell) == "question" and isinstance(qid, str) and QUESTION_ID.match(qid) else None


def is_student_cell(cell) -> bool:
    """Return True for the exercise's first code cell, where the student writes their id."""
    return isinstance(cell, dict) and cell.get("cell_type") == "code" and role_of(cell) == "student"


def is_generated(cell) -> bool:
    """Return True for a cell ``generate`` writes (the id cell, a question, check or progress cell, the list of
    variants): never a student's work."""
    return is_check_cell(cell) or role_of(cell) in GENERATED_ROLES


def has_solution(source: str) -> bool:
    return BEGIN in source and END in source


def region(source: str) -> str:
    """Return the text between the solution markers."""
    return source.split(BEGIN, 1)[1].split(END, 1)[0] if BEGIN in source else ""


def replace_region(source: str, placeholder: str) -> str:
    """Replace each marked solution region (markers included) with ``placeholder``, keeping its indentation."""
    pattern = re.compile(rf"^([ \t]*){re.escape(BEGIN)}.*?{re.escape(END)}[^\n]*", re.S | re.M)
    return pattern.sub(lambda m: m.group(1) + placeholder, source)


# --- reading the declarations ------------------------------------------------------------------------------------

def exercise_of(nb, name: str = "notebook") -> str:
    """Return the exercise id a notebook declares in its metadata (``casekit.exercise``)."""
    exercise = nb.metadata.get("casekit", {}).get("exercise")
    if not isinstance(exercise, str) or not EXERCISE_ID.match(exercise):
        raise BuildError(f"{name}: notebook metadata lacks casekit.exercise (e.g. 'ex02')")
    return exercise


def read(nb, name: str = "notebook") -> list[Question]:
    """Return the questions declared in a solution notebook, checking the authoring rules."""
    found, exercise = [], exercise_of(nb, name)
    for index, cell in enumerate(nb.cells):
        meta = _casekit(cell)
        if "question" not in meta:
            continue
        qid = meta["question"]
        where = f"{name}, question {qid}"
        match = QUESTION_ID.match(qid) if isinstance(qid, str) else None
        if not match or match.group(1) != exercise:
            raise BuildError(f"{where}: question ids look like '{exercise}.q1'")
        if not has_solution(cell.source):
            raise BuildError(f"{where}: the answer cell needs {BEGIN!r} and {END!r} around the solution")
        points = meta.get("points", 1)
        if type(points) not in (int, float) or not points > 0:
            raise BuildError(f"{where}: points must be a positive number, not {points!r}")
        skill = meta.get("skill", "")
        if skill and skill not in SKILLS:
            raise BuildError(f"{where}: skill must be one of {', '.join(SKILLS)}, not {skill!r}")
        spec = {k: v for k, v in meta.items() if k not in DECLARATION_KEYS}
        parameters = meta.get("parameters", [])
        question = Question(qid, spec, float(points), meta.get("hint", ""), list(meta.get("wrong", [])),
                            list(meta.get("also_accept", [])), index, list(parameters), meta.get("text", ""), skill)
        if parameters:
            if not isinstance(parameters, list) or not all(isinstance(p, dict) and p for p in parameters):
                raise BuildError(f"{where}: parameters are a list of variants, each a dict of named values")
            if len(parameters) < MIN_VARIANTS:
                raise BuildError(f"{where}: a varied question needs at least {MIN_VARIANTS} variants, not "
                                 f"{len(parameters)}")
            if len({json.dumps(p, sort_keys=True) for p in parameters}) != len(parameters):
                raise BuildError(f"{where}: two variants have the same parameters")
            if not isinstance(question.text, str) or not question.text.strip():
                raise BuildError(f"{where}: a varied question needs its 'text', the question its variants fill in")
            try:
                texts = {question.text_of(v) for v in range(len(parameters))}
            except (KeyError, IndexError, ValueError) as err:
                raise BuildError(f"{where}: the text names a parameter a variant lacks: {err}") from None
            if len(texts) != len(parameters):
                raise BuildError(f"{where}: two variants show the same text; each variant must ask its own question")
        elif "text" in meta:
            raise BuildError(f"{where}: 'text' is for varied questions (with 'parameters'); put a fixed question's "
                             "text in its prompt")
        if question.free:
            if cell.cell_type != "markdown":
                raise BuildError(f"{where}: a free-response question is a markdown cell")
        else:
            if question.type not in answers.TYPES:
                raise BuildError(f"{where}: type must be one of {', '.join(answers.TYPES)} or 'free'")
            if cell.cell_type != "code" or not re.search(r"^\s*answer\s*=", region(cell.source), re.M):
                raise BuildError(f"{where}: the solution region must assign 'answer = ...'")
            if not question.wrong or not all("code" in w and "hint" in w for w in question.wrong):
                raise BuildError(f"{where}: give at least one known wrong answer as {{'code': ..., 'hint': ...}}")
        found.append(question)
    ids = [q.id for q in found]
    if len(ids) != len(set(ids)):
        raise BuildError(f"{name}: a question id is used twice")
    return found


def answer_cells(nb) -> list[str]:
    """Return the ids of the auto-checked questions of a notebook (solution or exercise), in order."""
    return [qid for qid in map(answer_question, nb.cells) if qid]


# --- generating what a declaration implies -------------------------------------------------------------------------

def check_cell(question: Question):
    """Return the locked check cell of an auto-checked question, with its nbgrader metadata."""
    import nbformat

    cell = nbformat.v4.new_code_cell(f'check("{question.id}", answer)')
    cell.id = f"{question.grade_id}-check"
    cell.metadata = nbformat.NotebookNode({
        "casekit": {"role": "check"},
        "nbgrader": {"grade": True, "grade_id": question.grade_id, "locked": True, "points": question.nbgrader_points,
                     "schema_version": NBGRADER_SCHEMA, "solution": False},
        "tags": [CHECK_TAG]})
    return cell


def student_cell(exercise: str, student: str | None = None):
    """Return the exercise's first code cell: the student's id, and the ``check`` that uses it.

    The students' copy has ``student_id = ...``; the solution also sets the instructor's id (``student``), inside
    a solution region, so that nbgrader's release of the solution does not carry it either. The cell is an
    nbgrader solution cell (``grade_id`` ``"exNN_student_id"``), as nbgrader requires of a cell with a region.
    """
    import nbformat

    source = ('student_id = ...  # your student id in quotes, exactly as your instructor gave it, e.g. "ab1234"; '
              "then run this cell")
    if student is not None:
        source += (f"\n{BEGIN}\nstudent_id = {json.dumps(student)}  # the instructor's own variant; the students' "
                   f"copy has only the line above\n{END}")
    cell = nbformat.v4.new_code_cell(f"{source}\n\nfrom casekit.check import Checker\n\n"
                                     f'check = Checker("{exercise}", student_id)')
    cell.id = "student-id"
    cell.metadata = nbformat.NotebookNode({
        "casekit": {"role": "student"},
        "nbgrader": {"grade": False, "grade_id": f"{exercise}_student_id", "locked": False,
                     "schema_version": NBGRADER_SCHEMA, "solution": True},
        "tags": [CHECK_TAG]})
    return cell


def question_cell(question: Question):
    """Return the cell that shows a varied question's text for the student's variant and names its values."""
    import nbformat

    cell = nbformat.v4.new_code_cell(f'{question.variable} = check.question("{question.id}")')
    cell.id = f"{question.grade_id}-question"
    cell.metadata = nbformat.NotebookNode({"casekit": {"role": "question", "for": question.id}, "tags": [CHECK_TAG]})
    return cell


def progress_cell():
    """Return the exercise's last cell, which prints the score so far."""
    import nbformat

    cell = nbformat.v4.new_code_cell("check.progress()")
    cell.id = "progress"
    cell.metadata = nbformat.NotebookNode({"casekit": {"role": "progress"}, "tags": [CHECK_TAG]})
    return cell


def answer_metadata(question: Question) -> dict:
    """Return the nbgrader metadata of a question's answer cell (a free-response cell is graded by hand)."""
    if question.free:
        return {"grade": True, "grade_id": question.grade_id, "locked": False, "points": question.nbgrader_points,
                "schema_version": NBGRADER_SCHEMA, "solution": True, "task": False}
    return {"grade": False, "grade_id": f"{question.grade_id}-answer", "locked": False,
            "schema_version": NBGRADER_SCHEMA, "solution": True}


def generate(nb, name: str = "notebook"):
    """Return a copy of a solution notebook with every generated part written from the declarations.

    Old check cells and progress cells are dropped and written again, so editing a question's points or id in
    its declaration is all it takes; a prompt whose heading is missing or names another question is an error.
    """
    import copy

    import nbformat

    out = copy.deepcopy(nb)
    exercise = exercise_of(nb, name)
    qs = {q.cell: q for q in read(nb, name)}
    cells, heading_at = [], None  # heading_at: index in ``cells`` of the last prompt heading not yet claimed
    for index, cell in enumerate(out.cells):
        if is_generated(cell):
            continue
        if cell.cell_type == "code" and not any(map(is_student_cell, cells)):
            cells.append(student_cell(exercise, INSTRUCTOR))
        if cell.cell_type == "markdown" and index not in qs and HEADING.match(_first_line(cell.source)):
            heading_at = len(cells)
        if index in qs:
            q = qs[index]
            if heading_at is None or int(HEADING.match(_first_line(cells[heading_at].source)).group(1)) != q.number:
                raise BuildError(f"{name}, question {q.id}: the prompt before the answer cell must start with "
                                 f"the heading '### Q{q.number}'")
            prompt = cells[heading_at]
            rest = prompt.source.split("\n", 1)[1] if "\n" in prompt.source else ""
            prompt.source = q.heading() + ("\n" + rest if rest else "")
            heading_at = None
            cell.metadata["nbgrader"] = nbformat.NotebookNode(answer_metadata(q))
            if q.varied:
                cells.append(question_cell(q))
            cells.append(cell)
            if not q.free:
                cells.append(check_cell(q))
            continue
        cells.append(cell)
    cells.append(progress_cell())
    out.cells = cells
    return out


def _first_line(source: str) -> str:
    return source.split("\n", 1)[0]


def canonical_answers(q: Question, recorded: dict[str, list], name: str = "notebook", variant: int = 0
                      ) -> tuple[list[str], dict]:
    """Return one variant's accepted answers and its known wrong answers (with their hints), in canonical form.

    ``recorded`` holds the values a run of the solution recorded for the question (``"solution"``, ``"also"``,
    ``"wrong"``). The practice key (hashed) and the grader's plain key are both made from this, so they accept and
    explain exactly the same answers.
    """
    spec, where = q.spec_of(variant), f"{name}, question {q.id}" + (f", variant {variant + 1}" if q.varied else "")
    try:
        accepted = [answers.normalise(spec, v) for v in recorded.get("solution", []) + recorded.get("also", [])]
    except answers.AnswerTypeError as err:
        raise BuildError(f"{where}: the solution's answer does not fit its type: {err}") from None
    if not accepted:
        raise BuildError(f"{where}: the solution run recorded no answer")
    hints: dict[str, str] = {}
    for wrong, value in zip(q.wrong, recorded.get("wrong", [])):
        try:
            canonical = answers.normalise(spec, value)
        except answers.AnswerTypeError:
            continue  # a wrong answer of the wrong type gets the type message, not a hint
        if canonical in accepted:
            raise BuildError(f"{where}: the known wrong answer {wrong['code']!r} is accepted")
        if canonical in hints:
            raise BuildError(f"{where}: two known wrong answers have the same value "
                             f"({wrong['code']!r}); give each its own")
        hints[canonical] = q.hint_of(wrong["hint"], variant)
    return accepted, hints

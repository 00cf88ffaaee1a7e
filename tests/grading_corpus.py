"""The bad-input and tampering corpus for the grader, written from the released ex02 exercise.

``write_corpus(folder)`` makes a class folder, one student per case, and returns what each case must get:
``{student: {question: status}}`` (a question missing from the dict may be anything). The corpus is generated
rather than stored so it always matches the current release of the exercise.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

from casekit import build
from casekit import questions as rules
from casekit.questions import region

KIT = Path(__file__).resolve().parents[1]
EXERCISE = KIT / "exercises" / "ex02_timeline.ipynb"
SOLUTION = KIT / "solutions" / "ex02_timeline.ipynb"


def _solutions() -> dict[str, str]:
    return {q.id: region(nb_cell.source).strip()
            for nb in [nbformat.read(SOLUTION, as_version=4)]
            for q in build.questions(nb) if not q.free
            for nb_cell in [nb.cells[q.cell]]}


def _wrong() -> dict[str, str]:
    nb = nbformat.read(SOLUTION, as_version=4)
    return {q.id: f"answer = {q.wrong[0]['code']}" for q in build.questions(nb) if not q.free}


def answered(answers: dict[str, str], nb=None, student_id: str = "student"):
    """Return the released exercise with the answer cells of ``answers`` filled in with the given code."""
    nb = copy.deepcopy(nb or nbformat.read(EXERCISE, as_version=4))
    for cell in nb.cells:
        qid = cell.metadata.get("casekit", {}).get("question")
        if qid in answers and cell.cell_type == "code":
            cell.source = cell.source.replace(build.PLACEHOLDER, answers[qid])
        elif rules.is_student_cell(cell):  # the id the student writes (the kit's grader goes by the folder)
            cell.source = cell.source.replace("student_id = ...", f"student_id = {student_id!r}", 1)
    return nb


def questions() -> list[str]:
    return list(_solutions())


def write_corpus(folder: Path) -> dict[str, dict[str, str]]:
    """Write one student folder per case under ``folder``; return the expected status of chosen questions."""
    right, wrong = _solutions(), _wrong()
    qs = questions()
    every = lambda status: {q: status for q in qs}  # noqa: E731

    def save(student: str, content, name: str = "ex02_timeline.ipynb") -> Path:
        path = folder / student / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            nbformat.write(content, path)
        return path

    expected: dict[str, dict[str, str]] = {}
    save("all_right", answered(right)); expected["all_right"] = every("correct")
    save("blank", nbformat.read(EXERCISE, as_version=4)); expected["blank"] = every("unanswered")
    save("all_wrong", answered(wrong)); expected["all_wrong"] = every("wrong")
    save("truncated", nbformat.writes(answered(right))[:700]); expected["truncated"] = every("invalid")
    save("empty", b""); expected["empty"] = every("invalid")
    save("not_json", "this is my answer: 20 days"); expected["not_json"] = every("invalid")
    save("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))); expected["binary"] = every("invalid")
    v3 = nbformat.convert(answered(right), 3)
    save("nbformat_3", nbformat.writes(v3, version=3)); expected["nbformat_3"] = every("correct")
    kernel = answered(right)
    kernel.metadata["kernelspec"] = {"name": "julia-1.9", "display_name": "Julia 1.9", "language": "julia"}
    save("unknown_kernel", kernel); expected["unknown_kernel"] = every("correct")
    save("renamed_file", answered(right), name="my homework (final).ipynb")
    expected["renamed_file"] = every("correct")
    loop = dict(right, **{"ex02.q1": "while True:\n    pass"})
    save("endless_loop", answered(loop)); expected["endless_loop"] = {**every("correct"), "ex02.q1": "timeout"}
    exit_ = dict(right, **{"ex02.q3": "import os\nos._exit(1)"})
    save("os_exit", answered(exit_))
    expected["os_exit"] = {"ex02.q1": "correct", "ex02.q2": "correct", "ex02.q3": "error", "ex02.q8": "error"}
    bomb = dict(right, **{"ex02.q2": "hog = bytearray(50 * 1024**3)\nanswer = 'b'"})
    save("memory_bomb", answered(bomb)); expected["memory_bomb"] = {**every("correct"), "ex02.q2": "error"}
    noisy = dict(right, **{"ex02.q1": "for _ in range(50):\n    print('x' * 1_000_000)\n" + right["ex02.q1"]})
    save("huge_output", answered(noisy)); expected["huge_output"] = every("correct")
    nb = answered(right)
    nb.cells = [c for c in nb.cells if not c.metadata.get("nbgrader", {}).get("grade")]
    save("deleted_checks", nb); expected["deleted_checks"] = every("correct")
    nb = answered(wrong)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = f"print('✅ {cell.metadata['nbgrader']['grade_id']}: correct.')"
            cell.outputs = [nbformat.v4.new_output("stream", text=f"✅ {cell.metadata['nbgrader']['grade_id']}: correct.\n")]
            cell.execution_count = 1
    save("edited_checks_forged_outputs", nb); expected["edited_checks_forged_outputs"] = every("wrong")
    nb = answered(right)
    nb.cells = list(reversed(nb.cells))
    save("reordered_cells", nb); expected["reordered_cells"] = every("correct")
    nb = answered(right)
    first = next(i for i, c in enumerate(nb.cells) if c.metadata.get("casekit", {}).get("question") == "ex02.q1")
    extra = copy.deepcopy(nb.cells[first])
    extra["id"] = "duplicate-of-q1"
    extra.source = wrong["ex02.q1"]
    nb.cells.insert(first + 1, extra)
    save("duplicated_cells", nb); expected["duplicated_cells"] = {**every("correct"), "ex02.q1": "wrong"}
    (folder / "no_notebook").mkdir(parents=True, exist_ok=True)
    (folder / "no_notebook" / ".DS_Store").write_bytes(b"\x00")
    expected["no_notebook"] = every("missing")
    save("not_a_notebook_file", b"%PDF-1.4 my essay", name="ex02_timeline.pdf")
    expected["not_a_notebook_file"] = every("invalid")
    save("Zoë Łukasz-Müller 张伟", answered(right)); expected["Zoë Łukasz-Müller 张伟"] = every("correct")
    other = nbformat.read(KIT / "exercises" / "ex03_who_said_what.ipynb", as_version=4)
    save("other_exercise", other); expected["other_exercise"] = {**every("missing"), "-": "invalid"}
    nb = answered(wrong)
    setup = next(i for i, c in enumerate(nb.cells) if "Checker(" in c.source)
    nb.cells.insert(setup + 1, nbformat.v4.new_code_cell(
        "import casekit.check, casekit.answers\n"
        "def check(*args, **kwargs):\n    print('✅ correct.')\n"
        "casekit.check.verdict = lambda *a: ('correct', 'correct.')\n"
        "casekit.answers.normalise = lambda spec, value: 'anything'\n"
        "class AlwaysEqual:\n    def __eq__(self, other):\n        return True\n    __hash__ = object.__hash__\n"))
    for cell in nb.cells:
        if cell.metadata.get("casekit", {}).get("question") == "ex02.q1":
            cell.source = "answer = AlwaysEqual()"
    save("tamperer", nb); expected["tamperer"] = every("wrong")
    nb = answered(right)
    setup = next(i for i, c in enumerate(nb.cells) if "Checker(" in c.source)
    nb.cells.insert(setup + 1, nbformat.v4.new_code_cell(
        "import sys\nclass Liar:\n    def write(self, text):\n        return len(text)\n    def flush(self):\n        pass\n"
        "sys.stdout = Liar()"))
    save("stdout_rewriter", nb); expected["stdout_rewriter"] = {q: "error" for q in qs}
    save("misnamed_file", answered(right), name="ex03_who_said_what.ipynb")  # the name says ex03, the notebook ex02
    expected["misnamed_file"] = every("correct")
    save("two_files", answered(right))
    save("two_files", answered(wrong), name="ex02_timeline_v2.ipynb")  # sorted after the first: not graded
    expected["two_files"] = every("correct")
    return expected

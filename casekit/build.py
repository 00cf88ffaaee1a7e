"""Build the students' exercises from the instructors' solutions: ``python -m casekit build-exercises``.

``solutions/exNN_<topic>.ipynb`` are the single authored source. How a question is declared there (once, in
its answer cell's metadata) and what is generated from the declaration (the prompt's points, the check cell
and the nbgrader metadata) is said in ``casekit.questions``, the notebook rules that ``check`` and ``grade``
read too.

``wrong`` and ``also_accept`` hold Python *expressions*, evaluated in the notebook, so an answer can be a number,
a date, a list or a DataFrame alike. Every question needs at least one known wrong answer, each with its own
value: it is how the checker is tested. The tests also evaluate the wrong answers in the *student* copy, so they
may use only names defined in cells the students see, never a variable of a solution region. Keep an answer's
text out of the cells students see (and out of its own hints): the tests look for it there.

Building an exercise:

- writes the generated parts of the solution notebook from its declarations (``questions.generate``);
- runs the solution notebook once with a recorder after each answer cell, capturing the value of the solution,
  of each known wrong answer and of each extra accepted answer;
- writes the hashed key ``casekit/keys/exNN.json`` (salted hashes of accepted answers, hints by hashed wrong answer);
- writes ``exercises/exNN_<topic>.ipynb``: solution regions become ``answer = ...  # your answer here``, the
  instructor-only metadata is dropped, and the outputs are those of a blank run;
- re-runs the solution notebook so its stored verdicts are current (nbval compares them).

``check_built()`` rebuilds in memory and lists what differs from the committed files: the golden test.
"""

from __future__ import annotations

import copy
import hashlib
import json
import tempfile
from pathlib import Path

from casekit import answers, locate
from casekit.questions import (BEGIN, CODE_PLACEHOLDER, END, EXERCISE_FILE, FREE_PLACEHOLDER, PLACEHOLDER,
                               BuildError, Question, canonical_answers, generate)
from casekit.questions import read as questions
from casekit.questions import replace_region as _replace_region

__all__ = ["BEGIN", "END", "PLACEHOLDER", "FREE_PLACEHOLDER", "BuildError", "Question", "questions", "key",
           "canonical_answers", "exercise_notebook", "record_values", "execute", "build", "check_built"]


def kit_root() -> Path:
    """Return the kit's checkout folder (the parent of ``data/``)."""
    return locate.data_dir().parent


def keys_dir() -> Path:
    """Return the folder of the hashed keys inside the package."""
    return Path(__file__).with_name("keys")


def solution_notebooks(folder: Path | None = None) -> list[Path]:
    """Return the solution notebooks, ``exNN_<topic>.ipynb``, in order."""
    folder = folder or kit_root() / "solutions"
    return sorted(p for p in folder.glob("ex*.ipynb") if EXERCISE_FILE.match(p.name))


def exercise_notebook(nb, name: str = "notebook"):
    """Return the student copy of a solution notebook: solutions out, instructor metadata out, outputs cleared."""
    student = copy.deepcopy(nb)
    qs = {q.cell: q for q in questions(nb, name)}
    cells = []
    for index, cell in enumerate(student.cells):
        if index in qs:
            q = qs[index]
            cell.source = _replace_region(cell.source, FREE_PLACEHOLDER if q.free else PLACEHOLDER)
            cell.metadata["casekit"] = {"question": q.id}
        elif BEGIN in cell.source:
            cell.source = _replace_region(cell.source, FREE_PLACEHOLDER if cell.cell_type == "markdown" else
                                          CODE_PLACEHOLDER)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    student.cells = cells
    student.metadata["casekit"] = {k: v for k, v in nb.metadata.get("casekit", {}).items()
                                   if k in ("exercise", "title", "lesson", "minutes")}
    return student


def key(nb, values: dict[str, dict[str, list]], name: str = "notebook") -> dict:
    """Return the hashed key of an exercise from its questions and the recorded answer values."""
    exercise = nb.metadata["casekit"]["exercise"]
    out = {"exercise": exercise, "title": nb.metadata["casekit"].get("title", exercise), "questions": {},
           "free_response": []}
    for q in questions(nb, name):
        if q.free:
            out["free_response"].append(q.id)
            continue
        salt = hashlib.sha256(f"casekit:{q.id}".encode()).hexdigest()[:16]
        accepted, wrong_hints = canonical_answers(q, values.get(q.id, {}), name)
        hints = {answers.digest(salt, canonical): hint for canonical, hint in wrong_hints.items()}
        out["questions"][q.id] = {
            "spec": dict(q.spec), "points": q.points, "salt": salt, "hint": q.hint,
            "accepted": sorted({answers.digest(salt, c) for c in accepted}), "hints": dict(sorted(hints.items())),
        }
    return out


def record_values(nb, folder: Path, name: str = "notebook", timeout: int = 120) -> dict[str, dict[str, list]]:
    """Run the solution notebook with a recorder after each answer cell; return each question's recorded values."""
    import nbformat

    probe = copy.deepcopy(nb)
    qs = [q for q in questions(nb, name) if not q.free]
    for q in sorted(qs, key=lambda q: q.cell, reverse=True):
        lines = ["import casekit.check as _casekit_check",
                 f"_casekit_check.record({q.id!r}, 'solution', answer)"]
        lines += [f"_casekit_check.record({q.id!r}, 'wrong', ({w['code']}))" for w in q.wrong]
        lines += [f"_casekit_check.record({q.id!r}, 'also', ({code}))" for code in q.also_accept]
        probe.cells.insert(q.cell + 1, nbformat.v4.new_code_cell("\n".join(lines)))
    with tempfile.TemporaryDirectory() as scratch:
        record_file = Path(scratch) / "record.jsonl"
        record_file.touch()
        execute(probe, folder, env={"CASEKIT_RECORD": str(record_file)}, name=name, timeout=timeout)
        values: dict[str, dict[str, list]] = {}
        for line in record_file.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            values.setdefault(item["question"], {}).setdefault(item["label"], []).append(
                answers.deserialise(item["value"]))
    return values


def execute(nb, folder: Path, env: dict | None = None, name: str = "notebook", timeout: int = 120):
    """Run ``nb`` top to bottom in a fresh python3 kernel with ``folder`` as working directory; return it.

    ``casekit.runner`` does the work; a failing cell becomes a ``BuildError`` naming the cell and its exception.
    """
    from casekit import runner

    try:
        return runner.run(nb, folder, env=env, name=name, timeout=timeout)
    except runner.NotebookError as err:
        raise BuildError(str(err)) from None


def build(solutions: Path | None = None, exercises: Path | None = None, keys: Path | None = None,
          report=print, only: list[str] | None = None) -> list[Path]:
    """Build every exercise (or those named in ``only``, e.g. ["ex02"]) from its solution notebook.

    Return the files written; a file whose content would not change is left untouched.
    """
    import nbformat

    solutions = solutions or kit_root() / "solutions"
    exercises = exercises or kit_root() / "exercises"
    keys = keys or keys_dir()
    exercises.mkdir(exist_ok=True)
    keys.mkdir(exist_ok=True)
    written = []
    for path in solution_notebooks(solutions):
        if only and path.name[:4] not in only:
            continue
        report(f"building {path.name} …")
        nb = generate(nbformat.read(path, as_version=4), path.name)
        exercise = nb.metadata["casekit"]["exercise"]
        key_data = key(nb, record_values(nb, solutions, path.name), path.name)
        written += _write_if_changed(keys / f"{exercise}.json", _json(key_data))
        student = execute(exercise_notebook(nb, path.name), exercises, name=f"exercises/{path.name}")
        written += _write_if_changed(exercises / path.name, nbformat.writes(student) + "\n")
        solved = execute(_cleared(nb), solutions, name=path.name)
        written += _write_if_changed(path, nbformat.writes(solved) + "\n")
    for path in written:
        report(f"wrote {path}")
    if not written:
        report("everything was up to date")
    return written


def check_built(solutions: Path | None = None, exercises: Path | None = None, keys: Path | None = None) -> list[str]:
    """Rebuild keys and exercise sources in memory; return a description of each difference from the files."""
    import nbformat

    solutions = solutions or kit_root() / "solutions"
    exercises = exercises or kit_root() / "exercises"
    keys = keys or keys_dir()
    stale = []
    for path in solution_notebooks(solutions):
        authored = nbformat.read(path, as_version=4)
        nb = generate(authored, path.name)
        if _sources(authored) != _sources(nb):
            stale.append(f"solutions/{path.name}: its generated cells (checks, points, nbgrader metadata) are "
                         "stale: run 'python -m casekit build-exercises'")
        exercise = nb.metadata["casekit"]["exercise"]
        key_path = keys / f"{exercise}.json"
        fresh_key = _json(key(nb, record_values(nb, solutions, path.name), path.name))
        if not key_path.is_file() or key_path.read_text(encoding="utf-8") != fresh_key:
            stale.append(f"{key_path.name} is stale: run 'python -m casekit build-exercises'")
        student_path = exercises / path.name
        if not student_path.is_file():
            stale.append(f"exercises/{path.name} is missing")
            continue
        committed = nbformat.read(student_path, as_version=4)
        expected = exercise_notebook(nb, path.name)
        if _sources(committed) != _sources(expected):
            stale.append(f"exercises/{path.name} does not match its solution notebook")
    return stale


# --- helpers -----------------------------------------------------------------------------------------------------

def _cleared(nb):
    """Return a copy of ``nb`` with outputs and execution counts removed, ready to run."""
    fresh = copy.deepcopy(nb)
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return fresh


def _sources(nb) -> list[tuple]:
    """Return what a golden test compares: each cell's id, type, source, tags and casekit/nbgrader metadata."""
    return [(c.get("id"), c.cell_type, c.source, tuple(c.metadata.get("tags", [])), json.dumps(c.metadata.get("casekit", {}),
             sort_keys=True), json.dumps(c.metadata.get("nbgrader", {}), sort_keys=True)) for c in nb.cells]


def _json(data: dict) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def _write_if_changed(path: Path, text: str) -> list[Path]:
    """Write ``text`` to ``path`` atomically unless it already holds exactly that; return [path] if written."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return []
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return [path]

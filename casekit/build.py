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
import json
import tempfile
from pathlib import Path

from casekit import answers, check, course, locate
from casekit import questions as rules
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


def exercise_notebook(nb, name: str = "notebook", secret: course.Secret | None = None, release: str = "practice"):
    """Return the student copy of a (generated) solution notebook: solutions out, instructor metadata out, outputs
    cleared, the first code cell asking for the student's id."""
    student = copy.deepcopy(nb)
    qs = {q.cell: q for q in questions(nb, name)}
    exercise = nb.metadata["casekit"]["exercise"]
    cells = []
    for index, original in enumerate(student.cells):
        cell = rules.student_cell(exercise) if rules.is_student_cell(original) else original
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
    student.metadata["casekit"].update(release=release, course=(secret or course.load()).fingerprint)
    return student


def shape_key(nb, secret: course.Secret, name: str = "notebook") -> dict:
    """Return the key of an exercise that holds no function of any answer: each question's points, and for each
    variant its answer spec, text and parameters. It is the assessed release's key, and the base of the practice
    key."""
    exercise = nb.metadata["casekit"]["exercise"]
    out = {"exercise": exercise, "title": nb.metadata["casekit"].get("title", exercise), "release": "assessed",
           "course": secret.fingerprint, "variant_seed": secret.variant_seed, "questions": {}, "free_response": []}
    for q in questions(nb, name):
        if q.free:
            out["free_response"].append(q.id)
            continue
        variants = []
        for v in range(q.variants):
            variant = {"spec": q.spec_of(v)}
            if q.varied:
                variant.update(text=q.text_of(v), parameters=q.values(v))
            variants.append(variant)
        out["questions"][q.id] = {"points": q.points, "variants": variants}
    return out


def key(nb, values: dict, name: str = "notebook", secret: course.Secret | None = None) -> dict:
    """Return the practice key of an exercise: for each variant of each question, salted hashes of its accepted
    answers and hints by hashed wrong answer. ``values`` are those ``record_values`` recorded, by question and
    variant; the salts come from the course secret."""
    secret = secret or course.load()
    out = shape_key(nb, secret, name)
    out["release"] = "practice"
    for q in questions(nb, name):
        if q.free:
            continue
        entry = out["questions"][q.id]
        entry["hint"] = q.hint
        for v, variant in enumerate(entry["variants"]):
            salt = secret.salt(q.id, v)
            accepted, wrong_hints = canonical_answers(q, values.get(q.id, {}).get(v, {}), name, v)
            hints = {answers.digest(salt, canonical): hint for canonical, hint in wrong_hints.items()}
            variant.update(salt=salt, accepted=sorted({answers.digest(salt, c) for c in accepted}),
                           hints=dict(sorted(hints.items())))
            if q.spec_of(v).get("type") == "annotations" and accepted:
                from casekit import annotation_answers

                variant["targets"] = annotation_answers.hashed_targets(salt, sorted(accepted)[0])
    return out


def record_values(nb, folder: Path, name: str = "notebook", timeout: int = 120,
                  secret: course.Secret | None = None) -> dict[str, dict[int, dict[str, list]]]:
    """Run the solution notebook once per variant, with a recorder after each answer cell; return the values of
    the solution, of each known wrong answer and of each extra accepted answer, by question and variant.

    Run ``k`` shows every question's variant ``k`` (``$CASEKIT_VARIANT``); a question with fewer variants is
    recorded only in the runs it has. The runs read a key with no answers in it, written for the purpose.
    """
    import nbformat

    secret = secret or course.load()
    qs = [q for q in questions(nb, name) if not q.free]
    runs = max([q.variants for q in qs] or [1])
    values: dict[str, dict[int, dict[str, list]]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        keys = Path(scratch) / "keys"
        keys.mkdir()
        (keys / f"{nb.metadata['casekit']['exercise']}.json").write_text(_json(shape_key(nb, secret, name)),
                                                                          encoding="utf-8")
        for run in range(runs):
            probe = copy.deepcopy(nb)
            for q in sorted(qs, key=lambda q: q.cell, reverse=True):
                if run >= q.variants:
                    continue
                record = f"_casekit_check.record({q.id!r}, {{label!r}}, ({{code}}), {run})"
                lines = ["import casekit.check as _casekit_check", record.format(label="solution", code="answer")]
                lines += [record.format(label="wrong", code=w["code"]) for w in q.wrong]
                lines += [record.format(label="also", code=code) for code in q.also_accept]
                probe.cells.insert(q.cell + 1, nbformat.v4.new_code_cell("\n".join(lines)))
            record_file = Path(scratch) / f"record{run}.jsonl"
            record_file.touch()
            env = {check.RECORD_ENV: str(record_file), check.KEYS_ENV: str(keys), check.VARIANT_ENV: str(run)}
            execute(probe, folder, env=env, name=name + (f" (variant {run + 1})" if runs > 1 else ""),
                    timeout=timeout)
            for line in record_file.read_text(encoding="utf-8").splitlines():
                item = json.loads(line)
                values.setdefault(item["question"], {}).setdefault(item["variant"], {}).setdefault(
                    item["label"], []).append(answers.deserialise(item["value"]))
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


RELEASES = ("practice", "assessed")
MARKER = ".casekit-release"


def build(solutions: Path | None = None, exercises: Path | None = None, keys: Path | None = None,
          report=print, only: list[str] | None = None, mode: str = "practice", out: Path | None = None,
          secret: course.Secret | None = None) -> list[Path]:
    """Build every exercise (or those named in ``only``, e.g. ["ex02"]) from its solution notebook.

    ``mode="practice"`` (the default) writes the practice release into the kit (``exercises/``, the package's
    ``keys/``) and brings the solution notebooks' generated cells and outputs up to date. ``out`` writes a release
    to a folder of its own instead, laid out like the kit (``out/exercises/``, ``out/casekit/keys/``) and leaves
    the solutions alone; the assessed release (``mode="assessed"``) is always written that way, and holds no
    answer, hash or hint. Return the files written; a file whose content would not change is left untouched.
    """
    import nbformat

    if mode not in RELEASES:
        raise BuildError(f"unknown release {mode!r}: use one of {', '.join(RELEASES)}")
    if mode == "assessed" and out is None:
        raise BuildError("an assessed release is written to a folder of its own: give --out DIR")
    secret = secret or course.load(notice=report)
    solutions = solutions or kit_root() / "solutions"
    if out is not None:
        out = Path(out)
        _claim(out, solutions)
        exercises, keys = out / "exercises", out / "casekit" / "keys"
    exercises = exercises or kit_root() / "exercises"
    keys = keys or keys_dir()
    exercises.mkdir(parents=True, exist_ok=True)
    keys.mkdir(parents=True, exist_ok=True)
    written = []
    for path in solution_notebooks(solutions):
        if only and path.name[:4] not in only:
            continue
        report(f"building {path.name} ({mode}) …")
        nb = generate(nbformat.read(path, as_version=4), path.name)
        exercise = nb.metadata["casekit"]["exercise"]
        if mode == "assessed":
            questions(nb, path.name)
            key_data = shape_key(nb, secret, path.name)
        else:
            key_data = key(nb, record_values(nb, solutions, path.name, secret=secret), path.name, secret)
        written += _write_if_changed(keys / f"{exercise}.json", _json(key_data))
        env = {check.KEYS_ENV: str(keys)}
        student = execute(exercise_notebook(nb, path.name, secret, mode), exercises, env=env,
                          name=f"exercises/{path.name}")
        written += _write_if_changed(exercises / path.name, nbformat.writes(student) + "\n")
        if out is None:
            solved = execute(_cleared(nb), solutions, env=env, name=path.name)
            written += _write_if_changed(path, nbformat.writes(solved) + "\n")
    for path in written:
        report(f"wrote {path}")
    if not written:
        report("everything was up to date")
    return written


def _claim(out: Path, solutions: Path) -> None:
    """Make ``out`` a release folder, or refuse: a folder the kit did not make is never written into."""
    if out.resolve() == kit_root().resolve() or out.resolve().is_relative_to(solutions.resolve()):
        raise BuildError(f"--out {out} would write into the kit itself; give a folder of its own")
    if out.exists() and not out.is_dir():
        raise BuildError(f"--out {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise BuildError(f"--out {out} already holds files that build-exercises did not write; give a new or "
                         "empty folder (nothing was written)")
    out.mkdir(parents=True, exist_ok=True)
    _write_if_changed(out / MARKER, "A release of the casekit exercises, written by "
                                    "'python -m casekit build-exercises'.\n")


def check_built(solutions: Path | None = None, exercises: Path | None = None, keys: Path | None = None,
                secret: course.Secret | None = None) -> list[str]:
    """Rebuild keys and exercise sources in memory; return a description of each difference from the files."""
    import nbformat

    secret = secret or course.load()
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
        fresh_key = _json(key(nb, record_values(nb, solutions, path.name, secret=secret), path.name, secret))
        if not key_path.is_file() or key_path.read_text(encoding="utf-8") != fresh_key:
            stale.append(f"{key_path.name} is stale: run 'python -m casekit build-exercises'")
        student_path = exercises / path.name
        if not student_path.is_file():
            stale.append(f"exercises/{path.name} is missing")
            continue
        committed = nbformat.read(student_path, as_version=4)
        expected = exercise_notebook(nb, path.name, secret)
        if _sources(committed) != _sources(expected) or committed.metadata.get("casekit") != expected.metadata[
                "casekit"]:
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

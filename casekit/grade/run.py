"""Run one submission in a fresh, sandboxed kernel and collect the value of each answer, never a verdict.

The notebook that runs is rebuilt from the *released* exercise: its own setup and prompt cells, with the
student's answer cells (matched by their ``casekit.question`` metadata) and the student's own extra cells put
back in place. The check cells are left out: what they would print is irrelevant, since the verdict is decided
later, by the grader process. Before each answer cell, ``answer`` is reset, so a missing answer cannot inherit
the previous question's; after it, a report cell prints the answer's serialised value behind a random token.
"""

from __future__ import annotations

import asyncio
import copy
import json
import secrets
from dataclasses import dataclass, field

OUTPUT_CAP = 100_000  # characters of stdout/stderr a kernel sends per cell; the rest is dropped in the kernel


@dataclass
class Limits:
    """How much a submission may use: seconds per cell and per notebook, memory and file size in MB."""

    cell_seconds: int = 30
    notebook_seconds: int = 300
    memory_mb: int = 2048
    file_mb: int = 50
    processes: int = 128  # processes and threads a kernel may have
    message_mb: int = 8  # largest message the grader accepts from a kernel
    tmp_mb: int = 256  # the sandbox's private /tmp, in memory
    notebook_mb: int = 50  # largest notebook file graded
    cells: int = 2000  # most cells a graded notebook may have


@dataclass
class Outcome:
    """What running a submission gave: per question, a reported value or the reason there is none."""

    values: dict[str, dict] = field(default_factory=dict)  # question -> serialised value
    problems: dict[str, tuple[str, str]] = field(default_factory=dict)  # question -> (status, message)
    notes: list[str] = field(default_factory=list)


def graded_notebook(released, student, token: str, first_cell: str | None = None,
                    values: dict[str, dict] | None = None):
    """Return the notebook to run: the released exercise with the student's answers and extra cells put in.

    The exercise's first code cell (the student's id, ``casekit.questions.student_cell``) is replaced by
    ``first_cell``, which the grader writes from the submission folder's name: whatever id the student typed is
    never run. Each question cell is replaced by a plain assignment of the values of that student's variant
    (``values``, by question id), so nothing the notebook does to ``check`` can change what a question shows.
    """
    import nbformat

    from casekit import questions as rules

    questions = rules.answer_cells(released)
    student = _plain_cells(student)
    released_ids = {c.get("id") for c in released.cells}
    answers, extras, pending, notes = {}, {}, [], []
    for cell in student.cells:
        qid = rules.answer_question(cell)
        if qid in questions:
            if qid in answers:
                notes.append(f"the answer cell of {qid} appears more than once; the last one was graded")
            answers[qid] = cell
            extras.setdefault(qid, []).extend(pending)
            pending = []
        elif cell.cell_type == "code" and cell.get("id") not in released_ids and not rules.is_generated(cell):
            pending.append(cell)
    # Only the cells' sources and roles are run, so the released notebook is read, never copied whole; every
    # cell of the graded notebook is a new one (``_fresh``), built without nbformat's per-cell schema check.
    graded = nbformat.from_dict({"nbformat": released.nbformat, "nbformat_minor": released.nbformat_minor,
                                 "metadata": copy.deepcopy(released.metadata), "cells": []})
    cells = []
    for cell in released.cells:
        if cell.cell_type != "code":
            continue
        if rules.is_student_cell(cell) and first_cell is not None:
            cells.append(_fresh(first_cell, role="student"))
            continue
        shown = rules.question_shown(cell)
        if shown is not None and values is not None:
            variable = "q" + shown.split(".q")[1]
            cells.append(_fresh(f"{variable} = {values.get(shown, {})!r}", role=f"question {shown}"))
            continue
        if rules.is_generated(cell) and rules.role_of(cell) != "question":
            continue
        qid = rules.answer_question(cell)
        if qid is None:
            cells.append(_fresh(cell.source))
            continue
        cells += [_fresh(c.source) for c in extras.get(qid, [])]
        cells.append(_fresh("answer = ...", role=f"reset {qid}"))
        if qid in answers:
            cells.append(_fresh(answers[qid].source, role=f"answer {qid}"))
        cells.append(_fresh(_REPORT.format(token=token, qid=qid), role=f"report {qid}"))
    graded.cells = cells
    graded.metadata["kernelspec"] = {"name": "casekit-grader", "display_name": "casekit grader", "language": "python"}
    return graded, [q for q in questions if q not in answers], notes


def grading_cell(exercise: str, student_id: str, values: dict[str, dict], layers: dict | None = None) -> str:
    """Return the first cell of a graded notebook: the id from the folder name, and a checker that gives each
    question cell the values of that student's variant (``casekit.check.Checker.for_grading``).

    ``layers`` are the student's annotation layers, read from the submission by ``casekit.annotate.saved_layers``
    in the grader; they reach the kernel as JSON data (never as code), so a read-first reader in the graded run
    (``source.reader(mode="read-first", key=K)``) has the annotations the student saved.
    """
    import json

    cell = (f"student_id = {student_id!r}\nimport json as _casekit_json\nfrom casekit.check import Checker\n"
            f"check = Checker.for_grading({exercise!r}, student_id, "
            f"_casekit_json.loads({json.dumps(values, ensure_ascii=True)!r}))")
    if layers:
        cell += ("\nimport casekit.annotate as _casekit_annotate\n"
                 f"_casekit_annotate.use_layers(_casekit_json.loads({json.dumps(layers, ensure_ascii=True)!r}))")
    return cell


def annotation_layers(notebook) -> tuple[dict, list[str]]:
    """Return the student's annotation layers saved in ``notebook`` and, if they cannot be used, a note saying why
    (the layers are then left out: a read-first reader in the graded run has none)."""
    from casekit import annotate

    try:
        return annotate.saved_layers(notebook), []
    except annotate.AnnotationShapeError as err:
        return {}, [f"the saved annotations were not graded: {err}"]


_REPORT = (
    "import json as _casekit_json, casekit.answers as _casekit_answers\n"
    "print({token!r} + _casekit_json.dumps({{'question': {qid!r}, "
    "'value': _casekit_answers.serialise(answer)}}))"
)


def _plain_cells(student):
    """Return a copy of the student's notebook whose cells' metadata and sources have the expected types.

    A question id or nbgrader flag of another type (a list, a number) is dropped, a source that is not text is
    emptied: the cell then counts as an extra cell of the student's, which is what it is.
    """
    import nbformat

    student = copy.copy(student)
    cells = []
    for raw in student.get("cells") or []:
        if not isinstance(raw, dict):
            continue
        cell = copy.copy(raw)
        meta = dict(cell.get("metadata") or {})
        casekit_meta = meta.get("casekit")
        if not isinstance(casekit_meta, dict):
            meta.pop("casekit", None)
        elif not isinstance(casekit_meta.get("question"), str):  # a role (id, question, check cell) is kept
            meta["casekit"] = {k: v for k, v in casekit_meta.items() if k != "question"}
        if not isinstance(meta.get("nbgrader"), dict):
            meta.pop("nbgrader", None)
        cell["metadata"] = nbformat.NotebookNode(meta)
        if not isinstance(cell.get("source"), str):
            cell["source"] = ""
        if not isinstance(cell.get("id"), (str, type(None))):
            cell["id"] = None
        if cell.get("cell_type") not in ("code", "markdown", "raw"):
            cell["cell_type"] = "raw"
        cells.append(cell)
    student.cells = cells
    return student


def _fresh(source: str, role: str = ""):
    """Return a new code cell of ``source`` (the shape ``nbformat.v4.new_code_cell`` makes, without its schema
    check, which cost the grader more than the rest of building a notebook), its grading role in its metadata."""
    from nbformat import NotebookNode
    from nbformat.corpus.words import generate_corpus_id

    metadata = NotebookNode({"casekit_grade": role} if role else {})
    return NotebookNode({"id": generate_corpus_id(), "cell_type": "code", "metadata": metadata,
                         "execution_count": None, "source": source, "outputs": []})


async def run(released, submission: bytes, student_nb, limits: Limits, slot: int = 0,
              sandboxed: bool = True, warm: bool = True, first_cell: str | None = None,
              values: dict[str, dict] | None = None) -> Outcome:
    """Run one submission in a fresh sandboxed kernel; return what each question reported, or why it did not."""
    from casekit.grade import session

    token = "@@casekit-" + secrets.token_hex(8) + "@@"
    notebook, absent, notes = graded_notebook(released, student_nb, token, first_cell, values)
    outcome = Outcome(notes=notes)
    meta = student_nb.get("metadata", {}).get("casekit") if isinstance(student_nb.get("metadata"), dict) else None
    built_for = meta.get("course") if isinstance(meta, dict) else None
    if isinstance(built_for, str) and built_for != released.metadata["casekit"].get("course"):
        outcome.notes.append("this notebook comes from a release built with another course secret; it was graded "
                             "on this course's variants for the student's folder")
    for qid in absent:
        outcome.problems[qid] = ("unanswered", "the answer cell of this question is missing from the notebook "
                                               "(answers must stay in their own cell)")
    roles = [cell.metadata.get("casekit_grade", "") for cell in notebook.cells]
    cells = [(cell.source, role.startswith("report ")) for cell, role in zip(notebook.cells, roles)]
    env = kernel_environment(limits)
    caps = session.Caps(cell_seconds=limits.cell_seconds, notebook_seconds=limits.notebook_seconds,
                        message_mb=limits.message_mb, tmp_mb=limits.tmp_mb)
    conversation = await session.run_cells(cells, submission, env, caps, slot, sandboxed, warm)
    if conversation.stop_status:
        outcome.notes.append(conversation.stop_reason.replace("not reached: ", "").replace("not graded: ", ""))
    _settle(roles, conversation, token, outcome)
    return outcome


def kernel_environment(limits: Limits) -> dict[str, str]:
    """Return the whole environment of a grading kernel under ``limits``."""
    from casekit.grade import sandbox

    return sandbox.environment({"CASEKIT_GRADE_MEMORY_MB": str(limits.memory_mb),
                                "CASEKIT_GRADE_FILE_MB": str(limits.file_mb),
                                "CASEKIT_GRADE_PROCESSES": str(limits.processes),
                                "CASEKIT_GRADE_OUTPUT_CHARS": str(OUTPUT_CAP),
                                "CASEKIT_DATA": sandbox.mounts().data_dir})


def _settle(roles: list[str], conversation, token: str, outcome: Outcome) -> None:
    """Read each question's report, or find why there is none: an error or timeout in its answer cell."""
    failure: dict[str, tuple[str, str]] = {}
    for index, role in enumerate(roles):
        result = conversation.cells[index] if index < len(conversation.cells) else None
        if role.startswith("answer ") and result is not None:
            qid = role.split(" ", 1)[1]
            problem = _problem_of(result)
            if problem:
                failure[qid] = problem
        elif role.startswith("report "):
            qid = role.split(" ", 1)[1]
            if qid in outcome.problems:
                continue
            if qid in failure:
                outcome.problems[qid] = failure[qid]
            elif result is None:
                outcome.problems[qid] = (conversation.stop_status or "error", conversation.stop_reason
                                         or "not reached")
            else:
                reported = _reported(result.text, token)
                if reported is _MALFORMED:
                    outcome.problems[qid] = ("error", "the answer's value could not be read")
                elif reported is not None:
                    outcome.values[qid] = reported
                else:
                    outcome.problems[qid] = _problem_of(result) or ("error", "the answer could not be read (did "
                                                                             "the notebook replace print or stdout?)")


_MALFORMED = object()


def _reported(text: str, token: str):
    """Return the value reported behind ``token`` in a report cell's text: None if there is none, ``_MALFORMED``
    if the first line behind the token is not a well-formed report (only the first one counts)."""
    for line in text.splitlines():
        if line.startswith(token):
            try:
                data = json.loads(line[len(token):])
            except (ValueError, RecursionError):
                return _MALFORMED
            value = data.get("value") if isinstance(data, dict) else None
            return value if isinstance(value, dict) else _MALFORMED
    return None


def _problem_of(result) -> tuple[str, str] | None:
    if result.timed_out:
        return "timeout", "this answer's cell ran too long and was stopped (an endless loop?)"
    if result.error:
        name, value = result.error
        if name in ("KeyboardInterrupt", "CellTimeoutError"):
            return "timeout", "this answer's cell ran too long and was stopped (an endless loop?)"
        if name == "MemoryError":
            return "error", "this answer's cell ran out of memory"
        return "error", f"this answer's cell raised {name}: {value}"[:300]
    return None


async def run_all(todo: list, released: dict, keys: dict, limits: Limits, jobs: int, progress,
                  sandboxed: bool = True, warm: bool = True, runner=None, finished=None) -> list:
    """Run the submissions in ``todo``, ``jobs`` at a time, then score them; return a ``score.Graded`` for each,
    in order.

    ``jobs`` workers take the submissions one after another, so only the running ones are read into memory.
    Each worker has a slot of its own (0 to jobs-1), which gives its sandbox its own uid. ``runner(sub, slot)``
    runs one submission (by default here, ``run_submission``; ``casekit.grade.remote`` runs it on a Dask
    cluster); ``finished(sub, outcome)`` is told of each result as soon as it is in (``--resume`` keeps it).
    """
    if runner is None:
        async def runner(sub, slot):
            return await run_submission(sub, released[sub.exercise][1], keys[sub.exercise], limits, slot,
                                        sandboxed, warm)
    results: list = [None] * len(todo)
    turn = iter(range(len(todo)))
    done = 0

    async def worker(slot: int) -> None:
        nonlocal done
        for index in turn:
            sub = todo[index]
            results[index] = await runner(sub, slot)
            if finished is not None:
                finished(sub, results[index])  # kept before it is announced: what was announced is never lost
            done += 1
            progress(f"[{done}/{len(todo)}] {sub.label}")

    await asyncio.gather(*(worker(slot) for slot in range(max(1, min(jobs, len(todo))))))
    return score_all(todo, results, keys)


def score_all(todo: list, results: list, keys: dict) -> list:
    """Turn each run's (outcome, responses) into a ``score.Graded``; a run that could not start already has rows."""
    from casekit.grade import plan, score

    scored = []
    for sub, (outcome, written) in zip(todo, results):
        key = keys[sub.exercise]
        if isinstance(outcome, list):
            scored.append(score.Graded(outcome, sub.notes, responses=written))
            continue
        try:
            rows, given = score.rows_of(sub.student, sub.exercise, key, outcome, sub.student_id or sub.student)
            scored.append(score.Graded(rows, sub.notes + outcome.notes, given, written))
        except Exception as err:  # noqa: BLE001 - a value no check foresaw costs only this submission's rows
            message = f"this notebook could not be scored ({type(err).__name__}); ask your instructor"
            scored.append(score.Graded(plan.rows_all(sub.student, key, "error", message), sub.notes,
                                       responses=written))
    return scored


async def run_submission(sub, released_nb, key: dict, limits: Limits, slot: int = 0, sandboxed: bool = True,
                         warm: bool = True):
    """Run one submission; return (its ``Outcome``, or its rows when it cannot run; what it wrote). Never raises.

    What the student wrote (``responses.extract``) is read from the notebook in this process, before it runs.
    Scoring waits until every kernel has finished (``score_all``), so no work of the grader's, however long a
    hostile value makes it, can eat into a running kernel's deadlines.
    """
    from casekit.grade import collect, plan, responses

    try:
        raw, notebook = collect.load(sub, limits.notebook_mb, limits.cells)
    except collect.Changed as err:
        return plan.rows_all(sub.student, key, "invalid", str(err)), {}
    except (OSError, MemoryError) as err:
        return plan.rows_all(sub.student, key, "invalid", f"cannot be read again ({type(err).__name__})"), {}
    try:
        written = responses.extract(released_nb, notebook)
    except Exception:  # noqa: BLE001 - a notebook whose cells cannot be read still runs; it shows no text
        written = {}
    from casekit.grade.score import variant_values

    student_id = sub.student_id or sub.student
    values = variant_values(key, student_id)
    layers, layer_notes = annotation_layers(notebook)
    first = grading_cell(sub.exercise, student_id, values, layers)
    try:
        outcome = await run(released_nb, raw, notebook, limits, slot, sandboxed, warm, first, values)
        outcome.notes += layer_notes
        return outcome, written
    except Exception as err:  # noqa: BLE001 - whatever this notebook does, it costs only its own rows
        message = f"this notebook could not be graded ({type(err).__name__}); ask your instructor"
        return plan.rows_all(sub.student, key, "error", message), written

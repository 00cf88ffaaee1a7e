"""Run one submission in a fresh, limited kernel and collect the value of each answer, never a verdict.

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
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

OUTPUT_CAP = 100_000  # characters of output kept per cell; the rest is dropped


@dataclass
class Limits:
    """How much a submission may use: seconds per cell and per notebook, memory and file size in MB."""

    cell_seconds: int = 30
    notebook_seconds: int = 300
    memory_mb: int = 2048
    file_mb: int = 50


@dataclass
class Outcome:
    """What running a submission gave: per question, a reported value or the reason there is none."""

    values: dict[str, dict] = field(default_factory=dict)  # question -> serialised value
    problems: dict[str, tuple[str, str]] = field(default_factory=dict)  # question -> (status, message)
    notes: list[str] = field(default_factory=list)


def graded_notebook(released, student, token: str):
    """Return the notebook to run: the released exercise with the student's answers and extra cells put in."""
    import nbformat

    questions = [c.metadata["casekit"]["question"] for c in released.cells
                 if c.cell_type == "code" and "question" in c.metadata.get("casekit", {})]
    released_ids = {c.get("id") for c in released.cells}
    answers, extras, pending, notes = {}, {}, [], []
    for cell in student.cells:
        qid = cell.metadata.get("casekit", {}).get("question")
        if qid in questions and cell.cell_type == "code":
            if qid in answers:
                notes.append(f"the answer cell of {qid} appears more than once; the last one was graded")
            answers[qid] = cell
            extras.setdefault(qid, []).extend(pending)
            pending = []
        elif (cell.cell_type == "code" and cell.get("id") not in released_ids and not _is_check(cell)
              and "check.progress()" not in cell.source):
            pending.append(cell)
    graded = copy.deepcopy(released)
    cells = []
    for cell in graded.cells:
        if cell.cell_type != "code":
            continue
        if _is_check(cell) or "check.progress()" in cell.source:
            continue
        qid = cell.metadata.get("casekit", {}).get("question")
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
    nbformat.validate(graded)
    return graded, [q for q in questions if q not in answers], notes


_REPORT = (
    "import json as _casekit_json, casekit.answers as _casekit_answers\n"
    "print({token!r} + _casekit_json.dumps({{'question': {qid!r}, "
    "'value': _casekit_answers.serialise(answer)}}))"
)


def _is_check(cell) -> bool:
    return bool(cell.metadata.get("nbgrader", {}).get("grade")) and cell.cell_type == "code"


def _fresh(source: str, role: str = ""):
    import nbformat

    cell = nbformat.v4.new_code_cell(source)
    if role:
        cell.metadata["casekit_grade"] = role
    return cell


def kernel_spec_dir(root: Path) -> Path:
    """Write the limited grading kernel's spec under ``root`` and return the folder holding it."""
    folder = root / "kernels" / "casekit-grader"
    folder.mkdir(parents=True, exist_ok=True)
    spec = {"argv": [sys.executable, "-m", "casekit.grade.kernel", "-f", "{connection_file}"],
            "display_name": "casekit grader", "language": "python"}
    (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return root / "kernels"


async def run(released, submission_path: Path, student_nb, limits: Limits, spec_dir: Path) -> Outcome:
    """Run a submission in a scratch folder holding only a copy of it; return what each question reported."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient.exceptions import DeadKernelError

    token = "@@casekit-" + secrets.token_hex(8) + "@@"
    notebook, absent, notes = graded_notebook(released, student_nb, token)
    outcome = Outcome(notes=notes)
    for qid in absent:
        outcome.problems[qid] = ("unanswered", "the answer cell of this question is missing from the notebook "
                                               "(answers must stay in their own cell)")
    scratch = Path(tempfile.mkdtemp(prefix="casekit-grade-"))
    try:
        shutil.copy(submission_path, scratch / "submission.ipynb")
        specs = KernelSpecManager(kernel_dirs=[str(spec_dir)], ensure_native_kernel=False)
        km = AsyncKernelManager(kernel_name="casekit-grader", kernel_spec_manager=specs, transport="ipc",
                                connection_file=str(scratch / "kernel.json"))
        env = {"CASEKIT_GRADE_MEMORY_MB": str(limits.memory_mb), "CASEKIT_GRADE_FILE_MB": str(limits.file_mb),
               "PYTHONHASHSEED": "0"}
        client = _CappedClient(notebook, km=km, timeout=limits.cell_seconds, interrupt_on_timeout=True,
                               allow_errors=True, record_timing=False, startup_timeout=60,
                               resources={"metadata": {"path": str(scratch)}})
        try:
            await asyncio.wait_for(client.async_execute(env=_env(env)), timeout=limits.notebook_seconds)
        except asyncio.TimeoutError:
            outcome.notes.append(f"the notebook ran past {limits.notebook_seconds} s and was stopped")
            _settle(notebook, token, outcome, "timeout", f"not reached: the notebook ran past "
                                                         f"{limits.notebook_seconds} s and was stopped")
            return outcome
        except DeadKernelError:
            _settle(notebook, token, outcome, "error", "not reached: the kernel died (the notebook called "
                                                       "os._exit, crashed, or ran out of memory)")
            return outcome
        finally:
            await _shutdown(km)
        _settle(notebook, token, outcome, None, "")
        return outcome
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _env(extra: dict) -> dict:
    import os

    env = dict(os.environ)
    env.update(extra)
    return env


async def _shutdown(km) -> None:
    try:
        if await km.is_alive():
            await km.shutdown_kernel(now=True)
    except Exception:  # the kernel may already be gone; nothing to clean up then
        pass


def _settle(notebook, token: str, outcome: Outcome, cut_status: str | None, cut_message: str) -> None:
    """Read each question's report, or find why there is none: an error or timeout in its answer cell."""
    failure: dict[str, tuple[str, str]] = {}
    for cell in notebook.cells:
        role = cell.metadata.get("casekit_grade", "")
        if role.startswith("answer "):
            qid = role.split(" ", 1)[1]
            error = _error_of(cell)
            if error:
                failure[qid] = error
        elif role.startswith("report "):
            qid = role.split(" ", 1)[1]
            if qid in outcome.problems:
                continue
            reported = _reported(cell, token)
            if qid in failure:
                outcome.problems[qid] = failure[qid]
            elif reported is not None:
                outcome.values[qid] = reported
            elif cut_status:
                outcome.problems[qid] = (cut_status, cut_message)
            else:
                error = _error_of(cell)
                outcome.problems[qid] = error or ("error", "the answer could not be read")


def _reported(cell, token: str):
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            for line in output.get("text", "").splitlines():
                if line.startswith(token):
                    return json.loads(line[len(token):])["value"]
    return None


def _error_of(cell) -> tuple[str, str] | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            name, value = output.get("ename", "Error"), output.get("evalue", "")
            if name in ("KeyboardInterrupt", "CellTimeoutError"):
                return "timeout", "this answer's cell ran too long and was stopped (an endless loop?)"
            if name == "MemoryError":
                return "error", "this answer's cell ran out of memory"
            return "error", f"this answer's cell raised {name}: {value}"[:300]
    return None


class _CappedClient:
    """Build an nbclient NotebookClient that keeps at most ``OUTPUT_CAP`` characters of output per cell."""

    def __new__(cls, notebook, **kwargs):
        from nbclient import NotebookClient

        class Capped(NotebookClient):
            def output(self, outs, msg, display_id, cell_index):
                # Errors are always kept: they say why an answer is missing. Other output stops at the cap.
                if msg["msg_type"] != "error" and sum(len(json.dumps(o)) for o in outs) > OUTPUT_CAP:
                    return None
                return super().output(outs, msg, display_id, cell_index)

        return Capped(notebook, **kwargs)

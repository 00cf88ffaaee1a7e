"""Grade a whole class: ``python -m casekit grade SUBMISSIONS --out RESULTS [--jobs N] [--timeout SECONDS]``.

How a submission is graded, and why this way:

1. **Read and identify** (``collect``): the exercise comes from the notebook's metadata. A truncated, empty,
   non-JSON or non-notebook file gets a row saying so; the run goes on.
2. **Rebuild and run** (``run``): the notebook that runs is the *released* exercise with the student's answer
   cells and extra cells put back, so deleted, edited, reordered or duplicated check cells change nothing. It
   runs with **nbclient**, in a fresh kernel per submission, in a scratch folder holding only a copy of the
   submission, with no stdin, a time limit per cell and per notebook, a memory and file-size cap set inside the
   kernel process (``casekit.grade.kernel``), and at most ``OUTPUT_CAP`` characters of output kept per cell.
   nbclient rather than nbval/pytest: the grader needs each cell's outputs as data, a kernel whose death is
   noticed within a second (nbclient polls it; nbval waits out the whole cell timeout), its own kernel spec for
   the limits, and many notebooks in flight in one event loop, which is how ``--jobs`` runs in parallel.
3. **Report values, not verdicts**: after each answer cell, a report cell prints the answer's *serialised value*
   behind a random token. The kernel never decides anything. So redefining ``check``, patching ``casekit``,
   rewriting stdout, forging stored outputs or answering with an object whose ``==`` is always true gains
   nothing: whatever the kernel reports is only a value, and the grader judges it.
4. **Score** (``score``): in this process, each value is normalised by ``casekit.answers`` and compared with the
   key computed from ``solutions/``.
5. **Write** (``report``): grades.csv, gradebook.csv, feedback pages and a class summary, atomically, with no
   timestamps, so two runs give the same files. Submissions are only ever read.

Limits of the sandbox: the kernel runs as the grader's user and can read files the grader can read. Grade
untrusted notebooks on a machine (or in a container) that holds nothing secret.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from casekit.grade import collect, report
from casekit.grade.run import Limits, kernel_spec_dir, run
from casekit.grade.score import QuestionKey, Row, exercise_key, score

GRADER_VERSION = "1"


@dataclass
class Summary:
    """The closing line's figures."""

    students: int
    submissions: int
    errors: int
    seconds: float

    def line(self) -> str:
        return (f"Graded {self.submissions} submission(s) from {self.students} student(s): {self.errors} with "
                f"problems (error, timeout or invalid), in {self.seconds:.1f} s.")


def grade(submissions: Path, out: Path, jobs: int | None = None, limits: Limits | None = None,
          resume: bool = False, kit: Path | None = None, progress=None,
          exercises: list[str] | None = None) -> Summary:
    """Grade every submission under ``submissions`` and write the results under ``out``; return the summary.

    ``exercises`` (e.g. ["ex02"]) limits grading to those exercises; a notebook of another exercise then gets an
    'invalid' row saying so. By default every exercise found among the submissions is graded.
    """
    from casekit import build

    started = time.monotonic()
    kit = kit or build.kit_root()
    limits = limits or Limits()
    jobs = jobs or os.cpu_count() or 1
    progress = progress or _progress_printer()
    submissions, out = Path(submissions), Path(out)
    if out.resolve().is_relative_to(submissions.resolve()):
        raise ValueError("the results folder must not be inside the submissions folder")
    released = _released(kit / "exercises")
    found = {d.name: [collect.read(d.name, f) for f in collect.files_of(d)] for d in collect.students(submissions)}
    unknown = sorted(set(exercises or []) - set(released))
    if unknown:
        raise ValueError(f"no released exercise {', '.join(unknown)}; the exercises are {', '.join(released)}")
    wanted = sorted(exercises or {s.exercise for subs in found.values() for s in subs if s.exercise in released})
    keys = {}
    for exercise in wanted:
        progress(f"computing the key of {exercise} from its solution …")
        keys[exercise] = exercise_key(_solution(kit / "solutions", exercise))
    key_print = {e: hashlib.sha256(json.dumps({q: [sorted(k.accepted), k.points, sorted(k.wrong_hints.items())]
                                                   for q, k in keys[e].items()}).encode()).hexdigest()
                 for e in keys}
    plan, rows_of, notes_of = [], {}, {}
    for student, subs in found.items():
        chosen = _choose(subs, wanted)
        for exercise in wanted:
            sub = chosen.get(exercise)
            if sub is None:
                rows_of[(student, exercise)] = _rows_all(student, keys[exercise], "missing",
                                                         f"no notebook of {exercise} was handed in")
            elif sub.notebook is None:
                rows_of[(student, exercise)] = _rows_all(student, keys[exercise], "invalid", sub.problem)
                notes_of[(student, exercise)] = sub.notes
            else:
                plan.append(sub)
        for sub in subs:
            if sub.exercise not in wanted:
                reason = sub.problem or (f"{sub.path.name} holds exercise {sub.exercise}, which is not among the "
                                         f"exercises being graded ({', '.join(wanted)})" if sub.exercise in released
                                         else f"{sub.path.name} holds exercise {sub.exercise}, which has no key")
                rows_of[(student, sub.exercise or sub.path.name)] = [
                    Row(student, sub.exercise or "unknown", "-", 0, 0, "invalid", reason)]
    cache = out / ".cache"
    spec_dir = kernel_spec_dir(cache)
    todo, wrongs_of = [], {}
    for sub in plan:
        cached = _cached(cache, sub, key_print[sub.exercise], limits) if resume else None
        if cached:
            rows_of[(sub.student, sub.exercise)] = [Row(**r) for r in cached["rows"]]
            notes_of[(sub.student, sub.exercise)] = cached["notes"]
            wrongs_of[(sub.student, sub.exercise)] = cached["wrongs"]
        else:
            todo.append(sub)
    results = _run_coroutine(_run_all(todo, released, keys, limits, spec_dir, jobs, progress))
    for sub, (rows, notes, wrongs) in zip(todo, results):
        rows_of[(sub.student, sub.exercise)] = rows
        notes_of[(sub.student, sub.exercise)] = notes
        wrongs_of[(sub.student, sub.exercise)] = wrongs
        _store(cache, sub, key_print[sub.exercise], limits, rows, notes, wrongs)
    wrong_answers: dict[str, Counter] = defaultdict(Counter)
    for wrongs in wrongs_of.values():
        for qid, answer in wrongs.items():
            wrong_answers[qid][answer] += 1
    rows = [row for k in sorted(rows_of) for row in rows_of[k]]
    _write(out, rows, rows_of, notes_of, keys, released, wrong_answers)
    problems = sum(1 for k, rs in rows_of.items() if any(r.status in ("error", "timeout", "invalid") for r in rs))
    summary = Summary(len(found), sum(len(s) for s in found.values()), problems, time.monotonic() - started)
    progress(summary.line())
    return summary


def _run_coroutine(coroutine):
    """Run ``coroutine`` to the end, in a thread of its own if this thread already runs an event loop (Jupyter)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _run_all(todo, released, keys, limits, spec_dir, jobs, progress):
    semaphore = asyncio.Semaphore(jobs)
    done = 0

    async def one(sub):
        nonlocal done
        async with semaphore:
            result = await _grade_one(sub, released[sub.exercise][1], keys[sub.exercise], limits, spec_dir)
        done += 1
        progress(f"[{done}/{len(todo)}] {sub.label}")
        return result

    return await asyncio.gather(*(one(sub) for sub in todo))


async def _grade_one(sub, released_nb, key: dict[str, QuestionKey], limits, spec_dir):
    outcome = await run(released_nb, sub.path, sub.notebook, limits, spec_dir)
    rows, wrongs = [], {}
    for qid, qkey in key.items():
        if qkey.free:
            continue
        if qid in outcome.problems:
            status, message = outcome.problems[qid]
            rows.append(Row(sub.student, sub.exercise, qid, 0, qkey.points, status, message))
            continue
        status, points, message, canonical = score(qkey, outcome.values.get(qid))
        rows.append(Row(sub.student, sub.exercise, qid, points, qkey.points, status, message))
        if status == "wrong":
            wrongs[qid] = canonical
    return rows, sub.notes + outcome.notes, wrongs


def _rows_all(student, key: dict[str, QuestionKey], status: str, message: str) -> list[Row]:
    exercise = next(iter(key)).split(".")[0]
    return [Row(student, exercise, q.id, 0, q.points, status, message) for q in key.values() if not q.free]


def _choose(subs, wanted) -> dict:
    """Pick one submission per exercise: a readable notebook before a broken file, then by file name."""
    chosen = {}
    for sub in sorted(subs, key=lambda s: (s.notebook is None, s.path.name)):
        if sub.exercise in wanted:
            if sub.exercise in chosen:
                chosen[sub.exercise].notes.append(f"another file for {sub.exercise} was not graded: {sub.path.name}")
            else:
                chosen[sub.exercise] = sub
    return chosen


def _released(folder: Path) -> dict:
    import nbformat

    released = {}
    for path in sorted(folder.glob("ex*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        released[nb.metadata["casekit"]["exercise"]] = (path, nb)
    return released


def _solution(folder: Path, exercise: str) -> Path:
    from casekit import build

    for path in build.solution_notebooks(folder):
        if path.name.startswith(exercise + "_"):
            return path
    raise FileNotFoundError(f"no solution notebook for {exercise} in {folder}")


def _cache_path(cache: Path, sub) -> Path:
    name = hashlib.sha256(sub.student.encode()).hexdigest()[:16]
    return cache / name / f"{sub.exercise}.json"


def _fingerprint(sub, key_print: str, limits) -> list:
    """Return what a cached result depends on: grader version, submission bytes, key, limits and file name."""
    return [GRADER_VERSION, sub.sha256, key_print, asdict(limits), sub.path.name]


def _cached(cache: Path, sub, key_print: str, limits) -> dict:
    path = _cache_path(cache, sub)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if data.get("fingerprint") == _fingerprint(sub, key_print, limits) else {}


def _store(cache: Path, sub, key_print: str, limits, rows, notes, wrongs) -> None:
    data = {"fingerprint": _fingerprint(sub, key_print, limits), "rows": [asdict(r) for r in rows], "notes": notes, "wrongs": wrongs}
    report.write_atomic(_cache_path(cache, sub), json.dumps(data, ensure_ascii=False, indent=1))


def _write(out: Path, rows, rows_of, notes_of, keys, released, wrong_answers) -> None:
    import plotly.offline

    report.write_atomic(out / "grades.csv", report.grades_csv(rows))
    report.write_atomic(out / "gradebook.csv", report.gradebook_csv(rows, keys))
    for (student, exercise), student_rows in sorted(rows_of.items()):
        if exercise not in keys:
            continue
        title = released[exercise][1].metadata["casekit"].get("title", exercise)
        free = [q for q in keys[exercise].values() if q.free]
        page = report.feedback_html(student, exercise, f"Exercise {exercise[2:]}: {title}", student_rows, free,
                                    notes_of.get((student, exercise), []))
        report.write_atomic(out / "feedback" / _safe(student) / f"{exercise}.html", page)
    plotly_js = out / "plotly.min.js"
    if not plotly_js.is_file():
        report.write_atomic(plotly_js, plotly.offline.get_plotlyjs())
    report.write_atomic(out / "summary.html", report.summary_html(rows, wrong_answers, keys, "plotly.min.js"))


def _safe(name: str) -> str:
    """Return a folder name for a student: their name, with path separators and leading dots made harmless."""
    cleaned = name.replace("/", "_").replace("\\", "_").lstrip(".")
    return cleaned or "_"


def _progress_printer():
    tty = sys.stderr.isatty()

    def show(message: str) -> None:
        if tty and message.startswith("["):
            print(f"\r{message:<78}", end="", file=sys.stderr, flush=True)
        else:
            print(("\n" if tty else "") + message if tty and message.startswith("Graded") else message,
                  file=sys.stderr, flush=True)

    return show

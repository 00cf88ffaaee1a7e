"""Grade a whole class: ``python -m casekit grade SUBMISSIONS --out RESULTS [--jobs N] [--timeout SECONDS]``.

``grade()`` does five things, each in its own module:

1. **Identify** (``collect``): read every file a student handed in and find its exercise in the notebook's
   metadata. A truncated, empty, non-JSON, oversized or symlinked file gets a row saying why (``plan``).
2. **Rebuild and run** (``run``, ``session``, ``sandbox``): the notebook that runs is the *released* exercise
   with the student's answer cells and extra cells put back, so deleted, edited, reordered or duplicated check
   cells change nothing. Each submission runs in a fresh kernel inside its own bubblewrap sandbox, which holds
   the Python environment, the ``casekit`` package, the kit's data and a copy of that one submission, and
   nothing else: no solutions, no other submission, no results, no network. A deadline per cell and per
   notebook holds whatever the kernel does. The kernel is forked from a warm template (``zygote``) that has
   already imported the heavy modules, or, on a Dask cluster (``remote``), run on a worker the same way.
3. **Collect values, not verdicts**: after each answer cell, a report cell prints the answer's *serialised
   value* behind a random token. The kernel never decides anything, so redefining ``check``, patching
   ``casekit``, forging outputs or answering with an object whose ``==`` is always true gains nothing.
4. **Score** (``score``): in this process, each value is normalised by ``casekit.answers`` and compared with the
   key computed from ``solutions/``, which no kernel can see.
5. **Write** (``report``): grades.csv, gradebook.csv, feedback pages and a class summary, atomically, with no
   timestamps, so two runs give the same files; given a roster, also the Canvas and Moodle import files
   (``casekit.lms.gradebooks``). Submissions are only ever read.
6. **The written work** (``casekit.review.written``): what each student wrote for each free-response question is
   read from their notebook (``responses``), shown on one page per question, and given a row in the scoring sheet
   ``manual/<exercise>.csv``, which only ever gains rows; the scores entered there go into the gradebook and
   the feedback pages on the next run.

Whatever one submission does, it costs only its own rows: every step is guarded per submission, and the run
always writes all its files. What the sandbox does and does not guarantee: the instructor guide's threat model.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from casekit.grade import cache, collect, keycache, plan, report, sandbox, session
from casekit.grade.run import Limits, kernel_environment, run_all, score_all
from casekit.grade.sandbox import SandboxUnavailable
from casekit.grade.score import Graded, solution_of

UNSANDBOXED = ("NOT SANDBOXED: this run was made with --unsafe-no-sandbox, so student code ran with the "
               "grader's rights and could have read the solutions or changed files.")

__all__ = ["grade", "Summary", "Limits", "SandboxUnavailable", "UNSANDBOXED"]


@dataclass
class Summary:
    """The closing line's figures."""

    students: int
    submissions: int
    errors: int
    seconds: float
    sandboxed: bool = True

    def line(self) -> str:
        line = (f"Graded {self.submissions} submission(s) from {self.students} student(s): {self.errors} with "
                f"problems (error, timeout or invalid), in {self.seconds:.1f} s.")
        return line if self.sandboxed else line + " " + UNSANDBOXED


def grade(submissions: Path, out: Path, jobs: int | None = None, limits: Limits | None = None,
          resume: bool = False, kit: Path | None = None, progress=None,
          exercises: list[str] | None = None, sandboxed: bool = True, roster: Path | None = None,
          names: bool = False, reveal: bool = False, dask: str | None = None, warm: bool = True,
          solutions: Path | None = None, secret=None) -> Summary:
    """Grade every submission under ``submissions`` and write the results under ``out``; return the summary.

    ``exercises`` (e.g. ["ex02"]) limits grading to those exercises; a notebook of another exercise then gets an
    'invalid' row saying so. By default every exercise found among the submissions is graded.
    ``sandboxed=False`` (the command line's ``--unsafe-no-sandbox``) runs kernels without bubblewrap; every
    report then says so. Otherwise grading refuses to start (``SandboxUnavailable``) where no sandbox can run.
    ``roster`` (a ROSTER.csv, see ``casekit.lms.roster``) adds canvas_gradebook.csv and moodle_gradebook.csv.
    ``names`` shows students' names on the responses pages instead of pseudonyms; ``reveal`` (after the deadline)
    shows the accepted answers and model answers on the feedback pages.
    ``dask`` (a scheduler's address) runs the kernels on that Dask cluster's workers (``casekit.grade.remote``);
    ``jobs`` then defaults to the cluster's threads. Locally, kernels start warm (``casekit.grade.zygote``)
    where the machine allows it and ``warm`` is True, and cold otherwise (the progress says so).
    ``solutions`` is the folder of solution notebooks (default: the kit's ``solutions/``): the released exercises
    and the keys are both made from it, so an installed kit grades as well as a checkout. ``secret`` is the course
    secret (default: ``casekit.course.load()``), which must be the one the students' release was built with.
    """
    from casekit.review import written as written_work
    from casekit import build, course

    started = time.monotonic()
    kit = kit or build.kit_root()
    limits = limits or Limits()
    progress = progress or _progress_printer()
    submissions, out = Path(submissions), Path(out)
    if out.resolve().is_relative_to(submissions.resolve()):
        raise ValueError("the results folder must not be inside the submissions folder")
    if not sandboxed:
        progress(UNSANDBOXED)
    warm_try = None
    if sandboxed and not dask:
        sandbox.check()
        if warm:  # start the zygote and try a warm kernel while the notebooks and keys are read (seconds saved)
            from concurrent.futures import ThreadPoolExecutor

            pool = ThreadPoolExecutor(max_workers=1)
            warm_try = pool.submit(session.warm_problem, kernel_environment(limits))
            pool.shutdown(wait=False)  # the one task goes on; its result is waited for below
        else:
            progress("kernels start cold, one new Python per submission (--cold-start)")
    secret = secret or course.load(notice=progress)
    solutions = Path(solutions) if solutions else kit / "solutions"
    if not solutions.is_dir() or not build.solution_notebooks(solutions):
        raise FileNotFoundError(f"no solution notebooks (exNN_<topic>.ipynb) in {solutions}: give the folder "
                                "with --solutions DIR")
    released = _released(solutions, secret)
    the_roster = _roster(roster, progress)

    # 1. Identify.
    found = {}
    for folder in collect.students(submissions):
        name = collect.unique_name(folder.name, found)
        found[name] = collect.read_folder(folder, limits.notebook_mb, limits.cells, student=name)
    unknown = sorted(set(exercises or []) - set(released))
    if unknown:
        raise ValueError(f"no released exercise {', '.join(unknown)}; the exercises are {', '.join(released)}")
    wanted = sorted(exercises or {s.exercise for subs in found.values() for s in subs if s.exercise in released})
    keys = {}
    for exercise in wanted:
        keys[exercise] = keycache.exercise_key(solution_of(solutions, exercise), secret, progress)
    if warm_try is not None and warm_try.result():
        warm = False
        progress(f"kernels start cold, one new Python per submission (no warm start here: {warm_try.result()})")
    the_plan = plan.make(found, wanted, released, keys)
    graded_of = {k: Graded(rows, the_plan.notes_of.get(k, [])) for k, rows in the_plan.rows_of.items()}
    key_prints = {e: cache.key_print(k) for e, k in keys.items()}
    todo, pending = [], []
    for sub in the_plan.todo:
        print_ = cache.fingerprint(sub, key_prints[sub.exercise], limits, sandboxed)
        hit = cache.load(out / ".cache", sub, print_) if resume else None
        if isinstance(hit, Graded):
            graded_of[(sub.student, sub.exercise)] = hit
        elif hit is not None:  # run before an interruption, not yet scored
            pending.append((sub, print_, hit))
        else:
            todo.append((sub, print_))

    # 2-4. Rebuild and run each submission in its sandbox, collect its values, score them. What each kernel gave
    # is kept in the cache as soon as it is in, so that --resume after an interruption runs nothing already run.
    prints = {id(sub): print_ for sub, print_ in todo}

    def finished(sub, result):
        cache.store_outcome(out / ".cache", sub, prints[id(sub)], result)

    results = session._run_coroutine(_run([s for s, _ in todo], released, keys, limits, jobs, progress, sandboxed,
                                          warm and sandboxed and not dask, dask, finished))
    results += score_all([s for s, _, _ in pending], [r for _, _, r in pending], keys)
    for (sub, print_), graded in zip(todo + [(s, p) for s, p, _ in pending], results):
        graded_of[(sub.student, sub.exercise)] = graded
        cache.store(out / ".cache", sub, print_, graded)

    # 5-6. The written work's sheets and pages, then every result file.
    titles = {e: released[e][1].metadata["casekit"].get("title", e) for e in released}
    written = written_work.update(out, graded_of, keys, titles, names, progress)
    report.write_all(out, graded_of, keys, titles, written, "" if sandboxed else UNSANDBOXED, reveal)
    if the_roster is not None:
        _write_lms_gradebooks(out, {k: g.rows for k, g in graded_of.items()}, keys, titles, the_roster, progress,
                              written.scores)
    problems = sum(1 for g in graded_of.values() if any(r.status in ("error", "timeout", "invalid") for r in g.rows))
    summary = Summary(len(found), sum(len(s) for s in found.values()), problems, time.monotonic() - started,
                      sandboxed)
    progress(summary.line())
    return summary


async def _run(todo, released, keys, limits, jobs, progress, sandboxed, warm, dask, finished):
    """Run ``todo`` here, or on the Dask cluster at ``dask``; return ``run_all``'s results."""
    if not dask:
        return await run_all(todo, released, keys, limits, max(1, jobs or os.cpu_count() or 1), progress,
                             sandboxed, warm, finished=finished)
    from casekit.grade import remote

    async with remote.Cluster(dask, released, keys, limits, sandboxed) as cluster:
        await cluster.check()
        jobs = jobs or await cluster.threads()
        progress(f"grading on the Dask cluster at {dask}, {jobs} submission(s) at a time")
        return await run_all(todo, released, keys, limits, jobs, progress, sandboxed, runner=cluster.runner,
                             finished=finished)


def _roster(path: Path | None, progress):
    """Read the roster before anything runs, so that a bad one stops the run at once; print its problems."""
    if path is None:
        return None
    from casekit.lms import roster

    try:
        the_roster = roster.read(path, need_lms_id=False)
    except roster.RosterError as err:
        raise ValueError(str(err)) from None
    for problem in the_roster.problems:
        progress(problem)
    return the_roster


def _write_lms_gradebooks(out: Path, rows_of: dict, keys: dict, titles: dict, the_roster, progress,
                          scores: dict) -> None:
    from casekit.lms import gradebooks

    rows = [row for k in sorted(rows_of) for row in rows_of[k] if row.exercise in keys]
    report.write_atomic(out / "canvas_gradebook.csv", gradebooks.canvas_csv(rows, keys, titles, the_roster, scores))
    report.write_atomic(out / "moodle_gradebook.csv", gradebooks.moodle_csv(rows, keys, titles, the_roster, scores))
    missing = gradebooks.not_in_roster(rows, the_roster)
    if missing:
        progress(f"not in the roster, so left out of canvas_gradebook.csv and moodle_gradebook.csv: "
                 f"{', '.join(missing)}")


def _released(folder: Path, secret) -> dict:
    """Return the released exercise of each solution notebook in ``folder``: exercise -> (path, notebook)."""
    import nbformat

    from casekit import build, questions

    released = {}
    for path in build.solution_notebooks(folder):
        nb = questions.generate(nbformat.read(path, as_version=4), path.name)
        released[nb.metadata["casekit"]["exercise"]] = (path, build.exercise_notebook(nb, path.name, secret))
    return released


def _progress_printer():
    tty = sys.stderr.isatty()

    def show(message: str) -> None:
        if tty and message.startswith("["):
            print(f"\r{message:<78}", end="", file=sys.stderr, flush=True)
        else:
            print(("\n" if tty else "") + message if tty and message.startswith("Graded") else message,
                  file=sys.stderr, flush=True)

    return show

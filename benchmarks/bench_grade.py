"""Benchmark the grader: seconds per submission against a floor measured in the same run.

Run: .venv/bin/python benchmarks/bench_grade.py [N]   (N submissions, default 12)

It writes N generated submissions of ex02 (a mix of right, wrong, blank and half-right ones) to a temporary
folder, then prints seconds per submission for:
  floor            executing the same notebooks with a bare nbclient call, one after another, no limits or reports;
  unsandboxed -j1  the full grader with one job and --unsafe-no-sandbox;
  grade -j1        the full grader with one job, every kernel in its bubblewrap sandbox;
  grade -j2        the same with two jobs (the machine's cores, here).
The sandbox's cost is grade -j1 against unsandboxed -j1 (target: at most 10 % more per submission).
Every run's grades are checked: a right submission must come back all correct, a wrong one all wrong, a blank
one all unanswered. If any does not, the script prints which and exits with status 1, so it never reports figures
for a run that graded nothing.
nbgrader's autograde is the other reference the kit is compared with; it is measured only when nbgrader is
installed (it is not a dependency of the kit), and this script says so when it is not.
"""

from __future__ import annotations

import csv
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

KIT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(KIT / "tests"))  # the benchmark reuses the test corpus builder

from grading_corpus import EXERCISE, _solutions, _wrong, answered  # noqa: E402

from casekit import grade  # noqa: E402
from casekit.grade.run import Limits  # noqa: E402
from casekit.grade.score import exercise_key  # noqa: E402


KINDS = ["right", "wrong", "blank", "half"]
EXPECTED = {"right": {"correct"}, "wrong": {"wrong"}, "blank": {"unanswered"}, "half": {"correct", "wrong"}}


def make_class(folder: Path, n: int) -> list[Path]:
    """Write n submissions cycling through right, wrong, blank and half-right; return their paths."""
    right, wrong = _solutions(), _wrong()
    half = {q: (right if i % 2 else wrong)[q] for i, q in enumerate(right)}
    kinds = [answered(right), answered(wrong), nbformat.read(EXERCISE, as_version=4), answered(half)]
    paths = []
    for i in range(n):
        path = folder / f"student{i:03d}_{KINDS[i % len(KINDS)]}" / "ex02_timeline.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(kinds[i % len(kinds)], path)
        paths.append(path)
    return paths


def wrongly_graded(out: Path) -> list[str]:
    """Return the students whose rows are not what their kind of submission must get."""
    statuses: dict[str, set] = {}
    for row in csv.DictReader((out / "grades.csv").open(encoding="utf-8")):
        statuses.setdefault(row["student"], set()).add(row["status"])
    return [f"{student}: {sorted(got)}" for student, got in sorted(statuses.items())
            if got != EXPECTED[student.rsplit("_", 1)[1]]]


def floor(paths: list[Path]) -> float:
    """Execute each notebook with a bare nbclient call, serially; return the seconds taken."""
    start = time.perf_counter()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def timed_grade(folder: Path, out: Path, jobs: int, sandboxed: bool = True) -> float:
    """Grade the class; return the seconds taken. Exit with status 1 if any submission was graded wrongly."""
    start = time.perf_counter()
    grade.grade(folder, out, jobs=jobs, limits=Limits(), progress=lambda _message: None, sandboxed=sandboxed)
    seconds = time.perf_counter() - start
    bad = wrongly_graded(out)
    if bad:
        print(f"grade --jobs {jobs} (sandboxed: {sandboxed}) did not grade the class right:", *bad, sep="\n  ")
        sys.exit(1)
    return seconds


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    scratch = Path(tempfile.mkdtemp(prefix="casekit-bench-"))
    try:
        paths = make_class(scratch / "class", n)
        seconds_floor = floor(paths)
        start = time.perf_counter()
        exercise_key(KIT / "solutions" / "ex02_timeline.ipynb")
        seconds_key = time.perf_counter() - start
        seconds_0 = timed_grade(scratch / "class", scratch / "out0", 1, sandboxed=False)
        seconds_1 = timed_grade(scratch / "class", scratch / "out1", 1)
        seconds_2 = timed_grade(scratch / "class", scratch / "out2", 2)
        run_0, run_1, run_2 = seconds_0 - seconds_key, seconds_1 - seconds_key, seconds_2 - seconds_key
        print(f"submissions: {n}, every one graded as it should be")
        print(f"floor (bare nbclient, serial): {seconds_floor / n:.2f} s per submission")
        print(f"computing the key (once per exercise and run): {seconds_key:.1f} s")
        print(f"unsandboxed --jobs 1:          {run_0 / n:.2f} s per submission, key excluded "
              f"({run_0 / seconds_floor:.2f} x floor)")
        print(f"grade --jobs 1 (sandboxed):    {run_1 / n:.2f} s per submission, key excluded "
              f"({run_1 / seconds_floor:.2f} x floor; the sandbox costs {100 * (run_1 / run_0 - 1):+.0f} %)")
        print(f"grade --jobs 2:                {run_2 / n:.2f} s per submission, key excluded "
              f"(speed-up over one job: {run_1 / run_2:.2f} x)")
        try:
            import nbgrader  # noqa: F401

            print("nbgrader is installed, but its autograde needs a course folder and database; "
                  "not measured by this script yet")
        except ImportError:
            print("nbgrader autograde: not measured (nbgrader is not installed; NBVAL-NOTES.md reports about "
                  "3 s start-up + 1.3 s per notebook on this kind of machine)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

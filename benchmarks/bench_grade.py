"""Benchmark the grader: seconds per submission against a floor measured in the same run.

Run: .venv/bin/python benchmarks/bench_grade.py [N]   (N submissions, default 12)

It writes N generated submissions of ex02 (a mix of right, wrong, blank and broken ones) to a temporary folder,
then prints seconds per submission for:
  floor     executing the same notebooks with a bare nbclient call, one after another, no limits or reports;
  grade -j1 the full grader with one job;
  grade -j2 the full grader with two jobs (the machine's cores, here).
nbgrader's autograde is the other reference the kit is compared with; it is measured only when nbgrader is
installed (it is not a dependency of the kit), and this script says so when it is not.
Targets: grade -j1 at most 1.2 x floor; grade -j2 close to half of grade -j1.
"""

from __future__ import annotations

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


def make_class(folder: Path, n: int) -> list[Path]:
    """Write n submissions cycling through right, wrong, blank and half-right; return their paths."""
    right, wrong = _solutions(), _wrong()
    half = {q: (right if i % 2 else wrong)[q] for i, q in enumerate(right)}
    kinds = [answered(right), answered(wrong), nbformat.read(EXERCISE, as_version=4), answered(half)]
    paths = []
    for i in range(n):
        path = folder / f"student{i:03d}" / "ex02_timeline.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(kinds[i % len(kinds)], path)
        paths.append(path)
    return paths


def floor(paths: list[Path]) -> float:
    """Execute each notebook with a bare nbclient call, serially; return the seconds taken."""
    start = time.perf_counter()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def timed_grade(folder: Path, out: Path, jobs: int) -> float:
    start = time.perf_counter()
    grade.grade(folder, out, jobs=jobs, limits=Limits(), progress=lambda m: None)
    return time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    scratch = Path(tempfile.mkdtemp(prefix="casekit-bench-"))
    try:
        paths = make_class(scratch / "class", n)
        seconds_floor = floor(paths)
        start = time.perf_counter()
        exercise_key(KIT / "solutions" / "ex02_timeline.ipynb")
        seconds_key = time.perf_counter() - start
        seconds_1 = timed_grade(scratch / "class", scratch / "out1", 1)
        seconds_2 = timed_grade(scratch / "class", scratch / "out2", 2)
        run_1, run_2 = seconds_1 - seconds_key, seconds_2 - seconds_key
        print(f"submissions: {n}")
        print(f"floor (bare nbclient, serial): {seconds_floor / n:.2f} s per submission")
        print(f"computing the key (once per exercise and run): {seconds_key:.1f} s")
        print(f"grade --jobs 1:                {run_1 / n:.2f} s per submission, key excluded "
              f"({run_1 / seconds_floor:.2f} x floor)")
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

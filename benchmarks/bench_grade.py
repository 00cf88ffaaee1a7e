"""Benchmark the grader side by side with nbgrader's autograde, on the same submissions in the same run.

Run: .venv/bin/python benchmarks/bench_grade.py [N]            (N submissions of ex02, default 12)
     .venv/bin/python benchmarks/bench_grade.py --students 500 (the grader's memory and time against class size)

It writes N generated submissions of ex02 (a mix of right, wrong, blank and half-right ones) to a temporary
folder and grades them, each grading run a command of its own (as a user would run it), with:
  nbgrader autograde  when nbgrader is installed (pip install -e ".[bench]"; nothing is installed at run time): a
                      course folder built in the temporary folder, the kit's exercise as its source notebook;
  grade --jobs 1      the kit's grader, every kernel in its bubblewrap sandbox, warm-started;
  grade --jobs 2      the same with two jobs (the cores of the kit's reference machine);
  grade --jobs 1 cold the kit's grader with warm start switched off (a new Python in each sandbox).
For each it prints seconds per submission (the whole command divided by N, and the steady rate between the first
and the last submission done, which leaves out each tool's fixed start-up: the kit's key, nbgrader's database),
the ratios, the grader's own peak memory (its kernels not included) and the throughput per core. Each tool's
once-per-course step is timed apart, first: nbgrader's ``generate_assignment`` and the kit's key (the grader keeps
it, ``casekit.grade.keycache``, in a key cache of the benchmark's own).

Every run's grades are checked: a right submission must come back all correct, a wrong one all wrong, a blank one
all unanswered, a half-right one half and half (for nbgrader: full, zero, zero and half the points). If any does
not, the script says which and exits with status 1, so it never reports figures for a run that graded nothing.
Timings taken while other work loads the machine are only indicative: the script prints the load average.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

KIT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(KIT / "tests"))  # the benchmark reuses the test corpus builder

from grading_corpus import EXERCISE, _solutions, _wrong, answered

KINDS = ["right", "wrong", "blank", "half"]
EXPECTED = {"right": {"correct"}, "wrong": {"wrong"}, "blank": {"unanswered"}, "half": {"correct", "wrong"}}
PROGRESS = re.compile(r"^\[(\d+)/(\d+)\] ")
GRADER = ("import resource, sys\nfrom casekit.__main__ import main\ncode = main(sys.argv[1:])\n"
          "print('maxrss', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\nsys.exit(code)")
NBGRADER = ("import resource, sys\nfrom nbgrader.apps.nbgraderapp import main\ntry:\n    main()\nfinally:\n"
            "    print('maxrss', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)")


def make_class(folder: Path, n: int) -> list[Path]:
    """Write n submissions cycling through right, wrong, blank and half-right; return their paths."""
    right, wrong = _solutions(), _wrong()
    half = {q: (right if i % 2 else wrong)[q] for i, q in enumerate(right)}
    kinds = [answered(right), answered(wrong), nbformat.read(EXERCISE, as_version=4), answered(half)]
    paths = []
    for i in range(n):
        path = folder / f"student{i:04d}_{KINDS[i % len(KINDS)]}" / "ex02_timeline.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(kinds[i % len(kinds)], path)
        paths.append(path)
    return paths


def venv_env() -> dict[str, str]:
    """Return this environment with the Python's own bin folder first on PATH (nbgrader runs ``alembic`` from it)."""
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")


def timed(argv: list[str], cwd: Path, marker) -> dict:
    """Run ``argv``; return its seconds, the steady seconds per submission, its peak memory (kB) and output."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=venv_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    stamps, lines = [], []
    for line in process.stderr:
        lines.append(line)
        if marker(line):
            stamps.append(time.perf_counter())
    process.wait()
    seconds = time.perf_counter() - start
    rss = next((int(line.split()[1]) for line in lines if line.startswith("maxrss")), 0)
    steady = (stamps[-1] - stamps[0]) / (len(stamps) - 1) if len(stamps) > 2 else float("nan")
    return {"seconds": seconds, "steady": steady, "rss_kb": rss, "code": process.returncode, "log": "".join(lines)}


def kit_run(folder: Path, out: Path, jobs: int, cold: bool = False) -> dict:
    """Grade the class with the kit's command line; exit with status 1 if it was not graded right."""
    argv = [sys.executable, "-c", GRADER, "grade", str(folder), "--out", str(out), "--jobs", str(jobs),
            "--exercise", "ex02"] + (["--cold-start"] if cold else [])
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=KIT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stamps, lines = [], []
    for line in process.stderr:
        lines.append(line)
        if PROGRESS.match(line):
            stamps.append(time.perf_counter())
    process.wait()
    result = {"seconds": time.perf_counter() - start, "code": process.returncode,
              "steady": (stamps[-1] - stamps[0]) / (len(stamps) - 1) if len(stamps) > 2 else float("nan"),
              "rss_kb": next((int(x.split()[1]) for x in lines if x.startswith("maxrss")), 0),
              "cold_note": any("kernels start cold" in x for x in lines)}
    if process.returncode != 0:
        fail(f"grade --jobs {jobs} failed:\n" + "".join(lines[-20:]))
    if cold != result["cold_note"]:
        fail(f"grade --jobs {jobs}: expected {'cold' if cold else 'warm'} kernels:\n" + "".join(lines[-20:]))
    bad = wrongly_graded(out)
    if bad:
        fail(f"grade --jobs {jobs} did not grade the class right:\n  " + "\n  ".join(bad))
    return result


def wrongly_graded(out: Path) -> list[str]:
    """Return the students whose rows are not what their kind of submission must get."""
    statuses: dict[str, set] = {}
    for row in csv.DictReader((out / "grades.csv").open(encoding="utf-8")):
        statuses.setdefault(row["student"], set()).add(row["status"])
    return [f"{student}: {sorted(got)}" for student, got in sorted(statuses.items())
            if got != EXPECTED[student.rsplit("_", 1)[1]]]


def fail(message: str) -> None:
    print(message, file=sys.stderr)
    sys.exit(1)


# --- nbgrader ------------------------------------------------------------------------------------------------

def nbgrader_valid(nb):
    """Return a copy of an exercise notebook that nbgrader accepts.

    The kit's notebooks are nbgrader notebooks (and ``check()`` raises while nbgrader runs them, so a check cell
    scores only a right answer); only an older release's grade ids (``ex02.q1``) need nbgrader's spelling
    (``ex02_q1``: letters, digits, _ and - only).
    """
    import copy

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta and "grade_id" in meta:
            meta["grade_id"] = meta["grade_id"].replace(".", "_")
    return nb


def nbgrader_course(root: Path, paths: list[Path]) -> Path:
    """Build an nbgrader course in ``root``: the assignment ex02 generated, the submissions handed in."""
    course = root / "course"
    (course / "source" / "ex02").mkdir(parents=True)
    nbformat.write(nbgrader_valid(nbformat.read(EXERCISE, as_version=4)),
                   course / "source" / "ex02" / "ex02_timeline.ipynb")
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.CourseDirectory.course_id = 'bench'\n"
        "c.ExecutePreprocessor.timeout = 60\n", encoding="utf-8")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", "ex02", "--force",
                           "--create"], cwd=course, env=venv_env(), capture_output=True, text=True, check=False)
    print(f"nbgrader generate_assignment (once per course, not in the timings below): "
          f"{time.perf_counter() - start:.1f} s")
    if done.returncode != 0:
        fail("nbgrader generate_assignment failed:\n" + done.stderr[-3000:])
    for path in paths:
        target = course / "submitted" / path.parent.name / "ex02" / "ex02_timeline.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(nbgrader_valid(nbformat.read(path, as_version=4)), target)
    return course


def nbgrader_run(course: Path, n: int) -> dict:
    """Autograde every submission; exit with status 1 if nbgrader did not grade the class right."""
    argv = [sys.executable, "-c", NBGRADER, "autograde", "ex02", "--force", "--create"]
    result = timed(argv, course, lambda line: "Sanitizing" in line and "submitted" in line)
    if result["code"] != 0:
        fail("nbgrader autograde failed:\n" + result["log"][-3000:])
    from nbgrader.api import Gradebook

    bad = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as book:
        for student in sorted(p.name for p in (course / "submitted").iterdir()):
            sub = book.find_submission("ex02", student)
            score, full = sub.code_score, sub.max_code_score  # the auto-graded cells (the rest is by hand)
            kind = student.rsplit("_", 1)[1]
            want = {"right": full, "wrong": 0, "blank": 0, "half": full / 2}[kind]
            if score != want:
                bad.append(f"{student}: {score} of {full} points, expected {want}")
        graded = len(book.find_assignment("ex02").submissions)
    if bad or graded != n:
        fail(f"nbgrader autograde did not grade the class right ({graded} of {n} graded):\n  " + "\n  ".join(bad))
    return result


def have_nbgrader() -> bool:
    try:
        import nbgrader  # noqa: F401
    except ImportError:
        return False
    return True


# --- the two modes -------------------------------------------------------------------------------------------

def build_key(scratch: Path) -> None:
    """Build the kit's key of ex02 into a key cache of this run's own, as the first ``grade`` of a course does.

    It is the kit's counterpart of nbgrader's ``generate_assignment``: paid once per course (and again only when the
    solutions, the kit or the secret change), so both are timed apart from the grading runs.
    """
    os.environ["CASEKIT_CACHE_DIR"] = str(scratch / "keys")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "casekit", "key", "ex02", "--student", "bench"], cwd=KIT,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0 or not list((scratch / "keys").glob("*.json")):
        fail("building the key of ex02 failed:\n" + done.stderr[-3000:])
    print(f"the kit's key of ex02 built (once per course, not in the timings below): "
          f"{time.perf_counter() - start:.1f} s")


def side_by_side(n: int, scratch: Path) -> None:
    paths = make_class(scratch / "class", n)
    print(f"{n} submissions of ex02; load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    build_key(scratch)
    runs = {}
    if have_nbgrader():
        course = nbgrader_course(scratch, paths)
        runs["nbgrader autograde"] = (nbgrader_run(course, n), 1)
    else:
        print("nbgrader autograde: not measured (pip install -e \".[bench]\" to compare with it)")
    runs["grade --jobs 1"] = (kit_run(scratch / "class", scratch / "out1", 1), 1)
    runs["grade --jobs 2"] = (kit_run(scratch / "class", scratch / "out2", 2), 2)
    runs["grade --jobs 1, cold"] = (kit_run(scratch / "class", scratch / "out1c", 1, cold=True), 1)
    print(f"every submission graded as it should be by each run; load average after: {os.getloadavg()[0]:.1f}")
    print(f"{'':22} {'s/submission':>12} {'steady s/sub':>12} {'grader MB':>10} {'subs/s/core':>12}")
    for name, (result, cores) in runs.items():
        print(f"{name:22} {result['seconds'] / n:12.2f} {result['steady']:12.2f} {result['rss_kb'] / 1024:10.0f} "
              f"{n / result['seconds'] / cores:12.2f}")
    one, two = runs["grade --jobs 1"][0], runs["grade --jobs 2"][0]
    if "nbgrader autograde" in runs:
        nb = runs["nbgrader autograde"][0]
        print(f"grade --jobs 1 against nbgrader: {nb['seconds'] / one['seconds']:.2f} x faster (whole commands), "
              f"{nb['steady'] / one['steady']:.2f} x (steady)")
        print(f"grade --jobs 2 against nbgrader: {nb['seconds'] / two['seconds']:.2f} x faster (whole commands), "
              f"{nb['steady'] / two['steady']:.2f} x (steady)")
    print(f"grade --jobs 2 against --jobs 1: {one['seconds'] / two['seconds']:.2f} x (whole commands), "
          f"{one['steady'] / two['steady']:.2f} x (steady)")
    cold = runs["grade --jobs 1, cold"][0]
    print(f"warm start against cold, --jobs 1: {cold['steady'] / one['steady']:.2f} x (steady)")


def class_sizes(students: int, scratch: Path) -> None:
    sizes = sorted({max(4, students // 10), students})
    print(f"the grader's time and memory against class size (--jobs 2); load average: {os.getloadavg()[0]:.1f}")
    build_key(scratch)
    print(f"{'students':>9} {'seconds':>9} {'s/submission':>13} {'steady s/sub':>13} {'grader MB':>10}")
    for size in sizes:
        folder = scratch / f"class{size}"
        make_class(folder, size)
        result = kit_run(folder, scratch / f"out{size}", 2)
        print(f"{size:9d} {result['seconds']:9.1f} {result['seconds'] / size:13.3f} {result['steady']:13.3f} "
              f"{result['rss_kb'] / 1024:10.0f}")
        shutil.rmtree(folder)
    print("every submission graded as it should be")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=12, help="submissions in the side-by-side run")
    parser.add_argument("--students", type=int, help="grade classes of this size and a tenth of it instead")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="casekit-bench-"))
    try:
        if args.students:
            class_sizes(args.students, scratch)
        else:
            side_by_side(args.n, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

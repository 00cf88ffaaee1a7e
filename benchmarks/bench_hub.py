"""Benchmark a class on JupyterHub: how long students wait, and how much memory each one costs, to size a machine.

Run: .venv/bin/python benchmarks/bench_hub.py [--students N] [--concurrency K]   (defaults: 50 students, all at once)

It starts the same hub as tests/test_hub.py (127.0.0.1, its own configurable-http-proxy, the kit's course
configuration docs/hub/jupyterhub_config.py, a dummy authenticator, one local single-user server per student) and
plays the start of a lesson: N students log in (K at a time; all at once by default, as when a class starts),
start their servers, follow the nbgitpuller link, pull the kit, open ex02 and run it with answers, checking each
one. It prints:

  hub start            seconds from starting jupyterhub to its API answering;
  spawn                per student, seconds from "start my server" to the server being ready (median, worst);
  first check          per student, seconds from opening the exercise (a new kernel) to the first verdict;
  server memory        resident MB of one single-user server, and of it with the exercise's kernel running;
  whole class          seconds from the first login to the last student's saved notebook.

The hub and everything it started are stopped at the end, whatever happened. Every student's verdicts are
checked (a right answer must show ✅, a wrong one ❌, a blank ⬜); if any is not as it should be, or a student could
not finish, the script says who and exits with status 1, so it never reports figures for a class that did nothing.
Timings on a shared or busy machine are only indicative.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

KIT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(KIT / "tests"))  # the benchmark reuses the hub harness and the answers of the tests

from hub_class import course_repository, leftovers, running_hub
from test_hub import SYMBOL, expected_status, plan, play


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):7.1f}   worst {max(values):7.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50, help="students in the class (default 50)")
    parser.add_argument("--concurrency", type=int, default=0, help="students starting at once (default: all)")
    args = parser.parse_args(argv)
    students = max(1, args.students)
    concurrency = args.concurrency or students
    failures = []
    with tempfile.TemporaryDirectory(prefix="casekit-hub-bench-") as tmp:
        root = Path(tmp)
        repo = course_repository(root / "instructor")
        names = {f"student{i:03d}": plan(i) for i in range(students)}
        with running_hub(root / "hub") as hub:
            marker = hub.marker

            def one(item):
                name, kind = item
                try:
                    return name, play(hub, repo, name, kind), None
                except Exception as err:  # noqa: BLE001 (a student who cannot finish is reported, not hidden)
                    return name, None, f"{type(err).__name__}: {str(err)[:200]}"

            began = time.monotonic()
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                results = list(pool.map(one, names.items()))
            whole = time.monotonic() - began
            hub_start = hub.started_in
        left = leftovers(marker)
    played = {}
    for name, result, error in results:
        if error:
            failures.append(f"{name}: {error}")
            continue
        for question, status in expected_status(names[name]).items():
            if not result["verdicts"].get(question, "").startswith(f"{SYMBOL[status]} {question}:"):
                failures.append(f"{name}: {question} showed {result['verdicts'].get(question)!r}, not {status}")
        played[name] = result
    if left:
        failures.append(f"processes left after the hub stopped: {left}")
    if failures or not played:
        print("The class did not run as it should; no figures are reported:", file=sys.stderr)
        for line in failures or ["no student finished"]:
            print("  " + line, file=sys.stderr)
        return 1
    spawn = [r["student"].timings["spawn"] for r in played.values()]
    first = [r["student"].timings["first_check"] for r in played.values()]
    server = [r["memory"][0] for r in played.values()]
    with_kernel = [r["memory"][1] for r in played.values()]
    print(f"JupyterHub class: {students} students, {concurrency} at a time, each running ex02 on their own server")
    print(f"  hub start              {hub_start:7.1f} s")
    print(f"  spawn (s)              {spread(spawn)}")
    print(f"  first check (s)        {spread(first)}")
    print(f"  server memory (MB)     {spread(server)}")
    print(f"  with its kernel (MB)   {spread(with_kernel)}")
    print(f"  whole class            {whole:7.1f} s")
    print(f"  memory for the class   about {sum(with_kernel) / 1024:.1f} GB while every kernel runs")
    print("(figures from one run; on a shared or busy machine they are only indicative)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the notebooks: how long each lesson, solution and exercise takes to run on a fresh kernel.

Each runs through ``casekit.runner.run``, the runner the build and the site use.

Run: .venv/bin/python benchmarks/bench_notebooks.py

Prints seconds per notebook (kernel start included) and the size of each notebook file. The kit's target is well
under a minute per notebook on a 2-core machine; this script measures, it does not enforce.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat

from casekit.runner import run

KIT = Path(__file__).resolve().parents[1]


def main() -> None:
    for folder in ("notebooks", "solutions", "exercises"):
        for path in sorted((KIT / folder).glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            start = time.perf_counter()
            run(nb, path.parent, name=path.name)
            seconds = time.perf_counter() - start
            print(f"{folder}/{path.name:<45} {seconds:6.1f} s   {path.stat().st_size / 1024:7.1f} KB on disk")


if __name__ == "__main__":
    main()

"""Timing helper shared by the benchmark scripts (run them from the repository: python benchmarks/NAME.py)."""

from __future__ import annotations

import statistics
import time


def median_time(action, runs: int = 15) -> float:
    """Return the median wall time of ``action()`` over ``runs`` runs, after one warm-up run."""
    action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)

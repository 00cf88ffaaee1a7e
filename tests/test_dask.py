"""Grading on a Dask cluster (two worker processes on 127.0.0.1) writes what a local run writes, byte for byte,
sends workers nothing but public material, and survives a worker killed in the middle of the run."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
from pathlib import Path

import nbformat
import pytest
from grading_corpus import EXERCISE, _solutions, _wrong, answered

from casekit import grade
from casekit.grade.run import Limits

LIMITS = Limits(cell_seconds=20, notebook_seconds=120)


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".cache" not in p.parts}


def make_class(folder: Path, n: int) -> None:
    kinds = [answered(_solutions()), answered(_wrong()), nbformat.read(EXERCISE, as_version=4),
             answered({"ex02.q1": "answer = 20"})]
    for i in range(n):
        (folder / f"s{i}").mkdir(parents=True)
        nbformat.write(kinds[i % len(kinds)], folder / f"s{i}" / "ex02.ipynb")


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", scheduler_port=0,
                      dashboard_address=None, silence_logs=logging.ERROR) as running:
        yield running


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("local")
    make_class(root / "class", 6)
    grade.grade(root / "class", root / "out", jobs=2, limits=LIMITS, progress=lambda m: None, exercises=["ex02"])
    return root


def test_a_dask_run_writes_what_a_local_run_writes_and_sends_no_key(cluster, local_run, tmp_path, monkeypatch):
    import distributed

    sent = []
    submit = distributed.Client.submit

    def spy(self, function, *args, **kwargs):
        sent.append((function.__name__, args))
        return submit(self, function, *args, **kwargs)

    monkeypatch.setattr(distributed.Client, "submit", spy)
    messages = []
    grade.grade(local_run / "class", tmp_path / "out", limits=LIMITS, progress=messages.append, exercises=["ex02"],
                dask=cluster.scheduler_address)
    assert snapshot(tmp_path / "out") == snapshot(local_run / "out")
    assert any("Dask cluster" in m and "2 submission(s) at a time" in m for m in messages), messages
    # What went to the workers: the released exercise, one submission's bytes, the limits, a slot, the sandbox flag,
    # and the grader's own first cell with the student's variant values (the question parameters, never an answer).
    def cells(notebook):  # the grader builds its release from the solutions: the same cells, not always the same counts
        return [(c.cell_type, c.source) for c in notebook.cells]

    released = cells(nbformat.read(EXERCISE, as_version=4))
    handed_in = {(local_run / "class" / f"s{i}" / "ex02.ipynb").read_bytes() for i in range(6)}
    assert len(sent) == 6
    for name, (exercise, submission, limits, slot, sandboxed, first_cell, values) in sent:
        assert name == "run_one" and cells(nbformat.reads(exercise, as_version=4)) == released and submission in handed_in
        assert limits == LIMITS.__dict__ and slot in (0, 1) and sandboxed is True
        assert isinstance(first_cell, str) and isinstance(values, dict)
        assert "accepted" not in first_cell and "hash" not in json.dumps(values, default=str)


def test_a_worker_killed_mid_run_costs_nothing(cluster, local_run, tmp_path):
    from distributed import Client

    with Client(cluster.scheduler_address) as client:
        pids = sorted(client.run(os.getpid).values())
    assert len(pids) == 2
    killed = []

    def progress(message):
        if message.startswith("[1/") and not killed:
            os.kill(pids[0], signal.SIGKILL)  # the other worker, or this one restarted, must take its work
            killed.append(pids[0])

    grade.grade(local_run / "class", tmp_path / "out", limits=LIMITS, progress=progress, exercises=["ex02"],
                dask=cluster.scheduler_address)
    assert killed
    with pytest.raises(ProcessLookupError):
        os.kill(killed[0], 0)
    assert snapshot(tmp_path / "out") == snapshot(local_run / "out")


def test_an_unreachable_cluster_is_a_clear_error(tmp_path, local_run):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "casekit", "grade", str(local_run / "class"), "--out",
                           str(tmp_path / "out"), "--dask", "tcp://127.0.0.1:9", "--exercise", "ex02"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 2 and "cannot reach the Dask cluster at tcp://127.0.0.1:9" in done.stderr, done.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()

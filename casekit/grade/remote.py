"""Grade on a Dask cluster: ``python -m casekit grade SUBMISSIONS --out RESULTS --dask ADDRESS``.

Each submission becomes one Dask task, ``run_one``, which runs it on a worker exactly as a local run would (a
fresh sandbox and kernel on that worker's machine) and returns what the kernel *reported*: the serialised value
of each answer, or why there is none. What a task carries is the released exercise (which students have), the
submission's bytes, the limits and a slot number: never the key. Scoring stays in the grader process
(``run.score_all``), so a worker, however compromised, learns nothing it could not read in the released
exercise, and the results are byte-identical to a local run's.

A worker lost mid-run is survived by Dask itself: the scheduler gives its running task to another worker. Each
submission is one future, and its result is taken once, so it is in the results exactly once.

Every worker needs the kit installed as on the grading machine, and bubblewrap: ``check_workers`` asks each one
to start a test sandbox before anything runs, and grading refuses to start if one cannot.

A cluster is started by whatever suits the machines: ``dask scheduler`` and ``dask worker ADDRESS`` by hand,
``dask-jobqueue`` on an HPC batch system (``SLURMCluster(...).scale(jobs=4)``, then pass its
``scheduler_address``) or ``dask-kubernetes`` in the cloud (``KubeCluster``); see the instructor guide.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from casekit.grade.run import Limits, Outcome


def run_one(released_json: str, submission: bytes, limits: dict, slot: int, sandboxed: bool = True,
            first_cell: str | None = None, values: dict | None = None) -> dict:
    """On a worker: run one submission in a fresh sandbox; return its outcome as plain data (see module doc)."""
    import nbformat

    from casekit.grade import collect, run, session

    released = nbformat.reads(released_json, as_version=4)
    notebook, problem = collect._as_notebook(json.loads(submission.decode("utf-8")), "the notebook")
    if notebook is None:
        raise ValueError(problem)
    limits = Limits(**limits)
    warm = sandboxed and not session.warm_problem(run.kernel_environment(limits))
    outcome = session._run_coroutine(run.run(released, submission, notebook, limits, slot, sandboxed, warm,
                                             first_cell, values))
    return {"values": outcome.values, "problems": {q: list(p) for q, p in outcome.problems.items()},
            "notes": outcome.notes}


def check_worker(sandboxed: bool = True) -> str:
    """On a worker: return why it cannot grade (empty if it can)."""
    from casekit.grade import sandbox

    if not sandboxed:
        return ""
    try:
        sandbox.check()
    except sandbox.SandboxUnavailable as err:
        return str(err)
    return ""


class Cluster:
    """The grader's side: a Dask client, and a ``runner`` for ``run.run_all`` that sends submissions to it."""

    def __init__(self, address: str, released: dict, keys: dict, limits: Limits, sandboxed: bool = True):
        self.address, self.released, self.keys, self.limits, self.sandboxed = (address, released, keys, limits,
                                                                               sandboxed)
        self.client = None
        self._released_json: dict[str, str] = {}

    async def __aenter__(self) -> Cluster:
        try:
            from distributed import Client
        except ImportError:
            raise ValueError('--dask needs dask.distributed, which is not installed: pip install -e ".[dask]"') \
                from None

        self.client = await Client(self.address, asynchronous=True, timeout=20)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.client.close()

    async def threads(self) -> int:
        """Return how many tasks the cluster runs at once (the sum of its workers' threads)."""
        return max(1, sum((await self.client.nthreads()).values()))

    async def check(self) -> None:
        """Raise ``SandboxUnavailable`` naming the first worker that cannot start a sandbox."""
        from casekit.grade.sandbox import SandboxUnavailable

        problems = await self.client.run(check_worker, self.sandboxed)
        for worker, problem in sorted(problems.items()):
            if problem:
                raise SandboxUnavailable(f"the Dask worker {worker} cannot grade: {problem}")
        if not problems:
            raise SandboxUnavailable(f"the Dask cluster at {self.address} has no workers")

    async def runner(self, sub, slot: int):
        """Run ``sub`` on the cluster; return (its ``Outcome``, or its rows when it cannot run; what it wrote), as
        ``run.run_submission`` does. Never raises."""
        import nbformat

        from casekit.grade import collect, plan, responses

        key = self.keys[sub.exercise]
        try:
            raw, notebook = collect.load(sub, self.limits.notebook_mb, self.limits.cells)
        except collect.Changed as err:
            return plan.rows_all(sub.student, key, "invalid", str(err)), {}
        except (OSError, MemoryError) as err:
            return plan.rows_all(sub.student, key, "invalid", f"cannot be read again ({type(err).__name__})"), {}
        try:
            written = responses.extract(self.released[sub.exercise][1], notebook)  # read here: no worker needs it
        except Exception:  # noqa: BLE001 - as in a local run, a notebook whose cells cannot be read shows no text
            written = {}
        if sub.exercise not in self._released_json:
            self._released_json[sub.exercise] = nbformat.writes(self.released[sub.exercise][1])
        from casekit.grade.run import annotation_layers, grading_cell
        from casekit.grade.score import variant_values

        student_id = sub.student_id or sub.student
        values = variant_values(key, student_id)  # the student's variants: the secret stays here
        layers, layer_notes = annotation_layers(notebook)  # checked here, sent to the worker as data
        try:
            future = self.client.submit(run_one, self._released_json[sub.exercise], raw, asdict(self.limits), slot,
                                        self.sandboxed, grading_cell(sub.exercise, student_id, values, layers),
                                        values, pure=False)
            reported = await future
            return Outcome(values=dict(reported["values"]),
                           problems={q: (str(p[0]), str(p[1])) for q, p in reported["problems"].items()},
                           notes=list(reported["notes"]) + layer_notes), written
        except Exception as err:  # noqa: BLE001 - a task that failed on every worker costs only its own rows
            message = f"this notebook could not be graded on the cluster ({type(err).__name__}); grade it again"
            return plan.rows_all(sub.student, key, "error", message), written

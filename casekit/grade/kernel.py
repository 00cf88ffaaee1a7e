"""Start an IPython kernel with limits, for grading: ``python -m casekit.grade.kernel -f CONNECTION_FILE``.

This runs inside the sandbox (``casekit.grade.sandbox``), before any student code. It caps the kernel's memory
(address space), the size of any file it writes, the number of processes and threads its uid may have, and
core dumps, as hard limits the student's code cannot raise; then it hands over to ipykernel with two settings:

- each cell's stdout and stderr stop after ``CASEKIT_GRADE_OUTPUT_CHARS`` characters (one note says so), so an
  honest notebook that prints too much still reaches its answers, and the grader never receives the flood;
- no history database is written.

A memory bomb then ends in a ``MemoryError`` inside the student's cell (or the kernel's death, which the grader
notices at once) and a fork bomb in an ``OSError``, instead of exhausting the machine. A student's code that
undoes the output cap (it runs in this process) gains nothing: the grader caps every message it accepts.
Limits come from the environment: ``CASEKIT_GRADE_MEMORY_MB``, ``CASEKIT_GRADE_FILE_MB``,
``CASEKIT_GRADE_PROCESSES`` and ``CASEKIT_GRADE_OUTPUT_CHARS``.
"""

from __future__ import annotations

import os
import resource
import sys

from ipykernel.iostream import OutStream


def apply_limits() -> None:
    """Cap this process's address space, file size, processes and core dumps from the environment."""
    caps = {"CASEKIT_GRADE_MEMORY_MB": (resource.RLIMIT_AS, 1024 * 1024),
            "CASEKIT_GRADE_FILE_MB": (resource.RLIMIT_FSIZE, 1024 * 1024),
            "CASEKIT_GRADE_PROCESSES": (resource.RLIMIT_NPROC, 1)}
    for variable, (which, unit) in caps.items():
        value = os.environ.get(variable)
        if value:
            limit = int(value) * unit
            resource.setrlimit(which, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class CappedOutStream(OutStream):
    """ipykernel's stdout/stderr stream, keeping at most ``CASEKIT_GRADE_OUTPUT_CHARS`` characters per cell."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._cap = int(os.environ.get("CASEKIT_GRADE_OUTPUT_CHARS", "100000"))
        self._cell, self._used = None, 0

    def write(self, string):
        if not isinstance(string, str):
            return super().write(string)
        cell = self.parent_header.get("msg_id")
        if cell != self._cell:
            self._cell, self._used = cell, 0
        room = self._cap - self._used
        if room <= 0:
            return len(string)
        self._used += len(string)
        if len(string) > room:
            super().write(string[:room] + f"\n[output cut by the grader after {self._cap} characters]\n")
            return len(string)
        return super().write(string)


def main() -> None:
    """Apply the limits, then run ipykernel with this process's arguments and the grading settings."""
    apply_limits()
    from ipykernel import kernelapp

    sys.argv[0] = "casekit-grade-kernel"
    sys.argv += ["--IPKernelApp.outstream_class=casekit.grade.kernel.CappedOutStream",
                 "--HistoryManager.enabled=False"]
    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()

"""Start an IPython kernel with limits, for grading: ``python -m casekit.grade.kernel -f CONNECTION_FILE``.

The grader runs each submission in a kernel started through this module, which first caps the kernel's memory
(address space) and the size of any file it writes, then hands over to ipykernel. A memory bomb then ends in a
``MemoryError`` inside the student's cell (or the kernel's death, which the grader notices within a second) instead
of exhausting the machine. Limits come from the environment: ``CASEKIT_GRADE_MEMORY_MB`` and
``CASEKIT_GRADE_FILE_MB``.
"""

from __future__ import annotations

import os
import resource
import sys


def apply_limits() -> None:
    """Cap this process's address space and file size from the environment (no cap when a variable is unset)."""
    memory = os.environ.get("CASEKIT_GRADE_MEMORY_MB")
    if memory:
        limit = int(memory) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    file_size = os.environ.get("CASEKIT_GRADE_FILE_MB")
    if file_size:
        limit = int(file_size) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def main() -> None:
    """Apply the limits, then run ipykernel with this process's arguments."""
    apply_limits()
    from ipykernel import kernelapp

    sys.argv[0] = "casekit-grade-kernel"
    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()

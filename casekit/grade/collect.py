"""Find the submissions in a class folder and read each one, turning every kind of broken file into a clear reason.

The layout is nbgrader's: ``SUBMISSIONS/<student>/<exercise>.ipynb`` (one level deeper,
``SUBMISSIONS/<student>/<assignment>/<notebook>.ipynb``, works too). The exercise is identified from the notebook's
metadata (``casekit.exercise``), never from its file name: students rename files.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

EXERCISE_IN_NAME = re.compile(r"(ex\d{2})")


@dataclass
class Submission:
    """One file a student handed in, read and identified (or the reason it could not be)."""

    student: str
    path: Path
    exercise: str | None = None
    notebook: object | None = None
    problem: str = ""
    sha256: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.student}/{self.path.name}"


def students(root: Path) -> list[Path]:
    """Return the student folders of a class folder, sorted by name (hidden folders skipped)."""
    if not root.is_dir():
        raise FileNotFoundError(f"no submissions folder at {root}")
    return sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)


def files_of(student_dir: Path) -> list[Path]:
    """Return the files a student handed in (directly in their folder, or one folder down), hidden ones skipped."""
    found = []
    for path in sorted(student_dir.rglob("*")):
        relative = path.relative_to(student_dir)
        if path.is_file() and len(relative.parts) <= 2 and not any(p.startswith(".") for p in relative.parts):
            found.append(path)
    return found


def read(student: str, path: Path) -> Submission:
    """Read one file as a notebook and identify its exercise; on failure, say why in ``problem``."""

    submission = Submission(student, path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        submission.problem = f"cannot be read: {err.strerror or err}"
        return submission
    submission.sha256 = hashlib.sha256(raw).hexdigest()
    guess = EXERCISE_IN_NAME.search(path.name)
    if path.suffix != ".ipynb":
        submission.problem = f"{path.name} is not a notebook (.ipynb); hand in the exercise notebook itself"
        submission.exercise = guess.group(1) if guess else None
        return submission
    if not raw.strip():
        submission.problem = f"{path.name} is empty"
    else:
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            submission.problem = f"{path.name} is not a text file: it is not a notebook"
        except json.JSONDecodeError as err:
            submission.problem = (f"{path.name} is not a valid notebook (broken JSON at line {err.lineno}, "
                                  f"column {err.colno}: {err.msg}); it may have been cut off while saving")
        else:
            submission.notebook, submission.problem = _as_notebook(data, path.name)
    if submission.notebook is not None:
        exercise = submission.notebook.metadata.get("casekit", {}).get("exercise")
        if not exercise:
            submission.problem = (f"{path.name} is not a casekit exercise notebook (no exercise in its metadata); "
                                  "hand in the notebook from the exercises folder")
            submission.notebook = None
        else:
            submission.exercise = exercise
            if guess and guess.group(1) != exercise:
                submission.notes.append(f"the file is named {path.name} but holds exercise {exercise}")
    if submission.exercise is None and guess:
        submission.exercise = guess.group(1)
    return submission


def _as_notebook(data, name: str):
    """Return (notebook, problem): the parsed notebook upgraded to format 4, or None and the reason."""
    import nbformat

    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        return None, f"{name} is JSON but not a notebook"
    try:
        notebook = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as err:  # nbformat raises several kinds of error for a damaged notebook
        return None, f"{name} is not a readable notebook: {str(err).splitlines()[0][:200]}"
    return notebook, ""

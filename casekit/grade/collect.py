"""Find the submissions in a class folder and read each one, turning every kind of broken file into a clear reason.

The layout is nbgrader's: ``SUBMISSIONS/<student>/<exercise>.ipynb`` (one level deeper,
``SUBMISSIONS/<student>/<assignment>/<notebook>.ipynb``, works too). The exercise is identified from the notebook's
metadata (``casekit.exercise``), never from its file name: students rename files.

What an honest class hands in is accepted: a notebook saved with a UTF-8 byte-order mark, any folder name (one
that is not valid UTF-8 is shown with its odd bytes escaped, ``\\xff``). What could trick the grader is refused,
each with a row saying why: a symbolic link (to the solution, or to a classmate's file), a file over the size
limit, a notebook with too many cells or nested too deeply to read.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

EXERCISE_IN_NAME = re.compile(r"(ex\d{2})")
EXERCISE_ID = re.compile(r"ex\d{2}")


@dataclass
class Submission:
    """One file a student handed in, read and identified (or the reason it could not be)."""

    student: str
    path: Path
    raw: bytes = b""
    exercise: str | None = None
    notebook: object | None = None
    problem: str = ""
    sha256: str = ""
    notes: list[str] = field(default_factory=list)
    whole_folder: bool = False  # the problem is the student's folder itself (a link): it stands for every exercise

    @property
    def label(self) -> str:
        return f"{self.student}/{display_name(self.path.name)}"


def students(root: Path) -> list[Path]:
    """Return the student folders of a class folder (symbolic links to folders included), sorted, hidden skipped."""
    if not root.is_dir():
        raise FileNotFoundError(f"no submissions folder at {root}")
    return sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)


def display_name(name: str) -> str:
    """Return a folder name as printable text: bytes that are not UTF-8 are shown escaped (``\\xff``).

    >>> display_name("Zo\u00eb")
    'Zoë'
    >>> display_name("x" + b"\\xff".decode("utf-8", "surrogateescape"))
    'x\\\\xff'
    """
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def read_folder(student_dir: Path, max_mb: int = 50, max_cells: int = 2000) -> list[Submission]:
    """Read every file a student handed in; a student folder that is a link gives one refusal for all of it."""
    student = display_name(student_dir.name)
    subs = [read(student, f, max_mb, max_cells) for f in files_of(student_dir)]
    if student_dir.is_symlink():
        for sub in subs:
            sub.whole_folder = True
    return subs


def files_of(student_dir: Path) -> list[Path]:
    """Return the files a student handed in (directly in their folder, or one folder down), hidden ones skipped.

    Symbolic links are returned too, never followed, so that ``read`` can refuse them with a reason; a student
    folder that is itself a link is returned as its only "file".
    """
    if student_dir.is_symlink():
        return [student_dir]
    found = []
    for entry in sorted(student_dir.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_symlink() or entry.is_file():
            found.append(entry)
        elif entry.is_dir():
            found += [inner for inner in sorted(entry.iterdir())
                      if not inner.name.startswith(".") and (inner.is_symlink() or inner.is_file())]
    return found


def read(student: str, path: Path, max_mb: int = 50, max_cells: int = 2000) -> Submission:
    """Read one file as a notebook and identify its exercise; on failure, say why in ``problem``."""

    submission = Submission(student, path)
    name = display_name(path.name)
    guess = EXERCISE_IN_NAME.search(path.name)
    submission.exercise = guess.group(1) if guess else None
    try:
        if path.is_symlink():
            what = "folder" if path.is_dir() else "file"
            submission.problem = (f"{name} is a symbolic link, not a {what}: hand in the notebook "
                                  "itself (links are never followed)")
            return submission
        size = path.lstat().st_size
        if size > max_mb * 1024 * 1024:
            submission.problem = (f"{name} is {size / 1024 / 1024:.0f} MB, over the limit of "
                                  f"{max_mb} MB; clear the outputs (Edit > Clear Outputs of All Cells) and save")
            return submission
        raw = path.read_bytes()
    except OSError as err:
        submission.problem = f"cannot be read: {err.strerror or err}"
        return submission
    submission.exercise = None
    submission.raw = raw
    submission.sha256 = hashlib.sha256(raw).hexdigest()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if path.suffix != ".ipynb":
        submission.problem = f"{name} is not a notebook (.ipynb); hand in the exercise notebook itself"
        submission.exercise = guess.group(1) if guess else None
        return submission
    if not raw.strip():
        submission.problem = f"{name} is empty"
    else:
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            submission.problem = f"{name} is not a text file: it is not a notebook"
        except RecursionError:
            submission.problem = f"{name} is nested too deeply to be a notebook"
        except json.JSONDecodeError as err:
            submission.problem = (f"{name} is not a valid notebook (broken JSON at line {err.lineno}, "
                                  f"column {err.colno}: {err.msg}); it may have been cut off while saving")
        else:
            submission.notebook, submission.problem = _as_notebook(data, name)
            if submission.notebook is not None and len(submission.notebook.cells) > max_cells:
                submission.notebook = None
                submission.problem = (f"{name} has {len(data.get('cells', []))} cells, over the limit of "
                                      f"{max_cells}")
    if submission.notebook is not None:
        meta = submission.notebook.metadata.get("casekit")
        exercise = meta.get("exercise") if isinstance(meta, dict) else None
        if not isinstance(exercise, str) or not EXERCISE_ID.fullmatch(exercise):
            submission.problem = (f"{name} is not a casekit exercise notebook (no exercise in its metadata); "
                                  "hand in the notebook from the exercises folder")
            submission.notebook = None
        else:
            submission.exercise = exercise
            if guess and guess.group(1) != exercise:
                submission.notes.append(f"the file is named {name} but holds exercise {exercise}")
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
    except RecursionError:
        return None, f"{name} is nested too deeply to be a notebook"
    except Exception as err:  # nbformat raises several kinds of error for a damaged notebook
        return None, f"{name} is not a readable notebook: {str(err).splitlines()[0][:200]}"
    return notebook, ""

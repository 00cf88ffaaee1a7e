"""Find the submissions in a class folder and read each one, turning every kind of broken file into a clear reason.

The layout is nbgrader's: ``SUBMISSIONS/<student>/<exercise>.ipynb`` (one level deeper,
``SUBMISSIONS/<student>/<assignment>/<notebook>.ipynb``, works too). The exercise is identified from the notebook's
metadata (``casekit.exercise``), never from its file name: students rename files.

What an honest class hands in is accepted: a notebook saved with a UTF-8 byte-order mark, any folder name (one
that is not valid UTF-8 is shown with its odd bytes escaped, ``\\xff``). What could trick the grader is refused,
each with a row saying why: a symbolic link (to the solution, or to a classmate's file), a file over the size
limit, a notebook with too many cells, or one nested too deeply or holding too many values to read cheaply.

Reading only identifies a submission: its bytes and cells are not kept, so a class of hundreds costs the memory
of the few notebooks running at a time. ``load`` reads the file again when its turn comes and checks that it is
the same file.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

EXERCISE_IN_NAME = re.compile(r"(ex\d{2})")
EXERCISE_ID = re.compile(r"ex\d{2}")
MAX_FILES = 50  # files read per student folder
MAX_VALUES = 1_000_000  # lists and objects in one notebook's JSON; an honest notebook has a few thousand


@dataclass
class Submission:
    """One file a student handed in, read and identified (or the reason it could not be)."""

    student: str
    path: Path
    exercise: str | None = None
    readable: bool = False  # a notebook of a known exercise; ``load`` gives its bytes and cells when it runs
    problem: str = ""
    sha256: str = ""
    notes: list[str] = field(default_factory=list)
    whole_folder: bool = False  # the problem is the student's folder itself (a link): it stands for every exercise
    student_id: str = ""  # the student's folder name, printable: it alone decides the student's variants

    @property
    def name(self) -> str:
        """The file's name, printable."""
        return display_name(self.path.name)

    @property
    def label(self) -> str:
        """``student/file``, as the progress lines show it."""
        return f"{self.student}/{self.name}"


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


def unique_name(folder: str, taken) -> str:
    """Return the name a student folder is graded under: ``display_name``, made unique among ``taken``.

    Two folders can show alike (``eve\\xff`` spelt out, and ``eve`` with the byte 0xff); the second gets a short
    hash of its real name, so neither student's rows are lost.

    >>> unique_name("ann", {}), unique_name("ann", {"ann": []})
    ('ann', 'ann #49915e0d')
    """
    shown = display_name(folder)
    digest = hashlib.sha256(folder.encode("utf-8", "surrogateescape")).hexdigest()
    name, length = shown, 8
    while name in taken:  # a folder may even be named like another's made-unique name
        name, length = f"{shown} #{digest[:length]}", length + 8
    return name


def read_folder(student_dir: Path, max_mb: int = 50, max_cells: int = 2000, student: str | None = None
                ) -> list[Submission]:
    """Read every file a student handed in; a student folder that is a link gives one refusal for all of it."""
    student = student or display_name(student_dir.name)
    files = files_of(student_dir)
    subs = [read(student, f, max_mb, max_cells) for f in files[:MAX_FILES]]
    for sub in subs:
        sub.student_id = display_name(student_dir.name)
    if len(files) > MAX_FILES:
        subs.append(Submission(student, student_dir / "…", problem=f"the folder holds {len(files)} files; only the "
                                                                   f"first {MAX_FILES} by name were read"))
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
    try:
        submission, _, _ = _read(student, path, max_mb, max_cells)
    except MemoryError:
        submission = Submission(student, path, problem=f"{display_name(path.name)} is too large to read")
    return submission


class Changed(ValueError):
    """A submission's file is no longer what was read when grading started."""


def load(submission: Submission, max_mb: int = 50, max_cells: int = 2000):
    """Return (bytes, notebook) of a readable submission, read again; raise ``Changed`` if the file changed."""
    again, raw, notebook = _read(submission.student, submission.path, max_mb, max_cells)
    if again.sha256 != submission.sha256 or notebook is None:
        raise Changed(f"{submission.name} changed while the class was being graded; grade again")
    return raw, notebook


def _read(student: str, path: Path, max_mb: int, max_cells: int):
    """Return (submission, bytes, notebook or None): the work of ``read`` and ``load``."""
    submission, notebook = Submission(student, path), None
    name = display_name(path.name)
    guess = EXERCISE_IN_NAME.search(path.name)
    submission.exercise = guess.group(1) if guess else None
    try:
        if path.is_symlink():
            what = "folder" if path.is_dir() else "file"
            submission.problem = (f"{name} is a symbolic link, not a {what}: hand in the notebook "
                                  "itself (links are never followed)")
            return submission, b"", None
        size = path.lstat().st_size
        if size > max_mb * 1024 * 1024:
            submission.problem = (f"{name} is {size / 1024 / 1024:.0f} MB, over the limit of "
                                  f"{max_mb} MB; clear the outputs (Edit > Clear Outputs of All Cells) and save")
            return submission, b"", None
        raw = path.read_bytes()
    except OSError as err:
        submission.problem = f"cannot be read: {err.strerror or err}"
        return submission, b"", None
    submission.exercise = None
    submission.sha256 = hashlib.sha256(raw).hexdigest()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if path.suffix != ".ipynb":
        submission.problem = f"{name} is not a notebook (.ipynb); hand in the exercise notebook itself"
        submission.exercise = guess.group(1) if guess else None
        return submission, b"", None
    values = raw.count(b"[") + raw.count(b"{")
    if not raw.strip():
        submission.problem = f"{name} is empty"
    elif values > MAX_VALUES:
        submission.problem = (f"{name} holds too many values ({values} lists and objects; a notebook has a few "
                              "thousand) to be read")
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
            notebook, submission.problem = _as_notebook(data, name)
            if notebook is not None and len(notebook.cells) > max_cells:
                notebook = None
                submission.problem = (f"{name} has {len(data.get('cells', []))} cells, over the limit of "
                                      f"{max_cells}")
    if notebook is not None:
        meta = notebook.metadata.get("casekit")
        exercise = meta.get("exercise") if isinstance(meta, dict) else None
        if not isinstance(exercise, str) or not EXERCISE_ID.fullmatch(exercise):
            submission.problem = (f"{name} is not a casekit exercise notebook (no exercise in its metadata); "
                                  "hand in the notebook from the exercises folder")
            notebook = None
        else:
            submission.exercise = exercise
            if guess and guess.group(1) != exercise:
                submission.notes.append(f"the file is named {name} but holds exercise {exercise}")
    if submission.exercise is None and guess:
        submission.exercise = guess.group(1)
    submission.readable = notebook is not None
    return submission, raw, notebook


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

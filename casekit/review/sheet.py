"""The scoring sheet, ``RESULTS/manual/<exercise>.csv``: the scores of the written work, which must never be lost.

One row per student and free-response question, with the columns ``COLUMNS``. ``points`` is blank until the
response is scored; ``rubric`` holds the level chosen on each criterion (``c1=1; c2=0``, see ``rubric``);
``comment`` is what the student reads on their feedback page.

The rules that keep scores safe:

- ``add_rows`` (the grader, on every run) only ever *adds* rows, for students and questions the sheet does not
  have yet. Every existing line stays byte for byte as it is, whoever edited it (a teaching assistant in a
  spreadsheet, the scorer) and however broken it is.
- ``save`` (the scorer) rewrites the one row it scores and copies every other line unchanged.
- Both write a new file next to the sheet and rename it into place, so a reader never sees half a sheet, and both
  hold a lock on ``.<exercise>.csv.lock`` while they read and write, so two assistants scoring at once never undo
  each other's work.
- ``read`` never changes the file: a row that cannot be used is reported with the file, its line and the reason,
  and every other row is used.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from casekit.grade.report import cell as _cell

COLUMNS = ["student", "exercise", "question", "max_points", "points", "rubric", "comment"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Entry:
    """One usable row of a scoring sheet."""

    student: str
    exercise: str
    question: str
    max_points: str
    points: float | None  # None: not scored yet
    rubric: dict[str, float]
    comment: str
    line: int

    @property
    def scored(self) -> bool:
        return self.points is not None


def path_of(out: Path, exercise: str) -> Path:
    """Return where the scoring sheet of ``exercise`` lives in a results folder."""
    return Path(out) / "manual" / f"{exercise}.csv"


class SheetError(ValueError):
    """The sheet as a whole cannot be used (its header, its encoding); nothing in it is merged or changed."""


@dataclass
class _Record:
    raw: str  # the record's exact text, line ending included
    cells: list[str]
    line: int  # where it starts, counting from 1


def _records(text: str) -> list[_Record]:
    """Split a sheet's text into records, each with its exact text, so any of them can be kept byte for byte."""
    lines = re.split(r"(?<=\n)", text)
    if lines and lines[-1] == "":
        lines.pop()
    taken: list[str] = []
    counter = {"n": 0}

    def feed():
        for line in lines:
            counter["n"] += 1
            taken.append(line)
            yield line

    records = []
    reader = csv.reader(feed())
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:  # an unclosed quote: the rest of the file is one broken record
            cells = None
        records.append(_Record("".join(taken), cells if cells is not None else ["\x00broken"], start))
        taken.clear()
        start = counter["n"] + 1
        if cells is None:
            break
    return records


def _load(path: Path) -> tuple[str, str, list[_Record]]:
    """Return (byte-order mark, line ending, records) of a sheet; raise ``SheetError`` if it is not a sheet."""
    raw = path.read_bytes()
    bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise SheetError(f"{path}: not UTF-8 text (byte {err.start}); save it as CSV UTF-8. Nothing in it was "
                         "used or changed") from None
    records = _records(text)
    if not records or [c.strip() for c in records[0].cells] != COLUMNS:
        raise SheetError(f"{path}, line 1: the header should be {','.join(COLUMNS)}. Nothing in the sheet was "
                         "used or changed")
    ending = "\r\n" if records[0].raw.endswith("\r\n") else "\n"
    return bom, ending, records


@contextlib.contextmanager
def _locked(path: Path):
    """Hold the sheet's lock (an ``flock`` on a file beside it) for the duration of the block."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.partial")
    with open(tmp, "w", encoding="utf-8", newline="") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)


def _line(values: list, ending: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=ending).writerow([_cell(v) for v in values])
    return buffer.getvalue()


def _uncell(text: str) -> str:
    """Return a cell's text as written before ``report.cell`` put a ``'`` in front of a would-be formula."""
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def add_rows(path: Path, wanted: list[tuple[str, str, str, float]]) -> int:
    """Add a blank row for each (student, exercise, question, max_points) the sheet lacks; return how many.

    The sheet is created (with its header) if it does not exist. Existing lines are never changed, even broken
    ones: a row whose student and question can be read counts as present. Raise ``SheetError`` if the file is not
    a sheet; it is then left as it is.
    """
    with _locked(path):
        if path.exists():
            bom, ending, records = _load(path)
            text = bom + "".join(r.raw for r in records)
            if text and not text.endswith("\n"):
                text += ending
        else:
            bom, ending, records = "", "\n", []
            text = _line(COLUMNS, ending)
        present = {(_uncell(r.cells[0]), r.cells[2]) for r in records[1:] if len(r.cells) >= 3}
        new = [w for w in wanted if (w[0], w[2]) not in present]
        if not new and path.exists():
            return 0
        text += "".join(_line([s, e, q, f"{m:g}", "", "", ""], ending) for s, e, q, m in new)
        _write(path, text)
        return len(new)


def save(path: Path, student: str, exercise: str, question: str, max_points: float, points: float | None,
         rubric: str, comment: str) -> None:
    """Write one student's score for one question into the sheet, changing no other line, atomically.

    The row is replaced where it is (or added at the end if the sheet has none for them).
    """
    with _locked(path):
        bom, ending, records = _load(path)
        line = _line([student, exercise, question, f"{max_points:g}", "" if points is None else f"{points:g}",
                      rubric, comment], ending)
        out, done = [], False
        for record in records:
            if (not done and len(record.cells) >= 3 and _uncell(record.cells[0]) == student
                    and record.cells[2] == question):
                out.append(line)
                done = True
            else:
                out.append(record.raw if record.raw.endswith("\n") else record.raw + ending)
        if not done:
            out.append(line)
        _write(path, bom + "".join(out))


def read(path: Path, exercise: str, questions: dict, students: set[str]) -> tuple[dict, list[str]]:
    """Return the usable scores of a sheet by (student, question), and a problem line for every row that is not.

    ``questions`` maps each free-response question id of ``exercise`` to ``(max_points, rubric.Rubric)``;
    ``students`` are the students of the class. A row is used only if its student and question are known, its
    points (if any) a number from 0 to the question's points, and its rubric levels (if any) levels of the
    rubric that add up to its points. Two rows for the same student and question that differ are both left out.
    """
    from casekit.review.rubric import RubricError

    if not path.exists():
        return {}, []
    try:
        _, _, records = _load(path)
    except SheetError as err:
        return {}, [str(err)]
    entries: dict[tuple[str, str], Entry] = {}
    first_line: dict[tuple[str, str], int] = {}
    conflicts: set[tuple[str, str]] = set()
    problems = []
    for record in records[1:]:
        cells = record.cells
        where = f"{path}, line {record.line}"
        if cells == ["\x00broken"]:
            problems.append(f"{where}: a quotation mark is never closed, so this line and the rest of the file "
                            "could not be read; close it (or remove the quote)")
            break
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(COLUMNS):
            problems.append(f"{where}: {len(cells)} cells instead of {len(COLUMNS)} ({', '.join(COLUMNS)})")
            continue
        student, row_exercise, question, max_points, points_text, rubric_text, comment = (
            [_uncell(cells[0])] + [c.strip() for c in cells[1:6]] + [_uncell(cells[6])])
        if row_exercise != exercise:
            problems.append(f"{where}: exercise {row_exercise!r} in the sheet of {exercise}")
            continue
        if question not in questions:
            known = ", ".join(questions) or "none"
            problems.append(f"{where}: unknown question {question!r} (the free-response questions of {exercise} "
                            f"are {known})")
            continue
        if student not in students:
            problems.append(f"{where}: unknown student {student!r} (no such student in this class)")
            continue
        top, rubric = questions[question]
        try:
            points = float(points_text) if points_text else None
        except ValueError:
            problems.append(f"{where}: points {points_text!r} is not a number ({student}, {question})")
            continue
        if points is not None and not 0 <= points <= top:
            problems.append(f"{where}: points {points:g} is not between 0 and max_points {top:g} "
                            f"({student}, {question})")
            continue
        try:
            chosen = rubric.parse(rubric_text) if rubric is not None and rubric_text else {}
        except RubricError as err:
            problems.append(f"{where}: rubric {rubric_text!r}: {err} ({student}, {question})")
            continue
        if points is not None and rubric is not None and rubric.total(chosen) not in (None, points):
            problems.append(f"{where}: points {points:g} but the rubric levels add up to {rubric.total(chosen):g} "
                            f"({student}, {question})")
            continue
        entry = Entry(student, row_exercise, question, max_points, points, chosen, comment, record.line)
        key = (student, question)
        if key in first_line:
            earlier = entries.get(key)
            same = earlier is not None and (earlier.points, earlier.rubric, earlier.comment) == (
                points, chosen, comment)
            if not same:
                conflicts.add(key)
                problems.append(f"{where}: a second row for {student}, {question} (the first is line "
                                f"{first_line[key]}) with another score; neither is used until one is removed")
            else:
                problems.append(f"{where}: a duplicate of line {first_line[key]} ({student}, {question}); "
                                "the first is used")
            continue
        first_line[key] = record.line
        entries[key] = entry
    return {k: e for k, e in entries.items() if k not in conflicts}, problems

"""Read the class roster: the ids the kit uses for students, and the ids the LMS uses for the same students.

``ROSTER.csv`` is a CSV file (UTF-8, a header row) with one row per student::

    student,lms_id,name,sis_user_id,sis_login_id,section,email,id_number
    ann,12345,Ann Lee,S001,alee,Section 1,alee@example.edu,S001

- ``student`` (required): the kit's id for the student: the folder ``collect`` writes and the name in
  ``grades.csv``. Letters, digits and ``. _ @ -``, starting with a letter or digit (an e-mail address works).
- ``lms_id`` (required for ``collect``): the number the LMS writes into its download's file names: for Canvas the
  user id (the ``ID`` column of Canvas's gradebook export), for Moodle the assignment's participant id (the
  ``Identifier`` column of its grading worksheet, ``Participant 401`` → ``401``).
- the other columns are optional and are copied into the LMS gradebooks ``grade`` writes: ``name``, Canvas's
  ``sis_user_id``, ``sis_login_id`` and ``section``, Moodle's ``email`` and ``id_number``.

Reading never stops at the first problem: a row with a missing or badly formed id, or an id that another row also
has, is left out with a line saying why, and the rest of the roster is used. A file with two rows for one LMS id
cannot say whose files those are, so both rows are left out.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

COLUMNS = ("student", "lms_id", "name", "sis_user_id", "sis_login_id", "section", "email", "id_number")
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")
LMS_ID = re.compile(r"\d{1,20}|anon_[A-Za-z0-9]{1,40}")


class RosterError(ValueError):
    """The roster cannot be used at all (no such file, not a CSV, no ``student`` column)."""


@dataclass
class Roster:
    """The usable rows of a roster, by kit id and by LMS id, and a line for every row that was left out."""

    by_student: dict[str, dict] = field(default_factory=dict)
    by_lms_id: dict[str, dict] = field(default_factory=dict)
    shared_lms_ids: dict[str, list[str]] = field(default_factory=dict)  # an LMS id two rows claim -> their students
    problems: list[str] = field(default_factory=list)


def read(path: Path, need_lms_id: bool = True) -> Roster:
    """Read the roster at ``path``; raise ``RosterError`` only when nothing in it can be used."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise RosterError(f"no roster at {path}") from None
    except UnicodeDecodeError:
        raise RosterError(f"{path} is not UTF-8 text; save the roster as CSV (UTF-8)") from None
    except OSError as err:
        raise RosterError(f"cannot read the roster {path}: {err.strerror or err}") from None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as err:
        raise RosterError(f"{path} is not a readable CSV file: {err}") from None
    if not rows:
        raise RosterError(f"{path} is empty; it needs a header row with the columns student and lms_id")
    header = [h.strip().lower() for h in rows[0]]
    wanted = ["student", "lms_id"] if need_lms_id else ["student"]
    absent = [c for c in wanted if c not in header]
    if absent:
        raise RosterError(f"{path}: the header row has no column {' or '.join(absent)} (it has: "
                          f"{', '.join(h for h in header if h) or 'nothing'}); see the instructor guide")
    roster = Roster()
    entries = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        entry = {c: (cells[header.index(c)].strip() if header.index(c) < len(cells) else "")
                 for c in COLUMNS if c in header}
        entry["line"] = number
        where = f"roster line {number}"
        student = entry.get("student", "")
        if not student:
            roster.problems.append(f"{where}: no student id; the row is left out")
            continue
        if not STUDENT_ID.fullmatch(student):
            roster.problems.append(f"{where}: the student id {student!r} may hold only letters, digits and . _ @ -, "
                                   "starting with a letter or digit; the row is left out")
            continue
        lms_id = entry.get("lms_id", "")
        if need_lms_id and not lms_id:
            roster.problems.append(f"{where}: {student} has no lms_id; their files cannot be found")
            continue
        if lms_id and not LMS_ID.fullmatch(lms_id):
            roster.problems.append(f"{where}: the lms_id {lms_id!r} of {student} is not an LMS id (digits, or "
                                   "anon_… for anonymous Canvas grading); the row is left out")
            continue
        entries.append(entry)
    students, lms_ids = _count(entries, "student"), _count(entries, "lms_id")
    for entry in entries:
        student, lms_id = entry["student"], entry.get("lms_id", "")
        if len(students[student]) > 1:
            if entry is students[student][0]:
                lines = ", ".join(str(e["line"]) for e in students[student])
                roster.problems.append(f"roster lines {lines}: the student id {student} is given {len(students[student])} "
                                       "times; those rows are left out")
            continue
        if lms_id and len(lms_ids[lms_id]) > 1:
            names = [e["student"] for e in lms_ids[lms_id]]
            roster.shared_lms_ids[lms_id] = names
            if entry is lms_ids[lms_id][0]:
                roster.problems.append(f"roster: the lms_id {lms_id} is given to {', '.join(names)}; their files "
                                       "could be either's, so those rows are left out")
            continue
        roster.by_student[student] = entry
        if lms_id:
            roster.by_lms_id[lms_id] = entry
    return roster


def _count(entries: list[dict], column: str) -> dict[str, list[dict]]:
    counted: dict[str, list[dict]] = {}
    for entry in entries:
        if entry.get(column):
            counted.setdefault(entry[column], []).append(entry)
    return counted

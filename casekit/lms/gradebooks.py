"""Write the grades in the import formats of Canvas and Moodle, one row per student of the roster.

Each file has one column per graded exercise holding the student's **total** for it, as ``gradebook.csv`` has
it: the auto-checked points plus the points of the written work entered so far in the scoring sheets
(``manual/<exercise>.csv``); grade again after scoring, and import again. A student who handed in nothing for an
exercise gets an empty cell, which both LMSs read as "no grade" rather than 0; decide in the LMS what a missing
submission is worth. A graded student who is not in the roster is left out (and named on
the grader's closing lines); a roster student who handed in nothing gets a row of empty cells.

**Canvas** (Grades → Import), the columns its importer expects, from ``lib/gradebook_importer.rb`` in
instructure/canvas-lms: ``Student, ID, SIS User ID, SIS Login ID, Section`` (in that order: ``Student`` first,
``ID`` second, ``Section`` last of the student columns), then one column per assignment, and a second row that
starts with ``Points Possible``. Canvas finds the student by ``ID`` (the Canvas user id, the roster's ``lms_id``),
then by SIS ids, then by name. An assignment column is matched to an existing assignment by a header of the form
``Title (assignment id)`` or by its exact title; any other header makes Canvas offer to create a new assignment.
The kit writes ``Exercise 02: <title>``: rename a header to your assignment's title (or ``Title (id)``) before
importing to fill an assignment you already have.

**Moodle** (Grades → Import → CSV file): Moodle's CSV import has no fixed columns; on import you map one column to
identify the user (user id, username, ID number or email address: ``grade/import/csv`` in moodle/moodle) and each
grade column to a grade item. The kit writes ``Full name, ID number, Email address`` and one column per exercise;
map ``Email address`` (or ``ID number``) to the user and each exercise column to its grade item. Moodle's
documentation does not say more about the file than this; check the preview Moodle shows before you import.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from casekit.grade.report import cell

CANVAS_STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_STUDENT_COLUMNS = ["Full name", "ID number", "Email address"]


def totals(rows, keys: dict | None = None, scores: dict | None = None) -> dict[tuple[str, str], float | None]:
    """Return (student, exercise) -> points, or None when nothing of that exercise was handed in.

    The points are the auto-checked rows' plus, from ``scores`` ((student, question) -> a scored entry of the
    scoring sheet), those of the exercise's free-response questions in ``keys``.
    """
    points, handed = defaultdict(float), defaultdict(bool)
    for row in rows:
        points[(row.student, row.exercise)] += row.points
        handed[(row.student, row.exercise)] |= row.status != "missing"
    for (student, exercise) in list(points):
        for q in (keys or {}).get(exercise, {}).values():
            entry = (scores or {}).get((student, q.id))
            if q.free and entry is not None and entry.scored:
                points[(student, exercise)] += entry.points
    return {key: (points[key] if handed[key] else None) for key in points}


def exercise_columns(keys: dict, titles: dict[str, str]) -> list[tuple[str, str, float]]:
    """Return (exercise, column header, points possible: free responses included) for each graded exercise."""
    return [(e, f"Exercise {e[2:]}: {titles.get(e, e)}", sum(q.points for q in keys[e].values())) for e in sorted(keys)]


def canvas_csv(rows, keys: dict, titles: dict[str, str], roster, scores: dict | None = None) -> str:
    """Return the Canvas gradebook import file."""
    def student(name, entry):
        return [name, entry.get("lms_id", ""), entry.get("sis_user_id", ""), entry.get("sis_login_id", ""),
                entry.get("section", "")]
    return _gradebook(rows, keys, titles, roster, scores, CANVAS_STUDENT_COLUMNS, student, points_row=True)


def moodle_csv(rows, keys: dict, titles: dict[str, str], roster, scores: dict | None = None) -> str:
    """Return the Moodle grade import file."""
    def student(name, entry):
        return [name, entry.get("id_number", ""), entry.get("email", "")]
    return _gradebook(rows, keys, titles, roster, scores, MOODLE_STUDENT_COLUMNS, student, points_row=False)


def _gradebook(rows, keys, titles, roster, scores, student_columns, student, points_row: bool) -> str:
    """Write one LMS gradebook: the LMS's student columns, one column per exercise, a row per roster student.

    ``student(name, roster entry)`` gives the LMS's student cells; ``points_row`` adds Canvas's "Points Possible".
    """
    columns = exercise_columns(keys, titles)
    got = totals(rows, keys, scores)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(student_columns + [header for _, header, _ in columns])
    if points_row:
        writer.writerow(["Points Possible"] + [""] * (len(student_columns) - 1)
                        + [f"{possible:g}" for _, _, possible in columns])
    for name, entry in sorted(roster.by_student.items()):
        writer.writerow([cell(v) for v in student(entry.get("name") or name, entry)]
                        + [_points(got.get((name, e))) for e, _, _ in columns])
    return out.getvalue()


def not_in_roster(rows, roster) -> list[str]:
    """Return the graded students the roster does not list (they are in no LMS file)."""
    return sorted({row.student for row in rows} - set(roster.by_student))


def _points(value: float | None) -> str:
    return "" if value is None else f"{value:g}"

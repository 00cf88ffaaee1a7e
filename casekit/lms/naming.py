"""Read who handed a file in from the name an LMS gives it in a bulk download.

Only the naming each LMS documents in its own source is accepted; any other name is reported, never guessed.

**Canvas** ("Download Submissions" on an assignment), from ``lib/content_zipper.rb`` in instructure/canvas-lms
(``get_filename``, ``add_upload_submission``, ``sanitize_user_name``, ``sanitize_file_name``): every uploaded file is
stored flat in the zip as::

    <sortable name, lower case, non-word characters removed>[_LATE]_<user id>_<file id>_<file's display name>

for example ``doejane_12345_678901_ex02_allies.ipynb`` or ``doejane_LATE_12345_678902_ex02_allies-1.ipynb``. A
student who uploads a file with the same name again gets ``-1``, ``-2``… before its extension (Canvas keeps display
names unique); the zip holds the files of each student's *latest* submission. Older Canvas versions wrote ``late`` in
lower case; both are accepted. With anonymous grading the name is left out and the id is ``anon_<anonymous id>``.
Canvas removes every ``_<digits>_`` from the name part, so the first ``_<digits>_`` is always the user id. The file id
is Canvas's attachment id, which grows with each upload: of two files, the larger id is the newer one.

**Moodle** (an assignment's "Download all submissions"), from ``mod/assign/locallib.php`` in moodle/moodle
(``download_submissions``): each student's files sit in a folder (or, when the teacher unticks "Download submissions
in folders", are prefixed by the same text)::

    <Full Name>_<participant id>_assignsubmission_file_/<the file's folder, if any, then its name>
    <Full Name>_<participant id>_assignsubmission_file_<file name>

where ``_`` in the full name is replaced by a space, group assignments put ``<Group>-`` in front, and blind marking
writes ``Participant`` instead of the name. The participant id is the assignment's own number for the student (the
grading worksheet lists it as ``Participant <id>``), not the Moodle user id. Text submissions arrive as
``..._assignsubmission_onlinetext_onlinetext.html`` (not a notebook). Moodle's download holds each student's latest
attempt; of two notebooks of one exercise in it, the one with the later time in the zip is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LMS_NAMES = ("canvas", "moodle")

_CANVAS = re.compile(r"^(?P<name>.*?)(?:_(?P<late>late|LATE))?_(?P<user>\d+|anon_[A-Za-z0-9]+)_(?P<file>\d+)_"
                     r"(?P<filename>.+)$", re.DOTALL)
_MOODLE = re.compile(r"^(?P<name>.+)_(?P<user>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<filename>.*)$", re.DOTALL)


@dataclass(frozen=True)
class Named:
    """Who a downloaded file belongs to, as its name says, and how recent it is among that student's files."""

    lms_id: str  # the LMS's id for the student: Canvas user id (or anon_…), Moodle participant id
    shown_name: str  # the name part, as the LMS wrote it (for the report only)
    filename: str  # the file's own name, as the student uploaded it
    order: tuple  # larger is newer (Canvas: file id; Moodle: the zip's time)
    late: bool = False
    plugin: str = "file"


def parse(lms: str, path: tuple[str, ...], mtime: tuple = ()) -> Named | None:
    """Return who ``path`` (the parts of a path inside the download) belongs to, or None if the LMS never names so.

    >>> parse("canvas", ("doejane_LATE_12345_678902_ex02-1.ipynb",))
    Named(lms_id='12345', shown_name='doejane', filename='ex02-1.ipynb', order=(678902,), late=True, plugin='file')
    >>> parse("moodle", ("Jane Doe_401_assignsubmission_file_", "ex02.ipynb"), (2026, 3, 1, 9, 0, 0)).lms_id
    '401'
    >>> parse("canvas", ("ex02.ipynb",)) is None
    True
    """
    if lms == "canvas":
        if len(path) != 1:  # Canvas writes every file at the top of the zip
            return None
        match = _CANVAS.match(path[0])
        if not match:
            return None
        return Named(match["user"], match["name"], match["filename"], (int(match["file"]),), bool(match["late"]))
    if lms == "moodle":
        match = _MOODLE.match(path[0])
        if not match:
            return None
        if len(path) == 1 and match["filename"]:
            filename = match["filename"]
        elif len(path) >= 2 and not match["filename"]:  # a folder per student (Moodle 3.1 and later, the default)
            filename = path[-1]
        else:
            return None
        return Named(match["user"], match["name"], filename, tuple(mtime), False, match["plugin"])
    raise ValueError(f"unknown LMS {lms!r}; choose one of {', '.join(LMS_NAMES)}")

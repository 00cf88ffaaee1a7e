"""``python -m casekit collect DOWNLOAD --lms canvas|moodle --roster ROSTER.csv --out SUBMISSIONS``.

Turn an LMS's bulk download of an assignment (the zip it gives, or that zip unpacked into a folder) into the
grader's layout, ``SUBMISSIONS/<student>/<exercise notebook>.ipynb``:

1. **List** every file of the download without extracting anything: a zip entry whose path climbs out of the
   folder (``../``, ``/etc/…``, ``C:\\…``), a link, an encrypted or damaged entry, a file over the size limit is
   refused with a line saying why. The download itself is only ever read.
2. **Name**: who handed the file in, read from the name the LMS gave it (``casekit.lms.naming``, which cites each
   LMS's own source); a name the LMS never produces is reported, not guessed.
3. **Match**: the LMS id in the name is looked up in the roster (``casekit.lms.roster``); an id no row has, or
   that two rows claim, is reported. The exercise is read from the notebook's metadata, like the grader does
   (students rename files); a notebook too broken to read is placed by the exercise number in its name, so that
   the grader gives it a row saying what is wrong, and a file that names no exercise of the kit is reported.
4. **Keep the latest** file per student and exercise (Canvas: the newest upload; Moodle: the latest time in the
   zip), and report the older ones.
5. **Write** the kept files, byte for byte, under ``--out`` only. Every path written is built from the roster's
   checked student id and the kit's own exercise file name, never from a name in the download. ``--out`` must be a
   new or empty folder, so nothing is overwritten; ``collect_report.txt`` there lists every line of the report.
"""

from __future__ import annotations

import json
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from casekit.lms import naming
from casekit.lms import roster as roster_mod

EXERCISE_ID = re.compile(r"ex\d{2}")
EXERCISE_IN_NAME = re.compile(r"(?<![A-Za-z0-9])(ex\d{2})(?!\d)", re.IGNORECASE)
MAX_FILE_MB = 50  # like the grader's --max-notebook-mb
MAX_ENTRIES = 100_000
REPORT_NAME = "collect_report.txt"


class CollectError(ValueError):
    """Nothing can be collected: the download is not a zip or folder, the roster is unusable, --out is not empty."""


@dataclass
class Entry:
    """One file of the download, not yet read."""

    parts: tuple[str, ...]
    mtime: tuple
    size: int
    read: Callable[[], bytes]

    @property
    def shown(self) -> str:
        return "/".join(self.parts).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass
class Report:
    """What ``collect`` did: the files placed, and a line for everything it could not place, and why."""

    placed: list[tuple[str, str, str]] = field(default_factory=list)  # (student, written path, from)
    problems: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    nothing_from: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"placed {written}  <-  {source}" for _, written, source in self.placed]
        out += [f"older file not used: {line}" for line in self.superseded]
        out += [f"NOT PLACED: {line}" for line in self.problems]
        if self.nothing_from:
            out.append("nothing collected from: " + ", ".join(self.nothing_from))
        students = len({s for s, _, _ in self.placed})
        out.append(f"Collected {len(self.placed)} notebook(s) of {students} student(s); {len(self.problems)} "
                   f"problem(s); {len(self.superseded)} older file(s) set aside.")
        return out


def collect(download: Path, lms: str, roster_path: Path, out: Path, exercises: Path | None = None) -> Report:
    """Collect ``download`` (a zip or a folder) into ``out``; return the report (also written to ``out``)."""
    from casekit import build

    if lms not in naming.LMS_NAMES:
        raise CollectError(f"unknown LMS {lms!r}; choose one of {', '.join(naming.LMS_NAMES)}")
    download, out = Path(download), Path(out)
    released = _released(exercises or build.kit_root() / "exercises")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise CollectError(f"{out} already exists and is not an empty folder; collect into a new folder, so that "
                           "nothing is overwritten")
    if download.is_dir() and out.resolve().is_relative_to(download.resolve()):
        raise CollectError("the output folder must not be inside the download")
    try:
        the_roster = roster_mod.read(roster_path)
    except roster_mod.RosterError as err:
        raise CollectError(str(err)) from None
    report = Report(problems=list(the_roster.problems))
    if REPORT_NAME in the_roster.by_student:  # the report's own file name cannot also be a student's folder
        entry = the_roster.by_student.pop(REPORT_NAME)
        the_roster.by_lms_id.pop(entry.get("lms_id", ""), None)
        report.problems.append(f"roster line {entry['line']}: {REPORT_NAME} is the name of collect's report, not a "
                               "student id; the row is left out")
    entries, refused = list_download(download)
    report.problems += refused

    best: dict[tuple[str, str], tuple] = {}
    for entry in entries:
        where = entry.shown
        if entry.parts[0] == "__MACOSX" or entry.parts[-1] == ".DS_Store":
            report.problems.append(f"{where}: macOS metadata, not a submission")
            continue
        named = naming.parse(lms, entry.parts, entry.mtime)
        if named is None:
            report.problems.append(f"{where}: not named the way {lms.capitalize()} names the files of its "
                                   "download, so it cannot be said whose it is")
            continue
        if named.lms_id in the_roster.shared_lms_ids:
            report.problems.append(f"{where}: matches two students of the roster "
                                   f"({', '.join(the_roster.shared_lms_ids[named.lms_id])}, both with lms_id "
                                   f"{named.lms_id})")
            continue
        row = the_roster.by_lms_id.get(named.lms_id)
        if row is None:
            report.problems.append(f"{where}: no student in the roster has lms_id {named.lms_id} "
                                   f"({named.shown_name or 'no name'} in the download)")
            continue
        student = row["student"]
        if not named.filename.lower().endswith(".ipynb"):
            report.problems.append(f"{where}: {student} handed in {named.filename!r}, which is not a notebook (.ipynb)")
            continue
        try:
            raw = entry.read()
        except _ReadError as err:
            report.problems.append(f"{where}: {err}")
            continue
        exercise, note = identify(raw, named.filename, released)
        if exercise is None:
            report.problems.append(f"{where}: {student}'s {named.filename!r} {note}")
            continue
        key = (student, exercise)
        candidate = (named.order, entry.parts, raw, where, note, named.late)
        if key in best:
            older, newer = sorted([best[key], candidate], key=lambda c: (c[0], c[1]))
            report.superseded.append(f"{older[3]} ({student}, {exercise}): a newer file is used, {newer[3]}")
            best[key] = newer
        else:
            best[key] = candidate

    out.mkdir(parents=True, exist_ok=True)
    for (student, exercise), (_, _, raw, where, note, late) in sorted(best.items()):
        target = out / student / released[exercise]
        _write(target, raw)
        source = where + (" (late)" if late else "") + (f"; {note}" if note else "")
        report.placed.append((student, f"{student}/{released[exercise]}", source))
    collected = {s for s, _ in best}
    report.nothing_from = sorted(s for s in the_roster.by_student if s not in collected)
    _write(out / REPORT_NAME, ("\n".join(report.lines()) + "\n").encode("utf-8", "backslashreplace"))
    return report


class _ReadError(Exception):
    pass


def list_download(download: Path) -> tuple[list[Entry], list[str]]:
    """Return the files of a download (a zip or a folder) and a line for each one refused before reading."""
    if download.is_dir():
        return _list_folder(download)
    if not download.exists():
        raise CollectError(f"no download at {download}")
    try:
        archive = zipfile.ZipFile(download)
    except zipfile.BadZipFile:
        raise CollectError(f"{download} is not a zip file, or it is damaged or cut short (download it again)") from None
    except OSError as err:
        raise CollectError(f"cannot read {download}: {err.strerror or err}") from None
    entries, refused = [], []
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise CollectError(f"{download} holds {len(infos)} entries; more than {MAX_ENTRIES} is no class's download")
    for info in infos:
        name = info.filename
        shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        if name.endswith("/"):
            continue
        unified = name.replace("\\", "/")
        parts = tuple(p for p in unified.split("/") if p not in ("", "."))
        if unified.startswith("/") or re.match(r"^[A-Za-z]:", unified) or ".." in parts or not parts:
            refused.append(f"{shown}: its path climbs out of the download's folder; refused, nothing written for it")
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            refused.append(f"{shown}: a symbolic link, not a file; refused")
            continue
        if info.flag_bits & 0x1:
            refused.append(f"{shown}: encrypted; refused")
            continue
        if info.file_size > MAX_FILE_MB * 1024 * 1024:
            refused.append(f"{shown}: {info.file_size / 1e6:.0f} MB, over the {MAX_FILE_MB} MB limit; refused")
            continue
        entries.append(Entry(parts, tuple(info.date_time), info.file_size, _zip_reader(archive, info)))
    return entries, refused


def _zip_reader(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    def read() -> bytes:
        limit = MAX_FILE_MB * 1024 * 1024
        try:
            with archive.open(info) as handle:
                data = handle.read(limit + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as err:
            raise _ReadError(f"damaged in the zip ({err}); download it again") from None
        except NotImplementedError as err:
            raise _ReadError(f"compressed in a way Python cannot read ({err})") from None
        if len(data) > limit:
            raise _ReadError(f"unpacks to more than {MAX_FILE_MB} MB; refused")
        return data
    return read


def _list_folder(folder: Path) -> tuple[list[Entry], list[str]]:
    entries, refused = [], []
    for here, dirs, files in os.walk(folder, followlinks=False):
        base = Path(here)
        for name in sorted(dirs):
            if (base / name).is_symlink():
                refused.append(f"{(base / name).relative_to(folder)}: a symbolic link to a folder; not followed")
        dirs.sort()
        for name in sorted(files):
            path = base / name
            rel = path.relative_to(folder)
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                refused.append(f"{rel}: a symbolic link, not a file; refused")
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            if info.st_size > MAX_FILE_MB * 1024 * 1024:
                refused.append(f"{rel}: {info.st_size / 1e6:.0f} MB, over the {MAX_FILE_MB} MB limit; refused")
                continue
            entries.append(Entry(rel.parts, (info.st_mtime_ns,), info.st_size, _file_reader(path)))
        if len(entries) > MAX_ENTRIES:
            raise CollectError(f"{folder} holds more than {MAX_ENTRIES} files; that is no class's download")
    return entries, refused


def _file_reader(path: Path):
    def read() -> bytes:
        try:
            return path.read_bytes()
        except OSError as err:
            raise _ReadError(f"cannot be read: {err.strerror or err}") from None
    return read


def identify(raw: bytes, filename: str, released: dict[str, str]) -> tuple[str | None, str]:
    """Return (exercise, note) of a notebook's bytes: from its metadata, else from its file name; else (None, why)."""
    exercise = None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
        meta = data.get("metadata", {}).get("casekit", {}) if isinstance(data, dict) else {}
        exercise = meta.get("exercise") if isinstance(meta, dict) else None
    except (UnicodeDecodeError, ValueError, RecursionError, AttributeError):
        pass
    if isinstance(exercise, str) and EXERCISE_ID.fullmatch(exercise):
        if exercise in released:
            return exercise, ""
        return None, f"holds exercise {exercise}, which is not one of the kit's ({', '.join(released)})"
    guess = EXERCISE_IN_NAME.search(filename)
    if guess and guess.group(1).lower() in released:
        return guess.group(1).lower(), ("its exercise could not be read from the notebook, so it was placed by its "
                                        "file name; the grader will say what is wrong with it")
    return None, "matches no exercise: it is not a casekit exercise notebook and its name gives no exercise number"


def _released(folder: Path) -> dict[str, str]:
    """Return exercise id -> the released notebook's file name (ex02 -> ex02_....ipynb)."""
    released = {}
    for path in sorted(Path(folder).glob("ex*.ipynb")):
        match = EXERCISE_ID.match(path.name)
        if match:
            released[match.group(0)] = path.name
    if not released:
        raise CollectError(f"no exercise notebooks in {folder}")
    return released


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_bytes(data)
    tmp.replace(path)

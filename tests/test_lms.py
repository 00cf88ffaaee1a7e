"""From the LMS and back: ``collect`` places a Canvas or Moodle download, ``grade --roster`` writes their gradebooks.

The downloads are made by hand here, named exactly as each LMS's source names them (see ``casekit.lms.naming``),
with every bad case of the issue in them: zip slip, a damaged entry, a corrupt zip, a name the LMS never writes,
files of no student, of two students and of no exercise, late and resubmitted files, a roster with duplicated and
missing ids. Each must get its line in the report, nothing may be written outside ``--out``, the rest is collected.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from grading_corpus import _solutions, _wrong, answered

from casekit.lms import download, gradebooks, naming, roster

KIT = Path(__file__).resolve().parents[1]

ROSTER = """student,lms_id,name,sis_user_id,sis_login_id,section,email,id_number
ann,12345,Ann Lee,S001,alee,Section 1,alee@example.edu,N001
bob,23456,Bob Smith,S002,bsmith,Section 1,bsmith@example.edu,N002
carol,34567,Carol Wu,S003,cwu,Section 2,cwu@example.edu,N003
dan,45678,Dan Roe,,,,,
dave,45678,Dave Roe,,,,,
eve,56789,Eve One,,,,,
eve,56790,Eve Two,,,,,
frank,,Frank No Id,,,,,
../x,67890,Climber,,,,,
collect_report.txt,78901,Reporter,,,,,
"""


def notebook_bytes(answers: dict[str, str]) -> bytes:
    return nbformat.writes(answered(answers)).encode("utf-8")


def perfect() -> bytes:
    return notebook_bytes(_solutions())


def half_right() -> bytes:
    right, wrong = _solutions(), _wrong()
    return notebook_bytes({q: (right[q] if i % 2 == 0 else wrong[q]) for i, q in enumerate(right)})


def other_exercise(exercise: str) -> bytes:
    nb = answered({})
    nb.metadata["casekit"]["exercise"] = exercise
    return nbformat.writes(nb).encode("utf-8")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def write_zip(path: Path, members: list[tuple[str, bytes, tuple]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, when in members:
            info = zipfile.ZipInfo(name, date_time=when or (2026, 3, 1, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return path


def damage_member(path: Path, name: str) -> None:
    """Flip bytes inside one member's compressed data, as a broken transfer would."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    raw = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 5, start + 25):
        raw[i] ^= 0xFF
    path.write_bytes(bytes(raw))


@pytest.fixture
def roster_csv(tmp_path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    return path


def canvas_download(tmp_path: Path) -> Path:
    """A Canvas "Download Submissions" zip: <name>[_LATE]_<user id>_<file id>_<display name>, all at the top."""
    broken = perfect()[:400]
    return write_zip(tmp_path / "canvas.zip", [
        ("leeann_12345_1001_ex02_timeline.ipynb", perfect(), None),
        ("leeann_LATE_12345_1050_ex02_timeline-1.ipynb", half_right(), None),  # resubmitted late: the newer one
        ("smithbob_23456_1002_my_work.ipynb", half_right(), None),  # renamed: found by its metadata
        ("wucarol_34567_1003_ex03_who_said_what.ipynb", broken, None),  # cut off: placed by its name
        ("wucarol_34567_1004_essay.pdf", b"%PDF-1.4", None),
        ("wucarol_34567_1005_notes.ipynb", nbformat.writes(nbformat.v4.new_notebook()).encode(), None),
        ("wucarol_34567_1006_ex99.ipynb", other_exercise("ex99"), None),
        ("roedan_45678_1007_ex02_timeline.ipynb", perfect(), None),  # two roster rows share 45678
        ("stranger_99999_1008_ex02_timeline.ipynb", perfect(), None),
        ("ex02_timeline.ipynb", perfect(), None),  # a name Canvas never writes
        ("../../escaped_12345_1009_ex02_timeline.ipynb", perfect(), None),
        ("/tmp/absolute_12345_1010_ex02_timeline.ipynb", perfect(), None),
        ("sub/leeann_12345_1011_ex02_timeline.ipynb", perfect(), None),  # Canvas writes no folders
        ("smithbob_23456_1012_ex04_allies_or_partners.ipynb", other_exercise("ex04"), None),
    ])


def run_collect(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "casekit", "collect", *map(str, args)], capture_output=True,
                          text=True, cwd=KIT, check=False)


def test_canvas_download_is_placed_and_every_bad_file_gets_its_line(tmp_path, roster_csv):
    zipped = canvas_download(tmp_path)
    damage_member(zipped, "smithbob_23456_1012_ex04_allies_or_partners.ipynb")
    before, outside = sha(zipped), files_under(tmp_path)
    out = tmp_path / "submissions"
    run = run_collect(zipped, "--lms", "canvas", "--roster", roster_csv, "--out", out)
    report = run.stdout
    assert run.returncode == 1, run.stdout + run.stderr
    assert sha(zipped) == before  # the download is only read
    # Only --out gained files; nothing escaped it.
    assert files_under(tmp_path) - outside == {f"submissions/{p}" for p in files_under(out)}
    assert not (tmp_path.parent / "escaped_12345_1009_ex02_timeline.ipynb").exists()
    assert files_under(out) == {"ann/ex02_timeline.ipynb", "bob/ex02_timeline.ipynb",
                                "carol/ex03_who_said_what.ipynb", "collect_report.txt"}
    # Late resubmission: the newest upload (file id 1050) is kept, byte for byte; the older one is reported.
    assert (out / "ann" / "ex02_timeline.ipynb").read_bytes() == half_right()
    assert "leeann_12345_1001_ex02_timeline.ipynb (ann, ex02): a newer file is used" in report
    assert "leeann_LATE_12345_1050_ex02_timeline-1.ipynb (late)" in report
    assert (out / "bob" / "ex02_timeline.ipynb").read_bytes() == half_right()
    assert "placed by its file name; the grader will say what is wrong with it" in report
    expected = {
        "wucarol_34567_1004_essay.pdf: carol handed in 'essay.pdf', which is not a notebook",
        "wucarol_34567_1005_notes.ipynb: carol's 'notes.ipynb' matches no exercise",
        "wucarol_34567_1006_ex99.ipynb: carol's 'ex99.ipynb' holds exercise ex99, which is not one of the kit's",
        "roedan_45678_1007_ex02_timeline.ipynb: matches two students of the roster (dan, dave",
        "stranger_99999_1008_ex02_timeline.ipynb: no student in the roster has lms_id 99999",
        "NOT PLACED: ex02_timeline.ipynb: not named the way Canvas names",
        "../../escaped_12345_1009_ex02_timeline.ipynb: its path climbs out of the download's folder",
        "/tmp/absolute_12345_1010_ex02_timeline.ipynb: its path climbs out",
        "sub/leeann_12345_1011_ex02_timeline.ipynb: not named the way Canvas names",
        "smithbob_23456_1012_ex04_allies_or_partners.ipynb: damaged in the zip",
        "roster lines 7, 8: the student id eve is given 2 times",
        "roster line 9: frank has no lms_id",
        "roster line 10: the student id '../x' may hold only",
        "roster: the lms_id 45678 is given to dan, dave",
        "roster line 11: collect_report.txt is the name of collect's report",
    }
    for line in expected:
        assert line in report, line
    assert (out / "collect_report.txt").read_text(encoding="utf-8").strip() == report.strip()
    assert "Collected 3 notebook(s) of 3 student(s)" in report


def test_moodle_download_in_folders_or_flat_keeps_the_latest(tmp_path, roster_csv):
    early, late = (2026, 3, 1, 9, 0, 0), (2026, 3, 2, 18, 30, 0)
    zipped = write_zip(tmp_path / "moodle.zip", [
        ("Ann Lee_12345_assignsubmission_file_/ex02_timeline.ipynb", perfect(), early),
        ("Ann Lee_12345_assignsubmission_file_/again/ex02 (1).ipynb", half_right(), late),
        ("Ann Lee_12345_assignsubmission_onlinetext_onlinetext.html", b"<p>hi</p>", early),
        ("Bob Smith_23456_assignsubmission_file_work.ipynb", perfect(), early),  # "not in folders": flat
        ("Participant_34567_assignsubmission_file_/ex02_timeline.ipynb", perfect(), early),  # blind marking
        ("Nobody_77777_assignsubmission_file_/ex02_timeline.ipynb", perfect(), early),
        ("Ann Lee_12345_/ex02_timeline.ipynb", perfect(), early),  # not Moodle's naming
        ("__MACOSX/._Ann Lee_12345_assignsubmission_file_", b"", early),
    ])
    out = tmp_path / "submissions"
    run = run_collect(zipped, "--lms", "moodle", "--roster", roster_csv, "--out", out)
    assert run.returncode == 1, run.stderr
    assert files_under(out) == {"ann/ex02_timeline.ipynb", "bob/ex02_timeline.ipynb", "carol/ex02_timeline.ipynb",
                                "collect_report.txt"}
    assert (out / "ann" / "ex02_timeline.ipynb").read_bytes() == half_right()
    for line in [("Ann Lee_12345_assignsubmission_file_/ex02_timeline.ipynb (ann, ex02): a newer file is used, "
                  "Ann Lee_12345_assignsubmission_file_/again/ex02 (1).ipynb"),
                 "onlinetext.html', which is not a notebook",
                 "Nobody_77777_assignsubmission_file_/ex02_timeline.ipynb: no student in the roster has lms_id 77777",
                 "Ann Lee_12345_/ex02_timeline.ipynb: not named the way Moodle names",
                 "__MACOSX/._Ann Lee_12345_assignsubmission_file_: macOS metadata"]:
        assert line in run.stdout, line


def test_an_unpacked_download_folder_works_and_links_are_refused(tmp_path, roster_csv):
    folder = tmp_path / "unpacked"
    (folder / "Ann Lee_12345_assignsubmission_file_").mkdir(parents=True)
    (folder / "Ann Lee_12345_assignsubmission_file_" / "ex02_timeline.ipynb").write_bytes(perfect())
    secret = tmp_path / "secret.ipynb"
    secret.write_bytes(perfect())
    (folder / "Bob Smith_23456_assignsubmission_file_").mkdir()
    os.symlink(secret, folder / "Bob Smith_23456_assignsubmission_file_" / "ex02_timeline.ipynb")
    os.symlink(tmp_path, folder / "Carol Wu_34567_assignsubmission_file_")
    before = {p: sha(folder / p) for p in files_under(folder)}
    out = tmp_path / "submissions"
    result = download.collect(folder, "moodle", roster_csv, out)
    assert files_under(out) == {"ann/ex02_timeline.ipynb", "collect_report.txt"}
    lines = "\n".join(result.lines())
    assert "Bob Smith_23456_assignsubmission_file_/ex02_timeline.ipynb: a symbolic link, not a file" in lines
    assert "Carol Wu_34567_assignsubmission_file_: a symbolic link to a folder; not followed" in lines
    assert {p: sha(folder / p) for p in files_under(folder)} == before
    with pytest.raises(download.CollectError, match="must not be inside the download"):
        download.collect(folder, "moodle", roster_csv, folder / "out")


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not really a zip", b"just text"])
def test_a_corrupt_zip_is_refused_with_a_clear_error_and_nothing_written(tmp_path, roster_csv, content):
    bad = tmp_path / "download.zip"
    bad.write_bytes(content)
    out = tmp_path / "submissions"
    run = run_collect(bad, "--lms", "canvas", "--roster", roster_csv, "--out", out)
    assert run.returncode == 2
    assert "is not a zip file, or it is damaged or cut short" in run.stderr
    assert not out.exists()


def test_a_zip_cut_short_is_refused(tmp_path, roster_csv):
    zipped = canvas_download(tmp_path)
    zipped.write_bytes(zipped.read_bytes()[: zipped.stat().st_size // 2])
    run = run_collect(zipped, "--lms", "canvas", "--roster", roster_csv, "--out", tmp_path / "out")
    assert run.returncode == 2 and "damaged or cut short" in run.stderr


def test_collect_never_overwrites_and_needs_a_usable_roster(tmp_path, roster_csv):
    zipped = canvas_download(tmp_path)
    out = tmp_path / "submissions"
    (out / "ann").mkdir(parents=True)
    (out / "ann" / "mine.txt").write_text("keep me", encoding="utf-8")
    run = run_collect(zipped, "--lms", "canvas", "--roster", roster_csv, "--out", out)
    assert run.returncode == 2 and "not an empty folder" in run.stderr
    assert files_under(out) == {"ann/mine.txt"}
    no_header = tmp_path / "bad_roster.csv"
    no_header.write_text("name,id\nAnn,12345\n", encoding="utf-8")
    run = run_collect(zipped, "--lms", "canvas", "--roster", no_header, "--out", tmp_path / "new")
    assert run.returncode == 2 and "has no column student or lms_id" in run.stderr
    assert not (tmp_path / "new").exists()
    run = run_collect(zipped, "--lms", "canvas", "--roster", tmp_path / "none.csv", "--out", tmp_path / "new")
    assert run.returncode == 2 and "no roster at" in run.stderr


def test_names_are_read_exactly_as_each_lms_writes_them():
    canvas = naming.parse("canvas", ("obrienpat_LATE_12345_678_ex02_timeline-2.ipynb",))
    assert (canvas.lms_id, canvas.late, canvas.order, canvas.filename) == ("12345", True, (678,), "ex02_timeline-2.ipynb")
    assert naming.parse("canvas", ("late_anon_x7Y2q_678_ex02.ipynb",)).lms_id == "anon_x7Y2q"
    assert naming.parse("canvas", ("张伟_12345_678_ex02.ipynb",)).lms_id == "12345"  # Canvas keeps word characters
    assert naming.parse("canvas", ("doejane_12345_ex02.ipynb",)) is None  # no file id
    group = naming.parse("moodle", ("Team A-Jane Doe_9_assignsubmission_file_", "ex02.ipynb"))
    assert (group.lms_id, group.shown_name) == ("9", "Team A-Jane Doe")
    assert naming.parse("moodle", ("Jane Doe_9_assignsubmission_file_ex02.ipynb",)).filename == "ex02.ipynb"
    assert naming.parse("moodle", ("Jane Doe_assignsubmission_file_", "ex02.ipynb")) is None


def test_roster_problems_are_lines_and_the_rest_is_used(roster_csv):
    read = roster.read(roster_csv)
    assert sorted(read.by_student) == ["ann", "bob", "carol", "collect_report.txt"]
    assert read.by_lms_id["12345"]["student"] == "ann"
    assert read.shared_lms_ids == {"45678": ["dan", "dave"]}
    assert len(read.problems) == 4
    assert "collect_report.txt" in read.by_student  # a valid id for the roster; collect refuses it


# ---- To the LMS: the gradebooks read back into the right columns. ----

def test_grade_with_a_roster_writes_canvas_and_moodle_gradebooks(tmp_path, roster_csv):
    from casekit import grade
    from casekit.grade.run import Limits

    zipped = canvas_download(tmp_path)
    submissions, results = tmp_path / "submissions", tmp_path / "results"
    download.collect(zipped, "canvas", roster_csv, submissions)
    messages = []
    grade.grade(submissions, results, jobs=2, limits=Limits(cell_seconds=5, notebook_seconds=90),
                exercises=["ex02", "ex03"], roster=roster_csv, progress=messages.append)
    points = {}
    for row in csv.DictReader((results / "grades.csv").open(encoding="utf-8")):
        points.setdefault((row["student"], row["exercise"]), 0.0)
        points[(row["student"], row["exercise"])] += float(row["points"])
    assert points[("ann", "ex02")] > 0 and points[("ann", "ex02")] == points[("bob", "ex02")]  # both half right

    canvas = list(csv.reader((results / "canvas_gradebook.csv").open(encoding="utf-8")))
    header = canvas[0]
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    ex02, ex03 = header.index(next(h for h in header if h.startswith("Exercise 02: "))), \
        header.index(next(h for h in header if h.startswith("Exercise 03: ")))
    assert canvas[1][0] == "Points Possible" and float(canvas[1][ex02]) > points[("ann", "ex02")]
    by_id = {row[1]: row for row in canvas[2:]}
    assert sorted(by_id) == ["", "12345", "23456", "34567", "78901"]  # frank has no LMS id: Canvas then goes by name
    assert by_id[""][0] == "Frank No Id"
    assert by_id["12345"][:5] == ["Ann Lee", "12345", "S001", "alee", "Section 1"]
    assert float(by_id["12345"][ex02]) == points[("ann", "ex02")]
    assert by_id["12345"][ex03] == ""  # handed nothing in for ex03: no grade, not 0
    assert by_id["34567"][ex03] == "0"  # a broken notebook was handed in: 0
    assert by_id["34567"][ex02] == ""

    moodle = list(csv.DictReader((results / "moodle_gradebook.csv").open(encoding="utf-8")))
    assert list(moodle[0])[:3] == ["Full name", "ID number", "Email address"]
    bob = next(r for r in moodle if r["Email address"] == "bsmith@example.edu")
    assert bob["ID number"] == "N002"
    assert float(bob[header[ex02]]) == points[("bob", "ex02")]


def test_gradebook_cells_a_spreadsheet_would_run_are_neutralised():
    from casekit.grade.score import QuestionKey, Row

    keys = {"ex02": {"ex02.q1": QuestionKey("ex02.q1", 2.0, "")}}
    table = roster.Roster(by_student={"ann": {"student": "ann", "lms_id": "1", "name": "=HYPERLINK(\"x\")"}})
    rows = [Row("ann", "ex02", "ex02.q1", 2, 2, "correct", ""), Row("zed", "ex02", "ex02.q1", 0, 2, "wrong", "")]
    text = gradebooks.canvas_csv(rows, keys, {"ex02": "Timeline"}, table)
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[2] == ["'=HYPERLINK(\"x\")", "1", "", "", "", "2"]
    assert gradebooks.not_in_roster(rows, table) == ["zed"]


def test_written_work_scored_by_hand_counts_in_the_lms_totals():
    from types import SimpleNamespace

    from casekit.grade.score import QuestionKey, Row

    keys = {"ex02": {"ex02.q1": QuestionKey("ex02.q1", 2.0, ""),
                     "ex02.q9": QuestionKey("ex02.q9", 3.0, "", free=True)}}
    table = roster.Roster(by_student={s: {"student": s, "lms_id": str(i), "email": f"{s}@x.edu"}
                                      for i, s in enumerate(["ann", "bob", "cy"])})
    rows = [Row("ann", "ex02", "ex02.q1", 2, 2, "correct", ""), Row("bob", "ex02", "ex02.q1", 0, 2, "wrong", ""),
            Row("cy", "ex02", "ex02.q1", 0, 2, "missing", "")]
    scores = {("ann", "ex02.q9"): SimpleNamespace(points=2.5, scored=True),
              ("bob", "ex02.q9"): SimpleNamespace(points=0.0, scored=False)}
    canvas = list(csv.reader(io.StringIO(gradebooks.canvas_csv(rows, keys, {"ex02": "T"}, table, scores))))
    assert canvas[1][5] == "5"  # points possible: 2 auto-checked + 3 written
    assert {r[1]: r[5] for r in canvas[2:]} == {"0": "4.5", "1": "0", "2": ""}  # not scored yet: auto only
    moodle = list(csv.DictReader(io.StringIO(gradebooks.moodle_csv(rows, keys, {"ex02": "T"}, table, scores))))
    assert {r["Email address"]: r["Exercise 02: T"] for r in moodle} == {"ann@x.edu": "4.5", "bob@x.edu": "0",
                                                                         "cy@x.edu": ""}

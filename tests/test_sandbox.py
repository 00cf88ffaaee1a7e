"""The sandboxed grader against the attack corpus, run by the real command line, twice.

Every attack in ``attack_corpus`` must score nothing; every honest oddity full marks; the submissions, the kit and
the Python environment must be byte-identical afterwards; no process of the run may outlive it by 5 s; both runs
must write every file and the same grades.csv. Where bwrap is missing these tests fail (CI installs it): a
grader that cannot sandbox must not pass its sandbox tests.
"""

from __future__ import annotations

import csv
import hashlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import casekit
from attack_corpus import write_attacks
from casekit.grade import sandbox
from grading_corpus import KIT

JOBS = 2
SECRET = "casekit-test-secret-4f7d0c"


def tree_snapshot(folder: Path) -> dict[str, str]:
    """Return every entry under ``folder``: file hashes, link targets (links never followed), folders."""
    snap = {}
    for top, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            path = Path(top, name)
            rel = os.fsencode(path.relative_to(folder)).hex()
            if path.is_symlink():
                snap[rel] = "link:" + os.readlink(path)
            elif path.is_file():
                snap[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                snap[rel] = "dir"
    return snap


def environment_snapshot() -> dict[str, tuple]:
    """Return (size, mtime) of every file of the Python environment and runtime, and hashes of the kit's files."""
    snap = {}
    for root in {sys.prefix, sys.base_prefix}:
        for top, _, files in os.walk(root):
            for name in files:
                path = os.path.join(top, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                snap[path] = (st.st_size, st.st_mtime_ns)
    for part in ("casekit", "solutions", "exercises", "data"):
        for path, digest in tree_snapshot(KIT / part).items():
            snap[f"{part}/{path}"] = (digest,)
    return snap


def sandbox_processes() -> list[str]:
    """Return the processes running under a sandbox uid."""
    found = []
    for pid in os.listdir("/proc"):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
        if sandbox.UID_BASE <= uid < sandbox.UID_BASE + 64:
            found.append(f"{pid} uid {uid}")
    return found


class Listener:
    """A TCP server on 127.0.0.1 that counts the connections it gets, for the network attack."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port, self.connections, self.running = self.sock.getsockname()[1], 0, True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
                self.connections += 1
                conn.close()
            except OSError:
                pass

    def stop(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def run_cli(submissions: Path, out: Path) -> tuple[subprocess.CompletedProcess, int]:
    """Run ``python -m casekit grade`` with a secret in its environment; return the run and its peak memory (kB)."""
    wrapper = ("import resource, sys\nfrom casekit.__main__ import main\ncode = main(sys.argv[1:])\n"
               "print('maxrss', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
               "sys.exit(code)")
    env = dict(os.environ, CASEKIT_TEST_SECRET=SECRET)
    done = subprocess.run([sys.executable, "-c", wrapper, "grade", str(submissions), "--out", str(out),
                           "--exercise", "ex02", "--exercise", "ex04", "--jobs", str(JOBS), "--timeout", "5",
                           "--notebook-timeout", "60"], capture_output=True, text=True, env=env, timeout=1200)
    rss = int(next(line.split()[1] for line in done.stderr.splitlines() if line.startswith("maxrss")))
    return done, rss


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    root = tmp_path_factory.mktemp("attacked")
    submissions, out = root / "submissions", root / "results"
    import plotly

    listener = Listener()
    targets = {"solution": str(KIT / "solutions" / "ex02_timeline.ipynb"),
               "classmate": str(submissions / "classmate" / "ex02_timeline.ipynb"),
               "results": [str(out / n) for n in ("grades.csv", "gradebook.csv", "summary.html")],
               "plotly": plotly.__file__, "grader_module": str(Path(casekit.__file__).parent / "grade" / "score.py"),
               "kernel_specs": [str(out / ".cache" / "kernels" / "casekit-grader" / "kernel.json")],
               "port": listener.port}
    expected = write_attacks(submissions, targets)
    CORPUS_NAMES[:] = list(expected)
    before_subs, before_env = tree_snapshot(submissions), environment_snapshot()
    try:
        first, rss = run_cli(submissions, out)
        ended = time.monotonic()
        left = sandbox_processes()
        while left and time.monotonic() < ended + 5:
            time.sleep(0.2)
            left = sandbox_processes()
        second, _ = run_cli(submissions, root / "again")
    finally:
        listener.stop()
    rows = list(csv.DictReader((out / "grades.csv").open(encoding="utf-8")))
    return {"root": root, "out": out, "expected": expected, "rows": rows, "first": first, "second": second,
            "rss": rss, "left": left, "connections": listener.connections,
            "subs": (before_subs, tree_snapshot(submissions)), "env": (before_env, environment_snapshot())}


def test_the_run_finishes_and_writes_every_file(attacked):
    assert attacked["first"].returncode == 0, attacked["first"].stderr[-2000:]
    out = attacked["out"]
    for name in ("grades.csv", "gradebook.csv", "summary.html", "plotly.min.js"):
        assert (out / name).is_file(), name
    assert "Graded" in attacked["first"].stderr and "NOT SANDBOXED" not in attacked["first"].stderr
    students = {r["student"] for r in attacked["rows"]}
    assert students == set(map(_shown, attacked["expected"])), students ^ set(map(_shown, attacked["expected"]))


def _shown(name: str) -> str:
    """Return a student's name as grades.csv shows it: odd bytes escaped, made unique, a formula neutralised."""
    from casekit.grade.collect import unique_name
    from casekit.grade.report import cell

    taken: dict = {}
    for folder in sorted(set(CORPUS_NAMES) | {name}):
        taken[unique_name(folder, taken)] = folder
    return cell(next(shown for shown, folder in taken.items() if folder == name))


CORPUS_NAMES: list[str] = []


def test_no_attack_scores_above_the_blank_exercise(attacked):
    for student, case in attacked["expected"].items():
        if case["kind"] != "attack":
            continue
        rows = [r for r in attacked["rows"] if r["student"] == _shown(student)]
        assert rows, student
        assert sum(float(r["points"]) for r in rows) == 0, (student, [r for r in rows if float(r["points"])])
        assert all(r["status"] and r["message"] for r in rows), student


def test_honest_oddities_get_full_marks(attacked):
    for student, case in attacked["expected"].items():
        if case["kind"] != "honest":
            continue
        rows = [r for r in attacked["rows"] if r["student"] == _shown(student) and r["status"] != "missing"]
        assert rows and all(r["status"] == "correct" for r in rows), (student, [r for r in rows
                                                                               if r["status"] != "correct"])
    shapes = [r for r in attacked["rows"] if r["student"] == "every_shape"]
    assert {r["exercise"] for r in shapes if r["status"] == "correct"} == {"ex02", "ex04"}


def test_specific_attacks_get_the_status_they_deserve(attacked):
    def rows(student):
        return {r["question"]: r for r in attacked["rows"] if r["student"] == student and r["exercise"] == "ex02"}

    for student in ("symlink_to_solution", "symlink_to_classmate", "symlinked_folder"):
        assert all(r["status"] == "invalid" and "symbolic link" in r["message"] for r in rows(student).values())
    assert "nested too deeply" in rows("nested_brackets")["ex02.q1"]["message"]
    assert "over the limit of 2000" in rows("too_many_cells")["ex02.q1"]["message"]
    for student in ("ignores_interrupt", "stops_itself"):
        assert rows(student)["ex02.q1"]["status"] == "timeout", rows(student)["ex02.q1"]
    assert "over 8 MB" in rows("giant_message")["ex02.q2"]["message"]
    assert "fork refused" in rows("fork_bomb")["ex02.q2"]["message"]
    for student in ("unicode_bomb", "unicode_forger"):
        assert "combining marks" in rows(student)["ex02.q2"]["message"], rows(student)["ex02.q2"]
    assert "too many values" in rows("json_bomb")["ex02.q1"]["message"]
    assert "more than 5000 messages" in rows("message_flood")["ex02.q2"]["message"]
    assert "could not be read" in rows("slow_frame")["ex02.q7"]["message"]
    assert "disk full" in rows("disk_filler")["ex02.q2"]["message"]
    assert "OSError" in rows("network")["ex02.q1"]["message"] or "Error" in rows("network")["ex02.q1"]["message"]


def test_nothing_outside_the_run_changed(attacked):
    before, after = attacked["subs"]
    assert before == after, "a submission changed"
    before, after = attacked["env"]
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert not changed, changed[:10]


def test_no_process_outlives_the_run(attacked):
    assert attacked["left"] == []


def test_secrets_and_network_stay_out(attacked):
    assert attacked["connections"] == 0
    for path in attacked["out"].rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    assert '"solution"' not in (attacked["out"] / "grades.csv").read_text(encoding="utf-8")


def test_the_grader_memory_stays_small(attacked):
    assert attacked["rss"] < 800_000, f"the grader peaked at {attacked['rss'] // 1024} MB"


def test_a_second_run_gives_identical_grades(attacked):
    assert attacked["second"].returncode == 0
    assert (attacked["root"] / "again" / "grades.csv").read_bytes() == (attacked["out"] / "grades.csv").read_bytes()


def test_feedback_pages_never_collide(attacked):
    pages = sorted(p.parent.name for p in (attacked["out"] / "feedback").rglob("ex02.html"))
    assert len(pages) == len(set(pages)) == len(attacked["expected"])
    assert "x_y" in pages and "x%5Cy" in pages
    assert any(page.startswith("%21%21") and "~" in page for page in pages)
    assert all(len(page.encode()) <= 120 for page in pages)


def test_spreadsheet_formulas_are_neutralised(attacked):
    for name in ("grades.csv", "gradebook.csv"):
        with (attacked["out"] / name).open(encoding="utf-8") as f:
            students = {row[0] for row in csv.reader(f)}
        assert "'=HYPERLINK(\"evil\")" in students and not any(s.startswith("=") for s in students)
        assert "student_\\xff\\xfe" in students


def test_a_kernel_that_dies_before_kernel_info_costs_only_its_rows():
    import asyncio

    from casekit.grade import session

    env = sandbox.environment({"CASEKIT_GRADE_MEMORY_MB": "8"})  # too little for Python to start ipykernel
    caps = session.Caps(cell_seconds=5, notebook_seconds=30)
    result = asyncio.run(session.run_cells([("answer = 1", True)], b"{}", env, caps, slot=7))
    assert result.cells == [] and result.stop_status == "error"
    assert "did not" in result.stop_reason or "died" in result.stop_reason, result.stop_reason
    assert sandbox_processes() == []


def test_inside_the_sandbox(tmp_path):
    """What a kernel sees: an unprivileged uid, no network, no solutions, an empty environment, a read-only kit."""
    import asyncio

    from casekit.grade import session

    probe = '''
import os, socket, pathlib, casekit
facts = {"uid": os.getuid(), "env": sorted(os.environ), "pids": sorted(p for p in os.listdir("/proc") if p.isdigit()),
         "solutions": (pathlib.Path(casekit.__file__).resolve().parents[1] / "solutions").exists(),
         "home": os.path.exists("/root/.bashrc"), "cwd": sorted(os.listdir("."))}
try:
    socket.create_connection(("127.0.0.1", 22), timeout=1)
    facts["net"] = "connected"
except OSError as err:
    facts["net"] = type(err).__name__
try:
    open(casekit.__file__, "a")
    facts["kit"] = "writable"
except OSError as err:
    facts["kit"] = type(err).__name__
import json
print("FACTS" + json.dumps(facts))
'''
    caps = session.Caps(cell_seconds=20, notebook_seconds=60)
    env = sandbox.environment({"CASEKIT_SECRET_FOR_TEST": "x"})
    os.environ["CASEKIT_GRADER_ONLY"] = "grader secret"
    try:
        result = asyncio.run(session.run_cells([(probe, True)], b'{"cells": []}', env, caps, slot=3))
    finally:
        del os.environ["CASEKIT_GRADER_ONLY"]
    import json

    assert result.stop_status == "", result.stop_reason
    facts = json.loads(result.cells[0].text.split("FACTS", 1)[1])
    assert facts["uid"] == sandbox.UID_BASE + 3
    assert "CASEKIT_GRADER_ONLY" not in facts["env"] and "CASEKIT_SECRET_FOR_TEST" in facts["env"]
    assert facts["solutions"] is False and facts["home"] is False
    assert facts["net"] != "connected" and facts["kit"] != "writable"
    assert facts["cwd"] == ["submission.ipynb"]
    assert len(facts["pids"]) <= 4, facts["pids"]  # bwrap's init, the inner bwrap, the kernel: nothing else


def _small_class(folder: Path) -> None:
    import nbformat

    from grading_corpus import answered

    for student in ("ann", "ben"):
        (folder / student).mkdir(parents=True)
    nbformat.write(answered({"ex02.q1": "answer = 20"}), folder / "ann" / "ex02.ipynb")
    nbformat.write(answered({"ex02.q2": "answer = 'b'"}), folder / "ben" / "ex02.ipynb")


def test_grading_refuses_to_start_without_bwrap_and_says_what_to_do(tmp_path):
    _small_class(tmp_path / "class")
    env = dict(os.environ, PATH=str(Path(sys.executable).parent))  # no /usr/bin: no bwrap, no setpriv
    done = subprocess.run([sys.executable, "-m", "casekit", "grade", str(tmp_path / "class"), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, env=env)
    assert done.returncode == 2
    assert "refusing to grade without a sandbox" in done.stderr and "apt-get install bubblewrap" in done.stderr
    assert "--unsafe-no-sandbox" in done.stderr
    assert not (tmp_path / "out").exists()


def test_an_unsandboxed_run_says_so_everywhere(tmp_path):
    _small_class(tmp_path / "class")
    done = subprocess.run([sys.executable, "-m", "casekit", "grade", str(tmp_path / "class"), "--out",
                           str(tmp_path / "out"), "--unsafe-no-sandbox", "--jobs", "2"], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr[-1000:]
    assert done.stderr.strip().splitlines()[-1].endswith("could have read the solutions or changed files.")
    assert "NOT SANDBOXED" in done.stderr.strip().splitlines()[-1]
    for page in [tmp_path / "out" / "summary.html", *(tmp_path / "out" / "feedback").rglob("*.html")]:
        assert "NOT SANDBOXED" in page.read_text(encoding="utf-8"), page
    rows = list(csv.DictReader((tmp_path / "out" / "grades.csv").open(encoding="utf-8")))
    assert {(r["student"], r["question"]) for r in rows if r["status"] == "correct"} == {("ann", "ex02.q1"),
                                                                                         ("ben", "ex02.q2")}


FLOOD = """publish = get_ipython().display_pub.publish
for i in range(10 ** 7):
    publish({"text/plain": "x"})"""


def test_a_flood_is_stopped_by_the_message_cap_even_when_the_cell_deadline_comes_first():
    """The cell's one second runs out long before the grader has counted 3 000 messages on this loaded machine
    (it reads a few thousand a second at best); the flood still gets its own verdict, not a timeout."""
    import asyncio

    from casekit.grade import session

    caps = session.Caps(cell_seconds=1, notebook_seconds=120, cell_messages=3_000)
    result = asyncio.run(session.run_cells([(FLOOD, True), ("print('after')", True)], b'{"cells": []}',
                                           sandbox.environment({}), caps, slot=5))
    assert result.stop_status == "error", (result.stop_status, result.stop_reason)
    assert "more than 3000 messages" in result.stop_reason
    assert sandbox_processes() == []


def test_a_long_loop_that_prints_still_times_out_at_its_cell_deadline():
    """Printed text is not a flood: ipykernel batches it, so the cell stops at its deadline, and the next runs."""
    import asyncio

    from casekit.grade import session

    slow = "import time\nwhile True:\n    print('working', flush=False)\n    time.sleep(0.001)"
    caps = session.Caps(cell_seconds=1, notebook_seconds=120, cell_messages=3_000)
    result = asyncio.run(session.run_cells([(slow, True), ("print('after')", True)], b'{"cells": []}',
                                           sandbox.environment({}), caps, slot=5))
    assert result.stop_status == "", result.stop_reason
    assert result.cells[0].timed_out and result.cells[1].text == "after\n"

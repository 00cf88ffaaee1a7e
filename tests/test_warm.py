"""Warm kernels (forked from the zygote into a fresh sandbox each) start fast and share nothing with each other.

One kernel does everything a student could do to leave state behind (files, environment, modules, builtins, a
patched casekit, random state, a thread, a double-forked daemon, System V shared memory); the next kernel, in the
same slot and forked from the same zygote, reports what it sees, and must see none of it.
"""

from __future__ import annotations

import asyncio
import json
import time

from test_sandbox import sandbox_processes

from casekit.grade import sandbox, session

SETTER = r'''
import builtins, os, random, sys, threading, time, types, mmap
import casekit.answers, json
written = []
for path in ("/tmp/leak.txt", "/tmp/work/leak.txt", "/tmp/kernel/leak.txt", "/dev/shm/leak.txt"):
    try:
        open(path, "w").write("left by the first student")
        written.append(path)
    except OSError:
        pass
os.environ["LEAK"] = "1"
sys.modules["leak_module"] = types.ModuleType("leak_module")
builtins.LEAK = True
casekit.answers.serialise = lambda value: {"kind": "text", "value": "forged"}
random.seed(42)
import numpy
numpy.random.seed(42)
os.chdir("/tmp")
sys.path.insert(0, "/tmp")
threading.Thread(target=time.sleep, args=(60,), name="leak-thread", daemon=True).start()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        open("/tmp/daemon-alive", "w").write("yes")
        time.sleep(60)
    os._exit(0)
try:
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    shmid = libc.shmget(0x1eaf, 4096, 0o1666)  # IPC_CREAT | 0666
except Exception:
    shmid = -1
time.sleep(0.5)
print("SET" + json.dumps({"written": written, "shm": shmid, "daemon": os.path.exists("/tmp/daemon-alive")}))
'''

OBSERVER = r'''
import builtins, json, os, random, sys, threading
first = sorted(m for m in ("plotly.express", "pandas", "ipykernel.debugger") if m in sys.modules)
import casekit.answers, numpy
try:
    import ctypes
    shm = ctypes.CDLL(None).shmget(0x1eaf, 0, 0)
except Exception:
    shm = -2
facts = {
    "preloaded": first,
    "files": sorted(p for p in ("/tmp/leak.txt", "/tmp/work/leak.txt", "/tmp/kernel/leak.txt", "/dev/shm/leak.txt",
                                "/tmp/daemon-alive") if os.path.exists(p)),
    "env": os.environ.get("LEAK"), "module": "leak_module" in sys.modules, "builtin": hasattr(builtins, "LEAK"),
    "serialise": casekit.answers.serialise(1), "cwd": os.getcwd(), "path0": sys.path[0],
    "threads": sorted(t.name for t in threading.enumerate()),
    "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "random": random.random(), "numpy": float(numpy.random.random()), "shm": shm, "uid": os.getuid(),
}
random.seed(42)
numpy.random.seed(42)
facts["seeded"] = [random.random(), float(numpy.random.random())]
print("FACTS" + json.dumps(facts))
'''


def _run(cells, slot=6):
    caps = session.Caps(cell_seconds=20, notebook_seconds=60)
    env = sandbox.environment({"CASEKIT_DATA": sandbox.mounts().data_dir, "CASEKIT_GRADE_PROCESSES": "128"})
    return asyncio.run(session.run_cells(cells, b'{"cells": []}', env, caps, slot=slot))


def _facts(conversation) -> dict:
    assert conversation.stop_status == "", conversation.stop_reason
    return json.loads(conversation.cells[-1].text.split("FACTS", 1)[1])


def test_state_left_by_one_kernel_is_invisible_to_the_next():
    before = _facts(_run([(OBSERVER, True)]))
    setter = _run([(SETTER, True)])
    assert setter.stop_status == "" and setter.cells[0].error is None, (setter.stop_reason, setter.cells[0].error)
    done = json.loads(setter.cells[0].text.split("SET", 1)[1])
    assert "/tmp/leak.txt" in done["written"] and done["shm"] >= 0 and done["daemon"], done
    after = _facts(_run([(OBSERVER, True)]))
    # It is a warm kernel: forked from the template with the heavy modules already imported.
    assert after["preloaded"] == ["ipykernel.debugger", "pandas", "plotly.express"]
    assert after["files"] == [] and after["env"] is None
    assert after["module"] is False and after["builtin"] is False
    assert after["serialise"] == before["serialise"] and "forged" not in json.dumps(after["serialise"])
    assert after["cwd"] == "/tmp/work" and after["path0"] == "/tmp/work"
    assert "leak-thread" not in after["threads"]
    assert after["shm"] == -1, "a System V segment made by the first kernel is visible to the next"
    assert len(after["pids"]) <= 4, after["pids"]  # bwrap's init, the inner bwrap, the placeholder, the kernel
    assert after["uid"] == sandbox.UID_BASE + 6
    # Each kernel's random generators are seeded afresh: not the first kernel's, not the template's.
    assert after["random"] != before["random"] and after["numpy"] != before["numpy"]
    assert [after["random"], after["numpy"]] != after["seeded"]


def test_no_process_of_a_warm_kernel_outlives_it():
    def left():  # only this slot's uid: another grading run on the machine may be using the first slots
        return [p for p in sandbox_processes() if p.endswith(f"uid {sandbox.UID_BASE + 7}")]

    _run([(SETTER, True)], slot=7)
    end = time.monotonic() + 5
    while left() and time.monotonic() < end:
        time.sleep(0.1)
    assert left() == []


def test_a_warm_kernel_has_no_rights_left():
    probe = r'''
import json, os
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
try:
    os.setuid(0)
    setuid = "worked"
except OSError as err:
    setuid = type(err).__name__
try:
    os.chroot("/tmp")
    chroot = "worked"
except OSError as err:
    chroot = type(err).__name__
print("FACTS" + json.dumps({k: status[k].strip() for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
                                                          "NoNewPrivs", "Uid", "Groups")}
                            | {"setuid": setuid, "chroot": chroot, "parent": os.getppid()}))
'''
    facts = _facts(_run([(probe, True)], slot=8))
    uid = str(sandbox.UID_BASE + 8)
    assert all(facts[k] == "0000000000000000" for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")), facts
    assert facts["NoNewPrivs"] == "1" and facts["Uid"].split() == [uid] * 4 and facts["Groups"] == ""
    assert facts["setuid"] != "worked" and facts["chroot"] == "PermissionError"
    assert facts["parent"] == 0  # the joining parent is outside the sandbox's pid namespace: invisible

"""A warm template of a grading kernel: Python with ipykernel, pandas, plotly and casekit already imported.

Starting a kernel cold costs a second or more of imports for every student, before the student's own cells run
in tens of milliseconds. The zygote pays the imports once per grading run: it is a process started by the grader
with the sandbox's environment, which imports the heavy modules and then waits. For each submission:

1. the grader starts a fresh sandbox exactly as for a cold kernel (``sandbox.command``: new user, mount, pid,
   network, ipc, uts and cgroup namespaces, a fresh private ``/tmp``, the slot's uid), whose only process is a
   placeholder (``sleep``) that holds its namespaces;
2. the grader sends the zygote a pidfd of that placeholder; the zygote forks a child, which **joins** the
   placeholder's namespaces (``setns``), moves its root to the sandbox's root (``chroot``), becomes the
   sandbox's uid with no capabilities, no further privileges and an empty bounding set, checks all of that in
   ``/proc/self/status``, and forks once more, so that the kernel itself is inside the sandbox's pid namespace;
3. that grandchild clears its environment to the kernel's, reseeds its random generators, and runs
   ``casekit.grade.kernel``, the same launcher a cold kernel runs.

Why nothing carries from one student's kernel to the next: every kernel is forked from the zygote, never from an
earlier kernel, and the zygote never runs student code nor receives anything from a kernel (it talks only to the
grader, over a socket no kernel holds). After ``fork`` a kernel's memory is its own copy (copy-on-write): what a
student changes in ``sys.modules``, ``builtins``, ``casekit`` or the random state changes only that copy. Files,
processes, System V IPC and sockets live in the submission's own sandbox, which is killed with everything in it
when the submission ends, exactly as for a cold kernel. Random generators are reseeded in each kernel, so two
students do not even share the template's random sequence.

The zygote runs with the grader's rights (root on a CI machine), so the child drops them in a fixed order, and
fails closed: a step that does not succeed ends the child before any student code runs. The grader watches the
child through a pidfd, so a kernel that dies is noticed at once, as with a cold kernel.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import select
import socket
import subprocess
import sys
import threading

PRELOAD = ("casekit.grade.kernel", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell",
           "ipykernel.comm", "ipykernel.debugger", "IPython.core.interactiveshell", "IPython.core.completer",
           "IPython.core.completerlib", "IPython.core.debugger", "IPython.core.oinspect",
           "IPython.extensions.storemagic", "tornado.gen", "tornado.locks", "tornado.queues",
           "tornado.platform.asyncio", "jedi", "numpy", "pandas",
           "plotly.graph_objects", "plotly.express", "plotly.io", "ipywidgets", "anywidget", "casekit",
           "casekit.data", "casekit.check", "casekit.answers", "casekit.timeline", "casekit.reader")

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x02000000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
PR_SET_PDEATHSIG, PR_CAPBSET_READ, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS = 1, 23, 24, 38, 39
PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, PR_CAP_AMBIENT_CLEAR_ALL = 47, 1, 4
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


class ZygoteError(RuntimeError):
    """The warm template could not start or could not fork a kernel; the message says why."""


# --- the grader's side -------------------------------------------------------------------------------------------

class Zygote:
    """The grader's handle on one zygote process; ``spawn`` asks it for a kernel inside a given sandbox."""

    def __init__(self, env: dict[str, str]):
        self.env = dict(env)
        self._lock = threading.Lock()
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "casekit.grade.zygote", str(theirs.fileno())], env=self.env, cwd="/",
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE, start_new_session=True)
        finally:
            theirs.close()
        self.sock.settimeout(120)
        try:
            ready = self.sock.recv(4096)
        except OSError:
            ready = b""
        if ready != b"ready":
            self.close()
            said = self.process.stderr.read(4000).decode("utf-8", "replace").strip().splitlines() or ["no output"]
            raise ZygoteError(f"the warm kernel template did not start: {said[-1][:300]}")
        self.process.stderr.close()  # from now on the zygote's stderr is nobody's: each kernel gets its own

    def spawn(self, target_pidfd: int, stderr_fd: int, env: dict[str, str], argv: list[str],
              work_dir: str) -> int:
        """Fork a kernel into the sandbox of ``target_pidfd``'s process; return a pidfd of the joining child.

        ``stderr_fd`` becomes the kernel's stderr; ``env`` its whole environment; ``argv`` its ``sys.argv``.
        The returned pidfd becomes readable when the kernel has ended.
        """
        request = json.dumps({"env": env, "argv": argv, "work_dir": work_dir}).encode()
        with self._lock:
            try:
                socket.send_fds(self.sock, [request], [target_pidfd, stderr_fd])
                reply, fds, _, _ = socket.recv_fds(self.sock, 65536, 1)
            except OSError as err:
                raise ZygoteError(f"the warm kernel template stopped answering ({err})") from None
        if not reply or not fds:
            for fd in fds:
                os.close(fd)
            raise ZygoteError(reply.decode("utf-8", "replace") or "the warm kernel template ended")
        return fds[0]

    def close(self) -> None:
        """End the zygote: it exits once its running kernels have ended."""
        try:
            self.sock.close()
        finally:
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


_shared: dict[tuple, Zygote] = {}
_shared_lock = threading.Lock()


def shared(env: dict[str, str]) -> Zygote:
    """Return this process's zygote for the environment ``env``, started on first use and ended at exit."""
    import atexit

    key = tuple(sorted(env.items()))
    with _shared_lock:
        zygote = _shared.get(key)
        if zygote is None or zygote.process.poll() is not None:
            zygote = _shared[key] = Zygote(env)
            atexit.register(zygote.close)
        return zygote


# --- the zygote's side -------------------------------------------------------------------------------------------

def main(fd: int) -> None:
    """Import the heavy modules, say ready, then fork one child per request until the grader hangs up."""
    os.umask(0o022)
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass
    sock = socket.socket(fileno=fd)
    if threading.active_count() != 1 or len(os.listdir("/proc/self/task")) != 1:
        sock.send(b"threads")  # forking a threaded process could copy a held lock into the kernel
        return
    gc.freeze()  # the template's objects are never collected in a kernel: no copy-on-write from the collector
    sock.send(b"ready")  # no parent-death signal: it follows the grader's thread, not the grader; EOF is the end
    children: dict[int, int] = {}  # pid -> pidfd, so that an ended child wakes the zygote to reap it at once
    while True:
        ready, _, _ = select.select([sock, *children.values()], [], [], 1.0)
        _reap(children)
        if sock not in ready:
            continue
        try:
            request, fds, _, _ = socket.recv_fds(sock, 1 << 20, 2)
        except OSError:
            break
        if not request:
            break
        try:
            if len(fds) != 2:
                raise ValueError("a request needs the sandbox's pidfd and the kernel's stderr")
            child = os.fork()
            if child == 0:
                _child(json.loads(request), fds[0], fds[1])  # never returns
            children[child] = os.pidfd_open(child)
            socket.send_fds(sock, [b"ok"], [children[child]])
        except Exception as err:  # noqa: BLE001 - a failed request is reported, the zygote goes on
            sock.send(f"the warm kernel template could not fork a kernel ({type(err).__name__}: {err})".encode())
        finally:
            for fd_ in fds:
                os.close(fd_)
    while children:
        _reap(children, block=True)


def _reap(children: dict[int, int], block: bool = False) -> None:
    for child, pidfd in list(children.items()):
        try:
            pid, _ = os.waitpid(child, 0 if block else os.WNOHANG)
        except ChildProcessError:
            pid = child
        if pid:
            os.close(pidfd)
            del children[child]


def _child(request: dict, target: int, stderr_fd: int) -> None:
    """In the forked child: join the sandbox, drop every right, fork the kernel inside it; never return."""
    code = 1
    try:
        os.dup2(stderr_fd, 2)
        for fd in [int(name) for name in os.listdir("/proc/self/fd")]:
            if fd > 2 and fd != target:
                try:
                    os.close(fd)  # the zygote's socket above all: no kernel may ever talk to the zygote
                except OSError:
                    pass
        null = os.open("/dev/null", os.O_RDWR)  # the host's: device nodes cannot be opened inside the sandbox
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.close(null)
        _join(target)
        os.close(target)
        kernel = os.fork()
        if kernel == 0:
            _kernel(request)
        while True:
            try:
                _, status = os.waitpid(kernel, 0)
                code = os.waitstatus_to_exitcode(status)
                break
            except InterruptedError:
                continue
    except BaseException as err:  # noqa: BLE001 - say why on the kernel's stderr, then end before any student code
        try:
            os.write(2, f"casekit zygote: {type(err).__name__}: {err}\n".encode())
        except OSError:
            pass
    finally:
        os._exit(code if isinstance(code, int) and 0 <= code < 256 else 1)


def _join(target: int) -> None:
    """Enter the sandbox of the process behind pidfd ``target`` and become its uid with no rights at all."""
    libc = _libc()
    host_pid = _pid_of(target)
    uid, gid = _ns_id(host_pid, "uid"), _ns_id(host_pid, "gid")
    root = os.open(f"/proc/{host_pid}/root", os.O_RDONLY | os.O_DIRECTORY)
    as_root = os.geteuid() == 0
    if as_root:
        # As root: the pid, network, ipc, uts and cgroup namespaces (owned by the first user namespace) and
        # the mount namespace first, while this process still has root's rights there; the user namespace last.
        os.setgroups([])
        _setns(libc, target, CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP | CLONE_NEWNS)
        os.fchdir(root)
        os.chroot(".")
        _setns(libc, target, CLONE_NEWUSER)
    else:
        # As an ordinary user, every namespace of the sandbox belongs to its user namespace: join them at once.
        _setns(libc, target, CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
               | CLONE_NEWCGROUP | CLONE_NEWNS)
        os.fchdir(root)
        os.chroot(".")
    os.close(root)
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() != 22:  # EINVAL: no such cap
            raise OSError(ctypes.get_errno(), f"cannot drop capability {cap} from the bounding set")
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    if libc.capset(header, data) != 0:
        raise OSError(ctypes.get_errno(), "capset")
    if libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 or \
            libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl")
    # Check, with the kernel's own answers (this process has no /proc of its own in the sandbox's pid namespace).
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)(*[0xFFFFFFFF] * 6)
    if libc.capget(header, data) != 0 or any(data):
        raise PermissionError("capabilities are left after dropping them all")
    if any(libc.prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 for cap in range(64)):
        raise PermissionError("the bounding set is not empty")
    if any(libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) == 1 for cap in range(64)):
        raise PermissionError("an ambient capability is left")
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid) or \
            libc.prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 or (as_root and os.getgroups()):
        raise PermissionError("the kernel's uid, gid, groups or no_new_privs are not the sandbox's")


def _kernel(request: dict) -> None:
    """In the kernel process, inside the sandbox: fresh standard streams, environment, random state; run."""
    try:
        os.setsid()
        _libc().prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
        os.chdir(request["work_dir"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = list(request["argv"])
        sys.path[0] = request["work_dir"]  # where ``python -m`` run in the working folder would look first
        import random

        random.seed()
        numpy = sys.modules.get("numpy")
        if numpy is not None:
            numpy.random.seed()
        from casekit.grade import kernel

        kernel.main()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException as err:  # noqa: BLE001
        try:
            os.write(2, f"casekit zygote kernel: {type(err).__name__}: {err}\n".encode())
        except OSError:
            pass
        code = 1
    os._exit(code if 0 <= code < 256 else 1)


def _setns(libc, fd: int, flags: int) -> None:
    if libc.setns(fd, flags) != 0:
        raise OSError(ctypes.get_errno(), f"setns({flags:#x}) into the sandbox failed: {os.strerror(ctypes.get_errno())}")


def _pid_of(pidfd: int) -> int:
    """Return the pid behind a pidfd (from ``/proc/self/fdinfo``)."""
    with open(f"/proc/self/fdinfo/{pidfd}", encoding="ascii") as info:
        for line in info:
            if line.startswith("Pid:"):
                pid = int(line.split()[1])
                if pid > 0:
                    return pid
    raise ProcessLookupError("the sandbox's placeholder process has ended")


def _ns_id(pid: int, kind: str) -> int:
    """Return the uid (or gid) of process ``pid`` as its own user namespace numbers it."""
    with open(f"/proc/{pid}/status", encoding="ascii") as file:
        status = file.read()
    host = int(next(line for line in status.splitlines() if line.startswith(kind.capitalize() + ":")).split()[1])
    with open(f"/proc/{pid}/{kind}_map", encoding="ascii") as mapping:
        for line in mapping:
            inside, outside, count = map(int, line.split())
            if outside <= host < outside + count:
                return inside + host - outside
    raise PermissionError(f"the sandbox's {kind} {host} is not mapped in its user namespace")


_LIBC = None


def _libc():
    global _LIBC
    if _LIBC is None:
        _LIBC = ctypes.CDLL(None, use_errno=True)
        _LIBC.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
        _LIBC.setns.argtypes = [ctypes.c_int, ctypes.c_int]
        _LIBC.capset.argtypes = _LIBC.capget.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    return _LIBC


if __name__ == "__main__":
    main(int(sys.argv[1]))

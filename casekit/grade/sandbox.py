"""Build the command line that starts one grading kernel inside a bubblewrap sandbox, and check that it can run.

What a kernel started this way can reach, and what it cannot:

- **Files**: read-only binds of ``/usr``, the Python runtime, the environment's packages, the ``casekit`` package
  and the kit's ``data/`` folder, each at its own path so imports work unchanged. Nothing else of the machine is
  there: no ``solutions/``, no submissions folder, no results folder, no home folder, no other file of the kit.
  The only writable place is a private ``/tmp`` (a size-capped tmpfs in memory) holding the copy of the one
  submission (``/tmp/work/submission.ipynb``, read-only) and the kernel's connection file and sockets
  (``/tmp/kernel/``). Nothing the kernel writes lands on the machine's disk.
- **Namespaces**: new user, pid, network (no network at all), ipc, uts and cgroup namespaces; a new session
  (no terminal to inject keystrokes into); ``--die-with-parent``. The kernel cannot see or signal the grader or
  another student's kernel, and when the sandbox's first process is killed the kernel takes every process it
  started with it: a double-forked daemon included.
- **User**: an unprivileged uid of its own, ``UID_BASE + slot`` (one per concurrent kernel), with no
  capabilities, ``no_new_privs``, and no further user namespaces (``--disable-userns``).
- **Environment**: cleared; only the variables in ``environment()`` are set.

As root (a CI machine, a container), the sandbox is two nested bwrap calls: the outer one runs as root, so it can
bind folders that only root may enter (a Python under ``/root/.pyenv``), and sets up every namespace but the user
namespace; it then drops to the sandbox uid with ``setpriv``, and an inner, unprivileged bwrap makes the user
namespace. A kernel so started is an ordinary unprivileged user of the machine, not root in disguise. As an
ordinary user, one unprivileged bwrap does it all, and the kernel runs under the instructor's own uid inside its
user namespace.

For a warm kernel (``casekit.grade.zygote``), the sandbox is built the same way around a placeholder
(``placeholder()``), whose namespaces the kernel then joins.

The grader talks to the kernel over Unix sockets in the sandbox's ``/tmp/kernel``, which it reaches from outside
through ``/proc/<pid>/root`` of the sandbox's first process: the path ``socket_root`` returns.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

UID_BASE = 2_100_000_000  # sandbox uids are UID_BASE + slot: far above any real account
KERNEL_DIR = "/tmp/kernel"  # inside the sandbox: connection file and sockets
WORK_DIR = "/tmp/work"  # inside the sandbox: the kernel's working folder, holding the submission's copy
CONNECTION_FILE = f"{KERNEL_DIR}/connection.json"
SUBMISSION_FILE = f"{WORK_DIR}/submission.ipynb"

INSTALL_HELP = (
    "Install bubblewrap (Debian/Ubuntu: 'sudo apt-get install bubblewrap'; Fedora: 'sudo dnf install bubblewrap'; "
    "Arch: 'sudo pacman -S bubblewrap'), on a Linux machine. Where user namespaces are switched off, enable them "
    "('sysctl kernel.unprivileged_userns_clone=1' on older Debian; on Ubuntu 24.04 or newer, "
    "'sysctl kernel.apparmor_restrict_unprivileged_userns=0' or an AppArmor profile for bwrap). "
    "To grade without a sandbox anyway, knowing that student code then runs with your rights, pass "
    "--unsafe-no-sandbox."
)


class SandboxUnavailable(RuntimeError):
    """Grading kernels cannot be sandboxed on this machine; the message says why and what to do."""


@dataclass(frozen=True)
class Mounts:
    """The host folders a kernel needs, bound read-only at their own paths inside the sandbox."""

    folders: tuple[str, ...]
    data_dir: str

    @classmethod
    def for_this_python(cls) -> "Mounts":
        """Return the folders of the running Python, its environment, the casekit package and the kit's data."""
        import casekit
        from casekit import locate

        wanted = [sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix,
                  str(Path(casekit.__file__).resolve().parent), str(locate.data_dir().resolve())]
        folders: list[str] = []
        for folder in sorted({str(Path(f).resolve()) for f in wanted}, key=len):
            if folder.startswith("/usr/") or any(Path(folder).is_relative_to(f) for f in folders):
                continue
            folders.append(folder)
        return cls(tuple(folders), str(locate.data_dir().resolve()))


def mounts() -> Mounts:
    """Return ``Mounts.for_this_python()``, worked out once for each data folder ``$CASEKIT_DATA`` names."""
    from casekit import locate

    return _mounts(os.environ.get(locate.ENV_VAR))


@functools.cache
def _mounts(_data_override: str | None) -> Mounts:
    return Mounts.for_this_python()


def environment(extra: dict[str, str]) -> dict[str, str]:
    """Return the whole environment of a grading kernel: a few fixed variables and ``extra``; nothing inherited."""
    python_bin = str(Path(sys.executable).parent)
    env = {"PATH": f"{python_bin}:/usr/bin:/bin", "HOME": "/tmp", "IPYTHONDIR": "/tmp/.ipython",
           "TMPDIR": "/tmp", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0",
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1", "MPLBACKEND": "agg",
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    env.update(extra)
    return env


def command(kernel_argv: list[str], env: dict[str, str], connection_file: Path, submission_file: Path,
            slot: int, tmp_mb: int, mounts: Mounts, info_fd: int, bwrap: str = "bwrap") -> list[str]:
    """Return the argv that runs ``kernel_argv`` in a fresh sandbox (see the module docstring for what it holds).

    ``connection_file`` and ``submission_file`` are host files (in a folder only the grader can enter); they
    appear read-only at ``CONNECTION_FILE`` and ``SUBMISSION_FILE``. bwrap writes the sandbox's pid to
    ``info_fd`` as JSON once it is set up.
    """
    uid = UID_BASE + slot
    view = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--hostname", "grader", "--die-with-parent", "--new-session", "--clearenv", "--info-fd", str(info_fd)]
    for name, value in sorted(env.items()):
        view += ["--setenv", name, value]
    # The tmpfs comes first: a bind under /tmp (a kit cloned into /tmp) must land on top of it, not under it.
    view += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(tmp_mb * 1024 * 1024), "--tmpfs", "/tmp"]
    view += ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            view += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            view += ["--ro-bind", top, top]
    for etc in ("/etc/ld.so.cache", "/etc/localtime"):
        view += ["--ro-bind-try", etc, etc]
    for folder in mounts.folders:
        view += _parents(folder) + ["--ro-bind", folder, folder]
    view += ["--perms", "0777", "--dir", KERNEL_DIR, "--perms", "0777", "--dir", WORK_DIR,
             "--ro-bind", str(connection_file), CONNECTION_FILE,
             "--ro-bind", str(submission_file), SUBMISSION_FILE,
             "--chdir", WORK_DIR]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv") or "setpriv"
        drop = [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
                "--bounding-set=-all", "--no-new-privs"]
        inner = [bwrap, "--unshare-user", "--uid", str(uid), "--gid", str(uid), "--disable-userns",
                 "--die-with-parent", "--bind", "/", "/", "--chdir", WORK_DIR, "--"]
        return ([bwrap, "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                 "--cap-add", "CAP_SETPCAP"] + view + ["--"] + drop + ["--"] + inner + kernel_argv)
    return [bwrap, "--unshare-user", "--disable-userns"] + view + ["--"] + kernel_argv


def socket_root(sandbox_pid: int) -> str:
    """Return the host path of the sandbox's ``KERNEL_DIR``, through the sandbox's first process."""
    return f"/proc/{sandbox_pid}/root{KERNEL_DIR}"


@functools.cache
def placeholder() -> list[str] | None:
    """Return the argv of the process that holds a warm kernel's sandbox open (``sleep infinity``), or None.

    A warm kernel (``casekit.grade.zygote``) joins the namespaces of this process, which is exec'd only once
    bwrap has finished building the sandbox: until then, ``placeholder_pidfd`` does not find it.
    """
    found = shutil.which("sleep", path="/usr/bin:/bin")
    return [found, "infinity"] if found else None


def placeholder_pidfd(first_pid: int) -> int | None:
    """Return a pidfd of the sandbox's placeholder, a descendant of ``first_pid``, once it runs; else None."""
    try:
        want = os.stat(placeholder()[0])
    except (OSError, TypeError):
        return None
    todo, seen = [first_pid], 0
    while todo and seen < 16:
        pid = todo.pop()
        seen += 1
        try:
            exe = os.stat(f"/proc/{pid}/exe")
            if (exe.st_dev, exe.st_ino) == (want.st_dev, want.st_ino):
                pidfd = os.pidfd_open(pid)
                again = os.stat(f"/proc/{pid}/exe")  # still the placeholder once the pidfd is held: no pid reuse
                if (again.st_dev, again.st_ino) == (want.st_dev, want.st_ino):
                    return pidfd
                os.close(pidfd)
                return None
        except OSError:
            pass
        todo += _children(pid) or []
    return None


def _children(pid: int) -> list[int] | None:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return None


def _parents(folder: str) -> list[str]:
    """Return bwrap arguments that create ``folder``'s parents world-readable, whatever their mode on the host."""
    args = []
    parts = Path(folder).parts
    for i in range(2, len(parts)):
        parent = str(Path(*parts[:i]))
        if parent != "/tmp":  # /tmp is the sandbox's own tmpfs, made before any bind
            args += ["--perms", "0755", "--dir", parent]
    return args


_checked: dict[str, str] = {}


def check(bwrap: str = "bwrap") -> None:
    """Raise ``SandboxUnavailable`` with the reason and the fix unless a sandboxed Python can start here.

    The check starts a real sandbox, as grading would, and runs ``import casekit`` in it; its result is
    remembered for the rest of the process.
    """
    if bwrap in _checked:
        if _checked[bwrap]:
            raise SandboxUnavailable(_checked[bwrap])
        return
    problem = _probe(bwrap)
    _checked[bwrap] = problem
    if problem:
        raise SandboxUnavailable(problem)


def _probe(bwrap: str) -> str:
    import tempfile

    if not sys.platform.startswith("linux"):
        return f"grading sandboxes need Linux (this is {sys.platform}). {INSTALL_HELP}"
    found = shutil.which(bwrap)
    if not found:
        return f"the sandbox program bwrap (bubblewrap) was not found. {INSTALL_HELP}"
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        return "setpriv (util-linux) was not found; as root, the sandbox needs it to drop to an unprivileged uid."
    with tempfile.TemporaryDirectory(prefix="casekit-probe-") as folder:
        conn, sub = Path(folder) / "connection.json", Path(folder) / "submission.ipynb"
        conn.write_text("{}", encoding="utf-8")
        sub.write_text("{}", encoding="utf-8")
        conn.chmod(0o644)
        sub.chmod(0o644)
        read_end, write_end = os.pipe()
        argv = command([sys.executable, "-c", "import casekit, os; print('sandbox ok', os.getuid())"],
                       environment({}), conn, sub, slot=0, tmp_mb=16, mounts=mounts(),
                       info_fd=write_end, bwrap=found)
        try:
            done = subprocess.run(argv, pass_fds=[write_end], capture_output=True, text=True, timeout=60,
                                  stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as err:
            return f"a test sandbox could not be started ({err}). {INSTALL_HELP}"
        finally:
            os.close(write_end)
            os.close(read_end)
    if done.returncode != 0 or "sandbox ok" not in done.stdout:
        said = (done.stderr.strip() or done.stdout.strip() or f"exit status {done.returncode}")[-400:]
        return f"a test sandbox failed to start: {said}. {INSTALL_HELP}"
    return ""

"""Run a list of cells in one fresh kernel, in its own sandbox, and keep only what the grader needs of each.

Why not nbclient: nbclient keeps every output of every cell in memory and decides for itself what a timeout or a
dead kernel means. The grader needs far less and must control far more: of each cell, only its error (name and
message) and, for the report cells, the start of their printed text; a deadline per cell and per notebook that
holds even when the kernel ignores interrupts or is stopped; and a cap on every message it accepts, so a kernel
that floods the grader harms only its own grade. So this module speaks the Jupyter messaging protocol itself,
over ZeroMQ, with ``jupyter_client.session.Session`` for the message format.

Everything that comes from the kernel is untrusted: it is parsed defensively, and any surprise ends the
conversation with a ``Stop`` naming what happened. Nothing the kernel says can raise out of ``run_cells``.

The kernel's process is the sandbox's bwrap (or, with ``sandboxed=False``, the kernel itself in a new session).
A warm kernel is not started by bwrap: the sandbox holds a placeholder, and the zygote (``casekit.grade.zygote``)
forks the kernel into it; the grader then also watches the kernel through a pidfd. ``_stop`` kills the sandbox
with SIGKILL and waits for it: that ends every process the kernel started, and a warm kernel with them.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import select
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from casekit.grade import sandbox

DISCONNECT_GRACE = 3.0  # seconds a dropped connection waits for the kernel to be seen dead
KERNEL_DIED = ("not reached: the kernel died (the notebook called os._exit, crashed, or ran out of "
               "memory)")
FLOOD_GAP = 1.0  # seconds without a message that end a flood's grace past its cell's deadline
FLOOD_SHARE = 10  # a cell that sent cell_messages // FLOOD_SHARE by its deadline is judged as a flood
INTERRUPT_GRACE = 3.0  # seconds an interrupted cell gets to stop before the sandbox is killed
STARTUP_SECONDS = 60.0  # seconds a kernel gets to answer its first request


@dataclass
class CellResult:
    """What one cell gave: its error, if any, and (for cells that keep it) the start of its printed text."""

    error: tuple[str, str] | None = None  # (exception name, message)
    text: str = ""
    timed_out: bool = False


@dataclass
class Conversation:
    """The results of the cells that ran, and why the run stopped early (empty if every cell ran)."""

    cells: list[CellResult] = field(default_factory=list)
    stop_status: str = ""  # "timeout" or "error" when the run stopped before the last cell
    stop_reason: str = ""


@dataclass
class Caps:
    """Limits the grader applies from outside the kernel."""

    cell_seconds: float
    notebook_seconds: float
    message_mb: int = 8  # a larger message from the kernel ends the run of this submission
    text_chars: int = 1_000_000  # characters kept of a report cell's printed text
    cell_messages: int = 5_000  # messages one cell may send (an honest cell sends a few dozen)
    tmp_mb: int = 256  # size of the sandbox's /tmp, in memory


HEADER_BYTES = 16_384  # a header or parent header over this is ignored (an honest one is about 300 bytes)
SMALL_CONTENT = 65_536  # content read of status and error messages, at most


@dataclass
class _Message:
    """One message from the kernel: its type, the id of the request it answers, and its content, still unread."""

    msg_type: str
    parent_id: str
    raw_content: object  # a zmq.Frame

    def content(self, limit: int = SMALL_CONTENT) -> dict:
        """Return the content as a dict, or {} when it is larger than ``limit`` bytes or malformed."""
        if len(self.raw_content) > limit:
            return {}
        try:
            content = json.loads(self.raw_content.bytes)
        except (ValueError, RecursionError):
            return {}
        return content if isinstance(content, dict) else {}


class Stop(Exception):
    """The conversation cannot go on: ``status`` ('error' or 'timeout') and a message for the student's rows."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status, self.message = status, message


async def run_cells(cells: list[tuple[str, bool]], submission: bytes, env: dict[str, str], caps: Caps,
                    slot: int, sandboxed: bool = True, warm: bool = True) -> Conversation:
    """Run ``cells`` (code, keep_text) in a new kernel; return each cell's result, in order, for those that ran.

    With ``warm`` (and a sandbox), the kernel is forked from the zygote (``casekit.grade.zygote``) into its
    fresh sandbox instead of starting a new Python there.
    """
    conversation = Conversation()
    deadline = time.monotonic() + caps.notebook_seconds
    kernel = _Kernel(env, caps, slot, sandboxed, warm)
    try:
        await kernel.start(submission, deadline)
        for code, keep_text in cells:
            result = await kernel.execute(code, keep_text, deadline)
            conversation.cells.append(result)
            if result.timed_out and not await kernel.recover(deadline):
                raise Stop("timeout", "not reached: an earlier cell ran too long and could not be interrupted, "
                                      "so the kernel was stopped")
    except Stop as stop:
        conversation.stop_status, conversation.stop_reason = stop.status, stop.message
    except Exception as err:  # a defect or a surprise in the kernel's replies: this submission only
        conversation.stop_status = "error"
        conversation.stop_reason = f"not graded: the grader could not talk to the kernel ({type(err).__name__})"
    finally:
        await kernel.stop()
    return conversation


_warm_problems: dict[tuple, str] = {}


def warm_problem(env: dict[str, str]) -> str:
    """Return why warm kernels cannot run here (empty if they can), trying one once per process and environment.

    The try is a real one: a sandbox, a kernel forked from the zygote, one cell. Grading falls back to cold
    kernels (a new Python in each sandbox) where it fails, for instance where ``setns`` is not allowed.
    """
    key = tuple(sorted(env.items()))
    if key not in _warm_problems:
        caps = Caps(cell_seconds=30, notebook_seconds=120)
        conversation = _run_coroutine(run_cells([("print(6 * 7)", True)], b"{}", env, caps, slot=0))
        if conversation.stop_status or not conversation.cells or conversation.cells[0].text != "42\n":
            _warm_problems[key] = (conversation.stop_reason or "the test cell gave no answer").replace(
                "not graded: ", "").replace("not reached: ", "")
        else:
            _warm_problems[key] = ""
    return _warm_problems[key]


def _run_coroutine(coroutine):
    """Run ``coroutine`` to the end, in a thread of its own if this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class _Kernel:
    """One kernel process and the grader's sockets to it."""

    def __init__(self, env, caps: Caps, slot: int, sandboxed: bool, warm: bool = True):
        self.env, self.caps, self.slot, self.sandboxed, self.warm = env, caps, slot, sandboxed, warm
        self.child: int | None = None  # a warm kernel's pidfd (of the zygote's child that joined the sandbox)
        self._kernel_stderr_task = None
        self.process: asyncio.subprocess.Process | None = None
        self.folder = Path(tempfile.mkdtemp(prefix="casekit-kernel-"))  # mode 0700: only the grader enters
        self.context = self.sockets = self.monitors = None
        self.stderr = b""
        self._stderr_task = None
        self.messages = 0  # messages received during the current cell

    # --- starting ------------------------------------------------------------------------------------------------

    async def start(self, submission: bytes, deadline: float) -> None:
        import zmq
        import zmq.asyncio
        from jupyter_client.session import Session

        key = secrets.token_hex(32)
        self.session = Session(key=key.encode(), signature_scheme="hmac-sha256", username="grader")
        ports = {"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5}
        conn = self.folder / "connection.json"
        sub = self.folder / "submission.ipynb"
        inside = sandbox.KERNEL_DIR if self.sandboxed else str(self.folder)
        conn.write_text(json.dumps({"transport": "ipc", "ip": f"{inside}/kernel-ipc", "key": key,
                                    "signature_scheme": "hmac-sha256", "kernel_name": "casekit-grader", **ports}),
                        encoding="utf-8")
        sub.write_bytes(submission)
        for path in (conn, sub):
            path.chmod(0o644)  # the sandbox's uid must read them; the folder itself stays closed to others
        kernel_argv = [sys.executable, "-m", "casekit.grade.kernel", "-f",
                       sandbox.CONNECTION_FILE if self.sandboxed else str(conn)]
        if self.sandboxed:
            warm = self.warm and sandbox.placeholder() is not None
            read_end, write_end = os.pipe()
            argv = sandbox.command(sandbox.placeholder() if warm else kernel_argv, self.env, conn, sub, self.slot,
                                   self.caps.tmp_mb, sandbox.mounts(), info_fd=write_end)
            try:
                self.process = await asyncio.create_subprocess_exec(
                    *argv, pass_fds=[write_end], stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
            finally:
                os.close(write_end)
            self._stderr_task = asyncio.ensure_future(self._drain_stderr(self.process.stderr))
            pid = await self._read_info(read_end, deadline)
            if warm:
                await self._fork_warm(pid, deadline)
            where = sandbox.socket_root(pid)
        else:
            work = self.folder / "work"
            work.mkdir()
            shutil.copy(sub, work / "submission.ipynb")
            self.process = await asyncio.create_subprocess_exec(
                *kernel_argv, env=self.env, cwd=str(work), stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, start_new_session=True)
            self._stderr_task = asyncio.ensure_future(self._drain_stderr(self.process.stderr))
            where = str(self.folder)
        self.context = zmq.asyncio.Context()
        for option, value in ((zmq.MAXMSGSIZE, self.caps.message_mb * 1024 * 1024), (zmq.RCVHWM, 32),
                              (zmq.LINGER, 0), (zmq.RECONNECT_IVL, 10)):  # connect soon after the kernel binds
            self.context.setsockopt(option, value)
        self.sockets, self.monitors = {}, []
        for name, kind in (("shell", zmq.DEALER), ("iopub", zmq.SUB), ("control", zmq.DEALER)):
            sock = self.context.socket(kind)
            if kind == zmq.SUB:
                sock.setsockopt(zmq.SUBSCRIBE, b"")
            self.monitors.append(sock.get_monitor_socket(zmq.EVENT_DISCONNECTED))
            sock.connect(f"ipc://{where}/kernel-ipc-{ports[name + '_port']}")
            self.sockets[name] = sock
        self.poller = zmq.asyncio.Poller()  # one poller for the whole conversation: messages are the hot path
        # Messages come in bursts (busy, input, output, reply, idle), so most are already waiting when asked for.
        # A plain poller over shadows of the same sockets finds those with one call into libzmq and no futures;
        # the asyncio poller, which costs a future and an event registration per socket, is kept for waiting.
        self._ready_now = zmq.Poller()
        self._shadows, self._shadow_of = {}, {}
        for sock in self.monitors + list(self.sockets.values()):
            self.poller.register(sock, zmq.POLLIN)
            shadow = zmq.Socket.shadow(sock.underlying)
            self._shadows[shadow], self._shadow_of[sock] = sock, shadow
            self._ready_now.register(shadow, zmq.POLLIN)
        await self._handshake(deadline)

    async def _fork_warm(self, first_pid: int, deadline: float) -> None:
        """Have the zygote fork this submission's kernel into the sandbox whose first process is ``first_pid``."""
        from casekit.grade import zygote

        end = min(deadline, time.monotonic() + STARTUP_SECONDS)
        target = None
        while target is None:
            target = sandbox.placeholder_pidfd(first_pid)
            if target is None:
                if time.monotonic() >= end or self.process.returncode is not None:
                    raise Stop("error", "not graded: the grading sandbox did not start" + self._stderr_note())
                await asyncio.sleep(0.002)
        read_end, write_end = os.pipe()
        try:
            template = await asyncio.to_thread(zygote.shared, sandbox.environment({}))
            self.child = await asyncio.to_thread(template.spawn, target, write_end, self.env,
                                                 ["casekit-grade-kernel", "-f", sandbox.CONNECTION_FILE],
                                                 sandbox.WORK_DIR)
        except zygote.ZygoteError as err:
            os.close(read_end)
            raise Stop("error", f"not graded: {err}") from None
        finally:
            os.close(write_end)
            os.close(target)
        reader = asyncio.StreamReader()
        await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                                           os.fdopen(read_end, "rb", 0))
        self._kernel_stderr_task = asyncio.ensure_future(self._drain_stderr(reader))

    def _ended(self) -> bool:
        """Return True once the kernel has ended (its sandbox, or, for a warm kernel, the kernel itself)."""
        if self.process.returncode is not None:
            return True
        return self.child is not None and bool(select.select([self.child], [], [], 0)[0])

    async def _read_info(self, fd: int, deadline: float) -> int:
        """Return the sandbox's first pid, which bwrap writes to ``fd`` once the sandbox is set up."""
        os.set_blocking(fd, False)
        data = b""
        try:
            while time.monotonic() < min(deadline, time.monotonic() + STARTUP_SECONDS):
                try:
                    chunk = os.read(fd, 4096)
                except BlockingIOError:
                    chunk = None
                if chunk:
                    data += chunk
                    try:
                        return int(json.loads(data)["child-pid"])
                    except ValueError:
                        pass
                elif chunk == b"" or self.process.returncode is not None:
                    break
                await asyncio.sleep(0.005)
        finally:
            os.close(fd)
        await asyncio.sleep(0.1)
        raise Stop("error", "not graded: the grading sandbox did not start" + self._stderr_note())

    async def _handshake(self, deadline: float) -> None:
        """Ask for kernel_info until the kernel answers on both the shell and the iopub channel."""
        end = min(deadline, time.monotonic() + STARTUP_SECONDS)
        while time.monotonic() < end:
            msg_id = await self._send("shell", "kernel_info_request", {})
            replied = published = False
            retry = time.monotonic() + 0.5
            while time.monotonic() < min(retry, end) and not (replied and published):
                channel, msg = await self._receive(min(retry, end))
                if msg is not None and msg.parent_id == msg_id:
                    replied = replied or channel == "shell"
                    published = published or channel == "iopub"
            if replied and published:
                return
        if deadline <= time.monotonic():
            raise Stop("timeout", "not reached: the notebook's time ran out while its kernel was starting")
        raise Stop("error", "not graded: the grading kernel did not answer" + self._stderr_note())

    # --- running cells -------------------------------------------------------------------------------------------

    async def execute(self, code: str, keep_text: bool, deadline: float) -> CellResult:
        """Run one cell; return its result. Past the cell's deadline, the result says ``timed_out``."""
        result = CellResult()
        msg_id = await self._send("shell", "execute_request", {
            "code": code, "silent": False, "store_history": False, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": False})
        cell_end = min(deadline, time.monotonic() + self.caps.cell_seconds)
        self._pending, self.messages = msg_id, 0
        read = 0  # bytes of stream content read for this cell
        flooding = False  # past cell_end, still reading a flood until the message cap trips (see _flooding)
        while True:
            until = min(deadline, time.monotonic() + FLOOD_GAP) if flooding else cell_end
            channel, msg = await self._receive(until)
            now = time.monotonic()
            if now >= deadline:
                raise Stop("timeout", f"not reached: the notebook ran past {self.caps.notebook_seconds:g} s "
                                      "and was stopped")
            if flooding and msg is None:  # the flood paused: the cell is judged by the clock after all
                result.timed_out = True
                return result
            if not flooding and now >= cell_end:
                flooding = self._flooding()
                if not flooding:
                    result.timed_out = True
                    return result
            if msg is None:
                continue
            if channel != "iopub" or msg.parent_id != msg_id:
                continue
            if msg.msg_type == "status":
                if msg.content().get("execution_state") == "idle":
                    return result
            elif msg.msg_type == "error" and result.error is None:
                content = msg.content()
                result.error = (_text(content.get("ename"), 100) or "Error", _text(content.get("evalue"), 300))
            elif msg.msg_type == "stream" and keep_text and len(result.text) < self.caps.text_chars \
                    and read < 8 * self.caps.text_chars:
                read += len(msg.raw_content)
                content = msg.content(limit=8 * self.caps.text_chars)
                if content.get("name") == "stdout":
                    result.text += _text(content.get("text"), self.caps.text_chars - len(result.text))

    def _flooding(self) -> bool:
        """Return True when a cell at its deadline is flooding the grader, so the message cap should judge it.

        Under load the grader reads more slowly than a kernel can publish (ZeroMQ drops what does not fit its
        queue), so a flood might reach the cell's deadline before the grader has counted ``cell_messages``; its
        verdict would then depend on the machine's load. A cell that has already sent a tenth of the cap by its
        deadline is not stopped by the clock: the grader keeps reading until the cap trips, or no message comes
        for ``FLOOD_GAP`` seconds (then it is a timeout after all), or the notebook's deadline. A long loop that
        prints still times out at its deadline: ipykernel sends printed text in batches, a few messages a second,
        far from a tenth of the cap.
        """
        return self.messages >= self.caps.cell_messages // FLOOD_SHARE

    async def recover(self, deadline: float) -> bool:
        """Interrupt the timed-out cell; return True once the kernel is idle again, False if it does not stop."""
        pending = self._pending
        await self._send("control", "interrupt_request", {})
        end = min(deadline, time.monotonic() + INTERRUPT_GRACE)
        while time.monotonic() < end:
            channel, msg = await self._receive(end)
            if (msg is not None and channel == "iopub" and msg.parent_id == pending and msg.msg_type == "status"
                    and msg.content().get("execution_state") == "idle"):
                return True
        return False

    # --- messages ------------------------------------------------------------------------------------------------

    async def _send(self, channel: str, msg_type: str, content: dict) -> str:
        """Send a request; return its id, a fresh random one (a kernel must not guess the next cell's id)."""
        import uuid

        msg = self.session.msg(msg_type, content)
        msg["header"]["msg_id"] = msg["msg_id"] = uuid.uuid4().hex
        await self.sockets[channel].send_multipart(self.session.serialize(msg))
        return msg["header"]["msg_id"]

    async def _receive(self, until: float):
        """Return (channel, message) for the next message before ``until``, or (None, None) at ``until``.

        Raises ``Stop`` when the kernel died or broke its connection (for instance by sending a message larger
        than the cap, which makes ZeroMQ drop the connection).
        """
        import zmq

        while True:
            wait = until - time.monotonic()
            if wait <= 0:
                return None, None
            ready = {self._shadows[shadow]: event for shadow, event in self._ready_now.poll(0)}
            if ready:
                await asyncio.sleep(0)  # let the other submissions' sessions run between two messages
            else:
                ready = dict(await self.poller.poll(timeout=min(wait, 0.25) * 1000))
            if self._ended():
                raise Stop("error", KERNEL_DIED)
            if any(sock in ready for sock in self.monitors):
                # A kernel that dies drops its connection too, a moment before its sandbox (or, warm, the process
                # that waits for it) is seen to end; on a loaded machine that moment can be long. Give it time,
                # so that the verdict does not depend on the machine's load: only a kernel that is still alive
                # after DISCONNECT_GRACE broke its connection on purpose (a message over the cap).
                end = time.monotonic() + DISCONNECT_GRACE
                while time.monotonic() < end:
                    if self._ended():
                        raise Stop("error", KERNEL_DIED)
                    await asyncio.sleep(0.01)
                raise Stop("error", f"not reached: the kernel sent the grader a message over "
                                    f"{self.caps.message_mb} MB (or broke its connection), so grading stopped")
            for name, sock in self.sockets.items():
                if sock in ready:
                    try:  # it is ready: read it at once, through its shadow
                        frames = self._shadow_of[sock].recv_multipart(zmq.NOBLOCK, copy=False)
                    except zmq.Again:
                        frames = await sock.recv_multipart(copy=False)
                    self.messages += 1
                    if self.messages > self.caps.cell_messages:
                        raise Stop("error", f"not reached: the kernel sent the grader more than "
                                            f"{self.caps.cell_messages} messages during one cell, so grading stopped")
                    return name, self._parse(frames)

    def _parse(self, frames) -> "_Message | None":
        """Return the message in ``frames``, or None when it is malformed.

        Only the header and parent header are read here, each at most ``HEADER_BYTES``, with plain ``json.loads``
        (jupyter_client's own parsing turns every date-like string into a datetime, which a kernel can make slow).
        The content is left as bytes for ``_Message.content`` to read only when the grader needs it. Signatures are
        not checked: only this kernel can reach these sockets, and it holds the key anyway.
        """
        try:
            start = next((i for i, frame in enumerate(frames[:8])
                          if len(frame) == 9 and frame.bytes == b"<IDS|MSG>"), None)
            if start is None:
                return None
            parts = frames[start + 1:start + 6]
            if len(parts) < 5 or len(parts[1]) > HEADER_BYTES or len(parts[2]) > HEADER_BYTES:
                return None
            header, parent = json.loads(parts[1].bytes), json.loads(parts[2].bytes)
            if not isinstance(header, dict) or not isinstance(parent, dict):
                return None
            return _Message(str(header.get("msg_type", "")), str(parent.get("msg_id", "")), parts[4])
        except Exception:  # noqa: BLE001 - whatever the kernel sends, it is only ignored
            return None

    # --- stopping ------------------------------------------------------------------------------------------------

    async def stop(self) -> None:
        """Kill the kernel (and with it the sandbox and every process in it), close the sockets, remove files."""
        if self.process is not None and self.process.returncode is None:
            try:
                if self.sandboxed:
                    self.process.kill()
                else:
                    os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.process is not None:
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except asyncio.TimeoutError:
                pass
        if self.child is not None:
            # The kernel ends with its sandbox, its joining parent right after; wait until the zygote has reaped
            # that parent too (its pidfd then names no pid), so that no process of the sandbox's uid is left.
            end = time.monotonic() + 10
            while _pidfd_pid(self.child) > 0 and time.monotonic() < end:
                await asyncio.sleep(0.005)
            os.close(self.child)
            self.child = None
        for task in (self._stderr_task, self._kernel_stderr_task):
            if task is not None:
                task.cancel()
        for sock in list((self.sockets or {}).values()) + list(self.monitors or []):
            sock.close(linger=0)
        if self.context is not None:
            self.context.term()
        shutil.rmtree(self.folder, ignore_errors=True)

    async def _drain_stderr(self, stream) -> None:
        """Keep the first 4 kB of the kernel's stderr (for a kernel that does not start) and discard the rest."""
        while True:
            chunk = await stream.read(65536)
            if not chunk:
                return
            if len(self.stderr) < 4096:
                self.stderr += chunk[: 4096 - len(self.stderr)]

    def _stderr_note(self) -> str:
        lines = self.stderr.decode("utf-8", "replace").strip().splitlines()
        return f" ({_text(lines[-1], 200)})" if lines else ""


def _pidfd_pid(pidfd: int) -> int:
    """Return the pid a pidfd refers to, or -1 once that process has ended and been reaped."""
    try:
        with open(f"/proc/self/fdinfo/{pidfd}", encoding="ascii") as info:
            for line in info:
                if line.startswith("Pid:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return -1


def _text(value, limit: int) -> str:
    """Return ``value`` as printable text of at most ``limit`` characters (lone surrogates and controls removed)."""
    if not isinstance(value, str):
        return ""
    value = value[:limit].encode("utf-8", "replace").decode("utf-8")
    return "".join(c if c.isprintable() or c in "\n\t" else "\ufffd" for c in value)

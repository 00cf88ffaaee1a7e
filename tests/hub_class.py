"""Play a class on a real JupyterHub: used by tests/test_hub.py (20 students) and benchmarks/bench_hub.py (N).

``running_hub(workdir)`` starts JupyterHub on 127.0.0.1 with its own configurable-http-proxy, loading the kit's
course configuration (``docs/hub/jupyterhub_config.py``) and then, on top, a dummy authenticator, the
local-process spawner (``SimpleLocalProcessSpawner``: every student a home folder under ``workdir``), random free
ports and private paths. Every process it starts carries a marker in its environment; on the way out, whatever
happened, the hub is asked to stop (which stops the servers and the proxy), and anything still carrying the marker
after that is killed. ``leftovers(marker)`` lists what remains, so a test can assert that nothing does.

``Student`` does what a student's browser does, over HTTP: log in through the login form, start their server,
follow the nbgitpuller link (the hub's OAuth hand-shake included), let nbgitpuller pull the kit, open an exercise,
run its cells one by one on a kernel through the Jupyter server's REST API and its websocket, and save it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import nbformat
import psutil
import requests
import websocket

KIT = Path(__file__).resolve().parents[1]
COURSE_CONFIG = KIT / "docs" / "hub" / "jupyterhub_config.py"
BIN = Path(sys.executable).parent
MARKER = "CASEKIT_HUB_CLASS"
REPO_NAME = "china-russia-case"


def proxy_command() -> str:
    """Return configurable-http-proxy: the one ``make`` installs in .venv/node, else one on PATH."""
    local = KIT / ".venv" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
    found = str(local) if local.exists() else shutil.which("configurable-http-proxy")
    if not found:
        raise RuntimeError("configurable-http-proxy is not installed: `make test` installs it from the npm "
                           "registry into .venv/node (it needs node and npm: apt-get install nodejs npm)")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def course_repository(folder: Path) -> Path:
    """Make the git repository students pull from: the kit's exercises and start page, one commit on ``main``."""
    repo = folder / REPO_NAME
    (repo / "exercises").mkdir(parents=True)
    for path in sorted((KIT / "exercises").glob("ex*.ipynb")):
        shutil.copy(path, repo / "exercises" / path.name)
    (repo / "README.md").write_text("The China-Russia case kit, as your instructor released it.\n", encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "Release the exercises")
    return repo


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Instructor", "GIT_AUTHOR_EMAIL": "instructor@example.edu",
           "GIT_COMMITTER_NAME": "Instructor", "GIT_COMMITTER_EMAIL": "instructor@example.edu"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env).stdout


@dataclass
class Hub:
    url: str
    token: str  # the harness's service token (admin of users and servers)
    workdir: Path
    marker: str
    process: subprocess.Popen
    started_in: float = 0.0
    log: Path = field(default_factory=Path)

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.url}/hub/api{path}", timeout=60,
                                headers={"Authorization": f"token {self.token}"}, **kwargs)

    def home(self, student: str) -> Path:
        return self.workdir / "home" / student


HUB_CONFIG = """
import os
load_subconfig({course!r})
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {workdir!r} + "/proxy.pid"
c.JupyterHub.pid_file = {workdir!r} + "/hub.pid"
c.JupyterHub.db_url = "sqlite:///" + {workdir!r} + "/hub.sqlite"
c.JupyterHub.cookie_secret_file = {workdir!r} + "/cookie_secret"
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {workdir!r} + "/home/{{username}}"
c.Spawner.ip = "127.0.0.1"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = ["--allow-root"]
c.Spawner.environment = dict(c.Spawner.environment, {marker_name}={marker!r})
c.JupyterHub.services = [{{"name": "class-harness", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "class-harness", "services": ["class-harness"],
                            "scopes": ["admin:users", "admin:servers", "tokens", "access:servers"]}}]
"""


@contextmanager
def running_hub(workdir: Path, start_timeout: float = 120):
    """Start JupyterHub in ``workdir``; yield a ``Hub``; stop it and everything it started, whatever happens."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "home").mkdir(exist_ok=True)
    marker, token = uuid.uuid4().hex, uuid.uuid4().hex
    port = free_port()
    config = workdir / "jupyterhub_config.py"
    config.write_text(HUB_CONFIG.format(course=str(COURSE_CONFIG), port=port, hub_port=free_port(),
                                        api_port=free_port(), proxy=proxy_command(), workdir=str(workdir),
                                        singleuser=str(BIN / "jupyterhub-singleuser"), marker_name=MARKER,
                                        marker=marker, token=token), encoding="utf-8")
    log = workdir / "hub.log"
    env = {**os.environ, MARKER: marker, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    started = time.monotonic()
    with open(log, "wb") as log_file:
        process = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(config)], cwd=workdir, env=env,
                                   stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    hub = Hub(f"http://127.0.0.1:{port}", token, workdir, marker, process, log=log)
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"JupyterHub stopped at start-up:\n{log.read_text(errors='replace')[-4000:]}")
            try:
                if requests.get(f"{hub.url}/hub/api/", timeout=5).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterHub did not answer in {start_timeout} s:\n"
                                   f"{log.read_text(errors='replace')[-4000:]}")
            time.sleep(0.2)
        hub.started_in = time.monotonic() - started
        yield hub
    except BaseException:
        # Shown with the failure: what the hub, the proxy and the servers said last.
        print(f"--- the end of {log} ---\n{log.read_text(errors='replace')[-6000:]}", file=sys.stderr)
        raise
    finally:
        stop_hub(hub)


def stop_hub(hub: Hub, grace: float = 30) -> None:
    """Stop the hub (it stops the students' servers and the proxy), then kill whatever still has the marker."""
    if hub.process.poll() is None:
        hub.process.send_signal(signal.SIGTERM)
        try:
            hub.process.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    for proc in marked(hub.marker):
        try:
            os.killpg(proc.pid, signal.SIGKILL) if proc.pid == os.getpgid(proc.pid) else proc.kill()
        except (psutil.Error, ProcessLookupError, PermissionError):
            pass
    if hub.process.poll() is None:
        hub.process.kill()
    hub.process.wait(10)
    psutil.wait_procs(marked(hub.marker), timeout=10)


def marked(marker: str) -> list[psutil.Process]:
    """Return the live processes whose environment carries ``marker`` (the hub, the proxy, servers, kernels)."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get(MARKER) == marker and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (psutil.Error, OSError):
            continue
    return found


def leftovers(marker: str) -> list[str]:
    """Describe the processes the hub left behind (none, once ``stop_hub`` has run)."""
    out = []
    for proc in marked(marker):
        try:
            out.append(f"{proc.pid} {' '.join(proc.cmdline())[:120]}")
        except psutil.Error:
            continue
    return out


def server_memory_mb(hub: Hub, student: str) -> tuple[float, float]:
    """Return (MB of the student's single-user server, MB of it with its kernels), as resident memory."""
    for proc in marked(hub.marker):
        try:
            if ("jupyterhub-singleuser" not in " ".join(proc.cmdline())
                    or proc.environ().get("JUPYTERHUB_USER") != student):
                continue
            own = proc.memory_info().rss
            children = 0
            for child in proc.children(recursive=True):
                try:
                    children += child.memory_info().rss
                except psutil.Error:
                    continue
            return own / 2**20, (own + children) / 2**20
        except psutil.Error:
            continue
    return 0.0, 0.0


def pull_link(repo: Path, exercise_path: str) -> str:
    """The nbgitpuller link an instructor shares: log in, pull the kit, open ``exercise_path`` in JupyterLab."""
    query = urlencode({"repo": repo.as_uri(), "branch": "main",
                       "urlpath": f"lab/tree/{REPO_NAME}/{exercise_path}"}, quote_via=quote)
    return f"/hub/user-redirect/git-pull?{query}"


class Student:
    """One simulated student, talking to the hub and to their own server as a browser would."""

    def __init__(self, hub: Hub, name: str):
        self.hub, self.name = hub, name
        self.http = requests.Session()
        self.base = f"{hub.url}/user/{name}"
        self.timings: dict[str, float] = {}
        self.memory = (0.0, 0.0)  # MB: the server alone, and with the kernel of the exercise

    def log_in(self) -> None:
        self.http.get(f"{self.hub.url}/hub/login", timeout=60).raise_for_status()
        xsrf = self.http.cookies.get("_xsrf", path="/hub/")
        reply = self.http.post(f"{self.hub.url}/hub/login", data={"username": self.name, "password": "x",
                                                                   "_xsrf": xsrf}, allow_redirects=False, timeout=60)
        if reply.status_code != 302:
            raise AssertionError(f"{self.name}: login answered {reply.status_code}")

    def start_server(self, timeout: float = 180) -> None:
        """Start the server (what the hub's "Start My Server" button does) and wait until it is ready."""
        started = time.monotonic()
        self.http.get(f"{self.hub.url}/hub/spawn/{self.name}", timeout=60, allow_redirects=False)
        while True:
            model = self.hub.api("GET", f"/users/{self.name}").json()
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                break
            if time.monotonic() - started > timeout:
                raise AssertionError(f"{self.name}: server not ready after {timeout} s ({model.get('pending')})")
            time.sleep(0.25)
        self.timings["spawn"] = time.monotonic() - started

    def follow_link(self, link: str) -> None:
        """Open the nbgitpuller link: the hub sends the student to their server, which logs them in by OAuth."""
        reply = self.http.get(self.hub.url + link, timeout=120)
        if reply.status_code != 200 or f"/user/{self.name}/git-pull" not in reply.url:
            raise AssertionError(f"{self.name}: the link ended at {reply.url} ({reply.status_code})")

    def pull(self, repo: Path) -> list[dict]:
        """Let nbgitpuller pull (what its page's script does): return its events, the last one 'finished'."""
        reply = self.http.get(f"{self.base}/git-pull/api", params={"repo": repo.as_uri(), "branch": "main"},
                              stream=True, timeout=300)
        reply.raise_for_status()
        events = []
        for line in reply.iter_lines(decode_unicode=True):
            if line and line.startswith("data:"):
                events.append(json.loads(line[5:]))
                if events[-1].get("phase") in ("finished", "error"):
                    break
        reply.close()
        if not events or events[-1].get("phase") != "finished":
            raise AssertionError(f"{self.name}: nbgitpuller did not finish: {events[-3:]}")
        return events

    def _xsrf(self) -> str:
        token = self.http.cookies.get("_xsrf", path=f"/user/{self.name}/")
        if token is None:
            self.http.get(f"{self.base}/lab", timeout=60).raise_for_status()
            token = self.http.cookies.get("_xsrf", path=f"/user/{self.name}/")
        return token

    def rest(self, method: str, path: str, **kwargs) -> requests.Response:
        reply = self.http.request(method, f"{self.base}/api{path}", headers={"X-XSRFToken": self._xsrf()},
                                  timeout=120, **kwargs)
        reply.raise_for_status()
        return reply

    def open_notebook(self, path: str):
        return nbformat.from_dict(self.rest("GET", f"/contents/{quote(path)}", params={"content": 1}).json()["content"])

    def save_notebook(self, path: str, nb) -> None:
        self.rest("PUT", f"/contents/{quote(path)}", json={"type": "notebook", "format": "json", "content": nb})

    def run_notebook(self, path: str, answers: dict[str, str], placeholder: str) -> dict[str, str]:
        """Open ``path``, fill in ``answers`` (question -> code), run every code cell in order on a new kernel, save.

        Return question -> the check's verdict line, as the student saw it.
        """
        nb = self.open_notebook(path)
        opened = time.monotonic()
        session = self.rest("POST", "/sessions", json={"path": path, "type": "notebook", "name": path,
                                                       "kernel": {"name": "python3"}}).json()
        kernel = session["kernel"]["id"]
        verdicts = {}
        ws_url = self.base.replace("http://", "ws://") + f"/api/kernels/{kernel}/channels"
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        channel = websocket.create_connection(ws_url, timeout=120,
                                              header=[f"Cookie: {cookies}", f"X-XSRFToken: {self._xsrf()}"])
        try:
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                qid = cell.metadata.get("casekit", {}).get("question")
                if cell.metadata.get("casekit", {}).get("role") == "student":  # the id cell: the student's hub name
                    cell.source = cell.source.replace("student_id = ...", f"student_id = {self.name!r}", 1)
                if qid in answers:
                    cell.source = cell.source.replace(placeholder, answers[qid])
                cell.outputs = execute(channel, cell.source)
                checked = cell.metadata.get("nbgrader", {}).get("grade")
                if checked:
                    text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
                    verdicts[text.split(":")[0].split(" ", 1)[-1]] = text.strip()
                    self.timings.setdefault("first_check", time.monotonic() - opened)
        finally:
            channel.close()
        self.save_notebook(path, nb)
        self.memory = server_memory_mb(self.hub, self.name)  # the server with its kernel still running
        self.rest("DELETE", f"/sessions/{session['id']}")
        return verdicts


def execute(channel, code: str, timeout: float = 120) -> list[dict]:
    """Run ``code`` on the kernel behind ``channel`` (a kernel websocket); return its outputs as notebook outputs."""
    msg_id = uuid.uuid4().hex
    channel.send(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "student", "session": msg_id,
                   "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True}}))
    outputs, idle, replied = [], False, False
    deadline = time.monotonic() + timeout
    while not (idle and replied):
        if time.monotonic() > deadline:
            raise AssertionError(f"no reply from the kernel in {timeout} s")
        message = json.loads(channel.recv())
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = message["header"]["msg_type"], message["content"]
        if message["channel"] == "shell" and kind == "execute_reply":
            replied = True
        elif kind == "status" and content.get("execution_state") == "idle":
            idle = True
        elif kind == "stream":
            if outputs and outputs[-1].get("output_type") == "stream" and outputs[-1]["name"] == content["name"]:
                outputs[-1]["text"] += content["text"]  # ipykernel may split one print in two messages
            else:
                outputs.append(nbformat.v4.new_output("stream", name=content["name"], text=content["text"]))
        elif kind in ("execute_result", "display_data"):
            outputs.append(nbformat.v4.new_output(kind, data=content["data"], metadata=content.get("metadata", {}),
                                                  **({"execution_count": content["execution_count"]}
                                                     if kind == "execute_result" else {})))
        elif kind == "error":
            outputs.append(nbformat.v4.new_output("error", ename=content["ename"], evalue=content["evalue"],
                                                  traceback=content["traceback"]))
    return outputs

"""End-to-end fixtures: a real JupyterLab on 127.0.0.1 serving a temporary copy of the kit, and headless Chromium.

JupyterLab is started the way the README tells everyone to, ``make lab`` (rooted at the kit, opening the start
page), with the port, token and settings folders the tests need passed through ``LAB_ARGS``.

Chromium comes from the system (Debian package ``chromium``), never a downloaded browser build; Python drives it
with ``playwright``. When either is missing, the tests are reported as skipped, with the reason.
Screenshots go to ``results/e2e/``; a failing test also leaves the page's HTML and its console log there.
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
import urllib.request
from pathlib import Path

import pytest
from browser import KIT, RESULTS

CHROMIUM = Path(os.environ.get("CASEKIT_CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """Start JupyterLab with ``make lab`` in a copy of the kit, on a free port with a token; yield URL and token."""
    if not CHROMIUM.exists():
        missing = f"no Chromium at {CHROMIUM} (install the Debian package 'chromium'); browser tests not run"
        if os.environ.get("CI"):  # CI installs Chromium (.ci/run): there a missing browser is a failure
            pytest.fail(missing)
        pytest.skip(missing)
    if os.environ.get("CI"):
        import playwright.sync_api  # noqa: F401 - CI must run the browser tests, not skip them
    pytest.importorskip("playwright.sync_api", reason="Python package 'playwright' is not installed")
    root = tmp_path_factory.mktemp("lab")  # one JupyterLab per test module
    copy = root / "kit"
    shutil.copytree(KIT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info",
                                                             "results", ".pytest_cache"))
    settings = root / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    # Render every cell (no virtual scrolling), so the tests can read cells that are off screen.
    notebook_settings = root / "settings" / "@jupyterlab" / "notebook-extension"
    notebook_settings.mkdir(parents=True)
    (notebook_settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port, token = _free_port(), "casekit-e2e-" + os.urandom(8).hex()
    # Started the way the README says, `make lab`, in the copy; VENV= the environment running the tests (so the
    # copy reuses it), and -o its install stamp so that make never reinstalls the kit from the temporary copy.
    venv = Path(sys.prefix)
    lab_args = " ".join(["--no-browser", f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
                         f"--LabApp.user_settings_dir={root / 'settings'}",
                         f"--LabApp.workspaces_dir={root / 'workspaces'}"])
    args = ["make", "--no-print-directory", "-C", str(copy), "lab", f"VENV={venv}", "-o",
            str(venv / ".casekit-installed"), f"LAB_ARGS={lab_args}"]
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(root / "config"), JUPYTER_RUNTIME_DIR=str(root / "runtime"),
               CASEKIT_DATA=str(copy / "data"))
    log = (root / "server.log").open("w")
    # A session of its own, so that stopping the test stops make and the JupyterLab it started, together.
    server = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail("JupyterLab exited at start:\n" + (root / "server.log").read_text())
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer within 120 s")
        yield {"base": base, "token": token, "root": copy}
    finally:
        _stop(server)
        log.close()


def _stop(server: subprocess.Popen) -> None:
    """Stop ``make lab`` and JupyterLab under it (their own process group): politely, then for sure."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    """A fresh page; on failure its HTML and console log are kept under results/e2e/."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    console: list[str] = []
    pg.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    pg.console_log = console
    yield pg
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        name = request.node.name.replace("/", "_")
        (RESULTS / f"{name}.html").write_text(pg.content(), encoding="utf-8")
        (RESULTS / f"{name}.console.log").write_text("\n".join(console), encoding="utf-8")
        pg.screenshot(path=str(RESULTS / f"{name}.failed.png"), full_page=False)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report

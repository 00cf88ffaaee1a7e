"""Helpers for the browser tests: open and run a notebook in JupyterLab, wait, take screenshots."""

from __future__ import annotations

from pathlib import Path

KIT = Path(__file__).resolve().parents[2]
RESULTS = KIT / "results" / "e2e"


def open_notebook(page, lab, path: str, run_all: bool = True) -> None:
    """Open a notebook in JupyterLab, wait for its kernel, and (by default) run all cells and wait for them."""
    page.goto(f"{lab['base']}/lab/tree/{path}?reset&token={lab['token']}")
    page.get_by_text("| Idle").wait_for(timeout=90_000)
    if run_all:
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        wait_idle(page)


def wait_idle(page, timeout: int = 120_000) -> None:
    """Wait until no cell is queued or running and the kernel is idle."""
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => { const p = [...document.querySelectorAll('.jp-Notebook .jp-InputArea-prompt')];"
        " return p.length > 0 && !p.some(e => e.textContent.includes('*')); }", timeout=timeout)
    page.get_by_text("| Idle").wait_for(timeout=timeout)


def screenshot(page, name: str, locator=None) -> Path:
    """Save a screenshot under results/e2e/ and return its path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.png"
    (locator or page).screenshot(path=str(path))
    return path

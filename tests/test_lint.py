"""The linter is part of the test suite: ruff, with the rules in pyproject.toml, finds nothing in the whole tree.

A finding fails ``make test`` and so CI. The second test shows that the gate can fail: each rule the kit relies on
finds its bug in a small bad file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

KIT = Path(__file__).resolve().parents[1]


def ruff(*args: str) -> subprocess.CompletedProcess:
    """Run the installed ruff (a test dependency) with the kit's configuration."""
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--config",
                           str(KIT / "pyproject.toml"), *args], capture_output=True, text=True, cwd=KIT)


def test_the_whole_tree_is_clean():
    result = ruff(".")
    assert result.returncode == 0, f"ruff found problems (run .venv/bin/ruff check . to see them):\n{result.stdout}"
    assert "All checks passed" in result.stdout


def test_the_rules_find_the_bugs_they_are_chosen_for(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import os\n"                                         # F401: unused import
        "import math\n\n\n"
        "def greet(name, unused):\n"                          # ARG001: unused argument
        "    return 'hello ' + nmae\n\n\n"                    # F821: undefined name (a typo)
        "def callbacks():\n"
        "    return [lambda: i for i in range(3)]\n\n\n"      # B023: a closure over the loop variable
        "def is_missing(value, items=[]):\n"                  # B006: a mutable default
        "    return value == math.nan or value != value\n",   # PLW0177 and PLR0124: NaN comparisons
        encoding="utf-8")
    result = ruff("--output-format", "json", str(bad))
    found = {finding["code"] for finding in json.loads(result.stdout)}
    assert result.returncode == 1
    assert {"F401", "ARG001", "F821", "B023", "B006", "PLW0177", "PLR0124"} <= found, found


def test_ruff_is_a_declared_test_dependency():
    project = tomllib.loads((KIT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(d.startswith("ruff") for d in project["optional-dependencies"]["test"])
    assert "lint" in tomllib.loads((KIT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]

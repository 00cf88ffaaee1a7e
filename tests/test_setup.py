"""The kit installs the same way everywhere, and importing it changes nothing."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import yaml

KIT = Path(__file__).resolve().parents[1]


def requirement(spec: str) -> tuple[str, str]:
    """Split 'name>=1,<2' into a normalised name and its version specifier, without spaces."""
    name, version = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec).groups()
    return name.lower().replace("_", "-"), version.replace(" ", "")


def test_environment_yml_and_pyproject_list_the_same_dependencies():
    project = tomllib.loads((KIT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = dict(map(requirement, project["dependencies"] + project["optional-dependencies"]["test"]))
    environment = yaml.safe_load((KIT / "environment.yml").read_text(encoding="utf-8"))
    listed = dict(requirement(d) for d in environment["dependencies"] if isinstance(d, str))
    listed.pop("pip", None)
    python = listed.pop("python")
    assert python == re.sub(r"\s", "", project["requires-python"])
    assert listed == wanted


def _guarded(tree) -> set[int]:
    """Return the ids of the import nodes inside ``try: ... except ImportError`` (optional features)."""
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                for h in node.handlers):
            guarded |= {id(n) for part in node.body for n in ast.walk(part)}
    return guarded


def imported_distributions(folder: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Return the distributions the Python files under ``folder`` import, each with a file that imports it: those
    imported outright, and those imported only inside ``try: ... except ImportError`` (optional features)."""
    modules = packages_distributions()
    required, optional = {}, {}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        guarded = _guarded(tree)
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "casekit":
                    continue
                found = optional if id(node) in guarded else required
                for distribution in modules.get(top, [top]):  # an optional package may not be installed
                    found.setdefault(requirement(distribution)[0], str(path.relative_to(KIT)))
    return required, {name: path for name, path in optional.items() if name not in required}


def test_core_dependencies_are_what_casekit_imports_and_only_those():
    """Every package casekit imports is declared, not left to arrive with jupyterlab; nothing else is, but the app.

    A package imported only for an optional feature (inside ``try: ... except ImportError``) is named in an extra.
    """
    project = tomllib.loads((KIT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {requirement(d)[0] for d in project["dependencies"]}
    extras = {requirement(d)[0] for deps in project["optional-dependencies"].values() for d in deps}
    required, optional = imported_distributions(KIT / "casekit")
    undeclared = {name: path for name, path in required.items() if name not in declared}
    assert not undeclared, f"casekit imports packages pyproject.toml and environment.yml do not name: {undeclared}"
    assert declared - set(required) - set(optional) == {"jupyterlab"}  # an application, not an import
    assert {"ipykernel", "jupyter-client", "nbclient", "nbformat", "traitlets", "pyzmq"} <= declared
    unnamed = {name: path for name, path in optional.items() if name not in extras | declared}
    assert not unnamed, f"optional imports not named in any extra of pyproject.toml: {unnamed}"
    assert {requirement(d)[0] for d in project["optional-dependencies"]["test"]} >= {"pytest", "nbval", "ruff"}


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    readme = (KIT / "README.md").read_text(encoding="utf-8")
    assert "make lab" in readme and "make test" in readme
    assert re.search(r"^make test$", (KIT / ".ci" / "run").read_text(encoding="utf-8"), re.M)
    makefile = (KIT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^lab:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "notebooks/00_start_here.ipynb" in makefile
    assert (KIT / "notebooks" / "00_start_here.ipynb").is_file()


def test_notebooks_use_the_python3_kernel_and_hold_no_stray_files():
    notebooks = sorted(KIT.glob("notebooks/*.ipynb"))
    assert notebooks
    for path in notebooks:
        assert " " not in path.name and not path.name.startswith("Untitled")
        spec = json.loads(path.read_text(encoding="utf-8"))["metadata"]["kernelspec"]
        assert spec["name"] == "python3", path.name


IMPORT_PROBE = """
import os, sys, warnings
before = (list(warnings.filters), os.getcwd(), sorted(os.listdir('.')))
import casekit
heavy = sorted(m for m in ('pandas', 'plotly', 'ipywidgets', 'numpy') if m in sys.modules)
import casekit.data, casekit.anchors, casekit.locate, casekit.schema
after = (list(warnings.filters), os.getcwd(), sorted(os.listdir('.')))
print(heavy, before == after, 'plotly' in sys.modules)
"""


def test_importing_casekit_is_light_and_has_no_side_effects(tmp_path):
    run = subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True, cwd=tmp_path,
                         check=True)
    assert run.stdout.split() == ["[]", "True", "False"], run.stdout + run.stderr
    assert run.stderr == ""


def test_notebooks_are_stored_clean_so_diffs_stay_readable():
    """Policy: notebooks are the authored source and are stored without outputs; students run them."""
    for path in sorted(KIT.glob("notebooks/*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


def test_make_lab_serves_the_whole_kit_and_opens_the_start_page():
    """Rooted at the kit (not at notebooks/), so the lessons' links to ../exercises/ open the exercises."""
    import subprocess

    kit = Path(__file__).resolve().parents[1]
    dry = subprocess.run(["make", "-n", "-C", str(kit), "lab"], capture_output=True, text=True, check=True).stdout
    assert f'--ServerApp.root_dir="{kit}"' in dry
    assert "--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb" in dry
    assert (kit / "notebooks" / "00_start_here.ipynb").is_file()

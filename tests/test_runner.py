"""The notebook runner: the kernel gets the environment, a failure names its cell and exception, outputs are stable.

These run real python3 kernels (casekit.runner is what the build, the static site and the benchmarks use).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from casekit import build, runner

KIT = Path(__file__).resolve().parents[1]


def notebook(*sources: str):
    """Return a notebook with one code cell per source."""
    return new_notebook(cells=[new_code_cell(s) for s in sources],
                        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def stdout(cell) -> list[str]:
    """Return the texts of a cell's stdout outputs, one item per output."""
    return [o["text"] for o in cell.outputs if o.output_type == "stream" and o.name == "stdout"]


def test_the_environment_goes_to_the_kernel_and_this_process_keeps_its_own(tmp_path):
    name = f"CASEKIT_TEST_{uuid.uuid4().hex[:8].upper()}"
    before = dict(os.environ)
    nb = runner.run(notebook(f"import os; print(os.environ.get({name!r}), os.getcwd())"), tmp_path,
                    env={name: "for the kernel"})
    assert stdout(nb.cells[0]) == [f"for the kernel {tmp_path}\n"]
    assert dict(os.environ) == before and name not in os.environ


def test_a_failing_cell_is_named_with_its_exception_and_message(tmp_path):
    nb = notebook("import pandas as pd", "x = 1", "total = x + missing_name  # a typo", "print('never')")
    with pytest.raises(runner.NotebookError) as caught:
        runner.run(nb, tmp_path, name="ex09_demo.ipynb")
    message = str(caught.value)
    assert message == ("ex09_demo.ipynb: cell 3 (`total = x + missing_name  # a typo`) raised NameError: "
                       "name 'missing_name' is not defined")
    assert (caught.value.cell, caught.value.ename) == (3, "NameError")
    assert "An error occurred" not in message and "import pandas" not in message


def test_a_cell_past_its_timeout_is_named(tmp_path):
    with pytest.raises(runner.NotebookError, match=r"demo: cell 2 \(`import time; time.sleep\(30\)`\) raised "
                                                   r"TimeoutError: the cell did not finish in 2 s"):
        runner.run(notebook("x = 1", "import time; time.sleep(30)"), tmp_path, name="demo", timeout=2)


def test_the_build_reports_a_failing_cell_by_its_exception(tmp_path):
    with pytest.raises(build.BuildError, match=r"cell 1 \(`1 / 0`\) raised ZeroDivisionError: division by zero"):
        build.execute(notebook("1 / 0"), tmp_path, name="broken.ipynb")


def test_a_print_cut_into_pieces_comes_back_as_one_output(tmp_path, monkeypatch):
    """Flushing between writes makes the kernel send three stdout messages; the notebook keeps one output.

    A stream's pieces are joined up to the next display (which the kernel sends in order), never across it."""
    code = ("import sys, time\n"
            "for piece in ('run this cell ', 'again.', '\\n'):\n"
            "    sys.stdout.write(piece); sys.stdout.flush(); time.sleep(0.3)\n"
            "print('to stderr', file=sys.stderr, flush=True); time.sleep(0.3); print('and back')\n"
            "display('a display'); print('after it')")
    nb = runner.run(notebook(code), tmp_path)
    outputs = [(o.output_type, o.get("name"), o.get("text", o.get("data", {}).get("text/plain")))
               for o in nb.cells[0].outputs]
    assert outputs == [("stream", "stdout", "run this cell again.\nand back\n"), ("stream", "stderr", "to stderr\n"),
                       ("display_data", None, "'a display'"), ("stream", "stdout", "after it\n")]
    monkeypatch.setattr(runner, "coalesce_streams", lambda cell: cell)  # the kernel really did cut the print
    assert len(stdout(runner.run(notebook(code), tmp_path).cells[0])) >= 3


def burners() -> list[subprocess.Popen]:
    """Start one CPU-burning process per core, at the kernels' own priority."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]


def test_rebuilding_the_exercises_on_a_loaded_machine_changes_nothing(tmp_path):
    """With every core kept busy, build-exercises writes the committed files again, byte for byte."""
    solutions = tmp_path / "solutions"
    shutil.copytree(KIT / "solutions", solutions)
    exercises, keys = tmp_path / "exercises", tmp_path / "keys"
    busy = burners()
    try:
        build.build(solutions=solutions, exercises=exercises, keys=keys, report=lambda line: None)
        assert all(process.poll() is None for process in busy), "the CPU burners stopped before the build ended"
    finally:
        for process in busy:
            process.kill()
            process.wait()
    changed = [f"solutions/{p.name}" for p in sorted(solutions.glob("*.ipynb"))
               if p.read_bytes() != (KIT / "solutions" / p.name).read_bytes()]
    changed += [f"exercises/{p.name}" for p in sorted(exercises.glob("*.ipynb"))
                if p.read_bytes() != (KIT / "exercises" / p.name).read_bytes()]
    changed += [f"casekit/keys/{p.name}" for p in sorted(keys.glob("*.json"))
                if p.read_bytes() != (KIT / "casekit" / "keys" / p.name).read_bytes()]
    assert len(list(exercises.glob("*.ipynb"))) == len(build.solution_notebooks(KIT / "solutions"))
    assert changed == []
    for path in exercises.glob("*.ipynb"):  # the stored notebook itself has no stream cut in two
        for cell in nbformat.read(path, as_version=4).cells:
            kinds = [(o.output_type, o.get("name")) for o in cell.get("outputs", [])]
            assert all(a != b or a[0] != "stream" for a, b in zip(kinds, kinds[1:])), path.name

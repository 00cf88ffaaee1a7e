"""The notebook runner: the kernel gets the environment, a failure names its cell and exception, outputs are stable.

These run real python3 kernels (casekit.runner is what the build, the static site and the benchmarks use).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from casekit import runner

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


def test_a_print_cut_into_pieces_comes_back_as_one_output(tmp_path, monkeypatch):
    """Flushing between writes makes the kernel send three stdout messages; the notebook keeps one output."""
    code = ("import sys, time\n"
            "for piece in ('run this cell ', 'again.', '\\n'):\n"
            "    sys.stdout.write(piece); sys.stdout.flush(); time.sleep(0.3)\n"
            "print('to stderr', file=sys.stderr, flush=True); time.sleep(0.3); print('and back')")
    nb = runner.run(notebook(code), tmp_path)
    streams = [(o.name, o.text) for o in nb.cells[0].outputs]
    assert streams == [("stdout", "run this cell again.\n"), ("stderr", "to stderr\n"), ("stdout", "and back\n")]
    monkeypatch.setattr(runner, "coalesce_streams", lambda cell: cell)  # the kernel really did cut the print
    assert len(stdout(runner.run(notebook(code), tmp_path).cells[0])) >= 3


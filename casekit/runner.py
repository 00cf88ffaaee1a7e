"""Run a notebook top to bottom on a fresh ``python3`` kernel: the one runner of the build, the site and the benchmarks.

``run(nb, folder)`` executes every cell in order, with ``folder`` as the kernel's working directory, and returns the
notebook with its outputs. Three things make it the runner the kit can rely on:

- **The environment goes to the kernel, not to this process.** ``env`` adds variables to the kernel's environment
  only; ``os.environ`` is never changed, so two runs in one process (or threads) cannot leak into each other.
- **A failing cell says what failed.** ``NotebookError`` names the notebook, the cell (its number and first line),
  the exception and its message: ``ex02.ipynb: cell 7 (`answer = total`) raised NameError: name 'total' is not
  defined``. A cell that runs past ``timeout`` and a kernel that dies are reported the same way.
- **The outputs do not depend on how loaded the machine is.** On a busy machine ipykernel can send one ``print``
  as two stream messages ("…again." and "\\n"), or a warning before the print that came first;
  ``coalesce_streams`` joins each run of stream outputs into one stdout and one stderr output, so a notebook run
  twice is written byte for byte the same.

>>> from nbformat.v4 import new_code_cell, new_output
>>> cell = new_code_cell("print('one'); print('two')",
...                      outputs=[new_output("stream", text="one"), new_output("stream", name="stderr", text="!\\n"),
...                               new_output("stream", text="\\ntwo\\n")])
>>> [(o.name, o.text) for o in coalesce_streams(cell).outputs]
[('stdout', 'one\\ntwo\\n'), ('stderr', '!\\n')]
"""

from __future__ import annotations

import os
from pathlib import Path

KERNEL = "python3"


class NotebookError(RuntimeError):
    """A notebook did not run to the end: a cell raised, ran past its timeout, or the kernel died.

    ``cell`` is the number of the cell (from 1, as JupyterLab counts them), ``ename`` and ``evalue`` the
    exception's name and message.
    """

    def __init__(self, name: str, cell: int | None, source: str, ename: str, evalue: str):
        self.name, self.cell, self.source, self.ename, self.evalue = name, cell, source, ename, evalue
        first = next((line.strip() for line in source.splitlines() if line.strip()), "")
        first = first if len(first) <= 60 else first[:57] + "..."
        where = f"cell {cell} (`{first}`)" if cell is not None else "the notebook"
        super().__init__(f"{name}: {where} raised {ename}: {evalue}" if evalue else f"{name}: {where} raised {ename}")


def run(nb, folder: Path, env: dict[str, str] | None = None, name: str = "notebook", timeout: int = 120):
    """Run ``nb`` top to bottom on a fresh python3 kernel working in ``folder``; return it with its outputs.

    ``env`` holds variables added to the kernel's environment (this process's own is left alone); ``timeout`` is
    the limit for one cell, in seconds. Raise ``NotebookError`` naming the cell and the exception if a cell fails.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    started: dict[str, int] = {}

    def on_cell_start(cell_index, **_) -> None:
        """Remember the cell running now, to name it if it fails (nbclient passes the cell too)."""
        started["index"] = cell_index

    client = NotebookClient(nb, timeout=timeout, kernel_name=KERNEL, record_timing=False,
                            resources={"metadata": {"path": str(folder)}}, on_cell_start=on_cell_start)

    def failed(ename: str, evalue: str) -> NotebookError:
        index = started.get("index")
        source = nb.cells[index].source if index is not None else ""
        return NotebookError(name, None if index is None else index + 1, source, ename, evalue)

    try:
        client.execute(env={**os.environ, **(env or {})})
    except CellExecutionError as err:
        raise failed(err.ename, err.evalue) from None
    except CellTimeoutError:
        raise failed("TimeoutError", f"the cell did not finish in {timeout} s") from None
    except DeadKernelError as err:
        raise failed("DeadKernelError", f"the kernel died ({err})") from None
    for cell in nb.cells:
        if cell.cell_type == "code":
            coalesce_streams(cell)
    return nb


def coalesce_streams(cell):
    """Join each run of stream outputs into at most two, all of its stdout then all of its stderr; return the cell.

    The kernel decides how a stream is cut into messages, and in which order two streams' pieces arrive; a loaded
    machine cuts and orders them differently. Between two other outputs (a display, a result, an error), which
    the kernel sends in order, the text of each stream is the same however it arrived, so joining it makes the
    outputs the same too. Unlike nbclient's own ``coalesce_streams``, a print after a figure stays after it.
    """
    outputs, run = [], []
    for output in [*cell.get("outputs", []), None]:
        if output is not None and output.get("output_type") == "stream":
            run.append(output)
            continue
        for name in ("stdout", "stderr"):
            pieces = [o for o in run if o.get("name") == name]
            if pieces:
                pieces[0]["text"] = "".join(_text(o["text"]) for o in pieces)
                outputs.append(pieces[0])
        run = []
        if output is not None:
            outputs.append(output)
    cell["outputs"] = outputs
    return cell


def _text(text) -> str:
    """Return a stream's text as one string (nbformat allows a list of lines)."""
    return "".join(text) if isinstance(text, list) else text

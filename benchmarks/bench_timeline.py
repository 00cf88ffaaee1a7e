"""Time the timeline instruments and weigh their notebook outputs (a script, not a test: numbers vary by machine).

Run from the repository: ``.venv/bin/python benchmarks/bench_timeline.py`` (add ``--no-kernel`` to skip the run
of a real notebook, ``--runs N`` to change the number of repetitions). It prints, against the kit's targets:

- the median time to build each figure and table from the kit's data;
- the median time of one explorer filter update (target < 30 ms);
- the median time of ``import casekit`` in a fresh interpreter (target < 0.3 s);
- the size of the notebook output each figure makes, and whether any output embeds plotly.js (it must not).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from timing import median_time

TARGET_UPDATE_S = 0.030
TARGET_IMPORT_S = 0.3
PLOTLY_JS_SIGNS = ("plotly.js v", "window.PlotlyConfig", "<script")


def import_time(module: str, runs: int) -> float:
    """Return the median time to import ``module`` in a fresh interpreter (interpreter start-up excluded)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    return statistics.median(
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(runs)
    )


def interpreter_time(code: str, runs: int) -> float:
    """Return the median wall time of a fresh interpreter running ``code``, start-up included."""
    def once() -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start

    return statistics.median(once() for _ in range(runs))


def figures() -> dict:
    """Return the builders of the kit's figures, by name."""
    from casekit import timeline

    return {
        "figure() 1949-2023": timeline.figure,
        "figure(preset='2022')": lambda: timeline.figure(preset="2022"),
        "statements_figure()": timeline.statements_figure,
        "alliance_figure()": timeline.alliance_figure,
    }


def explorer_updates(runs: int) -> dict[str, float]:
    """Return the median time of one explorer update per control (the widget's observers run synchronously)."""
    from casekit import timeline

    box = timeline.explorer()
    controls = box.controls
    actors = [value for _, value in controls["actors"].options][:3]  # "" (every actor) and two actors
    changes = {
        "years slider": lambda i: setattr(controls["years"], "value", (1949 + i % 40, 2023)),
        "preset buttons": lambda i: setattr(controls["preset"], "value", ("2022", "1949-2023")[i % 2]),
        "category box": lambda i: setattr(controls["categories"]["diplomacy"], "value", i % 2 == 0),
        "actor menu": lambda i: setattr(controls["actors"], "value", actors[i % len(actors)]),
    }
    result = {}
    for name, change in changes.items():
        counter = iter(range(10**6))
        result[name] = median_time(lambda change=change, counter=counter: change(next(counter)), runs)
    return result


def mime_sizes() -> dict[str, tuple[int, list[str]]]:
    """Return, per figure, the bytes of its plotly mimetype bundle and the mimetypes it holds."""
    import plotly.io as pio

    renderer = pio.renderers["plotly_mimetype"]
    sizes = {}
    for name, build in figures().items():
        bundle = renderer.to_mimebundle(build().to_dict())
        sizes[name] = (len(json.dumps(bundle, separators=(",", ":"))), sorted(bundle))
    return sizes


def kernel_outputs() -> dict[str, tuple[int, list[str], bool]]:
    """Run a notebook that shows each figure with fig.show() in a real kernel; return each output's size and kind."""
    import nbformat

    from casekit import runner

    calls = {
        "figure() 1949-2023": "timeline.figure().show()",
        "figure(preset='2022')": "timeline.figure(preset='2022').show()",
        "statements_figure()": "timeline.statements_figure().show()",
        "alliance_figure()": "timeline.alliance_figure().show()",
    }
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("from casekit import timeline")]
    notebook.cells += [nbformat.v4.new_code_cell(code) for code in calls.values()]
    runner.run(notebook, Path.cwd(), name="bench_timeline")
    result = {}
    for name, cell in zip(calls, notebook.cells[1:]):
        text = json.dumps(cell.outputs, separators=(",", ":"))
        mimetypes = sorted({m for output in cell.outputs for m in output.get("data", {})})
        result[name] = (len(text), mimetypes, any(sign in text for sign in PLOTLY_JS_SIGNS))
    return result


def verdict(ok: bool) -> str:
    return "ok" if ok else "OVER TARGET"


def main(argv: list[str] | None = None) -> int:
    """Print the timings and sizes; return 1 if a target is missed or an output embeds plotly.js."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="repetitions per timing (median reported)")
    parser.add_argument("--no-kernel", action="store_true", help="skip running a notebook in a real kernel")
    args = parser.parse_args(argv)
    failed = False

    print(f"Python {sys.version.split()[0]}; median of {args.runs} runs\n")
    print("Building (the kit's data, read from disk each time)")
    from casekit import timeline

    builders = {**figures(), "table()": timeline.table, "statements_table()": timeline.statements_table,
                "alliance_table()": timeline.alliance_table}
    for name, build in builders.items():
        print(f"  {name:<24} {median_time(build, args.runs) * 1000:8.1f} ms")
    start = time.perf_counter()
    timeline.explorer()
    print(f"  {'explorer(), first call':<24} {(time.perf_counter() - start) * 1000:8.1f} ms  (imports ipywidgets, "
          "anywidget, FigureWidget)")
    print(f"  {'explorer(), again':<24} {median_time(timeline.explorer, args.runs) * 1000:8.1f} ms")

    print(f"\nExplorer: one filter update (target < {TARGET_UPDATE_S * 1000:.0f} ms)")
    for name, seconds in explorer_updates(args.runs).items():
        failed |= seconds >= TARGET_UPDATE_S
        print(f"  {name:<24} {seconds * 1000:8.1f} ms  {verdict(seconds < TARGET_UPDATE_S)}")

    print(f"\nImport in a fresh interpreter (target for casekit < {TARGET_IMPORT_S} s)")
    runs = max(3, args.runs // 3)
    for module in ("casekit", "casekit.timeline"):
        seconds = import_time(module, runs)
        if module == "casekit":
            failed |= seconds >= TARGET_IMPORT_S
        print(f"  import {module:<17} {seconds * 1000:8.1f} ms"
              + (f"  {verdict(seconds < TARGET_IMPORT_S)}" if module == "casekit" else ""))
    bare, whole = interpreter_time("pass", runs), interpreter_time("import casekit", runs)
    failed |= whole >= TARGET_IMPORT_S
    print(f"  python -c 'import casekit' {whole * 1000:6.1f} ms wall, start-up included "
          f"(bare interpreter {bare * 1000:.1f} ms)  {verdict(whole < TARGET_IMPORT_S)}")

    print("\nNotebook output size: application/vnd.plotly.v1+json bundle (plotly_mimetype renderer)")
    for name, (size, mimetypes) in mime_sizes().items():
        print(f"  {name:<24} {size:8,d} bytes  {', '.join(mimetypes)}")

    if not args.no_kernel:
        print("\nNotebook output of fig.show() in a real kernel (casekit.runner)")
        for name, (size, mimetypes, embeds) in kernel_outputs().items():
            failed |= embeds
            print(f"  {name:<24} {size:8,d} bytes  {', '.join(mimetypes) or 'no output'}  "
                  f"{'EMBEDS plotly.js' if embeds else 'no plotly.js'}")
    print("\n" + ("Some target was missed." if failed else "All targets met."))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""What a student sees, at 1400 px and at 800 px: the kit's text boxes never overlap and nothing is cut off.

Every lesson and every exercise is run in JupyterLab (started by ``make lab``), then checked at both widths by
``layout.problems``; a screenshot of each quiz and figure at each width goes to ``results/e2e/layout/``.
"""

from __future__ import annotations

import pytest
from browser import RESULTS, open_notebook
from layout import NOTEBOOK, problems

from casekit.lessons import LESSONS

NOTEBOOKS = [f"notebooks/{lesson.file}" for lesson in LESSONS] + \
    [f"exercises/{lesson.exercise}.ipynb" for lesson in LESSONS if lesson.exercise]
# Narrow first: the explorer's FigureWidget is drawn for the width it first gets and does not follow a later
# narrowing of the window (plotly's own figures do).
WIDTHS = (800, 1400)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.split("/")[-1].removesuffix(".ipynb"))
def test_no_text_box_overlaps_another_or_is_cut(page, lab, path):
    page.set_viewport_size({"width": WIDTHS[0], "height": 1000})
    open_notebook(page, lab, path)
    page.wait_for_timeout(1500)  # let the figures finish drawing
    stem = path.split("/")[-1].removesuffix(".ipynb")
    found = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 1000})
        page.wait_for_timeout(1200)  # figures and widgets relayout on resize
        found[width] = problems(page)
        shots = RESULTS / "layout"
        shots.mkdir(parents=True, exist_ok=True)
        own = page.locator(f"{NOTEBOOK} .ck-quiz, {NOTEBOOK} .js-plotly-plot, {NOTEBOOK} .ck-reader-widget")
        for index in range(own.count()):
            own.nth(index).screenshot(path=str(shots / f"{stem}-{width}-{index + 1:02d}.png"))
    report = [f"{width} px: {fault}" for width, faults in found.items() for fault in faults]
    assert report == [], "\n".join(report)

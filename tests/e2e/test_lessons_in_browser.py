"""The reader and the timeline explorer, as a student sees them in JupyterLab; no lesson shows an error."""

from __future__ import annotations

import pytest

from casekit import data, timeline
from casekit.lessons import LESSONS
from browser import open_notebook, screenshot

BROKEN = ["Error displaying widget", "Failed to load model class", "Traceback (most recent call last)",
          "Loading widget..."]


def output_of(page, source: str):
    """Return the output area of the code cell whose source is ``source``."""
    cell = page.locator(".jp-CodeCell", has=page.locator(".cm-content", has_text=source)).first
    return cell.locator(".jp-Cell-outputArea")


def test_reader_highlights_toggle_and_show_notes(page, lab):
    open_notebook(page, lab, "notebooks/01_reading_the_source.ipynb")
    reader = output_of(page, "source.reader()")
    view = reader.locator(".ck-view")
    view.locator("mark.ck-a[data-ann]").first.wait_for(timeout=30_000)
    annotations = data.load("annotations")
    assert view.locator("mark.ck-a[data-ann]").count() == len(annotations)
    screenshot(page, "reader", reader)
    kind = "translation_error"
    of_kind = int((annotations["kind"] == kind).sum())
    reader.locator(f".ck-toggle-{kind}").click()
    page.wait_for_function(f"() => document.querySelectorAll('.ck-view mark.ck-k-{kind}[data-ann]').length === 0")
    assert view.locator("mark.ck-a[data-ann]").count() == len(annotations) - of_kind
    reader.locator(f".ck-toggle-{kind}").click()
    page.wait_for_function(f"() => document.querySelectorAll('.ck-view mark.ck-k-{kind}[data-ann]').length === {of_kind}")
    mark = view.locator("mark.ck-k-factual_error[data-ann]").first
    mark.hover()
    assert mark.locator(":scope > .ck-tip").is_visible(), "hovering a highlight shows its note"
    screenshot(page, "reader-hover", reader)
    chosen = mark.get_attribute("data-ann")
    note = annotations.set_index("id").loc[chosen, "note"]
    mark.click()
    panel = reader.locator(".ck-panel", has_text=note[:40])
    panel.first.wait_for(timeout=15_000)
    assert "Sources:" in panel.first.inner_text()
    screenshot(page, "reader-note", reader)


def test_timeline_explorer_draws_markers_and_filters_them(page, lab):
    open_notebook(page, lab, "notebooks/02_timeline.ipynb")
    explorer = output_of(page, "timeline.explorer()")
    points = explorer.locator(".js-plotly-plot .scatterlayer path.point")
    points.first.wait_for(timeout=30_000)
    full = len(timeline.table())  # one marker per event shown
    assert points.count() == full
    screenshot(page, "timeline-explorer", explorer)
    explorer.locator("button", has_text="2022").first.click()
    only_2022 = len(timeline.table(preset="2022"))
    for _ in range(60):  # the figure redraws in place; wait until it has settled on the new count
        if points.count() == only_2022:
            break
        page.wait_for_timeout(250)
    assert points.count() == only_2022 != full
    screenshot(page, "timeline-explorer-2022", explorer)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.stem)
def test_no_lesson_shows_an_error_or_a_missing_widget(page, lab, lesson):
    open_notebook(page, lab, f"notebooks/{lesson.file}")
    page.wait_for_timeout(1500)
    text = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").inner_text()
    for sign in BROKEN:
        assert sign not in text, f"{lesson.stem}: '{sign}' is shown"
    errors = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    assert page.locator(errors).count() == 0
    screenshot(page, f"lesson-{lesson.stem}")

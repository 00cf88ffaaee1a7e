"""The reader and the timeline explorer, as a student sees them in JupyterLab; no lesson shows an error."""

from __future__ import annotations

import pytest
from browser import open_notebook, screenshot
from layout import problems

from casekit import data, source, timeline
from casekit.lessons import LESSONS

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
    toggle = reader.locator(f"button.ck-toggle-{kind}")
    assert toggle.get_attribute("aria-pressed") == "true"
    toggle.click()
    page.wait_for_function(f"() => document.querySelectorAll('.ck-view mark.ck-k-{kind}[data-ann]').length === 0")
    assert toggle.get_attribute("aria-pressed") == "false"
    assert view.locator("mark.ck-a[data-ann]").count() == len(annotations) - of_kind
    reader.locator(f".ck-toggle-{kind}").click()
    page.wait_for_function(f"() => document.querySelectorAll('.ck-view mark.ck-k-{kind}[data-ann]').length === {of_kind}")
    mark = view.locator("mark.ck-k-factual_error[data-ann]").first
    mark.hover()
    assert mark.locator(":scope > .ck-tip").is_visible(), "hovering a highlight shows its note"
    screenshot(page, "reader-hover", reader)
    # The note of the highlight furthest right in the column stays inside the column, on hover and on focus.
    rightmost = view.locator("mark.ck-a[data-ann]").evaluate_all(
        "marks => marks.map(m => m.getClientRects()).map(r => r[r.length - 1].right)")
    far = view.locator("mark.ck-a[data-ann]").nth(max(range(len(rightmost)), key=rightmost.__getitem__))
    far.scroll_into_view_if_needed()
    far.hover()
    assert far.locator(":scope > .ck-tip").is_visible()
    assert problems(page) == []
    screenshot(page, "reader-hover-right-edge", reader)
    page.mouse.move(0, 0)
    far.focus()
    assert far.locator(":scope > .ck-tip").is_visible()
    assert problems(page) == []
    chosen = mark.get_attribute("data-ann")
    note = annotations.set_index("id").loc[chosen, "note"]
    mark.click()
    panel = reader.locator(".ck-panel", has_text=note[:40])
    panel.first.wait_for(timeout=15_000)
    assert "Sources:" in panel.first.inner_text()
    screenshot(page, "reader-note", reader)


def test_reader_counts_one_paragraph_searches_and_keeps_the_focus(page, lab):
    open_notebook(page, lab, "notebooks/01_reading_the_source.ipynb")
    reader = output_of(page, "source.reader()")
    view = reader.locator(".ck-view")
    view.locator("mark.ck-a[data-ann]").first.wait_for(timeout=30_000)
    count = reader.locator(".ck-count")
    # The count line counts what is shown: one paragraph's highlights, and the matches in that paragraph.
    reader.locator("select").select_option(label="¶4")
    page.wait_for_function("() => document.querySelectorAll('.ck-view .ck-par').length === 1")
    in_4, _ = source.shown_counts(paragraph=4)
    assert view.locator("mark.ck-a[data-ann]").count() == in_4
    assert count.inner_text().startswith(f"{in_4} highlight"), count.inner_text()
    search = reader.locator("input[type=text]")
    search.fill("Politico")
    search.press("Enter")
    page.wait_for_function("() => document.querySelector('.ck-count').textContent.includes('Politico')")
    _, politico_in_4 = source.shown_counts(search="Politico", paragraph=4)
    assert view.locator("mark.ck-hit").count() == politico_in_4
    assert ("no match" in count.inner_text()) == (politico_in_4 == 0), count.inner_text()
    screenshot(page, "reader-paragraph-4-search", reader)
    # Searching the whole article scrolls the view to the first match.
    reader.locator("select").select_option(label="All paragraphs")
    search.fill("Putin")
    search.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('.ck-view mark.ck-hit').length > 0")
    page.wait_for_timeout(300)
    _, everywhere = source.shown_counts(search="Putin")
    assert view.locator("mark.ck-hit").count() == everywhere > 0
    hit, frame = view.locator("mark.ck-hit").first.bounding_box(), view.bounding_box()
    assert frame["y"] <= hit["y"] and hit["y"] + hit["height"] <= frame["y"] + frame["height"], "first match in view"
    screenshot(page, "reader-search-scrolled", reader)
    # Enter on a highlight opens its note and leaves the focus on it, so Tab goes on to the next one.
    search.fill("")
    search.press("Enter")
    marks = view.locator("mark.ck-a[data-ann]")
    tenth = marks.nth(9)
    chosen, following = tenth.get_attribute("data-ann"), marks.nth(10).get_attribute("data-ann")
    tenth.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => document.querySelector('.ck-view mark.ck-selected[data-ann=\"{chosen}\"]')")
    assert page.evaluate("() => document.activeElement.dataset.ann") == chosen
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.dataset.ann") == following
    screenshot(page, "reader-focus-after-enter", reader)


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

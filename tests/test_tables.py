"""Tables as a reader expects them: text left, numbers right, dates on one line, blanks for missing values."""

from __future__ import annotations

import re

import pandas as pd

from casekit import data, tables


def cells(page: str) -> list[tuple[str, str]]:
    """Return (style, text) of every data cell of an HTML table."""
    return re.findall(r'<td style="([^"]*)">(.*?)</td>', page)


def test_missing_values_are_blank_and_dates_stay_on_one_line():
    frame = pd.DataFrame({"date": pd.to_datetime(["2022-07-20", None]), "title": ["Aspen <forum>", pd.NA],
                          "paragraph": pd.array([2, None], dtype="Int64"), "share": [0.5, float("nan")]})
    page = tables.html(frame)
    for sign in ("NaT", "&lt;NA&gt;", "<NA>", "NaN", "None", "nan"):
        assert sign not in page
    row = cells(page)
    assert [text for _, text in row] == ["2022-07-20", "Aspen &lt;forum&gt;", "2", "0.5", "", "", "", ""]
    styles = [style for style, _ in row[:4]]
    assert "white-space: nowrap" in styles[0] and "text-align: left" in styles[0]
    assert "text-align: left" in styles[1] and "text-align: right" in styles[2] and "text-align: right" in styles[3]
    assert "<style" not in page  # styles are inline: they survive in an untrusted notebook


def test_the_kits_tables_render_the_same_every_time_and_say_when_cut():
    events = data.load("events")
    assert tables.html(events) == tables.html(events.copy())
    with pd.option_context("display.max_rows", 10):
        page = tables.html(events)
    assert page.count("<tr>") == 1 + 10 and f"Showing the first 10 of {len(events)} rows" in page


def test_use_sends_dataframes_through_html_in_ipython():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        tables.use()
        bundle, _ = shell.display_formatter.format(pd.DataFrame({"a": [None, "x"]}))
        assert "<td" in bundle["text/html"] and "None" not in bundle["text/html"]
        assert pd.get_option("display.max_colwidth") is None
    finally:
        shell.display_formatter.formatters["text/html"].pop(pd.DataFrame, None)
        pd.reset_option("display.max_colwidth")
        InteractiveShell.clear_instance()

"""How the lessons and exercises show a table: as a reader expects, not as a programmer's dump.

``use()`` (called once, in a notebook's first cell) makes every DataFrame in that notebook render through
``html``:

- long text is left-aligned and wraps between words, numbers stay right-aligned;
- a date is written ``2022-07-20`` and never split across two lines;
- a missing value is a blank cell, never ``NaT``, ``NaN``, ``None`` or ``<NA>``;
- long texts are shown in full (pandas' ``display.max_colwidth`` is lifted), and a table longer than
  ``display.max_rows`` shows its first rows and says how many there are.

>>> import pandas as pd
>>> frame = pd.DataFrame({"date": pd.to_datetime(["2022-07-20", None]), "title": ["Aspen", pd.NA]})
>>> page = html(frame)
>>> "2022-07-20" in page, "NaT" in page, "&lt;NA&gt;" in page
(True, False, False)

The styles sit on each cell, not in a <style> block: JupyterLab strips style blocks from the stored outputs of a
notebook it does not trust yet (an exercise as a student first opens it). The plain-text form (what a terminal or
a screen reader's text view shows) is pandas' own.
"""

from __future__ import annotations

import re


def html(frame) -> str:
    """Return ``frame`` as an HTML table: text left, numbers right, dates on one line, blanks for missing values."""
    import pandas as pd

    limit = pd.get_option("display.max_rows") or len(frame)
    shown = frame.head(limit)
    dates = [c for c in shown.columns if pd.api.types.is_datetime64_any_dtype(shown[c])]
    numbers = [c for c in shown.columns if pd.api.types.is_numeric_dtype(shown[c])
               and not pd.api.types.is_bool_dtype(shown[c])]
    formats = {c: _date_format(shown[c]) for c in dates}
    formats.update({c: "{:g}".format for c in numbers if pd.api.types.is_float_dtype(shown[c])})
    styler = shown.style.format(formats, na_rep="", escape="html").format_index(na_rep="", escape="html")
    styler = styler.set_uuid("ck").set_table_attributes('class="dataframe"')
    # Styles go inline, on each cell: JupyterLab drops <style> blocks from the stored outputs of a notebook it does
    # not trust yet (an exercise as a student first opens it), but keeps a cell's own style attribute.
    column = {j: "text-align: left; vertical-align: top;" for j in range(len(shown.columns))}
    for j, name in enumerate(shown.columns):
        if name in numbers:
            column[j] = "text-align: right; vertical-align: top;"
        elif name in dates:
            column[j] += " white-space: nowrap;"
    out = re.sub(r"<style type=\"text/css\">\s*</style>\s*", "", styler.to_html())
    out = re.sub(r'<td id="[^"]*" class="data row\d+ col(\d+)" >',
                 lambda m: f'<td style="{column[int(m.group(1))]}">', out)
    out = re.sub(r'<th id="[^"]*" class="([^"]*)" >', r'<th class="\1" style="text-align: left; vertical-align: top;">',
                 out)
    out = re.sub(r'<th class="(blank[^"]*|index_name[^"]*)" >', r'<th class="\1" style="text-align: left;">', out)
    if len(frame) > len(shown):
        out += f"<p>Showing the first {len(shown)} of {len(frame)} rows ({len(frame.columns)} columns).</p>"
    return out


def _date_format(column):
    """Return a formatter for a date column: the day alone, or day and time where a time is recorded."""
    with_time = bool((column.dropna().dt.normalize() != column.dropna()).any())
    pattern = "%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d"
    import pandas as pd

    return lambda value: "" if pd.isna(value) else value.strftime(pattern)


def use() -> None:
    """Show this notebook's DataFrames through ``html``, with long texts in full. Does nothing outside IPython."""
    import pandas as pd

    pd.set_option("display.max_colwidth", None)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the kit's dependencies
        return
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, html)

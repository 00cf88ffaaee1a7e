"""Who said what, when: the statements the article quotes or paraphrases, one row per speaker, and the table twin.

Each point is one statement; its symbol says whether the article quotes the words or paraphrases them, and its
hover sets the article's words beside the original's (or says the original was not retrieved).

>>> [trace.name for trace in statements_figure().data]
['direct quote', 'paraphrase']
"""

from __future__ import annotations

import datetime as dt
import html

from casekit import data, palette
from casekit.timeline.dates import day_text
from casekit.timeline.style import (AXIS, GRID, LAYOUT, RULE, STATUS_NAMES, blank, iso, legend_below, legend_height,
                                    stack, title, title_height, wrap)

# Mode -> (legend name, symbol, colour): a quote is a filled dot, a paraphrase an open diamond.
MODE_MARKS = {"direct": ("direct quote", "circle", palette.BLUE),
              "paraphrase": ("paraphrase", "diamond-open", palette.VERMILLION)}


def _quoted(words) -> str:
    """Return words in curly quotes, wrapped for a hover box."""
    return "“" + wrap(words) + "”"


def _statement_hover(row, speaker: str) -> str:
    """Return the hover text of one statement: when, who, where, the article's words and the original's."""
    original = row.get("original_wording")
    if blank(original) or not str(original).strip():
        original_line = "<i>Original wording:</i> not retrieved"
    else:
        language = row.get("original_language")
        language = "" if blank(language) else f" ({language})"
        original_line = f"<i>Original wording{language}:</i><br>{_quoted(original)}"
    lines = [f"<b>{day_text(row['date'])} · {html.escape(speaker)}</b> ({MODE_MARKS[str(row['mode'])][0]})",
             "<i>Venue:</i> " + wrap(row["venue"]), "<i>Outlet:</i> " + wrap(row["outlet"]),
             f"<i>The article's words (paragraph {row['article_paragraph']}):</i><br>{_quoted(row['article_wording'])}",
             original_line, f"<i>Status:</i> {STATUS_NAMES.get(str(row['status']), str(row['status']))}"]
    note = row.get("note")
    if not blank(note) and str(note).strip():
        lines.append("<i>Notice:</i> " + wrap(note))
    return "<br>".join(lines)


def _speakers(statements, actors=None) -> dict[str, str]:
    """Return the name of each speaker id, from the actors table (the id itself where no actor matches)."""
    actors = data.load("actors") if actors is None else actors
    names = dict(zip(actors["id"], actors["name"]))
    return {s: names.get(s, s) for s in statements["speaker"]}


def _bands(rows, order: list[str]) -> tuple[list[float], list[float], list[float], float]:
    """Return each statement's y, each speaker's tick, the lines between speakers and the bottom of the last band.

    A speaker's band is as tall as the number of statements that would otherwise overlap, so none hides another.
    """
    first, last = (rows["date"].min(), rows["date"].max()) if len(rows) else (None, None)
    gap = max((last - first).days, 30) * 0.015 if len(rows) else 0
    y, ticks, borders, top = [0.0] * len(rows), [], [], 0.0
    for speaker in order:
        group = rows[rows["speaker"] == speaker]
        days = list((group["date"] - first).dt.days)
        sub = stack(days, days, gap)
        for index, row in zip(group.index, sub):
            y[index] = top + row * 0.6
        ticks.append(top + max(sub) * 0.3)
        top += max(sub) * 0.6 + 1.2
        borders.append(top - 0.6)
    return y, ticks, borders, top


def statements_figure(statements=None):
    """Return who said what, when: one point per statement, a row per speaker, the symbol telling the mode."""
    import plotly.graph_objects as go

    statements = data.load("statements") if statements is None else statements
    rows = statements.sort_values(["date", "id"], kind="stable").reset_index(drop=True)
    names = _speakers(rows)
    order = list(dict.fromkeys(rows["speaker"]))
    first, last = (rows["date"].min(), rows["date"].max()) if len(rows) else (None, None)
    y, ticks, borders, top = _bands(rows, order)
    traces = []
    for mode, (label, symbol, colour) in MODE_MARKS.items():
        chosen = rows[rows["mode"].astype("string") == mode]
        traces.append({"type": "scatter", "mode": "markers", "name": label, "x": iso(chosen["date"]),
                       "y": [y[i] for i in chosen.index], "customdata": list(chosen["id"]),
                       "hovertext": [_statement_hover(r, names[r["speaker"]]) for r in chosen.to_dict("records")],
                       "hoverinfo": "text", "marker": {"symbol": symbol, "size": 12, "color": colour,
                                                       "line": {"width": 2, "color": colour}}})
    axis = {"type": "date", "title": {"text": "Date"}, "gridcolor": GRID, "linecolor": AXIS, "ticks": "outside",
            "tickangle": 0, "tickformat": "%b<br>%Y"}
    if len(rows):
        pad = max(last - first, dt.timedelta(days=30)) * 0.04
        axis["range"] = [f"{first - pad:%Y-%m-%d}", f"{last + pad:%Y-%m-%d}"]
    heading = title("Who said what, when: the statements the article quotes or paraphrases",
                    "One point per statement, a row per speaker. Hover a point for the outlet, the article's "
                    "words and the original's.")
    # Under the plot: the dates (two lines), the axis title, then the key.
    margin_top, bottom, plot = title_height(heading) + 8, 84 + legend_height(len(MODE_MARKS)), max(220, int(34 * top))
    layout = {
        **LAYOUT,
        "title": heading,
        "xaxis": axis,
        "yaxis": {"tickmode": "array", "tickvals": ticks, "ticktext": [wrap(names[s], 24) for s in order],
                  "range": [top - 0.6, -0.6], "zeroline": False, "showgrid": False, "fixedrange": True},
        "shapes": [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": t, "y1": t,
                    "line": {"color": RULE, "width": 1}, "layer": "below"} for t in borders[:-1]],
        "legend": {**legend_below(plot, 84), "title": {"text": "How the article gives it", "side": "top"}},
        "hovermode": "closest",
        "height": margin_top + plot + bottom,
        "margin": {"l": 180, "r": 30, "t": margin_top, "b": bottom},
    }
    return go.Figure({"data": traces, "layout": layout})


def statements_table(statements=None):
    """Return the statements as a readable table: date, speaker by name, venue, outlet, mode and both wordings."""
    import pandas as pd

    statements = data.load("statements") if statements is None else statements
    rows = statements.sort_values(["date", "id"], kind="stable").reset_index(drop=True)
    names = _speakers(rows)
    return pd.DataFrame({
        "id": rows["id"], "date": [day_text(d) for d in rows["date"]], "speaker": rows["speaker"].map(names),
        "venue": rows["venue"], "outlet": rows["outlet"], "mode": rows["mode"].astype("string"),
        "article wording": rows["article_wording"], "article paragraph": rows["article_paragraph"],
        "original wording": rows["original_wording"], "status": rows["status"].astype("string"),
    })

"""The look every timeline shares: colours from ``casekit.palette``, fonts, titles, hover text and doubt marks.

The figures of this package take their colours, their two-line titles and their hover-text wrapping from here, so
that a change of style is made once. Nothing here reads data.

>>> PALETTE["treaty"] == palette.BLUE
True
>>> wrap("Talks & <dinner>", 10)
'Talks &amp;<br>&lt;dinner&gt;'
"""

from __future__ import annotations

import html
import textwrap
from typing import Any

from casekit import palette

# One colour per event category (the palette's yellow is left out: too pale on white).
PALETTE = {
    "treaty": palette.BLUE,
    "diplomacy": palette.BLUISH_GREEN,
    "conflict": palette.VERMILLION,
    "statement": palette.ORANGE,
    "personnel": palette.REDDISH_PURPLE,
    "context": palette.SKY_BLUE,
}
OTHER_COLOUR = palette.GREY
INK = palette.BLACK
# Neutral shades for text, notes, grid lines and rules.
TEXT = "#222222"
NOTE = "#444444"
FAINT = "#555555"
AXIS = "#888888"
RULE = "#D0D0D0"
GRID = "#E5E5E5"
WHITE = "#FFFFFF"

# How doubt is drawn: a disputed event is an open diamond, one still to verify an open circle.
STATUS_MARKS = {"disputed": "diamond-open", "to_verify": "circle-open"}
STATUS_NAMES = {"disputed": "disputed", "to_verify": "to verify"}

WRAP = 72
LAYOUT = {
    "template": {},
    "font": {"family": "Arial, Helvetica, sans-serif", "size": 13, "color": TEXT},
    "paper_bgcolor": WHITE,
    "plot_bgcolor": WHITE,
    "hoverlabel": {"align": "left", "bgcolor": WHITE, "font": {"size": 12, "color": TEXT}},
}


def blank(value) -> bool:
    """Return True for a missing cell: None, NaN, NaT or pandas' NA."""
    import pandas as pd

    return value is None or (not isinstance(value, (list, tuple)) and bool(pd.isna(value)))


# Figures are drawn as wide as the notebook's column, which at 800 px with the file browser open is about 380 px:
# titles, explanations and notes are wrapped to fit that (plotly never wraps text itself), and placed from the
# figure's own edges, so that nothing is cut off or drawn over something else at any width.
TITLE_SIZE, EXPLANATION_SIZE, NOTE_SIZE = 16, 12, 11
TITLE_WRAP, EXPLANATION_WRAP, NOTE_WRAP = 38, 54, 62
_LINE = {TITLE_SIZE: 21, EXPLANATION_SIZE: 16, NOTE_SIZE: 14}  # px per line of text at each size
_PAD = 22  # plotly sets a title's first line a little above its anchor: this keeps it inside the figure


def lines(text: str, width: int) -> list[str]:
    """Return ``text`` (plain, or with ``<br>`` where a line must break) wrapped to ``width`` characters."""
    return [line for part in text.split("<br>") for line in (textwrap.wrap(part, width) or [""])]


def title(text: str, explanation: str) -> dict[str, Any]:
    """Return a figure title with a smaller explanation under it, wrapped to fit a narrow column, placed from the
    figure's top left corner (plain title text, so every renderer and the FigureWidget place it alike).

    ``title_height`` gives the room it takes, for the figure's top margin.
    """
    head = "<br>".join(lines(text, TITLE_WRAP))
    body = "<br>".join(lines(explanation, EXPLANATION_WRAP))
    return {"text": f"{head}<br><span style='font-size:{EXPLANATION_SIZE}px;color:{NOTE}'>{body}</span>",
            "font": {"size": TITLE_SIZE}, "xref": "container", "x": 0, "xanchor": "left",
            "yref": "container", "y": 1, "yanchor": "top", "pad": {"t": _PAD, "l": 8}}


def title_height(spec: dict[str, Any]) -> int:
    """Return the pixels a ``title`` takes from the figure's top edge, padding included."""
    head, _, body = spec["text"].partition("<span")
    return _PAD + _LINE[TITLE_SIZE] * (head.count("<br>")) + _LINE[EXPLANATION_SIZE] * (body.count("<br>") + 1) + 6


def note_height(text: str) -> int:
    """Return the pixels a note of ``NOTE_SIZE`` text with these ``<br>`` line breaks takes."""
    return _LINE[NOTE_SIZE] * (text.count("<br>") + 1) + 4


LEGEND_ROW = 30  # px per entry of a vertical legend (plotly spaces them so, with 12-px markers)


def legend_below(plot_height: int, offset: int) -> dict[str, Any]:
    """Return a legend ``offset`` px under the plot area, from its left edge, one entry to a line.

    One entry to a line keeps the legend as tall at every width, so the figure can reserve its room and nothing
    moves when the window is resized (a legend laid out in rows wraps differently at each width, and plotly
    misplaces it after a resize); placed from the figure's edge instead, it would push the plot to the right.
    ``legend_height`` gives the room it takes.
    """
    return {"orientation": "v", "x": 0, "xanchor": "left", "yref": "paper", "y": -offset / plot_height,
            "yanchor": "top", "itemsizing": "constant", "title": {"side": "top"}}


def legend_height(entries: int, titled: bool = True) -> int:
    """Return the pixels a ``legend_below`` of ``entries`` entries (and a title line) takes."""
    return LEGEND_ROW * (entries + titled) + 10


def wrap(text, width: int = WRAP) -> str:
    """Return ``text`` escaped for a plotly hover box, wrapped with <br> every ``width`` characters or so."""
    return "<br>".join(html.escape(line, quote=False) for line in textwrap.wrap(str(text), width)) if text else ""


def iso(stamps) -> list[str]:
    """Return dates as 'YYYY-MM-DD' strings, which plotly reads as dates and which serialise the same every time."""
    return [f"{s:%Y-%m-%d}" for s in stamps]


def stack(starts, stops, gap: float) -> list[int]:
    """Return a sub-row for each interval (sorted by start) so that intervals closer than ``gap`` never share one."""
    ends: list[float] = []
    rows = []
    for first, last in zip(starts, stops):
        for row, end in enumerate(ends):
            if first > end + gap:
                ends[row] = last
                rows.append(row)
                break
        else:
            ends.append(last)
            rows.append(len(ends) - 1)
    return rows

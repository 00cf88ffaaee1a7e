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


def title(text: str, explanation: str) -> dict[str, Any]:
    """Return a figure title with a smaller explanatory line under it (plain title text, so every renderer and
    the FigureWidget place the two lines together)."""
    return {"text": f"{text}<br><span style='font-size:12px;color:{NOTE}'>{explanation}</span>", "x": 0.01,
            "xanchor": "left"}


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

"""Allies or not? Two alliance datasets, ATOP 5.1 and COW 4.1, year by year for China and the USSR/Russia.

``alliance_figure`` sets Qin Gang's "not allies" against the obligations each dataset records; ``alliance_table``
is its text twin. The grid's rows are the obligation columns of ``alliances.csv`` as ``datapackage.json`` describes
them: each names its ``dataset`` (whose years are the resource's ``coverage``) and its ``title`` (the row label),
and its ``description`` is what the row's hover says the promise means.

>>> [o.label for o in obligations()][:2]
['ATOP defence', 'ATOP offence']
>>> alliance_table().loc[1955, "ATOP defence"]
'recorded'
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from casekit import data, palette
from casekit.timeline.dates import date_text
from casekit.timeline.style import (AXIS, INK, LAYOUT, NOTE, NOTE_SIZE, NOTE_WRAP, TEXT, WHITE, blank, legend_below,
                                    legend_height, lines, note_height, title, title_height, wrap)

YEARS = (1949, 2018)
MARKS = ("e1950_treaty_in_force", "e2001_treaty_signed")
STATES = {True: "recorded", False: "not recorded", None: "no data"}
COLOURS = {"recorded": palette.BLUE, "not recorded": "#E4E4E4", "no data": WHITE}
# The datasets, keyed as datapackage.json keys their coverage: the name a note uses, the name the credit uses and
# the row of sources.csv the credit cites.
DATASETS = {"atop": ("ATOP 5.1", "ATOP 5.1", "atop_5_1"), "cow": ("COW 4.1", "COW Formal Alliances 4.1", "cow_4_1")}


@dataclass(frozen=True)
class Obligation:
    """One obligation column of alliances.csv: its name, its row label, what it means, its dataset and years."""

    column: str
    label: str
    meaning: str
    dataset: str
    coverage: tuple[int, int]


def obligations() -> list[Obligation]:
    """Return the obligation columns of alliances.csv, in the descriptor's order, with what the grid needs."""
    resource = data.resource_of("alliances")
    coverage = resource.spec.get("coverage", {})
    return [Obligation(f.name, f.spec.get("title", f.name), f.spec.get("description", ""), f.spec["dataset"],
                       tuple(coverage.get(f.spec["dataset"], YEARS)))
            for f in resource.fields if "dataset" in f.spec]


def _states(alliances=None, columns=None) -> dict[str, list[str]]:
    """Return, for each obligation's label, its state in each year 1949-2018: recorded, not recorded or no data."""
    alliances = data.load("alliances") if alliances is None else alliances
    by_year = {int(r["year"]): r for r in alliances.to_dict("records")}
    years = range(YEARS[0], YEARS[1] + 1)
    states = {}
    for obligation in obligations() if columns is None else columns:
        first, last = obligation.coverage
        # Inside a dataset's coverage, a missing row or a blank cell means it records no alliance that year;
        # outside its coverage the dataset says nothing: no data.
        values = [None if not first <= y <= last else
                  (False if y not in by_year or blank(by_year[y][obligation.column])
                   else bool(by_year[y][obligation.column]))
                  for y in years]
        states[obligation.label] = [STATES[v] for v in values]
    return states


def alliance_table(alliances=None):
    """Return a year-by-obligation table of the ATOP/COW codes 1949-2018: recorded, not recorded or no data."""
    import pandas as pd

    states = _states(alliances)
    years = pd.Index(range(YEARS[0], YEARS[1] + 1), name="year")
    return pd.DataFrame(states, index=years)


def _year_fraction(stamp) -> float:
    """Return a date as a fractional year on an axis whose cells are centred on whole years."""
    length = 366 if stamp.is_leap_year else 365
    return round(stamp.year - 0.5 + (stamp.day_of_year - 1) / length, 4)


def _runs(years: list[int]) -> str:
    """Return consecutive years written as ranges: '1992–1995, 2013–2018'."""
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{r[0]}" if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def _marks(events, ids) -> tuple[list[dict], list[dict], list[str]]:
    """Return shapes, tags and key lines marking the events ``ids`` (a period as a bracket, a day as a line).

    Over the grid each event gets only a letter (A, B, …), which never runs into its neighbour however narrow the
    figure; the note under the grid says what each letter is.
    """
    shapes, labels, key = [], [], []
    known = events.set_index("id") if events is not None else None
    for event_id in ids:
        if known is None or event_id not in known.index:
            continue
        event = known.loc[event_id]
        x0 = _year_fraction(event["date"])
        has_end = not blank(event["end_date"])
        x1 = _year_fraction(event["end_date"]) if has_end else x0
        dash = {"color": INK, "width": 1.5, "dash": "dash"}
        for x in sorted({x0, x1}):
            shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1.04,
                           "line": dash})
        if x1 > x0:
            shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": x0, "x1": x1, "y0": 1.04, "y1": 1.04,
                           "line": {"color": INK, "width": 1.5}})
        tag = chr(ord("A") + len(key))
        when = date_text(event["date"], event["end_date"] if has_end else None, str(event["precision"]))
        labels.append({"text": f"<b>{tag}</b>", "x": (x0 + x1) / 2, "xref": "x", "y": 1.05, "yref": "paper",
                       "yanchor": "bottom", "xanchor": "center", "showarrow": False, "font": {"size": 12}})
        key.append(f"{tag}: {html.escape(event['title'])}, {when}.")
    return shapes, labels, key


def _citation(sources=None) -> str:
    """Return the figure's data credit, naming the ATOP and COW sources as sources.csv gives them."""
    sources = data.load("sources") if sources is None else sources
    by_id = sources.set_index("id")
    parts = []
    for _, credit, source_id in DATASETS.values():
        author = by_id.loc[source_id, "author"] if source_id in by_id.index else None
        parts.append(credit if blank(author) else f"{credit} ({author})")
    ids = ", ".join(source_id for *_, source_id in DATASETS.values())
    return "Data: " + "; ".join(parts) + f" (sources.csv: {ids})."


def _note(columns: list[Obligation], states: dict[str, list[str]], years: list[int], key: list[str],
          plot: int, offset: int) -> dict[str, Any]:
    """Return the note ``offset`` px under the grid, from the figure's left edge: what the letters over the grid
    mark, where data is missing, where nothing is recorded, and the data credit; wrapped to fit a narrow figure."""
    gaps = []
    for dataset in dict.fromkeys(o.dataset for o in columns):
        first = next(o for o in columns if o.dataset == dataset)
        missing = [y for y, s in zip(years, states[first.label]) if s == "no data"]
        if missing:
            gaps.append(f"{DATASETS.get(dataset, (dataset,))[0]} does not cover {_runs(missing)}")
    none_recorded = [y for i, y in enumerate(years) if all(row[i] != "recorded" for row in states.values())]
    explain = (f"Blank: no data ({'; '.join(gaps)}). " if gaps else "") + \
        f"No obligation recorded in either dataset: {_runs(none_recorded) or 'none'}."
    text = "<br>".join(line for part in (*key, explain, _citation()) for line in lines(part, NOTE_WRAP))
    return {"text": text, "xref": "paper", "yref": "paper", "x": 0, "xshift": -MARGIN_LEFT + 8, "y": -offset / plot,
            "xanchor": "left", "yanchor": "top", "showarrow": False, "align": "left",
            "font": {"size": NOTE_SIZE, "color": NOTE}}


HEADING = title("“Not allies”? What two alliance datasets record for China and the USSR/Russia, 1949–2018",
                "Each row is one kind of treaty promise; blue where a dataset records it for that year. Hover a "
                "cell for what the promise means.")
MARGIN_LEFT = 160
ROW = 26  # px per obligation row
# Under the grid: the years (26 px, never turned on end), the key, then the note.
LEGEND_AT, NOTE_AT = 30, 30 + legend_height(len(COLOURS), titled=False)


def _layout(labels: list[str], shapes: list[dict], notes: list[dict]) -> dict[str, Any]:
    """Return the alliance grid's layout: a title that asks the question, one row per obligation, the notes."""
    top = title_height(HEADING) + 30  # room for the letters over the grid
    plot = ROW * len(labels)
    bottom = NOTE_AT + note_height(notes[-1]["text"]) + 6
    return {
        **LAYOUT,
        "title": HEADING,
        "xaxis": {"range": [YEARS[0] - 0.5, YEARS[1] + 0.5], "tick0": 1950, "dtick": 20, "tickangle": 0,
                  "ticks": "outside",
                  "showgrid": False, "fixedrange": True},
        "yaxis": {"range": [len(labels) - 0.5, -0.5], "tickmode": "array", "tickvals": list(range(len(labels))),
                  "ticktext": labels, "fixedrange": True, "showgrid": False, "zeroline": False},
        "shapes": shapes,
        "annotations": notes,
        "legend": legend_below(plot, LEGEND_AT),
        "height": top + plot + bottom,
        "margin": {"l": MARGIN_LEFT, "r": 30, "t": top, "b": bottom},
    }


def alliance_figure(alliances=None, events=None, marks=MARKS):
    """Return the ATOP/COW obligation codes for China and the USSR/Russia by year 1949-2018, as a grid.

    Blue: the obligation is recorded that year; grey: not recorded; blank: no data (COW 4.1 stops in 2012). Inside a
    dataset's years, a missing row means it records no alliance, as the data's README explains. ``marks`` are ids
    of events drawn over the grid (by default the 1950 treaty's term and the 2001 treaty's signing).
    """
    import plotly.graph_objects as go

    columns = obligations()
    states = _states(alliances, columns)
    if marks and events is None:
        events = data.load("events")
    years = list(range(YEARS[0], YEARS[1] + 1))
    value = {"recorded": 1, "not recorded": 0, "no data": None}
    why = {"no data": "no data (the dataset does not cover this year)"}
    # One heatmap row per obligation, so that its meaning is written once, in the row's hover template.
    rows = [{"type": "heatmap", "name": o.label, "x": years, "y": [row], "z": [[value[s] for s in states[o.label]]],
             "text": [[why.get(s, s) for s in states[o.label]]], "zmin": 0, "zmax": 1, "showscale": False,
             "xgap": 1, "ygap": 2, "hoverongaps": True,
             "colorscale": [[0, COLOURS["not recorded"]], [0.5, COLOURS["not recorded"]],
                            [0.5, COLOURS["recorded"]], [1, COLOURS["recorded"]]],
             "hovertemplate": f"<b>%{{x}} · {html.escape(o.label)}: %{{text}}</b><br>{wrap(o.meaning, 60)}"
                              "<extra></extra>"}
            for row, o in enumerate(columns)]
    keys = [{"type": "scatter", "mode": "markers", "name": state, "x": [None], "y": [None], "hoverinfo": "skip",
             "marker": {"symbol": "square", "size": 14, "color": colour, "line": {"color": AXIS, "width": 1}}}
            for state, colour in COLOURS.items()]
    shapes, notes, key = _marks(events, marks or ())
    notes.append(_note(columns, states, years, key, ROW * len(columns), NOTE_AT))
    # A rule between the datasets' rows.
    for row in range(1, len(columns)):
        if columns[row].dataset != columns[row - 1].dataset:
            shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": row - 0.5,
                           "y1": row - 0.5, "line": {"color": TEXT, "width": 2}})
    layout = _layout([o.label for o in columns], shapes, notes)
    return go.Figure({"data": [*rows, *keys], "layout": layout})

"""Timelines of the case: the events 1949-2023, the statements the article quotes, and the alliance codes.

Every figure here is built by a *pure* function from a DataFrame (by default the kit's own table, read with
``casekit.data.load``), so a test or a notebook can pass its own rows. Each figure has a table twin with the
same rows, for screen readers and for print.

**One lane per kind of event.** ``figure`` draws each event in the lane of its category, always in the order the
data package lists them; a lane stays on screen even when a filter empties it, so the picture does not jump:

>>> from casekit import timeline
>>> fig = timeline.figure(preset="2022")
>>> fig.layout.yaxis.ticktext
('treaty', 'diplomacy', 'conflict', 'statement', 'personnel', 'context')

**A date is only as exact as its source.** An event known to the day is a dot; one known only to the month or the
year, or one that lasts (a visit, a treaty's term), is a bar over the whole period, and its date is written at
the precision that is known:

>>> import pandas as pd
>>> date_text(pd.Timestamp("2022-07-20"), None, "day")
'20 July 2022'
>>> date_text(pd.Timestamp("1994-09-01"), None, "month")
'September 1994'
>>> date_text(pd.Timestamp("1961-01-01"), pd.Timestamp("1963-01-01"), "year")
'1961–1963'

**Doubt is drawn, not hidden.** A *disputed* event (the sources disagree) is an open diamond, an event still *to
verify* an open circle; hovering any marker names its sources by publisher. ``select`` is the one filter that
the figure, the table and the explorer share, so they always show the same events:

>>> shown = timeline.table(preset="2022", categories=["statement"])
>>> set(shown["category"]) <= {"statement"}
True
>>> list(shown.columns)
['id', 'date', 'category', 'title', 'description', 'sources', 'status', 'article paragraph']

**Allies or not?** ``alliance_figure`` sets Qin Gang's "not allies" against two alliance datasets, ATOP 5.1 and
COW 4.1, year by year; ``alliance_table`` is its text twin:

>>> codes = timeline.alliance_table()
>>> codes.loc[1955, "ATOP defence"], codes.loc[1985, "ATOP defence"], codes.loc[2015, "COW entente"]
('recorded', 'not recorded', 'no data')

``explorer()`` wraps the events figure in controls (years, categories, actors) for JupyterLab; clicking a marker
of an event the article mentions shows that paragraph of the article underneath.
"""

from __future__ import annotations

import datetime as dt
import html
import textwrap
from typing import Any

from casekit import anchors, data, locate, schema

# Okabe & Ito's colour-blind-safe palette, one colour per category (yellow is left out: too pale on white).
PALETTE = {
    "treaty": "#0072B2",
    "diplomacy": "#009E73",
    "conflict": "#D55E00",
    "statement": "#E69F00",
    "personnel": "#CC79A7",
    "context": "#56B4E9",
}
OTHER_COLOUR = "#999999"
INK = "#000000"
PRESETS = {"1949-2023": ("1949-01-01", "2023-12-31"), "2022": ("2022-01-01", "2022-12-31")}
STATUS_MARKS = {"disputed": "diamond-open", "to_verify": "circle-open"}
STATUS_NAMES = {"disputed": "disputed", "to_verify": "to verify"}
MODE_MARKS = {"direct": ("direct quote", "circle", "#0072B2"), "paraphrase": ("paraphrase", "diamond-open", "#D55E00")}
OBLIGATIONS = {
    "atop_defense": "ATOP defence",
    "atop_offense": "ATOP offence",
    "atop_neutral": "ATOP neutrality",
    "atop_nonagg": "ATOP non-aggression",
    "atop_consul": "ATOP consultation",
    "cow_defense": "COW defence",
    "cow_neutral": "COW neutrality",
    "cow_nonagg": "COW non-aggression",
    "cow_entente": "COW entente",
}
ALLIANCE_YEARS = (1949, 2018)
ALLIANCE_MARKS = ("e1950_treaty_in_force", "e2001_treaty_signed")
ALLIANCE_STATES = {True: "recorded", False: "not recorded", None: "no data"}
ALLIANCE_COLOURS = {"recorded": "#0072B2", "not recorded": "#E4E4E4", "no data": "#FFFFFF"}
_WRAP = 72
_STYLE = {
    "template": {},
    "font": {"family": "Arial, Helvetica, sans-serif", "size": 13, "color": "#222222"},
    "paper_bgcolor": "#FFFFFF",
    "plot_bgcolor": "#FFFFFF",
    "hoverlabel": {"align": "left", "bgcolor": "#FFFFFF", "font": {"size": 12, "color": "#222222"}},
}


def _blank(value) -> bool:
    """Return True for a missing cell: None, NaN, NaT or pandas' NA."""
    import pandas as pd

    return value is None or (not isinstance(value, (list, tuple)) and bool(pd.isna(value)))


# --- dates -------------------------------------------------------------------------------------------------------

def _day(stamp) -> str:
    """Return a day written out: '20 July 2022'."""
    return f"{stamp.day} {stamp:%B %Y}"


def date_text(date, end_date=None, precision: str = "day") -> str:
    """Return a date (or period) written at its precision: '20 July 2022', 'September 1994', '1961–1963'."""
    import pandas as pd

    date = pd.Timestamp(date)
    end = None if _blank(end_date) else pd.Timestamp(end_date)
    if precision == "year":
        return f"{date.year}" if end is None or end.year == date.year else f"{date.year}–{end.year}"
    if precision == "month":
        if end is None or (end.year, end.month) == (date.year, date.month):
            return f"{date:%B %Y}"
        return f"{date:%B}–{end:%B %Y}" if end.year == date.year else f"{date:%B %Y} – {end:%B %Y}"
    if end is None or end == date:
        return _day(date)
    if (end.year, end.month) == (date.year, date.month):
        return f"{date.day}–{end.day} {end:%B %Y}"
    if end.year == date.year:
        return f"{date.day} {date:%B} – {_day(end)}"
    return f"{_day(date)} – {_day(end)}"


def _spans(events):
    """Return each event's first and last day: a period runs to its end_date, or to the end of its month or year."""
    import pandas as pd

    start = events["date"]
    last = events["end_date"].fillna(start) if "end_date" in events else start
    precision = events["precision"].astype("string") if "precision" in events else pd.Series("day", events.index)
    stop = last.copy()
    for unit, period in (("month", "M"), ("year", "Y")):
        rows = precision == unit
        if rows.any():
            stop[rows] = last[rows].dt.to_period(period).dt.end_time.dt.normalize().astype(last.dtype)
    return start, stop


def _when(value, end: bool = False):
    """Return a Timestamp for a date, a 'YYYY-MM-DD' string or a year; a year's end is its 31 December."""
    import pandas as pd

    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        year = int(value)
        return pd.Timestamp(year=year, month=12, day=31) if end else pd.Timestamp(year=year, month=1, day=1)
    return pd.Timestamp(value).normalize()


def window(start=None, end=None, preset=None):
    """Return the (first, last) day shown: a preset's, the whole 1949-2023 by default, overridden by start/end."""
    if preset is not None:
        key = str(preset).replace("–", "-")
        if key not in PRESETS:
            raise ValueError(f"no preset {preset!r}; the presets are: {', '.join(PRESETS)}")
        first, last = PRESETS[key]
    else:
        first, last = PRESETS["1949-2023"]
    first = _when(first if start is None else start)
    last = _when(last if end is None else end, end=True)
    if last < first:
        raise ValueError(f"the window ends ({last.date()}) before it starts ({first.date()})")
    return first, last


def _window_text(first, last) -> str:
    """Return a window for a title: '2022', '1949–2023', or its first and last days."""
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31):
        return f"{first.year}" if first.year == last.year else f"{first.year}–{last.year}"
    return date_text(first, last, "day")


# --- the shared filter -------------------------------------------------------------------------------------------

def lanes() -> list[str]:
    """Return the event categories in the order the data package lists them: one lane each."""
    return list(schema.resources(locate.data_dir())["events"].field("category").enum)


def select(events, start=None, end=None, categories=None, actors=None, preset=None):
    """Return the events that overlap the window, are of one of the categories and involve one of the actors.

    ``start``/``end`` are dates or years and override the ``preset`` ("1949-2023" or "2022"). ``actors`` are actor
    ids; an event is kept when any of its actors is among them. None means no filter.
    """
    first, last = window(start, end, preset)
    begin, stop = (events["first_day"], events["last_day"]) if "last_day" in events else _spans(events)
    keep = (begin <= last) & (stop >= first)
    if categories is not None:
        categories = [categories] if isinstance(categories, str) else list(categories)
        unknown = sorted(set(categories) - set(lanes()))
        if unknown:
            raise ValueError(f"unknown categories {unknown}; the categories are: {', '.join(lanes())}")
        keep &= events["category"].astype("string").isin(categories).fillna(False)
    if actors is not None:
        wanted = {actors} if isinstance(actors, str) else set(actors)
        keep &= events["actors"].map(lambda ids: bool(wanted.intersection(ids or [])))
    return events[keep.astype(bool)]


# --- the events figure -------------------------------------------------------------------------------------------

def _title(title: str, explanation: str) -> dict[str, Any]:
    """Return a figure title with a smaller explanatory line under it (plain title text, so every renderer and
    the FigureWidget place the two lines together)."""
    return {"text": f"{title}<br><span style='font-size:12px;color:#444444'>{explanation}</span>", "x": 0.01,
            "xanchor": "left"}


def _wrap(text, width: int = _WRAP) -> str:
    """Return ``text`` escaped for a plotly hover box, wrapped with <br> every ``width`` characters or so."""
    return "<br>".join(html.escape(line, quote=False) for line in textwrap.wrap(str(text), width)) if text else ""


def _publishers(ids, names: dict[str, str]) -> list[str]:
    """Return the publishers of the sources ``ids``, each once, in the order cited."""
    return list(dict.fromkeys(names.get(i, i) for i in (ids or [])))


def _hover(event, publishers: list[str]) -> str:
    """Return the hover text of one event: title, date, description, sources, status and article paragraph."""
    lines = [f"<b>{_wrap(event['title'])}</b>",
             f"{event['when']} · {event['category']}",
             _wrap(event["description"]),
             "<i>Sources:</i> " + _wrap("; ".join(publishers))]
    if event["status"] in STATUS_NAMES:
        note = event.get("status_note")
        note = "" if _blank(note) else ": " + str(note)
        lines.append(f"<b>{STATUS_NAMES[event['status']].upper()}</b>" + _wrap(note))
    paragraph = event.get("article_paragraph")
    if not _blank(paragraph):
        lines.append(f"<i>The article mentions it in paragraph {int(paragraph)}.</i>")
    return "<br>".join(line for line in lines if line)


def _prepare(events=None, sources=None):
    """Return the events sorted by date with what the figure needs: span, date text, publishers and hover text."""
    events = data.load("events") if events is None else events
    sources = data.load("sources") if sources is None else sources
    names = dict(zip(sources["id"], sources["publisher"]))
    ready = events.sort_values(["date", "id"], kind="stable").reset_index(drop=True)
    ready["first_day"], ready["last_day"] = _spans(ready)
    ready["is_period"] = ready["last_day"] > ready["first_day"]
    ready["when"] = [date_text(r["date"], r.get("end_date"), str(r["precision"])) for r in ready.to_dict("records")]
    ready["publishers"] = [_publishers(ids, names) for ids in ready["source_ids"]]
    ready["hover"] = [_hover(r, r["publishers"]) for r in ready.to_dict("records")]
    ready["in_article"] = ready["article_paragraph"].notna() if "article_paragraph" in ready else False
    return ready


def _stack(starts, stops, gap: float) -> list[int]:
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


def _offsets(rows: list[int], height: float = 0.76, step: float = 0.24) -> list[float]:
    """Return the vertical offset of each sub-row, centred on the lane, at most ``height`` tall in all."""
    count = max(rows, default=0) + 1
    if count == 1:
        return [0.0] * len(rows)
    step = min(step, height / (count - 1))
    return [round((row - (count - 1) / 2) * step, 3) for row in rows]


def _positions(events: list[dict[str, Any]], categories: list[str], first, last) -> list[float]:
    """Return the y of each event: its lane, nudged up or down so that close events do not overlap."""
    gap = (last - first).days * 0.012
    y = [0.0] * len(events)
    lanes_of: dict[str, list[int]] = {}
    for index, event in enumerate(events):
        lanes_of.setdefault(str(event["category"]), []).append(index)
    for category, indexes in lanes_of.items():
        lane = categories.index(category) if category in categories else len(categories)
        starts = [events[i]["first_day"].value / 864e11 for i in indexes]
        stops = [events[i]["last_day"].value / 864e11 for i in indexes]
        for index, offset in zip(indexes, _offsets(_stack(starts, stops, gap))):
            y[index] = lane + offset
    return y


def _iso(stamps) -> list[str]:
    """Return dates as 'YYYY-MM-DD' strings, which plotly reads as dates and which serialise the same every time."""
    return [f"{s:%Y-%m-%d}" for s in stamps]


def _markers(events: list[dict[str, Any]]) -> dict[str, list]:
    """Return the x, y, customdata and hovertext of markers at the events' first days."""
    return {"x": _iso(e["first_day"] for e in events), "y": [e["lane_y"] for e in events],
            "customdata": [e["id"] for e in events], "hovertext": [e["hover"] for e in events]}


def _traces(shown, categories: list[str], first, last) -> list[dict[str, Any]]:
    """Return the events' traces in a fixed order: a periods trace and a markers trace per lane, then the doubts."""
    events = shown[["id", "category", "status", "first_day", "last_day", "is_period", "hover", "in_article"]]
    events = events.to_dict("records")
    for event, y in zip(events, _positions(events, categories, first, last)):
        event["lane_y"], event["category"], event["status"] = y, str(event["category"]), str(event["status"])
    traces = []
    for name in categories:
        x, y, ids, hover = [], [], [], []
        for e in events:
            if e["category"] == name and e["is_period"]:
                x += [f"{e['first_day']:%Y-%m-%d}", f"{e['last_day']:%Y-%m-%d}", None]
                y += [e["lane_y"], e["lane_y"], None]
                ids += [e["id"], e["id"], None]
                hover += [e["hover"], e["hover"], None]
        traces.append({"type": "scatter", "mode": "lines", "name": f"{name} (period)", "legendgroup": name,
                       "showlegend": False, "x": x, "y": y, "customdata": ids, "hovertext": hover,
                       "hoverinfo": "text", "line": {"color": PALETTE.get(name, OTHER_COLOUR), "width": 7},
                       "opacity": 0.55})
    for name in categories:
        dots = [e for e in events if e["category"] == name and e["status"] not in STATUS_MARKS]
        colour = PALETTE.get(name, OTHER_COLOUR)
        traces.append({"type": "scatter", "mode": "markers", "name": name, "legendgroup": name, "showlegend": False,
                       **_markers(dots), "hoverinfo": "text",
                       "marker": {"color": colour, "size": 12, "symbol": "circle",
                                  "line": {"width": 2, "color": [INK if e["in_article"] else colour for e in dots]}}})
    for status, symbol in STATUS_MARKS.items():
        dots = [e for e in events if e["status"] == status]
        traces.append({"type": "scatter", "mode": "markers", "name": STATUS_NAMES[status], "legendgroup": status,
                       "showlegend": False, **_markers(dots), "hoverinfo": "text",
                       "marker": {"color": INK, "size": 13, "symbol": symbol, "line": {"width": 2}}})
    return traces + _keys(categories)


def _keys(categories: list[str]) -> list[dict[str, Any]]:
    """Return empty traces that only draw the legend, so its entries neither vanish nor change with the filters."""
    def key(name, group, symbol, colour, ring):
        """Return one legend entry drawn by an invisible point."""
        return {"type": "scatter", "mode": "markers", "name": name, "legendgroup": group, "showlegend": True,
                "x": [None], "y": [None], "hoverinfo": "skip", "meta": "legend key",
                "marker": {"symbol": symbol, "size": 12, "color": colour, "line": {"width": 2, "color": ring}}}

    keys = [key(c, c, "circle", PALETTE.get(c, OTHER_COLOUR), PALETTE.get(c, OTHER_COLOUR)) for c in categories]
    keys += [key(STATUS_NAMES[s], s, symbol, INK, INK) for s, symbol in STATUS_MARKS.items()]
    keys.append(key("in the article (black ring)", "in the article", "circle", "#FFFFFF", INK))
    return keys


def _layout(categories: list[str], first, last, count: int) -> dict[str, Any]:
    """Return the events figure's layout for a window: title, fixed lanes, date axis, legend and hints."""
    pad = (last - first) * 0.015
    span = (last - first).days
    xaxis = {"type": "date", "range": [f"{first - pad:%Y-%m-%d}", f"{last + pad:%Y-%m-%d}"], "title": {"text": "Date"},
             "showgrid": True, "gridcolor": "#E5E5E5", "linecolor": "#888888", "ticks": "outside"}
    if span <= 400:
        xaxis.update({"dtick": "M1", "tickformat": "%b\n%Y" if first.year != last.year else "%b"})
    return {
        **_STYLE,
        "title": _title(f"China and Russia: events, {_window_text(first, last)}",
                        "One lane per kind of event. Hover a marker for its date, sources and status;<br>"
                        "a black ring: the article mentions it. Drag across dates to zoom, double-click to zoom out."),
        "xaxis": xaxis,
        "yaxis": {"range": [len(categories) - 0.5, -0.5], "tickmode": "array", "tickvals": list(range(len(categories))),
                  "ticktext": list(categories), "title": {"text": "Kind of event"}, "zeroline": False,
                  "showgrid": False, "fixedrange": True},
        "shapes": [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": i + 0.5, "y1": i + 0.5,
                    "line": {"color": "#D0D0D0", "width": 1}, "layer": "below"} for i in range(len(categories) - 1)],
        "annotations": [{"text": "No event matches these filters.", "xref": "paper", "yref": "paper", "x": 0.5,
                         "y": 0.5, "showarrow": False, "font": {"size": 16, "color": "#555555"},
                         "visible": count == 0}],
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.2, "yanchor": "top",
                   "itemsizing": "constant", "title": {"text": "Key: "}},
        "hovermode": "closest",
        "height": 520,
        "margin": {"l": 90, "r": 30, "t": 105, "b": 120},
    }


def _spec(ready, start=None, end=None, categories=None, actors=None, preset=None) -> dict[str, Any]:
    """Return the events figure as plotly data and layout, for prepared events and the filters given."""
    first, last = window(start, end, preset)
    shown = select(ready, start, end, categories, actors, preset)
    order = lanes()
    return {"data": _traces(shown, order, first, last), "layout": _layout(order, first, last, len(shown))}


def figure(start=None, end=None, categories=None, actors=None, preset=None, events=None):
    """Return the events as a plotly timeline, one lane per category, filtered like ``select``."""
    import plotly.graph_objects as go

    return go.Figure(_spec(_prepare(events), start, end, categories, actors, preset))


def table(start=None, end=None, categories=None, actors=None, preset=None, events=None):
    """Return the events ``figure`` shows, as a readable table: dates as text, sources by publisher."""
    import pandas as pd

    shown = select(_prepare(events), start, end, categories, actors, preset)
    paragraph = shown["article_paragraph"] if "article_paragraph" in shown else pd.Series(pd.NA, shown.index)
    return pd.DataFrame({
        "id": shown["id"], "date": shown["when"], "category": shown["category"].astype("string"),
        "title": shown["title"], "description": shown["description"],
        "sources": ["; ".join(p) for p in shown["publishers"]], "status": shown["status"].astype("string"),
        "article paragraph": paragraph.astype("Int64"),
    }).reset_index(drop=True)


# --- statements --------------------------------------------------------------------------------------------------

def _statement_hover(row, speaker: str) -> str:
    """Return the hover text of one statement: when, who, where, the article's words and the original's."""
    quoted = lambda words: "“" + _wrap(words) + "”"  # noqa: E731 - a two-word helper reads best inline
    original = row.get("original_wording")
    if _blank(original) or not str(original).strip():
        original_line = "<i>Original wording:</i> not retrieved"
    else:
        language = row.get("original_language")
        language = "" if _blank(language) else f" ({language})"
        original_line = f"<i>Original wording{language}:</i><br>{quoted(original)}"
    lines = [f"<b>{_day(row['date'])} · {html.escape(speaker)}</b> ({MODE_MARKS[str(row['mode'])][0]})",
             "<i>Venue:</i> " + _wrap(row["venue"]), "<i>Outlet:</i> " + _wrap(row["outlet"]),
             f"<i>The article's words (paragraph {row['article_paragraph']}):</i><br>{quoted(row['article_wording'])}",
             original_line, f"<i>Status:</i> {STATUS_NAMES.get(str(row['status']), str(row['status']))}"]
    note = row.get("note")
    if not _blank(note) and str(note).strip():
        lines.append("<i>Notice:</i> " + _wrap(note))
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
        sub = _stack(days, days, gap)
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
        traces.append({"type": "scatter", "mode": "markers", "name": label, "x": _iso(chosen["date"]),
                       "y": [y[i] for i in chosen.index], "customdata": list(chosen["id"]),
                       "hovertext": [_statement_hover(r, names[r["speaker"]]) for r in chosen.to_dict("records")],
                       "hoverinfo": "text", "marker": {"symbol": symbol, "size": 12, "color": colour,
                                                       "line": {"width": 2, "color": colour}}})
    dates = {"type": "date", "title": {"text": "Date"}, "gridcolor": "#E5E5E5", "linecolor": "#888888",
             "ticks": "outside"}
    if len(rows):
        pad = max(last - first, dt.timedelta(days=30)) * 0.04
        dates["range"] = [f"{first - pad:%Y-%m-%d}", f"{last + pad:%Y-%m-%d}"]
    layout = {
        **_STYLE,
        "title": _title("Who said what, when: the statements the article quotes or paraphrases",
                        "One point per statement, a row per speaker. Hover a point for the outlet, the article's "
                        "words and the original's."),
        "xaxis": dates,
        "yaxis": {"tickmode": "array", "tickvals": ticks, "ticktext": [_wrap(names[s], 24) for s in order],
                  "range": [top - 0.6, -0.6], "zeroline": False, "showgrid": False, "fixedrange": True},
        "shapes": [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": t, "y1": t,
                    "line": {"color": "#D0D0D0", "width": 1}, "layer": "below"} for t in borders[:-1]],
        "legend": {"orientation": "h", "x": 0, "y": -0.15, "yanchor": "top", "title": {"text": "How the article "
                                                                                             "gives it: "}},
        "hovermode": "closest",
        "height": max(380, int(160 + 34 * top)),
        "margin": {"l": 180, "r": 30, "t": 90, "b": 110},
    }
    return go.Figure({"data": traces, "layout": layout})


def statements_table(statements=None):
    """Return the statements as a readable table: date, speaker by name, venue, outlet, mode and both wordings."""
    import pandas as pd

    statements = data.load("statements") if statements is None else statements
    rows = statements.sort_values(["date", "id"], kind="stable").reset_index(drop=True)
    names = _speakers(rows)
    return pd.DataFrame({
        "id": rows["id"], "date": [_day(d) for d in rows["date"]], "speaker": rows["speaker"].map(names),
        "venue": rows["venue"], "outlet": rows["outlet"], "mode": rows["mode"].astype("string"),
        "article wording": rows["article_wording"], "article paragraph": rows["article_paragraph"],
        "original wording": rows["original_wording"], "status": rows["status"].astype("string"),
    })


# --- alliance codes ----------------------------------------------------------------------------------------------

def _alliance_states(alliances=None) -> dict[str, list[str]]:
    """Return, for each obligation, its state in each year 1949-2018: recorded, not recorded or no data."""
    alliances = data.load("alliances") if alliances is None else alliances
    by_year = {int(r["year"]): r for r in alliances.to_dict("records")}
    years = range(ALLIANCE_YEARS[0], ALLIANCE_YEARS[1] + 1)
    coverage = schema.resources(locate.data_dir())["alliances"].spec.get("coverage", {})
    states = {}
    for column, label in OBLIGATIONS.items():
        first, last = coverage.get(column.split("_")[0], (ALLIANCE_YEARS[0], ALLIANCE_YEARS[1]))
        # Inside a dataset's coverage, a missing row or a blank cell means it records no alliance that year;
        # outside its coverage the dataset says nothing: no data.
        values = [None if not first <= y <= last else
                  (False if y not in by_year or _blank(by_year[y][column]) else bool(by_year[y][column]))
                  for y in years]
        states[label] = [ALLIANCE_STATES[v] for v in values]
    return states


def alliance_table(alliances=None):
    """Return a year-by-obligation table of the ATOP/COW codes 1949-2018: recorded, not recorded or no data."""
    import pandas as pd

    states = _alliance_states(alliances)
    years = pd.Index(range(ALLIANCE_YEARS[0], ALLIANCE_YEARS[1] + 1), name="year")
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


def _marks(events, ids) -> tuple[list[dict], list[dict]]:
    """Return shapes and labels marking the events ``ids`` (a period as a bracket, a day as a line)."""
    shapes, labels = [], []
    known = events.set_index("id") if events is not None else None
    low, high = ALLIANCE_YEARS[0] - 0.5, ALLIANCE_YEARS[1] + 0.5
    for number, event_id in enumerate(ids):
        if known is None or event_id not in known.index:
            continue
        event = known.loc[event_id]
        x0 = _year_fraction(event["date"])
        has_end = not _blank(event["end_date"])
        x1 = _year_fraction(event["end_date"]) if has_end else x0
        dash = {"color": INK, "width": 1.5, "dash": "dash"}
        for x in sorted({x0, x1}):
            shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1.04,
                           "line": dash})
        if x1 > x0:
            shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": x0, "x1": x1, "y0": 1.04, "y1": 1.04,
                           "line": {"color": INK, "width": 1.5}})
        centre = (x0 + x1) / 2
        anchor = "right" if (centre - low) / (high - low) > 0.7 else "left" if x1 == x0 else "center"
        when = date_text(event["date"], event["end_date"] if has_end else None, str(event["precision"]))
        labels.append({"text": f"{html.escape(event['title'])}<br>{when}", "x": centre, "xref": "x", "y": 1.05,
                       "yref": "paper", "yanchor": "bottom", "xanchor": anchor, "showarrow": False,
                       "align": anchor if anchor != "center" else "center", "font": {"size": 12}})
    return shapes, labels


def _citation(sources=None) -> str:
    """Return the figure's data credit, naming the ATOP and COW sources as sources.csv gives them."""
    sources = data.load("sources") if sources is None else sources
    by_id = sources.set_index("id")
    parts = []
    for source_id, short in (("atop_5_1", "ATOP 5.1"), ("cow_4_1", "COW Formal Alliances 4.1")):
        author = by_id.loc[source_id, "author"] if source_id in by_id.index else None
        parts.append(f"{short} ({author})" if author is not None and author == author else short)
    return "Data: " + "; ".join(parts) + " (sources.csv: atop_5_1, cow_4_1)."


def _alliance_note(states: dict[str, list[str]], years: list[int]) -> dict[str, Any]:
    """Return the note under the grid: where data is missing, where nothing is recorded, and the data credit."""
    no_cow = [y for y, s in zip(years, states["COW defence"]) if s == "no data"]
    none_recorded = [y for i, y in enumerate(years) if all(row[i] != "recorded" for row in states.values())]
    explain = (f"Blank: no data (COW 4.1 does not cover {_runs(no_cow)}). " if no_cow else "") + \
        f"No obligation recorded in either dataset: {_runs(none_recorded) or 'none'}."
    return {"text": explain + "<br>" + _citation(), "xref": "paper", "yref": "paper", "x": 0, "y": -0.2,
            "xanchor": "left", "yanchor": "top", "showarrow": False, "align": "left",
            "font": {"size": 11, "color": "#444444"}}


def _alliance_layout(labels: list[str], shapes: list[dict], notes: list[dict]) -> dict[str, Any]:
    """Return the alliance grid's layout: a title that asks the question, one row per obligation, the notes."""
    return {
        **_STYLE,
        "title": _title("“Not allies”? What two alliance datasets record for China and the USSR/Russia, "
                          "1949–2018",
                        "Each row is one kind of treaty promise; blue where a dataset records it for "
                                       "that year. Hover a cell for what the promise means."),
        "xaxis": {"range": [ALLIANCE_YEARS[0] - 0.5, ALLIANCE_YEARS[1] + 0.5], "dtick": 5, "ticks": "outside",
                  "showgrid": False, "fixedrange": True},
        "yaxis": {"range": [len(labels) - 0.5, -0.5], "tickmode": "array", "tickvals": list(range(len(labels))),
                  "ticktext": labels, "fixedrange": True, "showgrid": False, "zeroline": False},
        "shapes": shapes,
        "annotations": notes,
        "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": -0.2, "yanchor": "top"},
        "height": 560,
        "margin": {"l": 160, "r": 30, "t": 165, "b": 120},
    }


def alliance_figure(alliances=None, events=None, marks=ALLIANCE_MARKS):
    """Return the ATOP/COW obligation codes for China and the USSR/Russia by year 1949-2018, as a grid.

    Blue: the obligation is recorded that year; grey: not recorded; blank: no data (COW 4.1 stops in 2012). Inside a
    dataset's years, a missing row means it records no alliance, as the data's README explains. ``marks`` are ids of events drawn over the grid (by default the 1950 treaty's term and the
    2001 treaty's signing).
    """
    import plotly.graph_objects as go

    states = _alliance_states(alliances)
    if marks and events is None:
        events = data.load("events")
    fields = {f.name: f.spec.get("description", "") for f in
              schema.resources(locate.data_dir())["alliances"].fields}
    years = list(range(ALLIANCE_YEARS[0], ALLIANCE_YEARS[1] + 1))
    labels = list(states)
    value = {"recorded": 1, "not recorded": 0, "no data": None}
    meaning = {label: fields.get(column, "") for column, label in OBLIGATIONS.items()}
    why = {"no data": "no data (the dataset does not cover this year)"}
    # One heatmap row per obligation, so that its meaning is written once, in the row's hover template.
    rows = [{"type": "heatmap", "name": label, "x": years, "y": [row], "z": [[value[s] for s in states[label]]],
             "text": [[why.get(s, s) for s in states[label]]], "zmin": 0, "zmax": 1, "showscale": False,
             "xgap": 1, "ygap": 2, "hoverongaps": True,
             "colorscale": [[0, ALLIANCE_COLOURS["not recorded"]], [0.5, ALLIANCE_COLOURS["not recorded"]],
                            [0.5, ALLIANCE_COLOURS["recorded"]], [1, ALLIANCE_COLOURS["recorded"]]],
             "hovertemplate": f"<b>%{{x}} · {html.escape(label)}: %{{text}}</b><br>{_wrap(meaning[label], 60)}"
                              "<extra></extra>"}
            for row, label in enumerate(labels)]
    keys = [{"type": "scatter", "mode": "markers", "name": state, "x": [None], "y": [None], "hoverinfo": "skip",
             "marker": {"symbol": "square", "size": 14, "color": colour, "line": {"color": "#888888", "width": 1}}}
            for state, colour in ALLIANCE_COLOURS.items()]
    shapes, notes = _marks(events, marks or ())
    notes.append(_alliance_note(states, years))
    split = labels.index(OBLIGATIONS["cow_defense"]) - 0.5
    shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": split, "y1": split,
                   "line": {"color": "#222222", "width": 2}})
    layout = _alliance_layout(labels, shapes, notes)
    return go.Figure({"data": [*rows, *keys], "layout": layout})


# --- the explorer ------------------------------------------------------------------------------------------------

def paragraph_html(n: int) -> str:
    """Return paragraph ``n`` of the article as HTML; in excerpt mode, its annotated passages and their notes."""
    text = data.article_text()
    heading = f"<h4 style='margin:0.2em 0'>The article, paragraph {n}</h4>"
    if text is not None:
        spans = anchors.paragraphs(text)
        if not 1 <= n <= len(spans):
            return heading + f"<p>The article has no paragraph {n} (it has {len(spans)}).</p>"
        start, end = spans[n - 1]
        body = html.escape(text[start:end]).replace("\n", "<br>")
        return heading + f"<blockquote style='margin:0.3em 0 0.3em 1em'>{body}</blockquote>"
    passages = [e for e in data.excerpts() if e["paragraph"] == n]
    note = ("<p><i>Excerpt mode: the article text is not installed, so only the annotated passages of this "
            "paragraph are shown.</i></p>")
    if not passages:
        return heading + note + "<p>No annotated passage in this paragraph.</p>"
    items = "".join(f"<li><q>{html.escape(p['exact'])}</q> <small>({html.escape(p['kind'])}, {p['id']})</small>"
                    f"<br>{html.escape(p['note'])}</li>" for p in passages)
    return heading + note + f"<ul>{items}</ul>"


def event_html(event_id: str, ready) -> str:
    """Return the panel for one event: date, title, sources and, if the article mentions it, that paragraph."""
    rows = ready[ready["id"] == event_id]
    if rows.empty:
        return f"<p>No event {html.escape(str(event_id))!r} in the table.</p>"
    event = rows.iloc[0]
    head = (f"<p><b>{html.escape(event['when'])}: {html.escape(event['title'])}</b><br>"
            f"<small>Sources: {html.escape('; '.join(event['publishers']))}</small></p>")
    paragraph = event.get("article_paragraph")
    if _blank(paragraph):
        return head + "<p><i>The article does not mention this event.</i></p>"
    return head + paragraph_html(int(paragraph))


def _state(controls: dict[str, Any]) -> dict[str, Any]:
    """Return the filters the explorer's controls are set to."""
    first, last = controls["years"].value
    actor = controls["actors"].value
    return {"start": first, "end": last, "categories": [c for c, box in controls["categories"].items() if box.value],
            "actors": [actor] if actor else None}


def _on_filter(state: dict[str, Any], ready) -> dict[str, Any]:
    """Return the figure's data and layout for the explorer's filters (what the widget copies into its traces)."""
    return _spec(ready, **state)


def _shown(spec: dict[str, Any]) -> int:
    """Return how many events a figure spec shows: one marker each, legend keys aside."""
    return sum(len(t["x"]) for t in spec["data"] if t["mode"] == "markers" and t.get("meta") != "legend key")


def _status_html(ready, spec: dict[str, Any]) -> str:
    """Return the line under the figure: how many events are shown, and how to use the markers."""
    shown = _shown(spec)
    return (f"<small>Showing {shown} of {len(ready)} events. Hover a marker for its sources; click a marker with a "
            "black ring to read what the article says about it below.</small>")


_PANEL_HINT = "<p><i>Click a marker with a black ring: the article's paragraph about that event appears here.</i></p>"


def _apply(widget, spec: dict[str, Any]) -> None:
    """Copy a figure spec's trace data and window into the existing FigureWidget, in place, in one update."""
    with widget.batch_update():
        for trace, new in zip(widget.data, spec["data"]):
            if new.get("meta") == "legend key":
                continue
            trace.update({k: new[k] for k in ("x", "y", "customdata", "hovertext") if k in new})
            if "marker" in new and isinstance(new["marker"].get("line", {}).get("color"), list):
                trace.marker.line.color = new["marker"]["line"]["color"]
        layout = spec["layout"]
        widget.layout.xaxis.range = layout["xaxis"]["range"]
        widget.layout.xaxis.dtick = layout["xaxis"].get("dtick")
        widget.layout.xaxis.tickformat = layout["xaxis"].get("tickformat")
        widget.layout.title.text = layout["title"]["text"]
        widget.layout.annotations[0].visible = layout["annotations"][0]["visible"]


def _preset_for(years: tuple[int, int]) -> str | None:
    """Return the preset whose window is exactly these whole years, or None."""
    return next((p for p in PRESETS if tuple(day.year for day in window(preset=p)) == tuple(years)), None)


def _clicked(trace, points) -> str | None:
    """Return the id of the event under a click, from the trace's customdata (None off a marker)."""
    if not points.point_inds or trace.customdata is None:
        return None
    return trace.customdata[points.point_inds[0]]


def _controls(ready) -> dict[str, Any]:
    """Return the explorer's controls: preset buttons, a year slider, a box per category, an actor menu."""
    import ipywidgets as widgets

    actors = data.load("actors")
    names = dict(zip(actors["id"], actors["name"]))
    involved = sorted({a for ids in ready["actors"] for a in (ids or [])}, key=lambda a: names.get(a, a))
    low, high = (day.year for day in window(preset="1949-2023"))
    return {
        "preset": widgets.ToggleButtons(options=[(p.replace("-", "–"), p) for p in PRESETS], value="1949-2023",
                                        description="Preset:"),
        "years": widgets.IntRangeSlider(value=(low, high), min=low, max=high, step=1, description="Years:",
                                        continuous_update=False, layout=widgets.Layout(width="520px")),
        "categories": {c: widgets.Checkbox(value=True, description=c, indent=False,
                                           layout=widgets.Layout(width="auto", margin="0 12px 0 0"))
                       for c in lanes()},
        # "" stands for every actor: a Dropdown shows a blank box for the value None.
        "actors": widgets.Dropdown(options=[("all actors", "")] + [(names.get(a, a), a) for a in involved],
                                   value="", description="Actor:"),
    }


def explorer(events=None):
    """Return the events timeline with controls (years, preset, categories, actor) and an article panel.

    The returned VBox has ``.figure`` (the FigureWidget, updated in place), ``.controls`` (a dict of the widgets),
    ``.panel`` (the HTML under the figure), ``.status`` and ``.on_click`` (the click handler).
    """
    import ipywidgets as widgets
    import plotly.graph_objects as go

    ready = _prepare(events)
    controls = _controls(ready)
    spec = _on_filter(_state(controls), ready)
    fig = go.FigureWidget(spec)
    panel, status = widgets.HTML(_PANEL_HINT), widgets.HTML(_status_html(ready, spec))

    def refresh(_change=None) -> None:
        """Redraw the figure's traces, in place, for the controls' new values."""
        spec = _on_filter(_state(controls), ready)
        _apply(fig, spec)
        status.value = _status_html(ready, spec)

    def pick_preset(change) -> None:
        """Move the year slider to the chosen preset."""
        if change["new"] is not None:
            controls["years"].value = tuple(day.year for day in window(preset=change["new"]))

    def match_preset(change) -> None:
        """Light the preset button that matches the slider, or none."""
        controls["preset"].value = _preset_for(change["new"])

    def on_click(trace, points, _device=None) -> None:
        """Show the clicked event, and the article's paragraph about it, in the panel."""
        event_id = _clicked(trace, points)
        if event_id is not None:
            panel.value = event_html(event_id, ready)

    controls["preset"].observe(pick_preset, names="value")
    controls["years"].observe(match_preset, names="value")
    for control in (controls["years"], *controls["categories"].values(), controls["actors"]):
        control.observe(refresh, names="value")
    for trace in fig.data:
        trace.on_click(on_click)
    box = widgets.VBox([widgets.HBox([controls["preset"], controls["years"]]),
                        widgets.HBox([widgets.Label("Kinds:"), *controls["categories"].values()]),
                        controls["actors"], fig, status, panel])
    box.figure, box.controls, box.panel, box.status, box.on_click = fig, controls, panel, status, on_click
    return box

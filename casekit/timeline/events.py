"""The events figure: one lane per category, a dot for a day, a bar for a period, doubt drawn, and its table twin.

``select`` is the one filter the figure, the table and the explorer share, so they always show the same events.
``figure`` and ``table`` are pure functions of a DataFrame (the kit's events by default); ``spec`` returns the
figure as plain data and layout, which the explorer copies into its live widget.

>>> figure(preset="2022").layout.yaxis.ticktext[0]
'treaty'
"""

from __future__ import annotations

from typing import Any

from casekit import data
from casekit.timeline import dates
from casekit.timeline.style import (AXIS, FAINT, GRID, INK, LAYOUT, OTHER_COLOUR, PALETTE, RULE, STATUS_MARKS,
                                    STATUS_NAMES, blank, iso, legend_below, legend_height, stack, title,
                                    title_height, wrap)


def lanes() -> list[str]:
    """Return the event categories in the order the data package lists them: one lane each."""
    return list(data.resource_of("events").field("category").enum)


def select(events, start=None, end=None, categories=None, actors=None, preset=None):
    """Return the events that overlap the window, are of one of the categories and involve one of the actors.

    ``start``/``end`` are dates or years and override the ``preset`` ("1949-2023" or "2022"). ``actors`` are actor
    ids; an event is kept when any of its actors is among them. None means no filter.
    """
    first, last = dates.window(start, end, preset)
    begin, stop = (events["first_day"], events["last_day"]) if "last_day" in events else dates.spans(events)
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


def _publishers(ids, names: dict[str, str]) -> list[str]:
    """Return the publishers of the sources ``ids``, each once, in the order cited."""
    return list(dict.fromkeys(names.get(i, i) for i in (ids or [])))


def _hover(event, publishers: list[str]) -> str:
    """Return the hover text of one event: title, date, description, sources, status and article paragraph."""
    lines = [f"<b>{wrap(event['title'])}</b>",
             f"{event['when']} · {event['category']}",
             wrap(event["description"]),
             "<i>Sources:</i> " + wrap("; ".join(publishers))]
    if event["status"] in STATUS_NAMES:
        note = event.get("status_note")
        note = "" if blank(note) else ": " + str(note)
        lines.append(f"<b>{STATUS_NAMES[event['status']].upper()}</b>" + wrap(note))
    paragraph = event.get("article_paragraph")
    if not blank(paragraph):
        lines.append(f"<i>The article mentions it in paragraph {int(paragraph)}.</i>")
    return "<br>".join(line for line in lines if line)


def prepare(events=None, sources=None):
    """Return the events sorted by date with what the figure needs: span, date text, publishers and hover text."""
    events = data.load("events") if events is None else events
    sources = data.load("sources") if sources is None else sources
    names = dict(zip(sources["id"], sources["publisher"]))
    ready = events.sort_values(["date", "id"], kind="stable").reset_index(drop=True)
    ready["first_day"], ready["last_day"] = dates.spans(ready)
    ready["is_period"] = ready["last_day"] > ready["first_day"]
    ready["when"] = [dates.date_text(r["date"], r.get("end_date"), str(r["precision"]))
                     for r in ready.to_dict("records")]
    ready["publishers"] = [_publishers(ids, names) for ids in ready["source_ids"]]
    ready["hover"] = [_hover(r, r["publishers"]) for r in ready.to_dict("records")]
    ready["in_article"] = ready["article_paragraph"].notna() if "article_paragraph" in ready else False
    return ready


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
        for index, offset in zip(indexes, _offsets(stack(starts, stops, gap))):
            y[index] = lane + offset
    return y


def _markers(events: list[dict[str, Any]]) -> dict[str, list]:
    """Return the x, y, customdata and hovertext of markers at the events' first days."""
    return {"x": iso(e["first_day"] for e in events), "y": [e["lane_y"] for e in events],
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
    # A filled dot in a black ring, unlike the open ring of "to verify": the ring is what marks the article's events.
    keys.append(key("in the article: dot in a black ring", "in the article", "circle", OTHER_COLOUR, INK))
    return keys


def _layout(categories: list[str], first, last, count: int) -> dict[str, Any]:
    """Return the events figure's layout for a window: title, fixed lanes, date axis, legend and hints."""
    pad = (last - first) * 0.015
    span = (last - first).days
    xaxis = {"type": "date", "range": [f"{first - pad:%Y-%m-%d}", f"{last + pad:%Y-%m-%d}"], "title": {"text": "Date"},
             "showgrid": True, "gridcolor": GRID, "linecolor": AXIS, "ticks": "outside", "tickangle": 0}
    if span <= 400:
        xaxis.update({"dtick": "M1", "tickformat": "%b\n%Y" if first.year != last.year else "%b"})
    heading = title(f"China and Russia: events, {dates.window_text(first, last)}",
                    "One lane per kind of event. Hover a marker for its date, sources and status; a black ring: "
                    "the article mentions it. Drag across dates to zoom, double-click to zoom out.")
    # Under the plot: the dates (never turned on end), the axis title, then the key.
    top, bottom, plot = title_height(heading) + 8, 70 + legend_height(len(categories) + 3), 300
    return {
        **LAYOUT,
        "title": heading,
        "xaxis": xaxis,
        "yaxis": {"range": [len(categories) - 0.5, -0.5], "tickmode": "array", "tickvals": list(range(len(categories))),
                  "ticktext": list(categories), "title": {"text": "Kind of event"}, "zeroline": False,
                  "showgrid": False, "fixedrange": True},
        "shapes": [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": i + 0.5, "y1": i + 0.5,
                    "line": {"color": RULE, "width": 1}, "layer": "below"} for i in range(len(categories) - 1)],
        "annotations": [{"text": "No event matches these filters.", "xref": "paper", "yref": "paper", "x": 0.5,
                         "y": 0.5, "showarrow": False, "font": {"size": 16, "color": FAINT},
                         "visible": count == 0}],
        "legend": {**legend_below(plot, 70), "title": {"text": "Key", "side": "top"}},
        "hovermode": "closest",
        "height": top + plot + bottom,
        "margin": {"l": 90, "r": 30, "t": top, "b": bottom},
    }


def spec(ready, start=None, end=None, categories=None, actors=None, preset=None) -> dict[str, Any]:
    """Return the events figure as plotly data and layout, for prepared events and the filters given."""
    first, last = dates.window(start, end, preset)
    shown = select(ready, start, end, categories, actors, preset)
    order = lanes()
    return {"data": _traces(shown, order, first, last), "layout": _layout(order, first, last, len(shown))}


def figure(start=None, end=None, categories=None, actors=None, preset=None, events=None):
    """Return the events as a plotly timeline, one lane per category, filtered like ``select``."""
    import plotly.graph_objects as go

    return go.Figure(spec(prepare(events), start, end, categories, actors, preset))


def table(start=None, end=None, categories=None, actors=None, preset=None, events=None):
    """Return the events ``figure`` shows, as a readable table: dates as text, sources by publisher."""
    import pandas as pd

    shown = select(prepare(events), start, end, categories, actors, preset)
    paragraph = shown["article_paragraph"] if "article_paragraph" in shown else pd.Series(pd.NA, shown.index)
    return pd.DataFrame({
        "id": shown["id"], "date": shown["when"], "category": shown["category"].astype("string"),
        "title": shown["title"], "description": shown["description"],
        "sources": ["; ".join(p) for p in shown["publishers"]], "status": shown["status"].astype("string"),
        "article paragraph": paragraph.astype("Int64"),
    }).reset_index(drop=True)

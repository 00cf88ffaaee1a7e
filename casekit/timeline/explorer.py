"""The events explorer for JupyterLab: the events figure with controls, and the article's paragraph on a click.

``explorer()`` wraps the events figure in a preset switch, a year slider, a box per category and an actor menu;
moving a control redraws the same FigureWidget in place (no new figure, no flicker). Clicking the marker of an
event the article mentions shows that paragraph of the article (``casekit.source.paragraph_html``) underneath.

The pieces the widget is made of are plain functions, so they can be tested without a browser:

>>> from casekit.timeline.events import prepare
>>> "Sources:" in event_html("e2022_qin_aspen_chat", prepare())
True
"""

from __future__ import annotations

import html
from typing import Any

from casekit import data, source
from casekit.timeline import dates
from casekit.timeline.events import lanes, prepare
from casekit.timeline.events import spec as figure_spec
from casekit.timeline.style import blank

_PANEL_HINT = "<p><i>Click a marker with a black ring: the article's paragraph about that event appears here.</i></p>"


def event_html(event_id: str, ready) -> str:
    """Return the panel for one event: date, title, sources and, if the article mentions it, that paragraph."""
    rows = ready[ready["id"] == event_id]
    if rows.empty:
        return f"<p>No event {html.escape(str(event_id))!r} in the table.</p>"
    event = rows.iloc[0]
    head = (f"<p><b>{html.escape(event['when'])}: {html.escape(event['title'])}</b><br>"
            f"<small>Sources: {html.escape('; '.join(event['publishers']))}</small></p>")
    paragraph = event.get("article_paragraph")
    if blank(paragraph):
        return head + "<p><i>The article does not mention this event.</i></p>"
    return head + source.paragraph_html(int(paragraph))


def state(controls: dict[str, Any]) -> dict[str, Any]:
    """Return the filters the explorer's controls are set to."""
    first, last = controls["years"].value
    actor = controls["actors"].value
    return {"start": first, "end": last, "categories": [c for c, box in controls["categories"].items() if box.value],
            "actors": [actor] if actor else None}


def on_filter(filters: dict[str, Any], ready) -> dict[str, Any]:
    """Return the figure's data and layout for the explorer's filters (what the widget copies into its traces)."""
    return figure_spec(ready, **filters)


def _shown(spec: dict[str, Any]) -> int:
    """Return how many events a figure spec shows: one marker each, legend keys aside."""
    return sum(len(t["x"]) for t in spec["data"] if t["mode"] == "markers" and t.get("meta") != "legend key")


def _status_html(ready, spec: dict[str, Any]) -> str:
    """Return the line under the figure: how many events are shown, and how to use the markers."""
    shown = _shown(spec)
    return (f"<small>Showing {shown} of {len(ready)} events. Hover a marker for its sources; click a marker with a "
            "black ring to read what the article says about it below.</small>")


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
    low, high = (day.year for day in dates.window(preset="1949-2023"))
    return {
        "preset": widgets.ToggleButtons(options=[(p.replace("-", "–"), p) for p in dates.PRESETS],
                                        value="1949-2023", description="Preset:"),
        "years": widgets.IntRangeSlider(value=(low, high), min=low, max=high, step=1, description="Years:",
                                        continuous_update=False,
                                        layout=widgets.Layout(width="520px", max_width="100%")),
        "categories": {c: widgets.Checkbox(value=True, description=c, indent=False,
                                           layout=widgets.Layout(width="auto", margin="0 12px 0 0"))
                       for c in lanes()},
        # "" stands for every actor: a Dropdown shows a blank box for the value None.
        "actors": widgets.Dropdown(options=[("all actors", "")] + [(names.get(a, a), a) for a in involved],
                                   value="", description="Actor:"),
    }


def _fit_width():
    """Return a widget of no height whose front end (``assets/fit_width.js``) makes the explorer's figure fit its
    column: plotly's FigureWidget is drawn before it is on the page, at a default 700 px."""
    from pathlib import Path

    import anywidget

    class FitWidth(anywidget.AnyWidget):
        _esm = Path(__file__).resolve().parents[1] / "assets" / "fit_width.js"

    return FitWidth()


def explorer(events=None):
    """Return the events timeline with controls (years, preset, categories, actor) and an article panel.

    The returned VBox has ``.figure`` (the FigureWidget, updated in place), ``.controls`` (a dict of the widgets),
    ``.panel`` (the HTML under the figure), ``.status`` and ``.on_click`` (the click handler).
    """
    import ipywidgets as widgets
    import plotly.graph_objects as go

    ready = prepare(events)
    controls = _controls(ready)
    spec = on_filter(state(controls), ready)
    fig = go.FigureWidget(spec)
    fig._config = {"responsive": True}  # fit the column on a resize (see _fit_width)
    panel, status = widgets.HTML(_PANEL_HINT), widgets.HTML(_status_html(ready, spec))

    def refresh(_change=None) -> None:
        """Redraw the figure's traces, in place, for the controls' new values."""
        spec = on_filter(state(controls), ready)
        _apply(fig, spec)
        status.value = _status_html(ready, spec)

    def pick_preset(change) -> None:
        """Move the year slider to the chosen preset."""
        if change["new"] is not None:
            controls["years"].value = tuple(day.year for day in dates.window(preset=change["new"]))

    def match_preset(change) -> None:
        """Light the preset button that matches the slider, or none."""
        controls["preset"].value = dates.preset_for(change["new"])

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
    # Rows of controls wrap, rather than run off the right edge of a narrow notebook.
    wrapping = widgets.Layout(flex_flow="row wrap", max_width="100%")
    box = widgets.VBox([widgets.HBox([controls["preset"], controls["years"]], layout=wrapping),
                        widgets.HBox([widgets.Label("Kinds:"), *controls["categories"].values()], layout=wrapping),
                        controls["actors"], fig, _fit_width(), status, panel], layout=widgets.Layout(max_width="100%"))
    box.add_class("ck-explorer")
    box.figure, box.controls, box.panel, box.status, box.on_click = fig, controls, panel, status, on_click
    return box

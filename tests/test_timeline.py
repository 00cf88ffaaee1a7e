"""The timelines show the right events in the right lanes, say where each fact comes from, and stay in step.

Most tests run on a small invented case (``case`` fixture: the mini data package of conftest.py plus a few events
and statements chosen to cover every kind of date, status and filter); a few check the same rules on the kit's
real tables without relying on what those tables say.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys

import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.callbacks import InputDeviceState, Points

from casekit import anchors, data, locate, source, timeline
from casekit.timeline.events import prepare
from casekit.timeline.explorer import on_filter
from minidata import REAL_DATA, write_table

EVENTS = [
    {"id": "e_treaty", "date": "1950-02-14", "end_date": "1980-04-11", "precision": "day", "category": "treaty",
     "title": "Treaty in force", "description": "Thirty years.", "actors": "qin_gang", "source_ids": "src_a",
     "status": "verified"},
    {"id": "e_split", "date": "1961-01-01", "end_date": "1963-01-01", "precision": "year", "category": "context",
     "title": "A split", "description": "Years of quarrel.", "source_ids": "src_b", "status": "disputed",
     "status_note": "The sources give different years."},
    {"id": "e_month", "date": "1994-09-01", "precision": "month", "category": "diplomacy",
     "title": "A partnership", "description": "Known to the month.", "source_ids": "src_a;src_b",
     "status": "to_verify", "status_note": "From memory only."},
    {"id": "e_visit", "date": "2022-02-04", "end_date": "2022-02-05", "precision": "day", "category": "diplomacy",
     "title": "A two-day visit", "description": "Talks & <dinner>.", "actors": "politico", "source_ids": "src_b",
     "article_paragraph": "3", "status": "verified"},
    {"id": "e_war", "date": "2022-02-24", "precision": "day", "category": "conflict", "title": "A war",
     "description": "It begins.", "actors": "politico", "source_ids": "src_b", "status": "disputed",
     "status_note": "Named differently."},
    {"id": "e_aspen", "date": "2022-07-20", "precision": "day", "category": "statement", "title": "Aspen talk",
     "description": "Qin speaks.", "actors": "qin_gang;politico", "source_ids": "src_a;src_b",
     "article_paragraph": "2", "status": "verified"},
    {"id": "e_removed", "date": "2023-07-25", "precision": "day", "category": "personnel", "title": "Removed",
     "description": "Qin goes.", "actors": "qin_gang", "source_ids": "src_a", "status": "verified"},
]
PUBLISHERS = {"src_a": "Embassy", "src_b": "Politico"}
STATEMENTS = [
    {"id": "s_not_allies", "speaker": "qin_gang", "date": "2022-07-20", "venue": "Aspen", "outlet": "Politico",
     "mode": "direct", "article_wording": "China and Russia are not allies", "article_paragraph": "2",
     "original_wording": "China-Russia relationship is not an alliance.", "original_language": "en",
     "source_ids": "src_b", "status": "verified"},
    {"id": "s_same_day", "speaker": "qin_gang", "date": "2022-07-20", "venue": "Aspen", "outlet": "Embassy",
     "mode": "paraphrase", "article_wording": "Qin Gang said on July 21", "article_paragraph": "2",
     "source_ids": "src_a", "status": "to_verify"},
    {"id": "s_crisis", "speaker": "politico", "date": "2022-07-21", "venue": "News report", "outlet": "Politico",
     "mode": "paraphrase", "article_wording": "Politico said Qin called it a crisis", "article_paragraph": "3",
     "source_ids": "src_b", "status": "verified"},
]
EXPECTED = {  # the filters, and the events each must show (worked out by hand from EVENTS)
    "everything": ({}, {e["id"] for e in EVENTS}),
    "preset 2022": ({"preset": "2022"}, {"e_visit", "e_war", "e_aspen"}),
    "a category": ({"categories": ["diplomacy"]}, {"e_month", "e_visit"}),
    "an actor": ({"actors": ["qin_gang"]}, {"e_treaty", "e_aspen", "e_removed"}),
    "years": ({"start": 1955, "end": 1990}, {"e_treaty", "e_split"}),
    "dates": ({"start": "2022-02-05", "end": "2022-07-20"}, {"e_visit", "e_war", "e_aspen"}),
    "nothing": ({"categories": []}, set()),
}

# The grid's rows, as the titles of the obligation columns in datapackage.json give them.
ALLIANCE_ROWS = ["ATOP defence", "ATOP offence", "ATOP neutrality", "ATOP non-aggression", "ATOP consultation",
                 "COW defence", "COW neutrality", "COW non-aggression", "COW entente"]


@pytest.fixture
def case(mini_data):
    """The mini data package with the invented events and statements above."""
    write_table(mini_data, "events", EVENTS)
    write_table(mini_data, "statements", STATEMENTS)
    return mini_data


def markers(fig) -> list:
    """Return the traces that draw one marker per event (not the legend keys)."""
    return [t for t in fig.data if t.mode == "markers" and t.meta != "legend key"]


def shown(fig) -> list[str]:
    """Return the ids of the events the figure shows, one per marker."""
    return [i for t in markers(fig) for i in (t.customdata or ())]


def find(fig, event_id: str):
    """Return the marker trace and point index of an event."""
    for trace in markers(fig):
        if event_id in (trace.customdata or ()):
            return trace, list(trace.customdata).index(event_id)
    raise AssertionError(f"{event_id} is not shown")


def flat(text: str) -> str:
    """Return hover text as plain words: line breaks and tags removed, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def click(box, event_id: str) -> None:
    """Click an event's marker the way plotly's FigureWidget reports a click to its traces."""
    trace, index = find(box.figure, event_id)
    points = Points(point_inds=[index], xs=[trace.x[index]], ys=[trace.y[index]], trace_name=trace.name,
                    trace_index=list(box.figure.data).index(trace))
    trace._dispatch_on_click(points, InputDeviceState(ctrl=False, alt=False, shift=False, meta=False, button=0,
                                                      buttons=1))


# --- the events figure -------------------------------------------------------------------------------------------

def test_lanes_are_the_categories_in_schema_order_and_never_change(case):
    descriptor = json.loads((REAL_DATA / "datapackage.json").read_text(encoding="utf-8"))
    events = next(r for r in descriptor["resources"] if r["name"] == "events")
    enum = next(f for f in events["schema"]["fields"] if f["name"] == "category")["constraints"]["enum"]
    assert enum == ["treaty", "diplomacy", "conflict", "statement", "personnel", "context"]
    for filters, _ in EXPECTED.values():
        axis = timeline.figure(**filters).layout.yaxis
        assert list(axis.ticktext) == enum
        assert list(axis.tickvals) == list(range(len(enum)))
        assert axis.range == (len(enum) - 0.5, -0.5)  # fixed, first lane on top, empty lanes kept


def test_each_event_sits_in_its_own_lane(case):
    fig = timeline.figure()
    lanes = list(fig.layout.yaxis.ticktext)
    for event in EVENTS:
        trace, index = find(fig, event["id"])
        assert round(trace.y[index]) == lanes.index(event["category"])


@pytest.mark.parametrize("name", EXPECTED)
def test_one_marker_per_event_after_each_filter(case, name):
    filters, expected = EXPECTED[name]
    ids = shown(timeline.figure(**filters))
    assert len(ids) == len(expected)
    assert set(ids) == expected


def test_hover_gives_date_at_its_precision_title_description_and_publishers(case):
    fig = timeline.figure()
    written = {"e_treaty": "14 February 1950 – 11 April 1980", "e_split": "1961–1963", "e_month": "September 1994",
               "e_visit": "4–5 February 2022", "e_aspen": "20 July 2022"}
    for event in EVENTS:
        trace, index = find(fig, event["id"])
        hover = flat(trace.hovertext[index])
        assert event["title"] in hover and event["description"] in hover
        for source_id in event["source_ids"].split(";"):
            assert PUBLISHERS[source_id] in hover
        if event["id"] in written:
            assert written[event["id"]] in hover
    trace, index = find(fig, "e_aspen")
    assert "paragraph 2" in flat(trace.hovertext[index])


def test_disputed_and_to_verify_events_are_marked_and_keep_their_legend(case):
    for filters in ({}, {"preset": "2022"}):  # the 2022 window has no event to verify: its legend entry stays
        fig = timeline.figure(**filters)
        legend = {t.name: t for t in fig.data if t.showlegend is not False}
        assert legend["disputed"].marker.symbol == "diamond-open"
        assert legend["to verify"].marker.symbol == "circle-open"
        assert all(name in legend for name in timeline.lanes())
    fig = timeline.figure()
    for event_id, status, symbol in (("e_split", "disputed", "diamond-open"), ("e_war", "disputed", "diamond-open"),
                                     ("e_month", "to verify", "circle-open")):
        trace, index = find(fig, event_id)
        assert trace.marker.symbol == symbol
        assert trace.legendgroup == legend[status].legendgroup
        assert status.upper() in trace.hovertext[index]
    trace, _ = find(fig, "e_aspen")
    assert trace.marker.symbol == "circle"


def test_periods_are_drawn_as_spans_and_single_days_are_not(case):
    fig = timeline.figure()
    spans = {}
    for trace in fig.data:
        if trace.mode == "lines":
            for x0, x1, event_id in zip(trace.x[0::3], trace.x[1::3], trace.customdata[0::3]):
                spans[event_id] = (x0, x1)
    assert spans == {"e_treaty": ("1950-02-14", "1980-04-11"), "e_split": ("1961-01-01", "1963-12-31"),
                     "e_month": ("1994-09-01", "1994-09-30"), "e_visit": ("2022-02-04", "2022-02-05")}
    trace, index = find(fig, "e_treaty")
    assert trace.x[index] == "1950-02-14"  # the marker sits at the start


def test_close_events_in_one_lane_do_not_overlap(case):
    extra = dict(EVENTS[-2], id="e_aspen_2", title="Same day, same lane")
    write_table(case, "events", EVENTS + [extra])
    fig = timeline.figure(preset="2022")
    (a, i), (b, j) = find(fig, "e_aspen"), find(fig, "e_aspen_2")
    assert a.y[i] != b.y[j] and round(a.y[i]) == round(b.y[j])


def test_figure_json_is_identical_across_calls(case):
    for build in (lambda: timeline.figure(preset="2022"), lambda: timeline.figure(actors=["qin_gang"]),
                  timeline.statements_figure, timeline.alliance_figure):
        first = build().to_json()
        assert first == build().to_json()
        assert '"uid"' not in first


def test_table_and_figure_agree_on_the_events_shown(case):
    for filters, expected in EXPECTED.values():
        rows = timeline.table(**filters)
        assert sorted(rows["id"]) == sorted(shown(timeline.figure(**filters))) == sorted(expected)
        assert all(isinstance(d, str) for d in rows["date"])  # dates as text, at their precision
    rows = timeline.table().set_index("id")
    assert rows.loc["e_month", "date"] == "September 1994"
    assert rows.loc["e_aspen", "sources"] == "Embassy; Politico"
    assert rows.loc["e_aspen", "article paragraph"] == 2
    assert rows.loc["e_split", "status"] == "disputed"


def test_select_refuses_filters_it_does_not_know(case):
    events = data.load("events")
    with pytest.raises(ValueError, match="unknown categories"):
        timeline.select(events, categories=["war"])
    with pytest.raises(ValueError, match="no preset"):
        timeline.select(events, preset="1990s")
    with pytest.raises(ValueError, match="before it starts"):
        timeline.select(events, start=2022, end=2021)


@pytest.mark.parametrize("date, end, precision, text", [
    ("2022-07-20", None, "day", "20 July 2022"),
    ("2022-02-04", "2022-02-05", "day", "4–5 February 2022"),
    ("2022-07-19", "2022-08-02", "day", "19 July – 2 August 2022"),
    ("1950-04-11", "1980-04-11", "day", "11 April 1950 – 11 April 1980"),
    ("1994-09-01", None, "month", "September 1994"),
    ("1994-09-01", "1995-03-01", "month", "September 1994 – March 1995"),
    ("1961-01-01", "1963-01-01", "year", "1961–1963"),
    ("2011-01-01", None, "year", "2011"),
])
def test_date_text_writes_the_precision_that_is_known(date, end, precision, text):
    assert timeline.date_text(pd.Timestamp(date), None if end is None else pd.Timestamp(end), precision) == text


def rows(fig) -> list[tuple]:
    """Return each row of the alliance grid: its label, years, codes (1, 0 or None) and state names."""
    labels = fig.layout.yaxis.ticktext
    return [(labels[t.y[0]], t.x, t.z[0], t.text[0]) for t in fig.data if t.type == "heatmap"]


# --- statements and alliance codes -------------------------------------------------------------------------------

def test_statements_figure_has_one_point_per_statement_with_the_articles_words(case):
    fig = timeline.statements_figure()
    points = {i: (t, k) for t in fig.data for k, i in enumerate(t.customdata)}
    assert sorted(points) == sorted(s["id"] for s in STATEMENTS)
    symbols = {t.name: t.marker.symbol for t in fig.data}
    assert symbols["direct quote"] != symbols["paraphrase"]
    for statement in STATEMENTS:
        trace, k = points[statement["id"]]
        assert trace.name == {"direct": "direct quote", "paraphrase": "paraphrase"}[statement["mode"]]
        hover = flat(trace.hovertext[k])
        for words in (statement["article_wording"], statement["outlet"], statement["venue"]):
            assert words in hover
        assert statement.get("original_wording", "not retrieved") in hover
        assert ("to verify" if statement["status"] == "to_verify" else statement["status"]) in hover
    (a, i), (b, j) = points["s_not_allies"], points["s_same_day"]
    assert a.y[i] != b.y[j]  # same speaker, same day: stacked, not hidden behind each other
    assert "Qin Gang" in fig.layout.yaxis.ticktext and "Politico" in fig.layout.yaxis.ticktext


def test_alliance_codes_separate_not_recorded_from_no_data(case):
    table = timeline.alliance_table()  # the mini file has 1950 (all coded) and 2013 (COW blank) only
    assert list(table.index) == list(range(1949, 2019))
    assert table.loc[1950, "ATOP defence"] == "recorded"
    assert table.loc[1960, "ATOP defence"] == "not recorded"  # absent year: no alliance in either dataset
    assert table.loc[2013, "COW entente"] == "no data" and table.loc[2013, "ATOP consultation"] == "recorded"
    z = {label: (row, text) for label, _, row, text in rows(timeline.alliance_figure(events=data.load("events")))}
    assert z["COW entente"][0][2013 - 1949] is None and z["ATOP defence"][0][1960 - 1949] == 0
    assert z["ATOP defence"][0][1950 - 1949] == 1
    assert z["COW entente"][1][2013 - 1949].startswith("no data")
    assert z["ATOP defence"][1][1960 - 1949] == "not recorded"


def test_alliance_figure_covers_1949_to_2018_on_the_real_codes():
    fig = timeline.alliance_figure()
    grid = rows(fig)
    assert [label for label, *_ in grid] == ALLIANCE_ROWS
    assert all(list(years) == list(range(1949, 2019)) for _, years, *_ in grid)
    z = {label: row for label, _, row, _ in grid}
    for label in z:
        for year in range(2013, 2019):
            assert (z[label][year - 1949] is None) == label.startswith("COW")
        for year in range(1981, 1992):
            assert z[label][year - 1949] == 0
    text = {label: text for label, _, _, text in grid}
    assert text["COW defence"][2015 - 1949].startswith("no data") and text["COW defence"][1985 - 1949] == "not recorded"
    assert {t.name for t in fig.data if t.type == "scatter"} == {"recorded", "not recorded", "no data"}
    notes = " ".join(a.text.replace("<br>", " ") for a in fig.layout.annotations)  # notes wrap to fit
    assert "ATOP 5.1" in notes and "COW Formal Alliances 4.1" in notes
    events = data.load("events").set_index("id")
    for event_id in timeline.ALLIANCE_MARKS:  # the marked treaties come from events.csv: a renamed id must fail here
        assert event_id in events.index, f"alliance_figure marks {event_id}, which events.csv no longer has"
        assert html.escape(events.loc[event_id, "title"]) in notes


# --- the explorer ------------------------------------------------------------------------------------------------

def test_explorer_updates_the_same_figure_widget_in_place(case):
    box = timeline.explorer()
    fig, traces = box.figure, list(box.figure.data)
    assert isinstance(fig, go.FigureWidget)
    assert sorted(shown(fig)) == sorted(EXPECTED["everything"][1])
    box.controls["years"].value = (2022, 2022)
    assert box.figure is fig and all(a is b for a, b in zip(traces, fig.data)) and len(fig.data) == len(traces)
    assert set(shown(fig)) == EXPECTED["preset 2022"][1] and len(shown(fig)) == 3
    assert box.controls["preset"].value == "2022"
    box.controls["categories"]["conflict"].value = False
    assert set(shown(fig)) == {"e_visit", "e_aspen"}
    box.controls["preset"].value = "1949-2023"
    assert box.controls["years"].value == (1949, 2023)
    box.controls["actors"].value = "qin_gang"
    assert set(shown(fig)) == {"e_treaty", "e_aspen", "e_removed"}
    assert box.figure is fig
    assert "Showing 3 of 7 events" in box.status.value


def test_explorer_draws_what_figure_draws_for_the_same_filters(case):
    ready = prepare()
    state = {"start": 2022, "end": 2022, "categories": ["statement", "conflict"], "actors": ["politico"]}
    assert go.Figure(on_filter(state, ready)).to_json() == timeline.figure(**state).to_json()


def test_clicking_an_event_the_article_mentions_shows_its_paragraph(case):
    box = timeline.explorer()
    click(box, "e_aspen")
    assert "Qin Gang said on July 21 that China and Russia are not allies." in box.panel.value
    assert "paragraph 2" in box.panel.value
    click(box, "e_removed")
    assert "does not mention" in box.panel.value


def test_excerpt_mode_shows_the_annotated_passages_instead(case):
    (case / "source" / "article.txt").unlink()
    box = timeline.explorer()
    assert sorted(shown(box.figure)) == sorted(EXPECTED["everything"][1])
    click(box, "e_aspen")
    assert "Excerpt mode" in box.panel.value
    assert "July 21" in box.panel.value and "It was July 20." in box.panel.value
    assert "Qin Gang said on July 21 that" not in box.panel.value


# --- the kit's real tables ---------------------------------------------------------------------------------------

def test_real_events_one_marker_each_with_a_publisher_in_its_hover():
    events = data.load("events")
    names = dict(zip(data.load("sources")["id"], data.load("sources")["publisher"]))
    fig = timeline.figure(events=events)
    assert sorted(shown(fig)) == sorted(events["id"])
    for event in events.itertuples():
        trace, index = find(fig, event.id)
        hover = flat(trace.hovertext[index])
        assert any(" ".join(names[s].split()) in hover for s in event.source_ids), event.id
    assert len(shown(timeline.figure(preset="2022"))) == len(timeline.table(preset="2022"))


def test_real_statements_one_point_each():
    fig = timeline.statements_figure()
    assert sorted(i for t in fig.data for i in t.customdata) == sorted(data.load("statements")["id"])


def test_real_paragraphs_appear_in_the_panel():
    text = data.article_text()
    start, end = anchors.paragraphs(text)[1]
    assert html.escape(text[start:end]) in source.paragraph_html(2)
    assert timeline.paragraph_html is source.paragraph_html  # still reachable where it used to be


def test_real_data_in_excerpt_mode_still_renders_figure_and_panel(excerpt_data):
    assert data.excerpt_mode()
    events = data.load("events")
    mentioned = events.dropna(subset=["article_paragraph"])
    assert len(mentioned), "the kit's events should include some the article mentions"
    box = timeline.explorer()
    assert sorted(shown(box.figure)) == sorted(events["id"])
    event = mentioned.iloc[0]
    click(box, event["id"])
    passages = [e for e in data.excerpts() if e["paragraph"] == event["article_paragraph"]]
    assert f"paragraph {event['article_paragraph']}" in box.panel.value
    assert all(html.escape(p["exact"]) in box.panel.value for p in passages)
    assert "Excerpt mode" in box.panel.value


def test_importing_the_module_loads_no_plotting_or_widget_library():
    code = ("import sys, casekit, casekit.timeline; "
            "print(sorted(m for m in ('plotly', 'ipywidgets', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PATH": "", locate.ENV_VAR: str(REAL_DATA)})
    assert out.stdout.strip() == "[]"


def test_alliance_blanks_mean_no_alliance_inside_coverage_and_no_data_outside():
    """COW 4.1 runs to 2012: a blank in 1994 means no alliance recorded; a blank in 2015 means no data."""
    codes = timeline.alliance_table()
    assert codes.loc[1994, "COW entente"] == "not recorded"
    assert codes.loc[1985, "ATOP defence"] == codes.loc[1985, "COW defence"] == "not recorded"
    assert codes.loc[2015, "COW entente"] == "no data" and codes.loc[2015, "ATOP consultation"] == "recorded"


def test_alliance_rows_come_from_the_schema_not_from_a_list_in_the_code(case):
    """Retitle a column, move COW's coverage and drop an obligation from the descriptor: the grid follows."""
    path = case / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    alliances = next(r for r in descriptor["resources"] if r["name"] == "alliances")
    fields = alliances["schema"]["fields"]
    next(f for f in fields if f["name"] == "cow_entente")["title"] = "COW entente (crisis consultation)"
    del next(f for f in fields if f["name"] == "atop_offense")["dataset"]  # no longer an obligation row
    alliances["coverage"]["cow"] = [1816, 2010]
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    fig = timeline.alliance_figure(events=data.load("events"))
    labels = [label for label, *_ in rows(fig)]
    assert labels == [r for r in ALLIANCE_ROWS if r != "ATOP offence"][:-1] + ["COW entente (crisis consultation)"]
    table = timeline.alliance_table()
    assert list(table.columns) == labels
    assert table.loc[2011, "COW defence"] == "no data" and table.loc[2010, "COW defence"] == "not recorded"
    notes = " ".join(a.text.replace("<br>", " ") for a in fig.layout.annotations)  # notes wrap to fit
    assert "COW 4.1 does not cover 2011–2018" in notes
    rule = [s for s in fig.layout.shapes if s.xref == "paper" and s.yref == "y"]
    assert [s.y0 for s in rule] == [labels.index("COW defence") - 0.5]  # one rule, between the datasets


def test_one_palette_for_the_whole_kit():
    """Every colour the instruments use for a meaning is one of Okabe & Ito's, from casekit.palette."""
    from casekit import palette
    from casekit.grade import report
    from casekit.timeline import statements
    from casekit.timeline.alliances import COLOURS

    allowed = set(palette.OKABE_ITO) | {palette.GREY, palette.DARK_YELLOW}
    assert set(timeline.PALETTE.values()) <= allowed and len(set(timeline.PALETTE.values())) == len(timeline.PALETTE)
    assert {colour for _, colour, _, _ in source.KINDS.values()} <= allowed
    assert {colour for *_, colour in statements.MODE_MARKS.values()} <= allowed
    assert set(report.COLOUR.values()) <= allowed
    assert COLOURS["recorded"] in allowed

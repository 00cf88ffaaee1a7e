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

The package is split by instrument, and the names above are all a notebook needs:

- ``casekit.timeline.dates``: dates at their precision, the periods events cover, the windows and presets;
- ``casekit.timeline.events``: the shared filter ``select``, the events ``figure`` and its ``table``;
- ``casekit.timeline.statements``: ``statements_figure`` and ``statements_table``;
- ``casekit.timeline.alliances``: ``alliance_figure`` and ``alliance_table``, their rows read from the schema;
- ``casekit.timeline.explorer``: the ``explorer`` widget and its article panel;
- ``casekit.timeline.style``: what every figure shares (colours from ``casekit.palette``, fonts, titles, hovers).
"""

from casekit.source import paragraph_html
from casekit.timeline.alliances import MARKS as ALLIANCE_MARKS
from casekit.timeline.alliances import YEARS as ALLIANCE_YEARS
from casekit.timeline.alliances import alliance_figure, alliance_table, obligations
from casekit.timeline.dates import PRESETS, date_text, window
from casekit.timeline.events import figure, lanes, select, table
from casekit.timeline.explorer import event_html, explorer
from casekit.timeline.statements import statements_figure, statements_table
from casekit.timeline.style import PALETTE

__all__ = [
    "ALLIANCE_MARKS", "ALLIANCE_YEARS", "PALETTE", "PRESETS", "alliance_figure", "alliance_table", "date_text",
    "event_html", "explorer", "figure", "lanes", "obligations", "paragraph_html", "select", "statements_figure",
    "statements_table", "table", "window",
]

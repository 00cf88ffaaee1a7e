"""Dates written at the precision their sources give, the periods events cover, and the windows figures show.

>>> import pandas as pd
>>> date_text(pd.Timestamp("2022-02-04"), pd.Timestamp("2022-02-05"))
'4–5 February 2022'
>>> [day.date().isoformat() for day in window(preset="2022")]
['2022-01-01', '2022-12-31']
>>> [day.date().isoformat() for day in window(start=1961, end="1963-06-30")]
['1961-01-01', '1963-06-30']
"""

from __future__ import annotations

from casekit.timeline.style import blank

PRESETS = {"1949-2023": ("1949-01-01", "2023-12-31"), "2022": ("2022-01-01", "2022-12-31")}


def day_text(stamp) -> str:
    """Return a day written out: '20 July 2022'."""
    return f"{stamp.day} {stamp:%B %Y}"


def date_text(date, end_date=None, precision: str = "day") -> str:
    """Return a date (or period) written at its precision: '20 July 2022', 'September 1994', '1961–1963'."""
    import pandas as pd

    date = pd.Timestamp(date)
    end = None if blank(end_date) else pd.Timestamp(end_date)
    if precision == "year":
        return f"{date.year}" if end is None or end.year == date.year else f"{date.year}–{end.year}"
    if precision == "month":
        if end is None or (end.year, end.month) == (date.year, date.month):
            return f"{date:%B %Y}"
        return f"{date:%B}–{end:%B %Y}" if end.year == date.year else f"{date:%B %Y} – {end:%B %Y}"
    if end is None or end == date:
        return day_text(date)
    if (end.year, end.month) == (date.year, date.month):
        return f"{date.day}–{end.day} {end:%B %Y}"
    if end.year == date.year:
        return f"{date.day} {date:%B} – {day_text(end)}"
    return f"{day_text(date)} – {day_text(end)}"


def spans(events):
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


def window_text(first, last) -> str:
    """Return a window for a title: '2022', '1949–2023', or its first and last days."""
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31):
        return f"{first.year}" if first.year == last.year else f"{first.year}–{last.year}"
    return date_text(first, last, "day")


def preset_for(years: tuple[int, int]) -> str | None:
    """Return the preset whose window is exactly these whole years, or None."""
    return next((p for p in PRESETS if tuple(day.year for day in window(preset=p)) == tuple(years)), None)

"""Turn an answer into one canonical piece of text, the same way for the student's check and for the grader.

Every auto-checked question has an answer *spec*: its type and a few options. ``normalise(spec, value)`` turns a
value into canonical text, or raises ``AnswerTypeError`` with a message a student can act on. Two answers are the
same when their canonical texts are equal. Both ``casekit.check`` (instant feedback, comparing salted hashes) and
the grader (comparing with the key in ``solutions/``) call this one function, so they can never disagree.

The value's own methods are never trusted: text must be a real ``str``, numbers real numbers; nothing calls the
student's ``==``.

Types and their options:

=========== ================================================= ===================================================
type        accepts                                           options
=========== ================================================= ===================================================
choice      the letter of an option, or the option's text     ``options``: {"a": "text", ...}
number      an int or float (not True/False)                  ``decimals``: compared after rounding (default 0)
date        "YYYY-MM-DD", a date, datetime or pandas Timestamp
text        a string; case, spaces and end punctuation ignored
set         a list, tuple or set of strings; order ignored
ordering    a list or tuple of strings; order matters
quote       words copied from a source; quote marks, spaces, case and end punctuation ignored
frame       a pandas DataFrame or Series                      ``columns``, ``sort`` (default true), ``decimals``,
                                                              ``keep_index`` (the index becomes columns; default:
                                                              the index is ignored)
annotations a list of {"exact", "kind", "note"} dicts (the      partial credit by span and kind against the
            read-first reader's annotations); order ignored   solution's targets (``casekit.annotation_answers``)
=========== ================================================= ===================================================

>>> normalise({"type": "number"}, 20.0)
'20'
>>> normalise({"type": "text"}, "  The  Aspen Security Forum. ")
'the aspen security forum'
>>> normalise({"type": "date"}, "2022-02-04")
'2022-02-04'
>>> normalise({"type": "choice", "options": {"a": "Qin Gang", "b": "DW"}}, "dw")
'b'
>>> normalise({"type": "number"}, "twenty")
Traceback (most recent call last):
...
casekit.answers.AnswerTypeError: expected a number, like 12 or 3.5, but got text: 'twenty'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import numbers
import re
import unicodedata

_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "«": '"', "»": '"', "„": '"'})


class AnswerTypeError(ValueError):
    """The value cannot be an answer of this type; the message says what was expected and what was given."""


def normalise(spec: dict, value) -> str:
    """Return the canonical text of ``value`` as an answer of ``spec``'s type."""
    kind = spec.get("type")
    if kind not in NORMALISERS:
        raise ValueError(f"unknown answer type {kind!r}; known: {', '.join(TYPES)}")
    if value is Ellipsis or value is None:
        raise AnswerTypeError("no answer yet")
    return NORMALISERS[kind](spec, value)


def digest(salt: str, canonical: str) -> str:
    """Return the salted SHA-256 of a canonical answer, as stored in an exercise's key."""
    return hashlib.sha256(f"{salt}\x00{canonical}".encode("utf-8")).hexdigest()


def shape(spec: dict, canonical: str) -> str:
    """Return what an answer is, never what it says: the assessed release's receipt for a canonical answer.

    >>> shape({"type": "set"}, "a|c"), shape({"type": "frame"}, "id,status;x,1;y,2")
    ('a list of 2 answers', 'a table of 2 rows with the columns id, status')
    >>> shape({"type": "choice", "options": {"a": "A", "b": "B"}}, "b")
    'one of the letters a, b'
    """
    kind = spec.get("type")
    if kind == "choice":
        return "one of the letters " + ", ".join(spec.get("options", {}))
    if kind == "number":
        return "a number"
    if kind == "date":
        return "a date"
    if kind in ("text", "quote"):
        words = len(canonical.split())
        return f"text of {words} word{'' if words == 1 else 's'}"
    if kind == "annotations":
        count = len(canonical.split("|")) if canonical else 0
        return f"{count} annotation{'' if count == 1 else 's'}"
    if kind in ("set", "ordering"):
        count = len(canonical.split("|")) if canonical else 0
        return f"a list of {count} answer{'' if count == 1 else 's'}" + (" in order" if kind == "ordering" else "")
    header, *rows = canonical.split(";")
    return f"a table of {len(rows)} row{'' if len(rows) == 1 else 's'} with the columns {header.replace(',', ', ')}"


def describe(value) -> str:
    """Return a short, safe description of a value for a message: its type and the start of its repr."""
    if isinstance(value, Unsupported):
        return f"a {value.type_name} object"
    shown = _safe_repr(value)
    if isinstance(value, str):
        return f"text: {shown}"
    return f"{type(value).__name__}: {shown}"


# --- one normaliser per type -------------------------------------------------------------------------------------

def _choice(spec, value) -> str:
    options = spec.get("options", {})
    if type(value) is not str:
        raise AnswerTypeError(f"expected the letter of an option, like 'a', but got {describe(value)}")
    given = _words(value)
    for letter, text in options.items():
        if given in (letter.lower(), _words(text)):
            return letter.lower()
    letters = ", ".join(f"'{k}'" for k in options)
    raise AnswerTypeError(f"expected one of the letters {letters}, but got {describe(value)}")


def _number(spec, value) -> str:
    if type(value) is bool or not isinstance(value, numbers.Real) or isinstance(value, str):
        raise AnswerTypeError(f"expected a number, like 12 or 3.5, but got {describe(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise AnswerTypeError(f"expected a finite number, but got {describe(value)}")
    decimals = int(spec.get("decimals", 0))
    text = f"{round(number, decimals):.{decimals}f}"
    return "0" if text.strip("-0.") == "" else text


def _date(spec, value) -> str:
    if type(value) is str:
        text = value.strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            try:
                return dt.date.fromisoformat(text).isoformat()
            except ValueError:
                pass
        raise AnswerTypeError(f"expected a date written YYYY-MM-DD, like '2022-02-04', but got {describe(value)}")
    if isinstance(value, dt.datetime):  # pandas Timestamps are datetimes too
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if type(value).__name__ == "datetime64" and type(value).__module__ == "numpy":
        return _date(spec, str(value)[:10])
    raise AnswerTypeError(f"expected a date, like '2022-02-04', but got {describe(value)}")


def _text(_spec, value) -> str:
    if type(value) is not str:
        raise AnswerTypeError(f"expected text in quotation marks, like 'Aspen', but got {describe(value)}")
    return _words(value)


def _quote(_spec, value) -> str:
    if type(value) is not str:
        raise AnswerTypeError(f"expected words copied from the source, in quotation marks, but got {describe(value)}")
    text = _stream_safe(value).translate(_QUOTES).strip().strip("\"' .,;:!?").strip()
    return " ".join(text.split()).casefold()


def _set(_spec, value) -> str:
    items = _items(value, "a list of answers, like ['a', 'c']", ordered=False)
    return "|".join(sorted(set(items)))


def _ordering(_spec, value) -> str:
    return "|".join(_items(value, "a list in order, like ['b', 'a', 'c']", ordered=True))


def _annotations(_spec, value) -> str:
    from casekit import annotation_answers

    return annotation_answers.canonical(value)


def _frame(spec, value) -> str:
    module = type(value).__module__
    if not module.startswith("pandas") or type(value).__name__ not in ("DataFrame", "Series"):
        raise AnswerTypeError(f"expected a pandas DataFrame or Series, but got {describe(value)}")
    import pandas as pd

    frame = value.to_frame() if isinstance(value, pd.Series) else value
    frame = pd.DataFrame(frame).copy()
    frame = frame.reset_index(drop=not spec.get("keep_index", False))
    columns = spec.get("columns")
    if columns:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise AnswerTypeError(f"expected columns {columns}, but the table has no {missing}")
        frame = frame[columns]
    decimals = spec.get("decimals")
    cells = frame.map(lambda v: _cell(v, decimals))
    rows = [",".join(row) for row in cells.itertuples(index=False, name=None)]
    if spec.get("sort", True):
        rows.sort()
    return ";".join([",".join(_words(str(c)) for c in frame.columns), *rows])


# The answer types: each type's name in a question's spec, and the function that normalises its answers. To add a
# type, write its normaliser above, add it here and to the table in the module's docstring (see CONTRIBUTING.md).
NORMALISERS = {
    "choice": _choice,
    "number": _number,
    "date": _date,
    "text": _text,
    "set": _set,
    "ordering": _ordering,
    "quote": _quote,
    "frame": _frame,
    "annotations": _annotations,
}
TYPES = tuple(NORMALISERS)

# --- helpers -----------------------------------------------------------------------------------------------------

def _cell(value, decimals) -> str:
    value = _cell_value(value)
    if value is None:
        return ""  # every kind of missing value is one blank cell
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and decimals is not None:
        return f"{round(float(value), decimals):.{decimals}f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return _words(str(value))


def _cell_value(value):
    """Return the plain value a table cell stands for: None, a bool, an int, a float, a date or a str.

    ``_cell`` formats only this plain value, so a table sent from a kernel as plain values (``serialise``) has
    the same canonical text as the table itself.
    """
    if value is None or type(value).__name__ in ("NAType", "NaTType") or (isinstance(value, float)
                                                                           and math.isnan(value)):
        return None
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        try:  # a float32's text is its short form, "0.1", not float(0.1f)'s "0.10000000149011612"
            number = float(value) if isinstance(value, float) else float(str(value))
        except ValueError:
            number = float(value)
        return None if math.isnan(number) else number if math.isfinite(number) else str(value)
    if isinstance(value, (dt.date, dt.datetime)) or type(value).__name__ == "Timestamp":
        return dt.date.fromisoformat(_date({}, value))
    return str(value)


def _items(value, expected: str, ordered: bool) -> list[str]:
    if type(value) not in (list, tuple) and not (type(value) in (set, frozenset) and not ordered):
        raise AnswerTypeError(f"expected {expected}, but got {describe(value)}")
    items = []
    for item in value:
        if type(item) is not str:
            raise AnswerTypeError(f"expected every item to be text in quotation marks, but found {describe(item)}")
        items.append(_words(item))
    return items


MAX_COMBINING_RUN = 30  # Unicode's stream-safe limit (UAX #15): no real text has more marks on one letter


def _stream_safe(text: str) -> str:
    """Return ``text`` if no letter carries more than ``MAX_COMBINING_RUN`` combining marks; raise otherwise.

    Normalising a long run of combining marks takes time that grows with the square of its length (the marks are
    sorted), so an answer made of them could stall whoever normalises it, the grader included.
    """
    if text.isascii():
        return text
    run = 0
    for char in text:
        run = run + 1 if unicodedata.combining(char) else 0
        if run > MAX_COMBINING_RUN:
            raise AnswerTypeError(f"expected ordinary text, but got more than {MAX_COMBINING_RUN} accents or other "
                                  "combining marks on one letter")
    return text


def _words(text: str) -> str:
    """Return text case-folded, quote marks and spaces normalised, and punctuation at either end removed."""
    text = unicodedata.normalize("NFKC", _stream_safe(text)).translate(_QUOTES)
    text = " ".join(text.split()).casefold()
    return text.strip(" .,;:!?\"'")


def _safe_repr(value, limit: int = 40) -> str:
    try:
        shown = repr(value) if isinstance(value, (str, numbers.Number, list, tuple, set)) else f"<{type(value).__name__}>"
    except Exception:  # a student's object whose repr fails still gets a message
        shown = f"<{type(value).__name__}>"
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


# --- serialisation: how a kernel reports an answer's value to another process --------------------------------------

def serialise(value) -> dict:
    """Return a JSON-ready description of an answer value: its kind and data. Unknown objects become their type name.

    Tables are sent as plain cells (see ``_cell_value``), with their column labels and every level of their index,
    so a Series or DataFrame of any shape (a two-level index included) arrives with the same canonical text.

    >>> serialise([1, "a"])
    {'kind': 'unsupported', 'type': 'list'}
    >>> serialise(["a", "b"])
    {'kind': 'list', 'value': ['a', 'b']}
    """
    kind = type(value)
    if value is Ellipsis or value is None:
        return {"kind": "blank"}
    if kind in (str, int, float, bool):
        return {"kind": kind.__name__, "value": value if kind is not float or math.isfinite(value) else repr(value)}
    if kind in (list, tuple, set, frozenset) and all(type(v) is str for v in value):
        return {"kind": "list" if kind is list else kind.__name__, "value": sorted(value) if kind in (set, frozenset)
                else list(value)}
    if kind is list and any(type(v) is dict for v in value):  # annotations, perhaps hand-edited into a wrong shape
        return {"kind": "records", "value": [_record(v) for v in value]}
    if isinstance(value, (dt.date, dt.datetime)):
        return {"kind": "date", "value": _date({}, value)}
    if kind.__module__.startswith("pandas") and kind.__name__ in ("DataFrame", "Series"):
        return {"kind": kind.__name__, "value": _table(value)}
    if kind.__module__ == "numpy" and kind.__name__ == "datetime64":
        return {"kind": "date", "value": _date({}, value)}
    if kind.__module__ == "numpy" and isinstance(value, numbers.Real):
        item = value.item()
        return {"kind": type(item).__name__, "value": item if type(item) is not float or math.isfinite(item)
                else repr(item)}
    return {"kind": "unsupported", "type": kind.__name__}


def _record(item):
    """Return one item of a list of annotations as JSON: a dict's text keys with plain values, text, or None."""
    if type(item) is dict:
        return {str(k): (x if type(x) in (str, int) else None) for k, x in list(item.items())[:20]}
    return item if type(item) in (str, int) else None


def deserialise(data: dict):
    """Return the value that ``serialise`` described (a stand-in object for unsupported ones).

    ``data`` comes from a kernel, so from a student: anything malformed raises ``AnswerTypeError``.
    """
    if not isinstance(data, dict):
        raise AnswerTypeError("the answer could not be read")
    kind, value = data.get("kind"), data.get("value")
    expected = {"str": str, "int": int, "bool": bool, "list": list, "tuple": list, "set": list, "frozenset": list,
                "date": str, "float": (int, float, str), "DataFrame": dict, "Series": dict}
    if kind == "blank":
        return Ellipsis
    if kind in expected and not isinstance(value, expected[kind]):
        raise AnswerTypeError("the answer could not be read")
    if kind in ("list", "tuple", "set", "frozenset") and not all(isinstance(v, str) for v in value):
        raise AnswerTypeError("the answer could not be read")
    if kind == "records":  # a list of annotations: dicts of text and whole numbers, checked again by normalise
        if not isinstance(value, list) or not all(v is None or type(v) in (str, int) or (isinstance(v, dict) and all(
                isinstance(k, str) and (x is None or type(x) in (str, int)) for k, x in v.items())) for v in value):
            raise AnswerTypeError("the answer could not be read")
        return [dict(v) if isinstance(v, dict) else v for v in value]
    try:
        if kind in ("str", "int", "bool", "list"):
            return value
        if kind == "float":
            return float(value)
        if kind == "tuple":
            return tuple(value)
        if kind in ("set", "frozenset"):
            return set(value)
        if kind == "date":
            return dt.date.fromisoformat(value)
        if kind in ("DataFrame", "Series"):
            return _untable(kind, value)
    except (ValueError, TypeError, KeyError, OverflowError) as err:
        raise AnswerTypeError("the answer could not be read") from err
    return Unsupported(str(data.get("type", "?"))[:60])


MAX_INDEX_LEVELS, MAX_COLUMNS = 16, 1000  # a reported table with more is refused (building it would be slow)


def _table(table) -> dict:
    import pandas as pd

    frame = table.to_frame() if isinstance(table, pd.Series) else table
    index = frame.index
    return {"name": _label(table.name) if isinstance(table, pd.Series) else None,
            "columns": [_label(c) for c in frame.columns],
            "index_names": [_label(n) for n in index.names],
            "index": [[_plain(v) for v in index.get_level_values(i)] for i in range(index.nlevels)],
            "rows": [[_plain(v) for v in row] for row in frame.itertuples(index=False, name=None)]}


def _untable(kind: str, table: dict):
    import pandas as pd

    columns = [_unlabel(c) for c in table["columns"]]
    levels = [[_unplain(v) for v in level] for level in table["index"]]
    names = [_unlabel(n) for n in table["index_names"]]
    rows = [[_unplain(v) for v in row] for row in table["rows"]]
    if len(names) != len(levels) or not levels or any(len(level) != len(rows) for level in levels):
        raise ValueError("index and rows differ in length")
    if len(levels) > MAX_INDEX_LEVELS or len(columns) > MAX_COLUMNS:
        raise ValueError("more index levels or columns than any answer has")
    if any(len(row) != len(columns) for row in rows):
        raise ValueError("a row has the wrong number of cells")
    if len(levels) == 1:
        index = pd.Index(levels[0], name=names[0], dtype=object, tupleize_cols=False)
    else:
        index = pd.MultiIndex.from_arrays(levels, names=names)
    frame = pd.DataFrame(rows, columns=pd.Index(columns, dtype=object, tupleize_cols=False), index=index,
                         dtype=object)
    if kind == "Series":
        if len(columns) != 1:
            raise ValueError("a Series has one column")
        return frame.iloc[:, 0].rename(_unlabel(table["name"]))
    return frame


def _plain(value):
    plain = _cell_value(value)
    return {"date": plain.isoformat()} if isinstance(plain, dt.date) else plain


def _unplain(value):
    if isinstance(value, dict):
        return dt.date.fromisoformat(value["date"])
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError("not a plain cell")


def _label(label):
    """Return a column or index label as JSON: kept when it is text or a number, as text otherwise."""
    if label is None or type(label) in (str, int, float, bool):
        return label
    if isinstance(label, numbers.Integral):
        return int(label)
    return {"text": str(label)}


def _unlabel(label):
    if isinstance(label, dict):
        return str(label["text"])
    if label is None or isinstance(label, (bool, int, float, str)):
        return label
    raise ValueError("not a label")


class Unsupported:
    """Stands for a value of a type that cannot be an answer; normalising it gives a clear type error."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name}>"

"""The answer types: one table of normalisers, each turning an answer into the canonical text both checkers compare.

What a value of each type normalises to, how the optional settings change it, and how values travel from a grading
kernel (``serialise``/``deserialise``). How whole notebooks are checked is in test_exercises.py.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from casekit import answers


class AlwaysEqual:
    """An answer that claims to equal anything: the trick that fooled nbgrader and nbval checks."""

    def __eq__(self, other):
        return True

    def __hash__(self):
        return 0


# --- the registry ------------------------------------------------------------------------------------------------

def test_the_types_are_the_table_of_normalisers_and_each_is_documented():
    assert answers.TYPES == tuple(answers.NORMALISERS)
    assert set(answers.TYPES) == {"choice", "number", "date", "text", "set", "ordering", "quote", "frame",
                                 "annotations"}
    table = answers.__doc__.split("Types and their options:")[1].split("\n\n")[1]  # the reST table
    rows = [line.split()[0] for line in table.splitlines() if line and not line.startswith(("=", " "))]
    assert rows[1:] == list(answers.TYPES), "casekit/answers.py: the docstring's table lists every type, in order"


def test_normalise_calls_the_function_the_table_names(monkeypatch):
    """A type is one entry in NORMALISERS: normalise finds it there (no lookup by function name)."""
    monkeypatch.setitem(answers.NORMALISERS, "shout", lambda spec, value: value.upper())
    assert answers.normalise({"type": "shout"}, "not allies") == "NOT ALLIES"
    monkeypatch.setitem(answers.NORMALISERS, "number", lambda spec, value: "replaced")
    assert answers.normalise({"type": "number"}, 20) == "replaced"


def test_an_unknown_type_is_named_with_the_known_ones():
    with pytest.raises(ValueError, match="unknown answer type 'integer'; known: choice, number, date"):
        answers.normalise({"type": "integer"}, 3)


# --- each type -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("spec, value, canonical", [
    ({"type": "number", "decimals": 1}, 12.345, "12.3"),
    ({"type": "number"}, -0.2, "0"),
    ({"type": "date"}, "2022-02-04", "2022-02-04"),
    ({"type": "date"}, pd.Timestamp("2022-07-20 13:00"), "2022-07-20"),
    ({"type": "text"}, "“Aspen  Security Forum.”", "aspen security forum"),
    ({"type": "quote"}, "“no limits”", "no limits"),
    ({"type": "set"}, ["b", "A", "a"], "a|b"),
    ({"type": "ordering"}, ("c", "A"), "c|a"),
    ({"type": "choice", "options": {"a": "Yes", "b": "No"}}, " B ", "b"),
    ({"type": "choice", "options": {"a": "Yes", "b": "No"}}, "no.", "b"),
])
def test_normalisers(spec, value, canonical):
    assert answers.normalise(spec, value) == canonical


@pytest.mark.parametrize("spec, value, message", [
    ({"type": "number"}, "20", "expected a number"),
    ({"type": "number"}, True, "expected a number"),
    ({"type": "number"}, float("inf"), "expected a finite number"),
    ({"type": "date"}, "20 July 2022", "YYYY-MM-DD"),
    ({"type": "date"}, "2022-02-30", "YYYY-MM-DD"),
    ({"type": "choice", "options": {"a": "Yes"}}, "c", "one of the letters 'a'"),
    ({"type": "frame"}, [1, 2], "a pandas DataFrame or Series"),
    ({"type": "number"}, ..., "no answer yet"),
])
def test_a_value_of_the_wrong_kind_is_refused_with_what_was_expected(spec, value, message):
    with pytest.raises(answers.AnswerTypeError, match=message):
        answers.normalise(spec, value)


def test_dataframe_answers_ignore_row_order_and_index():
    spec = {"type": "frame", "columns": ["id", "n"]}
    one = pd.DataFrame({"id": ["x", "y"], "n": [1, 2]}, index=[5, 9])
    two = pd.DataFrame({"n": [2, 1], "id": ["y", "x"], "extra": [0, 0]})
    assert answers.normalise(spec, one) == answers.normalise(spec, two)
    with pytest.raises(answers.AnswerTypeError, match="no \\['n'\\]"):
        answers.normalise(spec, pd.DataFrame({"id": ["x"]}))


def test_keep_index_compares_the_index_as_columns():
    """A count by status is a Series whose index is the status: with keep_index the labels count, without not."""
    right = pd.Series([2, 1], index=pd.Index(["verified", "disputed"], name="status"), name="n")
    relabelled = pd.Series([2, 1], index=pd.Index(["disputed", "verified"], name="status"), name="n")
    kept = {"type": "frame", "keep_index": True}
    assert answers.normalise(kept, right) == "status,n;disputed,1;verified,2"
    assert answers.normalise(kept, right) != answers.normalise(kept, relabelled)
    assert answers.normalise({"type": "frame"}, right) == answers.normalise({"type": "frame"}, relabelled) == "n;1;2"


# --- values sent by a grading kernel ------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (3, 3), (2.5, 2.5), ("x", "x"), (True, True), (["a", "b"], ["a", "b"]), (("a",), ("a",)),
    ({"a", "b"}, {"a", "b"}), (dt.date(2022, 2, 4), dt.date(2022, 2, 4)),
    (pd.Timestamp("2022-07-20"), dt.date(2022, 7, 20)),  # a Timestamp travels as the date it names
])
def test_serialised_values_come_back_the_same(value, expected):
    again = answers.deserialise(json.loads(json.dumps(answers.serialise(value))))
    assert again == expected and type(again) is type(expected)


def test_serialised_tables_and_tricks_come_back_as_what_they_are():
    frame = pd.DataFrame({"a": [1, 2]})
    again = answers.deserialise(json.loads(json.dumps(answers.serialise(frame))))
    assert isinstance(again, pd.DataFrame) and again.to_dict("list") == frame.to_dict("list") == {"a": [1, 2]}
    assert answers.normalise({"type": "frame"}, again) == answers.normalise({"type": "frame"}, frame)
    odd = answers.deserialise(answers.serialise(AlwaysEqual()))
    with pytest.raises(answers.AnswerTypeError, match="AlwaysEqual object"):
        answers.normalise({"type": "number"}, odd)

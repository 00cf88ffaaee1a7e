"""A value reported by a grading kernel has the canonical text the value itself has, whatever its shape.

The grader never sees the student's objects, only ``answers.serialise`` of them sent as JSON; these tests show
that ``normalise(spec, value)`` equals ``normalise(spec, deserialise(serialise(value)))`` for every answer shape
the types accept, and that malformed reports are an ``AnswerTypeError``, never a crash.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from casekit import answers


def round_trip(value):
    return answers.deserialise(json.loads(json.dumps(answers.serialise(value))))


def canonical(spec, value):
    try:
        return answers.normalise(spec, value)
    except answers.AnswerTypeError as err:
        return f"error: {type(err).__name__}"


EVENTS = pd.DataFrame({"id": ["e1", "e2", "e3"], "status": ["verified", "to_verify", "disputed"],
                       "date": pd.to_datetime(["2022-02-04", None, "2022-07-20"]), "n": [1, None, 3],
                       "share": np.array([0.1, 0.25, 1 / 3], dtype="float32"), "flag": [True, False, None]})

CASES = [
    ({"type": "number"}, np.int64(20)), ({"type": "number", "decimals": 2}, np.float32(0.125)),
    ({"type": "number"}, 19.6), ({"type": "number"}, True), ({"type": "number"}, float("nan")),
    ({"type": "date"}, pd.Timestamp("2022-07-20 13:00")), ({"type": "date"}, np.datetime64("2022-07-20")),
    ({"type": "date"}, dt.datetime(2022, 7, 20, 9)), ({"type": "date"}, dt.date(2022, 7, 20)),
    ({"type": "date"}, "2022-07-20"), ({"type": "text"}, "Aspen"), ({"type": "quote"}, "“not an alliance”"),
    ({"type": "set"}, {"a", "b"}), ({"type": "set"}, frozenset({"a"})), ({"type": "set"}, ("a", "b")),
    ({"type": "ordering"}, ["d", "b", "a"]), ({"type": "ordering"}, ("d", "b")),
    ({"type": "choice", "options": {"a": "Yes", "b": "No"}}, "No"),
    ({"type": "frame", "columns": ["id", "status"]}, EVENTS),
    ({"type": "frame", "columns": ["id", "status"]}, EVENTS.set_index(["id", "status"], drop=False)),
    ({"type": "frame"}, EVENTS), ({"type": "frame", "decimals": 2}, EVENTS),
    ({"type": "frame", "keep_index": True}, EVENTS.set_index(["id", "date"])),
    ({"type": "frame", "columns": ["status"]}, EVENTS.set_index(["id", "n"])["status"]),
    ({"type": "frame", "keep_index": True}, EVENTS.set_index(["id", "n"])["status"]),
    ({"type": "frame", "keep_index": True}, EVENTS.groupby("status").size()),
    ({"type": "frame"}, EVENTS.groupby(["status", "flag"], dropna=False).size().reset_index(name="n")),
    ({"type": "frame"}, pd.DataFrame({0: [1, 2], "x": ["a", "b"]})),
    ({"type": "frame"}, pd.Series([], dtype=object, name="empty")),
    ({"type": "frame"}, EVENTS.astype({"status": "category"})),
]


@pytest.mark.parametrize("spec, value", CASES, ids=[f"{s['type']}-{i}" for i, (s, _) in enumerate(CASES)])
def test_a_reported_value_has_the_canonical_text_of_the_value(spec, value):
    assert canonical(spec, round_trip(value)) == canonical(spec, value)


@pytest.mark.parametrize("report", [
    {"kind": "DataFrame", "value": "garbage"}, {"kind": "list", "value": [1, [2]]}, {"kind": "float", "value": [1]},
    {"kind": "date", "value": "2022-13-45"}, "not a dict", {"kind": "Series", "value": {"columns": [1, 2],
                                                                                         "index": [[1]],
                                                                                         "index_names": [None],
                                                                                         "rows": [[1, 2]]}},
    {"kind": "DataFrame", "value": {"columns": ["a"], "index": [[1, 2]], "index_names": [None], "rows": [[1]]}},
    {"kind": "DataFrame", "value": {"columns": ["a"], "index": [[1]], "index_names": [None], "rows": [[{"x": 1}]]}},
])
def test_a_malformed_report_is_an_answer_type_error(report):
    with pytest.raises(answers.AnswerTypeError):
        answers.deserialise(report)

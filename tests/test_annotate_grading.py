"""The grader hands a submission's saved annotation layers to its sandboxed kernel as data: a read-first reader in
the graded run has exactly what the student saved, words that look like code stay words, a bad layer is a note."""

from __future__ import annotations

import json

import nbformat

from casekit import annotate
from casekit.grade import collect, session
from casekit.grade.run import Limits, grading_cell, run_submission
from grading_corpus import EXERCISE, answered

LIMITS = Limits(cell_seconds=30, notebook_seconds=120, memory_mb=2048)
CODE_LIKE = "July'); import os; os._exit(3) #\"\"\" {x}"
SAVED = [{"exact": "On July 21", "kind": "date", "note": "which day?", "paragraph": 2},
         {"exact": "Aspen Strategic Security Forum", "kind": "factual_error", "note": CODE_LIKE}]
ANSWER = ("import json\nfrom casekit import source\nr = source.reader(mode='read-first', key='ex02')\n"
          "answer = json.dumps(r.annotations, sort_keys=True)")


def _submission(tmp_path, bundle):
    nb = answered({"ex02.q1": ANSWER})
    cell = next(c for c in nb.cells if c.metadata.get("casekit", {}).get("question") == "ex02.q1")
    cell.outputs = [nbformat.v4.new_output("display_data", data={annotate.MIME: bundle, "text/plain": "saved"})]
    path = tmp_path / "student" / "ex02_timeline.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    return collect.read("student", path)


def _grade(sub):
    released = nbformat.read(EXERCISE, as_version=4)
    return session._run_coroutine(run_submission(sub, released, {}, LIMITS, warm=False))


def test_a_graded_run_gets_the_annotations_the_student_saved(tmp_path):
    sub = _submission(tmp_path, {"key": "ex02", "annotations": SAVED})
    outcome, _ = _grade(sub)
    assert outcome.values["ex02.q1"] == {"kind": "str", "value": json.dumps(SAVED, sort_keys=True)}, outcome


def test_a_layer_of_the_wrong_shape_is_left_out_with_a_note(tmp_path):
    sub = _submission(tmp_path, {"key": "ex02", "annotations": [{"exact": "July", "kind": "gossip"}]})
    outcome, _ = _grade(sub)
    assert outcome.values["ex02.q1"] == {"kind": "str", "value": "[]"}, outcome
    assert any("annotations were not graded" in n and "item 1: kind 'gossip'" in n for n in outcome.notes), outcome


def test_the_layers_reach_the_kernel_as_json_data_not_code():
    cell = grading_cell("ex02", "s1", {}, {"ex02": [{"exact": CODE_LIKE, "kind": "date", "note": ""}]})
    namespace: dict = {}
    exec(compile(cell, "<grading cell>", "exec"), namespace)  # noqa: S102 - the cell the grader itself writes
    try:
        assert annotate.restore("ex02") == [{"exact": CODE_LIKE, "kind": "date", "note": ""}]
    finally:
        annotate._given = None
    assert "use_layers" not in grading_cell("ex02", "s1", {}, {})

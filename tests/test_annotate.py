"""The read-first reader and the student's annotation layer (casekit.annotate): no kit note before Compare, every
bad selection refused with a message and nothing saved, the layer kept in the notebook and restored from it."""

from __future__ import annotations

import json

import nbformat
import pytest

from casekit import annotate, data, source


@pytest.fixture(autouse=True)
def _fresh_layers(monkeypatch):
    monkeypatch.setattr(annotate, "_given", None)
    monkeypatch.setattr(annotate, "_live", {})
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)


def _kit_notes():
    return source.visible_annotations()


def test_read_first_shows_no_kit_note_before_compare():
    r = source.reader(mode="read-first", key="t1")
    sent = "".join(str(getattr(r, name)) for name in ("html", "saved", "message", "compared"))
    assert "ck-a " not in sent and "data-ann" not in sent and "ck-tip" not in sent
    for row in _kit_notes():
        assert row["note"] not in sent, row["id"]
        if row.get("correction"):
            assert row["correction"] not in sent, row["id"]
    r.compare()
    shown = r.compared
    assert sum(row["note"] in _html_text(shown) for row in _kit_notes()) == len(_kit_notes())


def _html_text(value: str) -> str:
    import html

    return html.unescape(value)


def test_a_saved_annotation_is_found_and_compared_with_the_kit():
    first = next(r for r in _kit_notes() if r["kind"] == "factual_error")
    r = source.reader(mode="read-first", key="t2")
    message = r.save(first["exact"], "factual_error", "wrong date?", first["paragraph"], first["paragraph"])
    assert message.startswith("Saved annotation 1"), message
    assert r.annotations == [{"exact": first["exact"], "kind": "factual_error", "note": "wrong date?",
                              "paragraph": first["paragraph"]}]
    rows = annotate.compare(r.annotations)
    mine = [row for row in rows if row["mine"]]
    assert any(row["outcome"] == "same kind" and row["kit"]["id"] == first["id"] for row in mine)
    assert sum(row["outcome"] == "missed" for row in rows) < len(_kit_notes())
    r.save("the", "opinion", "", None, None)  # "the" occurs in many paragraphs: refused
    assert len(r.annotations) == 1


@pytest.mark.parametrize(("exact", "paragraphs", "says"), [
    ("", (None, None), "Nothing is selected"),
    ("   \n ", (None, None), "Nothing is selected"),
    ("words that the article never uses at all", (None, None), "cannot be found"),
    ("On July 21", (2, 3), "spans two paragraphs"),
    ("Forum\n\nThis year", (None, None), "spans two paragraphs"),
])
def test_a_bad_selection_is_refused_with_a_message_and_nothing_saved(exact, paragraphs, says):
    r = source.reader(mode="read-first", key="t3")
    message = r.save(exact, "claim", "", *paragraphs)
    assert says in message, message
    assert r.annotations == [] and r.message == message


def test_text_found_in_no_paragraph_selected_says_so():
    text = data.article_text()
    import casekit.anchors as anchors

    start, end = anchors.paragraphs(text)[1]
    r = source.reader(mode="read-first", key="t4")
    assert "cannot be found in ¶5" in r.save(text[start:start + 30], "claim", "", 5, 5)
    assert r.annotations == []


def test_excerpt_mode_refuses_every_mark(monkeypatch):
    monkeypatch.setattr(data, "article_text", lambda: None)
    r = source.reader(mode="read-first", key="t5")
    assert "excerpt mode" in r.save("July", "date").lower()
    assert r.annotations == [] and "Excerpt mode" in r.html


def test_a_wrong_kind_or_note_is_refused():
    r = source.reader(mode="read-first", key="t6")
    assert "Pick a kind" in r.save("Aspen Strategic Security Forum", "hedge", "", 2, 2)
    assert "Pick a kind" in r.save("Aspen Strategic Security Forum", "", "", 2, 2)
    assert r.annotations == []


def _saved_notebook(tmp_path, bundles):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("r = reader(mode='read-first', key='ex01')")
    cell.outputs = [nbformat.v4.new_output("display_data", data={annotate.MIME: b, "text/plain": "x"})
                    for b in bundles]
    nb.cells = [cell]
    path = tmp_path / "student.ipynb"
    nbformat.write(nb, path)
    return path


def test_annotations_survive_saving_and_reopening_the_notebook(tmp_path, monkeypatch):
    r = source.reader(mode="read-first", key="ex01")
    assert r.save("Aspen Strategic Security Forum", "factual_error", "its name?", 2, 2).startswith("Saved")
    r.save("On July 21", "date", "", 2, 2)
    bundle = r.bundle()[annotate.MIME]
    assert bundle == {"key": "ex01", "annotations": r.annotations}
    path = _saved_notebook(tmp_path, [{"key": "ex01", "annotations": []}, bundle])  # the later one wins
    monkeypatch.setattr(annotate, "_live", {})  # a kernel restart
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    again = source.reader(mode="read-first", key="ex01")
    assert again.annotations == r.annotations and len(again.annotations) == 2
    assert "ck-mine" in again.html
    assert source.reader(mode="read-first", key="other").annotations == []
    # nbformat reads it back the same way the grader does
    assert annotate.saved_layers(json.loads(path.read_text()))["ex01"] == r.annotations


def test_a_relative_session_name_is_found_beside_the_kernel(tmp_path, monkeypatch):
    path = _saved_notebook(tmp_path, [{"key": "ex01", "annotations": [{"exact": "July", "kind": "date",
                                                                       "note": ""}]}])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JPY_SESSION_NAME", "course/" + path.name)
    assert annotate.restore("ex01") == [{"exact": "July", "kind": "date", "note": ""}]


@pytest.mark.parametrize(("bundle", "says"), [
    ({"key": "ex01", "annotations": "July"}, "expected a list"),
    ({"key": "ex01", "annotations": [{"exact": "July", "kind": "date"}, 3]}, "item 2: expected a dict"),
    ({"key": "ex01", "annotations": [{"exact": "", "kind": "date"}]}, "item 1: 'exact'"),
    ({"key": "ex01", "annotations": [{"exact": "x", "kind": "gossip"}]}, "item 1: kind 'gossip'"),
    ({"key": "ex01", "annotations": [{"exact": "x", "kind": "date", "note": 5}]}, "item 1: 'note' must be text"),
    ({"key": "ex01", "annotations": [{"exact": "x", "kind": "date", "colour": "red"}]}, "unknown field(s) colour"),
    ({"key": "ex01", "annotations": [{"exact": "x", "kind": "date", "paragraph": "2"}]}, "'paragraph'"),
    ({"key": "ex01", "annotations": [{"exact": "x" * 5000, "kind": "date"}]}, "at most 1000"),
    ({"key": "ex01", "annotations": [{"exact": "x", "kind": "date"}] * 301}, "at most 300"),
    ({"key": 7, "annotations": []}, "'key' must be"),
    ({"annotations": []}, "expected {'key'"),
    ("not json", "not valid JSON"),
])
def test_a_layer_of_the_wrong_shape_is_refused_naming_the_item(bundle, says):
    nb = {"cells": [{"cell_type": "markdown"}, {"cell_type": "code", "outputs": [
        {"output_type": "display_data", "data": {annotate.MIME: bundle}}]}]}
    with pytest.raises(annotate.AnnotationShapeError) as err:
        annotate.saved_layers(nb)
    assert says in str(err.value) and "cell 2" in str(err.value), str(err.value)


def test_junk_around_the_bundles_is_ignored():
    assert annotate.saved_layers({"cells": [1, {"outputs": "x"}, {"outputs": [None, {"data": []}]}]}) == {}
    assert annotate.saved_layers([]) == {}


def test_layers_given_by_the_grader_win_over_the_notebook():
    annotate.use_layers({"ex01": [{"exact": "July", "kind": "date", "note": ""}]})
    assert source.reader(mode="read-first", key="ex01").annotations == [{"exact": "July", "kind": "date",
                                                                         "note": ""}]
    with pytest.raises(annotate.AnnotationShapeError, match="layer 'x', item 1"):
        annotate.use_layers({"x": [{"exact": "July", "kind": "nope"}]})


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unknown reader mode"):
        source.reader(mode="read-later")


def test_remove_takes_out_one_annotation_and_updates_the_saved_layer():
    r = source.reader(mode="read-first", key="t7")
    r.save("On July 21", "date", "", 2, 2)
    r.save("more than 400 people", "number")
    assert "Removed" in r.remove(0)
    assert [a["exact"] for a in r.annotations] == ["more than 400 people"]
    assert r.bundle()[annotate.MIME]["annotations"] == r.annotations == annotate.restore("t7")
    assert "no such annotation" in r.remove(5) and len(r.annotations) == 1

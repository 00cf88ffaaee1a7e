"""The annotated reader: one highlight per visible annotation, kinds toggle exactly, text is escaped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from minidata import MINI_ROWS, rehash, write_table

from casekit import data, source

MARK = re.compile(r'data-ann="([^"]+)"')


def shown(html: str) -> list[str]:
    return MARK.findall(html)


def test_the_reader_knows_exactly_the_annotation_kinds_of_the_data_package():
    """A kind added to the schema's enum must get a label and a colour in the reader, or render_html fails."""
    enum = data.resource_of("annotations").field("kind").enum
    missing = [kind for kind in enum if kind not in source.KINDS]
    unknown = [kind for kind in source.KINDS if kind not in enum]
    assert not missing, (f"annotation kind(s) {missing} are in data/datapackage.json (annotations, field 'kind') but "
                         "not in KINDS in casekit/source.py: give each a (label, colour, underline, tint) entry there")
    assert not unknown, (f"KINDS in casekit/source.py has kind(s) {unknown} that data/datapackage.json (annotations, "
                         "field 'kind') does not list: add them to the enum or remove them from KINDS")
    assert set(data.ANNOTATION_KINDS_NEEDING_EVIDENCE) <= set(enum)


def test_every_annotation_is_highlighted_exactly_once():
    html = source.render_html()
    ids = list(data.load("annotations")["id"])
    assert sorted(shown(html)) == sorted(ids)
    assert "<script" not in html.lower()


@pytest.mark.parametrize("kind", list(source.KINDS))
def test_turning_a_kind_off_removes_exactly_its_highlights(kind):
    table = data.load("annotations")
    everything = set(shown(source.render_html()))
    others = [k for k in source.KINDS if k != kind]
    without = set(shown(source.render_html(kinds=others)))
    assert everything - without == set(table.loc[table["kind"] == kind, "id"])
    assert without <= everything


def test_highlights_nest_properly_and_notes_are_in_tooltips_and_print_lists():
    html = source.render_html()
    opened = len(re.findall(r'<mark class="ck-a ck-k-[a-z_]+" data-ann=', html))
    assert opened == html.count('class="ck-tip"') == len(data.load("annotations"))
    depth = 0
    for tag in re.findall(r"<(/?)mark\b", html):
        depth += -1 if tag else 1
        assert depth >= 0
    assert depth == 0
    assert html.count("<ol class=\"ck-notes\"") == len(set(data.load("annotations")["paragraph"]))


def test_text_and_notes_are_escaped(mini_data):
    article = mini_data / "source" / "article.txt"
    article.write_text(article.read_text(encoding="utf-8") + "\n\nA <script>alert('x')</script> & co.",
                       encoding="utf-8")
    rehash(mini_data)
    rows = [dict(r) for r in MINI_ROWS["annotations"]]
    rows[2]["note"] = "Reported <b>speech</b> & \"more\""
    write_table(mini_data, "annotations", rows)
    html = source.render_html()
    assert "<script>" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co." in html
    assert "Reported &lt;b&gt;speech&lt;/b&gt; &amp; &quot;more&quot;" in html


def test_search_marks_every_match_even_across_highlights(mini_data):
    html = source.render_html(search="called it A CRISIS")
    hits = "".join(re.findall(r'<mark class="ck-hit">([^<]*)</mark>', html))
    assert hits == "called it a crisis"
    assert 'class="ck-hit"' not in source.render_html(search="")


def test_one_paragraph_can_be_shown_alone():
    html = source.render_html(paragraph=6)
    assert set(re.findall(r'data-par="(\d+)"', html)) == {"6"}
    in_six = data.load("annotations").query("paragraph == 6")["id"]
    assert sorted(shown(html)) == sorted(in_six)


def test_notes_that_cannot_be_placed_are_reported_not_fatal(mini_data):
    article = mini_data / "source" / "article.txt"
    article.write_text(article.read_text(encoding="utf-8").replace("July 21", "July 20"), encoding="utf-8")
    html = source.render_html()
    assert "could not be placed" in html and "a001: &#x27;July 21&#x27; does not occur" in html
    assert sorted(shown(html)) == ["a002", "a003"]


def test_side_panel_gives_correction_chinese_and_linked_sources():
    errors = data.load("annotations").query("kind == 'translation_error' and chinese.notna()")
    row = errors.iloc[0]
    panel = source.note_html(row["id"])
    assert source._esc(row["correction"]) in panel
    assert row["chinese"] in panel
    assert panel.count("<li>") == len(row["source_ids"])
    assert 'target="_blank" rel="noopener noreferrer"' in panel
    assert "Click a highlighted passage" in source.note_html("")


def test_excerpt_mode_shows_each_annotated_passage(excerpt_data):
    html = source.render_html()
    assert "Excerpt mode" in html
    assert sorted(shown(html)) == sorted(data.load("annotations")["id"])
    only = source.render_html(kinds=["factual_error"])
    assert set(shown(only)) == set(data.load("annotations").query("kind == 'factual_error'")["id"])


def test_unknown_kind_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown annotation kind"):
        source.render_html(kinds=["rumour"])


def test_reader_widget_updates_in_place():
    box = source.reader()
    view, before = box.view, box.view.html
    count = len(shown(before))
    kind = "translation_error"
    box.toggles[kind].value = False
    assert box.view is view and view.html != before
    assert len(shown(view.html)) == count - (data.load("annotations")["kind"] == kind).sum()
    box.toggles[kind].value = True
    assert len(shown(view.html)) == count
    box.jump.value = 9
    assert set(re.findall(r'data-par="(\d+)"', view.html)) == {"9"}
    box.jump.value = 0
    first = data.load("annotations").iloc[0]
    view.selected = first["id"]
    assert source._esc(first["note"]) in box.panel.value
    assert f'ck-selected" data-ann="{first["id"]}"' in view.html
    box.search.value = "Qin Gang"
    assert view.html.count('class="ck-hit"') >= (data.article_text() or "").count("Qin Gang")


def test_reader_works_in_excerpt_mode(excerpt_data):
    box = source.reader()
    assert "Excerpt mode" in box.view.html
    box.jump.value = 6
    assert set(re.findall(r'data-par="(\d+)"', box.view.html)) == {"6"}


@pytest.mark.parametrize("paragraph", [None, 2, 4, 9])
def test_the_count_line_counts_what_is_drawn(paragraph):
    for kinds, search in ((None, ""), (["quote", "translation_error"], "Qin"), (None, "Politico")):
        html = source.render_html(kinds=kinds, search=search, paragraph=paragraph)
        highlights, matches = source.shown_counts(kinds, search, paragraph)
        assert highlights == len(shown(html))
        assert matches == html.count('class="ck-hit"')


def test_the_count_line_of_one_paragraph_names_it_and_its_own_matches():
    in_4, politico_in_4 = source.shown_counts(search="Politico", paragraph=4)
    everywhere, politico = source.shown_counts(search="Politico")
    assert in_4 < everywhere and politico_in_4 < politico
    line = source._status_line(list(source.KINDS), "Politico", 4)
    assert f">{in_4} highlights shown in ¶4;" in line and "no match in ¶4" in line
    assert f"{politico} matches" in source._status_line(list(source.KINDS), "Politico", 0)


def test_the_kinds_table_explains_every_kind():
    table = source.kinds_table()
    assert list(table.index) == [label for label, *_ in source.KINDS.values()]
    meanings = table["what it marks"]
    assert meanings.str.len().min() > 8 and meanings.str.endswith(".").all()
    assert not (meanings.str.lower().str.rstrip(".") == table.index.str.lower()).any(), "a meaning, not the name"
    assert table["in the article"].sum() == len(data.load("annotations"))


def test_the_toggles_are_buttons_that_say_whether_they_are_pressed():
    box = source.reader()
    toggle = box.toggles["quote"]
    assert (toggle.value, toggle.kind) == (True, "quote")
    assert "aria-pressed" in (Path(source.__file__).with_name("assets") / "toggle.js").read_text(encoding="utf-8")


def test_every_highlight_is_focusable_and_described_by_its_note_for_screen_readers():
    import re as _re

    html = source.render_html()
    marks = _re.findall(r'<mark class="ck-a [^"]*" data-ann="([^"]+)" tabindex="0" aria-label="[^"]+" '
                        r'aria-describedby="ck-tip-([^"]+)">', html)
    assert marks and all(a == b for a, b in marks)
    tips = set(_re.findall(r'<span class="ck-tip" role="tooltip" id="ck-tip-([^"]+)">', html))
    assert {a for a, _ in marks} == tips, "each highlight's description points at its own note"
    samples = len(_re.findall(r'<mark class="ck-a ck-k-\w+ ck-sample">', html))  # the legend's, not focusable
    assert html.count('<mark class="ck-a ') == len(marks) + samples, "no highlight left out"
    panel = source.note_html(marks[0][0])
    assert 'role="region"' in panel and 'aria-live="polite"' in panel and "aria-label=" in panel
    css = (Path(source.__file__).with_name("assets") / "reader.css").read_text(encoding="utf-8")
    assert "prefers-reduced-motion: reduce" in css

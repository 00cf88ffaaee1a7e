"""The kit's own case data: sound, complete enough to teach from, and honest about its sources."""

from __future__ import annotations

import json
import os
import re

import pandas as pd
import pytest

from casekit import anchors, data, locate

ARTICLE = data.article_text()

# Every error the fact sheet's headline list (FACTS.md §0, items 1-12) finds in the article, by words of the
# article that an error annotation must cover. Item 13 ("Non-Alignment") is annotated for its meaning but not as an
# error: official English for 不结盟 varies (issue 12; tests/test_facts.py holds it).
HEADLINE_ERRORS = {
    "1 date of the Aspen talk": "July 21",
    "2 forum name": "Aspen Strategic Security Forum",
    "3 Luce's title": "editor-in-chief of the US edition",
    "4 less than 20 days": "less than 20 days",
    "4 one-day visit": "February 4th to 5th",
    "5 Uzbekistan": "Uzbekistan",
    "6 Olympics": "International Olympic Games",
    "7 joint statement title": "Joint Statement on International Relations and Global Sustainable Development",
    "8 gas stations": "only gas stations",
    "9 NRTA": "State Administration of Radio and Television",
    "10 WaPo title": "Our Position on the Ukraine Issue",
    "10 NI title": "After the Ukraine Crisis",
    "11 uncapped": "uncapped",
    "11 Cold War crisis": "Cold War crisis",
    "12 dissuade": "not dissuade it without knowing it",
}
ERROR_KINDS = set(data.ANNOTATION_KINDS_NEEDING_EVIDENCE)  # the kinds that need a correction and sources


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return {name: data.load(name) for name in data.names()}


def test_the_case_data_is_sound():
    assert [str(p) for p in data.validate()] == []


def test_counts_meet_the_kit_minimums(tables):
    assert len(tables["annotations"]) >= 40
    assert len(tables["events"]) >= 30
    assert len(tables["statements"]) >= 12
    assert len(tables["glossary"]) >= 15
    kinds = set(tables["annotations"]["kind"].astype(str))
    assert kinds == set(tables["annotations"]["kind"].cat.categories), "every kind of annotation is used"


def test_every_headline_error_of_the_fact_sheet_is_annotated():
    errors = data.load("annotations").query("kind in @ERROR_KINDS")
    spans = [anchors.resolve(ARTICLE, r.exact, r.prefix, r.suffix) for r in errors.itertuples()]
    for label, words in HEADLINE_ERRORS.items():
        start = ARTICLE.index(words)
        covered = any(s.start <= start < s.end or start <= s.start < start + len(words) for s in spans)
        assert covered, f"FACTS.md §0 item {label}: no error annotation covers {words!r}"


def test_error_annotations_carry_the_evidence(tables):
    errors = tables["annotations"].query("kind in @ERROR_KINDS")
    assert errors["correction"].notna().all()
    assert errors["source_ids"].map(len).gt(0).all()
    translation = errors.query("kind == 'translation_error'")
    assert translation["chinese"].notna().sum() >= 10, "translation errors give the likely Chinese original"
    assert (translation["chinese"].notna() == translation["chinese_status"].notna()).all()


def test_items_not_verified_say_so(tables):
    for name in ("events", "annotations", "statements"):
        table = tables[name]
        unverified = table[table["status"].astype(str) != "verified"]
        note = "status_note" if name == "events" else "note"
        assert unverified[note].notna().all(), f"{name}: a disputed or to-verify row explains why"
    to_verify = tables["annotations"].query("status == 'to_verify'")
    assert to_verify["note"].str.contains("to verify", case=False).all()


def test_every_fact_row_names_a_source(tables):
    for name in ("events", "statements", "actors"):
        assert tables[name]["source_ids"].map(len).gt(0).all(), name


def test_sources_are_complete_and_addresses_are_whole(tables):
    sources = tables["sources"]
    assert set(sources["kind"].astype(str)) == {"primary", "secondary", "tertiary"}
    for row in sources.itertuples():
        assert row.url is pd.NA or ("…" not in row.url and " " not in row.url), row.id
        if row.url is pd.NA:
            assert row.note is not pd.NA, f"{row.id}: a source without an address says why"


def test_key_dates_match_the_fact_sheet(tables):
    events = tables["events"].set_index("date")
    def titles_on(day):
        return " ".join(events.loc[[pd.Timestamp(day)], "title"]) if pd.Timestamp(day) in events.index else ""
    assert "Aspen" in titles_on("2022-07-20") or "Qin" in titles_on("2022-07-20")
    assert re.search("invasion|invade", titles_on("2022-02-24"), re.I)
    assert re.search("joint statement|no limits", titles_on("2022-02-04"), re.I)
    assert re.search("treaty", titles_on("1950-02-14"), re.I)
    assert re.search("treaty", titles_on("2001-07-16"), re.I)


def test_less_than_20_days_is_exactly_20(tables):
    """The article's "less than 20 days" is checked the way lesson 02 does it."""
    events = tables["events"].set_index("id")
    statement, invasion = events.loc["e2022_joint_statement"], events.loc["e2022_russia_invades_ukraine"]
    assert statement["precision"] == invasion["precision"] == "day"
    assert (invasion["date"] - statement["date"]).days == 20


def test_alliance_codes_tell_the_treaty_story(tables):
    alliances = tables["alliances"].set_index("year")
    assert alliances.loc[1950:1980, "atop_defense"].all() and alliances.loc[1950:1980, "cow_defense"].all()
    after = alliances.loc[1981:]
    assert not after["atop_defense"].any() and not after["cow_defense"].fillna(False).any()
    assert alliances.loc[2001:2018, "atop_consul"].all()
    assert alliances.loc[2013:, "cow_entente"].isna().all(), "COW 4.1 ends in 2012: blank, not 'no'"
    assert alliances["atop_defense"].dtype == "boolean"


def test_load_gives_typed_columns_for_every_field(tables):
    descriptor = json.loads((locate.data_dir() / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if "schema" not in resource:
            continue
        frame = tables[resource["name"]]
        assert list(frame.columns) == [f["name"] for f in resource["schema"]["fields"]]
        for field in resource["schema"]["fields"]:
            column = frame[field["name"]]
            kind = field["type"]
            if kind == "date":
                assert column.dtype == "datetime64[ns]", field["name"]
            elif kind == "string" and "enum" in field.get("constraints", {}):
                assert isinstance(column.dtype, pd.CategoricalDtype), field["name"]
            elif kind == "integer":
                assert column.dtype == "Int64", field["name"]
            elif kind == "list":
                assert column.map(lambda v: isinstance(v, list)).all(), field["name"]


def test_load_works_from_any_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert len(data.load("events")) >= 30


def test_annotations_survive_re_segmentation(tables):
    """Anchors hold when the text is re-wrapped: every line broken at 50 characters, paragraphs spaced wider."""
    import textwrap

    blocks = ARTICLE.split("\n\n")
    rewrapped = "\n\n\n".join(textwrap.fill(block, 50, break_on_hyphens=False, break_long_words=False) for block in blocks)
    for row in tables["annotations"].itertuples():
        original = anchors.resolve(ARTICLE, row.exact, row.prefix, row.suffix)
        moved = anchors.resolve(rewrapped, row.exact, row.prefix, row.suffix)
        assert " ".join(rewrapped[moved.start:moved.end].split()) == " ".join(
            ARTICLE[original.start:original.end].split())
        assert moved.paragraph == original.paragraph


def test_excerpt_mode_works_without_the_article(excerpt_data):
    assert data.article_text() is None and data.excerpt_mode()
    assert data.validate() == []
    excerpts = data.excerpts()
    assert len(excerpts) == len(data.load("annotations"))
    assert [e["paragraph"] for e in excerpts] == sorted(e["paragraph"] for e in excerpts)
    assert all(e["exact"] and e["note"] for e in excerpts)


def test_article_is_kept_exactly_as_received():
    path = locate.data_dir() / "source" / "article.txt"
    raw = path.read_bytes()
    assert raw.startswith("Chinese Ambassador to the United States: China and Russia are not allies".encode())
    assert "Uzbekistan’s largest trading partner" in raw.decode("utf-8"), "the errors are kept: they are the lesson"
    assert not raw.endswith(b"\n"), "the text as received has no final newline"
    assert len(anchors.paragraphs(ARTICLE)) == 12


def test_the_data_never_reads_the_shared_folder():
    kit = locate.data_dir().parent
    for path in [*kit.glob("casekit/**/*.py"), *kit.glob("notebooks/*.ipynb"), kit / "Makefile", kit / ".ci" / "run"]:
        assert "../shared" not in path.read_text(encoding="utf-8"), path
    assert os.environ.get(locate.ENV_VAR) is None or "shared" not in os.environ[locate.ENV_VAR]

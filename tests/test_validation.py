"""Validation finds each planted error and names its file, row and column; loading bad data fails clearly."""

from __future__ import annotations

import subprocess
import sys

import pytest

from casekit import data
from minidata import MINI_ROWS, rehash, write_table


def with_rows(name: str, *changes: dict[str, str], extra: list[dict[str, str]] = ()) -> list[dict[str, str]]:
    """Return the mini table ``name`` with each row updated by the matching change, plus extra rows."""
    rows = [dict(row) for row in MINI_ROWS[name]]
    for row, change in zip(rows, changes):
        row.update(change)
    return rows + list(extra)


def find(problems, file, column=None, id=None, text=""):
    """Return the problems that match the file, column, id and message fragment given."""
    return [p for p in problems
            if p.file == file and (column is None or p.column == column) and (id is None or p.id == id)
            and text in p.message]


def test_mini_dataset_is_valid(mini_data):
    assert data.validate() == []
    assert len(data.load("annotations")) == 3


def test_every_planted_error_is_reported_with_its_place(mini_data):
    write_table(mini_data, "sources", with_rows("sources", extra=[dict(MINI_ROWS["sources"][0])]))
    write_table(mini_data, "events", with_rows("events", extra=[
        {**MINI_ROWS["events"][0], "id": "bad_date", "date": "2022-02-30"},
        {**MINI_ROWS["events"][0], "id": "bad_category", "category": "party"},
        {**MINI_ROWS["events"][0], "id": "unknown_source", "source_ids": "src_a;nowhere"},
        {**MINI_ROWS["events"][0], "id": "backwards", "end_date": "2022-07-01"},
        {**MINI_ROWS["events"][0], "id": "too_early", "date": "1900-01-01"},
        {**MINI_ROWS["events"][0], "id": "no_such_paragraph", "article_paragraph": "9"},
    ]))
    write_table(mini_data, "annotations", with_rows("annotations", extra=[
        {**MINI_ROWS["annotations"][1], "id": "a004", "exact": "July 22"},
        {**MINI_ROWS["annotations"][1], "id": "a005", "prefix": ""},
        {**MINI_ROWS["annotations"][1], "id": "a006", "exact": "21 that China", "paragraph": "2",
         "prefix": ""},
        {**MINI_ROWS["annotations"][1], "id": "a007", "exact": "Russia are not allies", "paragraph": "3",
         "prefix": ""},
        {**MINI_ROWS["annotations"][0], "id": "a008", "exact": "Qin Gang", "correction": "", "source_ids": ""},
    ]))
    write_table(mini_data, "actors", with_rows("actors", {"source_ids": "src_a;;src_b"}))
    problems = data.validate()
    expected = [
        ("sources.csv", "id", "src_a", "already used on line 2"),
        ("events.csv", "date", "bad_date", "not a date"),
        ("events.csv", "category", "bad_category", "'party' is not one of"),
        ("events.csv", "source_ids", "unknown_source", "'nowhere' is not an id in sources.csv"),
        ("events.csv", "end_date", "backwards", "ends (2022-07-01) before it starts"),
        ("events.csv", "date", "too_early", "before the minimum 1949-01-01"),
        ("events.csv", "article_paragraph", "no_such_paragraph", "paragraph 9 does not exist"),
        ("annotations.csv", "exact", "a004", "does not occur"),
        ("annotations.csv", "exact", "a005", "occurs 2 times"),
        ("annotations.csv", "exact", "a006", "overlaps the quote of 'a001'"),
        ("annotations.csv", "paragraph", "a007", "says paragraph 3, but the quote is in paragraph 2"),
        ("annotations.csv", "correction", "a008", "needs a correction"),
        ("annotations.csv", "source_ids", "a008", "needs a source_ids"),
        ("actors.csv", "source_ids", "qin_gang", "empty item"),
    ]
    for file, column, row_id, text in expected:
        assert find(problems, file, column, row_id, text), f"not reported: {file} {row_id} {column}: {text}"
    assert len(problems) == len(expected), "\n".join(map(str, problems))
    first = find(problems, "events.csv", "date", "bad_date")[0]
    assert first.row == 2 and first.line == 3
    assert str(first) == ("events.csv, row 2 (line 3, id 'bad_date'), column 'date': "
                          "'2022-02-30' is not a date written YYYY-MM-DD")


def test_malformed_files_are_reported_not_crashed_on(mini_data):
    (mini_data / "glossary.csv").write_bytes(b"id,term\nx,\xff\xfe broken\n")
    with open(mini_data / "statements.csv", "a", encoding="utf-8") as handle:
        handle.write("s2,qin_gang,2022-07-20,Aspen,Politico,direct,a, b,2,,,src_b,verified,\n")
    (mini_data / "sources.csv").write_text('id,kind\n"src_a,primary\n', encoding="utf-8")
    (mini_data / "alliances.csv").unlink()
    problems = data.validate()
    assert find(problems, "glossary.csv", text="is not UTF-8 text")[0].line == 2
    wide = find(problems, "statements.csv", text="has 14 cells; the header has 13")
    assert wide and wide[0].id == "s2" and wide[0].row == 2
    assert find(problems, "sources.csv", text="header does not match") or \
        find(problems, "sources.csv", text="not well-formed CSV")
    assert find(problems, "alliances.csv", text="is missing")


def test_header_problems_name_the_columns(mini_data):
    (mini_data / "actors.csv").write_text("id,name,kind\nqin_gang,Qin Gang,person\n", encoding="utf-8")
    problem, = find(data.validate(), "actors.csv", text="header")
    assert "missing name_zh, pinyin, role, description, source_ids" in problem.message


def test_changed_article_is_noticed(mini_data):
    article = mini_data / "source" / "article.txt"
    article.write_text(article.read_text(encoding="utf-8").replace("July 21", "July 20"), encoding="utf-8")
    problems = data.validate()
    assert find(problems, "source/article.txt", text="has changed")
    assert find(problems, "annotations.csv", "exact", "a001", "does not occur")


def test_load_raises_a_clear_error_naming_the_cell(mini_data):
    write_table(mini_data, "events", with_rows("events", {"date": "20 July 2022"}))
    with pytest.raises(data.DataError) as caught:
        data.load("events")
    message = str(caught.value)
    assert "events.csv, row 1 (line 2, id 'aspen'), column 'date'" in message
    assert caught.value.problems[0].column == "date"


def test_load_unknown_table_lists_the_tables(mini_data):
    with pytest.raises(KeyError, match="the tables are: sources, actors"):
        data.load("treaties")


def test_broken_descriptor_is_one_clear_problem(mini_data):
    (mini_data / "datapackage.json").write_text("{ not json", encoding="utf-8")
    problem, = data.validate()
    assert problem.file == "datapackage.json" and "not valid JSON: line 1" in problem.message


def test_missing_data_folder_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEKIT_DATA", str(tmp_path / "nowhere"))
    problem, = data.validate()
    assert "cannot find its data" in problem.message and "CASEKIT_DATA" in problem.message


def test_nothing_is_written_or_lost_by_validation(mini_data):
    write_table(mini_data, "events", with_rows("events", {"date": "2022-02-30"}))
    before = {p: p.read_bytes() for p in mini_data.rglob("*") if p.is_file()}
    assert data.validate()
    assert {p: p.read_bytes() for p in mini_data.rglob("*") if p.is_file()} == before


def test_command_line_reports_problems_and_fails(mini_data):
    write_table(mini_data, "events", with_rows("events", {"category": "party"}))
    run = subprocess.run([sys.executable, "-m", "casekit", "validate"], capture_output=True, text=True)
    assert run.returncode == 1
    assert "events.csv, row 1 (line 2, id 'aspen'), column 'category'" in run.stdout
    rehash(mini_data)
    write_table(mini_data, "events", MINI_ROWS["events"])
    run = subprocess.run([sys.executable, "-m", "casekit", "validate"], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.startswith("The case data is sound: 2 sources")

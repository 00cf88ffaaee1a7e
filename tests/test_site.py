"""The static edition builds, opens from disk without network, and carries the figures and the annotated article."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from casekit import site
from casekit.lessons import LESSONS

KIT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    site.build(KIT / "notebooks", out, report=lambda message: None)
    return out


def test_every_lesson_has_a_page_and_the_index_lists_them_in_order(edition):
    index = (edition / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+)\.html"', index)
    assert links == [lesson.stem for lesson in LESSONS]
    for lesson in LESSONS:
        assert (edition / f"{lesson.stem}.html").is_file()


def test_pages_work_offline_with_local_plotly(edition):
    assert (edition / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    for page in edition.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'src="https?://', text), page.name
        assert "cdnjs" not in text and "cdn.plot.ly" not in text, page.name
        assert site.WIDGET_MIME not in text


def test_pages_contain_the_figures_and_the_reader(edition):
    timeline = (edition / "02_timeline.html").read_text(encoding="utf-8")
    assert timeline.count("Plotly.newPlot(") >= 1 and '<script src="assets/plotly.min.js">' in timeline
    reading = (edition / "01_reading_the_source.html").read_text(encoding="utf-8")
    assert 'class="ck-reader"' in reading and "data-ann=" in reading
    assert 'href="02_timeline.html"' in reading, "links between lessons point at the pages"


def test_figure_html_draws_with_the_local_library():
    html = site.figure_html({"data": [{"type": "scatter", "x": [1], "y": [2]}], "layout": {}}, "f1")
    assert 'id="f1"' in html and 'Plotly.newPlot("f1", [{"type": "scatter"' in html


def test_present_edition_leaves_out_the_code(tmp_path):
    out = tmp_path / "present"
    site.build(KIT / "notebooks", out, report=lambda message: None, code=False)
    page = (out / "02_timeline.html").read_text(encoding="utf-8")
    assert "Plotly.newPlot(" in page and "timeline.figure(" not in page


# --- the output folder: only what build-site made is deleted --------------------------------------------------

def test_build_site_refuses_a_folder_it_did_not_make_and_leaves_it_alone(tmp_path, capsys):
    from casekit.__main__ import main

    mine = tmp_path / "my-work"
    (mine / "notes").mkdir(parents=True)
    (mine / "thesis.docx").write_text("months of work", encoding="utf-8")
    (mine / "notes" / "a.txt").write_text("a", encoding="utf-8")
    assert main(["build-site", "--out", str(mine)]) == 2
    error = capsys.readouterr().err
    assert f"will not delete {mine}" in error and site.MARKER in error and "--out" in error
    assert sorted(p.relative_to(mine).as_posix() for p in mine.rglob("*")) == ["notes", "notes/a.txt", "thesis.docx"]
    assert (mine / "thesis.docx").read_text(encoding="utf-8") == "months of work"
    a_file = tmp_path / "index.html"
    a_file.write_text("not a folder", encoding="utf-8")
    assert main(["build-site", "--out", str(a_file)]) == 2
    assert "not a folder" in capsys.readouterr().err and a_file.read_text(encoding="utf-8") == "not a folder"


def test_a_previous_edition_is_recognised_by_its_marker_and_replaced(edition, tmp_path):
    assert (edition / site.MARKER).is_file()
    old = tmp_path / "old-edition"
    (old / "assets").mkdir(parents=True)
    (old / site.MARKER).write_text(site.MARKER_TEXT, encoding="utf-8")
    (old / "01_reading_the_source.html").write_text("stale", encoding="utf-8")
    site.clean(old)
    assert not old.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    site.clean(empty)  # an empty folder holds nothing to lose: it is used as it is
    assert empty.is_dir()
    site.clean(tmp_path / "new")  # a folder that does not exist yet: nothing to do
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "data.csv").write_text("1,2", encoding="utf-8")
    (fake / site.MARKER).symlink_to(edition / site.MARKER)  # a marker must be the folder's own file
    with pytest.raises(site.SiteError):
        site.clean(fake)
    assert (fake / "data.csv").is_file()

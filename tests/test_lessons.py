"""The lessons: every one in the manifest exists, has the same anatomy, and has current navigation."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from casekit import navigation
from casekit.lessons import LESSONS

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SECTIONS = ["Check your understanding", "Key points", "What comes next"]


def test_the_notebooks_folder_holds_exactly_the_lessons_of_the_manifest():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(lesson.file for lesson in LESSONS)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.stem)
def test_each_lesson_has_the_anatomy(lesson):
    nb = nbformat.read(NOTEBOOKS / lesson.file, as_version=4)
    meta = nb.metadata["casekit"]
    assert meta["lesson"] == lesson.stem and meta["title"]
    assert len(meta["objectives"]) >= 2 and all(isinstance(o, str) and o for o in meta["objectives"])
    assert isinstance(meta["minutes"]["teaching"], int) and isinstance(meta["minutes"]["exercises"], int)
    assert isinstance(meta["prerequisites"], list)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert re.search(r"^# ", markdown, re.M), "a title"
    assert "You will learn" in markdown or "Learning objectives" in markdown
    assert re.search(r"minutes", markdown), "the time it takes, stated to the student"
    for section in SECTIONS:
        assert re.search(rf"^##+ {section}", markdown, re.M), f"{lesson.stem}: no '{section}' section"
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_navigation_is_current():
    assert navigation.stale(NOTEBOOKS) == []


def test_navigation_bars_link_the_path_in_order():
    assert "[The timeline →](02_timeline.ipynb)" in navigation.top(LESSONS[1])
    assert "[← Reading the source](01_reading_the_source.ipynb)" in navigation.top(LESSONS[2])
    assert "exercises/ex02_timeline.ipynb" in navigation.bottom(LESSONS[2])
    assert "end of the path" in navigation.bottom(LESSONS[-1])
    for lesson in LESSONS:
        if lesson.exercise:
            assert (NOTEBOOKS.parent / "exercises" / f"{lesson.exercise}.ipynb").is_file(), lesson.exercise

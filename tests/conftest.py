"""Shared fixtures: the kit's data with the article removed (excerpt mode), or a tiny data package to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from casekit import locate
from minidata import MINI_ALLIANCES, MINI_ARTICLE, MINI_ROWS, REAL_DATA, rehash, write_table


@pytest.fixture(autouse=True)
def no_course_secret(tmp_path_factory, monkeypatch):
    """Every test builds and grades with the public default, whatever secret the machine running it holds."""
    monkeypatch.delenv("CASEKIT_COURSE_SECRET", raising=False)
    monkeypatch.setenv("CASEKIT_COURSE_SECRET_FILE", str(tmp_path_factory.getbasetemp() / "no-course-secret"))


@pytest.fixture(autouse=True)
def key_cache(tmp_path_factory, monkeypatch) -> Path:
    """The grader's built keys go to one folder of this test run, never to the machine's ~/.cache: tests that
    grade the same solutions share it (as an instructor's runs do), and no run sees keys an older kit built."""
    folder = tmp_path_factory.getbasetemp() / "key-cache"
    monkeypatch.setenv("CASEKIT_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def mini_data(tmp_path, monkeypatch) -> Path:
    """A small valid data package (real descriptor, tiny tables) that casekit reads instead of the kit's data."""
    folder = tmp_path / "data"
    (folder / "source").mkdir(parents=True)
    shutil.copy(REAL_DATA / "datapackage.json", folder / "datapackage.json")
    (folder / "source" / "article.txt").write_text(MINI_ARTICLE, encoding="utf-8")
    (folder / "alliances.csv").write_bytes(MINI_ALLIANCES.encode())
    for name, rows in MINI_ROWS.items():
        write_table(folder, name, rows)
    rehash(folder)
    monkeypatch.setenv(locate.ENV_VAR, str(folder))
    return folder


@pytest.fixture
def excerpt_data(tmp_path, monkeypatch) -> Path:
    """A copy of the kit's real data without the article text: the kit must run in excerpt mode from it."""
    folder = tmp_path / "data"
    shutil.copytree(REAL_DATA, folder)
    (folder / "source" / "article.txt").unlink()
    monkeypatch.setenv(locate.ENV_VAR, str(folder))
    return folder

"""A small, valid copy of the case data that a test can break on purpose, and the tools to write it."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from casekit import locate

REAL_DATA = locate.data_dir()

MINI_ARTICLE = (
    "Title line | DW\n\n"
    "Qin Gang said on July 21 that China and Russia are not allies.\n\n"
    "Politico said Qin called it a crisis. Qin said it twice: a crisis."
)

# One valid row per table; the columns not named here are left blank.
MINI_ROWS = {
    "sources": [
        {"id": "src_a", "kind": "primary", "publisher": "Embassy", "title": "Transcript", "date": "2022-07-22",
         "url": "https://example.org/transcript", "language": "en", "fact_sheet_ref": "FACTS.md §1.1"},
        {"id": "src_b", "kind": "secondary", "publisher": "Politico", "title": "Report", "language": "en",
         "fact_sheet_ref": "FACTS.md §1.9"},
    ],
    "actors": [
        {"id": "qin_gang", "name": "Qin Gang", "kind": "person", "role": "Ambassador", "description": "A diplomat.",
         "source_ids": "src_a"},
        {"id": "politico", "name": "Politico", "kind": "media", "role": "Outlet", "description": "A news site.",
         "source_ids": "src_b"},
    ],
    "events": [
        {"id": "aspen", "date": "2022-07-20", "precision": "day", "category": "statement", "title": "Aspen talk",
         "description": "Qin speaks.", "actors": "qin_gang", "source_ids": "src_a;src_b", "article_paragraph": "2",
         "status": "verified"},
    ],
    "statements": [
        {"id": "s_not_allies", "speaker": "qin_gang", "date": "2022-07-20", "venue": "Aspen", "outlet": "Politico",
         "mode": "paraphrase", "article_wording": "China and Russia are not allies", "article_paragraph": "2",
         "source_ids": "src_b", "status": "verified"},
    ],
    "annotations": [
        {"id": "a001", "kind": "factual_error", "exact": "July 21", "paragraph": "2", "note": "It was July 20.",
         "correction": "July 20", "source_ids": "src_a", "status": "verified"},
        {"id": "a002", "kind": "framing", "exact": "a crisis", "prefix": "twice: ", "paragraph": "3",
         "note": "Qin's word.", "status": "verified"},
        {"id": "a003", "kind": "attribution", "exact": "Politico said Qin called it a crisis", "paragraph": "3",
         "note": "Reported speech.", "status": "verified"},
    ],
    "glossary": [
        {"id": "no_limits", "term": "no limits", "chinese": "没有止境", "meaning": "A phrase.", "status": "verified"},
    ],
}

MINI_ALLIANCES = "year,ccode1_China,ccode2_USSR_Russia,atop_defense,atop_offense,atop_neutral,atop_nonagg,atop_consul," \
                 "cow_defense,cow_neutral,cow_nonagg,cow_entente\r\n1950,710,365,1,1,0,1,0,1,0,0,0\r\n" \
                 "2013,710,365,0,0,0,1,1,,,,\r\n"


def write_table(folder: Path, name: str, rows: list[dict[str, str]]) -> None:
    """Write ``rows`` to ``folder/name.csv`` with the columns the real descriptor gives, blanks where absent."""
    descriptor = json.loads((REAL_DATA / "datapackage.json").read_text(encoding="utf-8"))
    fields = next(r for r in descriptor["resources"] if r["name"] == name)["schema"]["fields"]
    with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, [f["name"] for f in fields], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def rehash(folder: Path) -> None:
    """Record the current hashes of the article and alliance files in ``folder/datapackage.json``."""
    path = folder / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        file = folder / resource["path"]
        if "hash" in resource and file.is_file():
            resource["hash"] = "sha256:" + hashlib.sha256(file.read_bytes()).hexdigest()
    path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False), encoding="utf-8")



"""The case tables, typed, and the checks that keep them honest.

Every table is a CSV file in the kit's ``data/`` folder, described in ``data/datapackage.json``. ``load`` reads one
as a pandas DataFrame with proper types, from any working directory:

>>> from casekit import data
>>> events = data.load("events")
>>> events["date"].dtype
dtype('<M8[ns]')
>>> events["category"].dtype.name
'category'
>>> data.names()
['sources', 'actors', 'events', 'statements', 'annotations', 'glossary', 'alliances']

``validate`` checks everything at once and returns every problem it finds, each naming the file, the row and the
column; an empty list means the data is sound:

>>> data.validate()
[]

The article text itself is optional. Without ``data/source/article.txt`` the kit runs in *excerpt mode*: the
annotations' own quotes stand in for the text (see ``excerpts``).
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casekit import anchors, locate, schema

ANNOTATION_KINDS_NEEDING_EVIDENCE = ("translation_error", "factual_error")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data, and where: file, row (counting data rows from 1), line, column, id."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    line: int | None = None
    id: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            detail = f"line {self.line}" if self.line is not None else ""
            if self.id:
                detail = f"{detail}, id {self.id!r}" if detail else f"id {self.id!r}"
            where.append(f"row {self.row}" + (f" ({detail})" if detail else ""))
        elif self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column {self.column!r}")
        return ", ".join(where) + ": " + self.message


class DataError(ValueError):
    """A table cannot be loaded; ``problems`` lists every reason, each naming file, row and column."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s) in the case data:\n{shown}{more}")


@dataclass
class _Table:
    """A table as read from its CSV: typed rows plus the line each row started on."""

    rows: list[dict[str, Any]]
    lines: list[int]
    problems: list[Problem]


def names() -> list[str]:
    """Return the names of the case tables, in the order the data package lists them."""
    return [r.name for r in _resources().values() if r.is_table]


def load(name: str):
    """Return the table ``name`` as a pandas DataFrame: dates as datetimes, enumerations as categoricals.

    Lists of ids (``source_ids``, ``actors``) are Python lists. Raise ``DataError`` naming every bad cell when the
    file cannot be read as its schema says.
    """
    import pandas as pd

    resource = resource_of(name)
    table = _read(resource)
    if table.problems:
        raise DataError(table.problems)
    columns = {}
    for field in resource.fields:
        values = [row[field.name] for row in table.rows]
        columns[field.name] = pd.Series(values, dtype=_dtype(field, pd), name=field.name) if field.type != "date" \
            else pd.to_datetime(pd.Series(values, dtype="object"), errors="raise").astype("datetime64[ns]")
    return pd.DataFrame(columns)


def _dtype(field: schema.Field, pd):
    """Return the pandas dtype for a field's type."""
    if field.enum is not None and field.type == "string":
        return pd.CategoricalDtype(categories=field.enum)
    return {"string": "string", "integer": "Int64", "boolean": "boolean", "list": "object"}[field.type]


def article_text() -> str | None:
    """Return the article exactly as received, or None in excerpt mode (the file is absent)."""
    path = resource_of("article").path
    return path.read_text(encoding="utf-8") if path.is_file() else None


def excerpt_mode() -> bool:
    """Return True when the kit runs without the article text, from the annotations' quotes only."""
    return article_text() is None


def excerpts() -> list[dict[str, Any]]:
    """Return the annotated passages in reading order: paragraph, annotation id, kind, quoted words and note.

    This works with or without the article text, so excerpt mode has the same material to show.
    """
    rows = load("annotations").sort_values(["paragraph", "id"])
    return [
        {"paragraph": int(r.paragraph), "id": r.id, "kind": str(r.kind), "exact": r.exact, "note": r.note}
        for r in rows.itertuples()
    ]


def validate() -> list[Problem]:
    """Check every file of the data package and return all the problems found (an empty list when sound)."""
    try:
        resources = _resources()
    except (schema.DescriptorError, locate.DataFolderNotFound) as err:
        return [Problem("datapackage.json", str(err))]
    problems: list[Problem] = []
    tables: dict[str, _Table] = {}
    for resource in resources.values():
        problems += _check_file(resource)
        if resource.is_table and resource.path.is_file():
            tables[resource.name] = table = _read(resource)
            problems += table.problems + _check_unique(resource, table)
    for resource in resources.values():
        if resource.name in tables:
            problems += _check_foreign_keys(resource, tables[resource.name], tables)
    problems += _check_events(tables.get("events"))
    problems += _check_annotation_evidence(tables.get("annotations"))
    text = article_text() if resources["article"].path.is_file() else None
    if text is not None:
        problems += _check_anchors(text, tables.get("annotations"), "annotations", "exact", "paragraph")
        problems += _check_anchors(text, tables.get("statements"), "statements", "article_wording",
                                   "article_paragraph")
        problems += _check_paragraph_numbers(text, tables.get("events"), "events", "article_paragraph")
    return problems


# --- reading -----------------------------------------------------------------------------------------------------

def _resources() -> dict[str, schema.Resource]:
    return schema.resources(locate.data_dir())


def resource_of(name: str) -> schema.Resource:
    """Return what the data package says of the file ``name``: its path, fields (types, enumerations,
    descriptions) and the descriptor's own keys. Instruments read their columns from here, never from a list of
    their own.

    >>> resource_of("events").field("category").enum[0]
    'treaty'
    """
    resources = _resources()
    if name not in resources:
        known = ", ".join(r for r in resources if resources[r].is_table)
        raise KeyError(f"no case table called {name!r}; the tables are: {known}")
    return resources[name]


def _read(resource: schema.Resource) -> _Table:
    """Read and type a CSV table, collecting a Problem for each bad header, row or cell instead of failing."""
    file = resource.path.name
    table = _Table([], [], [])
    try:
        raw = resource.path.read_bytes()
    except OSError as err:
        table.problems.append(Problem(file, f"cannot be read: {err.strerror or err}"))
        return table
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        table.problems.append(Problem(file, f"is not UTF-8 text (byte {err.start} cannot be decoded)", line=line))
        return table
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            table.problems.append(Problem(file, "is empty: it needs a header row naming the columns"))
            return table
        expected = [f.name for f in resource.fields]
        if header != expected:
            missing = [c for c in expected if c not in header]
            extra = [c for c in header if c not in expected]
            detail = "; ".join(filter(None, [
                f"missing {', '.join(missing)}" if missing else "",
                f"unexpected {', '.join(extra)}" if extra else "",
                "columns out of order" if not missing and not extra else "",
            ]))
            table.problems.append(Problem(file, f"header does not match datapackage.json ({detail})", line=1))
            return table
        for number, cells in enumerate(reader, start=1):
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(expected):
                table.problems.append(Problem(file, f"has {len(cells)} cells; the header has {len(expected)}"
                                              " (a stray comma, or an unquoted comma inside a value?)",
                                              row=number, line=line, id=cells[0] if cells else None))
                continue
            # A bad cell is reported and read as blank, so the rest of the row can still be checked.
            row, row_id = {}, cells[0]
            for field, cell in zip(resource.fields, cells):
                try:
                    row[field.name] = field.parse(cell)
                except schema.CellError as err:
                    row[field.name] = None
                    table.problems.append(Problem(file, str(err), row=number, column=field.name, line=line,
                                                  id=row_id))
            table.rows.append(row)
            table.lines.append(line)
    except csv.Error as err:
        table.problems.append(Problem(file, f"is not well-formed CSV: {err}", line=reader.line_num))
    return table


# --- checks ------------------------------------------------------------------------------------------------------

def _check_file(resource: schema.Resource) -> list[Problem]:
    """Check that the file exists (unless optional) and, where the descriptor gives one, that its hash matches."""
    file = str(Path(resource.spec["path"]))
    if not resource.path.is_file():
        if resource.optional:
            return []
        return [Problem(file, "is missing")]
    if resource.hash:
        algorithm, _, expected = resource.hash.partition(":")
        actual = hashlib.new(algorithm, resource.path.read_bytes()).hexdigest()
        if actual != expected:
            return [Problem(file, f"has changed: its {algorithm} is {actual[:12]}…, datapackage.json records "
                                  f"{expected[:12]}…; if the change is intended, review what depends on it and "
                                  "update the hash")]
    return []


def _row_problem(resource: str, table: _Table, index: int, message: str, column: str | None = None) -> Problem:
    row = table.rows[index]
    return Problem(f"{resource}.csv", message, row=index + 1, column=column, line=table.lines[index],
                   id=str(next(iter(row.values()))))


def _check_unique(resource: schema.Resource, table: _Table) -> list[Problem]:
    problems = []
    for field in resource.fields:
        if not field.unique:
            continue
        seen: dict[Any, int] = {}
        for index, row in enumerate(table.rows):
            value = row[field.name]
            if value is None:
                continue
            if value in seen:
                problems.append(_row_problem(resource.name, table, index,
                                             f"{value!r} is already used on line {table.lines[seen[value]]}",
                                             field.name))
            else:
                seen[value] = index
    return problems


def _check_foreign_keys(resource: schema.Resource, table: _Table, tables: dict[str, _Table]) -> list[Problem]:
    problems = []
    for key in resource.foreign_keys:
        target = tables.get(key.resource)
        if target is None:
            continue
        known = {row[key.target] for row in target.rows}
        for index, row in enumerate(table.rows):
            value = row[key.field]
            values = value if isinstance(value, list) else ([] if value is None else [value])
            for item in values:
                if item not in known:
                    problems.append(_row_problem(resource.name, table, index,
                                                 f"{item!r} is not an id in {key.resource}.csv", key.field))
    return problems


def _check_events(table: _Table | None) -> list[Problem]:
    problems = []
    for index, row in enumerate(table.rows if table else []):
        if row["end_date"] is not None and row["date"] is not None and row["end_date"] < row["date"]:
            problems.append(_row_problem("events", table, index,
                                         f"ends ({row['end_date']}) before it starts ({row['date']})", "end_date"))
    return problems


def _check_annotation_evidence(table: _Table | None) -> list[Problem]:
    problems = []
    for index, row in enumerate(table.rows if table else []):
        if row["kind"] in ANNOTATION_KINDS_NEEDING_EVIDENCE:
            for column in ("correction", "source_ids"):
                if not row[column]:
                    problems.append(_row_problem("annotations", table, index,
                                                 f"a {row['kind']} needs a {column}", column))
        if row["chinese"] and not row["chinese_status"]:
            problems.append(_row_problem("annotations", table, index,
                                         "gives Chinese but not whether it was seen or reconstructed",
                                         "chinese_status"))
    return problems


def _check_anchors(text: str, table: _Table | None, name: str, column: str, paragraph: str) -> list[Problem]:
    """Check each row's quote resolves to exactly one span in the paragraph it names, and that spans nest."""
    if table is None:
        return []
    problems, spans = [], {}
    paragraph_ends = [end for _, end in anchors.paragraphs(text)]
    for index, row in enumerate(table.rows):
        if not row[column]:
            continue
        try:
            span = anchors.resolve(text, row[column], row.get("prefix") or "", row.get("suffix") or "")
        except anchors.AnchorError as err:
            problems.append(_row_problem(name, table, index, str(err), column))
            continue
        spans[index] = (span.start, span.end)
        if span.end > paragraph_ends[span.paragraph - 1]:
            problems.append(_row_problem(name, table, index, "its quote runs over the end of its paragraph", column))
        if row[paragraph] is not None and span.paragraph != row[paragraph]:
            problems.append(_row_problem(name, table, index,
                                         f"says paragraph {row[paragraph]}, but the quote is in paragraph "
                                         f"{span.paragraph}", paragraph))
    if name == "annotations":
        for a, b in anchors.crossings(spans):
            problems.append(_row_problem(name, table, b,
                                         f"its quote overlaps the quote of {table.rows[a]['id']!r} without one "
                                         "lying inside the other (highlights must nest)", column))
    return problems


def _check_paragraph_numbers(text: str, table: _Table | None, name: str, column: str) -> list[Problem]:
    count = len(anchors.paragraphs(text))
    return [
        _row_problem(name, table, index, f"paragraph {row[column]} does not exist (the article has {count})", column)
        for index, row in enumerate(table.rows if table else [])
        if row[column] is not None and row[column] > count
    ]

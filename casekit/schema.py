"""Read the data package descriptor and check single cells against its Table Schema.

``data/datapackage.json`` is the one place where the tables' columns, types and rules are written down; this
module reads it and never repeats it. It knows the Table Schema types the kit uses: ``string``, ``integer``,
``date``, ``boolean`` and ``list`` (several values in one cell, joined by the field's ``delimiter``).

>>> field = Field({"name": "date", "type": "date", "constraints": {"minimum": "1949-01-01"}})
>>> field.parse("2022-02-04")
datetime.date(2022, 2, 4)
>>> field.parse("4 Feb 2022")
Traceback (most recent call last):
...
casekit.schema.CellError: '4 Feb 2022' is not a date written YYYY-MM-DD
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

_INTEGER = re.compile(r"^-?[0-9]+$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class CellError(ValueError):
    """A cell's value breaks its field's type or constraints; the message says how."""


class DescriptorError(ValueError):
    """``datapackage.json`` is missing, is not JSON, or lacks what the kit needs."""


class Field:
    """One column of a table: its name, type and constraints, as the descriptor gives them."""

    def __init__(self, spec: dict[str, Any]):
        self.spec = spec
        self.name: str = spec["name"]
        self.type: str = spec.get("type", "string")
        self.constraints: dict[str, Any] = spec.get("constraints", {})
        self.required: bool = bool(self.constraints.get("required"))
        self.unique: bool = bool(self.constraints.get("unique"))
        self.enum: list[Any] | None = self.constraints.get("enum")
        self.delimiter: str = spec.get("delimiter", ";")

    def __repr__(self) -> str:
        return f"Field({self.name!r}, {self.type})"

    def parse(self, cell: str) -> Any:
        """Return the typed value of ``cell`` (None when blank); raise ``CellError`` if it breaks a rule."""
        cell = cell.strip()
        if cell == "":
            if self.required:
                raise CellError("is required but empty")
            return [] if self.type == "list" else None
        parser = getattr(self, f"_parse_{self.type}", None)
        if parser is None:
            raise CellError(f"has type {self.type!r}, which casekit does not know")
        return parser(cell)

    def _parse_string(self, cell: str) -> str:
        pattern = self.constraints.get("pattern")
        if pattern and not re.fullmatch(pattern, cell):
            raise CellError(f"{cell!r} does not match the pattern {pattern}")
        self._check_enum(cell)
        limit = self.constraints.get("maxLength")
        if limit is not None and len(cell) > limit:
            raise CellError(f"is {len(cell)} characters long; at most {limit} are allowed")
        if self.spec.get("format") == "uri" and not re.match(r"^https?://\S+$", cell):
            raise CellError(f"{cell!r} is not a web address (http:// or https://, no spaces)")
        return cell

    def _parse_integer(self, cell: str) -> int:
        if not _INTEGER.match(cell):
            raise CellError(f"{cell!r} is not a whole number")
        value = int(cell)
        self._check_enum(value)
        self._check_range(value, value)
        return value

    def _parse_date(self, cell: str) -> dt.date:
        try:
            if not _DATE.match(cell):
                raise ValueError
            value = dt.date.fromisoformat(cell)
        except ValueError:
            raise CellError(f"{cell!r} is not a date written YYYY-MM-DD") from None
        self._check_range(value, cell)
        return value

    def _parse_boolean(self, cell: str) -> bool:
        true_values = self.spec.get("trueValues", ["true"])
        false_values = self.spec.get("falseValues", ["false"])
        if cell in true_values:
            return True
        if cell in false_values:
            return False
        allowed = ", ".join(repr(v) for v in [*true_values, *false_values])
        raise CellError(f"{cell!r} is not one of {allowed}")

    def _parse_list(self, cell: str) -> list[str]:
        items = [item.strip() for item in cell.split(self.delimiter)]
        if any(item == "" for item in items):
            raise CellError(f"{cell!r} has an empty item between {self.delimiter!r} separators")
        return items

    def _check_enum(self, value: Any) -> None:
        if self.enum is not None and value not in self.enum:
            allowed = ", ".join(str(v) for v in self.enum)
            raise CellError(f"{value!r} is not one of: {allowed}")

    def _check_range(self, value: Any, shown: Any) -> None:
        low, high = self.constraints.get("minimum"), self.constraints.get("maximum")
        if isinstance(value, dt.date):
            low = dt.date.fromisoformat(low) if low else None
            high = dt.date.fromisoformat(high) if high else None
        if low is not None and value < low:
            raise CellError(f"{shown} is before the minimum {low}" if isinstance(value, dt.date)
                            else f"{shown} is below the minimum {low}")
        if high is not None and value > high:
            raise CellError(f"{shown} is after the maximum {high}" if isinstance(value, dt.date)
                            else f"{shown} is above the maximum {high}")


@dataclass(frozen=True)
class ForeignKey:
    """Values of ``field`` (or each item of a list field) must be ids in ``resource``.``target``."""

    field: str
    resource: str
    target: str


class Resource:
    """One file of the data package: its path, and for a table its fields, keys and expected hash."""

    def __init__(self, spec: dict[str, Any], folder: Path):
        self.spec = spec
        self.name: str = spec["name"]
        self.path: Path = folder / spec["path"]
        self.optional: bool = bool(spec.get("optional"))
        self.hash: str | None = spec.get("hash")
        schema = spec.get("schema", {})
        self.fields: list[Field] = [Field(f) for f in schema.get("fields", [])]
        self.foreign_keys: list[ForeignKey] = [
            ForeignKey(fk["fields"], fk["reference"]["resource"], fk["reference"]["fields"])
            for fk in schema.get("foreignKeys", [])
        ]

    @property
    def is_table(self) -> bool:
        """True for the CSV tables, False for the article text."""
        return bool(self.fields)

    def field(self, name: str) -> Field:
        """Return the field called ``name``."""
        return next(f for f in self.fields if f.name == name)


@lru_cache(maxsize=8)
def _read_descriptor(path: Path, _mtime: float) -> dict[str, Any]:
    """Return the descriptor at ``path``, parsed once per modification time (``_mtime`` is part of the cache key)."""
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise DescriptorError(f"cannot read {path}: {err}") from None
    except json.JSONDecodeError as err:
        raise DescriptorError(f"{path} is not valid JSON: line {err.lineno}, column {err.colno}: {err.msg}") from None
    if not isinstance(descriptor.get("resources"), list):
        raise DescriptorError(f"{path} has no list of 'resources'")
    return descriptor


def resources(folder: Path) -> dict[str, Resource]:
    """Return the data package's resources by name, read from ``folder/datapackage.json``."""
    path = folder / "datapackage.json"
    try:
        mtime = path.stat().st_mtime
    except OSError as err:
        raise DescriptorError(f"cannot read {path}: {err}") from None
    descriptor = _read_descriptor(path, mtime)
    try:
        return {spec["name"]: Resource(spec, folder) for spec in descriptor["resources"]}
    except (KeyError, TypeError) as err:
        raise DescriptorError(f"{path}: a resource lacks a required key ({err})") from None

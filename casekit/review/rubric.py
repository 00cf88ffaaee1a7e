"""Read a free-response question's rubric from its model answer in ``solutions/``, the rubric's only authored copy.

Two forms are understood, both as the solutions write them, after a line starting ``**Rubric``:

- a list of criteria worth points each, scored met or not (levels 0 and the criterion's points)::

      **Rubric (N points):**
      - 1 point: takes a clear position ...
      - 1 point: sourcing: notices that ...

- a table of criteria scored on levels, the first row naming the levels from best to weakest::

      | Criterion | 4 · Excellent | 3 · Proficient | 2 · Developing | 1 · Beginning |
      |---|---|---|---|---|
      | **Claim** | Answers the question precisely ... | ... | ... | ... |

A criterion's id (``c1``, ``c2`` … for a list; the criterion's first word in lower case for a table, ``claim``)
is what the scoring sheet's ``rubric`` column records: ``c1=1; c2=0; c3=1``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MARKER = "**Rubric"
_ITEM = re.compile(r"^- (\d+(?:\.\d+)?) points?: (.*)$")
_LEVEL = re.compile(r"^(\d+(?:\.\d+)?)\s*·\s*(.*)$")


class RubricError(ValueError):
    """A rubric that cannot be read, or a score that does not fit it."""


@dataclass
class Level:
    points: float
    label: str  # what a button shows: "1", "3 · Proficient"
    text: str = ""  # what the level asks for


@dataclass
class Criterion:
    id: str
    name: str
    text: str
    levels: list[Level] = field(default_factory=list)  # from the lowest to the highest

    def level(self, points: float) -> Level:
        for level in self.levels:
            if level.points == points:
                return level
        choices = ", ".join(f"{lv.points:g}" for lv in self.levels)
        raise RubricError(f"{points:g} is not a level of {self.id} ({choices})")


@dataclass
class Rubric:
    criteria: list[Criterion]

    @property
    def max_points(self) -> float:
        return sum(c.levels[-1].points for c in self.criteria)

    def criterion(self, cid: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == cid:
                return criterion
        raise RubricError(f"no criterion {cid!r} (the criteria are {', '.join(c.id for c in self.criteria)})")

    def parse(self, text: str) -> dict[str, float]:
        """Return the levels chosen in a sheet's ``rubric`` cell (``c1=1; c2=0``); raise ``RubricError`` if one
        names an unknown criterion or a level it does not have."""
        chosen: dict[str, float] = {}
        for part in (p.strip() for p in text.split(";")):
            if not part:
                continue
            cid, sep, value = part.partition("=")
            if not sep:
                raise RubricError(f"{part!r} should read criterion=level, like c1=1")
            criterion = self.criterion(cid.strip())
            try:
                points = float(value)
            except ValueError:
                raise RubricError(f"{value.strip()!r} is not a level of {criterion.id}") from None
            criterion.level(points)
            if criterion.id in chosen:
                raise RubricError(f"{criterion.id} is given twice")
            chosen[criterion.id] = points
        return chosen

    def format(self, chosen: dict[str, float]) -> str:
        """Return the ``rubric`` cell for the chosen levels, in the rubric's order.

        >>> parse("**Rubric (2 points):**\\n- 1 point: a\\n- 1 point: b").format({"c2": 0, "c1": 1})
        'c1=1; c2=0'
        """
        return "; ".join(f"{c.id}={chosen[c.id]:g}" for c in self.criteria if c.id in chosen)

    def total(self, chosen: dict[str, float]) -> float | None:
        """Return the points of the chosen levels, or None until every criterion has one."""
        if any(c.id not in chosen for c in self.criteria):
            return None
        return sum(chosen[c.id] for c in self.criteria)

    def as_dict(self) -> dict:
        return {"criteria": [{"id": c.id, "name": c.name, "text": c.text,
                              "levels": [vars(lv) for lv in c.levels]} for c in self.criteria]}

    @classmethod
    def from_dict(cls, data: dict) -> "Rubric":
        return cls([Criterion(c["id"], c["name"], c["text"], [Level(**lv) for lv in c["levels"]])
                    for c in data["criteria"]])


def split(solution: str) -> tuple[str, str]:
    """Return (model answer, rubric text) of a free-response question's solution region."""
    at = solution.find(MARKER)
    if at < 0:
        return solution.strip(), ""
    return solution[:at].strip(), solution[at:].strip()


def parse(solution: str) -> Rubric:
    """Return the rubric written in a free-response question's solution region (or in the rubric text alone)."""
    _, text = split(solution)
    lines = text.splitlines()[1:]
    if any(line.startswith("|") for line in lines):
        return _table([line for line in lines if line.startswith("|")])
    criteria, current = [], None
    for line in lines:
        match = _ITEM.match(line.strip()) if line.startswith("-") else None
        if match:
            current = [float(match.group(1)), match.group(2).strip()]
            criteria.append(current)
        elif current and line.startswith(" ") and line.strip():
            current[1] += " " + line.strip()
        elif line.strip():
            current = None
    if not criteria:
        raise RubricError("no rubric found: expected a line '**Rubric (N points):**' and a list '- 1 point: …'")
    return Rubric([Criterion(f"c{i}", f"Criterion {i}", text,
                             [Level(0, "0", "not met"), Level(points, f"{points:g}", "met")])
                   for i, (points, text) in enumerate(criteria, 1)])


def _table(rows: list[str]) -> Rubric:
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows]
    header, body = cells[0], [r for r in cells[1:] if not all(set(c) <= set("-: ") for c in r)]
    levels = []
    for title in header[1:]:
        match = _LEVEL.match(title)
        if not match:
            raise RubricError(f"a level's title should read like '4 · Excellent', not {title!r}")
        levels.append((float(match.group(1)), title))
    criteria = []
    for row in body:
        name = row[0].strip("* ")
        if len(row) != len(header):
            raise RubricError(f"the row of {name!r} has {len(row)} cells, the header {len(header)}")
        cid = re.sub(r"[^a-z-]", "", name.split()[0].lower())
        described = sorted(zip(levels, row[1:]), key=lambda item: item[0][0])
        criteria.append(Criterion(cid, name, name, [Level(p, title, text) for (p, title), text in described]))
    if not criteria:
        raise RubricError("the rubric table has no criteria")
    return Rubric(criteria)

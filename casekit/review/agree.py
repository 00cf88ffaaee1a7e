"""How far two scorers agree: the first scorer's sheet against the second scorer's sample, per criterion.

For every response both have scored on a criterion, the two levels are compared: **exact** when they are the same,
**within one** when they are at most one level apart (for a criterion scored met / not met, any two levels are
within one, so only exact agreement says something). The points in all are compared the same way, within one
point. A row either sheet cannot use (see ``sheet.read``) is left out, and its problem is listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from casekit.review import scoring, sheet, written
from casekit.review.rubric import Rubric


@dataclass
class Agreement:
    """The figures, one row per criterion and one for the points in all: pairs, exact, within one (shares)."""

    rows: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def frame(self):
        import pandas as pd

        return pd.DataFrame(self.rows, columns=["criterion", "pairs", "exact", "within_one"]).set_index("criterion")

    def _repr_html_(self) -> str:
        table = self.frame().to_html(float_format=lambda x: f"{x:.0%}")
        notes = "".join(f"<li>{p}</li>" for p in self.problems)
        return table + (f"<ul>{notes}</ul>" if notes else "")


def compare(rubric: Rubric, first: dict, second: dict) -> list[dict]:
    """Return the agreement rows for two sets of scores (``sheet.read`` entries by (student, question))."""
    rows = []
    for criterion in rubric.criteria:
        rank = {lv.points: i for i, lv in enumerate(criterion.levels)}
        pairs = [(a.rubric[criterion.id], second[k].rubric[criterion.id]) for k, a in first.items()
                 if k in second and criterion.id in a.rubric and criterion.id in second[k].rubric]
        rows.append(_row(criterion.id, [(rank[a], rank[b]) for a, b in pairs]))
    pairs = [(a.points, second[k].points) for k, a in first.items() if k in second and a.scored and second[k].scored]
    rows.append(_row("points", pairs))
    return rows


def _row(name: str, pairs: list[tuple[float, float]]) -> dict:
    n = len(pairs)
    exact = sum(1 for a, b in pairs if a == b)
    near = sum(1 for a, b in pairs if abs(a - b) <= 1)
    return {"criterion": name, "pairs": n, "exact": exact / n if n else None, "within_one": near / n if n else None}


def report(results, exercise: str, question: str) -> Agreement:
    """Return the agreement of the two scorers of one question, from the sheets in ``results``."""
    data = written.load(results, exercise, question)
    rubric = Rubric.from_dict(data["rubric"])
    students = {r["student"] for r in data["responses"]}
    questions = {question: (float(data["max_points"]), rubric)}
    first, problems = sheet.read(sheet.path_of(results, exercise), exercise, questions, students)
    second, more = sheet.read(scoring.sheet_path(results, exercise, second=True), exercise, questions, students)
    first = {k: v for k, v in first.items() if k[1] == question}
    second = {k: v for k, v in second.items() if k[1] == question}
    return Agreement(compare(rubric, first, second), problems + more)

"""Decide, before anything runs, which submissions to grade and which rows are already known.

Every student gets a row for every question of every exercise being graded: from a run of their notebook, or
here, at once, when there is nothing to run (no notebook of that exercise: ``missing``; a file that could not be
read or was refused: ``invalid``). A student who handed in two notebooks of one exercise has the first by file
name graded (a readable notebook before a broken file) and a note about the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from casekit.grade.score import QuestionKey, Row


@dataclass
class Plan:
    """The submissions to run, and the rows and notes of every (student, exercise) that needs no run."""

    todo: list = field(default_factory=list)
    rows_of: dict = field(default_factory=dict)  # (student, exercise) -> [Row]
    notes_of: dict = field(default_factory=dict)  # (student, exercise) -> [str]


def make(found: dict[str, list], wanted: list[str], released: dict, keys: dict[str, dict[str, QuestionKey]]) -> Plan:
    """Return the plan for ``found`` (student -> their read submissions), grading the exercises in ``wanted``."""
    plan = Plan()
    for student, subs in found.items():
        chosen = choose(subs, wanted)
        for exercise in wanted:
            sub = chosen.get(exercise)
            folder = next((s for s in subs if s.whole_folder), None)
            if folder is not None:
                plan.rows_of[(student, exercise)] = rows_all(student, keys[exercise], "invalid", folder.problem)
            elif sub is None:
                plan.rows_of[(student, exercise)] = rows_all(student, keys[exercise], "missing",
                                                             f"no notebook of {exercise} was handed in")
            elif not sub.readable:
                plan.rows_of[(student, exercise)] = rows_all(student, keys[exercise], "invalid", sub.problem)
                plan.notes_of[(student, exercise)] = sub.notes
            else:
                plan.todo.append(sub)
        for sub in subs:
            if sub.exercise in wanted or sub.whole_folder:
                continue
            name = sub.name
            reason = sub.problem or (f"{name} holds exercise {sub.exercise}, which is not among the exercises being "
                                     f"graded ({', '.join(wanted)})" if sub.exercise in released
                                     else f"{name} holds exercise {sub.exercise}, which has no key")
            plan.rows_of[(student, sub.exercise or name)] = [
                Row(student, sub.exercise or "unknown", "-", 0, 0, "invalid", reason)]
    return plan


def rows_all(student: str, key: dict[str, QuestionKey], status: str, message: str) -> list[Row]:
    """Return one row per auto-checked question of an exercise, all with the same status and message."""
    exercise = next(iter(key)).split(".")[0]
    return [Row(student, exercise, q.id, 0, q.points, status, message) for q in key.values() if not q.free]


def choose(subs: list, wanted: list[str]) -> dict:
    """Pick one submission per exercise: a readable notebook before a broken file, then by file name."""
    chosen = {}
    for sub in sorted(subs, key=lambda s: (not s.readable, str(s.path.name))):
        if sub.exercise in wanted:
            if sub.exercise in chosen:
                chosen[sub.exercise].notes.append(f"another file for {sub.exercise} was not graded: "
                                                  f"{sub.name}")
            else:
                chosen[sub.exercise] = sub
    return chosen

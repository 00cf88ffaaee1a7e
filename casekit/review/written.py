"""The written work of a graded class, on every ``grade`` run: sheets kept up to date, scores read, responses shown.

For each exercise with free-response questions, ``update``:

1. adds a blank row to ``RESULTS/manual/<exercise>.csv`` for every student and question it lacks (``sheet``);
2. reads back every score entered there, reporting each row that cannot be used (file, line, reason);
3. writes ``RESULTS/responses/<exercise>/<question>.html``, every student's response with the prompt, the
   rubric and the model answer at the top, and ``<question>.json``, the same for the scorer (``scorer``).

The scores it returns go into ``gradebook.csv`` and the feedback pages (``casekit.grade.report``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from casekit.grade.report import write_atomic
from casekit.review import pages, people, rubric, sheet


@dataclass
class Written:
    """The scores read from the sheets, by (student, question), and the problems found in them."""

    scores: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    rubrics: dict = field(default_factory=dict)  # question -> rubric.Rubric
    counts: dict = field(default_factory=dict)  # question -> (scored, responses)


def rubric_of(key) -> rubric.Rubric:
    """Return a free-response question's rubric: the one written with its model answer, else a rubric table in its
    prompt (the synthesis shows students its rubric), else one criterion of whole points."""
    for text in (key.solution, "**Rubric**\n" + key.prompt if "| Criterion |" in key.prompt else ""):
        try:
            return rubric.parse(text)
        except rubric.RubricError:
            continue
    top = int(key.points)
    return rubric.Rubric([rubric.Criterion("points", "Points", "the question's points",
                                           [rubric.Level(p, str(p)) for p in range(top + 1)])])


def update(out: Path, graded_of: dict, keys: dict, titles: dict, names: bool = False, progress=print) -> Written:
    """Bring the scoring sheets and the responses pages of ``out`` up to date with ``graded_of``; return the scores.

    ``graded_of`` maps (student, exercise) to ``score.Graded``; only submissions that were read have responses.
    ``names`` shows real names on the responses pages instead of pseudonyms.
    """
    written = Written()
    students = {student for student, _ in graded_of}
    aliases = people.pseudonyms(students)
    for exercise in sorted(keys):
        free = {q.id: q for q in keys[exercise].values() if q.free}
        if not free:
            continue
        read = {s: g.responses for (s, e), g in graded_of.items() if e == exercise and g.responses}
        path = sheet.path_of(out, exercise)
        rubrics = {qid: rubric_of(q) for qid, q in free.items()}
        written.rubrics.update(rubrics)
        wanted = [(s, exercise, qid, q.points) for qid, q in free.items() for s in people.shuffled(read, qid)]
        try:
            added = sheet.add_rows(path, wanted)
        except sheet.SheetError as err:  # not a sheet any more: nothing in it is used, nothing changed
            written.problems.append(str(err))
            scores = {}
        else:
            if added:
                progress(f"{path}: {added} row(s) added for new responses")
            scores, problems = sheet.read(path, exercise, {qid: (q.points, rubrics[qid]) for qid, q in free.items()},
                                          students)
            written.problems += problems
            written.scores.update(scores)
        for qid, q in free.items():
            order = people.shuffled(read, qid)
            responses = [{"student": s, "pseudonym": aliases[s], **read[s][qid].as_dict()}
                         for s in order if qid in read[s]]
            model, _ = rubric.split(q.solution)
            data = {"exercise": exercise, "question": qid, "title": titles.get(exercise, exercise),
                    "prompt": q.prompt, "max_points": q.points, "model_answer": model,
                    "rubric": rubrics[qid].as_dict(), "responses": responses}
            folder = out / "responses" / exercise
            write_atomic(folder / f"{qid}.json", json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True))
            write_atomic(folder / f"{qid}.html", pages.responses_html(data, scores, names))
            written.counts[qid] = (sum(1 for r in responses if (r["student"], qid) in scores
                                       and scores[(r["student"], qid)].scored), len(responses))
    for problem in written.problems:
        progress(f"scoring sheet: {problem}")
    return written


def load(out: Path, exercise: str, question: str) -> dict:
    """Return the responses of one question as ``update`` wrote them (``RESULTS/responses/<ex>/<q>.json``)."""
    path = Path(out) / "responses" / exercise / f"{question}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no responses at {path}: run 'python -m casekit grade' on the class first")
    return json.loads(path.read_text(encoding="utf-8"))

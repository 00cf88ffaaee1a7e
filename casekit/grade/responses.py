"""Read what a student wrote for each question, straight from their notebook, in the grader process.

Nothing here runs: the text is read from the notebook's cells, so it is exactly what the student handed in.
For an auto-checked question it is the source of the answer cell (the last one, as the grader runs the last); for
a free-response question it is the text of the answer cell, followed by any text cells the student added right
after it (a student who writes the answer in a new cell below the prompt is still read).

A response is stored with its full length and at most ``MAX_CHARS`` characters: a notebook can hold megabytes in a
cell, and the pages that show responses say how much was left out.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_CHARS = 6000  # characters of one response kept and shown; a 250-word paragraph has about 1 500


@dataclass
class Response:
    """What a student wrote for one question: its first ``MAX_CHARS`` characters and its whole length."""

    text: str
    length: int

    @classmethod
    def of(cls, text: str) -> "Response":
        text = text.strip()
        return cls(text[:MAX_CHARS], len(text))

    @property
    def empty(self) -> bool:
        return self.length == 0

    @property
    def cut(self) -> bool:
        return self.length > len(self.text)

    def as_dict(self) -> dict:
        return {"text": self.text, "length": self.length}


def extract(released, student) -> dict[str, Response]:
    """Return, by question id, what ``student`` (a notebook) wrote for each question of ``released``.

    A question whose answer cell is missing or still holds the placeholder gets an empty response.
    ``student`` comes from a student: cells of the wrong shape are skipped, never trusted.
    """
    from casekit.questions import FREE_PLACEHOLDER, PLACEHOLDER

    questions = {}
    for cell in released.cells:
        qid = cell.metadata.get("casekit", {}).get("question")
        if qid:
            questions[qid] = cell.cell_type
    released_ids = {c.get("id") for c in released.cells if c.get("id")}
    found: dict[str, str] = {}
    following = None  # the free-response question whose answer the student's added text cells continue
    for cell in student.get("cells") or []:
        if not isinstance(cell, dict):
            continue
        source = cell.get("source") if isinstance(cell.get("source"), str) else ""
        meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        casekit_meta = meta.get("casekit") if isinstance(meta.get("casekit"), dict) else {}
        qid = casekit_meta.get("question")
        kind = cell.get("cell_type")
        if isinstance(qid, str) and questions.get(qid) == kind:
            text = source.strip()
            if text in (PLACEHOLDER, FREE_PLACEHOLDER, "answer = ..."):
                text = ""
            found[qid] = text
            following = qid if kind == "markdown" else None
        elif following and kind in ("markdown", "raw") and cell.get("id") not in released_ids:
            found[following] = (found[following] + "\n\n" + source.strip()).strip()
        else:
            following = None
    return {qid: Response.of(found.get(qid, "")) for qid in questions}

"""Remember each graded submission's rows, so ``--resume`` skips what has not changed.

A cached result is used only when everything it depends on is the same: the grader's version, the submission's
bytes, the exercise's key, the limits, the file name, and whether the run was sandboxed. The cache lives in
``RESULTS/.cache/``, which no kernel can see; it holds rows, never answers' keys.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from casekit.grade import report
from casekit.grade.responses import Response
from casekit.grade.score import Graded, QuestionKey, Row

GRADER_VERSION = "3"


def key_print(key: dict[str, QuestionKey]) -> str:
    """Return a fingerprint of an exercise's key: its accepted answers, points and hints."""
    plain = {q: [sorted(k.accepted), k.points, sorted(k.wrong_hints.items())] for q, k in key.items()}
    return hashlib.sha256(json.dumps(plain).encode()).hexdigest()


def fingerprint(sub, key_fingerprint: str, limits, sandboxed: bool) -> list:
    """Return what a cached result depends on."""
    return [GRADER_VERSION, sub.sha256, key_fingerprint, asdict(limits), sub.name, sandboxed]


def load(cache: Path, sub, print_: list):
    """Return the cached result of ``sub`` if its fingerprint is ``print_``, else None.

    A result is a ``Graded`` once scored; a run that was interrupted before scoring left only what its kernel
    gave, (``Outcome``, responses), still to score.
    """
    from casekit.grade.run import Outcome

    try:
        data = json.loads(_path(cache, sub).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("fingerprint") != print_:
        return None
    try:
        if "outcome" in data:
            got = data["outcome"]
            return (Outcome(dict(got["values"]), {q: tuple(p) for q, p in got["problems"].items()},
                            list(got["notes"])),
                    {q: Response(**r) for q, r in data["responses"].items()})
        return Graded([Row(**r) for r in data["rows"]], list(data["notes"]), dict(data["given"]),
                      {q: Response(**r) for q, r in data["responses"].items()})
    except (KeyError, TypeError, AttributeError):
        return None


def store_outcome(cache: Path, sub, print_: list, result) -> None:
    """Keep what a kernel gave, (outcome, responses), until it is scored, unless it had an error or a timeout
    (see ``store``)."""
    outcome, written = result
    if isinstance(outcome, list) or any(status in ("error", "timeout") for status, _ in outcome.problems.values()):
        return
    data = {"fingerprint": print_, "outcome": {"values": outcome.values, "problems": outcome.problems,
                                               "notes": outcome.notes},
            "responses": {q: r.as_dict() for q, r in written.items()}}
    report.write_atomic(_path(cache, sub), json.dumps(data, ensure_ascii=True, indent=1))


def store(cache: Path, sub, print_: list, graded: Graded) -> None:
    """Write ``sub``'s result to the cache, unless a row is an error or a timeout.

    Those may have causes outside the notebook (a machine under load, a classmate's kernel that slowed the run),
    so ``--resume`` grades such a notebook again rather than keep its rows.
    """
    if any(row.status in ("error", "timeout") for row in graded.rows):
        _path(cache, sub).unlink(missing_ok=True)
        return
    data = {"fingerprint": print_, "rows": [asdict(r) for r in graded.rows], "notes": graded.notes,
            "given": graded.given, "responses": {q: r.as_dict() for q, r in graded.responses.items()}}
    report.write_atomic(_path(cache, sub), json.dumps(data, ensure_ascii=True, indent=1))


def _path(cache: Path, sub) -> Path:
    name = hashlib.sha256(sub.student.encode("utf-8", "backslashreplace")).hexdigest()[:16]
    return cache / name / f"{sub.exercise}.json"

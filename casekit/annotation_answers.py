"""Annotation answers: a list of the student's own annotations scored against a question's target notes.

An ``annotations`` question (say, "find the factual errors in ¶2–¶4") is answered with a list of
``{"exact", "kind", "note"}`` dicts (the read-first reader's ``r.annotations``, or a literal list). Its canonical
text lists each item's place in the article and its kind, ``"3:412-431:factual_error"``, sorted and joined by
``|``; the solution's answer, a list of the target notes' passages, gives the targets' canonical text the same way.

Scoring (``fraction``), the rule the guide (``solutions/README.md``) states:

- a target is **found** by an item in the same paragraph whose span overlaps the target's span and whose kind is
  the target's kind (1), or a *near* kind (``NEAR``: factual error and translation error stand for each other,
  ½);
- an item that overlaps no target is an **extra** and costs ``EXTRA_COST`` (¼ of one target);
- the fraction is (found − cost of extras) / number of targets, never below 0 or above 1; the grader gives
  ``points × fraction`` rounded to the nearest tenth of a point (``points_for``).

>>> fraction("2:0-10:factual_error|3:50-60:factual_error", "2:5-8:factual_error")
0.5
>>> fraction("2:0-10:factual_error", "2:5-8:translation_error|4:0-3:opinion")
0.25
"""

from __future__ import annotations

import re

NEAR = {frozenset({"factual_error", "translation_error"})}
NEAR_CREDIT = 0.5
EXTRA_COST = 0.25
_ITEM = re.compile(r"(\d+):(\d+)-(\d+):([a-z_]+)")


def canonical(value) -> str:
    """Return the canonical text of a list of annotations, or raise ``AnswerTypeError`` naming the bad item.

    Every check of ``casekit.annotate.check_layer`` applies (a list; each item a dict with ``exact`` and a ``kind``
    of the kit's); then each passage must be found, inside one paragraph, in the article.
    """
    from casekit import annotate
    from casekit.answers import AnswerTypeError

    try:
        items = annotate.check_layer(value, "your annotations")
    except annotate.AnnotationShapeError as err:
        raise AnswerTypeError(str(err)) from None
    parts = []
    for number, item in enumerate(items, start=1):
        placed = annotate.place_passage(item["exact"], item.get("paragraph"))
        if isinstance(placed, str):
            raise AnswerTypeError(f"your annotations, item {number}: {placed.replace(' Nothing was saved.', '')}")
        parts.append(f"{placed['paragraph']}:{placed['start']}-{placed['end']}:{item['kind']}")
    return "|".join(sorted(set(parts)))


def _spans(text: str) -> list[tuple[int, int, int, str]]:
    spans = []
    for part in filter(None, text.split("|")):
        match = _ITEM.fullmatch(part)
        if match:
            spans.append((int(match[1]), int(match[2]), int(match[3]), match[4]))
    return spans


def _credit(target_kind: str, kind: str) -> float:
    if kind == target_kind:
        return 1.0
    return NEAR_CREDIT if frozenset({kind, target_kind}) in NEAR else 0.0


def tally(targets: str, given: str) -> tuple[float, int, int]:
    """Return (targets found, with near kinds counting ½; extra items; number of targets)."""
    wanted, mine = _spans(targets), _spans(given)
    found = 0.0
    for para, start, end, kind in wanted:
        hits = [_credit(kind, k) for p, s, e, k in mine if p == para and s < end and start < e]
        found += max(hits, default=0.0)
    extras = sum(1 for p, s, e, _ in mine if not any(p == q and s < e2 and s2 < e for q, s2, e2, _ in wanted))
    return found, extras, len(wanted)


def fraction(targets: str, given: str) -> float:
    """Return the share of the question's points ``given`` earns against ``targets`` (both canonical texts)."""
    found, extras, count = tally(targets, given)
    if not count:
        return 0.0
    return min(1.0, max(0.0, (found - EXTRA_COST * extras) / count))


def points_for(points: float, targets: str, given: str) -> float:
    """Return the points for ``given``: ``points × fraction``, rounded to the nearest tenth of a point."""
    return round(points * fraction(targets, given) + 1e-9, 1)


def found_message(targets: str, given: str) -> str:
    """Return how many targets were found, never which: "2 of 3 found (1 extra passage)"."""
    found, extras, count = tally(targets, given)
    shown = f"{found:g}"
    extra = f"; {extras} passage{'s' if extras != 1 else ''} marked that {'are' if extras != 1 else 'is'} not " \
            "among them" if extras else ""
    return f"{shown} of {count} target passage{'s' if count != 1 else ''} found{extra}"


# --- the instant check: how many targets were found, from salted hashes (the practice key) ----------------------

def hashed_targets(salt: str, targets: str) -> list[list[str]]:
    """Return, for each target, the salted hashes of ``"paragraph:offset:kind"`` for every character of its span.

    This is what the practice key holds for an annotations question, so that the student's kernel can count the
    targets an answer overlaps without the key naming them. It is a **bounded leak**, stated in the guide's threat
    model: the article has some 10 000 characters and the kit 11 kinds, so a student who hashes every
    (offset, kind) pair recovers the targets' places; the count itself is an oracle that a student can query one
    word at a time. The practice release is for learning; the assessed release holds none of these hashes.
    """
    from casekit.answers import digest

    return [sorted({digest(salt, f"{p}:{o}:{k}") for o in range(s, e)}) for p, s, e, k in _spans(targets)]


def hashed_tally(salt: str, hashed: list[list[str]], given: str) -> tuple[float, int, int]:
    """Return ``tally``'s (found, extras, targets) computed from ``hashed_targets`` instead of the targets."""
    from casekit.answers import digest
    from casekit.source import KINDS

    sets = [set(h) for h in hashed]
    mine = _spans(given)

    def hits(p, s, e, kind):
        keys = {digest(salt, f"{p}:{o}:{kind}") for o in range(s, e)}
        return [bool(keys & t) for t in sets]

    best = [0.0] * len(sets)
    extras = 0
    for p, s, e, kind in mine:
        same = hits(p, s, e, kind)
        near = [k for pair in NEAR if kind in pair for k in pair if k != kind]
        near_hits = hits(p, s, e, near[0]) if near else [False] * len(sets)
        for i in range(len(sets)):
            best[i] = max(best[i], 1.0 if same[i] else NEAR_CREDIT if near_hits[i] else 0.0)
        if not any(same) and not any(near_hits) and not any(any(hits(p, s, e, k)) for k in KINDS
                                                               if k != kind and k not in near):
            extras += 1
    return sum(best), extras, len(sets)


def hashed_message(salt: str, hashed: list[list[str]], given: str) -> str:
    """Return the instant check's words for ``given``: how many targets it found, never which."""
    found, extras, count = hashed_tally(salt, hashed, given)
    extra = (f"; {extras} passage{'s' if extras != 1 else ''} you marked {'are' if extras != 1 else 'is'} not "
             "among them (each costs a quarter of a target)") if extras else ""
    return f"{found:g} of {count} target passage{'s' if count != 1 else ''} found{extra}"

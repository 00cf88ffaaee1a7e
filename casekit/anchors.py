"""Anchor a note to the words it is about, the way the W3C Web Annotation ``TextQuoteSelector`` does.

An annotation does not store character offsets, which break as soon as the text is re-wrapped or re-segmented.
It stores the exact words (``exact``), and, only where those words occur more than once, a few words just before
(``prefix``) or after (``suffix``). Resolving the anchor finds the one place where they occur. Runs of
whitespace match any run of whitespace, so re-wrapping lines or paragraphs does not break an anchor.

>>> text = "Qin said no.\\n\\nQin said yes."
>>> resolve(text, "Qin said", suffix=" yes")
Span(start=14, end=22, paragraph=2)
>>> resolve(text, "Qin said")
Traceback (most recent call last):
...
casekit.anchors.AnchorError: 'Qin said' occurs 2 times; add a prefix or suffix to pick one
>>> paragraphs(text)
[(0, 12), (14, 27)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")


class AnchorError(ValueError):
    """The quoted words are not found once, and only once, in the text."""


@dataclass(frozen=True)
class Span:
    """Where an anchor lies: ``text[start:end]`` is the quoted text; ``paragraph`` counts from 1."""

    start: int
    end: int
    paragraph: int


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) offsets of each paragraph: blocks of text separated by blank lines."""
    spans, start = [], 0
    for gap in _BLANK_LINE.finditer(text):
        if gap.start() > start:
            spans.append((start, gap.start()))
        start = gap.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def paragraph_of(text: str, offset: int) -> int:
    """Return the number (from 1) of the paragraph that holds character ``offset``."""
    for number, (start, end) in enumerate(paragraphs(text), start=1):
        if start <= offset < end:
            return number
    raise AnchorError(f"offset {offset} lies outside every paragraph")


def _pattern(words: str) -> str:
    """Return a regex for ``words`` in which each run of whitespace matches any run of whitespace."""
    return r"\s+".join(re.escape(part) for part in words.split())


def resolve(text: str, exact: str, prefix: str | None = "", suffix: str | None = "") -> Span:
    """Return the one span of ``text`` where ``exact`` occurs between ``prefix`` and ``suffix``.

    A missing prefix or suffix (None, or pandas' NA from a loaded table) counts as none. Raise ``AnchorError``
    saying what went wrong when the words occur nowhere or more than once.
    """
    prefix = prefix if isinstance(prefix, str) else ""
    suffix = suffix if isinstance(suffix, str) else ""
    if not exact or not exact.strip():
        raise AnchorError("the quoted text is empty")
    core = f"({_pattern(exact.strip())})"
    before = _pattern(prefix) if prefix and prefix.strip() else ""
    after = _pattern(suffix) if suffix and suffix.strip() else ""
    # Whitespace between prefix or suffix and the quote may be of any kind or length, or trimmed away.
    before = before and before + r"\s*"
    after = after and r"\s*" + after
    found = [m for m in re.finditer(before + core + after, text)]
    if len(found) == 1:
        start, end = found[0].span(1)
        return Span(start, end, paragraph_of(text, start))
    alone = len(re.findall(core, text))
    shown = _short(exact)
    if not found and not alone:
        raise AnchorError(f"{shown} does not occur in the text")
    if not found:
        raise AnchorError(f"{shown} occurs {alone} time(s), but never with this prefix/suffix")
    raise AnchorError(f"{shown} occurs {len(found)} times; add a prefix or suffix to pick one")


def crossings(spans: dict[str, tuple[int, int]]) -> list[tuple[str, str]]:
    """Return the pairs of keys whose spans overlap without one containing the other, or that are identical.

    Highlights are nested HTML elements, so two spans must either be apart or nested.

    >>> crossings({"a": (0, 10), "b": (2, 5), "c": (8, 12)})
    [('a', 'c')]
    """
    items = sorted(spans.items(), key=lambda kv: (kv[1][0], -kv[1][1]))
    bad = []
    for i, (key_a, (a0, a1)) in enumerate(items):
        for key_b, (b0, b1) in items[i + 1:]:
            if b0 >= a1:
                break
            if (a0, a1) == (b0, b1) or b1 > a1:
                bad.append((key_a, key_b))
    return bad


def _short(words: str, limit: int = 60) -> str:
    """Return ``words`` quoted for an error message, cut to ``limit`` characters."""
    words = " ".join(words.split())
    return repr(words if len(words) <= limit else words[: limit - 1] + "…")

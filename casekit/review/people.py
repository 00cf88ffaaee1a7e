"""Who is shown, and in which order, when responses are read: stable pseudonyms and a fixed shuffled order.

A scorer who reads "Ann" after three strong answers from Ann reads her fourth differently. By default the
responses pages and the scorer show a pseudonym instead of the name (``S-`` and six letters and digits, always the
same for the same name), and the order of the students is shuffled, differently for each question but the same on
every run, so the same students are not always read first, when the scorer is fresh.

The pseudonym is a hash of the name: it keeps names out of sight while scoring, it is not a secret from someone
who has the class list and wants to find a name.
"""

from __future__ import annotations

import hashlib


def pseudonyms(names) -> dict[str, str]:
    """Return a pseudonym for each name, the same on every run; two names never share one.

    >>> p = pseudonyms(["ann", "ben"]); p["ann"] == pseudonyms(["ann"])["ann"], p["ann"] != p["ben"]
    (True, True)
    """
    names = sorted(set(names))
    for length in range(6, 65, 2):
        chosen = {name: "S-" + _digest("pseudonym", name)[:length] for name in names}
        if len(set(chosen.values())) == len(chosen):
            return chosen
    raise ValueError("two names have the same hash")  # pragma: no cover - a SHA-256 collision


def shuffled(names, question: str) -> list[str]:
    """Return ``names`` in the fixed shuffled order of ``question``: the same on every run, another per question."""
    return sorted(set(names), key=lambda name: (_digest("order", question + "\x00" + name), name))


def _digest(purpose: str, text: str) -> str:
    data = f"casekit {purpose}\x00{text}".encode("utf-8", "surrogateescape")
    return hashlib.sha256(data).hexdigest()

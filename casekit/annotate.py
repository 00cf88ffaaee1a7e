"""The student's own annotations: read the article first, mark passages yourself, then compare with the kit's notes.

``casekit.source.reader(mode="read-first", key="ex01")`` calls ``reader(key)`` here. It shows the article with
none of the kit's notes (no highlight, no note text in the HTML the browser receives) and a form: select a passage
with the mouse, or type or paste its words into the *Passage* field (from the keyboard: in the article, Up and Down
go from paragraph to paragraph and Enter copies one into the field, to be cut down to the words meant); pick a
kind (the keys of ``casekit.source.KINDS``); write a note if you like; save. "Compare" then shows, passage by passage, what the
student found that the kit also notes, what they missed, and what they marked that the kit does not.

An annotation is a W3C ``TextQuoteSelector``-shaped dict: ``{"exact", "kind", "note", "paragraph"}``; the
paragraph (counted from 1, as in the reader) tells apart the same words in two paragraphs.

Where they are kept: in the notebook itself. Whenever a layer changes, the kernel updates a display output
(``display_id``) under the reader whose MIME bundle ``application/vnd.casekit.annotations+json`` is
``{"key": ..., "annotations": [...]}``; JupyterLab saves outputs with the notebook, so the layer is handed in
with it. After a kernel restart, ``reader(key)`` reads the saved notebook (the path jupyter_server gives the kernel
in ``JPY_SESSION_NAME``) and restores the layer with ``saved_layers``, the same function the grader uses on a
submission (untrusted JSON: sizes capped, every item checked, errors naming the item).

>>> nb = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "display_data",
...        "data": {MIME: {"key": "ex01", "annotations": [{"exact": "July 20", "kind": "date", "note": ""}]}}}]}]}
>>> saved_layers(nb)
{'ex01': [{'exact': 'July 20', 'kind': 'date', 'note': ''}]}
"""

from __future__ import annotations

import html as _html
import json
import os
import re
from pathlib import Path

MIME = "application/vnd.casekit.annotations+json"
MAX_LAYERS = 50  # layers (keys) read from one notebook
MAX_ITEMS = 300  # annotations in one layer
MAX_EXACT = 1000  # characters of one passage
MAX_NOTE = 2000  # characters of one note
MAX_KEY = 64
_FIELDS = {"exact", "kind", "note", "paragraph"}

_given: dict[str, list[dict]] | None = None  # the layers the grader passes in (``use_layers``)
_live: dict[str, list[dict]] = {}  # the layers changed in this kernel since it started


class AnnotationShapeError(ValueError):
    """A saved annotation layer is not of the shape the kit writes; the message says which item and what."""


def check_layer(items, where: str = "the annotations") -> list[dict]:
    """Return ``items`` as a clean list of annotations, or raise ``AnnotationShapeError`` naming the bad item.

    >>> check_layer([{"exact": "Qin", "kind": "actor"}])
    [{'exact': 'Qin', 'kind': 'actor', 'note': ''}]
    >>> check_layer([{"exact": "Qin", "kind": "hedge", "note": ""}])
    Traceback (most recent call last):
    ...
    casekit.annotate.AnnotationShapeError: the annotations, item 1: kind 'hedge' is not one of the kit's kinds \
(translation_error, factual_error, quote, paraphrase, attribution, claim, opinion, framing, actor, date, number)
    """
    from casekit.source import KINDS

    if not isinstance(items, list):
        raise AnnotationShapeError(f"{where}: expected a list of annotations, got {type(items).__name__}")
    if len(items) > MAX_ITEMS:
        raise AnnotationShapeError(f"{where}: {len(items)} annotations; at most {MAX_ITEMS} are kept")
    clean = []
    for number, item in enumerate(items, start=1):
        at = f"{where}, item {number}"
        if not isinstance(item, dict):
            raise AnnotationShapeError(f"{at}: expected a dict with 'exact', 'kind', 'note', got "
                                       f"{type(item).__name__}")
        extra = set(item) - _FIELDS
        if extra:
            raise AnnotationShapeError(f"{at}: unknown field(s) {', '.join(sorted(map(str, extra)))}; "
                                       "an annotation has exact, kind, note (and paragraph)")
        exact, kind, note = item.get("exact"), item.get("kind"), item.get("note", "")
        if type(exact) is not str or not exact.strip():
            raise AnnotationShapeError(f"{at}: 'exact' must be the words of the passage (non-empty text)")
        if len(exact) > MAX_EXACT:
            raise AnnotationShapeError(f"{at}: 'exact' is {len(exact)} characters; at most {MAX_EXACT}")
        if type(kind) is not str or kind not in KINDS:
            raise AnnotationShapeError(f"{at}: kind {kind!r} is not one of the kit's kinds ({', '.join(KINDS)})")
        if note is None:
            note = ""
        if type(note) is not str:
            raise AnnotationShapeError(f"{at}: 'note' must be text, got {type(note).__name__}")
        if len(note) > MAX_NOTE:
            raise AnnotationShapeError(f"{at}: 'note' is {len(note)} characters; at most {MAX_NOTE}")
        entry = {"exact": exact, "kind": kind, "note": note}
        if "paragraph" in item:
            paragraph = item["paragraph"]
            if type(paragraph) is not int or not 1 <= paragraph <= 10_000:
                raise AnnotationShapeError(f"{at}: 'paragraph' must be a whole number from 1, got {paragraph!r}")
            entry["paragraph"] = paragraph
        clean.append(entry)
    return clean


def saved_layers(notebook) -> dict[str, list[dict]]:
    """Return every annotation layer saved in a notebook (a dict, as ``json.load`` gives it), by key.

    The last bundle of a key in reading order wins (a re-run reader writes a newer one). Outputs that are not
    annotation bundles are ignored; a bundle of the wrong shape raises ``AnnotationShapeError`` naming its cell.
    """
    layers: dict[str, list[dict]] = {}
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    for index, cell in enumerate(cells if isinstance(cells, list) else [], start=1):
        outputs = cell.get("outputs") if isinstance(cell, dict) else None
        for output in outputs if isinstance(outputs, list) else []:
            data = output.get("data") if isinstance(output, dict) else None
            if not isinstance(data, dict) or MIME not in data:
                continue
            bundle, where = data[MIME], f"cell {index}, the saved annotations"
            if isinstance(bundle, str):  # some tools store JSON mime data as text
                try:
                    bundle = json.loads(bundle)
                except ValueError:
                    raise AnnotationShapeError(f"{where}: not valid JSON") from None
            if not isinstance(bundle, dict) or set(bundle) != {"key", "annotations"}:
                raise AnnotationShapeError(f"{where}: expected {{'key': ..., 'annotations': [...]}}")
            key = bundle["key"]
            if type(key) is not str or not key or len(key) > MAX_KEY:
                raise AnnotationShapeError(f"{where}: 'key' must be a short name (text, 1 to {MAX_KEY} characters)")
            layers[key] = check_layer(bundle["annotations"], f"{where} of {key!r}")
            if len(layers) > MAX_LAYERS:
                raise AnnotationShapeError(f"{where}: more than {MAX_LAYERS} annotation layers in one notebook")
    return layers


def use_layers(layers: dict) -> None:
    """Give this kernel the layers to restore (the grader's first cell calls it with the submission's layers)."""
    global _given
    if not isinstance(layers, dict):
        raise AnnotationShapeError("the layers must be a dict of key -> list of annotations")
    _given = {str(k): check_layer(v, f"layer {k!r}") for k, v in layers.items()}


def restore(key: str) -> list[dict]:
    """Return the saved layer ``key``: the grader's, else this kernel's, else the one in the saved notebook."""
    if _given is not None:
        return [dict(a) for a in _given.get(key, [])]
    if key in _live:
        return [dict(a) for a in _live[key]]
    path = _notebook_path()
    if path is None:
        return []
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return saved_layers(notebook).get(key, [])


def _notebook_path() -> Path | None:
    """Return the file of this kernel's notebook, from ``JPY_SESSION_NAME`` (absolute, or relative to the server)."""
    name = os.environ.get("JPY_SESSION_NAME", "")
    if not name.endswith(".ipynb"):
        return None
    path = Path(name)
    for candidate in (path, Path.cwd() / path.name):
        if candidate.is_absolute() and candidate.is_file():
            return candidate
    return None


# --- placing a passage the student marked -----------------------------------------------------------------------

def place_passage(exact: str, paragraph: int | None = None, last_paragraph: int | None = None) -> dict | str:
    """Return ``{"exact", "paragraph", "start", "end"}`` for words the student marked, or a message saying why not.

    ``paragraph`` and ``last_paragraph`` are where a mouse selection began and ended (None when typed).

    >>> place_passage("   ")
    'Nothing is selected: select some words of the article with the mouse, or type them in the Passage field.'
    """
    from casekit import anchors, data

    words = " ".join((exact or "").split())
    if not words:
        return ("Nothing is selected: select some words of the article with the mouse, or type them in the "
                "Passage field.")
    if len(words) > MAX_EXACT:
        return f"The passage is {len(words)} characters long; mark at most {MAX_EXACT}."
    text = data.article_text()
    if text is None:
        return ("This copy of the kit has no article text (excerpt mode), so a passage cannot be found in it; "
                "nothing was saved.")
    if (paragraph and last_paragraph and paragraph != last_paragraph) or re.search(r"\n[ \t]*\n", exact or ""):
        return "The selection spans two paragraphs: mark a passage inside one paragraph. Nothing was saved."
    spans = anchors.paragraphs(text)
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words.split()))
    found = []
    for number, (start, end) in enumerate(spans, start=1):
        if paragraph and number != paragraph:
            continue
        found += [(number, m.start(), m.end()) for m in pattern.finditer(text, start, end)]
    if not found:
        across = pattern.search(text)
        if across and not paragraph:
            return "The passage spans two paragraphs: mark a passage inside one paragraph. Nothing was saved."
        where = f" in ¶{paragraph}" if paragraph else ""
        return (f"“{_short(words)}” cannot be found{where} in the article (check the words, or select them "
                "again with the mouse). Nothing was saved.")
    if not paragraph and len({f[0] for f in found}) > 1:
        places = ", ".join(f"¶{n}" for n in sorted({f[0] for f in found}))
        return (f"“{_short(words)}” occurs in {places}: add a few words, or select it with the mouse, so that "
                "it is clear which one you mean. Nothing was saved.")
    number, start, end = found[0]
    return {"exact": text[start:end], "paragraph": number, "start": start, "end": end}


def _short(words: str, limit: int = 60) -> str:
    return words if len(words) <= limit else words[: limit - 1] + "…"


def _esc(value) -> str:
    return _html.escape(str(value), quote=True)


# --- what the browser sees ----------------------------------------------------------------------------------------

def article_html(annotations: list[dict]) -> str:
    """Return the article with only the student's own marks: no kit highlight, no kit note anywhere in it."""
    from casekit import anchors, data, source

    text = data.article_text()
    if text is None:
        return ('<p class="ck-ann-warning">Excerpt mode: this copy of the kit does not include the article\'s '
                "full text, so there is nothing to mark here.</p>")
    spans = anchors.paragraphs(text)
    mine = _spans(annotations)
    out = []
    for number, (start, end) in enumerate(spans, start=1):
        body = text[start:end]
        inside = sorted((s, e, i) for s, e, i in mine if start <= s < end)
        parts, cursor = [], start
        for s, e, i in inside:
            if s < cursor:  # overlapping marks of the student's: the later one is listed, not drawn twice
                continue
            kind = annotations[i]["kind"]
            parts.append(_esc(text[cursor:s]))
            parts.append(f'<mark class="ck-mine ck-mine-{kind}" data-mine="{i}">{_esc(text[s:e])}'
                         f'<span class="ck-mine-tag">[{i + 1}: {_esc(source.KINDS[kind][0])}]</span></mark>')
            cursor = e
        parts.append(_esc(text[cursor:end]))
        role = source._role(number, body)
        tag = {"title": "h3", "heading": "h4"}.get(role, "p")
        out.append(f'<div class="ck-ann-par" data-par="{number}" tabindex="-1" aria-label="paragraph {number}">'
                   f'<span class="ck-num" aria-hidden="true">¶{number}</span>'
                   f'<{tag} class="ck-ann-text">{"".join(parts)}</{tag}></div>')
    return "\n".join(out)


def _spans(annotations: list[dict]) -> list[tuple[int, int, int]]:
    """Return (start, end, index) of each of the student's annotations that can be found in the article."""
    out = []
    for index, item in enumerate(annotations):
        placed = place_passage(item["exact"], item.get("paragraph"))
        if isinstance(placed, dict):
            out.append((placed["start"], placed["end"], index))
    return out


def saved_html(annotations: list[dict]) -> str:
    """Return the student's saved annotations as a list, each with a button that removes it."""
    from casekit.source import KINDS

    if not annotations:
        return "<p>No annotation saved yet.</p>"
    items = []
    for index, item in enumerate(annotations):
        where = f"¶{item['paragraph']} " if item.get("paragraph") else ""
        note = f": {_esc(item['note'])}" if item.get("note") else ""
        items.append(f'<li>{index + 1}. {where}<b>{_esc(KINDS[item["kind"]][0])}</b> “{_esc(item["exact"])}”{note} '
                     f'<button type="button" class="ck-ann-remove" data-remove="{index}" '
                     f'aria-label="Remove annotation {index + 1}">Remove</button></li>')
    return f'<ul class="ck-ann-list" aria-label="Your annotations">{"".join(items)}</ul>'


def compare(annotations: list[dict]) -> list[dict]:
    """Return the comparison, passage by passage in reading order, of the student's layer with the kit's notes.

    Each row has ``outcome`` (``"same kind"``, ``"other kind"``, ``"missed"``, ``"not in the kit"``), the kit's
    note (``kit``, a row of the annotations table, or None) and the student's annotations that overlap it
    (``mine``, a list).
    """
    from casekit import data, source

    text = data.article_text()
    kit = source.visible_annotations()
    placed, _ = source.place(text, kit) if text is not None else ([], [])
    mine = _spans(annotations) if text is not None else []
    used, rows = set(), []
    for p in placed:
        hits = [i for s, e, i in mine if s < p.end and p.start < e]
        used.update(hits)
        if not hits:
            outcome = "missed"
        elif any(annotations[i]["kind"] == p.row["kind"] for i in hits):
            outcome = "same kind"
        else:
            outcome = "other kind"
        rows.append({"at": (p.start, p.end), "outcome": outcome, "kit": p.row, "mine": [annotations[i] for i in hits]})
    for s, e, i in mine:
        if i not in used:
            rows.append({"at": (s, e), "outcome": "not in the kit", "kit": None, "mine": [annotations[i]]})
    unplaced = [a for i, a in enumerate(annotations) if i not in {m[2] for m in mine}]
    rows.sort(key=lambda r: r["at"])
    rows += [{"at": None, "outcome": "not found", "kit": None, "mine": [a]} for a in unplaced]
    return rows


_OUTCOMES = {
    "same kind": ("✔ Found, same kind", "You marked this passage, and the kit notes it as the same kind."),
    "other kind": ("◐ Found, other kind", "You marked this passage; the kit notes it as another kind."),
    "missed": ("✘ Missed", "The kit notes this passage; you did not mark it."),
    "not in the kit": ("＋ Yours only", "You marked this passage; the kit has no note on it."),
    "not found": ("? Not found", "This annotation cannot be found in the article text."),
}


def compare_html(annotations: list[dict]) -> str:
    """Return the comparison as HTML: a count line, then each passage with its outcome (in words and a symbol,
    never colour alone), what the student marked, and the kit's note."""
    from casekit.source import KINDS

    rows = compare(annotations)
    counts = {o: sum(r["outcome"] == o for r in rows) for o in _OUTCOMES}
    summary = (f"{counts['same kind'] + counts['other kind']} of the kit's "
               f"{counts['same kind'] + counts['other kind'] + counts['missed']} notes found "
               f"({counts['same kind']} with the same kind); {counts['missed']} missed; "
               f"{counts['not in the kit']} of yours the kit does not note.")
    items = []
    for row in rows:
        label, meaning = _OUTCOMES[row["outcome"]]
        kit = row["kit"]
        parts = [f'<li class="ck-cmp ck-cmp-{row["outcome"].replace(" ", "-")}">'
                 f'<span class="ck-cmp-outcome" title="{_esc(meaning)}">{_esc(label)}</span> ']
        if kit is not None:
            parts.append(f'¶{kit["paragraph"]} “{_esc(kit["exact"])}”<br><b>The kit:</b> '
                         f'{_esc(KINDS[kit["kind"]][0])}: {_esc(kit["note"])}')
            if kit.get("correction"):
                parts.append(f' <b>Better:</b> {_esc(kit["correction"])}')
        for item in row["mine"]:
            note = f": {_esc(item['note'])}" if item.get("note") else ""
            parts.append(f'<br><b>You:</b> {_esc(KINDS[item["kind"]][0])} “{_esc(item["exact"])}”{note}')
        parts.append("</li>")
        items.append("".join(parts))
    return (f'<h4 class="ck-cmp-title">Your annotations and the kit\'s notes</h4><p class="ck-cmp-summary">{summary}</p>'
            f'<ol class="ck-cmp-list" aria-label="Comparison, passage by passage">{"".join(items)}</ol>')


# --- the widget -----------------------------------------------------------------------------------------------------

def reader(key: str = "ex01"):
    """Return the read-first reader for layer ``key``: the article, the marking form, the list, and "Compare"."""
    from IPython.display import display

    from casekit.source import KINDS

    if type(key) is not str or not key or len(key) > MAX_KEY:
        raise ValueError(f"key must be a short name (text, 1 to {MAX_KEY} characters), got {key!r}")
    view = _reader_class()(key=key, kinds=[[k, label] for k, (label, _, _, _) in KINDS.items()])
    view.annotations = restore(key)
    view.handle = display(view.bundle(), raw=True, display_id=True)
    view.redraw()
    return view


def _widget_class():
    import anywidget
    import traitlets

    from casekit.source import KINDS

    class AnnotateReader(anywidget.AnyWidget):
        """The read-first reader's front end (``assets/annotate.js``); the kernel keeps the layer and answers."""

        _esm = Path(__file__).with_name("assets") / "annotate.js"
        _css = Path(__file__).with_name("assets") / "annotate.css"
        key = traitlets.Unicode("").tag(sync=True)
        kinds = traitlets.List().tag(sync=True)
        html = traitlets.Unicode("").tag(sync=True)
        saved = traitlets.Unicode("").tag(sync=True)
        message = traitlets.Unicode("").tag(sync=True)
        compared = traitlets.Unicode("").tag(sync=True)

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.annotations: list[dict] = []
            self.handle = None
            self.on_msg(self._on_request)

        def bundle(self) -> dict:
            """Return the display bundle that keeps the layer in the notebook, with a readable summary."""
            lines = [f"Annotations {self.key!r}: {len(self.annotations)} saved"]
            lines += [f"{n}. [{a['kind']}] {a['exact']}" + (f": {a['note']}" if a.get("note") else "")
                      for n, a in enumerate(self.annotations, 1)]
            return {MIME: {"key": self.key, "annotations": [dict(a) for a in self.annotations]},
                    "text/plain": "\n".join(lines)}

        def redraw(self) -> None:
            self.html = article_html(self.annotations)
            self.saved = saved_html(self.annotations)

        def save(self, exact: str, kind: str, note: str = "", paragraph=None, last_paragraph=None) -> str:
            """Add an annotation (what the form's Save button asks for); return the message shown to the student."""
            if type(note) is not str or len(note) > MAX_NOTE:
                return self._say(f"The note must be text of at most {MAX_NOTE} characters. Nothing was saved.")
            if len(self.annotations) >= MAX_ITEMS:
                return self._say(f"{MAX_ITEMS} annotations are the most one reader keeps. Nothing was saved.")
            placed = place_passage(exact, _int(paragraph), _int(last_paragraph))
            if isinstance(placed, str):
                return self._say(placed)
            if kind not in KINDS:
                return self._say("Pick a kind for the passage. Nothing was saved.")
            item = {"exact": placed["exact"], "kind": kind, "note": note.strip(), "paragraph": placed["paragraph"]}
            self.annotations = self.annotations + [item]
            self._changed()
            return self._say(f"Saved annotation {len(self.annotations)}: “{_short(item['exact'])}” "
                             f"(¶{item['paragraph']}).")

        def remove(self, index) -> str:
            if type(index) is not int or not 0 <= index < len(self.annotations):
                return self._say("There is no such annotation.")
            gone = self.annotations[index]
            self.annotations = self.annotations[:index] + self.annotations[index + 1:]
            self._changed()
            return self._say(f"Removed “{_short(gone['exact'])}”.")

        def compare(self) -> str:
            self.compared = compare_html(self.annotations)
            return self._say("The kit's notes are shown below your annotations.")

        def _changed(self) -> None:
            _live[self.key] = [dict(a) for a in self.annotations]
            if self.handle is not None:
                self.handle.update(self.bundle(), raw=True)
            self.redraw()
            if self.compared:
                self.compared = compare_html(self.annotations)

        def _say(self, message: str) -> str:
            self.message = message
            return message

        def _on_request(self, _widget, content, _buffers) -> None:
            if type(content) is not dict:
                return
            action = content.get("action")
            if action == "save":
                self.save(_text(content.get("exact")), _text(content.get("kind")), _text(content.get("note")),
                          content.get("paragraph"), content.get("last_paragraph"))
            elif action == "remove":
                self.remove(content.get("index"))
            elif action == "compare":
                self.compare()

    return AnnotateReader


def _text(value) -> str:
    return value if type(value) is str else ""


def _int(value):
    return value if type(value) is int and value > 0 else None


_CLASS: list = []


def _reader_class():
    """Return the widget class, built on first use, so that importing this module imports no widget library."""
    if not _CLASS:
        _CLASS.append(_widget_class())
    return _CLASS[0]

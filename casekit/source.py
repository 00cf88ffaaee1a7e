"""The annotated source reader: the article with every annotation highlighted, its note a hover or a click away.

Two ways to read, built on one renderer:

- ``render_html(kinds=None)`` returns the annotated article as one self-contained piece of HTML: a legend, numbered
  paragraphs, each annotation a highlight whose note appears on hover (pure CSS, no JavaScript) and, for print and
  screen readers, in a list of notes under each paragraph. It works in a notebook, in a static export and on paper.
- ``reader()`` returns the same article as a live widget for JupyterLab: switch kinds of annotation on and off, jump
  to a paragraph, search the text, and click a highlight to read its full note, correction, Chinese original and
  sources in the side panel.

>>> html = render_html(kinds=["translation_error"])
>>> html.count('data-ann="a')  == len(visible_annotations(["translation_error"]))
True

Without the article text (excerpt mode, see ``casekit.data``), both show each annotated passage, its paragraph
number and its note instead of the whole text.

``paragraph_html(n)`` returns one paragraph of the article on its own (in excerpt mode, its annotated passages),
for a panel beside another instrument, such as the timelines' explorer.
"""

from __future__ import annotations

import html as _html
import math
import re
from dataclasses import dataclass
from pathlib import Path

from casekit import anchors, data, palette

# Kind -> (label, colour, underline style, background tint). Colours come from the kit's Okabe-Ito palette
# (casekit.palette); kinds that share a colour differ by underline style, and every highlight also names its kind in
# its note.
KINDS: dict[str, tuple[str, str, str, str]] = {
    "translation_error": ("Translation error", palette.VERMILLION, "wavy", palette.tint(palette.VERMILLION, 0.16)),
    "factual_error": ("Factual error", palette.VERMILLION, "double", palette.tint(palette.VERMILLION, 0.30)),
    "quote": ("Direct quote", palette.BLUE, "solid", palette.tint(palette.SKY_BLUE, 0.22)),
    "paraphrase": ("Paraphrase", palette.BLUE, "dashed", "transparent"),
    "attribution": ("Attribution (who says it)", palette.BLUE, "dotted", "transparent"),
    "claim": ("Claim", palette.DARK_YELLOW, "solid", palette.tint(palette.YELLOW, 0.45)),
    "opinion": ("Opinion / analysis by DW", palette.REDDISH_PURPLE, "solid",
                palette.tint(palette.REDDISH_PURPLE, 0.22)),
    "framing": ("Framing / loaded term", palette.REDDISH_PURPLE, "dashed", "transparent"),
    "actor": ("Actor", palette.BLUISH_GREEN, "solid", "transparent"),
    "date": ("Date", palette.ORANGE, "solid", "transparent"),
    "number": ("Number", palette.ORANGE, "dashed", "transparent"),
}

_ASSETS = Path(__file__).with_name("assets")


@dataclass(frozen=True)
class Placed:
    """An annotation (a row of the annotations table) and the span of the article it highlights."""

    row: dict
    start: int
    end: int
    paragraph: int


def visible_annotations(kinds=None) -> list[dict]:
    """Return the annotations of the given kinds (all kinds when ``kinds`` is None) as dicts, in reading order."""
    table = data.load("annotations")
    if kinds is not None:
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown annotation kind(s): {', '.join(sorted(unknown))}; known: {', '.join(KINDS)}")
        table = table[table["kind"].astype(str).isin(list(kinds))]
    return [_plain(row) for row in table.to_dict("records")]


def kind_meanings() -> dict[str, str]:
    """Return what each kind of highlight marks, as the data package defines it (the annotations' ``kind`` field).

    >>> kind_meanings()["paraphrase"]
    "Someone's words reported in the article's."
    """
    spec = data.resource_of("annotations").field("kind").spec
    meanings = {}
    for part in spec.get("description", "").split(";"):
        kind, _, meaning = part.partition(":")
        meaning = meaning.strip().rstrip(".")
        if kind.strip() in KINDS and meaning:
            meanings[kind.strip()] = meaning[0].upper() + meaning[1:] + "."
    return meanings


def kinds_table():
    """Return a table of the kinds of highlight: the legend's name, what it marks, and how many the article has."""
    import pandas as pd

    meanings, counts = kind_meanings(), _kind_counts()
    rows = [{"highlight": label, "what it marks": meanings.get(kind, ""), "in the article": counts.get(kind, 0)}
            for kind, (label, _, _, _) in KINDS.items()]
    return pd.DataFrame(rows).set_index("highlight")


def place(text: str, annotations: list[dict]) -> tuple[list[Placed], list[str]]:
    """Anchor each annotation in ``text``; return the placed ones and a message for each that could not be placed."""
    placed, failed = [], []
    for row in annotations:
        try:
            span = anchors.resolve(text, row["exact"], row.get("prefix") or "", row.get("suffix") or "")
        except anchors.AnchorError as err:
            failed.append(f"{row['id']}: {err}")
            continue
        placed.append(Placed(row, span.start, span.end, span.paragraph))
    return placed, failed


def render_html(kinds=None, search: str = "", paragraph: int | None = None, selected: str | None = None) -> str:
    """Return the annotated article as self-contained HTML (CSS tooltips, no JavaScript, all text escaped).

    ``kinds`` limits the highlights to those kinds; ``search`` marks every case-insensitive match of the words;
    ``paragraph`` shows that paragraph only; ``selected`` outlines the annotation with that id.
    """
    annotations = visible_annotations(kinds)
    text = data.article_text()
    parts = [_style(), '<div class="ck-reader">', _legend(annotations)]
    if text is None:
        parts.append(_excerpts_html(annotations, search, paragraph, selected))
    else:
        placed, failed = place(text, annotations)
        if failed:
            parts.append('<p class="ck-warning">Some notes could not be placed, because the article text differs '
                         'from the one they were written for: ' + _esc("; ".join(failed)) + "</p>")
        spans = anchors.paragraphs(text)
        numbers = [paragraph] if paragraph else range(1, len(spans) + 1)
        for number in numbers:
            start, end = spans[number - 1]
            inside = [p for p in placed if p.paragraph == number]
            parts.append(_paragraph_html(text, number, start, end, inside, search, selected))
    parts.append("</div>")
    return "\n".join(parts)


def note_html(annotation_id: str) -> str:
    """Return the full note of one annotation for the side panel: kind, words, note, correction, Chinese, sources."""
    rows = [r for r in visible_annotations() if r["id"] == annotation_id]
    if not rows:
        return (f'<div class="ck-panel" {_PANEL_ARIA}><p>Click a highlighted passage (or press Enter on it) to read '
                f'its note here.</p></div>')
    row = rows[0]
    label, colour, _, _ = KINDS[row["kind"]]
    out = [
        f'<div class="ck-panel" {_PANEL_ARIA}>',
        f'<p class="ck-panel-kind" style="border-left: 6px solid {colour}">{_esc(label)}'
        f' <span class="ck-status ck-status-{row["status"]}">{_status_label(row["status"])}</span></p>',
        f'<blockquote>{_esc(row["exact"])}</blockquote>',
        f'<p>{_esc(row["note"])}</p>',
    ]
    if row.get("correction"):
        out.append(f'<p><b>Better:</b> {_esc(row["correction"])}</p>')
    if row.get("chinese"):
        seen = "seen in the Chinese text" if row.get("chinese_status") == "seen" else "reconstructed, not seen"
        pinyin = f' <i>{_esc(row["pinyin"])}</i>' if row.get("pinyin") else ""
        out.append(f'<p><b>Chinese:</b> <span lang="zh">{_esc(row["chinese"])}</span>{pinyin} ({seen})</p>')
    sources = _sources()
    if row["source_ids"]:
        out.append("<p><b>Sources:</b></p><ul>")
        out += [f"<li>{_source_html(sources.get(s), s)}</li>" for s in row["source_ids"]]
        out.append("</ul>")
    out.append("</div>")
    return _style() + "\n" + "\n".join(out)


def paragraph_html(n: int) -> str:
    """Return paragraph ``n`` of the article as HTML; in excerpt mode, its annotated passages and their notes.

    The timelines' explorer shows it under the figure when a marker of an event the article mentions is clicked.
    """
    text = data.article_text()
    heading = f"<h4 style='margin:0.2em 0'>The article, paragraph {n}</h4>"
    if text is not None:
        spans = anchors.paragraphs(text)
        if not 1 <= n <= len(spans):
            return heading + f"<p>The article has no paragraph {n} (it has {len(spans)}).</p>"
        start, end = spans[n - 1]
        body = _html.escape(text[start:end]).replace("\n", "<br>")
        return heading + f"<blockquote style='margin:0.3em 0 0.3em 1em'>{body}</blockquote>"
    passages = [e for e in data.excerpts() if e["paragraph"] == n]
    note = ("<p><i>Excerpt mode: the article text is not installed, so only the annotated passages of this "
            "paragraph are shown.</i></p>")
    if not passages:
        return heading + note + "<p>No annotated passage in this paragraph.</p>"
    items = "".join(f"<li><q>{_html.escape(p['exact'])}</q> <small>({_html.escape(p['kind'])}, {p['id']})</small>"
                    f"<br>{_html.escape(p['note'])}</li>" for p in passages)
    return heading + note + f"<ul>{items}</ul>"


def reader(mode: str = "annotated", key: str = "ex01"):
    """Return the interactive reader for JupyterLab: kind toggles, paragraph jump, search, and a side panel.

    ``mode="read-first"`` returns instead the student's own annotation layer ``key`` (``casekit.annotate``): the
    article with the kit's notes hidden until the student presses "Compare"; its ``.annotations`` is the list of
    ``{"exact", "kind", "note", "paragraph"}`` the student saved.
    """
    if mode == "read-first":
        from casekit import annotate

        return annotate.reader(key)
    if mode != "annotated":
        raise ValueError(f"unknown reader mode {mode!r}; use 'annotated' (the default) or 'read-first'")
    import ipywidgets as widgets

    from casekit.reader_widget import ArticleView, KindToggle

    counts = _kind_counts()
    toggles = {kind: KindToggle(kind=kind, description=f"{label} ({counts.get(kind, 0)})",
                                tooltip=f"Show or hide the {label.lower()} highlights")
               for kind, (label, _, _, _) in KINDS.items() if counts.get(kind)}
    text = data.article_text()
    paragraph_count = len(anchors.paragraphs(text)) if text else max(e["paragraph"] for e in data.excerpts())
    jump = widgets.Dropdown(options=[("All paragraphs", 0)] + [(f"¶{n}", n) for n in range(1, paragraph_count + 1)],
                            value=0, description="Show", style={"description_width": "initial"},
                            layout=widgets.Layout(width="220px"))
    search = widgets.Text(placeholder="search the article", description="Search",
                          continuous_update=False, layout=widgets.Layout(width="300px"))
    # Side by side where there is room; on a narrow page the note panel moves under the article.
    view = ArticleView(html=render_html(), layout=widgets.Layout(flex="3 1 420px", min_width="0"))
    panel = widgets.HTML(note_html(""), layout=widgets.Layout(flex="1 1 240px", min_width="0"))
    status = widgets.HTML()

    def refresh(_change=None):
        kinds = [kind for kind, toggle in toggles.items() if toggle.value]
        with view.hold_sync():  # the front end scrolls to the first match when ``search`` changes
            view.search = search.value
            view.html = render_html(kinds=kinds, search=search.value, paragraph=jump.value or None,
                                    selected=view.selected or None)
        status.value = _status_line(kinds, search.value, jump.value)

    def show_note(change):
        panel.value = note_html(change["new"])
        refresh()

    for toggle in toggles.values():
        toggle.observe(refresh, "value")
    jump.observe(refresh, "value")
    search.observe(refresh, "value")
    view.observe(show_note, "selected")
    refresh()
    box = widgets.VBox([
        widgets.HBox(list(toggles.values()), layout=widgets.Layout(flex_flow="row wrap")),
        widgets.HBox([jump, search, status], layout=widgets.Layout(flex_flow="row wrap", align_items="center")),
        widgets.HBox([view, panel], layout=widgets.Layout(flex_flow="row wrap")),
    ])
    box.add_class("ck-reader-widget")
    box.view, box.panel, box.toggles, box.jump, box.search = view, panel, toggles, jump, search
    return box


# --- pieces ------------------------------------------------------------------------------------------------------

def _paragraph_html(text, number, start, end, inside, search, selected) -> str:
    """Return one paragraph with its highlights nested, its search hits marked, and its notes listed under it."""
    body = text[start:end]
    role = _role(number, body)
    hits = _hits(body, search)
    events = []
    for order, item in enumerate(sorted(inside, key=lambda p: (p.start, -p.end))):
        events.append((item.start - start, 1, order, item))
        events.append((item.end - start, 0, -order, item))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    out, cursor = [], 0
    for offset, is_open, _, item in events:
        out.append(_marked(body, cursor, offset, hits))
        cursor = offset
        out.append(_open_mark(item.row, selected) if is_open else _close_mark(item.row))
    out.append(_marked(body, cursor, len(body), hits))
    tag = {"title": "h3", "heading": "h4"}.get(role, "p")
    notes = "".join(f"<li><b>{_esc(KINDS[p.row['kind']][0])}</b> “{_esc(p.row['exact'])}”: {_esc(p.row['note'])}</li>"
                    for p in sorted(inside, key=lambda p: p.start))
    notes_html = f'<ol class="ck-notes" aria-label="Notes on paragraph {number}">{notes}</ol>' if notes else ""
    return (f'<div class="ck-par ck-role-{role}" id="ck-p-{number}" data-par="{number}">'
            f'<span class="ck-num" aria-label="paragraph {number}">¶{number}</span>'
            f'<{tag} class="ck-text">{"".join(out)}</{tag}>{notes_html}</div>')


def _excerpts_html(annotations, search, paragraph, selected) -> str:
    """Return the annotated passages alone, for excerpt mode: paragraph, quote with its context, note."""
    out = ['<p class="ck-warning">Excerpt mode: this copy of the kit does not include the article\'s full text. '
           "Each note is shown with the short passage it is about.</p>"]
    for row in sorted(annotations, key=lambda r: (r["paragraph"], r["id"])):
        if paragraph and row["paragraph"] != paragraph:
            continue
        quote = _open_mark(row, selected) + _marked(row["exact"], 0, len(row["exact"]), _hits(row["exact"], search)) \
            + _close_mark(row)
        before = f"…{_esc(row['prefix'])}" if row.get("prefix") else "…"
        after = f"{_esc(row['suffix'])}…" if row.get("suffix") else "…"
        out.append(f'<div class="ck-par ck-excerpt" data-par="{row["paragraph"]}">'
                   f'<span class="ck-num">¶{row["paragraph"]}</span><p class="ck-text">{before}{quote}{after}</p></div>')
    return "\n".join(out)


# The side panel is a named live region: a screen reader reads the note out when Enter or a click opens it.
_PANEL_ARIA = 'role="region" aria-label="Note on the chosen passage" aria-live="polite"'


def _open_mark(row, selected) -> str:
    label = KINDS[row["kind"]][0]
    chosen = " ck-selected" if row["id"] == selected else ""
    return (f'<mark class="ck-a ck-k-{row["kind"]}{chosen}" data-ann="{_esc(row["id"])}" tabindex="0" '
            f'aria-label="{_esc(label)}" aria-describedby="ck-tip-{_esc(row["id"])}">')


def _close_mark(row) -> str:
    label = KINDS[row["kind"]][0]
    tip = f'<b>{_esc(label)}</b>{_status_tag(row["status"])}: {_esc(row["note"])}'
    if row.get("correction"):
        tip += f'<br><b>Better:</b> {_esc(row["correction"])}'
    # The note shown on hover and focus is also the highlight's description, so a screen reader reads it on focus.
    return f'<span class="ck-tip" role="tooltip" id="ck-tip-{_esc(row["id"])}">{tip}</span></mark>'


def _marked(body: str, start: int, end: int, hits: list[tuple[int, int]]) -> str:
    """Return ``body[start:end]`` escaped, with the parts inside search hits wrapped in ``<mark class="ck-hit">``."""
    out, cursor = [], start
    for hit_start, hit_end in hits:
        a, b = max(hit_start, start), min(hit_end, end)
        if a >= b:
            continue
        out.append(_esc(body[cursor:a]))
        out.append(f'<mark class="ck-hit">{_esc(body[a:b])}</mark>')
        cursor = b
    out.append(_esc(body[cursor:end]))
    return "".join(out)


def _hits(body: str, search: str) -> list[tuple[int, int]]:
    words = search.strip()
    if not words:
        return []
    pattern = r"\s+".join(re.escape(w) for w in words.split())
    return [m.span() for m in re.finditer(pattern, body, re.IGNORECASE)]


def _legend(annotations) -> str:
    counts = {}
    for row in annotations:
        counts[row["kind"]] = counts.get(row["kind"], 0) + 1
    items = "".join(
        f'<li><mark class="ck-a ck-k-{kind} ck-sample">{_esc(label)}</mark> {counts[kind]}</li>'
        for kind, (label, _, _, _) in KINDS.items() if kind in counts)
    return (f'<div class="ck-legend"><b>Highlights</b> (hover or focus one to read its note)'
            f'<ul>{items}</ul></div>')


def _role(number: int, body: str) -> str:
    """Return how a paragraph is shown: the page title (¶1), a sub-heading (short, no full stop), or body text."""
    if number == 1:
        return "title"
    if len(body) < 100 and not body.rstrip().endswith((".", "”", ")")):
        return "heading"
    return "body"


def shown_counts(kinds=None, search: str = "", paragraph: int | None = None) -> tuple[int, int]:
    """Return (highlights, search matches) that the reader shows: in paragraph ``paragraph``, or in the whole text.

    These are the numbers of the reader's count line, so they count what ``render_html`` draws for the same
    arguments: the highlights of the chosen kinds placed in that paragraph, and the matches of ``search`` in it.
    """
    annotations = visible_annotations(kinds)
    text = data.article_text()
    if text is None:  # excerpt mode: the passages stand in for the text
        rows = [r for r in annotations if not paragraph or r["paragraph"] == paragraph]
        return len(rows), sum(len(_hits(r["exact"], search)) for r in rows)
    placed, _ = place(text, annotations)
    if paragraph:
        start, end = anchors.paragraphs(text)[paragraph - 1]
        return sum(p.paragraph == paragraph for p in placed), len(_hits(text[start:end], search))
    spans = anchors.paragraphs(text)
    return len(placed), sum(len(_hits(text[a:b], search)) for a, b in spans)


def _status_line(kinds, search, paragraph) -> str:
    """Return the count line over the article: highlights shown and, when searching, matches, where they are."""
    highlights, matches = shown_counts(kinds, search, paragraph or None)
    where = f" in ¶{paragraph}" if paragraph else ""
    line = f"{highlights} highlight{'' if highlights == 1 else 's'} shown{where}"
    if search.strip():
        times = "no match" if matches == 0 else f"{matches} match{'' if matches == 1 else 'es'}"
        line += f"; “{_esc(search.strip())}”: {times}{where}"
    return f'<span class="ck-count" role="status" aria-live="polite">{line}</span>'


def _status_tag(status: str) -> str:
    return "" if status == "verified" else f' <i>({_status_label(status)})</i>'


def _status_label(status: str) -> str:
    return {"verified": "verified", "disputed": "disputed", "to_verify": "to verify"}[status]


def _source_html(source: dict | None, source_id: str) -> str:
    if source is None:
        return _esc(source_id)
    date = f", {source['date']:%d %B %Y}" if source.get("date") is not None else ""
    title = _esc(source["title"])
    if source.get("url"):
        title = f'<a href="{_esc(source["url"])}" target="_blank" rel="noopener noreferrer">{title}</a>'
    return f"{_esc(source['publisher'])}, {title}{date} ({source['kind']})"


def _sources() -> dict[str, dict]:
    return {row["id"]: _plain(row) for row in data.load("sources").to_dict("records")}


def _kind_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in visible_annotations():
        counts[row["kind"]] = counts.get(row["kind"], 0) + 1
    return counts


def _plain(row: dict) -> dict:
    """Return a table row with pandas' missing values as None and categories as plain strings."""
    import pandas as pd

    clean = {}
    for key, value in row.items():
        if isinstance(value, list):
            clean[key] = value
        elif value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
            clean[key] = None
        elif isinstance(value, pd.Timestamp):
            clean[key] = value.to_pydatetime()
        else:
            clean[key] = value if not hasattr(value, "item") else value.item()
    return clean


def _esc(value) -> str:
    return _html.escape(str(value), quote=True)


def _style() -> str:
    """Return the reader's stylesheet: colours and underlines per kind, CSS tooltips, print rules."""
    rules = [(_ASSETS / "reader.css").read_text(encoding="utf-8")]
    for kind, (_, colour, line, tint) in KINDS.items():
        rules.append(f".ck-reader .ck-k-{kind} {{ background: {tint}; text-decoration: underline {line} {colour}; "
                     f"text-decoration-thickness: 2px; text-underline-offset: 3px; }}")
        rules.append(f".ck-toggle-{kind} {{ border-bottom: 3px {line} {colour} !important; }}")
    return "<style>\n" + "\n".join(rules) + "\n</style>"

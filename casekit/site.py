"""Build the static, read-only edition of the lessons: ``make site`` (``python -m casekit build-site``).

Each lesson notebook is run on a fresh kernel and exported to HTML with its outputs, for students reading on a
phone or without Python. The pages open from disk, with no network:

- plotly figures stay interactive: each figure's JSON output becomes a ``<div>`` drawn by one local copy of
  plotly.js (``assets/plotly.min.js``, taken from the installed plotly package), never a CDN;
- the annotated article appears wherever a lesson shows it with ``casekit.source.render_html`` (pure HTML and
  CSS); live widgets (the reader's and the timeline explorer's controls) cannot work without a kernel, so each is
  replaced by a short note saying what it does and that it works in JupyterLab;
- ``index.html`` lists the lessons in the order of ``casekit.lessons``.

The edition's folder is the kit's to replace: ``build`` writes a marker file (``.casekit-site``) into it first, and
``clean`` deletes a folder only when that marker is there. A folder the kit did not make is refused, never
emptied, whatever ``--out`` names:

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "thesis.docx").write_text("months of work")
>>> clean(folder)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
casekit.site.SiteError: build-site will not delete ... it is not empty and holds no .casekit-site marker, so an earlier build-site did not make it. ...
>>> (folder / "thesis.docx").read_text()
'months of work'
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

from casekit.lessons import LESSONS

MARKER = ".casekit-site"
MARKER_TEXT = ("This folder is an edition of the kit's lessons written by 'python -m casekit build-site'.\n"
               "build-site deletes and rewrites it; keep nothing of your own here.\n")
PLOTLY_MIME = "application/vnd.plotly.v1+json"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = ('<p class="casekit-widget-note"><i>An interactive control is shown here in JupyterLab (run this '
               "lesson with <code>make lab</code>). This read-only edition shows the figures and text without "
               "it.</i></p>")


def figure_html(figure_json: dict, div_id: str) -> str:
    """Return the HTML that draws one plotly figure with the page's local plotly.js."""
    data = json.dumps(figure_json.get("data", []))
    layout = json.dumps(figure_json.get("layout", {}))
    return (f'<div id="{div_id}" class="casekit-figure" style="width:100%;min-height:420px"></div>\n'
            f'<script>Plotly.newPlot("{div_id}", {data}, {layout}, {{"responsive": true}});</script>')


def static_outputs(nb, stem: str):
    """Rewrite a run notebook's outputs for a static page: plotly JSON to drawn figures, widgets to a note."""
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            bundle = output.get("data", {})
            if PLOTLY_MIME in bundle:
                count += 1
                output["data"] = {"text/html": figure_html(bundle[PLOTLY_MIME], f"{stem}-figure-{count}")}
            elif WIDGET_MIME in bundle:
                output["data"] = {"text/html": bundle.get("text/html", WIDGET_NOTE)}
        if cell.metadata.get("jupyter", {}).get("source_hidden"):
            cell.metadata.setdefault("tags", []).append("casekit-hide-input")
    nb.metadata.pop("widgets", None)
    return nb


_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=\"https?://[^>]*>\s*</script>", re.I)
_SCRIPT_BLOCK = re.compile(r"<script\b[^>]*>(?:(?!</script>).)*</script>", re.I | re.S)


def page_html(body: str, title: str) -> str:
    """Make an exported page work offline: drop scripts fetched from the network, add the local plotly.js.

    nbconvert's template loads require.js and MathJax from a CDN and can load mermaid from one; the lessons use
    none of them, so those scripts (and any inline script that imports from the network) are removed.
    """
    body = _REMOTE_SCRIPT.sub("", body)
    body = _SCRIPT_BLOCK.sub(lambda m: "" if re.search(r"https?://cdn", m.group(0)) or "MathJax" in m.group(0)
                             else m.group(0), body)
    body = body.replace("<title>Notebook</title>", f"<title>{html.escape(title)}</title>", 1)
    return body.replace("</head>", '<script src="assets/plotly.min.js"></script>\n</head>', 1)


def index_html(titles: dict[str, str]) -> str:
    """Return the edition's contents page."""
    items = "\n".join(f'<li><a href="{html.escape(lesson.stem)}.html">{html.escape(titles[lesson.stem])}</a>'
                      f" — {html.escape(lesson.summary)}</li>" for lesson in LESSONS if lesson.stem in titles)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>China and Russia are not allies: the lessons</title>
<style>body{{font-family:system-ui,sans-serif;max-width:44em;margin:2em auto;padding:0 1em;line-height:1.5}}</style>
</head><body>
<h1>"China and Russia are not allies": the lessons</h1>
<p>A read-only edition of the kit's lessons, with their figures and the annotated article. To run the code, answer
the exercises and use the interactive reader and timeline, open the kit in JupyterLab (<code>make lab</code>).</p>
<ol>
{items}
</ol>
<p>The article is © 2022 Deutsche Welle, shown for analysis in class; see the kit's <code>data/source/README.md</code>.</p>
</body></html>
"""


def build(notebooks: Path, out: Path, report=print, code: bool = True) -> list[Path]:
    """Run every lesson and write the static edition to ``out``; return the pages written.

    With ``code=False`` the pages leave out the code cells and prompts: the *present* edition, for projecting the
    article, the timelines and the text in class.
    """
    import nbformat
    import plotly.offline
    from nbconvert import HTMLExporter

    from casekit.runner import run

    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    (out / "assets").mkdir(exist_ok=True)
    (out / "assets" / "plotly.min.js").write_text(plotly.offline.get_plotlyjs(), encoding="utf-8")
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(template_name="lab", exclude_input=not code, exclude_input_prompt=not code,
                            exclude_output_prompt=not code)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={"casekit-hide-input"}), enabled=True)
    titles, written = {}, []
    for lesson in LESSONS:
        path = notebooks / lesson.file
        if not path.is_file():
            continue
        report(f"running {lesson.file} …")
        nb = run(nbformat.read(path, as_version=4), notebooks, name=lesson.file)
        titles[lesson.stem] = nb.metadata.get("casekit", {}).get("title", lesson.title)
        body, _ = exporter.from_notebook_node(static_outputs(nb, lesson.stem))
        page = out / f"{lesson.stem}.html"
        page.write_text(_relink(page_html(body, titles[lesson.stem])), encoding="utf-8")
        written.append(page)
    (out / "index.html").write_text(index_html(titles), encoding="utf-8")
    written.append(out / "index.html")
    report(f"wrote {len(written)} pages to {out}")
    return written


def _relink(page: str) -> str:
    """Point links between lessons at their HTML pages instead of the notebooks."""
    for lesson in LESSONS:
        page = page.replace(f'href="{lesson.file}', f'href="{lesson.stem}.html')
    return page


class SiteError(ValueError):
    """The edition cannot be written where asked; the message says why and what to do."""


def clean(out: Path) -> None:
    """Remove a previous edition from ``out``: only a folder that holds the marker of a build, or an empty one.

    Raise ``SiteError`` and touch nothing when ``out`` is a file, or a folder with files but no marker.
    """
    if not out.exists() and not out.is_symlink():
        return
    if out.is_symlink() or not out.is_dir():
        raise SiteError(f"build-site will not replace {out}: it is not a folder. Choose a new folder with --out.")
    marker = out / MARKER
    if marker.is_file() and not marker.is_symlink():
        shutil.rmtree(out)
        return
    if any(out.iterdir()):
        raise SiteError(f"build-site will not delete {out}: it is not empty and holds no {MARKER} marker, so an "
                        "earlier build-site did not make it. Choose a new or empty folder with --out, or empty "
                        "this one yourself.")

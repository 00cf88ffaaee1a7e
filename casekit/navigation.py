"""Write the navigation bars of the lesson notebooks from ``casekit.lessons``: ``python -m casekit build-navigation``.

Each lesson notebook has a navigation cell at the top and one at the bottom, marked in their metadata
(``{"casekit": {"navigation": "top"}}`` / ``"bottom"``). This module rewrites exactly those cells, so running it
twice changes nothing, and never touches another cell. ``stale()`` lists the notebooks whose bars are out of date
(the test suite calls it).
"""

from __future__ import annotations

from pathlib import Path

from casekit.lessons import LESSONS, Lesson


def top(lesson: Lesson) -> str:
    """Return the markdown of the bar above a lesson: where it sits in the path, previous and next."""
    index = LESSONS.index(lesson)
    place = "Start here" if index == 0 else f"Lesson {index} of {len(LESSONS) - 1}"
    parts = [f"**{place}**"]
    if index > 0:
        prev = LESSONS[index - 1]
        parts.append(f"[← {prev.title}]({prev.file})")
    parts.append(f"[Contents]({LESSONS[0].file}#The-path)")
    if index + 1 < len(LESSONS):
        nxt = LESSONS[index + 1]
        parts.append(f"[{nxt.title} →]({nxt.file})")
    return " · ".join(parts)


def bottom(lesson: Lesson) -> str:
    """Return the markdown under a lesson: its exercise (if any) and the next lesson."""
    index = LESSONS.index(lesson)
    lines = ["---"]
    if lesson.exercise:
        # A plain link (not code-styled text), so that it looks like the link it is.
        lines.append(f"**Practise:** open the exercise [{lesson.title}](../exercises/{lesson.exercise}.ipynb)"
                     f" (exercises/{lesson.exercise}.ipynb) — auto-checked questions with instant feedback.")
    if index + 1 < len(LESSONS):
        nxt = LESSONS[index + 1]
        lines.append(f"**Next lesson:** [{nxt.title}]({nxt.file}) — {nxt.summary}.")
    else:
        lines.append(f"**You have reached the end of the path.** Back to [the start]({LESSONS[0].file}).")
    return "\n\n".join(lines)


def contents() -> str:
    """Return the markdown list of every lesson, for the start page."""
    rows = []
    for lesson in LESSONS:
        practise = f" Exercise: [{lesson.exercise}](../exercises/{lesson.exercise}.ipynb)." if lesson.exercise else ""
        rows.append(f"{int(lesson.number) + 1}. [{lesson.title}]({lesson.file}): {lesson.summary}.{practise}")
    return "## The path\n\n" + "\n".join(rows)


def _apply(nb, lesson: Lesson) -> bool:
    """Set the navigation cells of ``nb`` (adding them if absent); return True if anything changed."""
    import nbformat

    wanted = {"top": top(lesson), "bottom": bottom(lesson)}
    if lesson.stem == LESSONS[0].stem:
        wanted["contents"] = contents()
    changed = False
    for place, text in wanted.items():
        cells = [c for c in nb.cells if c.metadata.get("casekit", {}).get("navigation") == place]
        if cells:
            if cells[0].source != text:
                cells[0].source, changed = text, True
            continue
        cell = nbformat.v4.new_markdown_cell(text)
        cell["id"] = f"navigation-{place}"
        cell.metadata["casekit"] = {"navigation": place}
        if place == "top":
            nb.cells.insert(0, cell)
        elif place == "bottom":
            nb.cells.append(cell)
        else:
            nb.cells.insert(len(nb.cells) - 1, cell)
        changed = True
    return changed


def build(folder: Path) -> list[Path]:
    """Rewrite the navigation cells of every lesson notebook in ``folder``; return the notebooks changed."""
    import nbformat

    written = []
    for lesson in LESSONS:
        path = folder / lesson.file
        if not path.is_file():
            continue
        nb = nbformat.read(path, as_version=4)
        if _apply(nb, lesson) | _language_info(nb):
            nbformat.write(nb, path)
            written.append(path)
    return written


def _language_info(nb) -> bool:
    """Give ``nb`` the kernel's full ``language_info`` if it holds less; return True if it changed.

    JupyterLab writes the kernel's language_info into a notebook as soon as the kernel starts; a notebook that
    stores only ``{"name": "python"}`` therefore shows the unsaved-changes dot the moment a student opens it.
    Stored in full (as ipykernel reports it), nothing changes on opening, where the student's Python is the one
    the lessons were last written with.
    """
    from ipykernel.ipkernel import IPythonKernel

    wanted = dict(IPythonKernel.language_info)
    stored = nb.metadata.get("language_info", {})
    if set(wanted) <= set(stored):  # complete already: keep it, whichever Python wrote it
        return False
    nb.metadata["language_info"] = wanted
    return True


def stale(folder: Path) -> list[str]:
    """Return the lesson notebooks whose navigation is missing or out of date."""
    import copy

    import nbformat

    out = []
    for lesson in LESSONS:
        path = folder / lesson.file
        if path.is_file() and _apply(copy.deepcopy(nbformat.read(path, as_version=4)), lesson):
            out.append(lesson.file)
    return out

"""Layout checks for the browser tests: the kit's own text boxes must not overlap, and nothing may be cut off.

``problems(page)`` looks at the notebook on screen and returns one line per fault it sees (an empty list is a
clean layout). It checks only what the kit draws, never JupyterLab's own chrome:

- **quiz questions** (``.ck-quiz``): no two options overlap, each option shows its whole text (nothing clipped by
  a fixed height), and all of them sit inside the question's box;
- **figures** (every plotly plot): the title, each annotation, the legend and the axis titles do not overlap one
  another and lie inside the figure;
- **the kit's widgets and figures** (quiz, reader, explorer, plots) are not wider than the cell output they sit in,
  so nothing is cut off at the right;
- **reader notes** (``.ck-tip``) that are open (on hover or focus) lie inside the reader's column.

Boxes are compared as the browser lays them out (``getBoundingClientRect``), with a pixel of slack for rounding.
"""

from __future__ import annotations

_SCRIPT = r"""
(root) => {
  const SLACK = 1.5;
  const out = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === "none" || s.visibility === "hidden" || s.opacity === "0") return false;
    }
    return true;
  };
  const box = (el) => el.getBoundingClientRect();
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > SLACK &&
                            Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > SLACK;
  const inside = (a, b) => a.left >= b.left - SLACK && a.right <= b.right + SLACK &&
                           a.top >= b.top - SLACK && a.bottom <= b.bottom + SLACK;
  const name = (el) => JSON.stringify((el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 50));
  const pairs = (where, items) => {
    for (let i = 0; i < items.length; i++)
      for (let j = i + 1; j < items.length; j++)
        if (overlap(box(items[i]), box(items[j])))
          out.push(`${where}: ${name(items[i])} overlaps ${name(items[j])}`);
  };
  const cell = (el) => {
    const c = el.closest(".jp-Cell");
    const cells = [...root.querySelectorAll(".jp-Cell")];
    return c ? `cell ${cells.indexOf(c) + 1}` : "page";
  };
  // Quiz questions.
  for (const quiz of root.querySelectorAll(".ck-quiz")) {
    if (!visible(quiz)) continue;
    const where = `${cell(quiz)} quiz ${name(quiz.querySelector(".ck-quiz-question") || quiz)}`;
    const options = [...quiz.querySelectorAll(".ck-quiz-option")].filter(visible);
    if (options.length === 0) out.push(`${where}: no option is shown`);
    pairs(where, options);
    for (const option of options) {
      if (!inside(box(option), box(quiz))) out.push(`${where}: option ${name(option)} is outside the question`);
      const text = option.querySelector(".ck-quiz-text") || option;
      if (text.scrollHeight > text.clientHeight + 2 || text.scrollWidth > text.clientWidth + 2)
        out.push(`${where}: option ${name(option)} is cut (its text is larger than its box)`);
    }
  }
  // Figures.
  for (const plot of root.querySelectorAll(".js-plotly-plot")) {
    if (!visible(plot)) continue;
    const svg = plot.querySelector(".main-svg");
    if (!svg) continue;
    const where = `${cell(plot)} figure ${name(plot.querySelector(".gtitle") || plot).slice(0, 40)}`;
    // What can be seen of the figure: its drawing, clipped by the output it sits in.
    const drawn = [...plot.querySelectorAll(".main-svg")].map(box).reduce((a, b) => ({
      left: Math.min(a.left, b.left), top: Math.min(a.top, b.top),
      right: Math.max(a.right, b.right), bottom: Math.max(a.bottom, b.bottom)}));
    const room = box(plot.closest(".jp-OutputArea-output") || plot);
    const frame = {left: Math.max(drawn.left, room.left), top: Math.max(drawn.top, room.top),
                   right: Math.min(drawn.right, room.right), bottom: Math.min(drawn.bottom, room.bottom)};
    const texts = [...plot.querySelectorAll(
      ".infolayer .gtitle, .annotation .annotation-text-g, .infolayer .legend, .infolayer .g-xtitle, " +
      ".infolayer .g-ytitle")].filter(visible);
    pairs(where, texts);
    for (const t of texts)
      if (!inside(box(t), frame)) out.push(`${where}: ${name(t)} is cut off the figure`);
  }
  // The kit's widgets and figures fit the width of the output they sit in.
  const own = ".ck-quiz, .ck-reader-widget, .ck-explorer, .js-plotly-plot, .ck-view";
  for (const el of root.querySelectorAll(own)) {
    if (!visible(el)) continue;
    const output = el.closest(".jp-OutputArea-output");
    if (!output) continue;
    const room = box(output);
    const r = box(el);
    if (el.scrollWidth > el.clientWidth + 2 && getComputedStyle(el).overflowX !== "auto")
      out.push(`${cell(el)}: ${el.className.split(" ")[0]} ${name(el).slice(0, 30)} holds ${el.scrollWidth} px of content in ${el.clientWidth} px`);
    if (r.right > room.right + SLACK)
      out.push(`${cell(el)}: ${el.className.split(" ")[0]} ${name(el).slice(0, 30)} runs ${Math.round(r.right - room.right)} px past the output's right edge`);
    for (const child of el.querySelectorAll(".widget-hbox, .widget-vbox, .widget-box"))
      if (visible(child) && child.scrollWidth > child.clientWidth + 2 && getComputedStyle(child).overflowX !== "auto")
        out.push(`${cell(el)}: a row of controls in ${el.className.split(" ")[0]} is cut (${child.scrollWidth} px of content in ${child.clientWidth} px)`);
  }
  // Open reader notes.
  for (const tip of root.querySelectorAll(".ck-tip")) {
    if (!visible(tip)) continue;
    const column = tip.closest(".ck-view") || tip.closest(".ck-reader");
    const a = box(tip), b = box(column);
    if (a.left < b.left - SLACK || a.right > b.right + SLACK)
      out.push(`${cell(tip)}: the note ${name(tip)} is cut at the reader column's edge`);
  }
  return out;
}
"""

NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"


def problems(page, root: str = NOTEBOOK) -> list[str]:
    """Return the layout faults of the notebook on screen (or of the element ``root``), one line each."""
    return page.locator(root).first.evaluate(_SCRIPT)

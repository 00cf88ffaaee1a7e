"""The read-first reader in real JupyterLab: mark a passage by mouse and one by keyboard, refuse bad selections,
save the notebook, restart the kernel and get the layer back from the saved file, then compare with the kit.

The test writes its own notebook into the lab's copy of the kit, so no lesson needs to change for it.
"""

from __future__ import annotations

import json

import nbformat
from browser import open_notebook, screenshot, wait_idle

from casekit import annotate, source

NAME = "read_first_e2e.ipynb"
WIDGET = ".jp-Notebook .ck-annotate"
SETUP = "from casekit import source\nr = source.reader(mode='read-first', key='e2e')\nr"
SHOW = "import json\nprint(json.dumps(r.annotations, sort_keys=True))"


def _write_notebook(lab) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(SETUP), nbformat.v4.new_code_cell(SHOW)]
    nbformat.write(nb, lab["root"] / NAME)


def _drag_over(page, paragraph: int, words: str, to_paragraph: int | None = None) -> None:
    """Select ``words`` of a paragraph with a real mouse drag (press before the first letter, release after the
    last); with ``to_paragraph``, drag from them into the start of that paragraph."""
    box = page.evaluate(
        """([par, words, to]) => {
             const root = document.querySelector('.jp-Notebook .ck-ann-article');
             const rectOf = (p, w, end) => {
               const el = root.querySelector(`[data-par="${p}"] .ck-ann-text`);
               const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
               for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                 const at = w ? n.textContent.indexOf(w) : 0;
                 if (at < 0) continue;
                 const range = document.createRange();
                 range.setStart(n, at); range.setEnd(n, at + (w ? w.length : 3));
                 range.startContainer.parentElement.scrollIntoView({block: 'center'});
                 const rs = range.getClientRects();
                 return end ? rs[rs.length - 1] : rs[0];
               }
               return null;
             };
             const first = rectOf(par, words, false);
             const last = to ? rectOf(to, "", false) : rectOf(par, words, true);
             return {x0: first.left + 1, y0: (first.top + first.bottom) / 2,
                     x1: to ? last.left + 12 : last.right - 1, y1: (last.top + last.bottom) / 2};
           }""", [paragraph, words, to_paragraph])
    page.mouse.move(box["x0"], box["y0"])
    page.mouse.down()
    page.mouse.move((box["x0"] + box["x1"]) / 2, (box["y0"] + box["y1"]) / 2, steps=5)
    page.mouse.move(box["x1"], box["y1"], steps=5)
    page.mouse.up()


def _message(page, expected: str) -> str:
    page.wait_for_function("([sel, text]) => document.querySelector(sel)?.textContent.includes(text)",
                           arg=[f"{WIDGET} .ck-ann-message", expected], timeout=30_000)
    return page.locator(f"{WIDGET} .ck-ann-message").inner_text()


def _saved_on_disk(lab) -> list:
    return annotate.saved_layers(json.loads((lab["root"] / NAME).read_text(encoding="utf-8"))).get("e2e", [])


def test_mark_by_mouse_and_keyboard_save_restart_and_compare(page, lab):
    _write_notebook(lab)
    kit = source.visible_annotations()
    mouse_note = next(r for r in kit if r["kind"] == "factual_error" and r["exact"] == "On July 21")
    open_notebook(page, lab, NAME)
    widget = page.locator(WIDGET)
    widget.wait_for(timeout=30_000)

    # Read first: nothing of the kit's notes is on the page before Compare.
    shown = widget.inner_html()
    assert "ck-tip" not in shown and "data-ann" not in shown
    assert not any(r["note"] in widget.inner_text() for r in kit)

    # Bad input first: nothing selected, then a selection across two paragraphs.
    widget.get_by_role("button", name="Save annotation").click()
    assert "Nothing is selected" in _message(page, "Nothing is selected")
    _drag_over(page, 2, "On July 21", to_paragraph=3)
    widget.get_by_label("Kind").select_option("date")
    widget.get_by_role("button", name="Save annotation").click()
    assert "two paragraphs" in _message(page, "two paragraphs")

    # By mouse: drag over the words, pick a kind, write a note, save.
    _drag_over(page, mouse_note["paragraph"], "On July 21")
    assert widget.get_by_role("textbox", name="Passage", exact=True).input_value() == "On July 21"
    widget.get_by_label("Kind").select_option("factual_error")
    widget.get_by_label("Note (optional)").fill("was it the 20th?")
    widget.get_by_role("button", name="Save annotation").click()
    _message(page, "Saved annotation 1")

    # By keyboard only: from the article, Tab to the Passage field, type the words, choose the kind, save.
    widget.locator(".ck-ann-article").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "ck-ann-exact"
    page.keyboard.type("more than 400 people")
    page.keyboard.press("Tab")
    page.keyboard.type("Number")
    page.keyboard.press("Tab")
    page.keyboard.type("a count from the forum?")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    _message(page, "Saved annotation 2")
    assert widget.locator(".ck-mine").count() == 2 and "[2: Number]" in widget.inner_text()

    # By keyboard, from the article: Down to ¶4, Enter copies it into the Passage field; cut it down to its last
    # words (Delete from the start of the field), pick a kind, save.
    widget.locator(".ck-ann-article").focus()
    for _ in range(4):
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.dataset.par") == "4"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.className") == "ck-ann-exact"
    copied = widget.get_by_role("textbox", name="Passage", exact=True).input_value()
    assert copied.startswith("Qin Gang pointed out") and copied.endswith("“certainly welcomes it”.")
    page.keyboard.press("Control+Home")
    for _ in range(len(copied) - len("“certainly welcomes it”.")):
        page.keyboard.press("Delete")
    page.keyboard.press("Tab")
    page.keyboard.type("Direct")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    _message(page, "Saved annotation 3")
    screenshot(page, "annotate-marked", widget)

    # Save the notebook: the layer is in the file.
    page.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+s")
    for _ in range(40):
        page.wait_for_timeout(500)
        on_disk = _saved_on_disk(lab)
        if len(on_disk) == 3:
            break
    assert [(a["exact"], a["kind"]) for a in on_disk] == [("On July 21", "factual_error"),
                                                          ("more than 400 people", "number"),
                                                          ("“certainly welcomes it”.", "quote")], on_disk
    assert [a["paragraph"] for a in on_disk] == [2, 3, 4]

    # Reload the page, restart the kernel, run everything again: the layer comes back from the saved notebook.
    open_notebook(page, lab, NAME, run_all=False)
    page.locator(".lm-MenuBar-itemLabel", has_text="Kernel").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Restart Kernel and Run All Cells").first.click()
    page.locator(".jp-Dialog-button", has_text="Restart").last.click()
    page.wait_for_timeout(3000)
    wait_idle(page)
    widget = page.locator(WIDGET)
    widget.wait_for(timeout=30_000)
    assert widget.locator(".ck-mine").count() == 3
    printed = page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".jp-OutputArea-output").inner_text()
    assert json.loads(printed) == on_disk, printed

    # Compare: the mouse-marked passage is found with the same kind, with the kit's note; the rest is listed.
    widget.get_by_role("button", name="Compare with the kit's notes").click()
    compared = widget.locator(".ck-ann-compared")
    compared.locator("li").first.wait_for(timeout=30_000)
    text = compared.inner_text()
    assert "Found, same kind" in text and mouse_note["note"] in text
    rows = annotate.compare(on_disk)
    found = sum(r["outcome"] in ("same kind", "other kind") for r in rows)
    noted = found + sum(r["outcome"] == "missed" for r in rows)
    assert f"{found} of the kit's {noted} notes found" in text and "Missed" in text, text[:300]
    assert noted == len(kit) and found >= 1
    compared.locator(".ck-cmp-same-kind").first.scroll_into_view_if_needed()
    screenshot(page, "annotate-compared")

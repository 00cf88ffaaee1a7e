"""A lesson's question in JupyterLab: the option picked shows as picked, and the verdict is said once."""

from __future__ import annotations

from browser import open_notebook, screenshot
from layout import NOTEBOOK, problems

QUIZ_CELL = f"{NOTEBOOK} .jp-Cell:has(.ck-quiz)"


def test_the_longest_option_can_be_picked_and_shows_as_picked(page, lab):
    open_notebook(page, lab, "notebooks/02_timeline.ipynb")
    quiz = page.locator(f"{NOTEBOOK} .ck-quiz").first
    quiz.wait_for(timeout=30_000)
    options = quiz.locator(".ck-quiz-option")
    texts = options.all_inner_texts()
    longest = max(range(len(texts)), key=lambda i: len(texts[i]))
    options.nth(longest).click()
    picked = options.nth(longest).locator("input")
    assert picked.is_checked()
    assert [options.nth(i).locator("input").is_checked() for i in range(len(texts))].count(True) == 1
    # Drawn as picked: its own box is tinted, unlike the others.
    tint = options.nth(longest).evaluate("e => getComputedStyle(e).backgroundColor")
    other = options.nth((longest + 1) % len(texts)).evaluate("e => getComputedStyle(e).backgroundColor")
    assert tint != other
    said = quiz.locator(".ck-quiz-feedback")
    page.wait_for_function("e => e.textContent.length > 20", arg=said.element_handle())
    verdict = said.inner_text()
    assert verdict.count("Right.") + verdict.count("Not quite.") == 1, verdict
    assert problems(page, QUIZ_CELL) == []
    screenshot(page, "quiz-picked", quiz)
    page.set_viewport_size({"width": 800, "height": 1000})
    page.wait_for_timeout(800)
    assert problems(page, QUIZ_CELL) == []
    screenshot(page, "quiz-picked-800", quiz)

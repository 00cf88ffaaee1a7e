"""A student answers an exercise question in JupyterLab and reads the verdict."""

from __future__ import annotations

from browser import open_notebook, screenshot, wait_idle
from layout import NOTEBOOK


def answer(page, question_text: str, code: str, separately: bool = False) -> str:
    """Type ``code`` into the answer cell under the prompt containing ``question_text``, run it and its check.

    ``separately`` waits for the answer cell before running the check, as a student does after an error
    (JupyterLab drops cells queued behind one that raised).
    """
    cells = page.locator(".jp-Notebook .jp-Cell")
    count = cells.count()
    start = next(i for i in range(count) if question_text in cells.nth(i).inner_text())
    answer_cell = next(i for i in range(start, count)
                       if "jp-CodeCell" in (cells.nth(i).get_attribute("class") or ""))
    cells.nth(answer_cell).locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(code)
    page.keyboard.press("Shift+Enter")
    if separately:
        wait_idle(page)
    page.keyboard.press("Shift+Enter")
    wait_idle(page)
    return cells.nth(answer_cell + 1).locator(".jp-OutputArea-output").inner_text()


def write_student_id(page, student: str) -> None:
    """Type the student's id into the exercise's first code cell and run it, as the notebook asks."""
    cells = page.locator(".jp-Notebook .jp-Cell")
    first = next(i for i in range(cells.count()) if "jp-CodeCell" in (cells.nth(i).get_attribute("class") or ""))
    cells.nth(first).locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(f'student_id = "{student}"\nfrom casekit.check import Checker\ncheck = Checker("ex02", student_id)')
    page.keyboard.press("Shift+Enter")
    wait_idle(page)


def test_right_and_wrong_answers_get_their_verdicts(page, lab):
    open_notebook(page, lab, "exercises/ex02_timeline.ipynb")
    outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
    assert any("ex02.q1: not checked: you have not written your student id yet" in o for o in outputs)
    write_student_id(page, "ann")
    blank = answer(page, "Q1 (1 point)", "answer = ...")
    assert "ex02.q1: not answered yet" in blank
    wrong = answer(page, "Q1 (1 point)", "answer = 19")
    assert "ex02.q1: not yet. Hint: You counted from 5 February" in wrong
    screenshot(page, "exercise-wrong-answer")
    page.set_viewport_size({"width": 800, "height": 1000})
    page.wait_for_timeout(500)
    hint = page.locator(".jp-OutputArea-output", has_text="You counted from 5 February").first
    hint.scroll_into_view_if_needed()
    screenshot(page, "exercise-wrong-answer-800", hint)
    # The hint wraps between words, at any width.
    assert hint.locator("pre").evaluate("p => getComputedStyle(p).wordBreak") != "break-all"
    page.set_viewport_size({"width": 1400, "height": 1000})
    right = answer(page, "Q1 (1 point)", 'answer = (pd.Timestamp("2022-02-24") - pd.Timestamp("2022-02-04")).days')
    assert "ex02.q1: correct." in right
    screenshot(page, "exercise-right-answer")
    broken = answer(page, "Q1 (1 point)", "answer = seems", separately=True)  # a NameError; the right answer is still in ``answer``
    assert "stopped with an error" in broken and "correct" not in broken
    screenshot(page, "exercise-answer-cell-error")


def test_a_lesson_opens_clean_and_its_practise_link_opens_the_exercise(page, lab):
    open_notebook(page, lab, "notebooks/02_timeline.ipynb", run_all=False)
    page.wait_for_timeout(1500)
    tab = page.locator(".lm-TabBar-tab.jp-mod-current")
    assert "jp-mod-dirty" not in (tab.get_attribute("class") or ""), "no unsaved-changes dot right after opening"
    link = page.locator(f"{NOTEBOOK} a[href*='ex02_timeline.ipynb']").first
    assert link.evaluate("a => getComputedStyle(a).fontFamily") == \
        page.locator(f"{NOTEBOOK} .jp-RenderedMarkdown p").first.evaluate("p => getComputedStyle(p).fontFamily"), \
        "the link is set in the text's font, not as code"
    link.scroll_into_view_if_needed()
    link.click()
    page.locator(".lm-TabBar-tab", has_text="ex02_timeline.ipynb").wait_for(timeout=30_000)
    exercise = page.locator(f"{NOTEBOOK} .jp-RenderedMarkdown h1").first
    exercise.wait_for(timeout=30_000)
    assert "timeline" in exercise.inner_text().lower()
    assert page.locator(".jp-Dialog").count() == 0, "no error dialog (a 404 would show one)"
    screenshot(page, "lesson-link-opens-exercise")

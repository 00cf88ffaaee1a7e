"""A teaching assistant scores three responses with the scorer in JupyterLab; the scores reach the sheet and the
student's returned feedback page. A response full of HTML and script is shown as text and never runs."""

from __future__ import annotations

import csv
from pathlib import Path

import nbformat

from casekit import grade
from casekit.grade.run import Limits
from casekit.review import people
from browser import open_notebook, screenshot, wait_idle
from grading_corpus import answered

HOSTILE = ('Between March and July, <img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'
           '<b id="injected">bold?</b>')
TEXTS = {"ann": "Between March and July, the formula stayed the same (Xinhua, 18 April; Politico, 20 July).",
         "ben": HOSTILE,
         "cy": "Between March and July, the war went on and Le Yucheng was moved (14 June)."}
SCORES = {0: ({"c1": "1", "c2": "1", "c3": "0"}, "Good use of dates; cite a second outlet."),
          1: ({"c1": "0", "c2": "0", "c3": "0"}, "Write about Qin's words, not markup."),
          2: ({"c1": "1", "c2": "0", "c3": "1"}, "Name the sources you use.")}


def grade_class(root: Path) -> None:
    for student, text in TEXTS.items():
        nb = answered({"ex02.q1": "answer = 20"})
        for cell in nb.cells:
            if cell.metadata.get("casekit", {}).get("question") == "ex02.q9":
                cell.source = text
        (root / "SUBMISSIONS" / student).mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, root / "SUBMISSIONS" / student / "ex02_timeline.ipynb")
    grade.grade(root / "SUBMISSIONS", root / "RESULTS", jobs=2, exercises=["ex02"], resume=True,
                limits=Limits(cell_seconds=20, notebook_seconds=120), progress=lambda m: None)


def test_a_teaching_assistant_scores_three_responses_and_the_student_reads_them(page, lab):
    root = Path(lab["root"])
    grade_class(root)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell('from casekit import review\n'
                                          'review.scorer("RESULTS", exercise="ex02", question="ex02.q9")')]
    nbformat.write(nb, root / "score.ipynb")
    open_notebook(page, lab, "score.ipynb")
    scorer = page.locator(".ck-scorer")
    scorer.wait_for(timeout=60_000)
    order = people.shuffled(TEXTS, "ex02.q9")
    status = scorer.locator(".ck-score-status")
    for i in range(3):
        page.wait_for_function(f"() => document.querySelector('.ck-score-status')?.textContent"
                               f".includes('response {i + 1} of 3')", timeout=30_000)
        text = scorer.locator(".ck-score-response .text").inner_text()
        assert text.strip() == TEXTS[order[i]], (i, text)
        levels, comment = SCORES[i]
        for criterion, level in levels.items():
            scorer.locator(f".ck-score-{criterion} button", has_text=level).first.click()
            page.wait_for_timeout(300)
        page.wait_for_function("() => document.querySelector('.ck-score-total')?.textContent.startsWith('Saved')",
                               timeout=30_000)
        box = scorer.locator(".ck-score-comment textarea")
        box.click()
        box.fill(comment)
        # Straight on to Next: the comment reaches the kernel when the box loses focus, maybe after Next's click,
        # and is saved on the response it was typed for (each response has its own box).
        if order[i] == "ben":
            assert page.evaluate("() => window.__pwned") is None
            assert page.locator("#injected").count() == 0 and page.locator("img[src='x']").count() == 0
            assert "<script>" in text and "onerror" in text, "the markup is shown as text"
        if i == 0:
            scorer.locator(".ck-score-c1").first.focus()
            page.wait_for_timeout(500)
            screenshot(page, "scorer", scorer)
        scorer.locator(".ck-score-next").click()
        wait_idle(page)
    assert "0 left to score" in status.inner_text()
    assert page.evaluate("() => window.__pwned") is None
    sheet_file = root / "RESULTS" / "manual" / "ex02.csv"
    for _ in range(60):  # the last comment may reach the kernel a little after Next's click: wait until it is saved
        if SCORES[2][1] in sheet_file.read_text(encoding="utf-8"):
            break
        page.wait_for_timeout(500)
        wait_idle(page)
    rows = {r["student"]: r for r in csv.DictReader(sheet_file.open(encoding="utf-8"))}
    for i, student in enumerate(order):
        levels, comment = SCORES[i]
        assert rows[student]["rubric"] == "; ".join(f"{c}={v}" for c, v in levels.items()), rows[student]
        assert rows[student]["points"] == str(sum(int(v) for v in levels.values()))
        assert rows[student]["comment"] == comment
    # The next grading run returns the scores and comments to the students.
    grade_class(root)
    first = order[0]
    returned = page.context.new_page()
    returned.goto((root / "RESULTS" / "feedback" / first / "ex02.html").as_uri())
    body = returned.locator("body").inner_text()
    assert "2 / 3 (scored by your instructor)" in body and SCORES[0][1] in body
    returned.set_viewport_size({"width": 1000, "height": 900})
    screenshot(returned, "feedback-returned", returned.locator("body"))
    returned.goto((root / "RESULTS" / "feedback" / "ben" / "ex02.html").as_uri())
    returned.wait_for_load_state()
    assert returned.evaluate("() => window.__pwned") is None and returned.locator("#injected").count() == 0
    assert "<script>" in returned.locator("body").inner_text()
    for page_path in ("responses/ex02/ex02.q9.html", "summary.html"):
        returned.goto((root / "RESULTS" / page_path).as_uri())
        returned.wait_for_load_state()
        assert returned.evaluate("() => window.__pwned") is None and returned.locator("#injected").count() == 0
    returned.goto((root / "RESULTS" / "responses/ex02/ex02.q9.html").as_uri())
    screenshot(returned, "responses-page", returned.locator("body"))
    returned.close()

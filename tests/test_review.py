"""The written work: responses read and shown safely, scores kept in a sheet that is never lost, merged, returned."""

from __future__ import annotations

import csv
import re
import threading
from pathlib import Path

import nbformat
import pytest

from casekit import grade, review
from casekit.grade.run import Limits
from casekit.review import agree, people, rubric, sheet, written
from grading_corpus import KIT, answered

LIMITS = Limits(cell_seconds=10, notebook_seconds=90, memory_mb=2048)
HOSTILE = ('Between March and July, <script>window.__pwned = 1</script><img src=x onerror="window.__pwned=1"> '
           '</div></section><b>bold?</b> & "quotes"')
RUBRIC = rubric.parse("**Rubric (2 points):**\n- 1 point: a claim.\n- 1 point: two sources,\n  named.")
LEVELS = rubric.parse("**Rubric**\n| Criterion | 4 · Excellent | 3 · Proficient | 2 · Developing | 1 · Beginning |\n"
                      "|---|---|---|---|---|\n| **Claim** | a | b | c | d |\n| **Evidence** | e | f | g | h |")


def free_answer(text: str, extra: dict | None = None):
    nb = answered(extra or {})
    for cell in nb.cells:
        if cell.metadata.get("casekit", {}).get("question") == "ex02.q9":
            cell.source = text
    return nb


def write_class(folder: Path, students: dict) -> None:
    for name, nb in students.items():
        (folder / name).mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / name / "ex02_timeline.ipynb")


def run(submissions: Path, out: Path, **options) -> list[str]:
    messages: list[str] = []
    grade.grade(submissions, out, jobs=2, limits=LIMITS, progress=messages.append, exercises=["ex02"],
                resume=True, **options)
    return messages


# --- the rubric, read from the solutions ----------------------------------------------------------------------

def test_rubrics_are_read_from_every_free_response_question():
    from types import SimpleNamespace

    from casekit import build, questions
    from casekit.grade import score

    for path in build.solution_notebooks():
        nb = nbformat.read(path, as_version=4)
        for q in questions.read(nb, path.name):
            if q.free:
                key = SimpleNamespace(solution=questions.region(nb.cells[q.cell].source), points=q.points,
                                      prompt=score._prompt(nb, q.cell))
                parsed = written.rubric_of(key)
                assert parsed.max_points == q.points, (q.id, parsed.max_points)
                assert all(c.text for c in parsed.criteria) and parsed.criteria[0].id in ("c1", "claim")
    guide = (KIT / "solutions" / "README.md").read_text(encoding="utf-8")
    table = guide[guide.index("| Criterion |"):]
    synthesis = rubric.parse("**Rubric**\n" + table[:table.index("\n\n")])
    assert [c.id for c in synthesis.criteria] == ["claim", "evidence", "counter-evidence", "sourcing"]
    assert synthesis.max_points == 16 and [lv.points for lv in synthesis.criteria[0].levels] == [1, 2, 3, 4]


def test_rubric_cells_are_checked_against_the_rubric():
    assert RUBRIC.parse("c1=1; c2=0") == {"c1": 1, "c2": 0}
    assert RUBRIC.criteria[1].text == "two sources, named."
    for bad, says in [("c3=1", "no criterion 'c3'"), ("c1=2", "not a level of c1"), ("c1", "criterion=level"),
                      ("c1=1; c1=0", "given twice"), ("c1=x", "not a level")]:
        with pytest.raises(rubric.RubricError, match=says):
            RUBRIC.parse(bad)
    assert RUBRIC.total({"c1": 1}) is None and RUBRIC.total({"c1": 1, "c2": 1}) == 2


# --- the sheet ---------------------------------------------------------------------------------------------------

QUESTIONS = {"ex02.q9": (2.0, RUBRIC)}


def test_the_sheet_only_ever_gains_rows_and_keeps_every_line_byte_for_byte(tmp_path):
    path = tmp_path / "manual" / "ex02.csv"
    assert sheet.add_rows(path, [("ann", "ex02", "ex02.q9", 2), ("=cmd|calc", "ex02", "ex02.q9", 2)]) == 2
    # A teaching assistant edits it in a spreadsheet: CRLF line ends, a byte-order mark, a comment over two lines.
    text = path.read_text(encoding="utf-8").replace("ann,ex02,ex02.q9,2,,,", 'ann,ex02,ex02.q9,2,1,c1=1; c2=0,'
                                                                          '"Good claim.\nName your sources."')
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    before = path.read_bytes()
    assert sheet.add_rows(path, [("ann", "ex02", "ex02.q9", 2), ("=cmd|calc", "ex02", "ex02.q9", 2)]) == 0
    assert path.read_bytes() == before, "nothing new: nothing written"
    assert sheet.add_rows(path, [("ben", "ex02", "ex02.q9", 2), ("ann", "ex02", "ex02.q9", 2)]) == 1
    after = path.read_bytes()
    assert after.startswith(before) and after[len(before):] == b"ben,ex02,ex02.q9,2,,,\r\n"
    scores, problems = sheet.read(path, "ex02", QUESTIONS, {"ann", "ben", "=cmd|calc"})
    assert problems == []
    assert scores[("ann", "ex02.q9")].points == 1 and scores[("ann", "ex02.q9")].comment == (
        "Good claim.\r\nName your sources.")
    assert ("=cmd|calc", "ex02.q9") in scores and "'=cmd|calc" in after.decode("utf-8"), "formula neutralised"
    # The scorer saves one row: every other line stays as it was.
    sheet.save(path, "ben", "ex02", "ex02.q9", 2, 2, "c1=1; c2=1", "Well argued.")
    saved = path.read_bytes()
    assert saved.replace(b'ben,ex02,ex02.q9,2,2,c1=1; c2=1,Well argued.\r\n', b"ben,ex02,ex02.q9,2,,,\r\n") == after


def test_malformed_rows_are_reported_with_file_and_line_and_the_rest_is_merged(tmp_path):
    path = tmp_path / "ex02.csv"
    lines = ["student,exercise,question,max_points,points,rubric,comment",
             "ann,ex02,ex02.q9,2,1,,fine",                       # 2: good
             "ben,ex02,ex02.q9,2,3,,too many",                   # 3: above max_points
             "cat,ex02,ex02.q9,2,two,,a word",                   # 4: not a number
             "zed,ex02,ex02.q9,2,1,,who?",                       # 5: unknown student
             "dan,ex02,ex02.q7,2,1,,auto question",             # 6: unknown question
             "eve,ex02,ex02.q9,2,2,c1=1; c2=1,first",            # 7: conflicting with 8
             "eve,ex02,ex02.q9,2,0,c1=0; c2=0,second",           # 8
             "fay,ex02,ex02.q9,2,1,c1=1; c2=1,",                 # 9: rubric adds up to 2
             "gus,ex02,ex02.q9,2,2",                             # 10: too few cells
             "hal,ex02,ex02.q9,2,-1,,",                          # 11: negative
             "ann,ex02,ex02.q9,2,1,,fine",                       # 12: exact duplicate of 2
             "ivy,ex02,ex02.q9,2,,c1=5,"]                        # 13: not a level
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = path.read_bytes()
    students = {"ann", "ben", "cat", "dan", "eve", "fay", "gus", "hal", "ivy"}
    scores, problems = sheet.read(path, "ex02", QUESTIONS, students)
    assert path.read_bytes() == before, "reading never changes the sheet"
    assert set(scores) == {("ann", "ex02.q9")}
    said = {int(re.search(r"line (\d+)", p).group(1)): p for p in problems}
    assert sorted(said) == [3, 4, 5, 6, 8, 9, 10, 11, 12, 13]
    assert all(p.startswith(f"{path}, line ") for p in problems)
    assert "not between 0 and max_points 2" in said[3] and "not a number" in said[4]
    assert "unknown student 'zed'" in said[5] and "unknown question 'ex02.q7'" in said[6]
    assert "neither is used" in said[8] and "line 7" in said[8]
    assert "add up to 2" in said[9] and "5 cells instead of 7" in said[10] and "not between" in said[11]
    assert "duplicate of line 2" in said[12] and "not a level of c1" in said[13]


def test_a_sheet_that_is_not_a_sheet_is_left_alone(tmp_path):
    path = tmp_path / "ex02.csv"
    path.write_bytes(b"name;points\nann;3\n")
    with pytest.raises(sheet.SheetError, match="line 1: the header"):
        sheet.add_rows(path, [("ann", "ex02", "ex02.q9", 2)])
    assert sheet.read(path, "ex02", QUESTIONS, {"ann"})[1][0].endswith("Nothing in the sheet was used or changed")
    path.write_bytes("student,exercise,question,max_points,points,rubric,comment\nann,ex02,ex02.q9,2,1,,\xe9t\xe9\n"
                     .encode("latin-1"))
    scores, problems = sheet.read(path, "ex02", QUESTIONS, {"ann"})
    assert scores == {} and "not UTF-8" in problems[0]
    assert path.read_bytes().endswith(b"\xe9t\xe9\n")


def test_two_scorers_saving_at_once_lose_nothing(tmp_path):
    path = tmp_path / "ex02.csv"
    students = [f"s{i:03d}" for i in range(40)]
    sheet.add_rows(path, [(s, "ex02", "ex02.q9", 2) for s in students])

    def score(mine):
        for s in mine:
            sheet.save(path, s, "ex02", "ex02.q9", 2, 1, "c1=1; c2=0", f"by {s}")

    threads = [threading.Thread(target=score, args=(students[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    scores, problems = sheet.read(path, "ex02", QUESTIONS, set(students))
    assert problems == [] and all(scores[(s, "ex02.q9")].comment == f"by {s}" for s in students)


# --- people and the agreement report ---------------------------------------------------------------------------

def test_pseudonyms_are_stable_and_the_order_is_shuffled_per_question():
    names = [f"student {i}" for i in range(30)]
    assert people.pseudonyms(names) == people.pseudonyms(list(reversed(names)))
    assert len(set(people.pseudonyms(names).values())) == 30
    assert all(re.fullmatch(r"S-[0-9a-f]{6}", p) for p in people.pseudonyms(names).values())
    one, two = people.shuffled(names, "ex02.q9"), people.shuffled(names, "ex03.q10")
    assert one == people.shuffled(reversed(names), "ex02.q9") and one != sorted(names) and one != two


def entries(scores: dict) -> dict:
    return {(s, "q"): sheet.Entry(s, "ex", "q", "8", LEVELS.total(levels), levels, "", 0)
            for s, levels in scores.items()}


def test_the_agreement_report_computes_the_right_figures_on_a_hand_made_example():
    first = entries({"a": {"claim": 4, "evidence": 3}, "b": {"claim": 2, "evidence": 2},
                     "c": {"claim": 3, "evidence": 1}, "d": {"claim": 1, "evidence": 4},
                     "e": {"claim": 4, "evidence": 4}})  # e: no second score
    second = entries({"a": {"claim": 4, "evidence": 3}, "b": {"claim": 3, "evidence": 2},
                      "c": {"claim": 1, "evidence": 1}, "d": {"claim": 1, "evidence": 2}})
    rows = {r["criterion"]: r for r in agree.compare(LEVELS, first, second)}
    # claim: a same, b one apart, c two apart, d same -> exact 2/4, within one 3/4
    assert rows["claim"] == {"criterion": "claim", "pairs": 4, "exact": 0.5, "within_one": 0.75}
    # evidence: a, b, c same; d two apart -> exact 3/4, within one 3/4
    assert rows["evidence"] == {"criterion": "evidence", "pairs": 4, "exact": 0.75, "within_one": 0.75}
    # points: a 7/7, b 4/5, c 4/2, d 5/3 -> exact 1/4, within one point 2/4
    assert rows["points"] == {"criterion": "points", "pairs": 4, "exact": 0.25, "within_one": 0.5}


# --- the whole pipeline: grade, score, grade again --------------------------------------------------------------

@pytest.fixture(scope="module")
def scored_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("written")
    submissions, out = root / "class", root / "results"
    write_class(submissions, {
        "ann": free_answer("Between March and July, the formula stayed (Xinhua; Politico).", {"ex02.q1": "answer = 20"}),
        "ben": free_answer(HOSTILE, {"ex02.q1": "answer = 19"}),
        "Cé <b>cil": free_answer("x" * 50_000),
        "dee": free_answer("_Write your answer here._"),
    })
    # A student who wrote the answer in a new cell under the answer cell is read too.
    nb = free_answer("_Write your answer here._")
    at = next(i for i, c in enumerate(nb.cells) if c.metadata.get("casekit", {}).get("question") == "ex02.q9")
    nb.cells.insert(at + 1, nbformat.v4.new_markdown_cell("Between March and July, in a cell of my own."))
    write_class(submissions, {"eli": nb})
    first = run(submissions, out)
    return {"root": root, "class": submissions, "out": out, "messages": first}


def test_responses_pages_hold_every_students_text_escaped_under_pseudonyms(scored_class):
    out = scored_class["out"]
    page = (out / "responses" / "ex02" / "ex02.q9.html").read_text(encoding="utf-8")
    data = written.load(out, "ex02", "ex02.q9")
    aliases = people.pseudonyms(["ann", "ben", "Cé <b>cil", "dee", "eli"])
    assert [r["student"] for r in data["responses"]] == people.shuffled(aliases, "ex02.q9")
    order = people.shuffled(aliases, "ex02.q9")
    assert re.findall(r"<h3>\d+\. (.*?)</h3>", page) == [aliases[s] for s in order]
    assert "Between March and July, the formula stayed" in page and "in a cell of my own." in page
    assert "<script>window" not in page and "<img" not in page and "&lt;script&gt;window.__pwned" in page
    assert "Showing the first 6,000 of 50,000 characters." in page and "(nothing written)" in page
    assert "Qin Gang spoke about China and Russia" in page, "the prompt is at the top"
    assert "identifies what recurs" in page and "Model answer" in page, "so are the rubric and the model answer"
    assert "Content-Security-Policy" in page
    rows = list(csv.DictReader((out / "manual" / "ex02.csv").open(encoding="utf-8")))
    assert [(r["student"], r["points"]) for r in rows] == [(s, "") for s in people.shuffled(aliases, "ex02.q9")]


def test_names_show_real_names(scored_class, tmp_path):
    out = scored_class["out"]
    run(scored_class["class"], out, names=True)
    page = (out / "responses" / "ex02" / "ex02.q9.html").read_text(encoding="utf-8")
    shown = re.findall(r"<h3>\d+\. (.*?)</h3>", page)
    assert sorted(shown) == sorted(["ann", "ben", "Cé &lt;b&gt;cil", "dee", "eli"]) and "S-" not in page
    run(scored_class["class"], out)


def test_scores_reach_the_gradebook_and_feedback_and_survive_new_submissions(scored_class):
    out, submissions = scored_class["out"], scored_class["class"]
    path = out / "manual" / "ex02.csv"
    scorer = review.scorer(out, exercise="ex02", question="ex02.q9")
    assert scorer.left() == 5
    ann = next(i for i, r in enumerate(scorer.responses) if r["student"] == "ann")
    scorer.go(ann)
    for criterion, level in (("c1", 1), ("c2", 0), ("c3", 1)):
        scorer.choose(criterion, level)
    scorer.set_comment("Good: you name two sources. <i>Add</i> the June move.")
    assert scorer.left() == 4
    # A teaching assistant also types a score into the sheet by hand, and breaks another row.
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^ben,ex02,ex02.q9,3,,,$", "ben,ex02,ex02.q9,3,1,,Read the dates again.", text)
    text = re.sub(r"(?m)^dee,ex02,ex02.q9,3,,,$", "dee,ex02,ex02.q9,3,9,,", text)
    path.write_text(text, encoding="utf-8")
    before = path.read_bytes()
    # A latecomer hands in: the next run adds their row and changes no other line.
    write_class(submissions, {"fox": free_answer("Between March and July, late.")})
    messages = run(submissions, out)
    after = path.read_bytes()
    assert after.startswith(before) and after[len(before):].decode() == "fox,ex02,ex02.q9,3,,,\n"
    problem = next(m for m in messages if "dee" in m)
    assert f"{path}, line " in problem and "not between 0 and max_points 3" in problem
    book = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open(encoding="utf-8"))}
    column = "ex02.q9 free response (3, scored by hand)"
    assert book["ann"][column] == "2" and book["ann"]["ex02 total (11)"] == "3" and book["ann"]["total"] == "3"
    assert book["ben"][column] == "1" and book["dee"][column] == "" and book["fox"][column] == ""
    assert book["ann"]["free responses not scored yet"] == "0" and book["dee"]["free responses not scored yet"] == "1"
    feedback = (out / "feedback" / "ann" / "ex02.html").read_text(encoding="utf-8")
    assert "2 / 3</b> (scored by your instructor)" in feedback
    assert "Good: you name two sources. &lt;i&gt;Add&lt;/i&gt; the June move." in feedback
    assert "identifies a change in context" in feedback and "0 of 1" in feedback, "the rubric levels are shown"
    assert "Between March and July, the formula stayed" in feedback, "the student's own response"
    assert "answer = 20" in feedback and "Correct." in feedback, "each answer and its verdict"
    summary = (out / "summary.html").read_text(encoding="utf-8")
    assert "ex02.q9</a>: 2 of 6 scored" in summary and "not between 0 and max_points 3" in summary
    # The same run again: every file, the sheet included, is byte-identical.
    again = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts}
    run(submissions, out)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts} == again


def test_a_comment_that_reaches_the_kernel_after_next_is_saved_on_the_response_it_was_typed_for(scored_class,
                                                                                                 tmp_path):
    # In the browser the comment box sends its text when the scorer leaves it, but ipywidgets may deliver it after
    # the click on Next. Here the text arrives (is set on the box shown before) once the scorer has moved on.
    import shutil
    out = tmp_path / "results"
    shutil.copytree(scored_class["out"], out)
    scorer = review.scorer(out, exercise="ex02", question="ex02.q9")
    scorer.go(0)
    widget = scorer.widget
    typed_in = next(c for c in widget.children if "ck-score-comment" in c._dom_classes)
    scorer.go("next")
    typed_in.value = "Typed for the first response."
    path = out / "manual" / "ex02.csv"
    rows = {r["student"]: r for r in csv.DictReader(path.open(encoding="utf-8"))}
    first, second = scorer.responses[0]["student"], scorer.responses[1]["student"]
    assert rows[first]["comment"] == "Typed for the first response."
    assert rows[second]["comment"] == "", "nothing lands on the response shown now"
    shown = next(c for c in widget.children if "ck-score-comment" in c._dom_classes)
    assert shown is not typed_in and shown.value == "", "the second response shows its own (empty) box"
    scorer.go("previous")
    shown = next(c for c in widget.children if "ck-score-comment" in c._dom_classes)
    assert shown.value == "Typed for the first response."
    assert 'role=status aria-live=polite' in scorer._status.value and 'aria-live=polite' in scorer._score.value


def test_feedback_shows_answers_only_with_reveal(scored_class, tmp_path):
    out = scored_class["out"]
    page = (out / "feedback" / "ben" / "ex02.html").read_text(encoding="utf-8")
    assert "answer = 19" in page and "Not right. Hint: You counted from 5 February" in page
    assert "Accepted answer" not in page and "Model answer" not in page and "model answer" not in page
    assert "<script>window" not in page and "&lt;img src=x" in page
    assert "Q1 (1 point)" in page and "Using `pd.Timestamp`, compute the number of days" in page
    revealed = tmp_path / "revealed"
    run(scored_class["class"], revealed, reveal=True)
    page = (revealed / "feedback" / "ben" / "ex02.html").read_text(encoding="utf-8")
    assert "Accepted answer:</b> <code>20</code>" in page and "pd.Timestamp(&quot;2022-02-24&quot;)" in page
    assert "A model answer</b>" in page and "identifies what recurs" in page


def test_summary_links_feedback_names_questions_and_counts_statuses_apart(scored_class):
    summary = (scored_class["out"] / "summary.html").read_text(encoding="utf-8")
    assert 'href="feedback/ann/ex02.html"' in summary
    assert 'href="feedback/C%C3%A9%20%253Cb%253Ecil/ex02.html"' in summary
    assert (scored_class["out"] / "feedback" / "Cé %3Cb%3Ecil" / "ex02.html").is_file()
    assert "<th>Wrong</th><th>Not answered</th><th>Other</th>" in summary
    assert "Q1 (1 point)" in summary and "Cé &lt;b&gt;cil" in summary and "<b>cil" not in summary
    assert '"dtick":1' in summary.replace(" ", "") and '"tickformat":"d"' in summary.replace(" ", "")


def test_scorer_parts_and_second_sample(scored_class):
    out = scored_class["out"]
    whole = review.scorer(out, exercise="ex02", question="ex02.q9").responses
    parts = [review.scorer(out, exercise="ex02", question="ex02.q9", part=f"{k}/3").responses for k in (1, 2, 3)]
    assert [r for p in parts for r in p] == whole and all(parts)
    with pytest.raises(ValueError, match="like '2/3'"):
        review.scorer(out, exercise="ex02", question="ex02.q9", part="half")
    second = review.scorer(out, exercise="ex02", question="ex02.q9", second=True)
    assert len(second.responses) == 1 and second.left() == 1, "10 % of 6, at least one, none scored yet"
    assert second.path == out / "manual" / "second" / "ex02.csv"
    for criterion in ("c1", "c2", "c3"):
        second.choose(criterion, 1)
    report = review.agreement(out, "ex02", "ex02.q9")
    first = sheet.read(out / "manual" / "ex02.csv", "ex02", {"ex02.q9": (3.0, second.rubric)},
                       {r["student"] for r in whole})[0]
    expected = 1 if (second.responses[0]["student"], "ex02.q9") in first and first[
        (second.responses[0]["student"], "ex02.q9")].rubric else 0
    assert report.frame().loc["c1", "pairs"] == expected
    assert second.widget is not None
    assert "second scorer" in second._status.value and "<script>window" not in second._text.value


# --- the synthesis, exercise ex06 ---------------------------------------------------------------------------------

def _rubric_table(text: str) -> str:
    start = text.index("| Criterion |")
    end = text.find("\n\n", start)
    return text[start:end if end >= 0 else None].split("\n### END SOLUTION")[0].strip()


def test_the_synthesis_rubric_is_the_same_in_the_guide_the_lesson_and_the_exercise():
    lesson = nbformat.read(KIT / "notebooks" / "06_synthesis.ipynb", as_version=4)
    solution = nbformat.read(KIT / "solutions" / "ex06_synthesis.ipynb", as_version=4)
    exercise = nbformat.read(KIT / "exercises" / "ex06_synthesis.ipynb", as_version=4)
    tables = {"guide": _rubric_table((KIT / "solutions" / "README.md").read_text(encoding="utf-8")),
              "lesson": _rubric_table(next(c.source for c in lesson.cells if "| Criterion |" in c.source)),
              "prompt": _rubric_table(next(c.source for c in exercise.cells if c.source.startswith("### Q1")))}
    assert len(set(tables.values())) == 1, {k: v[:80] for k, v in tables.items()}
    model = next(c.source for c in solution.cells if c.metadata.get("casekit", {}).get("question") == "ex06.q1")
    assert "| Criterion |" not in model, "the grader reads the rubric from the prompt: one copy in the exercise"
    assert not any(c.source.strip() == "_Write your argument here._" for c in lesson.cells), \
        "the paragraph is written in ex06 only"
    assert "../exercises/ex06_synthesis.ipynb" in "".join(c.source for c in lesson.cells)


def test_the_synthesis_is_graded_like_the_other_exercises(tmp_path):
    exercise = nbformat.read(KIT / "exercises" / "ex06_synthesis.ipynb", as_version=4)
    paragraph = "China and Russia are not allies in the sense of a promise to fight for each other. <script>x</script>"
    for cell in exercise.cells:
        if cell.metadata.get("casekit", {}).get("question") == "ex06.q1":
            cell.source = paragraph
    (tmp_path / "class" / "ann").mkdir(parents=True)
    nbformat.write(exercise, tmp_path / "class" / "ann" / "ex06_synthesis.ipynb")
    out = tmp_path / "results"
    grade.grade(tmp_path / "class", out, jobs=1, limits=LIMITS, progress=lambda m: None, exercises=["ex06"])
    scorer = review.scorer(out, exercise="ex06", question="ex06.q1")
    assert [c.id for c in scorer.rubric.criteria] == ["claim", "evidence", "counter-evidence", "sourcing"]
    assert scorer.responses[0]["text"] == paragraph
    for criterion, level in (("claim", 4), ("evidence", 3), ("counter-evidence", 2), ("sourcing", 3)):
        scorer.choose(criterion, level)
    grade.grade(tmp_path / "class", out, jobs=1, limits=LIMITS, progress=lambda m: None, exercises=["ex06"])
    book = next(csv.DictReader((out / "gradebook.csv").open(encoding="utf-8")))
    assert book["ex06.q1 free response (16, scored by hand)"] == "12" and book["ex06 total (16)"] == "12"
    feedback = (out / "feedback" / "ann" / "ex06.html").read_text(encoding="utf-8")
    assert "12 / 16</b>" in feedback and "Counter-evidence and qualification</b>: 2 · Developing of 4" in feedback
    assert "&lt;script&gt;x&lt;/script&gt;" in feedback and "<script>x" not in feedback
    summary = (out / "summary.html").read_text(encoding="utf-8")
    assert 'href="feedback/ann/ex06.html">feedback</a>' in summary and "ex06.q1</a>: 1 of 1 scored" in summary

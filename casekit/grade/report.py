"""Write the grading results: grades.csv, gradebook.csv, one feedback page per submission, and a class summary.

Every file is written atomically (a temporary file renamed into place) and holds no timestamps or random ids,
so grading the same folder twice gives the same files. Text that came from a student (a folder name, an error
message) is made safe for where it goes: escaped in HTML, neutralised in CSV cells that a spreadsheet would read
as a formula (a leading ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a ``'`` in front), and any lone
surrogate is written as an escape instead of stopping the run.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import math
import re
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

from casekit import palette
from casekit.grade.score import QuestionKey, Row

GRADES_COLUMNS = ["student", "exercise", "question", "points", "max_points", "status", "message"]
# Status colours (Okabe-Ito); the status is also written out in words, so colour is never the only signal.
COLOUR = {"correct": palette.BLUISH_GREEN, "wrong": palette.VERMILLION, "unanswered": palette.GREY,
          "error": palette.REDDISH_PURPLE, "timeout": palette.ORANGE, "invalid": palette.REDDISH_PURPLE,
          "missing": palette.GREY, "partial": palette.SKY_BLUE}


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_text(text, encoding="utf-8", errors="backslashreplace")
    tmp.replace(path)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def cell(value) -> str:
    """Return a CSV cell's text, with a ``'`` in front of text a spreadsheet would run as a formula.

    >>> cell("=1+1"), cell("@SUM(A1)"), cell("-1"), cell("-"), cell("ann")
    ("'=1+1", "'@SUM(A1)", '-1', '-', 'ann')
    """
    text = str(value)
    if text.startswith(_FORMULA_START) and text != "-" and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


MAX_FOLDER_BYTES = 120  # well under the 255 bytes a file name may have on common file systems


def feedback_path(out: Path, student: str, exercise: str) -> Path:
    """Return where a student's feedback page goes: one folder per student name, never shared by two names."""
    return out / "feedback" / folder_name(student) / f"{exercise}.html"


def folder_name(name: str) -> str:
    """Return a folder name for a student that no other name maps to: unsafe characters become ``%XX``.

    Letters of any script, digits, spaces and ``-_.,()'`` stay; ``%`` itself is escaped, so the mapping is
    one-to-one; a leading dot is escaped so that no page is hidden. A name whose folder would pass
    ``MAX_FOLDER_BYTES`` is cut and ends with ``~`` and a hash of the whole name (``~`` is otherwise escaped,
    so a cut name never equals another student's).

    >>> folder_name("x_y"), folder_name("x\\\\y"), folder_name("Zoë 张"), folder_name("../up")
    ('x_y', 'x%5Cy', 'Zoë 张', '%2E.%2Fup')
    >>> len(folder_name("!" * 200).encode()) <= MAX_FOLDER_BYTES
    True
    """
    out = []
    for i, char in enumerate(name):
        if (char.isalnum() or char in " -_.,()'") and not (i == 0 and char == ".") and char.isprintable():
            out.append(char)
        else:
            out.append("".join(f"%{b:02X}" for b in char.encode("utf-8", "surrogateescape")))
    folder = "".join(out) or "%"
    if len(folder.encode("utf-8")) <= MAX_FOLDER_BYTES:
        return folder
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    cut = folder.encode("utf-8")[: MAX_FOLDER_BYTES - 17].decode("utf-8", "ignore")
    return cut.rsplit("%", 1)[0] + "~" + digest if "%" in cut[-2:] else cut + "~" + digest


def write_all(out: Path, graded_of: dict, keys: dict[str, dict[str, QuestionKey]], titles: dict[str, str],
              written=None, warning: str = "", reveal: bool = False) -> None:
    """Write every result file of a run under ``out``: the two CSVs, the feedback pages and the summary.

    ``graded_of`` maps (student, exercise) to ``score.Graded``; ``written`` (``casekit.review.written.Written``)
    holds the scores of the written work entered in the scoring sheets. ``reveal`` shows, on the feedback pages,
    the accepted answers and the model answers: for after the deadline.
    """
    import plotly.offline

    scores = written.scores if written is not None else {}
    rows = [row for k in sorted(graded_of) for row in graded_of[k].rows]
    write_atomic(out / "grades.csv", grades_csv(rows))
    pairs = {k for k in graded_of if k[1] in keys}
    write_atomic(out / "gradebook.csv", gradebook_csv(rows, keys, scores, pairs))
    for (student, exercise), graded in sorted(graded_of.items()):
        if exercise not in keys:
            continue
        page = feedback_html(student, exercise, f"Exercise {exercise[2:]}: {titles.get(exercise, exercise)}",
                             graded, keys[exercise], scores, written.rubrics if written else {}, warning, reveal)
        write_atomic(feedback_path(out, student, exercise), page)
    plotly_js = out / "plotly.min.js"
    if not plotly_js.is_file():
        write_atomic(plotly_js, plotly.offline.get_plotlyjs())
    wrong_answers: dict[str, Counter] = defaultdict(Counter)
    for graded in graded_of.values():
        for qid, answer in graded.wrongs.items():
            wrong_answers[qid][answer] += 1
    write_atomic(out / "summary.html", summary_html(rows, wrong_answers, keys, "plotly.min.js", warning, written,
                                                      pairs))


def grades_csv(rows: list[Row]) -> str:
    """Return grades.csv: one row per student x exercise x question."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(GRADES_COLUMNS)
    writer.writerows([cell(v) for v in row.as_list()] for row in rows)
    return out.getvalue()


def gradebook_csv(rows: list[Row], keys: dict[str, dict[str, QuestionKey]], scores: dict | None = None,
                  pairs: set | None = None) -> str:
    """Return gradebook.csv: one row per student, a column per question, totals per exercise and in all.

    A free-response question's column holds the points entered in the scoring sheet, blank until scored.
    ``pairs`` (student, exercise) adds the students and exercises that have no auto-checked rows (ex06).
    """
    scores = scores or {}
    pairs = pairs or set()
    exercises = sorted({row.exercise for row in rows if row.exercise in keys} | {e for _, e in pairs})
    header = ["student"]
    for exercise in exercises:
        auto = [q for q in keys[exercise].values() if not q.free]
        free = [q for q in keys[exercise].values() if q.free]
        header += [f"{q.id} ({q.points:g})" for q in auto]
        header.append(f"{exercise} auto total ({sum(q.points for q in auto):g})")
        header += [f"{q.id} free response ({q.points:g}, scored by hand)" for q in free]
        header.append(f"{exercise} total ({sum(q.points for q in auto) + sum(q.points for q in free):g})")
    header += ["auto total", "total", "free responses not scored yet"]
    points = defaultdict(dict)
    for student, _ in pairs:
        points[student]
    for row in rows:
        points[row.student][row.question] = row.points
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for student in sorted(points):
        line, auto_total, total, unscored = [cell(student)], 0.0, 0.0, 0
        for exercise in exercises:
            got = [points[student].get(q.id, 0.0) for q in keys[exercise].values() if not q.free]
            line += [f"{p:g}" for p in got]
            line.append(f"{sum(got):g}")
            manual = []
            for q in (q for q in keys[exercise].values() if q.free):
                entry = scores.get((student, q.id))
                manual.append(entry.points if entry is not None and entry.scored else None)
            line += ["" if p is None else f"{p:g}" for p in manual]
            line.append(f"{sum(got) + sum(p for p in manual if p is not None):g}")
            auto_total += sum(got)
            total += sum(got) + sum(p for p in manual if p is not None)
            unscored += sum(1 for p in manual if p is None)
        line += [f"{auto_total:g}", f"{total:g}", str(unscored)]
        writer.writerow(line)
    return out.getvalue()


STYLE = """body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;line-height:1.5;padding:0 1em;color:#1a1a1a}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4em;text-align:left;
vertical-align:top}.text{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f6f6;border-left:3px solid #bbb;
padding:.5em .8em;margin:.4em 0;font-family:ui-monospace,monospace;font-size:.92em}.note{color:#555;font-size:.9em}
.q{border-top:1px solid #ccc;padding:.6em 0}.prompt{margin:.2em 0;color:#333}.q h2{font-size:1.1em;margin:.2em 0}.levels{margin:0;padding-left:1.2em}
summary{cursor:pointer}.rubric td:last-child{min-width:12em}"""


def text_block(text: str, length: int, cap: int | None = 0) -> str:
    """Return text someone wrote as an escaped block of plain text, saying when it is empty or was cut.

    ``length`` is the whole text's length (``text`` may be its first part only). ``cap``, when given, cuts
    ``text`` further. Whatever the text holds (HTML, script, a megabyte), it shows as text and cannot break
    the page around it.
    """
    if cap:
        text = text[:cap]
    if not text.strip():
        return '<p class="text note">(nothing written)</p>'
    cut = (f'<p class=note>Showing the first {len(text):,} of {length:,} characters.</p>'
           if length > len(text) else "")
    return f'<div class=text>{e(text)}</div>{cut}'


def title_of(key: QuestionKey) -> str:
    """Return a question's title as the exercise gives it ("Q1 (1 point)"), or its id."""
    first = key.prompt.strip().splitlines()[0] if key.prompt.strip() else ""
    return first.lstrip("#").strip() if first.startswith("#") else key.id


def prompt_of(key: QuestionKey) -> str:
    """Return a question's prompt without its title line."""
    lines = key.prompt.strip().splitlines()
    return "\n".join(lines[1:]).strip() if lines and lines[0].startswith("#") else key.prompt.strip()


def sentence(text: str) -> str:
    """Return ``text`` with a capital first letter, as a line of feedback starts.

    >>> sentence("no notebook of ex02 was handed in")
    'No notebook of ex02 was handed in'
    """
    return text[:1].upper() + text[1:]


def feedback_html(student: str, exercise: str, title: str, graded, key: dict[str, QuestionKey], scores: dict,
                  rubrics: dict, warning: str = "", reveal: bool = False) -> str:
    """Return a student's feedback page for one exercise: each question, their answer, the verdict and hint.

    Scores of the written work appear once entered in the scoring sheet. Without ``reveal`` the page never
    shows an answer; with it (after the deadline), each question also shows the accepted answer and how it is
    found, and each free response the model answer.
    """
    rows = {r.question: r for r in graded.rows}
    sections, got, total, unscored = [], 0.0, 0.0, 0
    for q in key.values():
        response = graded.responses.get(q.id)
        answer = (text_block(response.text, response.length) if response is not None
                  else '<p class="text note">(not read: see the result)</p>')
        if q.free:
            entry = scores.get((student, q.id))
            total += q.points
            if entry is not None and entry.scored:
                got += entry.points
                result = f"<b>{entry.points:g} / {q.points:g}</b> (scored by your instructor)"
                detail = _levels_html(entry, rubrics.get(q.id))
                if entry.comment:
                    detail += f'<p><b>Comment:</b></p><div class=text>{e(entry.comment)}</div>'
                colour = palette.BLUE
            else:
                unscored += 1
                result, detail, colour = f"not scored yet (out of {q.points:g})", "", palette.GREY
            shown = f"<p><b>Your response:</b></p>{answer}"
            extra = ""
            if reveal:
                from casekit.review.rubric import split

                model, rubric_text = split(q.solution)
                extra = (f"<p><b>A model answer</b> (one of many good ones):</p>{text_block(model, len(model), None)}"
                         f"<p><b>The rubric:</b></p>{text_block(rubric_text, len(rubric_text), None)}")
            sections.append(_section(q, colour, result, shown + detail + extra))
            continue
        row = rows.get(q.id)
        if row is None:
            continue
        got += row.points
        total += row.max_points
        value = graded.given.get(q.id)
        shown = f"<p><b>Your answer:</b></p>{answer}"
        if value:
            shown += f"<p class=note>Its value, as checked: <code>{e(value)}</code></p>"
        shown += f"<p><b>Feedback:</b> {e(sentence(row.message))}</p>"
        if reveal:
            variant = q.of(student.split(" #")[0])  # the variant of the student's folder (made-unique names too)
            accepted = ", ".join(f"<code>{e(a)}</code>" for a in sorted(variant.accepted))
            if variant.text:
                shown += f"<p><b>Your variant:</b> {e(variant.text)}</p>"
            how = f"<p><b>How:</b> {e(sentence(q.hint))}</p>" if q.hint else ""
            shown += (f"<p><b>Accepted answer:</b> {accepted}</p>{how}"
                      f"<p><b>One way to compute it:</b></p>{text_block(q.solution, len(q.solution), None)}")
        sections.append(_section(q, COLOUR.get(row.status, "#000"), f"{e(_STATUS_WORDS.get(row.status, row.status))}, "
                                 f"{row.points:g} / {row.max_points:g}", shown))
    note_text = "".join(f"<li>{e(sentence(n))}</li>" for n in graded.notes)
    pending = (f" {unscored} written response(s) not scored yet." if unscored else "")
    closing = ("<p>The accepted answers are shown because the deadline has passed.</p>" if reveal else
               "<p>Hints point you to the reasoning; they never give the answer. Try the question again in your "
               "notebook.</p>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Feedback: {e(exercise)}, {e(student)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>{STYLE}</style></head>
<body>{_warning(warning)}<h1>{e(title)}</h1>
<p>Feedback for <b>{e(student)}</b>, exercise {e(exercise)}: <b>{got:g} of {total:g}</b> points so far.{pending}</p>
{"<ul>" + note_text + "</ul>" if note_text else ""}
{"".join(sections)}
{closing}
</body></html>
"""


_STATUS_WORDS = {"correct": "Correct", "wrong": "Not right yet", "unanswered": "Not answered", "error": "Error",
                 "timeout": "Stopped (too long)", "invalid": "Not graded", "missing": "Not handed in",
                 "partial": "Part of the points"}


def _section(q: QuestionKey, colour: str, result: str, body: str) -> str:
    prompt = prompt_of(q)
    short = _first_words(prompt, 220)
    full = (f"<details><summary>The whole question</summary>{text_block(prompt, len(prompt), None)}</details>"
            if short != " ".join(prompt.split()) else "")
    return (f'<section class=q id="{e(q.id)}"><h2><span style="color:{colour}" aria-hidden="true">●</span> '
            f"{e(title_of(q))}: {result}</h2><p class=prompt>{e(short)}</p>{full}"
            f"{body}</section>")


def _levels_html(entry, rubric) -> str:
    if rubric is None or not entry.rubric:
        return ""
    items = []
    for criterion in rubric.criteria:
        if criterion.id not in entry.rubric:
            continue
        level = criterion.level(entry.rubric[criterion.id])
        items.append(f"<li><b>{e(criterion.name)}</b>: {e(level.label)} of {criterion.levels[-1].points:g}"
                     f"{' (' + e(level.text) + ')' if level.text else ''}<br><span class=note>"
                     f"{e(criterion.text)}</span></li>")
    return "<p><b>Rubric:</b></p><ul>" + "".join(items) + "</ul>"


def summary_html(rows: list[Row], wrong_answers: dict[str, Counter], keys: dict[str, dict[str, QuestionKey]],
                 plotly_src: str, warning: str = "", written=None, pairs: set | None = None) -> str:
    """Return the class summary: score distribution, percent correct per question, what went wrong, links to
    every feedback page and the written work's progress."""
    import plotly.graph_objects as go

    by_question: dict[str, Counter] = defaultdict(Counter)
    totals = defaultdict(float)
    for row in rows:
        by_question[row.question][row.status] += 1
        totals[(row.student, row.exercise)] += row.points
    question_keys = {q.id: q for exercise in keys.values() for q in exercise.values()}
    questions = [q for exercise in sorted(keys) for q in keys[exercise] if q in by_question]
    counted = {q: sum(by_question[q].values()) for q in questions}
    percent = [round(100 * by_question[q]["correct"] / counted[q], 1) for q in questions]
    labels = [f"{q}: {title_of(question_keys[q])}" for q in questions]
    bars = go.Figure(go.Bar(x=questions, y=percent, marker_color=palette.BLUE, customdata=labels,
                            hovertemplate="%{customdata}: %{y}% correct<extra></extra>"))
    bars.update_layout(title="Percent of submissions correct, per question", yaxis_title="% correct",
                       yaxis_range=[0, 100], template="plotly_white", height=380)
    scores = go.Figure()
    highest, tallest = 0, 1
    for exercise in sorted({e for _, e in totals}):
        values = Counter(v for (s, e), v in totals.items() if e == exercise)
        top = int(sum(q.points for q in keys.get(exercise, {}).values() if not q.free))
        xs = sorted(set(range(top + 1)) | set(values))
        highest, tallest = max(highest, top, *xs), max(tallest, *values.values())
        scores.add_trace(go.Bar(x=xs, y=[values.get(x, 0) for x in xs], name=exercise,
                                hovertemplate=f"{exercise}: %{{y}} student(s) with %{{x}} point(s)<extra></extra>"))
    step = max(1, math.ceil(tallest / 10))
    scores.update_layout(title="Auto-checked scores, per exercise: students with each score", barmode="group",
                         xaxis={"title": "points", "dtick": 1, "range": [-0.5, highest + 0.5]},
                         yaxis={"title": "number of students", "dtick": step, "tickformat": "d",
                                "rangemode": "tozero"},
                         template="plotly_white", height=380)
    worst = sorted(questions, key=lambda q: (by_question[q]["correct"] / counted[q], q))[:8]
    table = "\n".join(
        f"<tr><td><b>{e(q)}</b> {e(title_of(question_keys[q]))}<br><span class=note>"
        f"{e(_first_words(prompt_of(question_keys[q])))}</span></td>"
        f"<td>{by_question[q]['wrong']}</td><td>{by_question[q]['unanswered']}</td>"
        f"<td>{counted[q] - by_question[q]['correct'] - by_question[q]['wrong'] - by_question[q]['unanswered']}</td>"
        "<td>" + "; ".join(f"<code>{e(a[:60])}</code> ({n})" for a, n in wrong_answers[q].most_common(3))
        + "</td></tr>" for q in worst)
    figures = "\n".join(f.to_html(full_html=False, include_plotlyjs=False, div_id=f"casekit-summary-{i}")
                        for i, f in enumerate([scores, bars]))
    pairs = pairs or set()
    students = sorted({row.student for row in rows} | {s for s, _ in pairs})
    exercises = sorted({row.exercise for row in rows if row.exercise in keys} | {e for _, e in pairs})
    links = "\n".join(
        f"<tr><td>{e(student)}</td>" + "".join(
            f'<td><a href="feedback/{quote(folder_name(student))}/{e(exercise)}.html">'
            f"{_points_or_page(totals, student, exercise, keys)}</a></td>" if (student, exercise) in totals
            or (student, exercise) in pairs else "<td></td>" for exercise in exercises) + "</tr>"
        for student in students)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Class summary</title>
<script src="{plotly_src}"></script>
<style>{STYLE}</style>
</head><body>{_warning(warning)}<h1>Class summary</h1>
<p>{len(students)} students, {len({(r.student, r.exercise) for r in rows})} student-exercises,
{len(rows)} graded answers.</p>
{figures}
<h2>Most often not right</h2>
<p>For the next lesson: the questions most students missed, and what they answered instead (canonical form).
"Other" counts errors, timeouts, notebooks that could not be graded and notebooks not handed in.</p>
<table><thead><tr><th>Question</th><th>Wrong</th><th>Not answered</th><th>Other</th>
<th>Most common wrong answers (count)</th></tr></thead>
<tbody>
{table}
</tbody></table>
{_written_html(written)}
<h2>Every student's feedback</h2>
<p>Auto-checked points per exercise; each links to the student's feedback page.</p>
<table><thead><tr><th>Student</th>{"".join(f"<th>{e(x)}</th>" for x in exercises)}</tr></thead>
<tbody>
{links}
</tbody></table>
</body></html>
"""


def _points_or_page(totals: dict, student: str, exercise: str, keys: dict) -> str:
    """A link's text in the summary's table: the auto-checked points, or "feedback" for a written-only exercise."""
    if any(not q.free for q in keys.get(exercise, {}).values()):
        return f"{totals.get((student, exercise), 0):g}"
    return "feedback"


def _written_html(written) -> str:
    """The written work's section of the summary: responses scored per question, and the sheets' problems."""
    if written is None or not written.counts:
        return ""
    items = "".join(
        f'<li><a href="responses/{e(qid.split(".")[0])}/{quote(qid)}.html">{e(qid)}</a>: {done} of {n} scored '
        f"(sheet <code>manual/{e(qid.split('.')[0])}.csv</code>)</li>"
        for qid, (done, n) in sorted(written.counts.items()))
    problems = "".join(f"<li>{e(p)}</li>" for p in written.problems)
    return ("<h2>Written work</h2><ul>" + items + "</ul>"
            + (f"<p><b>Rows of the scoring sheets that were not used</b> (fix them in the sheet; nothing was "
               f"changed):</p><ul>{problems}</ul>" if problems else ""))


def _first_words(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def _warning(text: str) -> str:
    style = f"border:3px solid {palette.VERMILLION};padding:.6em;font-weight:bold"
    return (f'<p role="alert" style="{style}">{e(text)}</p>'
            if text else "")


def e(text) -> str:
    """Return ``text`` escaped for HTML, quotes included."""
    return html.escape(str(text), quote=True)


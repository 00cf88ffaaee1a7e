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
import re
from collections import Counter, defaultdict
from pathlib import Path

from casekit import palette
from casekit.grade.score import QuestionKey, Row

GRADES_COLUMNS = ["student", "exercise", "question", "points", "max_points", "status", "message"]
# Status colours (Okabe-Ito); the status is also written out in words, so colour is never the only signal.
COLOUR = {"correct": palette.BLUISH_GREEN, "wrong": palette.VERMILLION, "unanswered": palette.GREY,
          "error": palette.REDDISH_PURPLE, "timeout": palette.ORANGE, "invalid": palette.REDDISH_PURPLE,
          "missing": palette.GREY}


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


def write_all(out: Path, rows_of: dict, notes_of: dict, keys: dict[str, dict[str, QuestionKey]],
              titles: dict[str, str], wrong_answers: dict[str, Counter], warning: str = "") -> None:
    """Write every result file of a run under ``out``: the two CSVs, the feedback pages and the summary."""
    import plotly.offline

    rows = [row for k in sorted(rows_of) for row in rows_of[k]]
    write_atomic(out / "grades.csv", grades_csv(rows))
    write_atomic(out / "gradebook.csv", gradebook_csv(rows, keys))
    for (student, exercise), student_rows in sorted(rows_of.items()):
        if exercise not in keys:
            continue
        free = [q for q in keys[exercise].values() if q.free]
        page = feedback_html(student, exercise, f"Exercise {exercise[2:]}: {titles.get(exercise, exercise)}",
                             student_rows, free, notes_of.get((student, exercise), []), warning)
        write_atomic(feedback_path(out, student, exercise), page)
    plotly_js = out / "plotly.min.js"
    if not plotly_js.is_file():
        write_atomic(plotly_js, plotly.offline.get_plotlyjs())
    write_atomic(out / "summary.html", summary_html(rows, wrong_answers, keys, "plotly.min.js", warning))


def grades_csv(rows: list[Row]) -> str:
    """Return grades.csv: one row per student x exercise x question."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(GRADES_COLUMNS)
    writer.writerows([cell(v) for v in row.as_list()] for row in rows)
    return out.getvalue()


def gradebook_csv(rows: list[Row], keys: dict[str, dict[str, QuestionKey]]) -> str:
    """Return gradebook.csv: one row per student, a column per question, totals per exercise, blank manual columns."""
    exercises = sorted({row.exercise for row in rows if row.exercise in keys})
    header = ["student"]
    for exercise in exercises:
        auto = [q for q in keys[exercise].values() if not q.free]
        header += [f"{q.id} ({q.points:g})" for q in auto]
        header.append(f"{exercise} auto total ({sum(q.points for q in auto):g})")
        header += [f"{q.id} free response ({q.points:g}, to grade by hand)" for q in keys[exercise].values() if q.free]
    header.append("auto total")
    points = defaultdict(dict)
    for row in rows:
        points[row.student][row.question] = row.points
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for student in sorted(points):
        line, grand = [cell(student)], 0.0
        for exercise in exercises:
            auto = [q for q in keys[exercise].values() if not q.free]
            got = [points[student].get(q.id, 0.0) for q in auto]
            line += [f"{p:g}" for p in got]
            line.append(f"{sum(got):g}")
            line += ["" for q in keys[exercise].values() if q.free]
            grand += sum(got)
        line.append(f"{grand:g}")
        writer.writerow(line)
    return out.getvalue()


def feedback_html(student: str, exercise: str, title: str, rows: list[Row], free: list[QuestionKey],
                  notes: list[str], warning: str = "") -> str:
    """Return a student's feedback page for one exercise: what is right, hints for the rest, never the answers."""
    got = sum(r.points for r in rows)
    total = sum(r.max_points for r in rows)
    items = "\n".join(
        f'<tr><td style="color:{COLOUR.get(r.status, "#000")}">●</td><td>{_e(r.question)}</td><td>{_e(r.status)}</td>'
        f"<td>{r.points:g} / {r.max_points:g}</td><td>{_e(r.message)}</td></tr>" for r in rows)
    free_text = "".join(f"<li>{_e(q.id)} ({q.points:g} points) is graded by your instructor.</li>" for q in free)
    note_text = "".join(f"<li>{_e(n)}</li>" for n in notes)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Feedback: {_e(exercise)}, {_e(student)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:56em;margin:2em auto;line-height:1.5;padding:0 1em}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.4em;text-align:left;
vertical-align:top}}</style></head>
<body>{_warning(warning)}<h1>{_e(title)}</h1>
<p>Feedback for <b>{_e(student)}</b>, exercise {_e(exercise)}: <b>{got:g} of {total:g}</b> points on the
auto-checked questions.</p>
{"<ul>" + note_text + "</ul>" if note_text else ""}
<table><thead><tr><th></th><th>Question</th><th>Result</th><th>Points</th><th>Feedback</th></tr></thead>
<tbody>
{items}
</tbody></table>
{"<ul>" + free_text + "</ul>" if free_text else ""}
<p>Hints point you to the reasoning; they never give the answer. Try the question again in your notebook.</p>
</body></html>
"""


def summary_html(rows: list[Row], wrong_answers: dict[str, Counter], keys: dict[str, dict[str, QuestionKey]],
                 plotly_src: str, warning: str = "") -> str:
    """Return the class summary: score distribution, percent correct per question, the most common wrong answers."""
    import plotly.graph_objects as go

    by_question = defaultdict(list)
    totals = defaultdict(float)
    for row in rows:
        by_question[row.question].append(row.status == "correct")
        totals[(row.student, row.exercise)] += row.points
    questions = [q for exercise in sorted(keys) for q in keys[exercise] if q in by_question]
    percent = [round(100 * sum(by_question[q]) / len(by_question[q]), 1) for q in questions]
    bars = go.Figure(go.Bar(x=questions, y=percent, marker_color=palette.BLUE,
                            hovertemplate="%{x}: %{y}% correct<extra></extra>"))
    bars.update_layout(title="Percent of submissions correct, per question", yaxis_title="% correct",
                       yaxis_range=[0, 100], template="plotly_white", height=380)
    scores = go.Figure()
    for exercise in sorted({e for _, e in totals}):
        values = [v for (s, e), v in sorted(totals.items()) if e == exercise]
        scores.add_trace(go.Histogram(x=values, name=exercise, xbins={"size": 1}))
    scores.update_layout(title="Distribution of auto-checked scores, per exercise", barmode="overlay",
                         xaxis_title="points", yaxis_title="students", template="plotly_white", height=380)
    scores.update_traces(opacity=0.7)
    worst = sorted(questions, key=lambda q: (sum(by_question[q]) / len(by_question[q]), q))[:8]
    table = "\n".join(
        f"<tr><td>{_e(q)}</td><td>{100 - percent[questions.index(q)]:g}%</td><td>"
        + "; ".join(f"<code>{_e(a[:60])}</code> ({n})" for a, n in wrong_answers[q].most_common(3))
        + "</td></tr>" for q in worst)
    figures = "\n".join(f.to_html(full_html=False, include_plotlyjs=False, div_id=f"casekit-summary-{i}")
                        for i, f in enumerate([scores, bars]))
    students = len({row.student for row in rows})
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Class summary</title>
<script src="{plotly_src}"></script>
<style>body{{font-family:system-ui,sans-serif;max-width:64em;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.4em;text-align:left}}</style>
</head><body>{_warning(warning)}<h1>Class summary</h1>
<p>{students} students, {len({(r.student, r.exercise) for r in rows})} student-exercises,
{len(rows)} graded answers.</p>
{figures}
<h2>Most often not right, with the most common wrong answers</h2>
<p>For the next lesson: the questions most students missed, and what they answered instead (canonical form).</p>
<table><thead><tr><th>Question</th><th>Not right</th><th>Most common wrong answers (count)</th></tr></thead>
<tbody>
{table}
</tbody></table>
</body></html>
"""


def _warning(text: str) -> str:
    style = f"border:3px solid {palette.VERMILLION};padding:.6em;font-weight:bold"
    return (f'<p role="alert" style="{style}">{_e(text)}</p>'
            if text else "")


def _e(text) -> str:
    return html.escape(str(text), quote=True)

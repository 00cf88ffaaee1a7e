"""The page a scorer reads: every student's response to one free-response question, ``responses/<ex>/<q>.html``.

At the top: the prompt, the rubric (criteria and levels) and the model answer (folded). Then each response, in the
question's fixed shuffled order, under the student's pseudonym (or name, with ``grade --names``), with its score
and comment once entered. Every response is shown as escaped plain text, so HTML or script in it is only text;
an empty one says so, and a long one is cut with its length given.
"""

from __future__ import annotations

from casekit.grade.report import STYLE, e, text_block


def rubric_html(rubric: dict) -> str:
    """Return a rubric (``Rubric.as_dict()``) as a table: one row per criterion, its levels from the highest."""
    rows = []
    for criterion in rubric["criteria"]:
        levels = "".join(f"<li><b>{e(lv['label'])}</b>{': ' + e(lv['text']) if lv['text'] else ''}</li>"
                         for lv in reversed(criterion["levels"]))
        rows.append(f"<tr><th scope=row>{e(criterion['id'])}</th><td>{e(criterion['name'])}"
                    f"{'<br>' + e(criterion['text']) if criterion['text'] != criterion['name'] else ''}</td>"
                    f"<td><ul class=levels>{levels}</ul></td></tr>")
    return ("<table class=rubric><thead><tr><th>Id</th><th>Criterion</th><th>Levels</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def responses_html(data: dict, scores: dict, names: bool = False) -> str:
    """Return the responses page of one question from its data (``written.update``) and the scores entered."""
    qid = data["question"]
    items = []
    for n, response in enumerate(data["responses"], 1):
        who = response["student"] if names else response["pseudonym"]
        entry = scores.get((response["student"], qid))
        if entry is not None and entry.scored:
            levels = "; ".join(f"{c}={v:g}" for c, v in entry.rubric.items())
            state = (f"<p class=score><b>{entry.points:g} / {data['max_points']:g}</b>"
                     f"{' (' + e(levels) + ')' if levels else ''}"
                     f"{'<br>Comment: ' + e(entry.comment) if entry.comment else ''}</p>")
        else:
            state = "<p class=score>Not scored yet.</p>"
        items.append(f'<section class=response id="r{n}"><h3>{n}. {e(who)}</h3>'
                     f"{text_block(response['text'], response['length'])}{state}</section>")
    scored = sum(1 for r in data["responses"] if (r["student"], qid) in scores
                 and scores[(r["student"], qid)].scored)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Responses: {e(qid)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>{STYLE}</style></head>
<body><h1>Responses to {e(qid)}</h1>
<p>{e(data['title'])}: {len(data['responses'])} responses, {scored} scored, out of {data['max_points']:g} points.
Students are shown {'by name' if names else 'under pseudonyms'}, in a fixed shuffled order.
Score them in JupyterLab with <code>casekit.review.scorer("RESULTS", exercise="{e(data['exercise'])}",
question="{e(qid)}")</code>, or in <code>manual/{e(data['exercise'])}.csv</code>.</p>
<h2>The question</h2>
{text_block(data['prompt'], len(data['prompt']), cap=None)}
<h2>Rubric</h2>
{rubric_html(data['rubric'])}
<details><summary>Model answer (for scorers; not to hand out)</summary>
{text_block(data['model_answer'], len(data['model_answer']), cap=None)}</details>
<h2>Responses</h2>
{''.join(items) or '<p>No responses yet.</p>'}
</body></html>
"""

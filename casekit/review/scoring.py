"""The scorer: one free-response question, one response at a time, scored on its rubric inside JupyterLab.

    from casekit import review
    review.scorer("RESULTS", exercise="ex02", question="ex02.q9")

shows the response (as plain text, whatever it holds), the rubric's criteria with a button per level, a comment
box, Previous / Next / First unscored, and how many responses are left. Each click and each comment is saved to
the scoring sheet at once (``sheet.save``: one row rewritten, atomically, under the sheet's lock), so closing the
browser loses nothing, and two assistants scoring at once never undo each other's work.

- ``part="2/3"``: the second third of the question's responses (in its fixed shuffled order), for one of three
  assistants who split the question.
- ``second=True``: a second scorer, on a fixed sample of the responses (``SAMPLE``, at least one), who does not
  see the first scores; their scores go to ``manual/second/<exercise>.csv``, never into the gradebook, and
  ``review.agreement`` compares the two.

The widget is built on ipywidgets; the ``Scorer`` object can also be driven from code (``choose``,
``set_comment``, ``go``), which is how the tests use it.

Each response has its own comment box, made the first time the response is shown and bound to it. The browser
sends a box's text when the scorer leaves the box, but ipywidgets queues messages per widget, so that text can
reach the kernel *after* the click on Next that followed it. A single shared box would then save the comment on
the response now shown (or lose it); a box bound to its response saves it where it was typed, whenever it arrives.

For screen readers the status line (which response, how many left) and the saved total are live regions, and the
chosen level of each criterion is said in words under the buttons as well as shown by the button's colour.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

from casekit.review import sheet, written
from casekit.review.rubric import Rubric

SAMPLE = 0.10  # share of the responses a second scorer scores


def sheet_path(results, exercise: str, second: bool = False) -> Path:
    """Return the scoring sheet a scorer writes to: the first scorer's, or the second scorer's."""
    base = sheet.path_of(results, exercise)
    return base.parent / "second" / base.name if second else base


def second_sample(responses: list[dict], question: str, share: float = SAMPLE) -> list[dict]:
    """Return the fixed sample of ``responses`` a second scorer scores: ``share`` of them, at least one."""
    def rank(r):
        return hashlib.sha256(f"casekit second\x00{question}\x00{r['student']}".encode("utf-8",
                                                                                        "surrogateescape")).hexdigest()

    chosen = {r["student"] for r in sorted(responses, key=rank)[:max(1, math.ceil(share * len(responses)))]}
    return [r for r in responses if r["student"] in chosen]


def split_part(responses: list, part: str | None) -> list:
    """Return the ``part`` ("k/n": the k-th of n nearly equal slices) of ``responses``, in their order."""
    if not part:
        return responses
    try:
        k, n = (int(x) for x in str(part).split("/"))
    except ValueError:
        raise ValueError(f"part should read like '2/3' (the second of three parts), not {part!r}") from None
    if not 1 <= k <= n:
        raise ValueError(f"part {part!r}: the first number must be from 1 to {n}")
    return responses[len(responses) * (k - 1) // n: len(responses) * k // n]


class Scorer:
    """The state of one scorer: its responses, the scores entered so far, and the widget that shows them."""

    def __init__(self, results, exercise: str, question: str, part: str | None = None, second: bool = False,
                 names: bool = False):
        data = written.load(results, exercise, question)
        self.exercise, self.question, self.second, self.names = exercise, question, second, names
        self.max_points = float(data["max_points"])
        self.rubric = Rubric.from_dict(data["rubric"])
        self.data = data
        responses = data["responses"]
        if second:
            responses = second_sample(responses, question)
        self.responses = split_part(responses, part)
        self.path = sheet_path(results, exercise, second)
        sheet.add_rows(self.path, [(r["student"], exercise, question, self.max_points) for r in self.responses])
        self.index = 0
        self.problems: list[str] = []
        self.scores: dict = {}
        self._reload()
        self.index = self.first_unscored() if self.first_unscored() is not None else 0
        self._widget = None

    # --- state ---------------------------------------------------------------------------------------------

    def _reload(self) -> None:
        students = {r["student"] for r in self.data["responses"]}
        self.scores, self.problems = sheet.read(self.path, self.exercise,
                                                {self.question: (self.max_points, self.rubric)}, students)

    def entry(self, index: int | None = None):
        response = self.responses[self.index if index is None else index]
        return self.scores.get((response["student"], self.question))

    def left(self) -> int:
        """How many responses of this scorer have no points yet."""
        return sum(1 for i in range(len(self.responses)) if not (self.entry(i) and self.entry(i).scored))

    def first_unscored(self) -> int | None:
        return next((i for i in range(len(self.responses)) if not (self.entry(i) and self.entry(i).scored)), None)

    def chosen(self) -> dict[str, float]:
        entry = self.entry()
        return dict(entry.rubric) if entry else {}

    def comment(self) -> str:
        entry = self.entry()
        return entry.comment if entry else ""

    def _save(self, chosen: dict[str, float], comment: str, index: int | None = None) -> None:
        response = self.responses[self.index if index is None else index]
        sheet.save(self.path, response["student"], self.exercise, self.question, self.max_points,
                   self.rubric.total(chosen), self.rubric.format(chosen), comment)
        self._reload()

    # --- actions (the buttons call these) ------------------------------------------------------------------

    def choose(self, criterion: str, points: float | None) -> None:
        """Choose a level (by its points) on one criterion of the current response, and save at once."""
        chosen = self.chosen()
        if points is None:
            chosen.pop(criterion, None)
        else:
            self.rubric.criterion(criterion).level(points)
            chosen[criterion] = points
        self._save(chosen, self.comment())
        self._show()

    def set_comment(self, text: str, index: int | None = None) -> None:
        """Set the comment the student will read for the current response (or response ``index``), and save."""
        index = self.index if index is None else index
        entry = self.entry(index)
        self._save(dict(entry.rubric) if entry else {}, text, index)
        self._show()

    def go(self, where) -> None:
        """Move to another response: "next", "previous", "unscored" (the first not scored) or an index."""
        if where == "next":
            self.index = min(self.index + 1, len(self.responses) - 1)
        elif where == "previous":
            self.index = max(self.index - 1, 0)
        elif where == "unscored":
            first = self.first_unscored()
            self.index = self.index if first is None else first
        else:
            self.index = max(0, min(int(where), len(self.responses) - 1))
        self._show()

    # --- the widget ------------------------------------------------------------------------------------------

    @property
    def widget(self):
        if self._widget is None:
            self._build()
            self._show()
        return self._widget

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _build(self) -> None:
        import ipywidgets as w

        from casekit.grade.report import e, text_block
        from casekit.review.pages import rubric_html

        self._loading = False
        self._status = w.HTML()
        self._text = w.HTML(layout=w.Layout(width="100%"))
        self._text.add_class("ck-score-response")
        self._score = w.HTML()
        model = self.data["model_answer"]
        about = w.HTML(f"<style>{_CSS}</style><div class=ck-score-about>"
                       f"{text_block(self.data['prompt'], len(self.data['prompt']), None)}"
                       f"{rubric_html(self.data['rubric'])}<p><b>Model answer</b> (for scorers):</p>"
                       f"{text_block(model, len(model), None)}</div>")
        folded = w.Accordion(children=[about], titles=("The question, the rubric and the model answer",),
                             selected_index=None)
        self._buttons = {}
        rows = []
        for criterion in self.rubric.criteria:
            buttons = w.ToggleButtons(options=[(lv.label, lv.points) for lv in criterion.levels], value=None,
                                      tooltips=[lv.text or lv.label for lv in criterion.levels],
                                      style={"button_width": "auto"})
            buttons.add_class(f"ck-score-{criterion.id}")
            buttons.observe(self._on_level(criterion.id), names="value")
            self._buttons[criterion.id] = buttons
            rows.append(w.VBox([w.HTML(f"<b>{e(criterion.id)}</b> · {e(criterion.name)}"
                                       f"{' — ' + e(criterion.text) if criterion.text != criterion.name else ''}"),
                                buttons]))
        self._comments: dict = {}  # response index -> its own comment box (see the module's docstring)
        self._comment = self._comment_box(self.index) if self.responses else w.Textarea()
        nav = []
        for label, where in (("◀ Previous", "previous"), ("Next ▶", "next"), ("First unscored", "unscored")):
            button = w.Button(description=label, tooltip={"previous": "Previous response", "next": "Next response",
                                                          "unscored": "First response not scored yet"}[where])
            button.add_class(f"ck-score-{where}")
            button.on_click(lambda _b, where=where: self.go(where))
            nav.append(button)
        self._widget = w.VBox([self._status, folded, self._text, *rows, self._comment, self._score, w.HBox(nav)])
        self._widget.add_class("ck-scorer")

    def _on_level(self, cid: str):
        def changed(change):
            if not self._loading:
                self.choose(cid, change["new"])
        return changed

    def _comment_box(self, index: int):
        """Return the comment box of response ``index``, made once and bound to that response."""
        if index not in self._comments:
            import ipywidgets as w

            box = w.Textarea(placeholder="A comment the student will read (saved when you leave the box)",
                             layout=w.Layout(width="100%", height="5em"), continuous_update=False)
            box.add_class("ck-score-comment")

            def changed(change, index=index):
                if not self._loading:
                    self.set_comment(change["new"], index=index)
            box.observe(changed, names="value")
            self._comments[index] = box
        return self._comments[index]

    def _show(self) -> None:
        if self._widget is None:
            return
        from casekit.grade.report import e, text_block

        response = self.responses[self.index] if self.responses else None
        self._loading = True
        try:
            if response is None:
                self._status.value = "<p>No responses to score here.</p>"
                return
            who = response["student"] if self.names else response["pseudonym"]
            role = "second scorer, " if self.second else ""
            self._status.value = (f"<p class=ck-score-status role=status aria-live=polite aria-atomic=true>"
                                  f"<b>{e(self.question)}</b> ({role}{self.max_points:g} "
                                  f"points) · response {self.index + 1} of {len(self.responses)} · {e(who)} · "
                                  f"<b>{self.left()} left to score</b></p>"
                                  + "".join(f"<p style='color:#A03000'><b>Problem:</b> {e(p)}</p>"
                                            for p in self.problems))
            self._text.value = f"<style>{_CSS}</style>{text_block(response['text'], response['length'])}"
            chosen = self.chosen()
            for cid, buttons in self._buttons.items():
                buttons.value = chosen.get(cid)
            box = self._comment_box(self.index)
            box.value = self.comment()
            if box is not self._comment:
                self._widget.children = tuple(box if c is self._comment else c for c in self._widget.children)
                self._comment = box
            total = self.rubric.total(chosen)
            said = "; ".join(f"{cid}: {self.rubric.criterion(cid).level(p).label}" for cid, p in chosen.items())
            said = f"<br><span class=ck-score-chosen>Chosen: {e(said)}</span>" if said else ""
            self._score.value = (f"<p class=ck-score-total role=status aria-live=polite>Saved: <b>{total:g} / "
                                 f"{self.max_points:g}</b>{said}</p>"
                                 if total is not None else
                                 f"<p class=ck-score-total role=status aria-live=polite>Not scored yet: choose a "
                                 f"level on each criterion ({len(chosen)} of {len(self.rubric.criteria)} chosen)."
                                 f"{said}</p>")
        finally:
            self._loading = False


_CSS = (".ck-scorer .text{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f6f6;border-left:3px solid #bbb;"
        "padding:.5em .8em;font-family:var(--jp-code-font-family,monospace);line-height:1.45;max-height:28em;"
        "overflow:auto}.ck-scorer .note{color:#555}.ck-scorer table{border-collapse:collapse}"
        ".ck-scorer td,.ck-scorer th{border-bottom:1px solid #ddd;padding:.3em;text-align:left;vertical-align:top}"
        # The chosen level is shown by more than its colour: bold, underlined and ticked.
        ".ck-scorer .widget-toggle-button.mod-active{font-weight:bold;text-decoration:underline}"
        ".ck-scorer .widget-toggle-button.mod-active::before{content:'\\2713  '}")


def scorer(results, exercise: str, question: str, part: str | None = None, second: bool = False,
           names: bool = False) -> Scorer:
    """Return a scorer for one free-response question of a graded class; show it by leaving it last in a cell."""
    return Scorer(results, exercise, question, part=part, second=second, names=names)

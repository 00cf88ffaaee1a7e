"""Check-your-understanding questions for the lessons: pick an option, read why it is right or not.

These are for learning, not grading: the right option sits in the lesson notebook in plain sight, and each option
carries its own explanation, so a wrong pick teaches as much as a right one. ``feedback`` is the pure part (and what
the tests call); ``ask`` wraps it in a widget for JupyterLab.

>>> options = {"a": "Qin Gang", "b": "Deutsche Welle"}
>>> why = {"a": "He is quoted, but he did not write it.", "b": "Yes: DW's Chinese service wrote the report."}
>>> feedback(options, "b", why, "a")
'Not quite. He is quoted, but he did not write it.'
>>> feedback(options, "b", why, "b")
"Right. Yes: DW's Chinese service wrote the report."
"""

from __future__ import annotations

from casekit import palette


def feedback(options: dict[str, str], answer: str, why: dict[str, str], choice: str | None) -> str:
    """Return the feedback for ``choice``: right or not, then the explanation written for that option."""
    if choice is None:
        return "Pick an option."
    if choice not in options:
        raise ValueError(f"{choice!r} is not one of the options {', '.join(options)}")
    verdict = "Right." if choice == answer else "Not quite."
    return f"{verdict} {why.get(choice, '')}".strip()


def ask(question: str, options: dict[str, str], answer: str, why: dict[str, str]):
    """Return a small widget: the question, one button per option, and the feedback for the one picked."""
    import html

    import ipywidgets as widgets

    if answer not in options or set(why) - set(options):
        raise ValueError("the answer and every explained option must be among the options")
    prompt = widgets.HTML(f"<b>{html.escape(question)}</b>")
    choices = widgets.RadioButtons(options=[(f"{k}. {v}", k) for k, v in options.items()], value=None,
                                   layout=widgets.Layout(width="auto"))
    shown = widgets.HTML("<i>Pick an option.</i>")

    def update(change):
        text = feedback(options, answer, why, change["new"])
        colour = palette.BLUISH_GREEN if change["new"] == answer else palette.VERMILLION
        shown.value = f'<span style="color:{colour}">{html.escape(text)}</span>'

    choices.observe(update, "value")
    box = _Quiz([prompt, choices, shown])
    box.choices, box.feedback = choices, shown
    box.static_html = static_html(question, options, answer, why)
    return box


def static_html(question: str, options: dict[str, str], answer: str, why: dict[str, str]) -> str:
    """Return the question as plain HTML for pages without a kernel: options, then the explanations folded away."""
    import html

    items = "".join(f"<li><b>{html.escape(k)}.</b> {html.escape(v)}</li>" for k, v in options.items())
    notes = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(feedback(options, answer, why, k))}</li>"
                    for k in options)
    return (f'<div class="casekit-quiz"><p><b>{html.escape(question)}</b></p><ul>{items}</ul>'
            f"<details><summary>Check your answer</summary><ul>{notes}</ul></details></div>")


def _quiz_class():
    import ipywidgets as widgets

    class Quiz(widgets.VBox):
        """A VBox that also offers a plain-HTML version of itself, shown where widgets cannot run."""

        def _repr_mimebundle_(self, **kwargs):
            bundle = super()._repr_mimebundle_(**kwargs)
            if isinstance(bundle, dict):
                bundle["text/html"] = self.static_html
            return bundle

    return Quiz


def _Quiz(children):
    return _quiz_class()(children)

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

An explanation that already starts with the verdict is not given a second one:

>>> feedback(options, "b", {"b": "Right. DW wrote it."}, "b")
'Right. DW wrote it.'

The widget is a real radio group (``assets/quiz.js``): each option is a native radio button with its whole text
beside it, wrapping onto as many lines as it needs, and the option picked is drawn as picked. The verdict is
coloured (``palette.TEXT_GREEN`` and ``TEXT_VERMILLION``: Okabe-Ito's shades darkened to 5.5:1 on white) and
also says itself in words and a sign, never by colour alone.
"""

from __future__ import annotations

import html
from pathlib import Path

from casekit import palette

VERDICTS = {True: "Right.", False: "Not quite."}
_ASSETS = Path(__file__).with_name("assets")


def feedback(options: dict[str, str], answer: str, why: dict[str, str], choice: str | None) -> str:
    """Return the feedback for ``choice``: right or not, then the explanation written for that option."""
    if choice is None or choice == "":
        return "Pick an option."
    if choice not in options:
        raise ValueError(f"{choice!r} is not one of the options {', '.join(options)}")
    verdict = VERDICTS[choice == answer]
    explanation = why.get(choice, "").strip()
    if explanation.startswith(verdict):  # "Right. Right. …" reads as a stutter
        explanation = explanation[len(verdict):].lstrip()
    return f"{verdict} {explanation}".strip()


def ask(question: str, options: dict[str, str], answer: str, why: dict[str, str]):
    """Return the question as a widget: one radio button per option, and the feedback for the one picked.

    The widget's ``picked`` is the key of the option chosen ("" before any); ``verdict`` is the feedback shown.
    """
    if answer not in options or set(why) - set(options):
        raise ValueError("the answer and every explained option must be among the options")
    widget = _quiz_class()(question=question, options=[[k, v] for k, v in options.items()])
    widget.static_html = static_html(question, options, answer, why)

    def update(change):
        choice = change["new"] or None
        widget.verdict = feedback(options, answer, why, choice)
        widget.right = choice == answer

    widget.observe(update, "picked")
    return widget


def static_html(question: str, options: dict[str, str], answer: str, why: dict[str, str]) -> str:
    """Return the question as plain HTML for pages without a kernel: options, then the explanations folded away."""
    items = "".join(f"<li><b>{html.escape(k)}.</b> {html.escape(v)}</li>" for k, v in options.items())
    notes = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(feedback(options, answer, why, k))}</li>"
                    for k in options)
    return (f'<div class="casekit-quiz"><p><b>{html.escape(question)}</b></p><ul>{items}</ul>'
            f"<details><summary>Check your answer</summary><ul>{notes}</ul></details></div>")


def _quiz_class():
    """Return the widget class (built on first use, so importing this module needs no widget library)."""
    global _QUIZ
    if _QUIZ is None:
        import anywidget
        import traitlets

        class Quiz(anywidget.AnyWidget):
            """A question with radio-button options; it also offers a plain-HTML version of itself."""

            _esm = _ASSETS / "quiz.js"
            _css = (f".ck-quiz {{ --ck-right: {palette.TEXT_GREEN}; --ck-wrong: {palette.TEXT_VERMILLION}; }}\n"
                    + (_ASSETS / "quiz.css").read_text(encoding="utf-8"))
            question = traitlets.Unicode("").tag(sync=True)
            options = traitlets.List(traitlets.List(traitlets.Unicode())).tag(sync=True)
            picked = traitlets.Unicode("").tag(sync=True)
            verdict = traitlets.Unicode("Pick an option.").tag(sync=True)
            right = traitlets.Bool(False).tag(sync=True)
            static_html = ""

            def _repr_mimebundle_(self, **kwargs):
                bundle = super()._repr_mimebundle_(**kwargs)
                if isinstance(bundle, tuple):  # (data, metadata)
                    bundle[0]["text/html"] = self.static_html
                elif isinstance(bundle, dict):
                    bundle["text/html"] = self.static_html
                return bundle

        _QUIZ = Quiz
    return _QUIZ


_QUIZ = None

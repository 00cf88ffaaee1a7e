"""The lessons' questions: the verdict is said once, the widget reports the pick, the colours are readable."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from casekit import palette, quiz
from casekit.lessons import LESSONS

KIT = Path(__file__).resolve().parents[1]


def lesson_questions():
    """Yield (lesson, question, options, answer, why) for every quiz.ask(...) in the lessons, read from the cells."""
    for lesson in LESSONS:
        nb = nbformat.read(KIT / "notebooks" / lesson.file, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code" or "quiz.ask(" not in cell.source:
                continue
            call = ast.parse(cell.source).body[0].value
            args = [ast.literal_eval(a) for a in call.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
            question, options, answer, why = (args + [None] * 4)[:4]
            yield (lesson.stem, kwargs.get("question", question), kwargs.get("options", options),
                   kwargs.get("answer", answer), kwargs.get("why", why))


QUESTIONS = list(lesson_questions())


def test_the_lessons_have_questions():
    assert len(QUESTIONS) >= 10
    assert {stem for stem, *_ in QUESTIONS} >= {"01_reading_the_source", "02_timeline", "05_translation_and_fact_checking"}


@pytest.mark.parametrize("stem,question,options,answer,why", QUESTIONS, ids=[q[1][:30] for q in QUESTIONS])
def test_every_option_gets_its_verdict_once(stem, question, options, answer, why):
    for choice in options:
        text = quiz.feedback(options, answer, why, choice)
        verdict = "Right." if choice == answer else "Not quite."
        assert text.startswith(verdict + " ") or text == verdict
        assert text.count("Right.") + text.count("Not quite.") == 1, f"{stem}: {text}"


def test_a_verdict_written_into_the_explanation_is_not_repeated():
    options, why = {"a": "x", "b": "y"}, {"a": "Not quite. Too early.", "b": "Right. That is it."}
    assert quiz.feedback(options, "b", why, "b") == "Right. That is it."
    assert quiz.feedback(options, "b", why, "a") == "Not quite. Too early."
    assert quiz.feedback(options, "b", {}, "b") == "Right."


def test_the_widget_reports_the_pick_and_its_feedback():
    widget = quiz.ask("Who wrote it?", {"a": "Qin Gang", "b": "DW"}, "b", {"a": "He is quoted.", "b": "Yes."})
    assert widget.picked == "" and widget.verdict == "Pick an option."
    assert widget.options == [["a", "Qin Gang"], ["b", "DW"]]
    widget.picked = "a"
    assert (widget.verdict, widget.right) == ("Not quite. He is quoted.", False)
    widget.picked = "b"
    assert (widget.verdict, widget.right) == ("Right. Yes.", True)
    data, _ = widget._repr_mimebundle_()
    assert "Check your answer" in data["text/html"] and "application/vnd.jupyter.widget-view+json" in data


def test_bad_questions_are_refused():
    with pytest.raises(ValueError, match="among the options"):
        quiz.ask("?", {"a": "x"}, "b", {})
    with pytest.raises(ValueError, match="not one of the options"):
        quiz.feedback({"a": "x"}, "a", {}, "z")


def contrast(colour: str, background: str = "#ffffff") -> float:
    """Return the WCAG contrast ratio of two #rrggbb colours."""
    def luminance(hex_colour):
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(colour), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_verdict_colours_are_readable_on_white():
    assert contrast(palette.BLUISH_GREEN) < 4.5 and contrast(palette.VERMILLION) < 4.5  # not for words
    css = quiz._quiz_class()._css
    for verdict, variable in (("ck-right", "--ck-right"), ("ck-wrong", "--ck-wrong")):
        assert re.search(rf"\.{verdict} \{{[^}}]*color: var\({variable}\)", css), verdict
        colour = re.search(rf"{variable}: (#[0-9A-Fa-f]{{6}})", css).group(1)
        assert contrast(colour) >= 4.5, (verdict, colour, contrast(colour))

"""The path through the kit: the one list of lessons that navigation, the start page and the tests read.

>>> [lesson.number for lesson in LESSONS]
['00', '01', '02', '03', '04', '05', '06']
>>> LESSONS[2].title
'The timeline'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    """One lesson notebook: its file stem, title, one-line summary and the exercise that goes with it."""

    stem: str
    title: str
    summary: str
    exercise: str | None = None

    @property
    def number(self) -> str:
        return self.stem[:2]

    @property
    def file(self) -> str:
        return f"{self.stem}.ipynb"


LESSONS = [
    Lesson("00_start_here", "Start here", "what the case is and how the kit works"),
    Lesson("01_reading_the_source", "Reading the source",
           "who made this text, when, for whom, in which language; close reading with the annotated article",
           "ex01_reading_the_source"),
    Lesson("02_timeline", "The timeline",
           "the context 1949-2023 and the 2022 sequence; checking the article's dates with pandas", "ex02_timeline"),
    Lesson("03_who_said_what", "Who said what",
           "statements by speaker and outlet; quote, paraphrase or the outlet's own analysis; words as choices",
           "ex03_who_said_what"),
    Lesson("04_allies_or_partners", "Allies or partners?",
           "what an alliance is; the 1950 and 2001 treaties; the alliance data by year", "ex04_allies_or_partners"),
    Lesson("05_translation_and_fact_checking", "Translation and fact-checking",
           "the machine-translation errors, and how to check a claim against primary sources",
           "ex05_translation_and_fact_checking"),
    Lesson("06_synthesis", "Synthesis: are China and Russia allies?",
           "an evidence-based argument, with a rubric", "ex06_synthesis"),
]

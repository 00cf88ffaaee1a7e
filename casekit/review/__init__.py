"""The written work: free responses read, scored on their rubric, commented and returned.

``python -m casekit grade`` does the collecting (``written``): it reads each student's free responses, writes
one page per question with every response (``pages``), and keeps a scoring sheet per exercise
(``RESULTS/manual/<exercise>.csv``, ``sheet``) that only ever gains rows. Scores entered there reach
``gradebook.csv`` and the feedback pages on the next ``grade`` run.

Teaching assistants score in JupyterLab::

    from casekit import review
    review.scorer("RESULTS", exercise="ex02", question="ex02.q9")               # the whole question
    review.scorer("RESULTS", exercise="ex02", question="ex02.q9", part="2/3")   # the second third of it
    review.scorer("RESULTS", exercise="ex02", question="ex02.q9", second=True)  # a second scorer, on a sample
    review.agreement("RESULTS", exercise="ex02", question="ex02.q9")            # how far the two agree

The rubric of each question is read from its model answer in ``solutions/`` (``rubric``); students appear under
stable pseudonyms, in a fixed shuffled order (``people``).
"""

from __future__ import annotations


def scorer(results, exercise: str, question: str, part: str | None = None, second: bool = False,
           names: bool = False):
    """Return the scorer widget for one free-response question (see ``casekit.review.scoring``)."""
    from casekit.review import scoring

    return scoring.scorer(results, exercise, question, part=part, second=second, names=names)


def agreement(results, exercise: str, question: str):
    """Return the agreement of the first and second scorers, per criterion (see ``casekit.review.agree``)."""
    from casekit.review import agree

    return agree.report(results, exercise, question)


__all__ = ["scorer", "agreement"]

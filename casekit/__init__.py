"""casekit: the helper package of the teaching kit "China and Russia are not allies" (Qin Gang, July 2022).

The notebooks import its instruments; nothing heavy is imported here, so ``import casekit`` is quick and has no
side effects. Import the module you need:

- ``casekit.data``: the case tables as typed pandas DataFrames (``load``), and ``validate`` to check them.
- ``casekit.anchors``: find an annotation's quoted words in the article (W3C TextQuoteSelector style).
- ``casekit.source``: the annotated reader (``reader()`` in JupyterLab, ``render_html()`` anywhere), and
  ``paragraph_html`` for one paragraph of the article.
- ``casekit.timeline``: the timelines (``figure``, ``explorer``, ``statements_figure``, ``alliance_figure``) and
  their table twins; a package with one module per instrument.
- ``casekit.palette``: the Okabe-Ito colours every figure and page takes its colours from.
- ``casekit.quiz``: the lessons' check-your-understanding questions.
- ``casekit.answers`` and ``casekit.check``: how answers are compared, and the exercises' instant feedback.
- ``casekit.build``: exercises and answer keys, generated from ``solutions/``.
- ``casekit.grade``: grading a whole class, outside the students' kernels.
- ``casekit.lessons``, ``casekit.navigation``, ``casekit.site``: the path, its navigation, the static edition.
- ``casekit.locate``: where the kit's data folder is.

Run ``python -m casekit --help`` for the command line.
"""

__version__ = "0.1.0"

"""casekit: the helper package of the teaching kit "China and Russia are not allies" (Qin Gang, July 2022).

The notebooks import its instruments; nothing heavy is imported here, so ``import casekit`` is quick and has no
side effects. Import the module you need:

- ``casekit.data``: the case tables as typed pandas DataFrames (``load``), and ``validate`` to check them.
- ``casekit.anchors``: find an annotation's quoted words in the article (W3C TextQuoteSelector style).
- ``casekit.locate``: where the kit's data folder is.

Run ``python -m casekit --help`` for the command line (``validate``).
"""

__version__ = "0.1.0"

"""The reader's article view as a Jupyter widget: it shows rendered HTML and reports clicks on highlights.

The widget holds no logic of its own: ``casekit.source`` renders the HTML and reacts to ``selected``. Its small
front-end (``assets/reader.js``) ships inside the package and is served by anywidget, so nothing is fetched from
the network.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

_ASSETS = Path(__file__).with_name("assets")


class ArticleView(anywidget.AnyWidget):
    """Show ``html``; set ``selected`` to the id of the highlight the student clicks (or presses Enter on)."""

    _esm = _ASSETS / "reader.js"
    html = traitlets.Unicode("").tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)

"""The reader's widgets for JupyterLab: the article view, and the buttons that switch a kind of highlight on or off.

The widgets hold no logic of their own: ``casekit.source`` renders the HTML and reacts to ``selected`` and to each
toggle's ``value``. Their small front ends (``assets/reader.js``, ``assets/toggle.js``) ship inside the package and
are served by anywidget, so nothing is fetched from the network.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

_ASSETS = Path(__file__).with_name("assets")


class ArticleView(anywidget.AnyWidget):
    """Show ``html``; set ``selected`` to the id of the highlight the student clicks (or presses Enter on).

    When ``html`` is redrawn, the highlight that had the keyboard focus keeps it (so Tab goes on from there) and
    the view keeps its scroll position; when ``search`` changes, the view scrolls to the first match.
    """

    _esm = _ASSETS / "reader.js"
    html = traitlets.Unicode("").tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    search = traitlets.Unicode("").tag(sync=True)


class KindToggle(anywidget.AnyWidget):
    """A button that shows or hides one kind of highlight: ``value`` is True while shown.

    It is a real ``<button>`` with ``aria-pressed``, so a screen reader says whether the kind is on.
    """

    _esm = _ASSETS / "toggle.js"
    value = traitlets.Bool(True).tag(sync=True)
    kind = traitlets.Unicode("").tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)
    tooltip = traitlets.Unicode("").tag(sync=True)

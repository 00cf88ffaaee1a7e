"""Find the kit's data folder, from any working directory.

The data ships in the repository's top-level ``data/`` folder, beside this package. An installed wheel carries a
copy inside the package as ``casekit/data/``. Notebooks never build paths like ``'../data/'``: they call the
functions in ``casekit.data``, which ask this module.

An instructor (or a test) can point the kit at another copy of the data, for instance one without the article
text, by setting the environment variable ``CASEKIT_DATA`` to that folder.

>>> data_dir().joinpath("datapackage.json").is_file()
True
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "CASEKIT_DATA"
DESCRIPTOR = "datapackage.json"


class DataFolderNotFound(FileNotFoundError):
    """No folder with a datapackage.json was found where the kit looks for its data."""


def candidates() -> list[Path]:
    """Return the folders searched for the data, in order: $CASEKIT_DATA, the package's copy, the checkout's."""
    here = Path(__file__).resolve().parent
    override = os.environ.get(ENV_VAR)
    if override:
        return [Path(override).expanduser()]
    return [here / "data", here.parent / "data"]


def data_dir() -> Path:
    """Return the folder that holds ``datapackage.json`` and the case tables."""
    searched = candidates()
    for folder in searched:
        if (folder / DESCRIPTOR).is_file():
            return folder
    where = ", ".join(str(p) for p in searched)
    hint = f" (set by ${ENV_VAR})" if os.environ.get(ENV_VAR) else ""
    raise DataFolderNotFound(
        f"casekit cannot find its data: no {DESCRIPTOR} in {where}{hint}. "
        "Run the kit from a clone of its repository (make lab), or install it with 'pip install -e .'."
    )

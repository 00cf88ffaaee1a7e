"""The LMS on both ends of grading: bring its bulk download in (``download``), send grades back (``gradebooks``).

- ``python -m casekit collect DOWNLOAD --lms canvas|moodle --roster ROSTER.csv --out SUBMISSIONS`` turns a Canvas
  or Moodle bulk download into ``SUBMISSIONS/<student>/<exercise>.ipynb`` (``casekit.lms.download``).
- ``python -m casekit grade SUBMISSIONS --out RESULTS --roster ROSTER.csv`` also writes
  ``canvas_gradebook.csv`` and ``moodle_gradebook.csv`` in each LMS's import format (``casekit.lms.gradebooks``).

The roster (``casekit.lms.roster``) maps the LMS's ids to the kit's student ids. The file naming and column
conventions are taken from each LMS's own source code, cited in the module that uses them.
"""

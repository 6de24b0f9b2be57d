"""ticketfold's Python tooling: the load report, the throw-away stack and
the dashboards check.

One package rather than scripts that reach into each other's folders
through sys.path: the shared code (the sandbox stack) has one home, and
mypy and the tests see exactly the modules the scripts run. The old entry
points (load/report.py, load/sandbox.py, dashboards/check.py) start these
modules with `python3 -m`. Standard library only: CI runs them on a plain
python3 3.11.
"""

from pathlib import Path

# The repository: the package sits in <root>/tools/ticketfold_tools/.
ROOT = Path(__file__).resolve().parents[2]

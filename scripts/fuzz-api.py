#!/usr/bin/env python3
"""`python3 scripts/fuzz-api.py ...` runs tools/ticketfold_tools/contract_fuzz.py.

The code lives in the ticketfold_tools package, where the tools share it
and scripts/python-check.sh type-checks and tests it. This file keeps the
command line: it replaces itself (same pid, signals and exit status) with
`python3 -m ticketfold_tools.contract_fuzz`, tools/ on PYTHONPATH, so that no
Python file has to edit sys.path.
"""

import os
import sys
from pathlib import Path

MODULE = "ticketfold_tools.contract_fuzz"
TOOLS = Path(__file__).resolve().parent.parent / "tools"


def main() -> None:
    search = os.pathsep.join(filter(None, (str(TOOLS), os.environ.get("PYTHONPATH"))))
    os.execve(sys.executable, [sys.executable, "-m", MODULE, *sys.argv[1:]], dict(os.environ, PYTHONPATH=search))


if __name__ == "__main__":
    main()

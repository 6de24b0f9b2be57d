"""Schemathesis against both OpenAPI documents, on a throw-away stack.

    python3 scripts/fuzz-api.py [--bin-dir DIR] [--max-examples N] [--dir DIR]

Starts a sandbox (ticketfold_tools.sandbox: the debug binaries on free
ports, with their own database, topics and Redis keys), runs `schemathesis
run openapi/<service>.json` against command-api and query-api with a small
example budget, and stops the stack. A run fails on any 5xx
(`not_a_server_error`) and on any answer the document does not describe:
its status, content type, headers or body schema (`status_code_conformance`,
`content_type_conformance`, `response_headers_conformance`,
`response_schema_conformance`). The admin key is sent on every request, so
the admin operations are exercised too, not only refused.

Schemathesis is a command-line tool here (installed with pip by
scripts/test.sh's step), so this module needs only the standard library.
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ticketfold_tools import ROOT
from ticketfold_tools.sandbox import Sandbox, log_tail

SERVICES = ("command-api", "query-api")
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
# Generated examples per operation and phase; both documents together stay
# around a minute on the 2-core CI machine.
DEFAULT_MAX_EXAMPLES = 8
# A fixed seed: the same inputs every run, so a failure reproduces.
SEED = "20261205"


def schemathesis_command() -> list[str]:
    """The `schemathesis` entry point pip installed, or its module."""
    found = shutil.which("schemathesis")
    return [found] if found else [sys.executable, "-m", "schemathesis.cli"]


def run_command(
    service: str, url: str, admin_key: str, max_examples: int, report_dir: Path, checks: str = ",".join(CHECKS)
) -> list[str]:
    """One schemathesis run against one service's committed document."""
    return [
        *schemathesis_command(),
        "run",
        str(ROOT / "openapi" / f"{service}.json"),
        "--url",
        url,
        "--checks",
        checks,
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(max_examples),
        "--seed",
        SEED,
        "--workers",
        "2",
        "--request-timeout",
        "15",
        "--header",
        f"X-Admin-Key: {admin_key}",
        "--report",
        "junit",
        "--report-dir",
        str(report_dir / service),
        "--no-color",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", help="where the three service binaries are (default: the newest target build)")
    parser.add_argument("--max-examples", type=int, default=DEFAULT_MAX_EXAMPLES)
    parser.add_argument("--dir", default=str(ROOT / ".run" / "schemathesis"), help="logs, stack state and reports")
    parser.add_argument(
        "--checks",
        default=",".join(CHECKS),
        help="schemathesis checks to run (default: the ones make test judges)",
    )
    args = parser.parse_args()

    workdir = Path(args.dir)
    stack = Sandbox(workdir / "stack")
    failed = []
    try:
        stack.up(args.bin_dir)
        for service in SERVICES:
            command = run_command(
                service, stack.url(service), stack.state["admin_key"], args.max_examples, workdir, args.checks
            )
            print(f"schemathesis: {service} at {stack.url(service)} ({args.max_examples} examples per operation)")
            sys.stdout.flush()
            # In the work directory: schemathesis keeps its replay cache
            # (.schemathesis/, for `st replay <id>`) where it runs.
            workdir.mkdir(parents=True, exist_ok=True)
            done = subprocess.run(command, check=False, cwd=workdir, env=dict(os.environ, NO_COLOR="1"))
            if done.returncode != 0:
                failed.append(service)
    finally:
        stack.down()
    if failed:
        logs = "\n".join(f"--- {svc}.log\n{log_tail(stack.dir / f'{svc}.log')}" for svc in SERVICES)
        raise SystemExit(f"error: schemathesis found problems in {', '.join(failed)}\n{logs}")
    print("schemathesis: no 5xx and every answer as documented")


if __name__ == "__main__":
    main()

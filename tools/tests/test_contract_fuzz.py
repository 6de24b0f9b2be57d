"""The schemathesis command the contract fuzz step runs: both documents,
the checks make test judges, a fixed seed, the stack's admin key."""

from pathlib import Path

from ticketfold_tools import ROOT
from ticketfold_tools.contract_fuzz import CHECKS, SEED, run_command


def test_a_run_targets_the_committed_document_with_the_judged_checks() -> None:
    command = run_command("query-api", "http://127.0.0.1:1234", "k3y", 5, Path("/tmp/reports"))
    assert command[command.index("run") + 1] == str(ROOT / "openapi" / "query-api.json")
    assert command[command.index("--url") + 1] == "http://127.0.0.1:1234"
    checks = command[command.index("--checks") + 1].split(",")
    assert "not_a_server_error" in checks and "response_schema_conformance" in checks
    assert checks == list(CHECKS)
    assert command[command.index("--seed") + 1] == SEED
    assert command[command.index("--max-examples") + 1] == "5"
    assert "X-Admin-Key: k3y" in command
    assert command[command.index("--report-dir") + 1] == "/tmp/reports/query-api"


def test_the_committed_documents_exist() -> None:
    for service in ("command-api", "query-api"):
        assert (ROOT / "openapi" / f"{service}.json").is_file()

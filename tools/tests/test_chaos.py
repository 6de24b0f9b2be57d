"""The chaos suite's parts that need no stack: its plans, its HTTP client,
and the supervisor it relies on (scripts/supervise.sh, run for real on
`sleep`). The suite itself runs in `make test` (scripts/test.sh,
step_chaos_short) and `make chaos`."""

import http.server
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ticketfold_tools import chaos
from ticketfold_tools.sandbox import SUPERVISOR, free_port, is_supervisor, pid_is


def test_full_plan_kills_and_pauses_every_process_and_hits_redis_and_postgres() -> None:
    plan = chaos.full_plan()
    for target in ("projector", "command-api", "query-api", "broker"):
        assert chaos.Fault("kill", target) in plan
        assert any(f.action == "stop" and f.target == target and f.seconds > 0 for f in plan)
    assert chaos.Fault("redis") in plan
    assert chaos.Fault("postgres") in plan


def test_short_plan_is_a_subset_with_each_kind_of_fault() -> None:
    short = chaos.short_plan()
    assert len(short) < len(chaos.full_plan())
    assert {f.action for f in short} == {"kill", "stop", "redis", "postgres"}


def test_fault_labels() -> None:
    assert chaos.Fault("kill", "broker").label == "SIGKILL broker"
    assert chaos.Fault("stop", "projector", 4.0).label == "SIGSTOP projector 4s"
    assert "Redis" in chaos.Fault("redis").label
    assert "Postgres" in chaos.Fault("postgres").label


class _Echo(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length))
        payload = json.dumps({"got": body, "key": self.headers.get("Idempotency-Key")}).encode()
        self.send_response(202)
        self.send_header("Location", "http://127.0.0.1/v1/x")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def echo_server() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()


def test_http_call_reads_status_body_and_location(echo_server: int) -> None:
    answer = chaos.http_call("POST", f"http://127.0.0.1:{echo_server}/v1/x", {"Idempotency-Key": "k"}, {"a": 1})
    assert answer.status == 202
    assert answer.body == {"got": {"a": 1}, "key": "k"}
    assert answer.location == "http://127.0.0.1/v1/x"


def test_http_call_without_a_server_is_no_answer() -> None:
    port = free_port()
    answer = chaos.http_call("GET", f"http://127.0.0.1:{port}/", {}, timeout=2)
    assert answer.status is None
    assert answer.error


def _wait(condition: object, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_supervisor_restarts_a_killed_program_leaves_a_stopped_one_and_stops_it(tmp_path: Path) -> None:
    pidfile = tmp_path / "sleep.pid"
    supervisor = subprocess.Popen(
        [str(SUPERVISOR), "sleeper", str(pidfile), "--", "sleep", "300"],
        stdout=open(tmp_path / "log", "wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait(lambda: pidfile.is_file() and pidfile.read_text().strip())
        assert is_supervisor(supervisor.pid)
        first = int(pidfile.read_text())
        # The pid is written as the program starts, a moment before its exec.
        _wait(lambda: pid_is(first, "sleep"))

        # Paused is not gone: no restart while it is stopped.
        os.kill(first, signal.SIGSTOP)
        time.sleep(1.5)
        assert int(pidfile.read_text()) == first
        os.kill(first, signal.SIGCONT)

        os.kill(first, signal.SIGKILL)
        _wait(lambda: pidfile.read_text().strip() not in ("", str(first)))
        second = int(pidfile.read_text())
        _wait(lambda: pid_is(second, "sleep"))
        exits = Path(f"{pidfile}.exits").read_text().splitlines()
        assert len(exits) == 1 and " sleeper exit 137 " in exits[0]

        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=10) == 0
        _wait(lambda: not pid_is(second, "sleep"))
        assert not pidfile.exists()
    finally:
        if supervisor.poll() is None:
            supervisor.kill()


# -- the judging, on made-up evidence -------------------------------------------


def _call(kind: str, status: int | None, correlation: str, logical: str = "", attempt: int = 1, key: str | None = None, body: object = None, answer: object = None) -> chaos.Call:
    return chaos.Call(
        seq=0,
        fan=0,
        user="u1",
        kind=kind,
        logical=logical or correlation,
        attempt=attempt,
        key=key,
        correlation_id=correlation,
        method="POST",
        path="/v1/balance/charges",
        body=body if body is not None else {"amount": 100},
        started=1000.0,
        elapsed=0.1,
        status=status,
        answer=answer,
        location=None,
        error="",
    )


def _evidence(calls: list[chaos.Call], **tables: object) -> chaos.Evidence:
    charge_env = {"event_id": "cmd-1", "data": {"charge_id": "ch-1"}}
    defaults: dict[str, object] = {
        "by_corr": {"c1": charge_env},
        "outcomes": {"cmd-1": {"command_id": "cmd-1", "outcome": "ACCEPTED"}},
        "reservations": {},
        "payments": {},
        "entries": [{"user_id": "u1", "kind": "CHARGE", "reference_id": "ch-1", "amount": 100}],
        "wallets": {"u1": {"user_id": "u1", "balance": 100, "in_flight": 0}},
        "seat_rows": [],
        "finals": {},
        "last_reads": {},
        "faults": [],
    }
    defaults.update(tables)
    return chaos.Evidence(calls=calls, **defaults)  # type: ignore[arg-type]


def test_a_charge_answered_200_and_in_the_tables_passes_every_check() -> None:
    checks = chaos.judge(_evidence([_call("charge", 200, "c1")]))
    assert all(check.passed for check in checks), [c.problems for c in checks]


def test_a_charge_answered_200_that_is_not_in_the_tables_fails() -> None:
    checks = chaos.judge(_evidence([_call("charge", 200, "c1")], entries=[], wallets={}))
    assert not checks[0].passed
    assert "effect is not in the tables" in checks[0].problems[0]


def test_a_503_that_took_effect_fails_and_one_that_did_not_passes() -> None:
    applied = chaos.judge(_evidence([_call("charge", 503, "c1")]))
    assert not applied[1].passed
    assert "answered 503 but took effect" in applied[1].problems[0]
    refused = chaos.judge(
        _evidence(
            [_call("charge", 503, "c1")],
            outcomes={"cmd-1": {"command_id": "cmd-1", "outcome": "WITHDRAWN"}},
            entries=[],
            wallets={},
        )
    )
    assert refused[1].passed


def test_a_keyed_503_retried_to_a_200_is_judged_as_one_command() -> None:
    calls = [
        _call("charge", 503, "c1", logical="k", attempt=1, key="key"),
        _call("charge", 200, "c2", logical="k", attempt=2, key="key"),
    ]
    checks = chaos.judge(_evidence(calls))
    assert checks[0].passed and checks[1].passed


def test_a_202_whose_location_never_reads_final_fails() -> None:
    call = _call("charge", 202, "c9", key="key", answer={"charge_id": "ch-9", "status": "PENDING"})
    checks = chaos.judge(_evidence([call], last_reads={"c9": "404 NOT_FOUND"}))
    assert not checks[0].passed
    assert "never read a final outcome" in checks[0].problems[0]
    assert "not in the log" in checks[0].problems[0]


def test_a_balance_that_is_not_its_entries_fails() -> None:
    checks = chaos.judge(_evidence([_call("charge", 200, "c1")], wallets={"u1": {"user_id": "u1", "balance": 200, "in_flight": 0}}))
    assert not checks[2].passed


def test_a_seat_confirmed_twice_fails() -> None:
    reservations = {
        rid: {"reservation_id": rid, "schedule_id": "s", "seat_number": 7, "status": "CONFIRMED", "user_id": "u1", "price": 50}
        for rid in ("r1", "r2")
    }
    seats = [{"schedule_id": "s", "seat_number": 7, "status": "SOLD", "reservation_id": "r1"}]
    checks = chaos.judge(_evidence([], reservations=reservations, seat_rows=seats, entries=[], wallets={}))
    assert not checks[3].passed
    assert "CONFIRMED 2 times" in checks[3].problems[0]


def test_requests_are_found_by_correlation_and_a_withdrawal_stands_in_for_a_missing_request() -> None:
    request = {"event_id": "cmd-1", "event_type": "BalanceChargeRequested", "correlation_id": "c1", "causation_id": None, "data": {"charge_id": "ch-1"}}
    follow_up = {"event_id": "f-1", "event_type": "PaymentDebitRequested", "correlation_id": "c1", "causation_id": "cmd-1", "data": {}}
    withdrawal = {
        "event_id": "w-1",
        "event_type": "ReservationRequestWithdrawn",
        "correlation_id": "c2",
        "causation_id": "cmd-2",
        "data": {"command_id": "cmd-2", "request": {"correlation_id": "c2", "data": {"reservation_id": "r-2"}}},
    }
    found = chaos.requests_by_correlation([{"envelope": e} for e in (request, follow_up, withdrawal)])
    assert found["c1"]["event_id"] == "cmd-1"
    assert found["c2"] == {"event_id": "cmd-2", "data": {"reservation_id": "r-2"}, "withdrawn": True}

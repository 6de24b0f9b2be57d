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
        assert pid_is(first, "sleep")

        # Paused is not gone: no restart while it is stopped.
        os.kill(first, signal.SIGSTOP)
        time.sleep(1.5)
        assert int(pidfile.read_text()) == first
        os.kill(first, signal.SIGCONT)

        os.kill(first, signal.SIGKILL)
        _wait(lambda: pidfile.read_text().strip() not in ("", str(first)))
        second = int(pidfile.read_text())
        assert pid_is(second, "sleep")
        exits = Path(f"{pidfile}.exits").read_text().splitlines()
        assert len(exits) == 1 and " sleeper exit 137 " in exits[0]

        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=10) == 0
        _wait(lambda: not pid_is(second, "sleep"))
        assert not pidfile.exists()
    finally:
        if supervisor.poll() is None:
            supervisor.kill()

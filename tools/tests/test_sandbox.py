"""The throw-away stack's pure parts; starting real services is left to
`make test` (dashboards check, short load run)."""

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ticketfold_tools import ROOT
from ticketfold_tools import sandbox
from ticketfold_tools.sandbox import Sandbox


def test_database_url_swaps_only_the_database() -> None:
    assert sandbox.database_url("postgres://postgres@127.0.0.1:5432/postgres", "tf_test_ab") == (
        "postgres://postgres@127.0.0.1:5432/tf_test_ab"
    )
    assert sandbox.database_url("postgres://u:secret@db:6432/app?sslmode=disable", "tf_test_ab") == (
        "postgres://u:secret@db:6432/tf_test_ab?sslmode=disable"
    )
    assert sandbox.database_url("postgres://db", "x") == "postgres://db/x"


def test_free_port_can_be_bound() -> None:
    port = sandbox.free_port()
    assert 1024 <= port <= 65535
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()


def test_free_port_skips_a_port_in_use() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        assert all(sandbox.free_port() != taken for _ in range(20))


def test_log_tail(tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    log.write_text("".join(f"line {n}\n" for n in range(1, 51)))
    assert sandbox.log_tail(log, 3) == "line 48\nline 49\nline 50"
    assert sandbox.log_tail(log).splitlines()[0] == "line 21"
    assert sandbox.log_tail(tmp_path / "never-written.log") == ""


def test_parse_overrides() -> None:
    assert sandbox.parse_overrides(["CACHE_STRATEGY=naive", "DSN=a=b", "EMPTY="]) == {
        "CACHE_STRATEGY": "naive",
        "DSN": "a=b",
        "EMPTY": "",
    }
    assert sandbox.parse_overrides([]) == {}
    with pytest.raises(ValueError):
        sandbox.parse_overrides(["NO_VALUE"])


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_pid_is_checks_the_program_and_not_a_zombie() -> None:
    child = subprocess.Popen(["sleep", "30"])
    try:
        assert sandbox.pid_is(child.pid, "sleep")
        assert not sandbox.pid_is(child.pid, "projector")
        child.kill()
        # Killed but not reaped: a zombie is not the service any more.
        for _ in range(100):
            if not sandbox.pid_is(child.pid, "sleep"):
                break
            threading.Event().wait(0.02)
        assert not sandbox.pid_is(child.pid, "sleep")
    finally:
        child.kill()
        child.wait()
    assert not sandbox.pid_is(child.pid, "sleep")


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/readyz" else 503)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_http_status(server: str) -> None:
    assert sandbox.http_status(server + "/readyz") == 200
    assert sandbox.http_status(server + "/other") == 503
    assert sandbox.http_status(f"http://127.0.0.1:{sandbox.free_port()}/readyz", timeout=0.5) == 0


def _fake_build(folder: Path, mtime: float, services: tuple[str, ...] = sandbox.SERVICES) -> None:
    folder.mkdir(parents=True)
    for name in services:
        binary = folder / name
        binary.write_text("")
        os.utime(binary, (mtime, mtime))


def test_default_bin_dir_takes_the_newer_complete_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "ROOT", tmp_path)
    _fake_build(tmp_path / "target" / "release", 1000)
    _fake_build(tmp_path / "target" / "debug", 2000)
    assert sandbox.default_bin_dir() == tmp_path / "target" / "debug"
    os.utime(tmp_path / "target" / "debug" / "projector", (500, 500))
    assert sandbox.default_bin_dir() == tmp_path / "target" / "release", "the oldest binary dates a build"


def test_default_bin_dir_ignores_incomplete_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "ROOT", tmp_path)
    _fake_build(tmp_path / "target" / "debug", 2000, services=("projector", "command-api"))
    with pytest.raises(SystemExit, match="no built binaries"):
        sandbox.default_bin_dir()
    _fake_build(tmp_path / "target" / "release", 1000)
    assert sandbox.default_bin_dir() == tmp_path / "target" / "release"


STATE = {
    "bin_dir": "/bin",
    "database_server": "postgres://postgres@127.0.0.1:5432/postgres",
    "database": "tf_test_ab",
    "redis_url": "redis://127.0.0.1:6379",
    "redis_key_prefix": "tab:",
    "topic_prefix": "tab.",
    "admin_key": "k3y",
    "ports": {"projector": 41001, "command-api": 41002, "query-api": 41003},
    "overrides": {},
    "pids": {},
}


def test_exports_from_a_saved_state(tmp_path: Path) -> None:
    (tmp_path / "sandbox.json").write_text(json.dumps(STATE))
    stack = Sandbox(tmp_path).load()
    assert stack.url("query-api") == "http://127.0.0.1:41003"
    assert stack.exports() == {
        "COMMAND_API_URL": "http://127.0.0.1:41002",
        "QUERY_API_URL": "http://127.0.0.1:41003",
        "PROJECTOR_URL": "http://127.0.0.1:41001",
        "ADMIN_KEY": "k3y",
        "REDIS_URL": "redis://127.0.0.1:6379",
        "REDIS_KEY_PREFIX": "tab:",
        "SANDBOX_DATABASE": "tf_test_ab",
    }


def test_down_before_anything_started_only_clears_the_state(tmp_path: Path) -> None:
    stack = Sandbox(tmp_path)
    stack.down()
    assert json.loads((tmp_path / "sandbox.json").read_text()) == {"pids": {}}


def test_up_needs_the_test_broker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_KAFKA_BROKERS", raising=False)
    with pytest.raises(SystemExit, match="TEST_KAFKA_BROKERS is not set"):
        Sandbox(tmp_path / "stack").up(tmp_path)
    assert (tmp_path / "stack").is_dir()


def test_the_entry_point_cleans_up_after_a_failed_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TEST_KAFKA_BROKERS"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "load" / "sandbox.py"), "up", "--dir", str(tmp_path), "--bin-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 1
    assert "error: TEST_KAFKA_BROKERS is not set" in done.stderr
    assert done.stdout == ""
    assert json.loads((tmp_path / "sandbox.json").read_text()) == {"pids": {}}

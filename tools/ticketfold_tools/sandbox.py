"""A throw-away ticketfold stack for checks that need a running system.

The three services run from already built binaries on free ports, with
their own database (tf_test_<hex>), topics (TOPIC_PREFIX t<hex>.) and Redis
keys (REDIS_KEY_PREFIX t<hex>:), so they run beside `make up` and beside
the cargo tests, the same way the integration tests isolate themselves.

    load/sandbox.py up --dir DIR [--bin-dir DIR] [--env NAME=VALUE]... [--supervise] [--brokers HOST:PORT]
    load/sandbox.py down --dir DIR

`up` prints shell assignments (COMMAND_API_URL=..., ADMIN_KEY=..., ...) and
keeps its state in DIR/sandbox.json; `down` stops the services and drops
the database and the Redis keys. Topics stay: the test broker is in-memory
and thrown away, and deleting topics on tansu's sqlite storage deletes all.

With --supervise each service runs under scripts/supervise.sh, as in
`make up`: killed or crashed, it is started again (1 s back-off, doubling
while it keeps failing). DIR/<service>.pid then holds the service's own pid,
rewritten at each restart, and sandbox.json the supervisors'. The chaos
suite (ticketfold_tools.chaos) kills services this way.

Standard library only; psql and redis-cli are used for the clean-up.
"""

import argparse
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import TypedDict

from ticketfold_tools import ROOT

SERVICES = ("projector", "command-api", "query-api")
ADDR_VARS = {
    "command-api": "COMMAND_API_ADDR",
    "query-api": "QUERY_API_ADDR",
    "projector": "PROJECTOR_ADDR",
}
READY_TIMEOUT = float(os.environ.get("SANDBOX_READY_TIMEOUT", "90"))


class SandboxState(TypedDict, total=False):
    """DIR/sandbox.json; empty until `up` got far enough to pick names, so
    that `down` after a failed start cleans up only what exists."""

    bin_dir: str
    database_server: str
    database: str
    redis_url: str
    redis_key_prefix: str
    topic_prefix: str
    admin_key: str
    ports: dict[str, int]
    overrides: dict[str, str]
    pids: dict[str, int]
    supervised: bool
    kafka_brokers: str


def free_port() -> int:
    """A port the kernel just handed out, so stacks run side by side; another
    process could take it before the service binds, a race accepted here."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def default_bin_dir() -> Path:
    """target/release or target/debug, whichever was built last (all three
    binaries present); a stale build would report on old code."""
    built = []
    for profile in ("release", "debug"):
        folder = ROOT / "target" / profile
        paths = [folder / name for name in SERVICES]
        if all(path.is_file() for path in paths):
            built.append((min(path.stat().st_mtime for path in paths), folder))
    if not built:
        raise SystemExit("error: no built binaries in target/release or target/debug; run 'make build'")
    return max(built)[1]


def http_status(url: str, timeout: float = 2.0) -> int:
    """0 when nothing answers, so a service still starting is not an error."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def database_url(server_url: str, name: str) -> str:
    """The server's URL with another database, so credentials and options
    given in TEST_DATABASE_URL carry over to the sandbox's database."""
    parts = urllib.parse.urlsplit(server_url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def log_tail(path: str | os.PathLike[str], lines: int = 30) -> str:
    """The end of a log for an error message; empty rather than a second
    error when the log was never written."""
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def pid_is(pid: int, program: str) -> bool:
    """True when pid is alive and still runs <program> (never signal a recycled pid)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
        if not argv0:
            # Right after exec the arguments are not set up yet; the
            # executable already is (cargo may have replaced the file since).
            argv0 = os.readlink(f"/proc/{pid}/exe").removesuffix(" (deleted)")
    except (OSError, IndexError):
        return False
    return os.path.basename(argv0) == program and state != "Z"


SUPERVISOR = ROOT / "scripts" / "supervise.sh"


def is_supervisor(pid: int) -> bool:
    """True when pid is alive and runs scripts/supervise.sh (argv: bash, the script)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, IndexError):
        return False
    return len(argv) > 1 and os.path.basename(argv[1].decode(errors="replace")) == SUPERVISOR.name and state != "Z"


def parse_overrides(items: Iterable[str]) -> dict[str, str]:
    """--env NAME=VALUE arguments; the value may itself contain '='."""
    overrides = {}
    for item in items:
        name, value = item.split("=", 1)
        overrides[name] = value
    return overrides


class Sandbox:
    """One isolated stack; its state lives in <dir>/sandbox.json."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.dir = Path(folder).resolve()
        self.state_file = self.dir / "sandbox.json"
        self.state: SandboxState = {}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        # The services' environment, as `up` gave it (for the projector's
        # subcommands run against this stack).
        self.env: dict[str, str] = {}

    def child_pidfile(self, svc: str) -> Path:
        """Where a supervised service's own pid is (rewritten at each restart)."""
        return self.dir / f"{svc}.pid"

    def child_pid(self, svc: str) -> int | None:
        """The service's own pid: its supervisor's child, or the process `up` started."""
        if not self.state.get("supervised"):
            return self.state.get("pids", {}).get(svc)
        try:
            pid = int(self.child_pidfile(svc).read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return pid if pid_is(pid, svc) else None

    def exits(self, svc: str) -> list[str]:
        """The exits its supervisor noted ("<epoch> <svc> exit <status> after <s>s")."""
        try:
            return Path(f"{self.child_pidfile(svc)}.exits").read_text().splitlines()
        except OSError:
            return []

    # -- start --------------------------------------------------------------

    def up(
        self,
        bin_dir: str | os.PathLike[str] | None = None,
        overrides: dict[str, str] | None = None,
        supervise: bool = False,
        brokers: str | None = None,
    ) -> "Sandbox":
        """Starts the stack; `brokers` defaults to TEST_KAFKA_BROKERS."""
        self.dir.mkdir(parents=True, exist_ok=True)
        binaries = Path(bin_dir).resolve() if bin_dir else default_bin_dir()
        tag = secrets.token_hex(16)
        brokers = brokers or os.environ.get("TEST_KAFKA_BROKERS")
        if not brokers:
            raise SystemExit("error: TEST_KAFKA_BROKERS is not set (scripts/test.sh starts the test broker)")
        server = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        ports = {svc: free_port() for svc in SERVICES}
        env = dict(os.environ)
        env.update(
            {
                "DATABASE_URL": database_url(server, f"tf_test_{tag}"),
                "REDIS_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379"),
                "KAFKA_BROKERS": brokers,
                "TOPIC_PREFIX": f"t{tag}.",
                "REDIS_KEY_PREFIX": f"t{tag}:",
                "QUEUE_TOKEN_SECRET": secrets.token_hex(32),
                "ADMIN_KEY": secrets.token_hex(16),
                "RUST_LOG": os.environ.get("TEST_LOG", "warn"),
                "NO_COLOR": "1",
            }
        )
        for svc, port in ports.items():
            env[ADDR_VARS[svc]] = f"127.0.0.1:{port}"
        # command-api's Location headers name this stack's query-api.
        env["PUBLIC_QUERY_URL"] = f"http://127.0.0.1:{ports['query-api']}"
        env.update(overrides or {})
        self.state = {
            "bin_dir": str(binaries),
            "database_server": server,
            "database": f"tf_test_{tag}",
            "redis_url": env["REDIS_URL"],
            "redis_key_prefix": env["REDIS_KEY_PREFIX"],
            "topic_prefix": env["TOPIC_PREFIX"],
            "admin_key": env["ADMIN_KEY"],
            "ports": ports,
            "overrides": overrides or {},
            "pids": {},
            "supervised": supervise,
            "kafka_brokers": brokers,
        }
        self.env = env
        self._save()

        setup_log = self.dir / "projector-setup.log"
        with open(setup_log, "wb") as log:
            done = subprocess.run(
                [str(binaries / "projector"), "setup"], env=env, stdout=log, stderr=subprocess.STDOUT, check=False
            )
        if done.returncode != 0:
            raise SystemExit(f"error: projector setup failed:\n{log_tail(setup_log)}")

        for svc in SERVICES:
            args = [str(binaries / svc)] + (["run"] if svc == "projector" else [])
            if supervise:
                self.child_pidfile(svc).unlink(missing_ok=True)
                Path(f"{self.child_pidfile(svc)}.exits").unlink(missing_ok=True)
                args = [str(SUPERVISOR), svc, str(self.child_pidfile(svc)), "--", *args]
            with open(self.dir / f"{svc}.log", "ab") as log:
                process = subprocess.Popen(
                    args, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            self.processes[svc] = process
            self.state["pids"][svc] = process.pid
            self._save()
        self._wait_ready()
        return self

    def _alive(self, svc: str) -> bool:
        process = self.processes.get(svc)
        if process is not None:
            return process.poll() is None
        pid = self.state.get("pids", {}).get(svc)
        if not pid:
            return False
        return is_supervisor(pid) if self.state.get("supervised") else pid_is(pid, svc)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        pending = list(SERVICES)
        while pending:
            for svc in list(pending):
                if self.exits(svc):
                    raise SystemExit(
                        f"error: {svc} exited during start-up ({self.exits(svc)[-1]}), "
                        f"log {self.dir / f'{svc}.log'}:\n{log_tail(self.dir / f'{svc}.log')}"
                    )
                if not self._alive(svc):
                    process = self.processes.get(svc)
                    code = process.poll() if process else None
                    raise SystemExit(
                        f"error: {svc} exited during start-up (exit status {code}; negative: killed by that signal), "
                        f"log {self.dir / f'{svc}.log'}:\n{log_tail(self.dir / f'{svc}.log')}"
                    )
                if http_status(self.url(svc) + "/readyz") == 200:
                    pending.remove(svc)
            if pending and time.monotonic() > deadline:
                svc = pending[0]
                raise SystemExit(f"error: {svc} not ready after {READY_TIMEOUT:.0f}s:\n{log_tail(self.dir / f'{svc}.log')}")
            if pending:
                time.sleep(0.3)

    # -- what callers need ---------------------------------------------------

    def url(self, svc: str) -> str:
        return f"http://127.0.0.1:{self.state['ports'][svc]}"

    def exports(self) -> dict[str, str]:
        """What a caller needs to reach the stack (printed as shell assignments)."""
        return {
            "COMMAND_API_URL": self.url("command-api"),
            "QUERY_API_URL": self.url("query-api"),
            "PROJECTOR_URL": self.url("projector"),
            "ADMIN_KEY": self.state["admin_key"],
            "REDIS_URL": self.state["redis_url"],
            "REDIS_KEY_PREFIX": self.state["redis_key_prefix"],
            "SANDBOX_DATABASE": self.state["database"],
        }

    # -- stop ----------------------------------------------------------------

    def load(self) -> "Sandbox":
        """The state `up` left, for a `down` in another process."""
        self.state = json.loads(self.state_file.read_text())
        return self

    def down(self) -> None:
        # command-api first, so nothing new is appended while the projector stops.
        for svc in ("command-api", "query-api", "projector"):
            pid = self.state.get("pids", {}).get(svc)
            if pid and self._alive(svc):
                os.kill(pid, signal.SIGTERM)
        # A supervisor gives its service 20 s after SIGTERM.
        deadline = time.monotonic() + (30 if self.state.get("supervised") else 20)
        for svc, pid in self.state.get("pids", {}).items():
            while self._alive(svc) and time.monotonic() < deadline:
                time.sleep(0.2)
            if self._alive(svc):
                os.kill(pid, signal.SIGKILL)
            if self.state.get("supervised"):
                # A supervisor killed before it could stop its service.
                child = self.child_pid(svc)
                if child is not None:
                    os.kill(child, signal.SIGKILL)
            process = self.processes.get(svc)
            if process is not None:
                process.wait()
        self._drop_database()
        self._drop_redis_keys()
        self.state["pids"] = {}
        self._save()

    def _drop_database(self) -> None:
        name = self.state.get("database")
        if not name:
            return
        subprocess.run(
            ["psql", self.state["database_server"], "-qAtc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )

    def _drop_redis_keys(self) -> None:
        prefix = self.state.get("redis_key_prefix")
        if not prefix:
            return
        cli = ["redis-cli", "-u", self.state["redis_url"]]
        found = subprocess.run(cli + ["--scan", "--pattern", prefix + "*"], capture_output=True, text=True, check=False)
        keys = found.stdout.split()
        for start in range(0, len(keys), 500):
            subprocess.run(cli + ["UNLINK"] + keys[start : start + 500], capture_output=True, check=False)

    def _save(self) -> None:
        self.state_file.write_text(json.dumps(self.state, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument("--dir", required=True, help="where the logs and the state live")
    parser.add_argument("--bin-dir", help="folder with the three binaries (default: the newer of target/release and target/debug)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="extra service setting")
    parser.add_argument("--supervise", action="store_true", help="restart a service that exits (scripts/supervise.sh)")
    parser.add_argument("--brokers", help="Kafka bootstrap servers (default: TEST_KAFKA_BROKERS)")
    args = parser.parse_args()
    sandbox = Sandbox(args.dir)
    if args.action == "up":
        overrides = parse_overrides(args.env)
        try:
            sandbox.up(args.bin_dir, overrides, supervise=args.supervise, brokers=args.brokers)
        except BaseException:
            sandbox.down()
            raise
        for name, value in sandbox.exports().items():
            print(f"{name}={shlex.quote(value)}")
    else:
        sandbox.load().down()


if __name__ == "__main__":
    main()

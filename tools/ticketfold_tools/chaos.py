"""Fault injection: faults under a running booking mix, then what must hold.

    python3 -m ticketfold_tools.chaos [--short] [--bin-dir DIR] [--dir DIR]
    (scripts/chaos.sh, `make chaos`; `make test` runs --short)

Starts its own tansu broker (sqlite storage in the run directory, so that a
killed broker comes back with its log) and a sandbox stack of the three
services, both under scripts/supervise.sh as `make up` runs them. Registers
a concert with schedules whose booking is open, and runs fans who join the
waiting room and charge, hold, release and pay, half of their commands with
an Idempotency-Key (retried with the same key after a 503 or no answer),
half without (never retried: a retry would be a new command). Every request
and its answer is recorded (calls.jsonl), each with its own
X-Correlation-Id, which the log's record carries.

Meanwhile, one after another: SIGKILL and SIGSTOP (a few seconds, then
SIGCONT) of the projector, command-api, query-api and the broker; the
stack's own Redis keys deleted (never FLUSHALL: Redis is shared); its
database's backends terminated. A killed process is started again by its
supervisor; the suite waits for it to answer before the next fault.

Then the fans stop, every 202's Location is followed to a final outcome,
the projector is let catch up with the log, and the checks run:

1. every command answered 2xx or 409 is reflected in the tables (its
   outcome row, and its effect: the hold, the wallet entry, the payment);
2. no command answered 503 took effect (no ACCEPTED outcome, no effect row);
   a 202's Location reads a final outcome, matching the outcome row;
3. each balance equals the sum of its wallet entries, and each payer's net
   debits equal the prices of the seats confirmed to them;
4. no seat is sold (CONFIRMED) twice, and the seat map's SOLD seats are
   exactly the confirmed reservations;
5. `projector replay` of the log from offset 0 has the checksum of the live
   tables (`projector checksum`);
6. the read model (balances, reservations and seat maps, read through
   query-api) equals the tables.

Each check passes or fails with its figures in DIR/report.md (and
report.json); the exit status is 1 when any fails. Standard library only;
psql and redis-cli do the database and Redis work.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ticketfold_tools import ROOT
from ticketfold_tools.sandbox import Sandbox, database_url, free_port, http_status, log_tail

JSON = Any
SERVICES = ("projector", "command-api", "query-api")
# HTTP statuses that answer a command with a final decision.
FINAL = {200, 201, 409}
REQUEST_TIMEOUT = 20.0


# -- the plan ------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """One fault: `kill` (SIGKILL), `stop` (SIGSTOP for `seconds`, then
    SIGCONT) of a target, `redis` (the stack's keys deleted) or `postgres`
    (its database's backends terminated)."""

    action: str
    target: str = ""
    seconds: float = 0.0

    @property
    def label(self) -> str:
        if self.action == "kill":
            return f"SIGKILL {self.target}"
        if self.action == "stop":
            return f"SIGSTOP {self.target} {self.seconds:g}s"
        if self.action == "redis":
            return "delete the stack's Redis keys"
        return "terminate the database's Postgres backends"


def full_plan() -> list[Fault]:
    """Every fault the issue names, each process killed and paused once."""
    plan: list[Fault] = []
    for target in ("projector", "command-api", "query-api", "broker"):
        plan += [Fault("kill", target), Fault("stop", target, 4.0)]
    return plan + [Fault("redis"), Fault("postgres")]


def short_plan() -> list[Fault]:
    """`make test`'s few: a crash of the writer, a paused broker, a crash
    of the API, a Redis flush and dropped database connections."""
    return [
        Fault("kill", "projector"),
        Fault("stop", "broker", 4.0),
        Fault("kill", "command-api"),
        Fault("redis"),
        Fault("postgres"),
    ]


# -- HTTP ------------------------------------------------------------------------


@dataclass
class Answer:
    status: int | None  # None: no answer (refused, reset, timed out)
    body: JSON = None
    location: str | None = None
    error: str = ""


def http_call(method: str, url: str, headers: dict[str, str], body: JSON = None, timeout: float = REQUEST_TIMEOUT) -> Answer:
    """One request on a fresh connection (a killed server leaves no pooled
    connection behind to fail the next request)."""
    parts = urllib.parse.urlsplit(url)
    data = None if body is None else json.dumps(body).encode()
    sent = dict(headers)
    if data is not None:
        sent["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        try:
            parsed: JSON = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return Answer(response.status, parsed, response.getheader("Location"))
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, error=f"{type(error).__name__}: {error}")
    finally:
        connection.close()


# -- what is recorded ----------------------------------------------------------------


@dataclass
class Call:
    """One request of a command and its answer."""

    seq: int
    fan: int
    user: str
    kind: str  # charge | hold | release | pay | token
    logical: str  # shared by the attempts of one keyed command
    attempt: int
    key: str | None
    correlation_id: str
    method: str
    path: str
    body: JSON
    started: float
    elapsed: float
    status: int | None
    answer: JSON
    location: str | None
    error: str

    @property
    def code(self) -> str:
        return str(self.answer.get("code", "")) if isinstance(self.answer, dict) else ""


class Recorder:
    """Every call, in memory and appended to calls.jsonl as it is answered."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.calls: list[Call] = []
        self.lock = threading.Lock()
        self.file = open(path, "a", encoding="utf-8")

    def add(self, call: Call) -> None:
        with self.lock:
            call.seq = len(self.calls)
            self.calls.append(call)
            self.file.write(json.dumps(asdict(call)) + "\n")
            self.file.flush()

    def close(self) -> None:
        self.file.close()


# -- the fans ------------------------------------------------------------------------


@dataclass
class Catalog:
    concert_id: str
    schedules: dict[str, dict[int, int]]  # schedule -> seat -> price


class Fan(threading.Thread):
    """One user booking in one schedule's room until told to stop."""

    def __init__(self, index: int, stack: Sandbox, catalog: Catalog, schedule: str, recorder: Recorder, stop: threading.Event, seed: int) -> None:
        super().__init__(name=f"fan-{index}", daemon=True)
        self.index = index
        self.user = str(uuid.uuid4())
        self.command_url = stack.url("command-api")
        self.query_url = stack.url("query-api")
        self.catalog = catalog
        self.schedule = schedule
        self.recorder = recorder
        self.stop_event = stop
        self.random = random.Random(seed)
        self.token: str | None = None
        self.holds: list[str] = []  # reservations this fan believes held
        self.balance_hint = 0
        # Seats refused SEAT_UNAVAILABLE lately: tried again only after 20 s
        # (a hold lapses, a sold seat stays sold), so a sold-out schedule is
        # not hammered with holds that can only be refused.
        self.taken: dict[int, float] = {}

    # One request, recorded.
    def call(self, kind: str, method: str, url: str, body: JSON, logical: str, attempt: int, key: str | None) -> Call:
        correlation = str(uuid.uuid4())
        headers = {"X-User-Id": self.user, "X-Correlation-Id": correlation}
        if key:
            headers["Idempotency-Key"] = key
        if self.token and kind in ("hold", "release", "pay"):
            headers["X-Queue-Token"] = self.token
        started = time.time()
        answer = http_call(method, url, headers, body)
        call = Call(
            seq=0,
            fan=self.index,
            user=self.user,
            kind=kind,
            logical=logical,
            attempt=attempt,
            key=key,
            correlation_id=correlation,
            method=method,
            path=urllib.parse.urlsplit(url).path,
            body=body,
            started=started,
            elapsed=time.time() - started,
            status=answer.status,
            answer=answer.body,
            location=answer.location,
            error=answer.error,
        )
        self.recorder.add(call)
        return call

    def command(self, kind: str, method: str, path: str, body: JSON, keyed: bool) -> Call:
        """A command; keyed ones are retried with the same key and body after
        a 503 or no answer (up to three attempts), as a careful client does."""
        logical = str(uuid.uuid4())
        key = str(uuid.uuid4()) if keyed else None
        attempts = 3 if keyed else 1
        call = self.call(kind, method, self.command_url + path, body, logical, 1, key)
        for attempt in range(2, attempts + 1):
            if call.status not in (None, 503) or self.stop_event.is_set():
                break
            time.sleep(1.0)
            call = self.call(kind, method, self.command_url + path, body, logical, attempt, key)
        if call.status in (401, 403) and call.code.startswith(("QUEUE_TOKEN", "FORBIDDEN")):
            self.token = None
        return call

    def ensure_token(self) -> bool:
        """An ACTIVE token for the schedule's room (joins and polls)."""
        if self.token:
            return True
        joined = self.call("token", "POST", f"{self.command_url}/v1/queue/tokens", {"schedule_id": self.schedule}, str(uuid.uuid4()), 1, None)
        if joined.status not in (200, 201) or not isinstance(joined.answer, dict):
            return False
        token = str(joined.answer.get("token", ""))
        status = joined.answer.get("status")
        deadline = time.monotonic() + 20
        while status != "ACTIVE" and time.monotonic() < deadline and not self.stop_event.is_set():
            time.sleep(0.5)
            read = http_call("GET", f"{self.query_url}/v1/queue/tokens/current", {"X-User-Id": self.user, "X-Queue-Token": token})
            if read.status == 200 and isinstance(read.body, dict):
                status = read.body.get("status")
                if status == "EXPIRED":
                    return False
            elif read.status in (401, 403):
                return False
        if status == "ACTIVE":
            self.token = token
            return True
        return False

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.step()
            except Exception as error:  # a fan never dies of one odd answer
                print(f"chaos: fan {self.index}: {type(error).__name__}: {error}", file=sys.stderr)
                time.sleep(0.5)
            time.sleep(self.random.uniform(0.05, 0.3))

    def step(self) -> None:
        keyed = self.random.random() < 0.5
        seats = self.catalog.schedules[self.schedule]
        if self.balance_hint < 150_000 or self.random.random() < 0.15:
            amount = self.random.choice((50_000, 100_000, 200_000))
            call = self.command("charge", "POST", "/v1/balance/charges", {"amount": amount}, keyed)
            if call.status in (200, 202):
                self.balance_hint += amount
            return
        if not self.ensure_token():
            time.sleep(0.5)
            return
        roll = self.random.random()
        if self.holds and roll < 0.45:
            reservation = self.holds.pop(self.random.randrange(len(self.holds)))
            call = self.command("pay", "POST", "/v1/payments", {"reservation_id": reservation}, keyed)
            if call.status == 201:
                self.token = None  # a completed payment ends the fan's turn
                if isinstance(call.answer, dict):
                    self.balance_hint = int(call.answer.get("balance", self.balance_hint))
            return
        if self.holds and roll < 0.65:
            reservation = self.holds.pop(self.random.randrange(len(self.holds)))
            # DELETE takes no Idempotency-Key: never retried here.
            self.command("release", "DELETE", f"/v1/reservations/{reservation}", None, False)
            return
        now = time.monotonic()
        free = [n for n in sorted(seats) if now - self.taken.get(n, -1e9) > 20]
        if not free:
            time.sleep(0.5)
            return
        seat = self.random.choice(free)
        call = self.command("hold", "POST", "/v1/reservations", {"schedule_id": self.schedule, "seat_number": seat}, keyed)
        if call.status == 409 and call.code == "SEAT_UNAVAILABLE":
            self.taken[seat] = now
        if call.status in (201, 202) and isinstance(call.answer, dict) and call.answer.get("reservation_id"):
            self.holds.append(str(call.answer["reservation_id"]))


# -- the stack's own broker ---------------------------------------------------------


class Broker:
    """A supervised tansu on a free port, its sqlite log in <dir>."""

    def __init__(self, folder: Path) -> None:
        self.dir = folder
        self.port = free_port()
        self.name = "chaos"

    def _script(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, BROKER_RUN_DIR=str(self.dir))
        return subprocess.run([str(ROOT / "scripts" / "broker.sh"), *args], env=env, capture_output=True, text=True, check=False)

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        done = self._script("start", self.name, str(self.port), "sqlite://tansu.db", "--supervise")
        if done.returncode != 0:
            raise SystemExit(f"error: the chaos broker did not start:\n{done.stdout}{done.stderr}")

    def stop(self) -> None:
        self._script("stop", self.name)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def pid(self) -> int | None:
        try:
            pid = int((self.dir / f"broker-{self.name}.pid").read_text().split()[0])
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError, IndexError):
            return None

    def exits(self) -> list[str]:
        try:
            return (self.dir / f"broker-{self.name}.pid.exits").read_text().splitlines()
        except OSError:
            return []


# -- the suite -----------------------------------------------------------------------


def now_iso(offset_seconds: float = 0.0) -> str:
    moment = datetime.now(timezone.utc) + timedelta(seconds=offset_seconds)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class FaultRun:
    label: str
    started: float
    ended: float = 0.0
    recovered_seconds: float | None = None
    detail: str = ""


@dataclass
class Check:
    name: str
    passed: bool
    figures: str
    problems: list[str] = field(default_factory=list)


def requests_by_correlation(records: list[JSON]) -> dict[str, JSON]:
    """The log's user requests by their correlation id (the caller's
    X-Correlation-Id). A request withdrawn before it reached the log (a
    `...Withdrawn` record whose data names the command and carries the
    request, as command-api appends when an append's outcome stayed
    unknown) stands for its request when the request itself is not there:
    its command id is the withdrawn one."""
    found: dict[str, JSON] = {}
    withdrawn: dict[str, JSON] = {}
    for record in records:
        env = record.get("envelope") or {}
        data = env.get("data") or {}
        request = data.get("request") if isinstance(data, dict) else None
        if str(env.get("event_type", "")).endswith("Withdrawn") and isinstance(request, dict) and data.get("command_id"):
            if request.get("correlation_id"):
                withdrawn.setdefault(
                    str(request["correlation_id"]),
                    {"event_id": data["command_id"], "data": request.get("data") or {}, "withdrawn": True},
                )
        elif env.get("causation_id") is None and env.get("correlation_id"):
            found.setdefault(str(env["correlation_id"]), env)
    for correlation, stand_in in withdrawn.items():
        found.setdefault(correlation, stand_in)
    return found


@dataclass
class Evidence:
    """What the checks read: the command requests, the log's user requests
    by correlation id, the tables (rows as JSON objects, keyed by id), and
    what following the 202s found."""

    calls: list[Call]
    by_corr: dict[str, JSON]
    outcomes: dict[Any, JSON]
    reservations: dict[Any, JSON]
    payments: dict[Any, JSON]
    entries: list[JSON]
    wallets: dict[Any, JSON]
    seat_rows: list[JSON]
    finals: dict[str, JSON]
    last_reads: dict[str, str]
    faults: list[FaultRun]


def judge(e: Evidence) -> list[Check]:
    """The checks that need only the calls, the log and the tables: every
    2xx/409 reflected, no 503 took effect, money adds up, no seat sold twice."""
    calls, by_corr, finals = e.calls, e.by_corr, e.finals
    outcomes, reservations, payments, entries = e.outcomes, e.reservations, e.payments, e.entries
    wallets, seat_rows = e.wallets, e.seat_rows
    charges = {row["reference_id"]: row for row in entries if row["kind"] == "CHARGE"}

    def envelope_of(group: list[Call]) -> JSON:
        for call in group:
            if call.correlation_id in by_corr:
                return by_corr[call.correlation_id]
        return None
    
    def effect(kind: str, env: JSON) -> str:
        """The command's effect in the tables, '' when none."""
        data = env.get("data") or {}
        if kind == "charge":
            row = charges.get(data.get("charge_id"))
            return f"CHARGE entry of {row['amount']}" if row else ""
        if kind == "hold":
            row = reservations.get(data.get("reservation_id"))
            return f"reservation {row['status']}" if row and row["status"] != "REJECTED" else ""
        if kind == "pay":
            row = payments.get(data.get("payment_id"))
            return "payment COMPLETED" if row and row["status"] == "COMPLETED" else ""
        return ""  # a release's effect is its ACCEPTED outcome
    
    groups: dict[str, list[Call]] = defaultdict(list)
    for call in calls:
        groups[call.logical].append(call)
    
    reflected = Check("every command answered 2xx or 409 is reflected", True, "")
    n_final = n_pending = 0
    for group in groups.values():
        last = group[-1]
        if last.status not in FINAL and last.status != 202:
            continue
        env = envelope_of(group)
        tag = f"{last.kind} {last.method} {last.path} -> {last.status} {last.code} (correlation {group[0].correlation_id}, key {last.key})"
        if last.status == 202:
            n_pending += 1
            final = finals.get(last.correlation_id)
            if final is None:
                where = "in the log" if env is not None else "not in the log"
                last_read = e.last_reads.get(last.correlation_id, "?")
                reflected.problems.append(
                    f"{tag}: its Location never read a final outcome (last read: HTTP {last_read}; "
                    f"the command is {where}; attempts: {', '.join(str(c.status) for c in group)})"
                )
                continue
        else:
            n_final += 1
        if env is None:
            reflected.problems.append(f"{tag}: no record of it in the log")
            continue
        outcome = outcomes.get(env["event_id"])
        if outcome is None:
            reflected.problems.append(f"{tag}: no command_outcomes row for command {env['event_id']}")
            continue
        if last.status == 202:
            final = finals[last.correlation_id]
            # A release's Location is its reservation: RELEASED when it was
            # accepted, the state that refused it otherwise.
            taken = ("RELEASED",) if last.kind == "release" else ("HELD", "EXPIRED", "RELEASED", "CONFIRMED", "COMPLETED")
            accepted = final.get("status") in taken
            if accepted != (outcome["outcome"] == "ACCEPTED"):
                reflected.problems.append(f"{tag}: Location reads {final.get('status')} but the outcome is {outcome['outcome']}")
            continue
        want = "ACCEPTED" if last.status != 409 else last.code
        if outcome["outcome"] != want:
            reflected.problems.append(f"{tag}: answered {want} but the outcome row says {outcome['outcome']}")
            continue
        found = effect(last.kind, env)
        if last.status != 409 and last.kind != "release" and not found:
            reflected.problems.append(f"{tag}: accepted but its effect is not in the tables")
        if last.status == 409 and found:
            reflected.problems.append(f"{tag}: refused but the tables show {found}")
        if last.kind == "release" and last.status == 200:
            row = reservations.get((env.get("data") or {}).get("reservation_id"))
            if not row or row["status"] != "RELEASED":
                reflected.problems.append(f"{tag}: released but the reservation reads {row and row['status']}")
        if last.kind == "charge" and last.status == 200:
            row = charges.get((env.get("data") or {}).get("charge_id"))
            if row and int(row["amount"]) != int(last.body["amount"]):
                reflected.problems.append(f"{tag}: charged {last.body['amount']} but the entry is {row['amount']}")
    reflected.passed = not reflected.problems
    reflected.figures = f"{n_final} answered 2xx/409 and {n_pending} answered 202 (followed to their final outcome), {len(reflected.problems)} not reflected"
    
    unavailable = Check("no command answered 503 took effect", True, "")
    n503 = in_log = 0
    no_answer: Counter[str] = Counter()
    logged_outcomes: Counter[str] = Counter()
    for group in groups.values():
        # A keyed command retried to a final answer is judged above: the
        # key makes its attempts one command.
        if group[-1].status in FINAL or group[-1].status == 202:
            continue
        for call in group:
            if call.status is None:
                env = by_corr.get(call.correlation_id)
                applied = env is not None and outcomes.get(env["event_id"], {}).get("outcome") == "ACCEPTED"
                no_answer["applied" if applied else "not applied"] += 1
                continue
            if call.status != 503:
                continue
            n503 += 1
            env = by_corr.get(call.correlation_id)
            if env is None:
                continue
            in_log += 1
            outcome = outcomes.get(env["event_id"], {}).get("outcome")
            logged_outcomes[str(outcome)] += 1
            found = effect(call.kind, env)
            if outcome == "ACCEPTED" or found:
                when = datetime.fromtimestamp(call.started, timezone.utc).strftime("%H:%M:%S")
                during = [f.label for f in e.faults if f.started - 5 <= call.started <= f.ended + 5]
                unavailable.problems.append(
                    f"{call.kind} {call.method} {call.path} at {when} (key {call.key}, correlation {call.correlation_id}) "
                    f"answered 503 but took effect: outcome {outcome}{', ' + found if found else ''}"
                    f"{' (during: ' + ', '.join(during) + ')' if during else ''}"
                )
    unavailable.passed = not unavailable.problems
    unavailable.figures = (
        f"{n503} answers 503 left final, {in_log} of them in the log anyway "
        f"(outcomes: {', '.join(f'{k} x{v}' for k, v in sorted(logged_outcomes.items())) or 'none'}), "
        f"{len(unavailable.problems)} took effect; "
        f"no answer at all: {no_answer['applied']} applied, {no_answer['not applied']} not (not judged)"
    )
    
    balances = Check("balances equal their entries; net debits equal the confirmed seats' prices", True, "")
    sums: dict[str, int] = defaultdict(int)
    debits: dict[str, int] = defaultdict(int)
    for row in entries:
        amount = abs(int(row["amount"]))
        sign = -1 if row["kind"] == "DEBIT" else 1
        sums[row["user_id"]] += sign * amount
        if row["kind"] != "CHARGE":
            debits[row["user_id"]] += -sign * amount
    for user, wallet in wallets.items():
        if int(wallet["balance"]) != sums.get(user, 0):
            balances.problems.append(f"user {user}: balance {wallet['balance']}, entries sum to {sums.get(user, 0)}")
        if int(wallet["in_flight"]) != 0:
            balances.problems.append(f"user {user}: {wallet['in_flight']} still in flight after settling")
    confirmed: dict[str, int] = defaultdict(int)
    for row in reservations.values():
        if row["status"] == "CONFIRMED":
            confirmed[row["user_id"]] += int(row["price"] or 0)
    for user in set(confirmed) | set(debits):
        if confirmed.get(user, 0) != debits.get(user, 0):
            balances.problems.append(f"user {user}: net debits {debits.get(user, 0)}, confirmed seats cost {confirmed.get(user, 0)}")
    open_payments = [p for p in payments.values() if p["status"] == "REQUESTED"]
    if open_payments:
        balances.problems.append(f"{len(open_payments)} payments still REQUESTED after settling")
    balances.passed = not balances.problems
    balances.figures = (
        f"{len(wallets)} wallets, {len(entries)} entries, {sum(debits.values())} KRW net debits for "
        f"{sum(1 for r in reservations.values() if r['status'] == 'CONFIRMED')} confirmed seats"
    )
    
    sold = Check("no seat sold twice", True, "")
    per_seat: Counter[tuple[str, int]] = Counter(
        (r["schedule_id"], int(r["seat_number"])) for r in reservations.values() if r["status"] == "CONFIRMED"
    )
    for seat, n in per_seat.items():
        if n > 1:
            sold.problems.append(f"schedule {seat[0]} seat {seat[1]} CONFIRMED {n} times")
    sold_seats = {(r["schedule_id"], int(r["seat_number"])): r for r in seat_rows if r["status"] == "SOLD"}
    if set(sold_seats) != set(per_seat):
        sold.problems.append(
            f"seats SOLD in schedule_seats ({len(sold_seats)}) are not the CONFIRMED reservations ({len(per_seat)}): "
            f"{sorted(set(sold_seats) ^ set(per_seat))[:5]}"
        )
    sold.passed = not sold.problems
    sold.figures = f"{len(per_seat)} seats sold of {len(seat_rows)}, {len(sold.problems)} problems"
    return [reflected, unavailable, balances, sold]


class Suite:
    def __init__(
        self, workdir: Path, plan: list[Fault], fans: int, gap: float, bin_dir: str | None, seats: int, follow_seconds: float
    ) -> None:
        self.dir = workdir
        # How long a 202's Location may take to read a final outcome.
        self.follow_seconds = follow_seconds
        self.plan = plan
        self.fan_count = fans
        self.gap = gap
        self.bin_dir = bin_dir
        self.seats = seats
        self.broker = Broker(workdir / "broker")
        self.stack = Sandbox(workdir / "stack")
        self.recorder = Recorder(workdir / "calls.jsonl")
        self.stop_fans = threading.Event()
        self.faults: list[FaultRun] = []
        self.notes: list[str] = []
        self.timings: dict[str, float] = {}
        # The last read of a Location that never showed a final outcome.
        self.last_reads: dict[str, str] = {}

    # -- helpers ----------------------------------------------------------------

    def env(self) -> dict[str, str]:
        return dict(self.stack.env)

    def psql(self, sql: str) -> str:
        done = subprocess.run(
            ["psql", self.env()["DATABASE_URL"], "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr.strip()}")
        return done.stdout.strip()

    def rows(self, sql: str) -> list[dict[str, Any]]:
        out = self.psql(f"SELECT coalesce(json_agg(row_set), '[]'::json) FROM ({sql}) AS row_set")
        result: list[dict[str, Any]] = json.loads(out)
        return result

    def projector(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        binary = Path(self.stack.state["bin_dir"]) / "projector"
        env = dict(self.env(), RUST_LOG="warn")
        return subprocess.run([str(binary), *args], env=env, capture_output=True, text=True, check=False, timeout=timeout)

    def redis(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["redis-cli", "-u", self.stack.state["redis_url"], *args], capture_output=True, text=True, check=False)

    def ready(self, target: str) -> bool:
        if target == "broker":
            return self.broker.pid() is not None and _port_open(self.broker.port)
        return http_status(self.stack.url(target) + "/readyz") == 200

    def pid_of(self, target: str) -> int | None:
        return self.broker.pid() if target == "broker" else self.stack.child_pid(target)

    def admin(self, path: str, body: JSON) -> JSON:
        headers = {"X-Admin-Key": self.stack.state["admin_key"], "Prefer": "wait=10"}
        for _ in range(10):
            answer = http_call("POST", self.stack.url("command-api") + path, headers, body, timeout=30)
            if answer.status == 201:
                return answer.body
            if answer.status == 202 and answer.location:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    read = http_call("GET", answer.location, {})
                    if read.status == 200 and (not isinstance(answer.body, dict) or "schedule_id" not in answer.body or any(
                        s.get("schedule_id") == answer.body["schedule_id"] for s in (read.body or [])
                    )):
                        return answer.body
                    time.sleep(1)
            time.sleep(1)
        raise SystemExit(f"error: set-up failed: POST {path}")

    # -- phases -------------------------------------------------------------------

    def start(self) -> None:
        began = time.monotonic()
        self.broker.start()
        overrides = {
            # One partition per topic but two for the busy ones; a 10 ms fetch
            # wait, as `make up` runs on two cores.
            "KAFKA_PARTITIONS_CATALOG": "1",
            "KAFKA_PARTITIONS_RESERVATIONS": "2",
            "KAFKA_PARTITIONS_WALLETS": "2",
            "KAFKA_FETCH_WAIT_MS": "10",
            # Fans are let in at once; holds lapse within the run.
            "QUEUE_ADMISSION": "fixed",
            "QUEUE_ADMIT_PER_SECOND": "1000",
            "QUEUE_ACTIVE_MAX": "10000",
            "HOLD_TTL_SECONDS": "15",
            "RUST_LOG": os.environ.get("CHAOS_LOG", "warn"),
        }
        self.stack.up(self.bin_dir, overrides, supervise=True, brokers=self.broker.address)
        self.timings["start"] = time.monotonic() - began

    def catalog(self) -> Catalog:
        concert = self.admin("/v1/admin/concerts", {"title": f"chaos {now_iso()}", "venue": "fault hall"})
        opens = now_iso(2)
        schedules: dict[str, dict[int, int]] = {}
        prices = (50_000, 70_000, 90_000, 120_000)
        for day in range(2):
            seats = [{"number": n, "price": prices[n % len(prices)]} for n in range(1, self.seats + 1)]
            body = {"starts_at": now_iso(86400 * (30 + day)), "booking_opens_at": opens, "seats": seats}
            added = self.admin(f"/v1/admin/concerts/{concert['concert_id']}/schedules", body)
            schedules[str(added["schedule_id"])] = {int(s["number"]): int(s["price"]) for s in seats}
        time.sleep(2.5)
        return Catalog(str(concert["concert_id"]), schedules)

    def inject(self, fault: Fault) -> FaultRun:
        run = FaultRun(fault.label, time.time())
        print(f"chaos: {fault.label}", flush=True)
        if fault.action in ("kill", "stop"):
            pid = self.pid_of(fault.target)
            if pid is None:
                run.detail = "no process to signal (it was not running)"
            elif fault.action == "kill":
                os.kill(pid, signal.SIGKILL)
                run.detail = f"pid {pid}"
                began = time.monotonic()
                deadline = began + 120
                while time.monotonic() < deadline:
                    new = self.pid_of(fault.target)
                    if new is not None and new != pid and self.ready(fault.target):
                        run.recovered_seconds = round(time.monotonic() - began, 1)
                        run.detail += f", restarted as pid {new}"
                        break
                    time.sleep(0.25)
                else:
                    run.detail += ", NOT restarted within 120 s"
            else:
                os.kill(pid, signal.SIGSTOP)
                time.sleep(fault.seconds)
                os.kill(pid, signal.SIGCONT)
                run.detail = f"pid {pid}"
        elif fault.action == "redis":
            prefix = self.stack.state["redis_key_prefix"]
            found = self.redis("--scan", "--pattern", prefix + "*")
            keys = [k for k in found.stdout.split() if k.startswith(prefix)]
            for start in range(0, len(keys), 500):
                self.redis("UNLINK", *keys[start : start + 500])
            run.detail = f"{len(keys)} keys under {prefix}"
        else:
            name = self.stack.state["database"]
            out = self.psql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            )
            run.detail = f"{out} backends of {name}"
        run.ended = time.time()
        return run

    def run_faults(self) -> None:
        time.sleep(self.gap)
        for fault in self.plan:
            self.faults.append(self.inject(fault))
            time.sleep(self.gap)

    def follow_pending(self, deadline: float) -> dict[str, JSON]:
        """Every 202's Location read until it shows a final outcome."""
        finals: dict[str, JSON] = {}
        pending = [c for c in self.recorder.calls if c.status == 202 and c.location]
        while pending and time.monotonic() < deadline:
            still = []
            for call in pending:
                read = http_call("GET", str(call.location), {"X-User-Id": call.user})
                status = read.body.get("status") if read.status == 200 and isinstance(read.body, dict) else None
                if status and status != "PENDING":
                    finals[call.correlation_id] = read.body
                else:
                    code = read.body.get("code", "") if isinstance(read.body, dict) else ""
                    self.last_reads[call.correlation_id] = f"{read.status} {status or code}".strip()
                    still.append(call)
            pending = still
            if pending:
                time.sleep(1)
        return finals

    def export(self, name: str) -> list[JSON]:
        out = self.dir / name
        done = self.projector("export", "--out", str(out))
        if done.returncode != 0:
            raise RuntimeError(f"projector export failed: {done.stderr.strip()}")
        return [json.loads(line) for line in out.read_text().splitlines() if line.strip()]

    def caught_up(self, records: list[JSON]) -> bool:
        ends: dict[tuple[str, int], int] = {}
        for r in records:
            spot = (str(r["topic"]), int(r["partition"]))
            ends[spot] = max(ends.get(spot, -1), int(r["offset"]))
        done = {(row["topic"], int(row["partition"])): int(row["next_offset"]) for row in self.rows("SELECT topic, partition, next_offset FROM projector_offsets")}
        return all(done.get(spot, 0) > end for spot, end in ends.items())

    def settle(self) -> tuple[list[JSON] | None, dict[str, JSON]]:
        """Until every 202 is final and the projector has folded the whole
        log (and the log no longer grows: saga steps append records).
        The records are None when the log could not be read at all (a
        broker that never came back)."""
        began = time.monotonic()
        finals = self.follow_pending(began + self.follow_seconds)
        deadline = time.monotonic() + 240
        records: list[JSON] | None = None
        last_error = ""
        while time.monotonic() < deadline:
            try:
                records = self.export("records.jsonl")
                if self.caught_up(records):
                    time.sleep(2)
                    again = self.export("records.jsonl")
                    if len(again) == len(records) and self.caught_up(again):
                        break
            except RuntimeError as error:
                last_error = str(error).splitlines()[-1]
            time.sleep(2)
        else:
            if records is None:
                self.notes.append(f"the log could not be read for 240 s after the faults: {last_error}")
                self.timings["settle"] = time.monotonic() - began
                return None, finals
            self.notes.append("the projector had not caught up with the log after 240 s; the checks ran anyway")
        # Holds lapse on their own (HOLD_TTL_SECONDS=15): the read-model
        # comparison is made once none is live, so time does not move it.
        latest = self.rows("SELECT coalesce(extract(epoch FROM max(hold_expires_at)), 0) AS latest FROM schedule_seats WHERE status = 'HELD'")
        wait = float(latest[0]["latest"]) - time.time() + 1 if latest else 0
        if 0 < wait < 60:
            time.sleep(wait)
        self.timings["settle"] = time.monotonic() - began
        return records, finals

    # -- checks ---------------------------------------------------------------------

    def checks(self, records: list[JSON], finals: dict[str, JSON]) -> list[Check]:
        by_corr = requests_by_correlation(records)
        (self.dir / "finals.json").write_text(json.dumps({"finals": finals, "never_final": self.last_reads}, indent=1))
        evidence = Evidence(
            calls=[c for c in self.recorder.calls if c.kind != "token"],
            by_corr=by_corr,
            outcomes={row["command_id"]: row for row in self.rows("SELECT command_id, command_type, outcome, body FROM command_outcomes")},
            reservations={row["reservation_id"]: row for row in self.rows("SELECT * FROM reservations")},
            payments={row["payment_id"]: row for row in self.rows("SELECT * FROM payments")},
            entries=self.rows("SELECT * FROM wallet_entries"),
            wallets={row["user_id"]: row for row in self.rows("SELECT * FROM wallets")},
            seat_rows=self.rows("SELECT schedule_id, seat_number, status, reservation_id FROM schedule_seats"),
            finals=finals,
            last_reads=self.last_reads,
            faults=self.faults,
        )
        return judge(evidence) + [
            self.replay_check(),
            self.read_model_check(evidence.reservations, evidence.wallets, evidence.seat_rows),
        ]

    def replay_check(self) -> Check:
        check = Check("the replay's checksum equals the live tables'", False, "")
        schema = f"chaos_replay_{int(time.time())}"
        replay = self.projector("replay", "--schema", schema)
        live = self.projector("checksum")
        if replay.returncode != 0 or live.returncode != 0:
            check.figures = "projector replay/checksum failed"
            check.problems.append((replay.stderr + live.stderr).strip()[-2000:])
            return check

        def digest(out: str) -> tuple[str, str]:
            lines = [line for line in out.splitlines() if line.startswith(("checksum ", "rows "))]
            got = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in lines}
            return got.get("checksum", ""), got.get("rows", "")

        (replayed, replayed_rows), (current, current_rows) = digest(replay.stdout), digest(live.stdout)
        check.passed = bool(replayed) and replayed == current
        check.figures = f"replay {replayed[:16]} ({replayed_rows}); live {current[:16]} ({current_rows})"
        if not check.passed:
            for table in ("concerts", "schedules", "schedule_seats", "reservations", "payments", "wallets", "wallet_entries", "command_outcomes"):
                only_live = self.psql(f"SELECT count(*) FROM (SELECT * FROM public.{table} EXCEPT SELECT * FROM {schema}.{table}) t")
                only_replay = self.psql(f"SELECT count(*) FROM (SELECT * FROM {schema}.{table} EXCEPT SELECT * FROM public.{table}) t")
                if only_live != "0" or only_replay != "0":
                    check.problems.append(f"{table}: {only_live} rows only live, {only_replay} only in the replay")
        return check

    def read_model_check(self, reservations: dict[str, JSON], wallets: dict[str, JSON], seat_rows: list[JSON]) -> Check:
        check = Check("the read model equals the tables", True, "")
        query = self.stack.url("query-api")
        users = sorted({c.user for c in self.recorder.calls})
        cached = len([k for k in self.redis("--scan", "--pattern", self.stack.state["redis_key_prefix"] + "*").stdout.split() if k])
        for user in users:
            read = http_call("GET", f"{query}/v1/balance", {"X-User-Id": user})
            balance = int(wallets[user]["balance"]) if user in wallets else 0
            if read.status != 200 or not isinstance(read.body, dict) or int(read.body.get("balance", -1)) != balance:
                check.problems.append(f"balance of {user}: read {read.status} {read.body}, table {balance}")
        now = datetime.now(timezone.utc)
        compared = 0
        for rid, row in reservations.items():
            if row["user_id"] not in users:
                continue
            read = http_call("GET", f"{query}/v1/reservations/{rid}", {"X-User-Id": row["user_id"]})
            want = str(row["status"])
            if want == "HELD" and datetime.fromisoformat(row["expires_at"]) <= now:
                want = "EXPIRED"
            got = read.body.get("status") if read.status == 200 and isinstance(read.body, dict) else f"HTTP {read.status}"
            compared += 1
            if got != want:
                check.problems.append(f"reservation {rid}: reads {got}, table {want}")
        seat_reads = 0
        for schedule in {r["schedule_id"] for r in seat_rows}:
            checker = _Checker(self.stack, schedule)
            seats = checker.seat_map()
            if seats is None:
                check.problems.append(f"seat map of {schedule}: could not be read ({checker.error})")
                continue
            now = datetime.now(timezone.utc)
            for row in (r for r in seat_rows if r["schedule_id"] == schedule):
                want = str(row["status"])
                if want == "HELD":
                    expiry = self.psql(
                        f"SELECT extract(epoch FROM hold_expires_at) FROM schedule_seats WHERE schedule_id = '{schedule}' AND seat_number = {row['seat_number']}"
                    )
                    if expiry and float(expiry) <= now.timestamp():
                        want = "AVAILABLE"
                got = seats.get(int(row["seat_number"]))
                seat_reads += 1
                if got != want:
                    check.problems.append(f"schedule {schedule} seat {row['seat_number']}: map reads {got}, table {want}")
        check.passed = not check.problems
        check.figures = (
            f"{len(users)} balances, {compared} reservations, {seat_reads} seats compared through query-api; "
            f"{cached} keys in Redis under the stack's prefix; {len(check.problems)} differ"
        )
        return check

    # -- report ---------------------------------------------------------------------

    def report(self, checks: list[Check]) -> bool:
        calls = [c for c in self.recorder.calls if c.kind != "token"]
        table: dict[str, Counter[str]] = defaultdict(Counter)
        for call in calls:
            table[call.kind][str(call.status) if call.status is not None else "no answer"] += 1
        statuses = sorted({s for counts in table.values() for s in counts})
        restarts = {svc: len(self.stack.exits(svc)) for svc in SERVICES} | {"broker": len(self.broker.exits())}
        lines = [
            f"# Fault injection run {now_iso()}",
            "",
            f"Plan: {len(self.plan)} faults, {self.gap:g} s of traffic between them, {self.fan_count} fans, "
            f"2 schedules x {self.seats} seats. Stack: {self.stack.state.get('bin_dir')}, broker 127.0.0.1:{self.broker.port} "
            f"(tansu, sqlite), every process supervised.",
            "",
            "## Faults",
            "",
            "| fault | at | detail | back (ready) after |",
            "|---|---|---|---|",
        ]
        for run in self.faults:
            at = datetime.fromtimestamp(run.started, timezone.utc).strftime("%H:%M:%S")
            back = f"{run.recovered_seconds} s" if run.recovered_seconds is not None else "-"
            lines.append(f"| {run.label} | {at} | {run.detail} | {back} |")
        lines += ["", f"Restarts by the supervisors: {', '.join(f'{k} {v}' for k, v in restarts.items())}.", ""]
        lines += ["## Requests", "", "| command | " + " | ".join(statuses) + " | all |", "|---|" + "---|" * (len(statuses) + 1)]
        for kind in ("charge", "hold", "release", "pay"):
            counts = table.get(kind, Counter())
            lines.append(f"| {kind} | " + " | ".join(str(counts.get(s, 0)) for s in statuses) + f" | {sum(counts.values())} |")
        keyed = sum(1 for c in calls if c.key)
        codes = Counter(f"{c.status} {c.code}" for c in calls if c.status is not None and c.status >= 400 and c.code)
        lines += ["", "Refusals and errors by code: " + ", ".join(f"{k} x{v}" for k, v in sorted(codes.items())) + "."]
        lines += ["", f"{len(calls)} command requests ({keyed} with an Idempotency-Key), "
                  f"{sum(1 for c in self.recorder.calls if c.kind == 'token')} token requests.", ""]
        lines += ["## Checks", "", "| check | result | figures |", "|---|---|---|"]
        for check in checks:
            lines.append(f"| {check.name} | {'pass' if check.passed else '**FAIL**'} | {check.figures} |")
        for check in checks:
            if check.problems:
                lines += ["", f"### {check.name}: {len(check.problems)} problems", ""]
                lines += [f"- {p}" for p in check.problems[:25]]
                if len(check.problems) > 25:
                    lines.append(f"- ... and {len(check.problems) - 25} more (report.json)")
        if self.notes:
            lines += ["", "## Notes", ""] + [f"- {n}" for n in self.notes]
        lines += ["", f"Timings: " + ", ".join(f"{k} {v:.0f} s" for k, v in self.timings.items()), ""]
        (self.dir / "report.md").write_text("\n".join(lines))
        summary = {
            "faults": [asdict(f) for f in self.faults],
            "restarts": restarts,
            "requests": {k: dict(v) for k, v in table.items()},
            "checks": [asdict(c) for c in checks],
            "notes": self.notes,
            "timings": self.timings,
        }
        (self.dir / "report.json").write_text(json.dumps(summary, indent=2))
        print("\n".join(lines))
        return all(c.passed for c in checks)

    def stop(self) -> None:
        self.stop_fans.set()
        try:
            self.stack.down()
        finally:
            self.broker.stop()
            self.recorder.close()


class _Checker:
    """A user who joins a schedule's room to read its seat map."""

    def __init__(self, stack: Sandbox, schedule: str) -> None:
        self.stack = stack
        self.schedule = schedule
        self.user = str(uuid.uuid4())
        self.error = ""

    def seat_map(self) -> dict[int, str] | None:
        joined = http_call("POST", f"{self.stack.url('command-api')}/v1/queue/tokens", {"X-User-Id": self.user}, {"schedule_id": self.schedule})
        if joined.status not in (200, 201) or not isinstance(joined.body, dict):
            self.error = f"join answered {joined.status} {joined.body}"
            return None
        token = str(joined.body["token"])
        headers = {"X-User-Id": self.user, "X-Queue-Token": token}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            read = http_call("GET", f"{self.stack.url('query-api')}/v1/schedules/{self.schedule}/seats", headers)
            if read.status == 200 and isinstance(read.body, dict):
                return {int(s["number"]): str(s["status"]) for s in read.body.get("seats", [])}
            self.error = f"seats answered {read.status} {read.body}"
            time.sleep(0.5)
        return None


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", action="store_true", help="the few faults of `make test` on a short mix")
    parser.add_argument("--bin-dir", help="the three service binaries (default: the newest target build)")
    parser.add_argument("--dir", help="run directory (default: .run/chaos/<time>)")
    parser.add_argument("--fans", type=int, help="concurrent fans (default 8, --short 4)")
    parser.add_argument("--gap", type=float, help="seconds of traffic between faults (default 8, --short 6)")
    parser.add_argument("--seats", type=int, help="seats per schedule, two schedules (default 100, --short 40)")
    parser.add_argument("--keep", action="store_true", help="leave the stack and broker running")
    args = parser.parse_args(list(argv) if argv is not None else None)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    workdir = Path(args.dir or ROOT / ".run" / "chaos" / (stamp + ("-short" if args.short else ""))).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    plan = short_plan() if args.short else full_plan()
    suite = Suite(
        workdir,
        plan,
        fans=args.fans or (4 if args.short else 8),
        gap=args.gap if args.gap is not None else (6.0 if args.short else 8.0),
        bin_dir=args.bin_dir,
        seats=args.seats or (40 if args.short else 100),
        follow_seconds=60.0 if args.short else 120.0,
    )
    print(f"chaos: run directory {workdir}", flush=True)
    ok = False
    try:
        suite.start()
        catalog = suite.catalog()
        schedules = sorted(catalog.schedules)
        fans = [
            Fan(i, suite.stack, catalog, schedules[i % len(schedules)], suite.recorder, suite.stop_fans, seed=i)
            for i in range(suite.fan_count)
        ]
        began = time.monotonic()
        for fan in fans:
            fan.start()
        suite.run_faults()
        suite.stop_fans.set()
        for fan in fans:
            fan.join(timeout=REQUEST_TIMEOUT * 4)
        suite.timings["traffic"] = time.monotonic() - began
        records, finals = suite.settle()
        began = time.monotonic()
        if records is None:
            exits = len(suite.broker.exits())
            checks = [
                Check(
                    "the stack came back: its log can be read",
                    False,
                    f"no export of the log succeeded within 240 s of the last fault; the broker's supervisor restarted it {exits} times",
                    [suite.notes[-1], f"broker log: {suite.broker.dir / 'broker-chaos.log'}"],
                )
            ]
        else:
            checks = suite.checks(records, finals)
        suite.timings["checks"] = time.monotonic() - began
        ok = suite.report(checks)
    finally:
        if args.keep:
            print(f"chaos: left running; stop with: python3 load/sandbox.py down --dir {suite.stack.dir} "
                  f"&& BROKER_RUN_DIR={suite.broker.dir} scripts/broker.sh stop chaos")
        else:
            suite.stop()
    print(f"chaos: {'every check passed' if ok else 'CHECKS FAILED'}; report {workdir / 'report.md'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

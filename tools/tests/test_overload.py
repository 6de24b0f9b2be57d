"""The overload report: the queue's series from /metrics, the time line,
who was admitted (stayers, leavers before and after they left) and the
four targets."""

import json
import os
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ElementTree
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from k6_output import START, point, write_points
from ticketfold_tools import ROOT
from ticketfold_tools import overload

EPOCH = START.timestamp()

METRICS = """\
# TYPE ticketfold_queue_admissions_total counter
ticketfold_queue_admissions_total{room="global"} 40
ticketfold_queue_admissions_total{room="s1"} 2
ticketfold_queue_waiting_users 17
ticketfold_queue_admit_rate_per_second 12.5
ticketfold_queue_abandoned_total 3
ticketfold_http_requests_total 999
"""


def test_read_metrics_takes_the_queue_series_summed_over_rooms() -> None:
    values = overload.read_metrics(METRICS)
    assert values["ticketfold_queue_admissions_total"] == 42
    assert values["ticketfold_queue_waiting_users"] == 17
    assert values["ticketfold_queue_admit_rate_per_second"] == 12.5
    assert "ticketfold_http_requests_total" not in values
    assert "ticketfold_queue_prequeued_users" not in values  # absent, not zero


def request(endpoint: str, status: int, seconds: float, duration_ms: float, error_code: str = "") -> dict[str, Any]:
    tags = {"booking": "yes", "endpoint": endpoint, "status": str(status), "scenario": "fans"}
    if error_code:
        tags["error_code"] = error_code
    return point("http_req_duration", seconds, duration_ms, **tags)


def reading(seconds: float, admissions: float, waiting: float, abandoned: float = 0.0) -> dict[str, Any]:
    return {
        "t": EPOCH + seconds,
        "metrics": {
            "ticketfold_queue_admissions_total": admissions,
            "ticketfold_queue_waiting_users": waiting,
            "ticketfold_queue_abandoned_total": abandoned,
            "ticketfold_queue_admit_rate_per_second": 10.0,
            "ticketfold_queue_signal_p95_seconds": 0.2 if seconds < 3 else float("nan"),
        },
    }


def counters(**values: int) -> dict[str, Any]:
    return {"metrics": {f"overload_{name}": {"values": {"count": count}} for name, count in values.items()}}


def write_run(raw: Path, points: list[dict[str, Any]], readings: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    write_points(raw / "points.json.gz", points)
    (raw / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in readings))
    (raw / "summary.json").write_text(json.dumps(summary))
    (raw / "context.json").write_text(json.dumps({"cpus": 2, "load_average": "2.0", "overload_rate": 30, "leaver_share": 0.2}))


# 10 fans: 8 stayers (7 admitted, 1 gave up), 2 leavers (one admitted while
# polling, one left); the server admitted 10, so 2 admissions no polling fan
# saw: the leaver who left, and the stayer who gave up just before.
POINTS = [
    request("queue_issue", 200, 0.2, 10.0),
    request("queue_issue", 200, 0.7, 12.0),
    request("queue_issue", 200, 1.1, 11.0),
    request("queue_status", 200, 2.0, 5.0),
    request("hold", 201, 3.0, 300.0),
    request("pay", 201, 3.5, 400.0),
]
READINGS = [reading(0.0, 0, 0), reading(1.0, 0, 8), reading(2.0, 4, 6), reading(3.0, 8, 2, 1), reading(4.0, 10, 0, 1)]
FANS = counters(
    arrivals=10,
    stayers_admitted=7,
    stayers_booked=6,
    stayers_gave_up=1,
    stayers_lost=0,
    leavers_left=1,
    leavers_admitted_before_leaving=1,
)


def test_who_was_admitted(tmp_path: Path) -> None:
    write_run(tmp_path, POINTS, READINGS, FANS)
    data = overload.analyse(tmp_path, 4.0)
    assert data["stayers"] == 8
    assert data["leavers"] == 2
    assert data["admissions"] == 10
    assert data["leavers_admitted_after_leaving"] == 2
    assert data["places_dropped"] == 1
    assert data["peak_waiting"] == 8


def test_targets(tmp_path: Path) -> None:
    write_run(tmp_path, POINTS, READINGS, FANS)
    data = overload.analyse(tmp_path, 4.0)
    # 10 admissions over the 2 s from the first reading with a line (1 s) to the last (3 s).
    assert data["admitted_rate_per_second"] == pytest.approx(4.0)
    targets = data["targets"]
    assert targets["booking_p95_under_1s"] is True
    assert targets["no_5xx_nor_connection_errors"] is True
    assert targets["every_stayer_served"] is False  # one stayer gave up
    assert targets["admitted_rate_at_least_80pct_of_capacity"] is True
    assert overload.analyse(tmp_path, 6.0)["targets"]["admitted_rate_at_least_80pct_of_capacity"] is False
    assert overload.analyse(tmp_path, None)["targets"]["admitted_rate_at_least_80pct_of_capacity"] is None


def test_a_connection_error_misses_the_error_target_and_is_not_a_5xx(tmp_path: Path) -> None:
    write_run(tmp_path, POINTS + [request("hold", 0, 3.2, 3.0, error_code="1000")], READINGS, FANS)
    data = overload.analyse(tmp_path, 4.0)
    assert data["connection_errors"] == 1
    assert data["server_errors_5xx"] == 0
    assert data["targets"]["no_5xx_nor_connection_errors"] is False


def test_the_timeline_has_every_second(tmp_path: Path) -> None:
    write_run(tmp_path, POINTS, READINGS, FANS)
    line = overload.analyse(tmp_path, 4.0)["timeline"]
    assert [s["second"] for s in line] == [0, 1, 2, 3, 4]
    assert [s["arrivals"] for s in line] == [2, 1, 0, 0, 0]
    assert [s.get("admissions_per_second") for s in line] == [None, 0.0, 4.0, 4.0, 2.0]
    assert [s.get("waiting") for s in line] == [0, 8, 6, 2, 0]
    assert line[3]["booking_p95_ms"] == pytest.approx(395.0)
    assert [s.get("server_p95_ms") for s in line] == [200.0, 200.0, 200.0, None, None]


def test_seconds_over_the_slo_are_counted_on_both_sides() -> None:
    series: list[dict[str, Any]] = [
        {"second": 0, "booking_p95_ms": 1500.0, "server_p95_ms": 90.0},
        {"second": 1, "booking_p95_ms": 400.0, "server_p95_ms": 1200.0},
        {"second": 2, "booking_p95_ms": None},
    ]
    assert overload.seconds_over_slo(series) == {"client": 1, "client_seconds": 2, "server": 1, "server_seconds": 2}


class Metrics(BaseHTTPRequestHandler):
    admissions = 0

    def do_GET(self) -> None:
        Metrics.admissions += 1
        body = f"ticketfold_queue_admissions_total {Metrics.admissions}\nticketfold_queue_waiting_users 3\n".encode()
        self.send_response(200 if self.path == "/metrics" else 404)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


def test_the_sampler_reads_metrics_until_terminated(tmp_path: Path) -> None:
    server = HTTPServer(("127.0.0.1", 0), Metrics)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    out = tmp_path / "metrics.jsonl"
    try:
        sampler = subprocess.Popen(
            [sys.executable, "-m", "ticketfold_tools.overload", "sample", "--url", f"http://127.0.0.1:{server.server_port}",
             "--out", str(out), "--interval", "0.05"],
            env=dict(os.environ, PYTHONPATH=str(ROOT / "tools")),
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (not out.is_file() or len(out.read_text().splitlines()) < 3):
            time.sleep(0.05)
        sampler.terminate()
        assert sampler.wait(timeout=20) == 0
    finally:
        server.shutdown()
    readings = overload.read_readings(out)
    assert len(readings) >= 3
    counts = [r["metrics"]["ticketfold_queue_admissions_total"] for r in readings]
    assert counts == sorted(counts) and counts[0] >= 1
    assert all(r["metrics"]["ticketfold_queue_waiting_users"] == 3 for r in readings)


def test_the_report_writes_markdown_json_and_a_chart(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_run(raw, POINTS, READINGS, FANS)
    out = tmp_path / "report"
    subprocess.run(
        [sys.executable, "-m", "ticketfold_tools.overload", "report", "--raw", str(raw), "--out", str(out), "--capacity", "4"],
        env=dict(os.environ, PYTHONPATH=str(ROOT / "tools")),
        check=True,
        capture_output=True,
    )
    data = json.loads((out / "overload.json").read_text())
    assert data["targets"]["every_stayer_served"] is False
    md = (out / "overload.md").read_text()
    assert "7 of 8 stayers admitted" in md
    assert "| leavers admitted after they left (admissions no polling fan saw) | 2 |" in md
    assert "4.0 fans/s while fans waited (100 % of the capacity)" in md
    root = ElementTree.fromstring((out / "overload.svg").read_text())
    assert len(list(root.iter("{http://www.w3.org/2000/svg}polyline"))) >= 4


def test_the_report_refuses_a_run_without_requests(tmp_path: Path) -> None:
    write_run(tmp_path, [], READINGS, FANS)
    with pytest.raises(SystemExit):
        overload.build_report(tmp_path, tmp_path / "out", 4.0, "full", "nowhere")


def test_the_start_of_the_line_tells_a_warm_start_from_a_cold_one() -> None:
    def sample(seconds: float, waiting: float, rate: float, proven: float) -> dict[str, Any]:
        return {
            "t": EPOCH + seconds,
            "metrics": {
                "ticketfold_queue_waiting_users": waiting,
                "ticketfold_queue_admit_rate_per_second": rate,
                "ticketfold_queue_proven_rate_per_second": proven,
            },
        }

    warm = [sample(0, 0, 5, 96), sample(1, 400, 5, 96), sample(2, 900, 96, 96), sample(9, 900, 140, 120)]
    start = overload.start_of_line(warm)
    assert start == {"proven_before": 96, "start_rate": 96}
    assert "Warm start" in overload.start_text(start)
    cold = [sample(0, 0, 5, float("nan")), sample(1, 400, 5, float("nan")), sample(2, 900, 7, float("nan"))]
    start = overload.start_of_line(cold)
    assert start == {"proven_before": None, "start_rate": 7}
    assert "Cold start" in overload.start_text(start)
    assert overload.start_of_line([sample(0, 0, 5, 1)])["start_rate"] is None

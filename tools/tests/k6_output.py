"""Small k6 runs written the way load/run.sh leaves them, so the report is
tested on k6's real output format rather than on hand-made rows."""

import gzip
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

START = datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


def k6_time(seconds: float) -> str:
    """k6 writes RFC 3339 with nanoseconds, which datetime cannot read as is."""
    moment = START + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"


def point(metric: str, seconds: float, value: float, **tags: str) -> dict[str, Any]:
    return {"metric": metric, "type": "Point", "data": {"time": k6_time(seconds), "value": value, "tags": tags}}


def booking(endpoint: str, status: int, seconds: float, duration_ms: float) -> dict[str, Any]:
    return point("http_req_duration", seconds, duration_ms, booking="yes", endpoint=endpoint, status=str(status))


def write_points(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt") as out:
        for record in records:
            out.write(json.dumps(record) + "\n")


# A run with a bit of everything: refusals, a 5xx, a request without an
# answer (status 0), an endpoint that only answers 404, one k6 did not know,
# and lines the report must ignore.
MIXED_POINTS: list[dict[str, Any]] = [
    {"metric": "http_req_duration", "type": "Metric", "data": {"name": "http_req_duration", "type": "trend"}},
    point("http_req_duration", 0.0, 999.0, booking="no", endpoint="setup", status="201"),
    point("http_reqs", 0.2, 1.0, booking="yes", endpoint="seats", status="200"),
    booking("seats", 200, 0.1, 10.0),
    booking("seats", 200, 0.5, 30.0),
    booking("seats", 200, 1.2, 20.0),
    booking("hold", 409, 1.5, 50.0),
    booking("hold", 500, 2.0, 1500.0),
    booking("pay", 0, 2.5, 60.0),
    booking("reservation", 404, 3.0, 5.0),
    booking("zzz_new", 200, 3.3, 40.0),
    point("business_refusals", 1.5, 1.0, endpoint="hold", status="409", code="seat_taken"),
    point("business_refusals", 1.6, 1.0, endpoint="hold", status="409", code="seat_taken"),
    point("server_errors", 2.0, 1.0, endpoint="hold", status="500", code="internal"),
]

METRICS_BEFORE = """\
# HELP ticketfold_cache_requests_total Cache reads.
# TYPE ticketfold_cache_requests_total counter
ticketfold_cache_requests_total{kind="seats",result="hit"} 10
ticketfold_cache_requests_total{kind="seats",result="miss"} 5
ticketfold_cache_db_fallback_queries_total{kind="seats"} 2
"""

METRICS_AFTER = """\
# scraped from http://127.0.0.1:1
ticketfold_cache_requests_total{kind="seats",result="hit"} 40
ticketfold_cache_requests_total{kind="seats",result="miss"} 15
ticketfold_cache_db_fallback_queries_total{kind="seats"} 7
"""

SUMMARY = {
    "metrics": {
        "tickets_sold": {"values": {"count": 3, "rate": 1.0}},
        "fans_admitted": {"values": {"count": 4}},
        "http_req_duration{booking:yes}": {"values": {}, "thresholds": {"p(95)<1000": {"ok": False}}},
        "checks": {"values": {}, "thresholds": {"rate>0.99": {"ok": True}}},
    }
}


def write_run(run_dir: Path, records: list[dict[str, Any]] = MIXED_POINTS, metrics: bool = True) -> Path:
    write_points(run_dir / "points.json.gz", records)
    (run_dir / "summary.json").write_text(json.dumps(SUMMARY))
    (run_dir / "context.json").write_text(json.dumps({"cpus": 8, "load_average": 0.5, "commit": "abc1234", "k6": "1.1.0"}))
    if metrics:
        (run_dir / "metrics-before.txt").write_text(METRICS_BEFORE)
        (run_dir / "metrics-after.txt").write_text(METRICS_AFTER)
    return run_dir


def fast_run(run_dir: Path) -> Path:
    """A run that meets the SLO: twelve reads answered 200 in 10 or 20 ms."""
    return write_run(run_dir, [booking("seats", 200, i * 0.25, 10.0 + (i % 2) * 10) for i in range(12)], metrics=False)

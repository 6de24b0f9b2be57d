"""The load report: the numbers, the k6 parsing and what report.md says."""

import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timezone
from pathlib import Path

import pytest

from k6_output import booking, fast_run, write_points, write_run
from ticketfold_tools import ROOT
from ticketfold_tools import report
from ticketfold_tools.report import Requests, RunResult

# -- numbers -------------------------------------------------------------------


def test_percentile_interpolates_between_closest_ranks() -> None:
    assert report.percentile([10.0, 20.0, 30.0, 40.0], 0.5) == pytest.approx(25.0)
    assert report.percentile([float(n) for n in range(1, 101)], 0.95) == pytest.approx(95.05)
    assert report.percentile([10.0, 20.0, 30.0], 0.0) == 10.0
    assert report.percentile([10.0, 20.0, 30.0], 1.0) == 30.0
    assert report.percentile([7.0], 0.99) == 7.0


def test_percentile_of_nothing_is_none() -> None:
    assert report.percentile([], 0.95) is None


def test_parse_time_reads_k6_nanoseconds_and_offsets() -> None:
    expected = datetime(2025, 3, 1, 12, 0, 1, 123456, tzinfo=timezone.utc).timestamp()
    assert report.parse_time("2025-03-01T12:00:01.123456789Z") == expected
    assert report.parse_time("2025-03-01T14:00:01.123456789+02:00") == expected
    assert report.parse_time("2025-03-01T12:00:01Z") == datetime(2025, 3, 1, 12, 0, 1, tzinfo=timezone.utc).timestamp()


METRICS = """\
# HELP ticketfold_cache_requests_total Cache reads.
# TYPE ticketfold_cache_requests_total counter
ticketfold_cache_requests_total{kind="seats",result="hit"} 10
ticketfold_cache_requests_total{kind="seats",result="miss"} 2.5
ticketfold_cache_requests_total{kind="balance",result="hit"} 1e3
cache_requests_total_created{kind="seats"} 1700000000
ticketfold_cache_db_fallback_queries_total 0
"""


def test_metric_total_sums_every_labelled_sample() -> None:
    assert report.metric_total(METRICS, "ticketfold_cache_requests_total") == pytest.approx(1012.5)


def test_metric_total_filters_on_a_label() -> None:
    assert report.metric_total(METRICS, "ticketfold_cache_requests_total", 'result="hit"') == pytest.approx(1010.0)
    assert report.metric_total(METRICS, "ticketfold_cache_requests_total", 'kind="seats"') == pytest.approx(12.5)


def test_metric_total_tells_absent_from_zero() -> None:
    assert report.metric_total(METRICS, "ticketfold_cache_db_fallback_queries_total") == 0.0
    assert report.metric_total(METRICS, "ticketfold_queue_admissions_total") is None
    # A longer name with the same start is another metric.
    assert report.metric_total(METRICS, "cache_requests") is None
    assert report.metric_total(METRICS, "ticketfold_cache_requests_total", 'result="stale"') is None


def test_metric_delta(tmp_path: Path) -> None:
    (tmp_path / "metrics-after.txt").write_text("a_total 7\nb_total 3\n")
    assert report.metric_delta(tmp_path, "a_total") is None, "no before snapshot: no delta"
    (tmp_path / "metrics-before.txt").write_text("a_total 2\n")
    assert report.metric_delta(tmp_path, "a_total") == 5.0
    assert report.metric_delta(tmp_path, "b_total") == 3.0, "absent before counts as 0"
    assert report.metric_delta(tmp_path, "c_total") is None


# -- k6 output -----------------------------------------------------------------


def test_requests_read_keeps_only_booking_duration_points(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run")
    requests = Requests.read(run / "points.json.gz")
    endpoints = [row[1] for row in requests.rows]
    assert endpoints == ["seats", "seats", "seats", "hold", "hold", "pay", "reservation", "zzz_new"]
    times = [row[0] for row in requests.rows]
    assert times == sorted(times)
    first = requests.rows[0]
    assert first[2:] == (200, 10.0)
    assert first[0] == datetime(2025, 3, 1, 12, 0, 0, 100000, tzinfo=timezone.utc).timestamp()
    assert [row[2] for row in requests.rows if row[1] == "pay"] == [0]


def test_requests_read_of_a_missing_file_is_empty(tmp_path: Path) -> None:
    requests = Requests.read(tmp_path / "points.json.gz")
    assert requests.rows == []
    assert requests.span_seconds() is None
    assert requests.p95_per_second() == []


def test_stats_sort_statuses_into_errors_and_refusals(tmp_path: Path) -> None:
    requests = Requests.read(write_run(tmp_path / "run") / "points.json.gz")
    stats = requests.stats(requests.rows)
    assert stats["requests"] == 8
    assert stats["server_errors"] == 2  # the 500 and the request without an answer
    assert stats["refusals_409"] == 1
    assert stats["unexpected_4xx"] == 1  # the 404
    assert stats["error_rate"] == pytest.approx(3 / 8)
    assert stats["p50_ms"] == pytest.approx(35.0)
    assert stats["p95_ms"] == pytest.approx(996.0)
    assert stats["max_ms"] == 1500.0
    assert stats["only_404"] is False


def test_stats_count_each_status_once() -> None:
    rows = [(float(i), "hold", status, 10.0) for i, status in enumerate([409, 409, 404, 400, 422, 500, 503, 0, 200, 201])]
    stats = Requests().stats(rows)
    assert (stats["refusals_409"], stats["unexpected_4xx"], stats["server_errors"]) == (2, 3, 3)
    assert stats["error_rate"] == pytest.approx(6 / 10)
    assert Requests().stats([(0.0, "seats", 404, 1.0), (1.0, "seats", 404, 1.0)])["only_404"] is True


def test_stats_of_no_requests() -> None:
    stats = Requests().stats([])
    assert stats["requests"] == 0
    assert stats["p95_ms"] is None and stats["error_rate"] is None and stats["max_ms"] is None
    assert stats["only_404"] is False


def test_by_endpoint_known_endpoints_first_then_the_rest(tmp_path: Path) -> None:
    requests = Requests.read(write_run(tmp_path / "run") / "points.json.gz")
    by_endpoint = requests.by_endpoint()
    assert list(by_endpoint) == ["seats", "hold", "pay", "reservation", "zzz_new"]
    assert by_endpoint["seats"]["requests"] == 3
    assert by_endpoint["seats"]["p50_ms"] == 20.0
    assert by_endpoint["reservation"]["only_404"] is True


def test_p95_per_second_buckets_from_the_first_request(tmp_path: Path) -> None:
    requests = Requests.read(write_run(tmp_path / "run") / "points.json.gz")
    assert requests.span_seconds() == pytest.approx(3.2)
    series = requests.p95_per_second()
    assert [second for second, _ in series] == [0, 1, 2, 3]
    assert [value for _, value in series] == pytest.approx([29.0, 1355.0, 57.25, 40.0])
    [(second, value)] = requests.p95_per_second("hold")
    assert second == 1 and value == pytest.approx(1427.5)


def test_counted_by_code_groups_custom_counter_points(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run")
    assert report.counted_by_code(run, "business_refusals") == {"hold 409 seat_taken": 2}
    assert report.counted_by_code(run, "server_errors") == {"hold 500 internal": 1}
    assert report.counted_by_code(tmp_path / "nowhere", "server_errors") == {}


def test_crossed_thresholds_lists_only_failed_ones() -> None:
    summary = {
        "metrics": {
            "b": {"thresholds": {"p(95)<1000": {"ok": False}, "p(99)<2000": {"ok": True}}},
            "a": {"thresholds": {"rate<0.01": {"ok": False}}},
            "c": {"values": {}},
        }
    }
    assert report.crossed_thresholds(summary) == ["a rate<0.01", "b p(95)<1000"]
    assert report.crossed_thresholds({}) == []


def test_analyse_a_run(tmp_path: Path) -> None:
    result = report.analyse(write_run(tmp_path / "run"))
    assert result["ran"] is True
    assert result["throughput_rps"] == pytest.approx(2.5)
    assert result["db_fallback_queries"] == 5.0
    assert result["cache_reads"] == 40.0
    assert result["cache_hit_ratio"] == pytest.approx(0.75)
    assert result["journey"]["tickets_sold"] == 3
    assert result["journey"]["fans_admitted"] == 4
    assert result["journey"]["journeys_broken"] == 0
    assert result["thresholds_crossed"] == ["http_req_duration{booking:yes} p(95)<1000"]
    assert result["context"]["commit"] == "abc1234"
    assert result["slo_met"] is False, "p95 is under 1 s, but there were server errors"
    assert set(result["series"]) == {"all", "seats", "hold", "pay", "reservation", "zzz_new"}


def test_analyse_a_run_that_meets_the_slo(tmp_path: Path) -> None:
    result = report.analyse(fast_run(tmp_path / "run"))
    assert result["slo_met"] is True
    assert result["booking"]["p95_ms"] == 20.0
    assert result["db_fallback_queries"] is None
    assert result["cache_hit_ratio"] is None


def test_analyse_a_run_that_did_not_happen(tmp_path: Path) -> None:
    result = report.analyse(tmp_path)
    assert result["ran"] is False
    assert result["slo_met"] is False
    assert result["booking"]["requests"] == 0


def test_a_slow_run_misses_the_slo(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", [booking("seats", 200, i * 0.1, 1200.0) for i in range(5)], metrics=False)
    assert report.analyse(run)["slo_met"] is False


# -- report.md and the charts --------------------------------------------------


@pytest.fixture
def results(tmp_path: Path) -> dict[str, dict[str, RunResult]]:
    return {
        "naive": {"stampede": report.analyse(write_run(tmp_path / "naive"))},
        "protected": {"stampede": report.analyse(fast_run(tmp_path / "protected"))},
    }


def test_formatting_helpers() -> None:
    assert report.ms(None) == "-"
    assert report.ms(12.34) == "12.3 ms"
    assert report.ms(1500.0) == "1.50 s"
    assert report.judged(999.0) == "999.0 ms ✅"
    assert report.judged(1000.0) == "1.00 s ❌"
    assert report.pct(0.375) == "37.50%"
    assert report.plain(None) == "not exported yet"
    assert report.plain(1234) == "1,234"
    assert report.plain(2.25, " rps") == "2.2 rps"


def test_markdown_verdicts_and_tables(results: dict[str, dict[str, RunResult]]) -> None:
    text = report.markdown(results, "short", "a sandbox", "2025-03-01 12:00:00 UTC")
    lines = text.splitlines()
    assert lines[0] == "# ticketfold load report"
    assert "Generated 2025-03-01 12:00:00 UTC by `load/run.sh` (short mode) against a sandbox." in lines
    assert "| queue | not run | not run |" in lines
    assert (
        "| stampede | ❌ missed: p95 996.0 ms, 2 server errors (⚠️ 1 unexpected 4xx) "
        "| ✅ met: p95 20.0 ms, 0 server errors |" in lines
    )
    assert "## queue" not in lines and "## stampede" in lines
    assert "![p95 latency per second, stampede](latency-stampede.svg)" in lines
    assert "| `GET /v1/schedules/{id}/seats` | 29.0 ms ✅ | 29.8 ms | 3 | 20.0 ms ✅ | 20.0 ms | 12 |" in lines
    hold = next(line for line in lines if line.startswith("| `POST /v1/reservations` |"))
    assert hold.startswith("| `POST /v1/reservations` | 1.43 s ❌ |") and hold.endswith("| - | - | - |")
    assert any(line.startswith("| `zzz_new` |") for line in lines)
    assert "| **all booking requests** | **996.0 ms ✅** | **1.40 s** | 8 | **20.0 ms ✅** | **20.0 ms** | 12 |" in lines
    assert "| error rate | 37.50% | 0.00% |" in lines
    assert "| throughput (booking requests/s) | 2.5 | 4.4 |" in lines
    assert "| database fallback queries | 5 | not exported yet |" in lines
    assert "| cache hit ratio | 75.00% | not exported yet |" in lines
    assert "| tickets sold | 3 | 3 |" in lines
    assert "| cache entries dropped | 0 | 0 |" in lines
    assert not any(line.startswith("| dropped iterations") for line in lines), "all zero: left out"
    assert "- naive, 409 refusals by endpoint, status and code: hold 409 seat_taken: 2." in lines
    assert "- naive, server errors by endpoint, status and code: hold 500 internal: 1." in lines
    assert "- protected, k6 thresholds crossed: `http_req_duration{booking:yes} p(95)<1000`." in lines
    assert any(line.startswith("- Answered only 404 (not deployed in this build): `GET /v1/reservations/{id}`.") for line in lines)
    assert any(line.startswith("Machine: 8 CPUs, shared; source: `abc1234`; k6 1.1.0.") for line in lines)
    assert "\n\n\n" not in text
    assert text.endswith("Their latency is a 404's, not a real read.\n")


def test_markdown_leaves_cache_drops_to_the_stampede(tmp_path: Path) -> None:
    results = {"naive": {"queue": report.analyse(fast_run(tmp_path / "run"))}}
    lines = report.markdown(results, "full", "x", "now").splitlines()
    assert "## queue" in lines
    assert "| queue | ✅ met: p95 20.0 ms, 0 server errors | not run |" in lines
    assert not any(line.startswith("| cache entries dropped") for line in lines)
    assert "| cache hit ratio | not exported yet | not run |" in lines


def test_svg_chart_draws_every_series_and_marks_missing_runs(results: dict[str, dict[str, RunResult]]) -> None:
    svg = report.svg_chart("stampede", {"naive": results["naive"]["stampede"], "protected": None})
    root = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    polylines = root.findall(f"{ns}polyline")
    assert len(polylines) == 6  # all booking requests + five endpoints, naive only
    assert sum(1 for p in polylines if p.get("stroke") == "black") == 1
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "stampede: p95 latency per second (booking requests)" in texts
    assert "CACHE_STRATEGY=naive" in texts and "CACHE_STRATEGY=protected" in texts
    assert texts.count("not run") == 1
    assert texts.count("SLO 1 s") == 2
    assert "GET /v1/schedules/{id}/seats" in texts and "zzz_new" in texts


def test_svg_chart_with_both_strategies(results: dict[str, dict[str, RunResult]]) -> None:
    svg = report.svg_chart("stampede", {s: r["stampede"] for s, r in results.items()})
    root = ElementTree.fromstring(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "not run" not in texts
    assert len(root.findall("{http://www.w3.org/2000/svg}polyline")) == 8  # 6 naive + all and seats protected


# -- the command line ----------------------------------------------------------


def test_the_entry_point_writes_the_report(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_run(raw / "naive" / "stampede")
    fast_run(raw / "protected" / "stampede")
    fast_run(raw / "naive" / "queue")
    write_points(raw / "ignored" / "queue" / "points.json.gz", [])
    done = subprocess.run(
        [sys.executable, str(ROOT / "load" / "report.py"), "--raw", str(raw), "--out", str(out), "--mode", "short", "--target", "T"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"report: {out / 'report.md'}\n"
    assert sorted(p.name for p in out.iterdir()) == ["latency-queue.svg", "latency-stampede.svg", "report.md", "summary.json"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["mode"] == "short" and summary["target"] == "T"
    assert summary["slo"] == {"p95_ms_below": 1000.0, "server_errors": 0}
    assert set(summary["runs"]) == {"naive", "protected"}
    assert set(summary["runs"]["naive"]) == {"queue", "stampede"}
    stampede = summary["runs"]["naive"]["stampede"]
    assert "series" not in stampede
    assert stampede["booking"]["requests"] == 8
    assert stampede["refusals_by_code"] == {"hold 409 seat_taken": 2}
    assert "against T." in (out / "report.md").read_text()


def test_the_entry_point_refuses_an_empty_folder(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "load" / "report.py"), "--raw", str(tmp_path), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert f"error: no runs under {tmp_path}" in done.stderr
    assert not (tmp_path / "out").exists()


def test_the_machine_line_says_at_what_priority_k6_ran() -> None:
    assert report.k6_priority({}) == "", "runs from before K6_NICE say nothing"
    assert report.k6_priority({"k6_niceness": -10}) == " at niceness -10 (ahead of the stack for the cores)"
    assert report.k6_priority({"k6_niceness": 0}) == " at niceness 0 (sharing the cores with the stack)"
    assert report.k6_priority({"k6_niceness": -10, "k6_gomaxprocs": 8}) == (
        " at niceness -10 (ahead of the stack for the cores) on 8 Go threads"
    )

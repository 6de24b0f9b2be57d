"""The capacity step benchmark: CPU from /proc samples, steps from k6's
points (tagged with their scenario, step_<rate>), the SLO verdict and the
files the report writes."""

import gzip
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest

from k6_output import START, point, write_points
from ticketfold_tools import ROOT
from ticketfold_tools import capacity


def request(step: str, endpoint: str, status: int, seconds: float, duration_ms: float, error_code: str = "") -> dict[str, Any]:
    tags = {"booking": "yes", "endpoint": endpoint, "status": str(status), "scenario": step}
    if error_code:
        tags["error_code"] = error_code
    return point("http_req_duration", seconds, duration_ms, **tags)


def sample(t: float, **ticks: dict[str, int]) -> capacity.Sample:
    return {"t": t, "ticks": ticks}


# -- CPU -----------------------------------------------------------------------


def test_cpu_percent_is_the_ticks_spent_over_the_window_in_percent_of_a_core() -> None:
    samples = [
        sample(0.0, projector={"10": 100}, postgres={"20": 50, "21": 10}),
        sample(1.0, projector={"10": 150}, postgres={"20": 60, "21": 10}),
        sample(2.0, projector={"10": 200}, postgres={"20": 70, "21": 30}),
    ]
    cpu = capacity.cpu_percent(samples, 100, 0.0, 2.0)
    assert cpu["projector"] == pytest.approx(50.0)  # 100 ticks of 1/100 s over 2 s
    assert cpu["postgres"] == pytest.approx(20.0)  # both backends summed


def test_cpu_percent_counts_a_process_started_in_the_window_from_zero() -> None:
    samples = [sample(0.0, postgres={"20": 40}), sample(4.0, postgres={"20": 40, "99": 80})]
    assert capacity.cpu_percent(samples, 100, 0.0, 4.0)["postgres"] == pytest.approx(20.0)


def test_cpu_percent_takes_the_samples_around_the_window() -> None:
    samples = [sample(float(t), k6={"1": t * 30}) for t in range(10)]
    # Window 2.5..5.5: from the sample at 2 to the one at 6, 120 ticks over 4 s.
    assert capacity.cpu_percent(samples, 100, 2.5, 5.5)["k6"] == pytest.approx(30.0)


def test_cpu_percent_without_samples_is_empty() -> None:
    assert capacity.cpu_percent([], 100, 0.0, 1.0) == {}


def test_a_real_sample_sees_this_process_and_its_name(tmp_path: Path) -> None:
    started = time.process_time()
    while time.process_time() - started < 0.05:
        pass
    comm = Path(f"/proc/{os.getpid()}/comm").read_text().strip()
    taken = capacity.take_sample({"me": os.getpid()}, {"same": comm})
    assert taken["ticks"]["me"][str(os.getpid())] >= 1
    assert str(os.getpid()) in taken["ticks"]["same"]
    assert capacity.process_ticks(2**22 + 12345) is None


def test_the_sampler_writes_samples_until_terminated(tmp_path: Path) -> None:
    out = tmp_path / "cpu.jsonl"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tools"))
    sampler = subprocess.Popen(
        [sys.executable, "-m", "ticketfold_tools.capacity", "sample", "--out", str(out), "--pid", f"me={os.getpid()}", "--interval", "0.05"],
        env=env,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (not out.is_file() or len(out.read_text().splitlines()) < 3):
        time.sleep(0.05)
    sampler.terminate()
    assert sampler.wait(timeout=20) == 0
    hz, samples = capacity.read_samples(out)
    assert hz == os.sysconf("SC_CLK_TCK")
    assert len(samples) >= 2
    assert all(str(os.getpid()) in s["ticks"]["me"] for s in samples)


# The k6 points' clock: START, in epoch seconds.
EPOCH = START.timestamp()

# -- steps ---------------------------------------------------------------------

POINTS = [
    point("http_req_duration", 0.0, 900.0, booking="no", endpoint="admin_concert", status="201", scenario="setup"),
    # step 10: fast, a 409 only.
    request("step_10", "queue_issue", 200, 1.0, 10.0),
    request("step_10", "queue_issue", 200, 1.5, 12.0),
    request("step_10", "hold", 409, 2.0, 40.0),
    request("step_10", "pay", 201, 3.0, 30.0),
    # step 20: fast but one connection error (status 0, EOF).
    request("step_20", "queue_issue", 200, 11.0, 10.0),
    request("step_20", "hold", 0, 12.0, 5.0, error_code="1000"),
    request("step_20", "pay", 201, 13.0, 30.0),
    # step 50: fast again, but above a failed step.
    request("step_50", "queue_issue", 200, 21.0, 10.0),
    request("step_50", "pay", 201, 22.0, 20.0),
    # step 100: a 5xx and slow.
    request("step_100", "queue_issue", 200, 31.0, 1500.0),
    request("step_100", "hold", 503, 32.0, 2500.0),
]


def rows(tmp_path: Path) -> list[capacity.CapacityRow]:
    path = tmp_path / "points.json.gz"
    write_points(path, POINTS)
    return capacity.read_rows(path)


def test_steps_are_ordered_by_rate_and_admin_requests_left_out(tmp_path: Path) -> None:
    steps = capacity.analyse_steps(rows(tmp_path), [], 100, 10.0)
    assert [s["rate"] for s in steps] == [10.0, 20.0, 50.0, 100.0]
    assert [s["requests"] for s in steps] == [4, 3, 2, 2]
    assert steps[0]["fans"] == 2
    assert steps[0]["fans_per_second"] == pytest.approx(0.2)


def test_connection_errors_are_counted_apart_from_5xx(tmp_path: Path) -> None:
    steps = {s["rate"]: s for s in capacity.analyse_steps(rows(tmp_path), [], 100, 10.0)}
    assert steps[20.0]["connection_errors"] == 1
    assert steps[20.0]["connection_errors_by_code"] == {"1000": 1}
    assert steps[20.0]["server_errors_5xx"] == 0
    assert steps[100.0]["server_errors_5xx"] == 1
    assert steps[100.0]["connection_errors"] == 0
    assert steps[10.0]["refusals_409"] == 1


def test_slo_held_needs_p95_under_a_second_and_no_5xx_nor_connection_error(tmp_path: Path) -> None:
    steps = {s["rate"]: s for s in capacity.analyse_steps(rows(tmp_path), [], 100, 10.0)}
    assert steps[10.0]["slo_held"]  # a 409 is a business refusal, not an error
    assert not steps[20.0]["slo_held"]  # fast, but a connection error
    assert steps[50.0]["slo_held"]
    assert not steps[100.0]["slo_held"]


def test_the_highest_step_held_is_below_the_first_that_missed(tmp_path: Path) -> None:
    steps = capacity.analyse_steps(rows(tmp_path), [], 100, 10.0)
    best = capacity.highest_held(steps)
    assert best is not None and best["rate"] == 10.0
    assert capacity.highest_held(steps[2:3]) == steps[2]
    assert capacity.highest_held(steps[3:]) is None


def test_the_capacity_is_what_held_steps_served_not_their_names(tmp_path: Path) -> None:
    steps = capacity.analyse_steps(rows(tmp_path), [], 100, 10.0)
    served = capacity.capacity_served(steps)
    assert served is not None and served == steps[0]["fans_per_second"]
    # k6 out of VUs: every step brought in half its rate, all held.
    held = []
    for step in steps:
        short = step.copy()
        short["fans_per_second"] = step["rate"] / 2
        short["slo_held"] = True
        held.append(short)
    assert capacity.capacity_served(held) == max(s["rate"] for s in steps) / 2
    missed = steps[0].copy()
    missed["slo_held"] = False
    assert capacity.capacity_served([missed]) is None


def test_each_step_gets_the_cpu_of_its_own_window(tmp_path: Path) -> None:
    # The projector busy only during step 100 (its window starts at 31 s).
    samples = [sample(EPOCH + t, projector={"7": 0 if t < 31 else (t - 31) * 100}) for t in range(0, 45)]
    steps = {s["rate"]: s for s in capacity.analyse_steps(rows(tmp_path), samples, 100, 10.0)}
    assert steps[10.0]["cpu_percent"]["projector"] == pytest.approx(0.0)
    assert steps[100.0]["cpu_percent"]["projector"] == pytest.approx(100.0)


def test_cpu_per_fan_is_each_process_share_of_a_core_over_the_fans_served(tmp_path: Path) -> None:
    # Step 10 brings in 2 fans in 10 s (0.2/s); k6 burns 10 % of a core
    # over it and Postgres 5 %: 500 and 250 ms of one core per fan.
    samples = [sample(EPOCH + t, k6={"3": t * 10}, postgres={"4": t * 5}) for t in range(0, 45)]
    step = capacity.analyse_steps(rows(tmp_path), samples, 100, 10.0)[0]
    assert step["cpu_ms_per_fan"]["k6"] == pytest.approx(500.0)
    assert step["cpu_ms_per_fan"]["postgres"] == pytest.approx(250.0)
    # Two cores carry 2000 ms of CPU a second: 2000 / 750 fans/s, and
    # 2000 / 250 with the load generator on another machine.
    assert capacity.cpu_ceiling(step, 2) == pytest.approx(2000.0 / 750.0)
    assert capacity.cpu_ceiling(step, 2, leave_out=("k6",)) == pytest.approx(8.0)


def test_costs_over_k6_are_each_process_cost_over_the_load_generator() -> None:
    ratios = capacity.cost_over_k6({"k6": 5.0, "projector": 6.0, "postgres": 4.0})
    assert ratios == {"projector": pytest.approx(1.2), "postgres": pytest.approx(0.8)}
    # The same stack on a host a third slower: every cost, k6's too, is
    # a third higher, and the ratios do not move.
    slower = capacity.cost_over_k6({"k6": 6.5, "projector": 7.8, "postgres": 5.2})
    assert slower == {"projector": pytest.approx(1.2), "postgres": pytest.approx(0.8)}
    assert capacity.cost_over_k6({"projector": 6.0}) == {}
    assert capacity.cost_over_k6({"k6": 0.0, "projector": 6.0}) == {}


def test_a_step_without_fans_or_samples_has_no_cost_nor_ceiling(tmp_path: Path) -> None:
    step = capacity.analyse_steps(rows(tmp_path), [], 100, 10.0)[0]
    assert step["cpu_ms_per_fan"] == {}
    assert capacity.cpu_ceiling(step, 2) is None
    assert capacity.cpu_per_fan({"k6": 50.0}, None) == {}


# -- files ---------------------------------------------------------------------


def test_the_report_writes_markdown_json_and_a_chart(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_points(raw / "points.json.gz", POINTS)
    (raw / "context.json").write_text(json.dumps({"cpus": 2, "load_average": "3.10", "commit": "abc", "k6": "1.1.0", "step_seconds": 10, "vacuumed_first": "yes"}))
    (raw / "loadavg-after.txt").write_text("4.20\n")
    (raw / "summary.json").write_text(json.dumps({"metrics": {"dropped_iterations": {"values": {"count": 7}}}}))
    lines = [json.dumps({"clock_ticks": 100})]
    lines += [json.dumps(sample(EPOCH + t, k6={"3": t * 10}, postgres={"4": t * 5})) for t in range(0, 45)]
    (raw / "cpu.jsonl").write_text("\n".join(lines) + "\n")
    out = tmp_path / "report"
    subprocess.run(
        [sys.executable, "-m", "ticketfold_tools.capacity", "report", "--raw", str(raw), "--out", str(out), "--mode", "short"],
        env=dict(os.environ, PYTHONPATH=str(ROOT / "tools")),
        check=True,
        capture_output=True,
    )
    data = json.loads((out / "capacity.json").read_text())
    assert data["highest_step_held"] == 10.0
    assert data["capacity_fans_per_second"] == data["steps"][0]["fans_per_second"]
    assert data["dropped_iterations"] == 7
    assert data["load_average_after"] == "4.20"
    assert [s["rate"] for s in data["steps"]] == [10.0, 20.0, 50.0, 100.0]
    assert data["steps"][0]["cpu_percent"]["k6"] == pytest.approx(10.0)
    md = (out / "capacity.md").read_text()
    assert "Highest step that held the SLO: 10 fans/s" in md
    assert "load average (1 min) when the run started: 3.10" in md
    assert "| CPU k6 |" in md
    assert "the database vacuumed first" in md
    assert "connection errors by k6 error code: 1000: 1" in md
    assert "dropped 7 arrivals" in md
    # Step 10: 0.2 fans/s, k6 10 % and Postgres 5 % of a core.
    assert "| 10 | 250.0 | 500.0 | 750.0 | 3 | 8 |" in md
    # And over k6's 500 ms: Postgres 0.5.
    assert "The same cost over k6's" in md
    assert "| 10 | 0.50 | 0.50 |" in md
    root = ElementTree.fromstring((out / "capacity.svg").read_text())
    texts = [element.text for element in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "100/s" in texts and "k6" in texts and "postgres" in texts


def test_the_report_refuses_a_run_without_steps(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_points(raw / "points.json.gz", POINTS[:1])
    with pytest.raises(SystemExit):
        capacity.build_report(raw, tmp_path / "out", "full", "nowhere")
    assert not (tmp_path / "out" / "capacity.md").exists()
    assert gzip.open(raw / "points.json.gz", "rt").read()

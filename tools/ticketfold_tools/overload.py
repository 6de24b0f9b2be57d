"""The overload scenario: command-api's queue metrics sampled while it runs,
then its report.

    python3 -m ticketfold_tools.overload sample --url URL --out FILE [--interval 1]
    python3 -m ticketfold_tools.overload report --raw DIR --out DIR [--capacity N] [--mode M] [--target TEXT]

`sample` reads URL/metrics (command-api) about once a second and appends a
JSON line per read with the queue's series (queue_*) until SIGTERM/SIGINT.

`report` reads what load/run.sh left in DIR (k6's points.json.gz and
summary.json, context.json, metrics.jsonl) and writes overload.md,
overload.json and overload.svg: arrivals, admissions, queue length, the
admit rate and booking p95 per second over the run; 5xx and connection
errors; stayers admitted, booked and given up; leavers admitted before they
left, admitted after they left (admissions the server made that no polling
fan saw) and dropped; and the targets: booking p95 < 1 s, zero 5xx and
connection errors, every stayer served, admitted rate >= 80 % of the
capacity (N fans/s, from a capacity run). Standard library only.
"""

import argparse
import json
import math
import signal
import time
import urllib.request
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from types import FrameType
from typing import Any

from ticketfold_tools.capacity import CapacityRow, read_rows
from ticketfold_tools.report import SLO_MS, counter, interpolated, k6_priority, metric_total, ms, percentile

SERIES = (
    "ticketfold_queue_admissions_total",
    "ticketfold_queue_abandoned_total",
    "ticketfold_queue_waiting_users",
    "ticketfold_queue_admit_rate_per_second",
    "ticketfold_queue_proven_rate_per_second",
    "ticketfold_queue_signal_p95_seconds",
    "ticketfold_queue_prequeued_users",
    # Why the controller set the rate it did.
    "ticketfold_queue_signal_in_flight",
    "ticketfold_queue_signal_lag_records",
    "ticketfold_queue_target_p95_seconds",
)
ADMITTED_SHARE_TARGET = 0.8

# metrics.jsonl: {"t": epoch seconds, "metrics": {name: value}}
Reading = dict[str, Any]


# -- sampling ------------------------------------------------------------------


def read_metrics(text: str) -> dict[str, float]:
    """The queue series of one /metrics text (summed over labels)."""
    values = {}
    for name in SERIES:
        total = metric_total(text, name)
        if total is not None:
            values[name] = total
    return values


def sample_loop(url: str, out: Path, interval: float) -> None:
    stop = False

    def finish(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    with open(out, "a") as file:
        while not stop:
            began = time.monotonic()
            try:
                with urllib.request.urlopen(url.rstrip("/") + "/metrics", timeout=2) as response:
                    text = response.read().decode()
                file.write(json.dumps({"t": time.time(), "metrics": read_metrics(text)}) + "\n")
                file.flush()
            except OSError:
                pass
            time.sleep(max(0.0, interval - (time.monotonic() - began)))


def read_readings(path: Path) -> list[Reading]:
    if not path.is_file():
        return []
    readings = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return sorted(readings, key=lambda r: float(r["t"]))


# -- numbers -------------------------------------------------------------------


def per_second(rows: Sequence[CapacityRow], start: float) -> dict[int, list[CapacityRow]]:
    buckets: defaultdict[int, list[CapacityRow]] = defaultdict(list)
    for row in rows:
        buckets[int(row[0] - start)].append(row)
    return buckets


def timeline(rows: Sequence[CapacityRow], readings: Sequence[Reading], start: float) -> list[dict[str, Any]]:
    """One entry per second since start: arrivals (token issues), booking
    p95 (every booking request that second, as k6 saw it), admissions (the
    counter's increase since the reading before), queue length, admit rate
    and the server's own booking-command p95 (the controller's signal over
    its 3 s window, measured inside command-api: what k6 cannot add its own
    delays to)."""
    buckets = per_second(rows, start)
    seconds: dict[int, dict[str, Any]] = {}
    for second, bucket in buckets.items():
        if second < 0:
            continue
        durations = sorted(r[4] for r in bucket)
        seconds[second] = {
            "arrivals": sum(1 for r in bucket if r[2] == "queue_issue"),
            "booking_p95_ms": interpolated(durations, 0.95),
            "requests": len(bucket),
        }
    previous: Reading | None = None
    for reading in readings:
        second = int(float(reading["t"]) - start)
        metrics = reading["metrics"]
        if second >= 0:
            entry = seconds.setdefault(second, {"arrivals": 0, "booking_p95_ms": None, "requests": 0})
            entry["waiting"] = metrics.get("ticketfold_queue_waiting_users")
            entry["admit_rate"] = metrics.get("ticketfold_queue_admit_rate_per_second")
            proven = metrics.get("ticketfold_queue_proven_rate_per_second")
            if proven is not None and math.isfinite(proven):
                entry["proven_rate"] = proven
            signal = metrics.get("ticketfold_queue_signal_p95_seconds")
            if signal is not None and math.isfinite(signal):
                entry["server_p95_ms"] = signal * 1000.0
            if previous is not None and "ticketfold_queue_admissions_total" in metrics:
                elapsed = max(float(reading["t"]) - float(previous["t"]), 1e-3)
                gained = metrics["ticketfold_queue_admissions_total"] - previous["metrics"].get("ticketfold_queue_admissions_total", 0.0)
                entry["admissions_per_second"] = max(gained, 0.0) / elapsed
        previous = reading
    if not seconds:
        return []
    last = max(seconds)
    return [dict({"second": s}, **seconds.get(s, {"arrivals": 0, "booking_p95_ms": None, "requests": 0})) for s in range(last + 1)]


def delta(readings: Sequence[Reading], name: str) -> float | None:
    values = [r["metrics"][name] for r in readings if name in r["metrics"]]
    return values[-1] - values[0] if values else None


def admitted_rate(readings: Sequence[Reading]) -> float | None:
    """Admissions per second while fans were waiting: from the first reading
    with a line to the last one (the queue emptied or the run ended)."""
    waiting = [r for r in readings if (r["metrics"].get("ticketfold_queue_waiting_users") or 0) > 0]
    if len(waiting) < 2:
        return None
    first, last = waiting[0], waiting[-1]
    span = float(last["t"]) - float(first["t"])
    if span <= 0:
        return None
    gained = last["metrics"].get("ticketfold_queue_admissions_total", 0.0) - first["metrics"].get("ticketfold_queue_admissions_total", 0.0)
    return float(gained) / span


def start_of_line(readings: Sequence[Reading]) -> dict[str, float | None]:
    """How the line started: the rate proven before it formed (None: a cold
    start) and the highest rate the controller set in its first 5 s."""
    waiting = [r for r in readings if (r["metrics"].get("ticketfold_queue_waiting_users") or 0) > 0]
    if not waiting:
        return {"proven_before": None, "start_rate": None}
    began = float(waiting[0]["t"])
    before = [r for r in readings if float(r["t"]) <= began]
    proven = before[0]["metrics"].get("ticketfold_queue_proven_rate_per_second") if before else None
    rates = [
        r["metrics"]["ticketfold_queue_admit_rate_per_second"]
        for r in readings
        if began <= float(r["t"]) <= began + 5.0 and "ticketfold_queue_admit_rate_per_second" in r["metrics"]
    ]
    return {
        "proven_before": proven if proven is not None and math.isfinite(proven) else None,
        "start_rate": max(rates) if rates else None,
    }


def analyse(raw: Path, capacity: float | None) -> dict[str, Any]:
    summary_path = raw / "summary.json"
    summary: dict[str, Any] = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    context_path = raw / "context.json"
    context: dict[str, Any] = json.loads(context_path.read_text()) if context_path.is_file() else {}
    rows = read_rows(raw / "points.json.gz")
    readings = read_readings(raw / "metrics.jsonl")
    durations = sorted(r[4] for r in rows)
    connection: defaultdict[str, int] = defaultdict(int)
    for r in rows:
        if r[3] == 0:
            connection[r[5] or "unknown"] += 1
    server = sum(1 for r in rows if r[3] >= 500)
    start = min([r[0] for r in rows[:1]] + [float(x["t"]) for x in readings[:1]]) if rows or readings else 0.0

    fans = {
        name: counter(summary, f"overload_{name}")
        for name in (
            "arrivals",
            "stayers_admitted",
            "stayers_booked",
            "stayers_gave_up",
            "stayers_lost",
            "leavers_left",
            "leavers_admitted_before_leaving",
        )
    }
    leavers = fans["leavers_left"] + fans["leavers_admitted_before_leaving"]
    stayers = fans["arrivals"] - leavers
    admissions = delta(readings, "ticketfold_queue_admissions_total")
    seen_admitted = fans["stayers_admitted"] + fans["leavers_admitted_before_leaving"]
    # Admissions no polling fan saw: places of fans who had left (a stayer
    # who gave up just before its admission would count too).
    admitted_after_leaving = max(int(admissions) - seen_admitted, 0) if admissions is not None else None
    rate = admitted_rate(readings)
    p95 = percentile(durations, 0.95)
    targets = {
        "booking_p95_under_1s": p95 is not None and p95 < SLO_MS,
        "no_5xx_nor_connection_errors": server == 0 and not connection,
        "every_stayer_served": stayers > 0 and fans["stayers_admitted"] == stayers,
        "admitted_rate_at_least_80pct_of_capacity": (
            None if capacity is None or rate is None else rate >= ADMITTED_SHARE_TARGET * capacity
        ),
    }
    line = timeline(rows, readings, start)
    return {
        "context": context,
        "load_average_after": (raw / "loadavg-after.txt").read_text().split()[0] if (raw / "loadavg-after.txt").is_file() else None,
        "capacity": capacity,
        "requests": len(rows),
        "p95_ms": p95,
        "p99_ms": percentile(durations, 0.99),
        "server_errors_5xx": server,
        "connection_errors": sum(connection.values()),
        "connection_errors_by_code": dict(sorted(connection.items())),
        "unexpected_4xx": sum(1 for r in rows if 400 <= r[3] < 500 and r[3] != 409),
        "fans": fans,
        "stayers": stayers,
        "leavers": leavers,
        "admissions": admissions,
        "leavers_admitted_after_leaving": admitted_after_leaving,
        "places_dropped": delta(readings, "ticketfold_queue_abandoned_total"),
        "admitted_rate_per_second": rate,
        "start": start_of_line(readings),
        "peak_waiting": max([r["metrics"].get("ticketfold_queue_waiting_users", 0.0) for r in readings] or [0.0]),
        "dropped_iterations": counter(summary, "dropped_iterations"),
        "targets": targets,
        "timeline": line,
        "seconds_over_slo": seconds_over_slo(line),
    }


# -- chart ---------------------------------------------------------------------


def seconds_over_slo(series: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Seconds whose booking p95 passed the SLO, as k6 saw it and as the
    server measured it, out of the seconds each had a figure for. When k6
    sees seconds over the SLO that the server does not, the delay is on the
    client's side (a load generator starved of CPU), not the stack's."""
    client = [s["booking_p95_ms"] for s in series if s.get("booking_p95_ms") is not None]
    server = [s["server_p95_ms"] for s in series if s.get("server_p95_ms") is not None]
    return {
        "client": sum(1 for v in client if v >= SLO_MS),
        "client_seconds": len(client),
        "server": sum(1 for v in server if v >= SLO_MS),
        "server_seconds": len(server),
    }


def svg_chart(data: Mapping[str, Any]) -> str:
    """Three panels over the run's seconds: arrivals and admissions per
    second (with the capacity line); fans waiting; booking p95 (log scale,
    1 s SLO line)."""
    series: list[dict[str, Any]] = data["timeline"]
    width, margin_l, panel_w, panel_h, gap, top = 760, 70, 660, 150, 45, 40
    height = top + 3 * panel_h + 2 * gap + 50
    longest = max(len(series), 10)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">overload: the queue over time</text>',
    ]

    def px(second: float) -> float:
        return margin_l + second / longest * panel_w

    def frame(index: int, title: str) -> float:
        y0 = top + index * (panel_h + gap)
        out.append(f'<text x="{margin_l}" y="{y0 - 6}" font-weight="bold">{title}</text>')
        out.append(f'<rect x="{margin_l}" y="{y0}" width="{panel_w}" height="{panel_h}" fill="none" stroke="#999"/>')
        for tick in range(0, longest + 1, max(1, longest // 8)):
            out.append(f'<text x="{px(tick):.1f}" y="{y0 + panel_h + 13}" text-anchor="middle">{tick}s</text>')
        return y0

    def line(points: list[tuple[float, float]], color: str, dash: str = "") -> None:
        if points:
            extra = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                '<polyline points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + f'" fill="none" stroke="{color}" stroke-width="1.6"{extra}/>'
            )

    def linear_axis(y0: float, peak: float) -> Any:
        peak = max(peak, 1.0)
        step = 10 ** math.floor(math.log10(peak))
        for value in range(0, int(peak) + 1, max(int(step), 1)):
            y = y0 + panel_h - value / peak * panel_h
            out.append(f'<text x="{margin_l - 4}" y="{y + 4:.1f}" text-anchor="end">{value}</text>')
        return lambda v: y0 + panel_h - min(v, peak) / peak * panel_h

    # 1: arrivals and admissions per second.
    y0 = frame(0, "fans per second: arrivals (blue), admissions (green), admit rate set (grey), capacity (red)")
    capacity = data.get("capacity")
    peak = max([s.get("arrivals") or 0 for s in series] + [s.get("admissions_per_second") or 0 for s in series] + [capacity or 0]) * 1.15
    ry = linear_axis(y0, peak)
    line([(px(s["second"] + 0.5), ry(s["arrivals"])) for s in series], "#1f77b4")
    line([(px(s["second"] + 0.5), ry(s["admissions_per_second"])) for s in series if s.get("admissions_per_second") is not None], "#2ca02c")
    line([(px(s["second"] + 0.5), ry(s["admit_rate"])) for s in series if s.get("admit_rate") is not None], "#7f7f7f", "3 2")
    if capacity:
        out.append(f'<line x1="{margin_l}" x2="{margin_l + panel_w}" y1="{ry(capacity):.1f}" y2="{ry(capacity):.1f}" stroke="#d62728" stroke-dasharray="6 3"/>')

    # 2: fans waiting.
    y0 = frame(1, "fans waiting in the queue (ticketfold_queue_waiting_users)")
    wy = linear_axis(y0, max([s.get("waiting") or 0 for s in series] + [1]) * 1.15)
    line([(px(s["second"] + 0.5), wy(s["waiting"])) for s in series if s.get("waiting") is not None], "#9467bd")

    # 3: booking p95, log scale.
    y0 = frame(2, "booking p95 per second (log scale): k6 (black), server booking commands (orange); SLO 1 s")
    floor, ceiling = 1.0, max(
        [SLO_MS * 2] + [max(s.get("booking_p95_ms") or 0, s.get("server_p95_ms") or 0) * 1.2 for s in series]
    )
    decades = math.log10(ceiling / floor)

    def ly(value: float) -> float:
        return y0 + panel_h - math.log10(min(max(value, floor), ceiling) / floor) / decades * panel_h

    for exponent in range(0, math.floor(decades) + 1):
        value = floor * 10**exponent
        label = f"{value / 1000:g} s" if value >= 1000 else f"{value:g} ms"
        out.append(f'<text x="{margin_l - 4}" y="{ly(value) + 4:.1f}" text-anchor="end">{label}</text>')
    out.append(f'<line x1="{margin_l}" x2="{margin_l + panel_w}" y1="{ly(SLO_MS):.1f}" y2="{ly(SLO_MS):.1f}" stroke="#d62728" stroke-dasharray="6 3"/>')
    line([(px(s["second"] + 0.5), ly(s["booking_p95_ms"])) for s in series if s.get("booking_p95_ms") is not None], "black")
    line([(px(s["second"] + 0.5), ly(s["server_p95_ms"])) for s in series if s.get("server_p95_ms") is not None], "#ff7f0e", "4 2")
    out.append("</svg>")
    return "\n".join(out) + "\n"


# -- report ----------------------------------------------------------------------


def over_slo_text(over: Mapping[str, int]) -> str:
    if not over:
        return "-"
    return (
        f"{over['client']} of {over['client_seconds']} as k6 saw them, "
        f"{over['server']} of {over['server_seconds']} as the server measured them"
    )


def start_text(start: Mapping[str, float | None]) -> str:
    rate, proven = start.get("start_rate"), start.get("proven_before")
    if rate is None:
        return "No admission rate was sampled at the start of the line."
    if proven is None:
        return f"Cold start: nothing was proven before the line formed; the rate set in its first 5 s peaked at {rate:g} fans/s."
    return (
        f"Warm start: the stack had proven {proven:g} fans/s in an earlier window; "
        f"the rate set in the line's first 5 s peaked at {rate:g} fans/s."
    )


def verdict(value: bool | None) -> str:
    return "not judged (no capacity given)" if value is None else ("✅ held" if value else "❌ missed")


def markdown(data: Mapping[str, Any]) -> str:
    context = data["context"]
    fans = data["fans"]
    targets = data["targets"]
    capacity = data["capacity"]
    rate = data["admitted_rate_per_second"]
    share = f" ({rate / capacity * 100:.0f} % of the capacity)" if rate is not None and capacity else ""
    lines = [
        "# ticketfold overload run",
        "",
        f"Generated {data['generated_at']} by `load/run.sh` ({data['mode']} mode) against {data['target']}.",
        f"Fans arrived at {context.get('overload_rate', '?')} fans/s for {context.get('overload_seconds', '?')} s "
        f"(about {context.get('overload_factor', '?')}x the capacity of "
        + (f"{capacity:g} fans/s" if capacity else "?")
        + f", {context.get('capacity_source', 'given')}), then stopped. Adaptive admission (the default), "
        f"`QUEUE_WAITING_GRACE_SECONDS={context.get('waiting_grace_seconds', '?')}`. Every fan joined the queue and "
        "polled as told (`poll_after_seconds`, and `Retry-After` after a 503); "
        f"a share of {context.get('leaver_share', '?')} left mid-wait (stopped polling after a random part of the "
        "first ETA, never came back); stayers gave up after "
        f"{context.get('give_up_seconds', '?')} s.",
        "",
        f"Machine: {context.get('cpus', '?')} CPUs, **shared with other agents compiling and testing**; load average "
        f"(1 min) at the start {context.get('load_average', '?')}, at the end {data.get('load_average_after', '?')}; "
        f"source `{context.get('commit', '?')}`; k6 {context.get('k6', '?')}{k6_priority(context)}.",
        "",
        "## Targets",
        "",
        "| target | result | verdict |",
        "|---|---|---|",
        f"| booking p95 < 1 s | p95 {ms(data['p95_ms'])}, p99 {ms(data['p99_ms'])}, {data['requests']:,} requests | "
        f"{verdict(targets['booking_p95_under_1s'])} |",
        f"| zero 5xx and zero connection errors | {data['server_errors_5xx']} 5xx, {data['connection_errors']} connection errors | "
        f"{verdict(targets['no_5xx_nor_connection_errors'])} |",
        f"| every staying fan served | {fans['stayers_admitted']:,} of {data['stayers']:,} stayers admitted "
        f"({fans['stayers_booked']:,} bought a ticket), {fans['stayers_gave_up']:,} gave up after the timeout, "
        f"{fans['stayers_lost']:,} lost (error or EXPIRED) | {verdict(targets['every_stayer_served'])} |",
        f"| admitted rate >= 80 % of the capacity | "
        + (f"{rate:.1f} fans/s while fans waited{share}" if rate is not None else "no line formed")
        + f" | {verdict(targets['admitted_rate_at_least_80pct_of_capacity'])} |",
        "",
        start_text(data.get("start") or {}),
        "",
        "Seconds with a booking p95 over the SLO: "
        + over_slo_text(data.get("seconds_over_slo") or {})
        + ". The server's figure is the admission controller's signal (booking commands only, merged over 3 s,"
        " measured in command-api from intake to answer); k6's includes every booking request and any delay of"
        " k6's own.",
        "",
        "## Who was admitted",
        "",
        "| | fans |",
        "|---|---|",
        f"| arrivals | {fans['arrivals']:,} |",
        f"| stayers admitted | {fans['stayers_admitted']:,} |",
        f"| leavers | {data['leavers']:,} |",
        f"| leavers admitted while still polling | {fans['leavers_admitted_before_leaving']:,} |",
        f"| leavers admitted after they left (admissions no polling fan saw) | "
        + ("-" if data["leavers_admitted_after_leaving"] is None else f"{data['leavers_admitted_after_leaving']:,}")
        + " |",
        f"| places dropped after the grace (`ticketfold_queue_abandoned_total`) | "
        + ("-" if data["places_dropped"] is None else f"{data['places_dropped']:,.0f}")
        + " |",
        f"| admissions (`ticketfold_queue_admissions_total`) | " + ("-" if data["admissions"] is None else f"{data['admissions']:,.0f}") + " |",
        f"| most fans waiting at once | {data['peak_waiting']:,.0f} |",
        "",
        "![the queue over time](overload.svg)",
        "",
    ]
    if data["connection_errors_by_code"]:
        lines.append("- connection errors by k6 error code: " + ", ".join(f"{k}: {v}" for k, v in data["connection_errors_by_code"].items()) + ".")
    if data["unexpected_4xx"]:
        lines.append(f"- unexpected 4xx: {data['unexpected_4xx']}.")
    if data["dropped_iterations"]:
        lines.append(f"- k6 dropped {data['dropped_iterations']:,} arrivals (no free VU): fewer fans came than the rate says.")
    return "\n".join(lines).rstrip() + "\n"


def build_report(raw: Path, out: Path, capacity: float | None, mode: str, target: str) -> dict[str, Any]:
    data = analyse(raw, capacity)
    if not data["requests"]:
        raise SystemExit(f"error: no booking request in {raw / 'points.json.gz'}")
    data.update(generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"), mode=mode, target=target)
    out.mkdir(parents=True, exist_ok=True)
    (out / "overload.json").write_text(json.dumps(data, indent=2) + "\n")
    (out / "overload.svg").write_text(svg_chart(data))
    (out / "overload.md").write_text(markdown(data))
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="action", required=True)
    sampler = sub.add_parser("sample")
    sampler.add_argument("--url", required=True)
    sampler.add_argument("--out", required=True, type=Path)
    sampler.add_argument("--interval", type=float, default=1.0)
    reporter = sub.add_parser("report")
    reporter.add_argument("--raw", required=True, type=Path)
    reporter.add_argument("--out", required=True, type=Path)
    reporter.add_argument("--capacity", type=float)
    reporter.add_argument("--mode", default="full")
    reporter.add_argument("--target", default="the `make up` stack")
    args = parser.parse_args()
    if args.action == "sample":
        sample_loop(args.url, args.out, args.interval)
    else:
        data = build_report(args.raw, args.out, args.capacity, args.mode, args.target)
        print(f"overload: {args.out / 'overload.md'} (targets: {data['targets']})")


if __name__ == "__main__":
    main()

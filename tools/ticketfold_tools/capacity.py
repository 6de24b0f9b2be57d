"""The capacity step benchmark: CPU sampling while it runs, then its report.

    python3 -m ticketfold_tools.capacity sample --out FILE [--pid NAME=PID]... [--comm NAME=COMM]...
    python3 -m ticketfold_tools.capacity report --raw DIR --out DIR [--mode full|short] [--target TEXT]

`sample` reads /proc/<pid>/stat once a second (utime + stime of every
process it follows: a named pid, or every process whose comm is COMM, summed
under NAME, so all of Postgres's backends count as "postgres") and appends a
JSON line per sample to FILE until SIGTERM/SIGINT.

`report` reads what `load/run.sh --capacity` left in DIR (k6's
points.json.gz with each request tagged with its step `step_<rate>`,
summary.json, context.json, cpu.jsonl) and writes capacity.md,
capacity.json and capacity.svg: per step booking p95/p99, HTTP 5xx,
connection errors (no answer: status 0 with a k6 error code), the CPU of each
process, and the highest step that held the SLO (p95 < 1 s, no 5xx, no
connection error). Standard library only.
"""

import argparse
import gzip
import json
import math
import os
import re
import signal
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from types import FrameType
from typing import Any, TypedDict

from ticketfold_tools.report import SLO_MS, k6_priority, ms, parse_time, percentile

# Display order of the processes; anything else sampled comes after.
PROCESSES = ("tansu", "projector", "command-api", "query-api", "postgres", "redis", "k6")
STEP = re.compile(r"^step_(\d+(?:\.\d+)?)$")

# cpu.jsonl: {"t": epoch seconds, "ticks": {"<name>": {"<pid>": ticks}}}
Sample = dict[str, Any]


# -- sampling ------------------------------------------------------------------


def process_ticks(pid: int) -> int | None:
    """utime + stime of one process (all its threads), in clock ticks; None when gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # After the ")": state is field 3 of stat(5), utime 14 and stime 15.
    return int(fields[11]) + int(fields[12])


def pids_by_comm() -> dict[str, list[int]]:
    found: defaultdict[str, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            comm = Path(f"/proc/{entry}/comm").read_text().strip()
        except OSError:
            continue
        found[comm].append(int(entry))
    return found


def take_sample(pids: Mapping[str, int], comms: Mapping[str, str]) -> Sample:
    ticks: dict[str, dict[str, int]] = {}
    for name, pid in pids.items():
        value = process_ticks(pid)
        if value is not None:
            ticks.setdefault(name, {})[str(pid)] = value
    if comms:
        by_comm = pids_by_comm()
        for name, comm in comms.items():
            for pid in by_comm.get(comm, []):
                value = process_ticks(pid)
                if value is not None:
                    ticks.setdefault(name, {})[str(pid)] = value
    return {"t": time.time(), "ticks": ticks}


def sample_loop(out: Path, pids: Mapping[str, int], comms: Mapping[str, str], interval: float) -> None:
    stop = False

    def finish(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    with open(out, "a") as file:
        file.write(json.dumps({"clock_ticks": os.sysconf("SC_CLK_TCK")}) + "\n")
        while not stop:
            file.write(json.dumps(take_sample(pids, comms)) + "\n")
            file.flush()
            time.sleep(interval)
        file.write(json.dumps(take_sample(pids, comms)) + "\n")


def read_samples(path: Path) -> tuple[int, list[Sample]]:
    """(clock ticks per second, samples in time order)."""
    hz = 100
    samples: list[Sample] = []
    if not path.is_file():
        return hz, samples
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        if "clock_ticks" in record:
            hz = int(record["clock_ticks"])
        else:
            samples.append(record)
    samples.sort(key=lambda s: float(s["t"]))
    return hz, samples


def cpu_percent(samples: Sequence[Sample], hz: int, start: float, end: float) -> dict[str, float]:
    """CPU per process name over [start, end], in % of one core (200 % = two
    cores busy), from the last sample at or before start to the first at or
    after end. A process that appears in between counts from zero; one that
    went away is left out (its last ticks are lost)."""
    if not samples:
        return {}
    before = [s for s in samples if float(s["t"]) <= start]
    after = [s for s in samples if float(s["t"]) >= end]
    first = before[-1] if before else samples[0]
    last = after[0] if after else samples[-1]
    span = float(last["t"]) - float(first["t"])
    if span <= 0:
        return {}
    result: dict[str, float] = {}
    for name, pids in last["ticks"].items():
        earlier = first["ticks"].get(name, {})
        ticks = sum(max(value - earlier.get(pid, 0), 0) for pid, value in pids.items())
        result[name] = ticks / hz / span * 100
    return result


# -- report --------------------------------------------------------------------


class StepResult(TypedDict):
    step: str
    rate: float
    requests: int
    fans: int
    fans_per_second: float | None
    p95_ms: float | None
    p99_ms: float | None
    server_errors_5xx: int
    connection_errors: int
    connection_errors_by_code: dict[str, int]
    unexpected_4xx: int
    refusals_409: int
    window_s: float | None
    cpu_percent: dict[str, float]
    cpu_ms_per_fan: dict[str, float]
    slo_held: bool


# One booking request: (time, step, endpoint, status, duration ms, k6 error code).
CapacityRow = tuple[float, str, str, int, float, str]


def read_rows(path: Path) -> list[CapacityRow]:
    rows: list[CapacityRow] = []
    if not path.is_file():
        return rows
    with gzip.open(path, "rt") as lines:
        for line in lines:
            if '"http_req_duration"' not in line or '"Point"' not in line:
                continue
            point = json.loads(line)
            tags = point["data"].get("tags") or {}
            if tags.get("booking") != "yes":
                continue
            rows.append(
                (
                    parse_time(point["data"]["time"]),
                    tags.get("scenario", "?"),
                    tags.get("endpoint", "?"),
                    int(tags.get("status") or 0),
                    float(point["data"]["value"]),
                    str(tags.get("error_code") or ""),
                )
            )
    rows.sort()
    return rows


def step_rate(step: str) -> float | None:
    match = STEP.match(step)
    return float(match.group(1)) if match else None


def analyse_steps(rows: Sequence[CapacityRow], samples: Sequence[Sample], hz: int, step_seconds: float | None) -> list[StepResult]:
    grouped: defaultdict[str, list[CapacityRow]] = defaultdict(list)
    for row in rows:
        if step_rate(row[1]) is not None:
            grouped[row[1]].append(row)
    results: list[StepResult] = []
    for step in sorted(grouped, key=lambda s: step_rate(s) or 0.0):
        step_rows = grouped[step]
        rate = step_rate(step) or 0.0
        durations = sorted(r[4] for r in step_rows)
        start = step_rows[0][0]
        # The step's own window: its arrivals run step_seconds from its first
        # request; fans still finishing after it overlap the next step.
        end = start + step_seconds if step_seconds else step_rows[-1][0]
        fans = sum(1 for r in step_rows if r[2] == "queue_issue")
        connection: defaultdict[str, int] = defaultdict(int)
        for r in step_rows:
            if r[3] == 0:
                connection[r[5] or "unknown"] += 1
        server = sum(1 for r in step_rows if r[3] >= 500)
        p95 = percentile(durations, 0.95)
        fans_per_second = fans / step_seconds if step_seconds else None
        cpu = cpu_percent(samples, hz, start, end)
        results.append(
            {
                "step": step,
                "rate": rate,
                "requests": len(step_rows),
                "fans": fans,
                "fans_per_second": fans_per_second,
                "p95_ms": p95,
                "p99_ms": percentile(durations, 0.99),
                "server_errors_5xx": server,
                "connection_errors": sum(connection.values()),
                "connection_errors_by_code": dict(sorted(connection.items())),
                "unexpected_4xx": sum(1 for r in step_rows if 400 <= r[3] < 500 and r[3] != 409),
                "refusals_409": sum(1 for r in step_rows if r[3] == 409),
                "window_s": end - start,
                "cpu_percent": cpu,
                "cpu_ms_per_fan": cpu_per_fan(cpu, fans_per_second),
                "slo_held": p95 is not None and p95 < SLO_MS and server == 0 and not connection,
            }
        )
    return results


def cpu_per_fan(cpu: Mapping[str, float], fans_per_second: float | None) -> dict[str, float]:
    """Milliseconds of one core each process spent per fan brought in: the
    cost that decides how many fans/s the machine's cores can carry,
    whatever the latency."""
    if not fans_per_second:
        return {}
    return {name: percent * 10.0 / fans_per_second for name, percent in cpu.items()}


def cpu_ceiling(step: StepResult, cpus: int, leave_out: Sequence[str] = ()) -> float | None:
    """Fans/s the machine's cores could carry at this step's CPU cost per
    fan, if nothing else ran: an upper bound on any capacity at that cost."""
    total = sum(ms for name, ms in step["cpu_ms_per_fan"].items() if name not in leave_out)
    return cpus * 1000.0 / total if total > 0 else None


def cost_over_k6(per_fan: Mapping[str, float]) -> dict[str, float]:
    """Each other process's CPU per fan over k6's. k6 does the same work for
    every fan in every run, so its cost follows the host's speed alone: on
    a shared host that slows or speeds up between runs, these ratios still
    compare (a change that makes a service cheaper lowers its ratio; one
    that only meets a slower host does not). Empty without k6's cost."""
    k6 = per_fan.get("k6")
    if not k6:
        return {}
    return {name: ms / k6 for name, ms in per_fan.items() if name != "k6"}


def highest_held(steps: Sequence[StepResult]) -> StepResult | None:
    """The highest step that held the SLO with every lower step holding too:
    a step that passes above a failed one is luck, not capacity."""
    best = None
    for step in steps:
        if not step["slo_held"]:
            break
        best = step
    return best


def capacity_served(steps: Sequence[StepResult]) -> float | None:
    """Fans per second the stack took while it held the SLO: the most any
    held step (up to the highest) actually delivered. When k6 runs out of
    VUs a step offers fewer fans than its name says, so the step's name
    overstates what the stack served; this figure does not."""
    served = None
    for step in steps:
        if not step["slo_held"]:
            break
        rate = step["fans_per_second"]
        if rate is not None and (served is None or rate > served):
            served = rate
    return served


def process_order(steps: Sequence[StepResult]) -> list[str]:
    seen: list[str] = [p for p in PROCESSES if any(p in s["cpu_percent"] for s in steps)]
    for step in steps:
        for name in sorted(step["cpu_percent"]):
            if name not in seen:
                seen.append(name)
    return seen


PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def svg_chart(steps: Sequence[StepResult]) -> str:
    """Left: booking p95 and p99 per step (log scale, 1 s SLO line), held
    steps green, missed red. Right: CPU per process per step."""
    panel_w, panel_h, margin_l, margin_t, gap = 420, 260, 60, 40, 70
    width = margin_l + 2 * panel_w + gap + 20
    processes = process_order(steps)
    height = margin_t + panel_h + 50 + 18 * math.ceil(max(len(processes), 1) / 4)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">'
        "capacity steps: booking latency and CPU per process</text>",
    ]
    n = max(len(steps), 1)

    def px(x0: float, index: int) -> float:
        return x0 + (index + 0.5) / n * panel_w

    # Latency panel.
    x0, y0 = margin_l, margin_t
    floor = 1.0
    peak = max([SLO_MS * 2] + [(s["p99_ms"] or 0) * 1.2 for s in steps])
    decades = math.log10(peak / floor)

    def py(value: float) -> float:
        return y0 + panel_h - math.log10(min(max(value, floor), peak) / floor) / decades * panel_h

    out.append(f'<text x="{x0 + panel_w / 2}" y="{y0 - 6}" text-anchor="middle" font-weight="bold">booking p95 (line) and p99 (dashed)</text>')
    out.append(f'<rect x="{x0}" y="{y0}" width="{panel_w}" height="{panel_h}" fill="none" stroke="#999"/>')
    for exponent in range(0, math.floor(decades) + 1):
        value = floor * 10**exponent
        label = f"{value / 1000:g} s" if value >= 1000 else f"{value:g} ms"
        out.append(f'<line x1="{x0}" x2="{x0 + panel_w}" y1="{py(value):.1f}" y2="{py(value):.1f}" stroke="#eee"/>')
        out.append(f'<text x="{x0 - 4}" y="{py(value) + 4:.1f}" text-anchor="end">{label}</text>')
    out.append(
        f'<line x1="{x0}" x2="{x0 + panel_w}" y1="{py(SLO_MS):.1f}" y2="{py(SLO_MS):.1f}" stroke="#d62728" stroke-dasharray="6 3"/>'
    )
    out.append(f'<text x="{x0 + panel_w - 4}" y="{py(SLO_MS) - 4:.1f}" text-anchor="end" fill="#d62728">SLO 1 s</text>')
    p95 = [(px(x0, i), py(s["p95_ms"])) for i, s in enumerate(steps) if s["p95_ms"] is not None]
    p99 = [(px(x0, i), py(s["p99_ms"])) for i, s in enumerate(steps) if s["p99_ms"] is not None]
    if p95:
        out.append('<polyline points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in p95) + '" fill="none" stroke="black" stroke-width="2"/>')
    if p99:
        out.append(
            '<polyline points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in p99) + '" fill="none" stroke="black" stroke-dasharray="4 3"/>'
        )
    for i, s in enumerate(steps):
        color = "#2ca02c" if s["slo_held"] else "#d62728"
        if s["p95_ms"] is not None:
            out.append(f'<circle cx="{px(x0, i):.1f}" cy="{py(s["p95_ms"]):.1f}" r="4" fill="{color}"/>')
        out.append(f'<text x="{px(x0, i):.1f}" y="{y0 + panel_h + 14}" text-anchor="middle">{s["rate"]:g}/s</text>')
    out.append(f'<text x="{x0 + panel_w / 2}" y="{y0 + panel_h + 30}" text-anchor="middle">fans arriving per second</text>')

    # CPU panel.
    x1 = margin_l + panel_w + gap
    top = max([100.0] + [v for s in steps for v in s["cpu_percent"].values()]) * 1.1

    def cy(value: float) -> float:
        return y0 + panel_h - value / top * panel_h

    out.append(f'<text x="{x1 + panel_w / 2}" y="{y0 - 6}" text-anchor="middle" font-weight="bold">CPU per process (% of one core)</text>')
    out.append(f'<rect x="{x1}" y="{y0}" width="{panel_w}" height="{panel_h}" fill="none" stroke="#999"/>')
    tick = 50 if top <= 400 else 100
    for value in range(0, int(top) + 1, tick):
        out.append(f'<line x1="{x1}" x2="{x1 + panel_w}" y1="{cy(value):.1f}" y2="{cy(value):.1f}" stroke="#eee"/>')
        out.append(f'<text x="{x1 - 4}" y="{cy(value) + 4:.1f}" text-anchor="end">{value}%</text>')
    for i, s in enumerate(steps):
        out.append(f'<text x="{px(x1, i):.1f}" y="{y0 + panel_h + 14}" text-anchor="middle">{s["rate"]:g}/s</text>')
    for index, name in enumerate(processes):
        color = PALETTE[index % len(PALETTE)]
        points = [(px(x1, i), cy(s["cpu_percent"][name])) for i, s in enumerate(steps) if name in s["cpu_percent"]]
        if points:
            out.append(
                '<polyline points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + f'" fill="none" stroke="{color}" stroke-width="1.8"/>'
            )
        row, col = divmod(index, 4)
        lx = x1 + col * (panel_w / 4)
        ly = y0 + panel_h + 36 + row * 18
        out.append(f'<line x1="{lx:.1f}" x2="{lx + 16:.1f}" y1="{ly:.1f}" y2="{ly:.1f}" stroke="{color}" stroke-width="2"/>')
        out.append(f'<text x="{lx + 20:.1f}" y="{ly + 4:.1f}">{name}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def cpu_cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


def markdown(data: Mapping[str, Any], steps: Sequence[StepResult]) -> str:
    context = data.get("context") or {}
    best = data.get("highest_step_held")
    processes = process_order(steps)
    lines = [
        "# ticketfold capacity steps",
        "",
        f"Generated {data['generated_at']} by `load/run.sh --capacity` ({data['mode']} mode) against {data['target']}.",
        "Each step is a constant arrival rate of fans doing the full flow (queue token, concerts, schedules,",
        "seat map, hold of a random seat across the schedules, charge, pay, read back), admission fixed and",
        "far above the rate, so every fan goes straight to booking.",
        "",
        "**SLO held** = booking-request p95 under **1 s**, zero HTTP 5xx and zero connection errors (no answer:",
        "status 0 with a k6 error code such as EOF or a reset), counted apart. CPU in % of one core over the",
        "step's window (`/proc/<pid>/stat`, sampled every second); Postgres is every `postgres` process,",
        "Redis `redis-server`.",
        "",
        f"Machine: {context.get('cpus', '?')} CPUs, **shared with other agents compiling and testing**; "
        f"load average (1 min) when the run started: {context.get('load_average', '?')}, "
        f"when it ended: {data.get('load_average_after', '?')}; source `{context.get('commit', '?')}`; "
        f"k6 {context.get('k6', '?')}{k6_priority(context)}"
        + (
            "; the database vacuumed first (the server runs without autovacuum)."
            if context.get("vacuumed_first") == "yes"
            else "."
        ),
        "",
        "**Highest step that held the SLO: "
        + (f"{best:g} fans/s**" if best is not None else "none**")
        + " (every lower step held too).",
        "",
        "**Capacity (fans/s served while the SLO held): "
        + (f"{data['capacity_fans_per_second']:.0f}**" if data.get("capacity_fans_per_second") else "none**")
        + ": the most fans a held step really brought in (k6 may offer fewer than the step's rate when its"
        " VUs run out); `load/run.sh`'s overload scenario is sized on it.",
        "",
        "![booking latency and CPU per step](capacity.svg)",
        "",
        "| step (fans/s) | fans | fans/s served | booking requests | p95 | p99 | 5xx | connection errors | unexpected 4xx | 409 | "
        + " | ".join(f"CPU {p}" for p in processes)
        + " | SLO |",
        "|---|---|---|---|---|---|---|---|---|---|" + "---|" * len(processes) + "---|",
    ]
    for s in steps:
        cells = [
            f"{s['rate']:g}",
            f"{s['fans']:,}",
            "-" if s["fans_per_second"] is None else f"{s['fans_per_second']:.0f}",
            f"{s['requests']:,}",
            ms(s["p95_ms"]),
            ms(s["p99_ms"]),
            str(s["server_errors_5xx"]),
            str(s["connection_errors"]),
            str(s["unexpected_4xx"]),
            str(s["refusals_409"]),
            *[cpu_cell(s["cpu_percent"].get(p)) for p in processes],
            "✅ held" if s["slo_held"] else "❌ missed",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for s in steps:
        if s["connection_errors_by_code"]:
            codes = ", ".join(f"{k}: {v}" for k, v in s["connection_errors_by_code"].items())
            lines.append(f"- step {s['rate']:g}/s, connection errors by k6 error code: {codes}.")
    lines += cost_table(steps, processes, int(context.get("cpus") or 0))
    if data.get("dropped_iterations"):
        lines.append(
            f"- k6 dropped {data['dropped_iterations']:,} arrivals (no free VU): the rate offered was lower than the step says."
        )
    return "\n".join(lines).rstrip() + "\n"


def cost_table(steps: Sequence[StepResult], processes: Sequence[str], cpus: int) -> list[str]:
    """CPU per fan brought in, and what the cores could carry at that cost:
    the capacity's ceiling when the cores are the bound, with and without
    the load generator on the same machine."""
    costed = [s for s in steps if s["cpu_ms_per_fan"]]
    if not costed or cpus <= 0:
        return []
    lines = [
        "",
        f"CPU per fan brought in (ms of one core: the step's CPU over its fans/s served), and the fans/s {cpus}"
        " cores could carry at that cost if nothing else ran, with k6 on the machine and with k6 elsewhere:",
        "",
        "| step (fans/s) | " + " | ".join(processes) + " | all | ceiling | ceiling without k6 |",
        "|---|" + "---|" * len(processes) + "---|---|---|",
    ]
    for s in costed:
        per_fan = s["cpu_ms_per_fan"]
        with_k6 = cpu_ceiling(s, cpus)
        without_k6 = cpu_ceiling(s, cpus, leave_out=("k6",))
        cells = [
            f"{s['rate']:g}",
            *["-" if per_fan.get(p) is None else f"{per_fan[p]:.1f}" for p in processes],
            f"{sum(per_fan.values()):.1f}",
            "-" if with_k6 is None else f"{with_k6:.0f}",
            "-" if without_k6 is None else f"{without_k6:.0f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines + relative_cost_table(costed, [p for p in processes if p != "k6"])


def relative_cost_table(steps: Sequence[StepResult], processes: Sequence[str]) -> list[str]:
    """The cost table over k6's own cost per fan (see `cost_over_k6`): what
    to compare between runs when the host's speed may have changed."""
    relative = [(s, cost_over_k6(s["cpu_ms_per_fan"])) for s in steps]
    relative = [(s, ratios) for s, ratios in relative if ratios]
    if not relative:
        return []
    lines = [
        "",
        "The same cost over k6's (k6 does the same work per fan in every run, so its cost follows the host's speed:"
        " compare runs by these ratios when the host may have changed between them):",
        "",
        "| step (fans/s) | " + " | ".join(processes) + " | all but k6 |",
        "|---|" + "---|" * len(processes) + "---|",
    ]
    for s, ratios in relative:
        cells = [
            f"{s['rate']:g}",
            *["-" if ratios.get(p) is None else f"{ratios[p]:.2f}" for p in processes],
            f"{sum(ratios.values()):.2f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def build_report(raw: Path, out: Path, mode: str, target: str) -> dict[str, Any]:
    summary_path = raw / "summary.json"
    summary: dict[str, Any] = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    context_path = raw / "context.json"
    context: dict[str, Any] = json.loads(context_path.read_text()) if context_path.is_file() else {}
    after_path = raw / "loadavg-after.txt"
    hz, samples = read_samples(raw / "cpu.jsonl")
    step_seconds = float(context["step_seconds"]) if context.get("step_seconds") else None
    steps = analyse_steps(read_rows(raw / "points.json.gz"), samples, hz, step_seconds)
    if not steps:
        raise SystemExit(f"error: no capacity step in {raw / 'points.json.gz'}")
    best = highest_held(steps)
    dropped = (summary.get("metrics") or {}).get("dropped_iterations")
    data: dict[str, Any] = {
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "mode": mode,
        "target": target,
        "slo": {"p95_ms_below": SLO_MS, "server_errors_5xx": 0, "connection_errors": 0},
        "context": context,
        "load_average_after": after_path.read_text().split()[0] if after_path.is_file() else None,
        "dropped_iterations": int(dropped["values"].get("count", 0)) if dropped else 0,
        "highest_step_held": best["rate"] if best else None,
        "capacity_fans_per_second": capacity_served(steps),
        "steps": steps,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "capacity.json").write_text(json.dumps(data, indent=2) + "\n")
    (out / "capacity.svg").write_text(svg_chart(steps))
    (out / "capacity.md").write_text(markdown(data, steps))
    return data


def pairs(items: Sequence[str]) -> dict[str, str]:
    result = {}
    for item in items:
        name, value = item.split("=", 1)
        result[name] = value
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="action", required=True)
    sampler = sub.add_parser("sample")
    sampler.add_argument("--out", required=True, type=Path)
    sampler.add_argument("--pid", action="append", default=[], metavar="NAME=PID")
    sampler.add_argument("--comm", action="append", default=[], metavar="NAME=COMM")
    sampler.add_argument("--interval", type=float, default=1.0)
    reporter = sub.add_parser("report")
    reporter.add_argument("--raw", required=True, type=Path)
    reporter.add_argument("--out", required=True, type=Path)
    reporter.add_argument("--mode", default="full")
    reporter.add_argument("--target", default="the `make up` stack")
    args = parser.parse_args()
    if args.action == "sample":
        pids = {name: int(pid) for name, pid in pairs(args.pid).items()}
        sample_loop(args.out, pids, pairs(args.comm), args.interval)
    else:
        data = build_report(args.raw, args.out, args.mode, args.target)
        best = data["highest_step_held"]
        print(f"capacity: {args.out / 'capacity.md'} (highest step held: {best if best is not None else 'none'})")


if __name__ == "__main__":
    main()

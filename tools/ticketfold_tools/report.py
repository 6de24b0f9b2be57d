"""Turns the raw results of load/run.sh into load/report/.

    load/report.py --raw DIR --out DIR [--mode full|short] [--target TEXT]

DIR/<strategy>/<scenario>/ holds what one k6 run left: points.json.gz (k6's
JSON output), summary.json (its handleSummary), k6.log, and the services'
/metrics before and after (metrics-before.txt, metrics-after.txt).

Writes report.md (p95/p99 per scenario and endpoint, error rate, database
fallback queries and throughput, each against the 1 s SLO, strategies side
by side), summary.json (the same numbers) and latency-<scenario>.svg (p95
per second over the run, one panel per strategy). Standard library only.
"""

import argparse
import gzip
import json
import math
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypedDict

SLO_MS = 1000.0
STRATEGIES = ("naive", "protected")
SCENARIOS = ("queue", "reservation", "stampede")
# Display order; anything else k6 tagged comes after.
ENDPOINTS = (
    "queue_issue",
    "queue_status",
    "concerts",
    "schedules",
    "seats",
    "hold",
    "charge",
    "pay",
    "reservation",
    "balance",
)
ROUTES = {
    "queue_issue": "POST /v1/queue/tokens",
    "queue_status": "GET /v1/queue/tokens/current",
    "concerts": "GET /v1/concerts",
    "schedules": "GET /v1/concerts/{id}/schedules",
    "seats": "GET /v1/schedules/{id}/seats",
    "hold": "POST /v1/reservations",
    "charge": "POST /v1/balance/charges",
    "pay": "POST /v1/payments",
    "reservation": "GET /v1/reservations/{id}",
    "balance": "GET /v1/balance",
}
JOURNEY_COUNTERS = (
    "fans_admitted",
    "fans_gave_up_waiting",
    "tickets_sold",
    "fans_sold_out",
    "fans_lost_race",
    "journeys_broken",
    "cache_entries_dropped",
    "dropped_iterations",
)

# One booking request: (time in seconds, endpoint, HTTP status, duration ms).
Row = tuple[float, str, int, float]
# p95 per second: [(seconds since the first request, p95 ms)].
Series = list[tuple[int, float]]


class Stats(TypedDict):
    requests: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    server_errors: int
    unexpected_4xx: int
    refusals_409: int
    error_rate: float | None
    only_404: bool


class RunResult(TypedDict):
    """What analyse() makes of one k6 run; summary.json holds all but series."""

    ran: bool
    booking: Stats
    endpoints: dict[str, Stats]
    throughput_rps: float | None
    duration_s: float | None
    db_fallback_queries: float | None
    cache_reads: float | None
    cache_hit_ratio: float | None
    refusals_by_code: dict[str, int]
    server_errors_by_code: dict[str, int]
    context: dict[str, Any]
    journey: dict[str, int]
    thresholds_crossed: list[str]
    slo_met: bool
    series: dict[str, Series]


# strategy -> scenario -> result
Results = dict[str, dict[str, RunResult]]


# -- numbers -------------------------------------------------------------------


def percentile(ordered: Sequence[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (what k6 reports); None
    for no values, which the report shows as '-'."""
    if not ordered:
        return None
    return interpolated(ordered, p)


def interpolated(ordered: Sequence[float], p: float) -> float:
    """percentile() for a list known not to be empty."""
    rank = (len(ordered) - 1) * p
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def parse_time(text: str) -> float:
    # k6 writes nanoseconds; datetime takes microseconds.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text).replace("Z", "+00:00")
    return datetime.fromisoformat(text).timestamp()


class Requests:
    """Every booking request of one run: duration, status, endpoint, time."""

    def __init__(self) -> None:
        self.rows: list[Row] = []

    @classmethod
    def read(cls, path: Path) -> "Requests":
        """Only the http_req_duration points tagged booking=yes: the admin
        set-up requests are not what the SLO is about."""
        requests = cls()
        if not path.is_file():
            return requests
        with gzip.open(path, "rt") as lines:
            for line in lines:
                if '"http_req_duration"' not in line or '"Point"' not in line:
                    continue
                point = json.loads(line)
                tags = point["data"].get("tags") or {}
                if tags.get("booking") != "yes":
                    continue
                requests.rows.append(
                    (
                        parse_time(point["data"]["time"]),
                        tags.get("endpoint", "?"),
                        int(tags.get("status") or 0),
                        float(point["data"]["value"]),
                    )
                )
        requests.rows.sort()
        return requests

    def stats(self, rows: Sequence[Row]) -> Stats:
        durations = sorted(row[3] for row in rows)
        statuses = [row[2] for row in rows]
        server = sum(1 for s in statuses if s >= 500 or s == 0)
        refused = sum(1 for s in statuses if s == 409)
        unexpected = sum(1 for s in statuses if 400 <= s < 500 and s != 409)
        return {
            "requests": len(rows),
            "p50_ms": percentile(durations, 0.50),
            "p95_ms": percentile(durations, 0.95),
            "p99_ms": percentile(durations, 0.99),
            "max_ms": durations[-1] if durations else None,
            "server_errors": server,
            "unexpected_4xx": unexpected,
            "refusals_409": refused,
            "error_rate": (server + unexpected) / len(rows) if rows else None,
            "only_404": bool(rows) and all(s == 404 for s in statuses),
        }

    def by_endpoint(self) -> dict[str, Stats]:
        """Known endpoints first, in ENDPOINTS order, so tables line up across runs."""
        grouped: defaultdict[str, list[Row]] = defaultdict(list)
        for row in self.rows:
            grouped[row[1]].append(row)
        order = [e for e in ENDPOINTS if e in grouped] + sorted(e for e in grouped if e not in ENDPOINTS)
        return {endpoint: self.stats(grouped[endpoint]) for endpoint in order}

    def span_seconds(self) -> float | None:
        if len(self.rows) < 2:
            return None
        return max(self.rows[-1][0] - self.rows[0][0], 1.0)

    def p95_per_second(self, endpoint: str | None = None) -> Series:
        """[(seconds since the first request, p95 ms)] per one-second bucket."""
        if not self.rows:
            return []
        start = self.rows[0][0]
        buckets: defaultdict[int, list[float]] = defaultdict(list)
        for t, ep, _, duration in self.rows:
            if endpoint is None or ep == endpoint:
                buckets[int(t - start)].append(duration)
        return [(second, interpolated(sorted(values), 0.95)) for second, values in sorted(buckets.items())]


def metric_total(text: str, name: str, label_filter: str | None = None) -> float | None:
    """Sum of every sample of <name> in a /metrics text, or None if absent."""
    total, seen = 0.0, False
    pattern = re.compile(r"^" + re.escape(name) + r"(\{[^}]*\})?\s+(\S+)")
    for line in text.splitlines():
        match = pattern.match(line)
        if not match:
            continue
        if label_filter and label_filter not in (match.group(1) or ""):
            continue
        seen = True
        total += float(match.group(2))
    return total if seen else None


def metric_delta(run_dir: Path, name: str, label_filter: str | None = None) -> float | None:
    """What the run added to a counter; None when the services do not export it."""
    before = run_dir / "metrics-before.txt"
    after = run_dir / "metrics-after.txt"
    if not (before.is_file() and after.is_file()):
        return None
    end = metric_total(after.read_text(), name, label_filter)
    if end is None:
        return None
    start = metric_total(before.read_text(), name, label_filter) or 0.0
    return end - start


def counter(summary: dict[str, Any], name: str) -> int:
    metric = (summary.get("metrics") or {}).get(name)
    return int(metric["values"].get("count", 0)) if metric else 0


def counted_by_code(run_dir: Path, metric: str) -> dict[str, int]:
    """'<endpoint> <code>' -> count, from the raw points of a custom counter."""
    codes: defaultdict[str, int] = defaultdict(int)
    path = run_dir / "points.json.gz"
    if not path.is_file():
        return {}
    with gzip.open(path, "rt") as lines:
        for line in lines:
            if f'"{metric}"' in line and '"Point"' in line:
                tags = json.loads(line)["data"].get("tags") or {}
                codes[f"{tags.get('endpoint', '?')} {tags.get('status', '')} {tags.get('code', '?')}".replace("  ", " ")] += 1
    return dict(sorted(codes.items()))


def crossed_thresholds(summary: dict[str, Any]) -> list[str]:
    crossed = []
    for name, metric in (summary.get("metrics") or {}).items():
        for threshold, verdict in (metric.get("thresholds") or {}).items():
            if not verdict.get("ok", True):
                crossed.append(f"{name} {threshold}")
    return sorted(crossed)


def analyse(run_dir: Path) -> RunResult:
    summary_path = run_dir / "summary.json"
    summary: dict[str, Any] = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    requests = Requests.read(run_dir / "points.json.gz")
    overall = requests.stats(requests.rows)
    p95 = overall["p95_ms"]
    span = requests.span_seconds()
    hits = metric_delta(run_dir, "ticketfold_cache_requests_total", 'result="hit"')
    reads = metric_delta(run_dir, "ticketfold_cache_requests_total")
    context_path = run_dir / "context.json"
    return {
        "ran": summary_path.is_file(),
        "booking": overall,
        "endpoints": requests.by_endpoint(),
        "throughput_rps": overall["requests"] / span if span else None,
        "duration_s": span,
        "db_fallback_queries": metric_delta(run_dir, "ticketfold_cache_db_fallback_queries_total"),
        "cache_reads": reads,
        "cache_hit_ratio": hits / reads if hits is not None and reads else None,
        "refusals_by_code": counted_by_code(run_dir, "business_refusals"),
        "server_errors_by_code": counted_by_code(run_dir, "server_errors"),
        "context": json.loads(context_path.read_text()) if context_path.is_file() else {},
        "journey": {name: counter(summary, name) for name in JOURNEY_COUNTERS},
        "thresholds_crossed": crossed_thresholds(summary),
        "slo_met": bool(overall["requests"])
        and p95 is not None
        and p95 < SLO_MS
        and overall["server_errors"] == 0,
        "series": {
            "all": requests.p95_per_second(),
            **{endpoint: requests.p95_per_second(endpoint) for endpoint in requests.by_endpoint()},
        },
    }


# -- charts --------------------------------------------------------------------

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79")


def svg_chart(scenario: str, results: Mapping[str, RunResult | None]) -> str:
    """p95 per second, one panel per strategy, same axes (log scale, so a
    2 ms read and a 5 s stampede both show), the 1 s SLO line."""
    panel_w, panel_h, margin_l, margin_t, margin_b, gap = 460, 260, 60, 40, 40, 30
    width = margin_l + 2 * panel_w + gap + 20
    legend_rows = 3
    height = margin_t + panel_h + margin_b + 18 * legend_rows + 10
    series_names: list[str] = []
    for strategy in STRATEGIES:
        run = results.get(strategy)
        for name in run["series"] if run else {}:
            if name != "all" and name not in series_names:
                series_names.append(name)
    colors = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(series_names)}
    floor, peak, longest = 1.0, SLO_MS * 2, 10
    for strategy in STRATEGIES:
        run = results.get(strategy)
        for points in (run["series"] if run else {}).values():
            for second, value in points:
                peak = max(peak, value * 1.2)
                longest = max(longest, second + 1)
    decades = math.log10(peak / floor)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">'
        f"{scenario}: p95 latency per second (booking requests)</text>",
    ]
    for index, strategy in enumerate(STRATEGIES):
        x0 = margin_l + index * (panel_w + gap)
        y0 = margin_t
        def px(second: float) -> float:
            return x0 + second / longest * panel_w
        def py(ms: float) -> float:
            return y0 + panel_h - math.log10(min(max(ms, floor), peak) / floor) / decades * panel_h
        out.append(f'<text x="{x0 + panel_w / 2}" y="{y0 - 6}" text-anchor="middle" font-weight="bold">CACHE_STRATEGY={strategy}</text>')
        out.append(f'<rect x="{x0}" y="{y0}" width="{panel_w}" height="{panel_h}" fill="none" stroke="#999"/>')
        for exponent in range(0, math.floor(decades) + 1):
            ms = floor * 10**exponent
            out.append(f'<line x1="{x0}" x2="{x0 + panel_w}" y1="{py(ms):.1f}" y2="{py(ms):.1f}" stroke="#eee"/>')
            if index == 0:
                label = f"{ms / 1000:g} s" if ms >= 1000 else f"{ms:g} ms"
                out.append(f'<text x="{x0 - 4}" y="{py(ms) + 4:.1f}" text-anchor="end">{label}</text>')
        for tick in range(0, longest + 1, max(1, longest // 6)):
            out.append(f'<text x="{px(tick):.1f}" y="{y0 + panel_h + 14}" text-anchor="middle">{tick}s</text>')
        out.append(
            f'<line x1="{x0}" x2="{x0 + panel_w}" y1="{py(SLO_MS):.1f}" y2="{py(SLO_MS):.1f}" '
            f'stroke="#d62728" stroke-dasharray="6 3" stroke-width="1.5"/>'
        )
        out.append(f'<text x="{x0 + panel_w - 4}" y="{py(SLO_MS) - 4:.1f}" text-anchor="end" fill="#d62728">SLO 1 s</text>')
        result = results.get(strategy)
        if not result or not result["series"].get("all"):
            out.append(f'<text x="{x0 + panel_w / 2}" y="{y0 + panel_h / 2}" text-anchor="middle" fill="#999">not run</text>')
            continue
        for name, points in result["series"].items():
            if not points:
                continue
            path = " ".join(f"{px(s + 0.5):.1f},{py(v):.1f}" for s, v in points)
            if name == "all":
                out.append(f'<polyline points="{path}" fill="none" stroke="black" stroke-width="2.5"/>')
            else:
                out.append(f'<polyline points="{path}" fill="none" stroke="{colors[name]}" stroke-width="1.2"/>')
    legend = [("all booking requests", "black")] + [(ROUTES.get(n, n), colors[n]) for n in series_names]
    per_row = math.ceil(len(legend) / legend_rows)
    for i, (label, color) in enumerate(legend):
        row, col = divmod(i, per_row)
        x = margin_l + col * ((width - margin_l) / per_row)
        y = margin_t + panel_h + margin_b + row * 18
        out.append(f'<line x1="{x:.1f}" x2="{x + 18:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{color}" stroke-width="2"/>')
        out.append(f'<text x="{x + 22:.1f}" y="{y + 4:.1f}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# -- report ----------------------------------------------------------------------


def k6_priority(context: Mapping[str, Any]) -> str:
    """How k6 shared the cores with the stack (load/run.sh's K6_NICE), for a
    report's machine line; empty for runs that did not record it."""
    niceness = context.get("k6_niceness")
    if niceness is None:
        return ""
    threads = f" on {context['k6_gomaxprocs']} Go threads" if context.get("k6_gomaxprocs") else ""
    share = "ahead of the stack for the cores" if int(niceness) < 0 else "sharing the cores with the stack"
    return f" at niceness {niceness} ({share}){threads}"


def ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"


def judged(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{ms(value)} {'✅' if value < SLO_MS else '❌'}"


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"


def plain(value: float | None, unit: str = "") -> str:
    if value is None:
        return "not exported yet"
    return f"{value:,.0f}{unit}" if float(value).is_integer() else f"{value:,.1f}{unit}"


def hit_ratio(r: RunResult) -> str:
    if r["cache_reads"] is None:
        return "not exported yet"
    if not r["cache_reads"]:
        return "no cache reads"
    return pct(r["cache_hit_ratio"])


def context_lines(results: Results) -> list[str]:
    """Where the numbers come from: the same binaries? a busy machine?"""
    lines: list[str] = []
    seen: dict[str, dict[str, Any]] = {}
    for strategy in STRATEGIES:
        for scenario in SCENARIOS:
            r = results.get(strategy, {}).get(scenario)
            if r and r["context"]:
                seen[f"{strategy}/{scenario}"] = r["context"]
    if not seen:
        return lines
    first = next(iter(seen.values()))
    lines.append(
        f"Machine: {first.get('cpus', '?')} CPUs, shared; source: `{first.get('commit', '?')}`; "
        f"k6 {first.get('k6', '?')}{k6_priority(first)}. Load average (1 min) when each run started: "
        + ", ".join(f"{name} {c.get('load_average', '?')}" for name, c in seen.items())
        + ". Latencies measured on a loaded machine say more about it than about the code; compare strategies run back to back."
    )
    return lines


def journey_cell(name: str) -> Callable[[RunResult], str]:
    """One function per counter: a lambda written in the loop would see only the last name."""
    return lambda r: plain(r["journey"][name])


def markdown(results: Results, mode: str, target: str, generated: str) -> str:
    lines = [
        "# ticketfold load report",
        "",
        f"Generated {generated} by `load/run.sh` ({mode} mode) against {target}.",
        "Every scenario ran once with `CACHE_STRATEGY=naive` (plain expire-and-refill caching, the",
        "behaviour behind the 5.74 s incident) and once with `protected`.",
        "",
        "**SLO:** p95 of booking requests (every endpoint a fan calls; admin set-up excluded) under",
        "**1 s**, and no server errors. 409 answers are business refusals (a seat already taken, a",
        "hold limit): counted apart, never errors. Error rate = (5xx + no answer + unexpected 4xx) /",
        "booking requests.",
        "",
        *context_lines(results),
        "",
        "## Verdict",
        "",
        "| scenario | " + " | ".join(STRATEGIES) + " |",
        "|---|" + "---|" * len(STRATEGIES),
    ]
    for scenario in SCENARIOS:
        cells = []
        for strategy in STRATEGIES:
            r = results.get(strategy, {}).get(scenario)
            if not r or not r["ran"]:
                cells.append("not run")
                continue
            b = r["booking"]
            verdict = "✅ met" if r["slo_met"] else "❌ missed"
            cell = f"{verdict}: p95 {ms(b['p95_ms'])}, {b['server_errors']} server errors"
            if b["unexpected_4xx"]:
                cell += f" (⚠️ {b['unexpected_4xx']} unexpected 4xx)"
            cells.append(cell)
        lines.append(f"| {scenario} | " + " | ".join(cells) + " |")
    lines.append("")

    for scenario in SCENARIOS:
        runs = {s: results.get(s, {}).get(scenario) for s in STRATEGIES}
        if not any(r and r["ran"] for r in runs.values()):
            continue
        lines += [f"## {scenario}", "", f"![p95 latency per second, {scenario}](latency-{scenario}.svg)", ""]
        header = "| endpoint | " + " | ".join(f"{s} p95 | {s} p99 | {s} requests" for s in STRATEGIES) + " |"
        lines += [header, "|---|" + "---|---|---|" * len(STRATEGIES)]
        endpoints: list[str] = []
        for r in runs.values():
            for endpoint in r["endpoints"] if r else {}:
                if endpoint not in endpoints:
                    endpoints.append(endpoint)
        endpoints.sort(key=lambda e: ENDPOINTS.index(e) if e in ENDPOINTS else len(ENDPOINTS))
        not_deployed: set[str] = set()
        for endpoint in endpoints:
            cells = []
            for strategy in STRATEGIES:
                run = runs[strategy]
                stats = run["endpoints"].get(endpoint) if run else None
                if not stats:
                    cells.append("- | - | -")
                    continue
                if stats["only_404"]:
                    not_deployed.add(endpoint)
                cells.append(f"{judged(stats['p95_ms'])} | {ms(stats['p99_ms'])} | {stats['requests']:,}")
            lines.append(f"| `{ROUTES.get(endpoint, endpoint)}` | " + " | ".join(cells) + " |")
        cells = []
        for strategy in STRATEGIES:
            run = runs[strategy]
            booking = run["booking"] if run else None
            cells.append(
                f"**{judged(booking['p95_ms'])}** | **{ms(booking['p99_ms'])}** | {booking['requests']:,}" if booking else "- | - | -"
            )
        lines.append("| **all booking requests** | " + " | ".join(cells) + " |")
        lines.append("")

        lines += ["| measure | " + " | ".join(STRATEGIES) + " |", "|---|" + "---|" * len(STRATEGIES)]
        rows: list[tuple[str, Callable[[RunResult], str]]] = [
            ("error rate", lambda r: pct(r["booking"]["error_rate"])),
            ("server errors (5xx, no answer)", lambda r: plain(r["booking"]["server_errors"])),
            ("unexpected 4xx", lambda r: plain(r["booking"]["unexpected_4xx"])),
            ("business refusals (409)", lambda r: plain(r["booking"]["refusals_409"])),
            ("throughput (booking requests/s)", lambda r: plain(r["throughput_rps"])),
            ("database fallback queries", lambda r: plain(r["db_fallback_queries"])),
            ("cache hit ratio", hit_ratio),
        ]
        rows += [(name.replace("_", " "), journey_cell(name)) for name in JOURNEY_COUNTERS]
        for label, measure in rows:
            values = [measure(run) if run and run["ran"] else "not run" for run in (runs[s] for s in STRATEGIES)]
            if label == "cache entries dropped" and scenario != "stampede":
                continue
            if label == "dropped iterations" and all(v in ("0", "not run") for v in values):
                continue
            lines.append(f"| {label} | " + " | ".join(values) + " |")
        lines.append("")
        for strategy in STRATEGIES:
            r = runs[strategy]
            if r and r["refusals_by_code"]:
                codes = ", ".join(f"{k}: {v}" for k, v in r["refusals_by_code"].items())
                lines.append(f"- {strategy}, 409 refusals by endpoint, status and code: {codes}.")
            if r and r["server_errors_by_code"]:
                codes = ", ".join(f"{k}: {v}" for k, v in r["server_errors_by_code"].items())
                lines.append(f"- {strategy}, server errors by endpoint, status and code: {codes}.")
            if r and r["thresholds_crossed"]:
                lines.append(f"- {strategy}, k6 thresholds crossed: {', '.join(f'`{t}`' for t in r['thresholds_crossed'])}.")
        if not_deployed:
            names = ", ".join(f"`{ROUTES.get(e, e)}`" for e in sorted(not_deployed))
            lines.append(f"- Answered only 404 (not deployed in this build): {names}. Their latency is a 404's, not a real read.")
        lines.append("")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).rstrip() + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--raw", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--mode", default="full")
    parser.add_argument("--target", default="the `make up` stack")
    args = parser.parse_args()

    results: Results = {}
    for strategy in STRATEGIES:
        for scenario in SCENARIOS:
            run_dir = args.raw / strategy / scenario
            if run_dir.is_dir():
                results.setdefault(strategy, {})[scenario] = analyse(run_dir)
    if not results:
        raise SystemExit(f"error: no runs under {args.raw}")

    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    args.out.mkdir(parents=True, exist_ok=True)
    for scenario in SCENARIOS:
        per_strategy = {s: results.get(s, {}).get(scenario) for s in STRATEGIES}
        if any(per_strategy.values()):
            (args.out / f"latency-{scenario}.svg").write_text(svg_chart(scenario, per_strategy))
    (args.out / "report.md").write_text(markdown(results, args.mode, args.target, generated))
    summary = {
        "generated_at": generated,
        "mode": args.mode,
        "target": args.target,
        "slo": {"p95_ms_below": SLO_MS, "server_errors": 0},
        "runs": {
            strategy: {
                scenario: {key: value for key, value in r.items() if key != "series"}
                for scenario, r in per_scenario.items()
            }
            for strategy, per_scenario in results.items()
        },
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"report: {args.out / 'report.md'}")


if __name__ == "__main__":
    main()

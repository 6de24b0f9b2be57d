"""Checks that the dashboards and the Prometheus rules tell the truth.

    dashboards/check.py [--static] [--bin-dir DIR] [--keep]

Static part (always; --static stops after it): every dashboard is valid
JSON with its fixed uid, a `datasource` variable defaulting to the
provisioned datasource and `job` and `instance` variables; every panel
reads the `$datasource` and every metric selector of every panel query
filters on `job=~"$job"` and `instance=~"$instance"`; every metric name in
every panel query and every rule is one the services declare, a recording
rule, one the process collector exports, or one listed below as not yet
built; every alert has a `runbook_url` annotation pointing at a section of
docs/runbook.md that exists.

Live part: starts a throw-away stack (load/sandbox.py: binaries from
--bin-dir, its own database, topics and Redis prefix, free ports, the
broker in TEST_KAFKA_BROKERS), a real Prometheus on a free port that runs
dashboards/prometheus/prometheus.yml with only the targets and intervals
rewritten, drives the short k6 stampede scenario through it, and then
asserts over the Prometheus HTTP API that
  - every metric name used anywhere is one the services really export,
  - every query of every panel and every recording rule returns data (a
    finite sample), except those waiting on a metric not yet built,
  - every rule evaluates without error.
A panel with a misspelled metric makes it fail. Standard library only.
"""

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Container, Iterator
from pathlib import Path
from typing import Any

from ticketfold_tools import ROOT
from ticketfold_tools.sandbox import Sandbox, free_port, log_tail

HERE = ROOT / "dashboards"
DASHBOARDS = HERE / "grafana" / "dashboards"
DATASOURCES = HERE / "grafana" / "provisioning" / "datasources" / "prometheus.yaml"
PROMETHEUS_YML = HERE / "prometheus" / "prometheus.yml"
RULES = HERE / "prometheus" / "rules"
RUNBOOK = ROOT / "docs" / "runbook.md"
# How every alert's runbook_url starts: the runbook's path in the repository,
# then a heading's anchor.
RUNBOOK_URL_PREFIX = "docs/runbook.md#"


def workspace_members() -> tuple[str, ...]:
    """The crates whose sources may declare metrics: the workspace's own
    members, so a new crate is checked without editing a list here."""
    with (ROOT / "Cargo.toml").open("rb") as manifest:
        members: list[str] = tomllib.load(manifest)["workspace"]["members"]
    return tuple(members)


CRATES = workspace_members()

# The uid of every dashboard: links and bookmarks depend on them.
UIDS = {
    "slo-overview.json": "tf-slo-overview",
    "cache.json": "tf-cache",
    "projector.json": "tf-projector",
    "queue.json": "tf-queue",
    "processes.json": "tf-processes",
}

# The template variables every dashboard has and every panel query uses:
# which Prometheus, and which services (job) and processes (instance).
DATASOURCE_VARIABLE = "datasource"
SELECTOR_VARIABLES = {"job": '$job', "instance": '$instance'}

# Exported by the prometheus crate's process collector, which
# infra/src/telemetry/process.rs registers (the check below makes sure it
# still does): standard names, not declared in our sources.
PROCESS_METRICS = {
    "process_cpu_seconds_total",
    "process_resident_memory_bytes",
    "process_virtual_memory_bytes",
    "process_open_fds",
    "process_max_fds",
    "process_start_time_seconds",
    "process_threads",
}
PROCESS_COLLECTOR = "ProcessCollector::for_self"

# Metrics the dashboards and rules already use but no service exports yet.
# Panels and recording rules that use one are PENDING while it is not
# exported: their names are checked, their data is not. As soon as the
# services export one, its panels are checked like any other and the run
# says to remove it here: the list only shrinks, and is empty once the read
# path (the cache issue) has landed.
# Every planned metric is built now; a name added here must be on its way.
NOT_YET_BUILT: dict[str, str] = {}

# Labelled counters appear in /metrics only after their first event (a
# poison record, a duplicate); a short load cannot cause them. Their names
# are checked against the Rust sources instead of the live scrape.
ONLY_AFTER_AN_EVENT = {
    "ticketfold_projector_poison_records_total",
    "ticketfold_projector_duplicate_records_total",
    "ticketfold_projector_records_skipped_total",
}

HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
PROMQL_KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
    "bool", "offset", "inf", "nan", "atan2", "start", "end",
}  # fmt: skip
GRAFANA_INTERVALS = {"__rate_interval": "15s", "__interval": "5s"}

# (rules file, "recording" or "alerting", rule name, expr)
Rule = tuple[str, str, str, str]
# (dashboard title, panel title, expr, the dashboard's variables)
Target = tuple[str, str, str, dict[str, str]]
# Parsed JSON (dashboards, Prometheus API answers): checked by hand, not typed.
JSON = Any


class Failures(list[str]):
    """Printed as they are found, counted at the end: one run shows them all."""

    def add(self, message: str) -> None:
        self.append(message)
        print(f"  FAIL {message}")


# -- PromQL without a parser ---------------------------------------------------


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (functions, keywords,
    label names and matchers, durations and numbers left out)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\boffset\s+-?\w+", " ", text)
    text = re.sub(r"(?<![\w:])\d+(\.\d+)?([eE][+-]?\d+)?", " ", text)
    names: set[str] = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        name = match.group(0)
        rest = text[match.end() :].lstrip()
        if rest.startswith("(") or name.lower() in PROMQL_KEYWORDS:
            continue
        names.add(name)
    return names


def base_name(name: str) -> str:
    """A histogram's series name without _bucket/_sum/_count: the sources
    and NOT_YET_BUILT name the histogram."""
    for suffix in HISTOGRAM_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def in_set(name: str, names: Container[str]) -> bool:
    return name in names or base_name(name) in names


GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
# May be followed by `by (...)` rather than their parenthesis.
AGGREGATIONS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile", "limitk", "limit_ratio",
}  # fmt: skip


def _skip_string(expr: str, i: int) -> int:
    """The index after the string literal starting at i."""
    quote = expr[i]
    i += 1
    while i < len(expr) and expr[i] != quote:
        i += 2 if expr[i] == "\\" and quote != "`" else 1
    return i + 1


def _closing(expr: str, i: int, opening: str, closing: str) -> int:
    """The index of the bracket closing the one at i, strings skipped."""
    depth = 0
    while i < len(expr):
        char = expr[i]
        if char in "\"'`":
            i = _skip_string(expr, i)
            continue
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unbalanced {opening} in {expr}")


def selectors(expr: str) -> list[tuple[str, str]]:
    """(metric name, the text between its braces) for every vector selector
    of a named metric in a PromQL expression."""
    found: list[tuple[str, str]] = []
    i = 0
    while i < len(expr):
        char = expr[i]
        if char in "\"'`":
            i = _skip_string(expr, i)
        elif char == "[":
            i = _closing(expr, i, "[", "]") + 1
        elif char == "{":
            i = _closing(expr, i, "{", "}") + 1
        elif char.isdigit() or (char == "." and expr[i + 1 : i + 2].isdigit()):
            while i < len(expr) and (expr[i].isalnum() or expr[i] in "._"):
                i += 1
        elif char.isalpha() or char in "_:":
            start = i
            while i < len(expr) and (expr[i].isalnum() or expr[i] in "_:"):
                i += 1
            name = expr[start:i]
            j = i
            while j < len(expr) and expr[j].isspace():
                j += 1
            following = expr[j : j + 1]
            if name.lower() in GROUPING and following == "(":
                i = _closing(expr, j, "(", ")") + 1
            elif following == "(" or name.lower() in PROMQL_KEYWORDS or name in AGGREGATIONS:
                continue
            elif following == "{":
                end = _closing(expr, j, "{", "}")
                found.append((name, expr[j + 1 : end]))
                i = end + 1
            else:
                found.append((name, ""))
        else:
            i += 1
    return found


def missing_variables(expr: str) -> list[str]:
    """`name: matcher` for each selector that does not filter on a
    dashboard variable it must use."""
    missing = []
    for name, matchers in selectors(expr):
        for label, variable in SELECTOR_VARIABLES.items():
            if not re.search(rf'(^|,)\s*{label}\s*=~\s*"\{variable}"', matchers):
                missing.append(f'{name}: {label}=~"{variable}"')
    return missing


# -- what the repository says --------------------------------------------------


def declared_in_sources() -> set[str]:
    """Every string literal in the crates' sources that could be a metric name."""
    literals: set[str] = set()
    for crate in CRATES:
        for path in (ROOT / crate).rglob("*.rs"):
            literals.update(re.findall(r'"([a-z_:][a-z0-9_:]*)"', path.read_text(errors="replace")))
    return literals


def rule_files() -> list[Rule]:
    """(file, kind, name, expr) for every rule, read with a small YAML subset
    reader (rules files are written in one style: `- record:`/`- alert:`
    then `expr:` inline or as a `|` block)."""
    rules: list[Rule] = []
    for path in sorted(RULES.glob("*.yml")):
        lines = path.read_text().splitlines()
        i = 0
        while i < len(lines):
            head = re.match(r"\s*- (record|alert): (\S+)", lines[i])
            if not head:
                i += 1
                continue
            kind, name = head.groups()
            i += 1
            while i < len(lines) and not re.match(r"\s*expr:", lines[i]):
                i += 1
            expr_line = lines[i].split("expr:", 1)[1].strip()
            if expr_line in ("|", ">"):
                indent: int | None = None
                block: list[str] = []
                i += 1
                while i < len(lines):
                    line = lines[i]
                    if line.strip() and indent is None:
                        indent = len(line) - len(line.lstrip())
                    if line.strip() and len(line) - len(line.lstrip()) < (indent or 0):
                        break
                    block.append(line.strip())
                    i += 1
                expr = " ".join(block)
            else:
                expr = expr_line
                i += 1
            rules.append((path.name, "recording" if kind == "record" else "alerting", name, expr))
    return rules


def runbook_urls() -> dict[str, str | None]:
    """The runbook_url annotation of every alert (None when it has none),
    read with the same small YAML subset reader as rule_files."""
    urls: dict[str, str | None] = {}
    for path in sorted(RULES.glob("*.yml")):
        alert = None
        for line in path.read_text().splitlines():
            head = re.match(r"\s*- (record|alert): (\S+)", line)
            if head:
                alert = head.group(2) if head.group(1) == "alert" else None
                if alert:
                    urls[alert] = None
                continue
            url = re.match(r"\s*runbook_url:\s*[\"']?([^\"'\s]+)", line)
            if alert and url:
                urls[alert] = url.group(1)
    return urls


def github_anchor(heading: str) -> str:
    """The anchor GitHub (and most Markdown renderers) give a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def runbook_anchors() -> set[str]:
    if not RUNBOOK.exists():
        return set()
    return {github_anchor(h) for h in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", RUNBOOK.read_text(), re.M)}


def check_runbook_urls(failures: Failures) -> int:
    """Every alert links a runbook section that exists; answers how many."""
    anchors = runbook_anchors()
    if not anchors:
        failures.add(f"{RUNBOOK.relative_to(ROOT)} is missing or has no headings")
    urls = runbook_urls()
    for alert, url in sorted(urls.items()):
        if url is None:
            failures.add(f"alert {alert}: no runbook_url annotation")
        elif not url.startswith(RUNBOOK_URL_PREFIX):
            failures.add(f"alert {alert}: runbook_url {url!r} does not start with {RUNBOOK_URL_PREFIX!r}")
        elif url[len(RUNBOOK_URL_PREFIX) :] not in anchors:
            failures.add(f"alert {alert}: runbook_url {url!r}: no such section in {RUNBOOK.relative_to(ROOT)}")
    return len(urls)


def panels(dashboard: JSON) -> Iterator[JSON]:
    """Top-level panels and those inside collapsed rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def dashboard_targets(failures: Failures) -> list[Target]:
    """(dashboard title, panel title, expr with variables resolved) per target."""
    uid_line = re.search(r"^\s*uid:\s*(\S+)", DATASOURCES.read_text(), re.M)
    if not uid_line:
        raise SystemExit(f"error: no datasource uid in {DATASOURCES}")
    provisioned = uid_line.group(1)
    found: dict[str, str] = {}
    targets: list[Target] = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        try:
            dashboard = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            failures.add(f"{path.name}: not valid JSON: {error}")
            continue
        uid = dashboard.get("uid")
        if UIDS.get(path.name) != uid:
            failures.add(f"{path.name}: uid {uid!r}, expected {UIDS.get(path.name)!r} (uids are stable; add new dashboards to UIDS)")
        found[path.name] = uid
        declared = dashboard.get("templating", {}).get("list", [])
        check_variables(path.name, declared, provisioned, failures)
        variables = {v["name"]: v.get("allValue") or ".*" for v in declared if v["name"] != DATASOURCE_VARIABLE}
        for panel in panels(dashboard):
            for target in panel.get("targets", []):
                for holder in (panel, target):
                    ds = holder.get("datasource")
                    if ds and ds.get("uid") != "${" + DATASOURCE_VARIABLE + "}":
                        failures.add(f"{path.name} / {panel.get('title')}: datasource uid {ds.get('uid')!r}, not ${{{DATASOURCE_VARIABLE}}}")
                expr = target.get("expr", "")
                if not expr:
                    failures.add(f"{path.name} / {panel.get('title')}: a target without expr")
                    continue
                for missing in missing_variables(expr):
                    failures.add(f"{path.name} / {panel.get('title')}: {missing} missing in {expr}")
                targets.append((dashboard.get("title", path.name), panel.get("title", "?"), expr, variables))
    for name in set(UIDS) - set(found):
        failures.add(f"dashboard {name} (uid {UIDS[name]}) is missing")
    return targets


def check_variables(board: str, declared: list[JSON], provisioned: str, failures: Failures) -> None:
    """The datasource variable defaults to the provisioned datasource; job
    and instance are there, multi-valued with an All of `.*`."""
    by_name = {v.get("name"): v for v in declared}
    datasource = by_name.get(DATASOURCE_VARIABLE)
    if not datasource or datasource.get("type") != "datasource" or datasource.get("query") != "prometheus":
        failures.add(f"{board}: no `{DATASOURCE_VARIABLE}` variable of type datasource (query prometheus)")
    elif (datasource.get("current") or {}).get("value") != provisioned:
        failures.add(f"{board}: the `{DATASOURCE_VARIABLE}` variable does not default to the provisioned {provisioned!r}")
    for name in SELECTOR_VARIABLES:
        variable = by_name.get(name)
        if not variable:
            failures.add(f"{board}: no `{name}` variable")
        elif not (variable.get("includeAll") and variable.get("multi") and variable.get("allValue") == ".*"):
            failures.add(f"{board}: the `{name}` variable must be multi-valued with All as .*")


def resolve(expr: str, variables: dict[str, str], range_seconds: int) -> str:
    """The expression as Grafana would send it, so names and data are
    checked on what really runs."""
    values = dict(GRAFANA_INTERVALS, __range=f"{range_seconds}s", **variables)
    for name in sorted(values, key=len, reverse=True):
        expr = expr.replace("${" + name + "}", values[name]).replace("$" + name, values[name])
    if "$" in expr:
        raise ValueError(f"unresolved variable in {expr}")
    return expr


# -- checks --------------------------------------------------------------------


def classify(names: set[str], recorded: set[str], pending_records: set[str], not_built: set[str]) -> str:
    """'pending' when a name is not built yet (directly or through a rule),
    'event' when every name only appears after an event, else 'required'."""
    if any(in_set(n, not_built) or n in pending_records for n in names):
        return "pending"
    raw = {n for n in names if n not in recorded}
    if raw and all(in_set(n, ONLY_AFTER_AN_EVENT) for n in raw):
        return "event"
    return "required"


def pending_recording_rules(rules: list[Rule], not_built: set[str]) -> set[str]:
    """Recording rules that wait on an unbuilt metric, also through other
    recording rules (hence the fixed point)."""
    pending: set[str] = set()
    changed = True
    while changed:
        changed = False
        for _, kind, name, expr in rules:
            if kind == "recording" and name not in pending:
                if any(in_set(n, not_built) or n in pending for n in metric_names(expr)):
                    pending.add(name)
                    changed = True
    return pending


def check_names(where: str, names: set[str], known: set[str], failures: Failures, source: str) -> None:
    for name in sorted(names):
        if not in_set(name, known):
            failures.add(f"{where}: metric {name} is not {source} (misspelled? not built? add it to NOT_YET_BUILT only if it is planned)")


def static_checks(failures: Failures) -> tuple[list[Target], list[Rule], set[str]]:
    print("static: dashboards, datasource and variables, metric names against the sources, runbook links")
    declared = declared_in_sources()
    rules = rule_files()
    recorded = {name for _, kind, name, _ in rules if kind == "recording"}
    builtin = {"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds", "scrape_samples_scraped"}
    known = declared | recorded | builtin | set(NOT_YET_BUILT) | PROCESS_METRICS
    if not any(PROCESS_COLLECTOR in path.read_text() for path in (ROOT / "infra" / "src").rglob("*.rs")):
        failures.add(f"no {PROCESS_COLLECTOR} in infra/src: the process_* metrics are not registered")
    targets = dashboard_targets(failures)
    for board, panel, expr, variables in targets:
        check_names(f"{board} / {panel}", metric_names(resolve(expr, variables, 300)), known, failures, "declared in the crates")
    for file, kind, name, expr in rules:
        check_names(f"{file} {name}", metric_names(expr), known, failures, "declared in the crates")
    for name in sorted(ONLY_AFTER_AN_EVENT):
        if name not in declared:
            failures.add(f"{name} (ONLY_AFTER_AN_EVENT) is not declared in the crates any more")
    for name in sorted(NOT_YET_BUILT):
        if name in declared:
            print(f"  note: {name} now appears in the sources; the live check will expect it exported")
    alerts = check_runbook_urls(failures)
    print(f"  {len(targets)} panel queries, {len(rules)} rules, {alerts} alerts with a runbook section")
    return targets, rules, recorded


class Prometheus:
    """A real Prometheus on the repository's configuration, only the
    targets and intervals rewritten, so the rules run as in production."""

    def __init__(self, workdir: Path, scrape_targets: dict[int, int]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        config = PROMETHEUS_YML.read_text()
        replacements = [
            ("scrape_interval: 15s", "scrape_interval: 1s"),
            ("evaluation_interval: 15s", "evaluation_interval: 1s"),
            ("- rules/*.yml", f"- {RULES}/*.yml"),
        ] + [(f'"127.0.0.1:{default}"', f'"127.0.0.1:{port}"') for default, port in scrape_targets.items()]
        for old, new in replacements:
            if config.count(old) != 1:
                raise SystemExit(f"error: {PROMETHEUS_YML.name} no longer contains {old!r} once; update tools/ticketfold_tools/check.py")
            config = config.replace(old, new)
        self.config = workdir / "prometheus.yml"
        self.config.write_text(config)
        self.log = workdir / "prometheus.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("prometheus")
        if not binary:
            raise SystemExit("error: prometheus not found; run scripts/ensure-deps.sh prometheus")
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [
                    binary,
                    f"--config.file={self.config}",
                    f"--storage.tsdb.path={self.workdir / 'data'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    "--storage.tsdb.retention.time=1h",
                    "--log.level=warn",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait(lambda: self.get("/-/ready", raw=True) is not None, 30, "Prometheus did not become ready")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def wait(self, condition: Callable[[], object], seconds: float, message: str) -> None:
        assert self.process is not None, "Prometheus.wait before start"
        deadline = time.monotonic() + seconds
        while not condition():
            if self.process.poll() is not None:
                raise SystemExit(f"error: prometheus exited:\n{log_tail(self.log)}")
            if time.monotonic() > deadline:
                raise SystemExit(f"error: {message}\n{log_tail(self.log)}")
            time.sleep(0.5)

    def get(self, path: str, params: dict[str, str] | None = None, raw: bool = False) -> JSON:
        """The answer's data (the body with raw), None when Prometheus does
        not answer or reports an error."""
        url = self.url + path + ("?" + urllib.parse.urlencode(params) if params else "")
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = response.read()
        except OSError:
            return None
        if raw:
            return body
        payload = json.loads(body)
        return payload.get("data") if payload.get("status") == "success" else None

    def query_range(self, expr: str, start: float, end: float) -> tuple[JSON, str | None]:
        """(result, None) or (None, Prometheus's error): a failing query is a
        finding, not a crash."""
        params = {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": "2"}
        url = f"{self.url}/api/v1/query_range?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=20) as response:
                payload = json.loads(response.read())
        except urllib.error.HTTPError as error:
            payload = json.loads(error.read() or b"{}")
        if payload.get("status") != "success":
            return None, payload.get("error", "query failed")
        return payload["data"]["result"], None


def finite_samples(result: JSON) -> int:
    return sum(1 for series in result for _, value in series.get("values", []) if math.isfinite(float(value)))


def drive_load(stack: Sandbox, workdir: Path) -> None:
    """The short stampede scenario: the whole booking journey (queue,
    admission, reads, holds, payments) while read-model entries are dropped,
    so misses, database fallbacks and re-warms happen under either strategy
    and the cache panels have something to show."""
    k6 = subprocess.run(
        ["bash", "-c", f'source "{ROOT}/load/k6.sh"; k6_bin'], capture_output=True, text=True, check=False
    ).stdout.strip()
    if not k6:
        raise SystemExit("error: k6 not found; run scripts/ensure-deps.sh k6")
    env = dict(os.environ, SHORT="1", K6_NO_USAGE_REPORT="true", CACHE_STRATEGY="protected", **stack.exports())
    log = workdir / "k6.log"
    with open(log, "wb") as out:
        done = subprocess.run(
            [k6, "run", "--quiet", "--no-color", "--no-summary", str(ROOT / "load" / "scenarios" / "stampede.js")],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    # 99: thresholds crossed. The load's verdict is load/run.sh's business;
    # here it only has to have happened.
    if done.returncode not in (0, 99):
        raise SystemExit(f"error: k6 failed (exit {done.returncode}):\n{log_tail(log)}")


def live_checks(
    targets: list[Target], rules: list[Rule], recorded: set[str], failures: Failures, bin_dir: str | None, workdir: Path
) -> None:
    stack = Sandbox(workdir / "stack")
    prometheus = None
    try:
        stack.up(bin_dir, {"CACHE_STRATEGY": "protected"})
        ports = stack.state["ports"]
        prometheus = Prometheus(workdir, {8080: ports["command-api"], 8081: ports["query-api"], 8082: ports["projector"]})
        prometheus.start()
        print(f"live: Prometheus on {prometheus.url} scraping command-api :{ports['command-api']}, "
              f"query-api :{ports['query-api']}, projector :{ports['projector']} (binaries in {stack.state['bin_dir']})")

        def targets_up() -> bool:
            data = prometheus.get("/api/v1/targets") or {}
            active = data.get("activeTargets", [])
            return len(active) == 3 and all(t.get("health") == "up" for t in active)

        prometheus.wait(targets_up, 30, "the three services were not all scraped successfully")
        started = time.time()
        print("  load: k6 stampede scenario (the reservation journey while cache entries are dropped), short mode")
        drive_load(stack, workdir)
        # Two scrapes and an evaluation after the last request.
        time.sleep(3)

        def rules_evaluated() -> object:
            groups = (prometheus.get("/api/v1/rules") or {}).get("groups", [])
            return groups and all(r.get("health") != "unknown" for g in groups for r in g["rules"])

        prometheus.wait(rules_evaluated, 30, "the rules were not all evaluated")
        end = time.time()
        range_seconds = int(end - started) + 5

        exported = set(prometheus.get("/api/v1/label/__name__/values") or [])
        built = {name for name in NOT_YET_BUILT if any(base_name(n) == name or n == name for n in exported)}
        not_built = set(NOT_YET_BUILT) - built
        pending_records = pending_recording_rules(rules, not_built)
        known = exported | recorded | not_built | ONLY_AFTER_AN_EVENT
        for name in sorted(ONLY_AFTER_AN_EVENT & exported):
            print(f"  note: {name} is exported (an event happened, or it is initialised at 0 now)")

        groups = (prometheus.get("/api/v1/rules") or {}).get("groups", [])
        loaded = {r["name"]: r for g in groups for r in g["rules"]}
        for file, kind, name, expr in rules:
            rule = loaded.get(name)
            if not rule:
                failures.add(f"{file} {name}: not loaded by Prometheus")
            elif rule.get("health") != "ok":
                failures.add(f"{file} {name}: {rule.get('health')}: {rule.get('lastError')}")
            check_names(f"{file} {name}", metric_names(expr), known, failures, "exported by the running services")

        counts = {"required": 0, "pending": 0, "event": 0}
        pending_panels: list[str] = []
        for board, panel, expr, variables in targets:
            query = resolve(expr, variables, range_seconds)
            names = metric_names(query)
            check_names(f"{board} / {panel}", names, known, failures, "exported by the running services")
            status = classify(names, recorded, pending_records, not_built)
            counts[status] += 1
            result, error = prometheus.query_range(query, started, end)
            if error:
                failures.add(f"{board} / {panel}: the query fails: {error}\n      {query}")
            elif status == "pending":
                pending_panels.append(f"{board} / {panel}")
            elif status == "required" and finite_samples(result) == 0:
                failures.add(f"{board} / {panel}: no data\n      {query}")

        checked_rules = 0
        for file, kind, name, expr in rules:
            if kind != "recording" or name in pending_records:
                continue
            if classify(metric_names(expr), recorded, pending_records, not_built) != "required":
                continue
            checked_rules += 1
            result, error = prometheus.query_range(name, started, end)
            if error or finite_samples(result or []) == 0:
                failures.add(f"{file} {name}: recording rule has no data ({error or 'empty'})")

        print(f"  panel queries: {counts['required']} required and returning data, "
              f"{counts['event']} on event-only counters (names checked), {counts['pending']} pending")
        print(f"  recording rules: {checked_rules} returning data, {len(pending_records)} pending; "
              f"{sum(1 for r in rules if r[1] == 'alerting')} alerting rules evaluated")
        print_pending(not_built, built, pending_panels, pending_records)
    finally:
        if prometheus:
            prometheus.stop()
        stack.down()


def print_pending(not_built: set[str], built: set[str], pending_panels: list[str], pending_records: set[str]) -> None:
    if built:
        print(f"  NOTE: exported now, so checked like the rest; remove from NOT_YET_BUILT in tools/ticketfold_tools/check.py: {', '.join(sorted(built))}")
    if not not_built:
        print("  not yet built: none; every panel and rule is checked for data")
        return
    print(f"  NOT YET BUILT ({len(not_built)} metrics, the read-path issue); names checked, data not:")
    for name in sorted(not_built):
        print(f"    - {name}: {NOT_YET_BUILT[name]}")
    if pending_panels:
        print(f"  pending panels ({len(pending_panels)}): " + "; ".join(sorted(set(pending_panels))))
    if pending_records:
        print(f"  pending recording rules ({len(pending_records)}): " + ", ".join(sorted(pending_records)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--static", action="store_true", help="only the checks that need no running stack")
    parser.add_argument("--bin-dir", help="folder with the three binaries (default: the newer of target/release and target/debug)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, Prometheus data)")
    args = parser.parse_args()

    failures = Failures()
    targets, rules, recorded = static_checks(failures)
    if not args.static and not failures:
        workdir = Path(tempfile.mkdtemp(prefix="tf-dashboards-"))
        finished = False
        try:
            live_checks(targets, rules, recorded, failures, args.bin_dir, workdir)
            finished = True
        finally:
            if args.keep or failures or not finished:
                print(f"  work folder kept: {workdir}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        print(f"dashboards/check.py: {len(failures)} failure(s)")
        return 1
    print("dashboards/check.py: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())

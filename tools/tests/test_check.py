"""The dashboards check without a running stack: reading PromQL, rules and
dashboards, and deciding what must return data."""

import json
from pathlib import Path

import pytest

from ticketfold_tools import check
from ticketfold_tools.check import Failures, Rule

# -- PromQL --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("up", {"up"}),
        ('sum by (route) (rate(ticketfold_http_requests_total{job="query-api", code=~"5.."}[5m]))', {"ticketfold_http_requests_total"}),
        (
            "histogram_quantile(0.95, sum by (le, kind) (rate(ticketfold_cache_warmup_lead_seconds_bucket[$__rate_interval])))",
            {"ticketfold_cache_warmup_lead_seconds_bucket"},
        ),
        ("a_total / ignoring(code) group_left b_total offset 5m", {"a_total", "b_total"}),
        ("max(ticketfold_queue_waiting_users) > 1e3 and on(instance) ticketfold_queue_lease_held == 1", {"ticketfold_queue_waiting_users", "ticketfold_queue_lease_held"}),
        ('label_replace(up, "dst", "$1", "src_total", "(.*)")', {"up"}),
        ("ticketfold:cache_requests:rate5m * 100 unless vector(0)", {"ticketfold:cache_requests:rate5m"}),
        ("sum without (instance) (x_total) or absent(y_total)", {"x_total", "y_total"}),
        ("1 - 0.5", set()),
    ],
)
def test_metric_names(expr: str, names: set[str]) -> None:
    assert check.metric_names(expr) == names


def test_base_name_and_in_set() -> None:
    assert check.base_name("ticketfold_queue_wait_seconds_bucket") == "ticketfold_queue_wait_seconds"
    assert check.base_name("ticketfold_queue_wait_seconds_count") == "ticketfold_queue_wait_seconds"
    assert check.base_name("ticketfold_queue_wait_seconds_sum") == "ticketfold_queue_wait_seconds"
    assert check.base_name("ticketfold_cache_requests_total") == "ticketfold_cache_requests_total"
    assert check.in_set("ticketfold_queue_wait_seconds_bucket", {"ticketfold_queue_wait_seconds"})
    assert check.in_set("ticketfold_queue_wait_seconds", {"ticketfold_queue_wait_seconds"})
    assert not check.in_set("ticketfold_queue_wait_seconds_bucket", {"queue_wait"})


def test_resolve_substitutes_grafana_and_dashboard_variables() -> None:
    expr = 'rate(x_total{kind=~"$kind", k="${k}"}[$__rate_interval]) + increase(y_total[$__range]) + z[$__interval]'
    assert check.resolve(expr, {"kind": "seats|balance", "k": ".*"}, 300) == (
        'rate(x_total{kind=~"seats|balance", k=".*"}[15s]) + increase(y_total[300s]) + z[5s]'
    )


def test_resolve_refuses_an_unknown_variable() -> None:
    with pytest.raises(ValueError, match="unresolved variable"):
        check.resolve("rate(x_total{kind=~\"$other\"}[5m])", {"kind": ".*"}, 60)


def test_classify(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check, "ONLY_AFTER_AN_EVENT", {"poison_total"})
    recorded = {"tf:rate5m"}
    assert check.classify({"a_total"}, recorded, set(), set()) == "required"
    assert check.classify({"new_seconds_bucket"}, recorded, set(), {"new_seconds"}) == "pending"
    assert check.classify({"tf:pending"}, recorded, {"tf:pending"}, set()) == "pending"
    assert check.classify({"poison_total"}, recorded, set(), set()) == "event"
    assert check.classify({"poison_total", "tf:rate5m"}, recorded, set(), set()) == "event"
    assert check.classify({"poison_total", "a_total"}, recorded, set(), set()) == "required"
    assert check.classify({"tf:rate5m"}, recorded, set(), set()) == "required"


def test_pending_recording_rules_follow_rules_built_on_rules() -> None:
    rules: list[Rule] = [
        ("a.yml", "recording", "tf:new:rate5m", "rate(new_total[5m])"),
        ("a.yml", "recording", "tf:new:ratio", "tf:new:rate5m / tf:old:rate5m"),
        ("a.yml", "recording", "tf:old:rate5m", "rate(old_total[5m])"),
        ("a.yml", "alerting", "NewTooHigh", "tf:new:ratio > 1"),
        ("b.yml", "recording", "tf:lat:p95", "histogram_quantile(0.95, rate(lat_seconds_bucket[5m]))"),
    ]
    assert check.pending_recording_rules(rules, {"new_total", "lat_seconds"}) == {"tf:new:rate5m", "tf:new:ratio", "tf:lat:p95"}
    assert check.pending_recording_rules(rules, set()) == set()


def test_check_names_reports_unknown_names(capsys: pytest.CaptureFixture[str]) -> None:
    failures = Failures()
    check.check_names("board / panel", {"lat_seconds_bucket", "a_total", "typo_totl"}, {"lat_seconds", "a_total"}, failures, "declared")
    assert failures == [
        "board / panel: metric typo_totl is not declared (misspelled? not built? add it to NOT_YET_BUILT only if it is planned)"
    ]
    assert "  FAIL board / panel: metric typo_totl" in capsys.readouterr().out


def test_finite_samples_skips_nan_and_infinities() -> None:
    result = [
        {"metric": {}, "values": [[1, "0.5"], [2, "NaN"], [3, "+Inf"]]},
        {"metric": {}, "values": [[1, "0"], [2, "-Inf"]]},
        {"metric": {}},
    ]
    assert check.finite_samples(result) == 2
    assert check.finite_samples([]) == 0


# -- files ---------------------------------------------------------------------

RULES_YML = """\
groups:
  - name: g
    rules:
      - record: tf:a:rate5m
        expr: sum by (kind) (rate(a_total[5m]))

      - record: tf:a:ratio
        expr: |
          sum(rate(a_total{result="miss"}[5m]))
          /
            sum(rate(a_total[5m]))
        labels:
          team: x

      - alert: TooMany
        for: 5m
        expr: >
          tf:a:ratio
            > 0.5
        annotations:
          summary: too many
"""


def test_rule_files_reads_inline_and_block_expressions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "b.yml").write_text(RULES_YML)
    (tmp_path / "a.yml").write_text("groups:\n  - name: h\n    rules:\n      - alert: Down\n        expr: up == 0\n")
    (tmp_path / "notes.txt").write_text("- record: ignored\n  expr: x\n")
    monkeypatch.setattr(check, "RULES", tmp_path)
    assert check.rule_files() == [
        ("a.yml", "alerting", "Down", "up == 0"),
        ("b.yml", "recording", "tf:a:rate5m", "sum by (kind) (rate(a_total[5m]))"),
        ("b.yml", "recording", "tf:a:ratio", 'sum(rate(a_total{result="miss"}[5m])) / sum(rate(a_total[5m]))'),
        ("b.yml", "alerting", "TooMany", "tf:a:ratio > 0.5"),
    ]


DATASOURCE_YAML = "apiVersion: 1\ndatasources:\n  - name: P\n    uid: prom-uid\n    type: prometheus\n"


def _dashboards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, boards: dict[str, object]) -> Path:
    folder = tmp_path / "dashboards"
    folder.mkdir()
    for name, board in boards.items():
        (folder / name).write_text(board if isinstance(board, str) else json.dumps(board))
    datasources = tmp_path / "prometheus.yaml"
    datasources.write_text(DATASOURCE_YAML)
    monkeypatch.setattr(check, "DASHBOARDS", folder)
    monkeypatch.setattr(check, "DATASOURCES", datasources)
    monkeypatch.setattr(check, "UIDS", {"one.json": "tf-one", "two.json": "tf-two", "gone.json": "tf-gone"})
    return folder


DS_VARIABLE = {"name": "datasource", "type": "datasource", "query": "prometheus", "current": {"value": "prom-uid"}}
JOB = {"name": "job", "includeAll": True, "multi": True, "allValue": ".*"}
INSTANCE = {"name": "instance", "includeAll": True, "multi": True, "allValue": ".*"}
FILTERED = 'job=~"$job",instance=~"$instance"'


def test_dashboard_targets_collects_queries_from_rows_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ds = {"type": "prometheus", "uid": "${datasource}"}
    board = {
        "uid": "tf-one",
        "title": "One",
        "templating": {"list": [DS_VARIABLE, JOB, INSTANCE, {"name": "kind", "allValue": "seats|balance"}]},
        "panels": [
            {"title": "Top", "datasource": ds, "targets": [{"expr": f"rate(a_total{{{FILTERED}}}[$__rate_interval])", "datasource": ds}]},
            {"title": "Row", "type": "row", "panels": [{"title": "Inner", "targets": [{"expr": f'b_total{{{FILTERED},kind=~"$kind"}}'}]}]},
        ],
    }
    _dashboards(tmp_path, monkeypatch, {"one.json": board, "two.json": {"uid": "tf-two", "templating": {"list": [DS_VARIABLE, JOB, INSTANCE]}, "panels": []}})
    failures = Failures()
    targets = check.dashboard_targets(failures)
    variables = {"job": ".*", "instance": ".*", "kind": "seats|balance"}
    assert targets == [
        ("One", "Top", f"rate(a_total{{{FILTERED}}}[$__rate_interval])", variables),
        ("One", "Inner", f'b_total{{{FILTERED},kind=~"$kind"}}', variables),
    ]
    assert failures == ["dashboard gone.json (uid tf-gone) is missing"]


def test_dashboard_targets_reports_what_is_wrong(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    board = {
        "uid": "tf-renamed",
        "title": "One",
        "templating": {"list": [dict(DS_VARIABLE, current={"value": "elsewhere"}), JOB]},
        "panels": [
            {"title": "Foreign", "datasource": {"uid": "elsewhere"}, "targets": [{"expr": 'up{job=~"$job"}'}]},
            {"title": "Empty", "targets": [{"refId": "A"}]},
        ],
    }
    _dashboards(tmp_path, monkeypatch, {"one.json": board, "two.json": "{not json", "gone.json": {"uid": "tf-gone"}})
    failures = Failures()
    targets = check.dashboard_targets(failures)
    assert targets == [("One", "Foreign", 'up{job=~"$job"}', {"job": ".*"})]
    assert "one.json: uid 'tf-renamed', expected 'tf-one' (uids are stable; add new dashboards to UIDS)" in failures
    assert "one.json: the `datasource` variable does not default to the provisioned 'prom-uid'" in failures
    assert "one.json: no `instance` variable" in failures
    assert "one.json / Foreign: datasource uid 'elsewhere', not ${datasource}" in failures
    assert """one.json / Foreign: up: instance=~"$instance" missing in up{job=~"$job"}""" in failures
    assert "one.json / Empty: a target without expr" in failures
    assert any(f.startswith("two.json: not valid JSON:") for f in failures)
    assert "dashboard two.json (uid tf-two) is missing" in failures
    assert "gone.json: no `datasource` variable of type datasource (query prometheus)" in failures
    assert len(failures) == 11


@pytest.mark.parametrize(
    ("expr", "found"),
    [
        ('sum by (kind) (rate(a_total{kind="x"}[5m])) / sum by (kind) (b_total)', [("a_total", 'kind="x"'), ("b_total", "")]),
        ("histogram_quantile(0.95, sum by (le) (rate(c_bucket[5m]))) offset 5m", [("c_bucket", "")]),
        ('time() - max(d{job=~"$job"}) > 1e3 and on(instance) tf:e:rate5m', [("d", 'job=~"$job"'), ("tf:e:rate5m", "")]),
        ('count(f{a="}{[("}) or vector(0)', [("f", 'a="}{[("')]),
        ("1 - 0.5", []),
    ],
)
def test_selectors(expr: str, found: list[tuple[str, str]]) -> None:
    assert check.selectors(expr) == found


def test_missing_variables_names_each_selector_and_label() -> None:
    assert check.missing_variables(f"a{{{FILTERED}}} / b{{job=~\"$job\"}}") == ['b: instance=~"$instance"']
    assert check.missing_variables('a{job="x",instance=~"$instance"}') == ['a: job=~"$job"']


def test_runbook_links_must_name_a_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yml").write_text(
        "groups:\n  - name: a\n    rules:\n"
        "      - record: tf:x:rate5m\n        expr: sum(rate(x_total[5m]))\n"
        "      - alert: Linked\n        expr: up == 0\n        annotations:\n          runbook_url: docs/runbook.md#linked\n"
        "      - alert: Dangling\n        expr: up == 0\n        annotations:\n          runbook_url: 'docs/runbook.md#nowhere'\n"
        "      - alert: Elsewhere\n        expr: up == 0\n        annotations:\n          runbook_url: https://wiki/x\n"
        "      - alert: Unlinked\n        expr: up == 0\n        annotations:\n          summary: s\n"
    )
    runbook = tmp_path / "runbook.md"
    runbook.write_text("# Runbook\n\n## Linked\n\ntext\n")
    monkeypatch.setattr(check, "RULES", rules)
    monkeypatch.setattr(check, "RUNBOOK", runbook)
    monkeypatch.setattr(check, "ROOT", tmp_path)
    failures = Failures()
    assert check.check_runbook_urls(failures) == 4
    assert sorted(failures) == [
        "alert Dangling: runbook_url 'docs/runbook.md#nowhere': no such section in runbook.md",
        "alert Elsewhere: runbook_url 'https://wiki/x' does not start with 'docs/runbook.md#'",
        "alert Unlinked: no runbook_url annotation",
    ]


def test_the_repository_runbook_covers_every_alert() -> None:
    failures = Failures()
    assert check.check_runbook_urls(failures) > 0
    assert failures == []


def test_prometheus_config_points_at_the_sandbox(tmp_path: Path) -> None:
    prometheus = check.Prometheus(tmp_path, {8080: 41002, 8081: 41003, 8082: 41001})
    config = (tmp_path / "prometheus.yml").read_text()
    assert '"127.0.0.1:41002"' in config and '"127.0.0.1:41003"' in config and '"127.0.0.1:41001"' in config
    assert '"127.0.0.1:8080"' not in config
    assert "scrape_interval: 1s" in config and "evaluation_interval: 1s" in config
    assert f"- {check.RULES}/*.yml" in config
    assert prometheus.url == f"http://127.0.0.1:{prometheus.port}"


def test_prometheus_config_refuses_a_changed_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    changed = tmp_path / "prometheus.yml.in"
    changed.write_text(check.PROMETHEUS_YML.read_text().replace("scrape_interval: 15s", "scrape_interval: 30s"))
    monkeypatch.setattr(check, "PROMETHEUS_YML", changed)
    with pytest.raises(SystemExit, match="no longer contains 'scrape_interval: 15s' once"):
        check.Prometheus(tmp_path, {8080: 1, 8081: 2, 8082: 3})


def test_the_repository_rules_parse() -> None:
    """The real rules files stay readable by the small YAML reader."""
    rules = check.rule_files()
    assert rules, "no rules found"
    assert all(kind in ("recording", "alerting") and name and expr for _, kind, name, expr in rules)
    assert all("expr:" not in expr and "for:" not in expr for _, _, _, expr in rules)

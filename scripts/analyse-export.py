#!/usr/bin/env python3
"""The analysts' example of docs/analysis.md: three questions answered with
DuckDB from two exports of the log.

    projector export --upcast --out records.jsonl
    projector export --kind decisions --out decisions.jsonl
    scripts/analyse-export.py records.jsonl decisions.jsonl [--expect expected.json]

Prints sales per schedule, hold-to-payment conversion and the time each
sold-out schedule took to sell out. With --expect (a JSON file of the
figures the read tables hold; `make test` writes one beside a real export)
it exits 1 unless the export says the same. Needs `pip install duckdb`.
"""

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb

# One row per record; `data` is the payload at its latest version (--upcast).
RECORDS = """
CREATE VIEW records AS
SELECT json ->> 'topic' AS topic,
       (json ->> 'partition')::INTEGER AS partition,
       (json ->> 'offset')::BIGINT AS "offset",
       (json ->> 'timestamp')::TIMESTAMPTZ AS ts,
       json ->> '$.envelope.event_type' AS event_type,
       json ->> '$.envelope.event_id' AS event_id,
       json -> '$.envelope.data' AS data
FROM read_ndjson_objects(?)
"""

# One row per decision, at the record whose fold made it.
DECISIONS = """
CREATE VIEW decisions AS
SELECT (json ->> 'timestamp')::TIMESTAMPTZ AS ts,
       json ->> 'command_id' AS command_id,
       json ->> 'command_type' AS command_type,
       json ->> 'outcome' AS outcome,
       json ->> 'code' AS code,
       json -> 'body' AS body
FROM read_ndjson_objects(?)
"""

# A payment's answer names its reservation; its request names the schedule.
SALES_PER_SCHEDULE = """
SELECT r.data ->> 'schedule_id' AS schedule_id,
       count(*) AS sold,
       sum((d.body ->> 'amount')::BIGINT) AS revenue
FROM decisions d
JOIN records r ON r.event_id = d.command_id
WHERE d.command_type = 'PAYMENT' AND d.outcome = 'ACCEPTED'
GROUP BY ALL
ORDER BY schedule_id
"""

HOLD_TO_PAYMENT = """
SELECT count(*) FILTER (command_type = 'HOLD' AND outcome = 'ACCEPTED') AS holds_granted,
       count(*) FILTER (command_type = 'PAYMENT' AND outcome = 'ACCEPTED') AS holds_paid,
       count(*) FILTER (command_type = 'HOLD' AND outcome = 'REFUSED') AS holds_refused
FROM decisions
"""

# From the first hold granted on a schedule to the payment of its last
# seat, in broker time (when the records were appended).
TIME_TO_SELL_OUT = """
WITH seats AS (
    SELECT data ->> 'schedule_id' AS schedule_id, json_array_length(data -> 'seats') AS seats
    FROM records WHERE event_type = 'ScheduleAdded'
), sales AS (
    SELECT r.data ->> 'schedule_id' AS schedule_id, count(*) AS sold, max(d.ts) AS last_sale
    FROM decisions d JOIN records r ON r.event_id = d.command_id
    WHERE d.command_type = 'PAYMENT' AND d.outcome = 'ACCEPTED'
    GROUP BY ALL
), first_holds AS (
    SELECT body ->> 'schedule_id' AS schedule_id, min(ts) AS first_hold
    FROM decisions WHERE command_type = 'HOLD' AND outcome = 'ACCEPTED'
    GROUP BY ALL
)
SELECT schedule_id, seats, last_sale - first_hold AS time_to_sell_out
FROM seats JOIN sales USING (schedule_id) JOIN first_holds USING (schedule_id)
WHERE sold = seats
ORDER BY schedule_id
"""


def analyse(records: Path, decisions: Path) -> dict[str, Any]:
    db = duckdb.connect()
    db.execute(RECORDS.replace("?", quote(records)))
    db.execute(DECISIONS.replace("?", quote(decisions)))
    sales = db.execute(SALES_PER_SCHEDULE).fetchall()
    granted, paid, refused = db.execute(HOLD_TO_PAYMENT).fetchone() or (0, 0, 0)
    sold_out = db.execute(TIME_TO_SELL_OUT).fetchall()
    return {
        "sales": [{"schedule_id": s, "sold": n, "revenue": revenue} for s, n, revenue in sales],
        "holds_granted": granted,
        "holds_paid": paid,
        "holds_refused": refused,
        "conversion": paid / granted if granted else None,
        "sold_out": [{"schedule_id": s, "seats": seats, "time_to_sell_out": took} for s, seats, took in sold_out],
    }


def quote(path: Path) -> str:
    """A path as an SQL string literal (views take no parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def report(found: dict[str, Any]) -> str:
    lines = ["sales per schedule:"]
    lines += [f"  {s['schedule_id']}  {s['sold']} sold, {s['revenue']} KRW" for s in found["sales"]]
    conversion = found["conversion"]
    shown = f"{conversion:.0%}" if conversion is not None else "n/a"
    lines.append(
        f"holds: {found['holds_granted']} granted, {found['holds_paid']} paid ({shown}), "
        f"{found['holds_refused']} refused"
    )
    lines.append("sold out:")
    lines += [f"  {s['schedule_id']}  {s['seats']} seats in {s['time_to_sell_out']}" for s in found["sold_out"]]
    return "\n".join(lines)


def mismatches(found: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    problems = []
    sales = {s["schedule_id"]: s["sold"] for s in found["sales"]}
    wanted = {s["schedule_id"]: s["sold"] for s in expected["sales"]}
    if sales != wanted:
        problems.append(f"sales per schedule {sales}, the read tables say {wanted}")
    for key in ("holds_granted", "holds_paid"):
        if found[key] != expected[key]:
            problems.append(f"{key} {found[key]}, the read tables say {expected[key]}")
    sold_out = [s["schedule_id"] for s in found["sold_out"]]
    if sold_out != sorted(expected["sold_out"]):
        problems.append(f"sold out {sold_out}, expected {expected['sold_out']}")
    for s in found["sold_out"]:
        took = s["time_to_sell_out"]
        if not isinstance(took, timedelta) or took <= timedelta(0):
            problems.append(f"{s['schedule_id']}: time to sell out {took!r} is not a positive duration")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("records", type=Path, help="projector export --upcast (records)")
    parser.add_argument("decisions", type=Path, help="projector export --kind decisions")
    parser.add_argument("--expect", type=Path, help="figures the export must reproduce (JSON)")
    args = parser.parse_args()
    for path in (args.records, args.decisions):
        if not path.is_file():
            sys.exit(f"error: {path} does not exist")
    found = analyse(args.records, args.decisions)
    print(report(found))
    if args.expect:
        problems = mismatches(found, json.loads(args.expect.read_text()))
        for problem in problems:
            print(f"MISMATCH: {problem}", file=sys.stderr)
        if problems:
            sys.exit(1)
        print("the export reproduces the read tables' figures")


if __name__ == "__main__":
    main()

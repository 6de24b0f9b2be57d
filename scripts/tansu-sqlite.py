#!/usr/bin/env python3
"""tansu 0.6.0's sqlite storage reads a record's headers with a query
(`header_fetch.sql`) that joins `header` on `(topition, offset_id)`, and
its `header` table has no index on them: every fetched record scans every
header in the file. Each of our records carries one header (its W3C
`traceparent`), so a fetch slows down linearly with the log's length. A
plain index on those two columns makes the lookup constant.

    scripts/tansu-sqlite.py index FILE      add the index (idempotent)
    scripts/tansu-sqlite.py measure N...    time tansu's own query at N
                                             records, with and without it

`measure` reads tansu's DDL and query from its source in the cargo
registry (scripts/ensure-deps.sh built tansu from there), so the figures
are of tansu's own SQL, in an in-memory database.
"""

import argparse
import glob
import os
import sqlite3
import sys
import time

INDEX = "CREATE INDEX IF NOT EXISTS ticketfold_header_by_record ON header (topition, offset_id)"
TABLES = ("010-cluster.sql", "020-topic.sql", "030-topition.sql", "040-record.sql", "040-header.sql")


def index(path: str) -> None:
    # tansu holds the file open: wait for its write lock rather than fail.
    db = sqlite3.connect(path, timeout=60)
    try:
        if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'header'").fetchone() is None:
            sys.exit(f"{path}: no header table (has tansu created its storage yet?)")
        db.execute(INDEX)
        db.commit()
    finally:
        db.close()


def tansu_source() -> str:
    found = glob.glob(os.path.expanduser("~/.cargo/registry/src/*/tansu-storage-0.6.0/src"))
    if not found:
        sys.exit("tansu-storage 0.6.0's source is not in the cargo registry (run scripts/ensure-deps.sh)")
    return found[0]


def statement(root: str, relative: str) -> str:
    with open(os.path.join(root, relative)) as file:
        return "\n".join(line for line in file.read().splitlines() if not line.lstrip().startswith("--"))


def measure(sizes: list[int]) -> None:
    root = tansu_source()
    query = statement(root, "sql/header_fetch.sql")
    print("records    header_fetch of the newest record (ms): no index / index")
    for size in sizes:
        db = sqlite3.connect(":memory:")
        for table in TABLES:
            db.executescript(statement(root, f"ddl/{table}"))
        db.execute("INSERT INTO cluster (name) VALUES ('c')")
        db.execute("INSERT INTO topic (cluster, name, uuid, partitions, replication_factor) VALUES (1, 't', 'u', 1, 1)")
        db.execute("INSERT INTO topition (topic, partition) VALUES (1, 0)")
        db.executemany("INSERT INTO record (topition, offset_id, v) VALUES (1, ?, x'00')", ((i,) for i in range(size)))
        db.executemany(
            "INSERT INTO header (topition, offset_id, k, v) VALUES (1, ?, 'traceparent', '00-0')",
            ((i,) for i in range(size)),
        )
        db.commit()
        newest = query.replace("$1", "'c'").replace("$2", "'t'").replace("$3", "0").replace("$4", str(size - 1))
        timings = []
        for indexed in (False, True):
            if indexed:
                db.execute(INDEX)
            repeats = 20
            started = time.perf_counter()
            for _ in range(repeats):
                if len(db.execute(newest).fetchall()) != 1:
                    sys.exit("tansu's query did not find the newest record's header")
            timings.append((time.perf_counter() - started) / repeats * 1000)
        print(f"{size:>9}  {timings[0]:10.3f} / {timings[1]:.3f}")
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("index").add_argument("file")
    commands.add_parser("measure").add_argument("sizes", nargs="+", type=int)
    args = parser.parse_args()
    if args.command == "index":
        index(args.file)
    else:
        measure(args.sizes)


if __name__ == "__main__":
    main()

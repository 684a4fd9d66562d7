"""The usage stage on DuckDB and on Spark local[N], timed alike (a benchmark, not a test).

    python -m pipelines.bench.usage_stage --events 100000000 --json docs/bench-spark.json

Generates the events once (seeded), then runs `cspulse usage-rollup` once per engine in a fresh
process each (the same command a user runs: imports, session and JVM start included), times Spark's
start-up alone (a session and a one-row job), and compares every output row of the two engines.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from metrics.usage import STAGE_OUTPUTS
from pipelines.generate.usage_events import write_usage_events

MODULES = ["crm", "billing", "reports", "api", "mobile", "analytics", "support", "integrations"]
SPARK_STARTUP = """
import time
started = time.perf_counter()
from pyspark.sql import SparkSession
spark = SparkSession.builder.master({master!r}).config("spark.ui.enabled", "false").getOrCreate()
spark.range(1).count()
print(time.perf_counter() - started)
spark.stop()
"""


def _run(command: list[str]) -> tuple[float, dict]:
    started = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - started, json.loads(done.stdout)


def _equal(left: Path, right: Path) -> dict[str, bool]:
    """Every output row equal (as sets of rows: EXCEPT both ways), and the same column types."""
    con = duckdb.connect()
    found = {}
    for name in STAGE_OUTPUTS:
        a, b = f"read_parquet('{left}/{name}.parquet')", f"read_parquet('{right}/{name}.parquet')"
        types_a = con.execute(f"DESCRIBE SELECT * FROM {a}").fetchall()
        types_b = con.execute(f"DESCRIBE SELECT * FROM {b}").fetchall()
        row = con.execute(
            f"SELECT (SELECT count(*) FROM (FROM {a} EXCEPT ALL FROM {b})),"
            f" (SELECT count(*) FROM (FROM {b} EXCEPT ALL FROM {a}))"
        ).fetchone()
        found[name] = types_a == types_b and row == (0, 0)
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000_000)
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="8g")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--work", type=Path, help="where the events and outputs go (default: a temp dir)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="cspulse-usage-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()  # the machine's other work as the runs start (2 cores)
    events = work / "usage_events.parquet"
    accounts = [f"ACC{i:05d}" for i in range(args.accounts)]
    started = time.perf_counter()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    rows = write_usage_events(events, accounts, MODULES, args.events, start, args.days)
    generated = time.perf_counter() - started
    print(f"generated {rows:,} events in {generated:.0f} s", file=sys.stderr)
    as_of = ["2024-03-01", "2024-04-01", "2024-05-01"]
    cli = [sys.executable, "-m", "pipelines", "usage-rollup", "--events", str(events), "--as-of", *as_of]
    duck_s, duck = _run([*cli, "--out", str(work / "duckdb")])
    print(f"duckdb {duck_s:.0f} s", file=sys.stderr)
    spark_s, spark = _run(
        [
            *cli,
            "--out",
            str(work / "spark"),
            "--engine",
            "spark",
            "--master",
            args.master,
            "--conf",
            f"spark.driver.memory={args.driver_memory}",
            "--conf",
            "spark.sql.shuffle.partitions=16",
        ]
    )
    print(f"spark {spark_s:.0f} s", file=sys.stderr)
    startup = subprocess.run(
        [sys.executable, "-c", SPARK_STARTUP.format(master=args.master)],
        check=True,
        capture_output=True,
        text=True,
    )
    report = {
        "what": "cspulse usage-rollup, the same events and as-of dates, one fresh process per engine",
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "load_average_before": load_before,
        "events": rows,
        "accounts": args.accounts,
        "days": args.days,
        "as_of_dates": as_of,
        "generate_s": round(generated, 1),
        "duckdb_s": round(duck_s, 1),
        "spark_master": args.master,
        "spark_s": round(spark_s, 1),
        "spark_startup_s": round(float(startup.stdout.strip().splitlines()[-1]), 1),
        "load_average_after": os.getloadavg(),
        "duckdb_stages_s": duck["seconds"],
        "spark_stages_s": spark["seconds"],
        "output_rows": duck["rows"],
        "outputs_equal": _equal(work / "duckdb", work / "spark"),
    }
    text = json.dumps(report, indent=2)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

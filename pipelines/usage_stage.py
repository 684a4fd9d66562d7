"""`cspulse usage-rollup`: user-level usage events -> the figures the adoption and health marts read,
on the embedded DuckDB (the default) or on a Spark cluster, from the same SQL files.

The queries are metrics/usage/*.sql (DuckDB's dialect, in the subset both engines share). DuckDB
runs them as written; for Spark, sqlglot transpiles each one at run time. What differs between the
engines is only here: how a Parquet path becomes the `usage_events_source` view (the stage's own
stg_usage_events.sql makes each event of it once, to the second), how a small prepared
table (the local days, the windows of each as-of) is handed over, and how outputs are written.

Outputs under --out (DuckDB, or Spark on a local --out: one `NAME.parquet` each; Spark on a remote
--out such as `s3a://`: a `NAME/` folder of parts):
- usage_daily            date, account_id, module, active_users, events
- usage_account_daily    date, account_id, active_users (distinct users across modules)
- usage_module_windows   as_of_date, window_days, account_id, module, active_users,
                         previous_active_users, last_event_at
- usage_account_windows  as_of_date, window_days, account_id, active_users
`cspulse ingest` loads each; the build then reads them for the accounts whose events it lacks.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot

from metrics.usage import STAGE_OUTPUTS, STAGE_QUERIES, USAGE_DIR, stage_sql
from pipelines import schemas
from pipelines.build.inputs import _create_analysis_settings, usage_day_bounds
from pipelines.config import Config
from pipelines.errors import first_line

Engine = Literal["duckdb", "spark"]
EVENT_COLUMNS = tuple(schemas.column_names("usage_events"))  # account_id, user_id, module, at
# The input's size and span, read before the queries run (the local days they need).
SPAN_SQL = """
select
    count(*) as events,
    min(cast("at" as timestamptz)) as first_at,
    max(cast("at" as timestamptz)) as last_at,
from usage_events_source
"""
WINDOW_COLUMNS = (
    "as_of_date",
    "window_days",
    "window_start_date",
    "previous_window_start_date",
    "previous_60_start_date",
)
Say = Callable[[str], None]


class StageError(ValueError):
    """Input the stage cannot use: the message names the path and what is wrong."""


def to_spark_sql(sql: str) -> str:
    """One of the stage's queries (DuckDB dialect) as Spark SQL."""
    return sqlglot.transpile(sql, read="duckdb", write="spark")[0]


@dataclass
class RollupResult:
    engine: str
    events_read: int
    as_of_dates: list[date]
    outputs: dict[str, str] = field(default_factory=dict)  # name -> where it was written
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # stage -> elapsed seconds

    def summary(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "events_read": self.events_read,
            "as_of_dates": [day.isoformat() for day in self.as_of_dates],
            "outputs": self.outputs,
            "rows": self.rows,
            "seconds": {name: round(value, 3) for name, value in self.seconds.items()},
        }


class _Engine(Protocol):
    def source(self, path: str) -> list[tuple[str, str]]: ...
    def register(self, name: str, table: pa.Table) -> None: ...
    def query(self, name: str, sql: str, keep: bool) -> None: ...
    def fetch(self, sql: str) -> tuple[Any, ...]: ...
    def rows(self, name: str) -> int: ...
    def write(self, name: str, out: str) -> str: ...
    def close(self) -> None: ...


def window_rows(config: Config, as_of_dates: list[date]) -> pa.Table:
    """int_usage_windows for each as-of date, by the build's own model run in DuckDB: the windows
    are defined once (metrics/adoption/int_usage_windows.sql) and handed to either engine."""
    from pipelines.build.runner import start_session, windows_as_of

    zone = ZoneInfo(config.default_timezone)
    # any instant of the local date gives that date's windows; noon is clear of DST jumps
    noons = [datetime.combine(day, clock_time(12), zone) for day in as_of_dates]
    con = duckdb.connect()
    try:
        _create_analysis_settings(con, config)
        start_session(con, config, noons[0].astimezone(UTC))  # windows_as_of sets each instant
        return windows_as_of(con, noons).select(list(WINDOW_COLUMNS))
    finally:
        con.close()


def rollup(
    events: str,
    out: str,
    config: Config,
    as_of_dates: list[date],
    engine: Engine = "duckdb",
    master: str | None = None,
    say: Say | None = None,
    spark_conf: dict[str, str] | None = None,
) -> RollupResult:
    """Roll the events at `events` up into the stage's outputs under `out`."""
    say = say or (lambda message: print(message, file=sys.stderr, flush=True))
    started = time.perf_counter()
    result = RollupResult(engine, 0, sorted(set(as_of_dates)))

    def step(stage: str, rows: int | None = None) -> None:
        elapsed = time.perf_counter() - started
        result.seconds[stage] = elapsed
        counted = f", {rows:,} rows" if rows is not None else ""
        say(f"usage-rollup [{engine}] {stage}{counted}, {elapsed:.1f} s")

    runner: _Engine = _DuckDB() if engine == "duckdb" else _Spark(master, spark_conf or {})
    step("started")
    try:
        _check_columns(events, runner.source(events))
        count, first_at, last_at = runner.fetch(SPAN_SQL)
        result.events_read = int(count)
        step("events read", result.events_read)
        first = first_at.date() if first_at is not None else None
        last = last_at.date() if last_at is not None else None
        runner.register("usage_day_bounds", usage_day_bounds(config.default_timezone, first, last))
        runner.register("int_usage_windows", window_rows(config, result.as_of_dates))
        for name in STAGE_QUERIES:
            runner.query(name, stage_sql(name), keep=name == "int_usage_user_days")
            if name == "int_usage_user_days":
                step(name, runner.rows(name))
        if "://" not in out:
            Path(out).mkdir(parents=True, exist_ok=True)
        for output, query in STAGE_OUTPUTS.items():
            result.outputs[output] = runner.write(query, _join(out, output))
            result.rows[output] = runner.rows(query)
            step(f"wrote {output}", result.rows[output])
    finally:
        runner.close()
    result.seconds["total"] = time.perf_counter() - started
    return result


def _join(out: str, name: str) -> str:
    return f"{out.rstrip('/')}/{name}"


def _check_columns(path: str, found: list[tuple[str, str]]) -> None:
    names = {name for name, _ in found}
    missing = [column for column in EVENT_COLUMNS if column not in names]
    if missing:
        present = ", ".join(sorted(names)) or "none"
        raise StageError(
            f"{path}: not usage events: missing column(s) {', '.join(missing)} "
            f"(need {', '.join(EVENT_COLUMNS)}; found {present})"
        )
    types = dict(found)
    if "timestamp" not in types["at"].lower():
        raise StageError(f"{path}: column at is {types['at']}, not a timestamp")


class _DuckDB:
    """The embedded engine: the queries run as written."""

    def __init__(self) -> None:
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")  # cast(instant as date) is the UTC date
        self.con.execute("SET preserve_insertion_order = false")
        self.con.execute("SET enable_progress_bar = false")

    def source(self, path: str) -> list[tuple[str, str]]:
        pattern = f"{path.rstrip('/')}/**/*.parquet" if Path(path).is_dir() else path
        try:
            relation = self.con.read_parquet(pattern)
        except duckdb.Error as error:
            if not Path(path).exists() and not any(ch in path for ch in "*?["):
                raise StageError(f"{path}: no such file or folder") from None
            raise StageError(f"{path}: cannot be read as Parquet: {first_line(error)}") from None
        relation.to_view("usage_events_source")
        return list(zip(relation.columns, [str(t) for t in relation.types], strict=True))

    def register(self, name: str, table: pa.Table) -> None:
        self.con.register(f"{name}_arrow", table)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
        self.con.unregister(f"{name}_arrow")

    def query(self, name: str, sql: str, keep: bool) -> None:
        kind = "TEMP TABLE" if keep or name in STAGE_OUTPUTS.values() else "TEMP VIEW"
        self.con.execute(f"CREATE OR REPLACE {kind} {name} AS {sql}")

    def fetch(self, sql: str) -> tuple[Any, ...]:
        row = self.con.execute(sql).fetchone()
        assert row is not None
        return tuple(row)

    def rows(self, name: str) -> int:
        return int(self.fetch(f"select count(*) from {name}")[0])

    def write(self, name: str, out: str) -> str:
        path = f"{out}.parquet"
        self.con.table(name).write_parquet(path)
        return path

    def close(self) -> None:
        self.con.close()


class _Spark:
    """Spark: the same queries, transpiled; the session is created here unless one is active
    (tests keep one per module), and stopped only when created here."""

    def __init__(self, master: str | None, conf: dict[str, str]) -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise StageError("--engine spark needs pyspark: pip install 'cspulse[spark]'") from None
        active = SparkSession.getActiveSession()
        self.owned = active is None
        if active is not None:
            self.spark = active
        else:
            builder = SparkSession.builder.appName("cspulse usage-rollup").master(master or "local[2]")
            local = {"spark.sql.shuffle.partitions": "8"} if (master or "local").startswith("local") else {}
            for key, value in {**SPARK_DEFAULTS, **local, **conf}.items():
                builder = builder.config(key, value)
            self.spark = builder.getOrCreate()
        self.kept: list[Any] = []
        self.counts: dict[str, int] = {}

    def source(self, path: str) -> list[tuple[str, str]]:
        from pyspark.errors import AnalysisException

        try:
            frame = self.spark.read.parquet(path)
        except AnalysisException as error:
            if "PATH_NOT_FOUND" in str(error) or "Path does not exist" in str(error):
                raise StageError(f"{path}: no such file or folder") from None
            raise StageError(f"{path}: cannot be read as Parquet: {first_line(error)}") from None
        frame.createOrReplaceTempView("usage_events_source")
        return [(name, kind) for name, kind in frame.dtypes]

    def register(self, name: str, table: pa.Table) -> None:
        self.spark.createDataFrame(table).createOrReplaceTempView(name)

    def query(self, name: str, sql: str, keep: bool) -> None:
        frame = self.spark.sql(to_spark_sql(sql))
        if keep:  # read by every later query: computed once, kept in memory and on disk
            from pyspark import StorageLevel

            frame = frame.persist(StorageLevel.MEMORY_AND_DISK)
            self.kept.append(frame)
        frame.createOrReplaceTempView(name)

    def fetch(self, sql: str) -> tuple[Any, ...]:
        return tuple(self.spark.sql(to_spark_sql(sql)).collect()[0])

    def rows(self, name: str) -> int:
        if name not in self.counts:
            self.counts[name] = self.spark.table(name).count()
        return self.counts[name]

    def write(self, name: str, out: str) -> str:
        frame = self.spark.table(name)
        if "://" in out and not out.startswith("file://"):
            frame.write.mode("overwrite").parquet(out)  # a folder of parts, written by the executors
            return out
        # a local --out: one file, as DuckDB writes it (the outputs are small beside the events)
        parts = Path(f"{out}.parts")
        frame.repartition(1).write.mode("overwrite").parquet(str(parts))
        (part,) = parts.glob("part-*.parquet")
        target = Path(f"{out}.parquet")
        part.replace(target)
        shutil.rmtree(parts)
        self.counts[name] = int(pq.read_metadata(target).num_rows)
        return str(target)

    def close(self) -> None:
        for frame in self.kept:
            frame.unpersist()
        for name in (*STAGE_QUERIES, "usage_events_source"):
            self.spark.catalog.dropTempView(name)
        if self.owned:
            self.spark.stop()


# Settings the stage's SQL relies on (instants are UTC; timestamps written as Parquet's
# TIMESTAMP_MICROS, as DuckDB writes them), and a quiet local run.
SPARK_DEFAULTS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.parquet.aggregatePushdown": "true",  # count/min/max of the events from the footers
    "spark.ui.enabled": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


def stage_files() -> list[Path]:
    """The SQL files the stage runs (for the docs and the transpile test)."""
    return [USAGE_DIR / f"{name}.sql" for name in STAGE_QUERIES]

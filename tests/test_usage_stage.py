"""The usage stage (`cspulse usage-rollup`) on DuckDB and on Spark local[2]: the same SQL files,
the same answers.

- a hand-made day either side of Berlin's DST change (2025-03-30, 02:00 CET -> 03:00 CEST), with a
  duplicate event: rows worked out on paper below, from both engines;
- ~150k generated events (users on several modules, days across the DST change, 2 % duplicates):
  every output row of Spark equals DuckDB's; ingest (which runs the stage's SQL on the days an
  export touches) gives the stage's usage_daily row for row, after each of three overlapping
  exports and a re-ingest, and so does DuckDB's timezone() (a route to the local date that shares
  nothing with that SQL);
- the marts built from Spark's ingested output equal the marts built from the events themselves;
- a missing path and a Parquet file with the wrong columns: errors that name them;
- every query of the stage transpiles to Spark SQL without DuckDB-only functions.

One SparkSession for the module (starting a JVM costs seconds); without pyspark or Java the Spark
tests skip locally, and fail in CI (CSPULSE_REQUIRE_SPARK=1).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import sqlglot

from metrics.usage import STAGE_OUTPUTS, STAGE_QUERIES, local_day_bounds, stage_sql
from pipelines.config import config_from_text
from pipelines.generate.usage_events import usage_events_table
from pipelines.usage_stage import SPARK_DEFAULTS, StageError, rollup, to_spark_sql
from tests.conftest import FIXTURES, Warehouse

BERLIN = """
[calendars.default]
timezone = "Europe/Berlin"
workdays = ["mon", "tue", "wed", "thu", "fri"]
hours = ["09:00-18:00"]
"""
CONFIG = config_from_text(BERLIN)
AS_OF = "2025-06-16T12:00:00+02:00"
# the build's date and the 12 month ends the health history is computed as of (local 1st-of-month)
AS_OF_DATES = [date(2025, 6, 16)] + [date(2025 - (m > 5), (5 - m) % 12 + 1, 1) for m in range(12)]
MODULES = ["crm", "reports", "tasks", "telephony", "api"]


def _spark_required() -> bool:
    return os.environ.get("CSPULSE_REQUIRE_SPARK") == "1"


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        if _spark_required():
            raise
        pytest.skip("pyspark is not installed (pip install '.[spark]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        if _spark_required():
            pytest.fail("Spark needs Java 17: apt-get install openjdk-17-jre-headless")
        pytest.skip("no java: Spark needs Java 17")
    builder = SparkSession.builder.master("local[2]").appName("cspulse tests")
    for key, value in {**SPARK_DEFAULTS, "spark.sql.shuffle.partitions": "4"}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    yield session
    session.stop()


def _read(folder: Path, name: str) -> pa.Table:
    table = pq.read_table(folder / f"{name}.parquet")
    return table.sort_by([(column, "ascending") for column in table.column_names])


def _types(table: pa.Table) -> list[tuple[str, str]]:
    return [(field.name, str(field.type)) for field in table.schema]


# --- a day either side of the DST change, on paper -----------------------------------------

DST_EVENTS = [
    # (user, at UTC): Berlin is UTC+1 before 2025-03-30 01:00 UTC, UTC+2 after
    ("u1", "2025-03-29T22:59:59"),  # 23:59:59 CET  -> 03-29
    ("u1", "2025-03-29T23:00:00"),  # 00:00:00 CET  -> 03-30 (the short day: 23 hours)
    ("u2", "2025-03-30T00:59:59"),  # 01:59:59 CET  -> 03-30
    ("u2", "2025-03-30T01:00:00"),  # 03:00:00 CEST -> 03-30 (02:00 CET jumped to 03:00 CEST)
    ("u2", "2025-03-30T01:00:00"),  # the same event again: counted once
    ("u3", "2025-03-30T21:59:59"),  # 23:59:59 CEST -> 03-30
    ("u3", "2025-03-30T22:00:00"),  # 00:00:00 CEST -> 03-31
]
# usage_daily: 03-29: u1, 1 event; 03-30: u1, u2, u3 -> 3 users, 1 + 2 (the duplicate once) + 1 = 4 events;
# 03-31: u3, 1 event.
DST_DAILY = [
    (date(2025, 3, 29), "A1", "crm", 1, 1),
    (date(2025, 3, 30), "A1", "crm", 3, 4),
    (date(2025, 3, 31), "A1", "crm", 1, 1),
]
# As of 2025-03-31 with window_days 1: W is the date 03-30 -> u1, u2, u3 = 3; the W before it (03-29):
# u1 = 1; last event before 03-31: 2025-03-30T21:59:59Z.
DST_WINDOW = (date(2025, 3, 31), 1, "A1", "crm", 3, 1, datetime(2025, 3, 30, 21, 59, 59, tzinfo=UTC))
ONE_DAY_WINDOW = config_from_text(BERLIN + "\n[adoption]\nwindow_days = 1\n")


@pytest.fixture(scope="module")
def dst_events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dst") / "events.parquet"
    instants = [datetime.fromisoformat(at).replace(tzinfo=UTC) for _, at in DST_EVENTS]
    table = pa.table(
        {
            "account_id": ["A1"] * len(DST_EVENTS),
            "user_id": [user for user, _ in DST_EVENTS],
            "module": ["crm"] * len(DST_EVENTS),
            "at": pa.array(instants, pa.timestamp("us", tz="UTC")),
        }
    )
    pq.write_table(table, path)
    return path


def test_local_day_bounds_cut_the_short_day_at_utc_midnight() -> None:
    bounds = local_day_bounds("Europe/Berlin", date(2025, 3, 30), date(2025, 3, 30))
    # 03-30 CET starts 03-29 23:00 UTC, ends 03-30 22:00 UTC (23 hours): one hour on the UTC date
    # 03-29, 22 on 03-30.
    assert [(row.utc_date, row.utc_from.hour, row.utc_to.hour) for row in bounds.itertuples()] == [
        (date(2025, 3, 29), 23, 0),
        (date(2025, 3, 30), 0, 22),
    ]


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_days_either_side_of_a_dst_change(
    engine: str, dst_events: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if engine == "spark":
        request.getfixturevalue("spark")
    rollup(str(dst_events), str(tmp_path), ONE_DAY_WINDOW, [date(2025, 3, 31)], engine, say=lambda _: None)
    daily = _read(tmp_path, "usage_daily")
    assert [tuple(row.values()) for row in daily.to_pylist()] == DST_DAILY
    windows = _read(tmp_path, "usage_module_windows").to_pylist()
    assert [tuple(row.values()) for row in windows] == [DST_WINDOW]
    accounts = _read(tmp_path, "usage_account_windows").to_pylist()
    assert [tuple(row.values()) for row in accounts] == [(date(2025, 3, 31), 1, "A1", 3)]


# --- generated events: Spark equals DuckDB, row for row ---------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2M events (and 2 % exact duplicates) of the fixture's accounts, 2025-03-01 .. 2025-06-20
    (past as-of), the DST change of 2025-03-30 inside: a few million, as a real export has."""
    folder = tmp_path_factory.mktemp("generated")
    accounts = ["A1", "A2", "A3", "A5", "A6"]
    table = usage_events_table(
        np.random.default_rng(7), accounts, MODULES, 2_000_000, datetime(2025, 3, 1, tzinfo=UTC), 112
    )
    # Spark reads a folder of parts as one input: two files, as a cluster job would find them
    half = table.num_rows // 2
    (folder / "events").mkdir()
    pq.write_table(table.slice(0, half), folder / "events" / "part-0.parquet")
    pq.write_table(table.slice(half), folder / "events" / "part-1.parquet")
    return folder


@pytest.fixture(scope="module")
def outputs(generated: Path, spark: object) -> dict[str, Path]:
    found = {}
    for engine in ("duckdb", "spark"):
        found[engine] = generated / engine
        rollup(str(generated / "events"), str(found[engine]), CONFIG, AS_OF_DATES, engine, say=lambda _: None)  # type: ignore[arg-type]
    return found


@pytest.mark.parametrize("name", list(STAGE_OUTPUTS))
def test_spark_writes_every_row_duckdb_writes(outputs: dict[str, Path], name: str) -> None:
    duck, spark = _read(outputs["duckdb"], name), _read(outputs["spark"], name)
    assert _types(duck) == _types(spark)
    assert duck.num_rows > 0
    assert duck.to_pylist() == spark.to_pylist()


def test_the_windows_cover_every_as_of_and_duplicates_count_once(outputs: dict[str, Path]) -> None:
    windows = _read(outputs["spark"], "usage_module_windows")
    assert set(windows.column("as_of_date").to_pylist()) <= set(AS_OF_DATES)
    # June's as-of sees events (March 1 on); the months before 2025-03-02 see none
    assert date(2025, 6, 16) in windows.column("as_of_date").to_pylist()
    assert date(2025, 3, 1) not in windows.column("as_of_date").to_pylist()
    daily = _read(outputs["spark"], "usage_daily")
    events = pq.read_table(outputs["spark"].parent / "events")
    distinct = duckdb.sql("select count(*) from (select distinct * from events)").fetchone()
    assert distinct is not None and sum(daily.column("events").to_pylist()) == distinct[0] < events.num_rows


def _warehouse(folder: Path, *files: Path) -> Warehouse:
    store = Warehouse(folder / "warehouse.duckdb", CONFIG)
    names = ("accounts.csv", "account_modules.csv", "tickets.csv", "ticket_events.csv", "usage_daily.csv")
    results = store.ingest(*[FIXTURES / "accounts" / name for name in names], *files)
    assert [result.status for result in results] == ["loaded"] * len(results), [r.summary() for r in results]
    store.build(AS_OF)
    return store


MARTS = ("adoption_gaps", "account_health", "account_health_monthly")


def test_marts_from_sparks_output_equal_the_marts_from_the_events(
    generated: Path, outputs: dict[str, Path], tmp_path: Path
) -> None:
    events = tmp_path / "usage_events.parquet"
    pq.write_table(pq.read_table(generated / "events"), events)
    (tmp_path / "from_events").mkdir()
    (tmp_path / "from_spark").mkdir()
    own = _warehouse(tmp_path / "from_events", events)
    staged = _warehouse(
        tmp_path / "from_spark", *[outputs["spark"] / f"{name}.parquet" for name in STAGE_OUTPUTS]
    )
    try:
        assert staged.one("select count(*) from usage_events") == 0
        # ingest's rollup of the whole file (a first load: every day) gives Spark's usage_daily
        query = "select * from usage_daily order by all"
        assert own.rows(query) == staged.rows(query)
        for mart in MARTS:
            query = f"select * from {mart} order by all"
            assert own.rows(query) == staged.rows(query), mart
        assert own.one("select count(*) from adoption_gaps where active_users_30d > 0") > 0
    finally:
        own.close()
        staged.close()


# Each day by DuckDB's own timezone(): a route to the local date that shares nothing with the stage's
# SQL (which ingest runs too), over the events the warehouse holds.
PLAIN_DAILY = """
select cast(timezone('Europe/Berlin', "at") as date) as date, account_id, module,
       count(distinct user_id) as active_users, count(*) as events,
from usage_events group by all order by all
"""


def test_ingest_in_overlapping_exports_gives_the_stages_usage_daily(generated: Path, tmp_path: Path) -> None:
    # The generated events (DST change on 2025-03-30 inside, 2 % exact duplicates) and 1 % of them
    # again 0.4 s later (the same second: one event), ingested as three exports that overlap: each
    # later one re-brings days the warehouse has, so ingest recomputes only the days it touches.
    table = pq.read_table(generated / "events")
    again = table.filter(pa.array(np.random.default_rng(3).random(table.num_rows) < 0.01))
    shifted = pc.add(again.column("at"), pa.scalar(400_000, pa.duration("us")))
    events = pa.concat_tables([table, again.set_column(3, "at", shifted)])

    def since(day: str) -> pc.Expression:
        return pc.field("at") >= pa.scalar(datetime.fromisoformat(f"{day}+00:00"), pa.timestamp("us", "UTC"))

    parts = {  # by UTC instant: a cut in the middle of Berlin's short day 03-30, then overlaps
        "march.parquet": events.filter(~since("2025-03-30T12:00")),
        "spring.parquet": events.filter(since("2025-03-29T00:00") & ~since("2025-05-02T00:00")),
        "rest.parquet": events.filter(since("2025-04-30T00:00") | (pc.field("module") == "crm")),
    }
    assert sum(part.num_rows for part in parts.values()) > events.num_rows > again.num_rows > 0
    store = Warehouse(tmp_path / "warehouse.duckdb", CONFIG)
    try:
        seen: list[pa.Table] = []
        for name, part in parts.items():
            pq.write_table(part, tmp_path / name)
            (result,) = store.ingest(tmp_path / name)
            assert result.status == "loaded", result.summary()
            seen.append(part)
            # after each export: the stage's usage_daily of every event so far, row for row
            pq.write_table(pa.concat_tables(seen), tmp_path / "so_far.parquet")
            out = tmp_path / f"stage_{len(seen)}"
            rollup(str(tmp_path / "so_far.parquet"), str(out), CONFIG, AS_OF_DATES[:1], say=lambda _: None)
            stage = [tuple(row.values()) for row in _read(out, "usage_daily").to_pylist()]
            assert store.rows("select * from usage_daily order by all") == stage, name
        assert store.rows("select * from usage_daily order by all") == store.rows(PLAIN_DAILY)
        around = "select distinct date from usage_daily where date between '2025-03-29' and '2025-03-31'"
        assert len(store.rows(around)) == 3  # both sides of the change and the short day itself
        store.ingest(tmp_path / "spring.parquet")  # re-ingesting changes nothing
        assert store.rows("select * from usage_daily order by all") == stage
    finally:
        store.close()


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_a_missing_path_is_named(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if engine == "spark":
        request.getfixturevalue("spark")
    missing = tmp_path / "nowhere" / "events.parquet"
    with pytest.raises(StageError, match=re.escape(f"{missing}: no such file or folder")):
        rollup(str(missing), str(tmp_path / "out"), CONFIG, [date(2025, 6, 16)], engine, say=lambda _: None)  # type: ignore[arg-type]


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_wrong_columns_are_named(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if engine == "spark":
        request.getfixturevalue("spark")
    path = tmp_path / "tickets.parquet"
    pq.write_table(pa.table({"account_id": ["A1"], "user": ["u1"], "module": ["crm"]}), path)
    said = f"{path}: not usage events: missing column(s) user_id, at"
    with pytest.raises(StageError, match=re.escape(said)):
        rollup(str(path), str(tmp_path / "out"), CONFIG, [date(2025, 6, 16)], engine, say=lambda _: None)  # type: ignore[arg-type]


def test_the_cli_says_what_is_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import run_cli

    assert run_cli("usage-rollup", "--events", tmp_path / "none.parquet", "--out", tmp_path / "o") == 2
    assert f"{tmp_path / 'none.parquet'}: no such file or folder" in capsys.readouterr().err


# --- one source of SQL ----------------------------------------------------------------------------

DUCKDB_ONLY = ("getvariable", "timezone(", "epoch_us", "group by all", "filter (")


@pytest.mark.parametrize("name", STAGE_QUERIES)
def test_each_query_is_in_the_common_subset(name: str) -> None:
    text = stage_sql(name)
    assert not [word for word in DUCKDB_ONLY if word in text.lower()]
    spark_sql = to_spark_sql(text)
    # what Spark runs parses back as Spark SQL and reads the same relations
    tree = sqlglot.parse_one(spark_sql, read="spark")
    assert tree.find(sqlglot.exp.Select) is not None
    assert "TIMESTAMPTZ" not in spark_sql.upper()

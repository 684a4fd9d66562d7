"""`cspulse build`: run the model DAG as of one instant, then publish the dashboard snapshot.

The models and their order come from `dag.py`. The build's as-of is a parameter of every run:
`build()` computes the marts as of the build's instant into the warehouse; `Run.as_of_another()`
computes any model as of another instant in a connection of its own (its views and tables are
temporary and private to it, so nothing of the build is touched) — the health history and the
churn backtest are loops over it (series models, metrics.models.SeriesModel).
"""

from __future__ import annotations

import inspect
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from pipelines.build import dag
from pipelines.build.dag import Model
from pipelines.build.inputs import Prepared, deadlines_past_grid, refresh_placeholder_accounts
from pipelines.config import STANDARD_TIER, Config
from pipelines.warehouse import MARTS_CATALOG, attach_marts, publish_snapshot, quiet_progress, use_marts

Progress = Callable[[str], None]
RUN_TABLES = ("ingest_runs", "rejected_rows", "build_runs", "ingest_warnings")
# How a model is kept in the build's connection. In a computation as of another instant every
# model is a temporary object of its own connection.
KEPT_AS = {"view": "TEMP VIEW", "temp": "TEMP TABLE", "table": "TABLE"}
GRID_TABLES = {"calendar_buckets", "calendar_work_buckets", "calendar_day_ends"}
WINDOWS_MODEL = dag.WINDOWS_MODEL  # the as-of dates' windows: one row per instant in shared runs


def marts(models: dict[str, Model] | None = None) -> list[str]:
    """The models kept in the warehouse: the contract's marts."""
    models = models or dag.all_models()
    return [name for name in dag.ordered(models) if models[name].materialized == "table"]


def snapshot_tables() -> list[str]:
    return [*marts(), *RUN_TABLES]


def start_session(con: duckdb.DuckDBPyConnection, config: Config, as_of: datetime) -> None:
    """Settings and parameters every model run reads: as-of, the default timezone."""
    con.execute("SET TimeZone = 'UTC'")
    quiet_progress(con)
    use_marts(con)  # a cursor (a computation as of another instant) reads the marts too
    # The models need no row order, and keeping it costs memory on millions of rows.
    con.execute("SET preserve_insertion_order = false")
    # The calendar lookups join millions of tickets to a small grid; this optimizer would make
    # the tickets the hash table (6-8x slower and gigabytes of memory). Re-check on upgrades.
    con.execute("SET disabled_optimizers = 'build_side_probe_side'")
    con.execute("SET VARIABLE as_of = CAST(? AS TIMESTAMPTZ)", [as_of])
    con.execute("SET VARIABLE default_timezone = ?", [config.default_timezone])
    con.execute("SET VARIABLE standard_tier = ?", [STANDARD_TIER])
    for path in dag.MACRO_FILES:
        _run_sql_file(con, path)


@dataclass(frozen=True)
class Run:
    """One computation of models: where (a connection), as of when, with which settings."""

    con: duckdb.DuckDBPyConnection
    config: Config
    as_of: datetime
    prepared: Prepared
    private: bool = False  # every model a temporary object of `con` (a computation as of another instant)
    provided: frozenset[str] = frozenset()  # models `con` already reads (a series' shared ones)
    # as_of_another's answers by (target, instant, variables): two series at one instant run once
    computed: dict[tuple[str, datetime, tuple[tuple[str, int], ...]], pa.Table] = field(
        default_factory=dict, compare=False, repr=False
    )

    def model(self, model: Model) -> None:
        """Create or replace one model's relation."""
        if model.name in self.provided:
            return
        kept_as = KEPT_AS[model.materialized]
        if self.private and kept_as == "TABLE":
            kept_as = "TEMP TABLE"
        if not self.private:  # a private run's cursor is new: nothing of its own to replace yet
            _drop_other_kinds(self.con, model.name, kept_as)
        # a mart is written into the marts file (warehouse.py), whose copy is the snapshot
        where = f"{MARTS_CATALOG}.main.{model.name}" if kept_as == "TABLE" else model.name
        if model.kind == "sql":
            sql = model.sql
            # ENUM columns make a mart cheaper to write and read; a private run's temp table is
            # neither written to the marts file nor kept, and its answer is read back as text
            if model.enums_path is not None and not self.private:
                sql = enum_typed_query(sql, enum_domains(self.con, model.enums_path))
            # CREATE OR REPLACE: a mart is swapped in one statement, never missing in between
            # (its ENUM types are the columns' own, anonymous: no named type to replace first).
            self.con.execute(f"CREATE OR REPLACE {kept_as} {where} AS\n{sql}")
            return
        output = self._series(model) if model.series is not None else self._python(model)
        self.con.register(f"{model.name}__output", output)
        try:
            self.con.execute(f"CREATE OR REPLACE {kept_as} {where} AS SELECT * FROM {model.name}__output")
        finally:
            self.con.unregister(f"{model.name}__output")

    def _frames(self, names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
        # ENUM columns as text: a Python model reads the strings it read before they were ENUMs
        return {name: self.con.sql(text_typed_query(self.con, name)).df() for name in names}

    def _python(self, model: Model) -> pa.Table | pd.DataFrame:
        assert model.python is not None
        function = model.python.function
        arguments: dict[str, Any] = self._frames(model.inputs)
        parameters = inspect.signature(function).parameters
        if "as_of" in parameters:
            arguments["as_of"] = self.as_of
        if "settings" in parameters:
            arguments["settings"] = self.config
        return function(**arguments)

    def _series(self, model: Model) -> pa.Table:
        """`of` as of each instant the series' `dates` gives, stacked with the instant's label.
        Stacked in Arrow, as DuckDB gave each instant's rows (no round trip through pandas)."""
        series = model.series
        assert series is not None
        dates: pd.DataFrame = series.dates(
            as_of=self.as_of, settings=self.config, **self._frames(series.inputs)
        )
        keys = [c for c in dates.columns if c not in ("as_of", series.date_column)]
        instants = [pd.Timestamp(i).to_pydatetime() for i in sorted(dates["as_of"].unique())]
        to_compute = [i for i in instants if _run_key(series.of, i, series.variables) not in self.computed]
        label_type = pa.array(dates[series.date_column].iloc[:1]).type if len(dates) else pa.date32()
        parts = []
        with self.shared_for(series.of, to_compute, series.variables) as shared:
            for instant, rows in dates.groupby("as_of", sort=True):
                moment = pd.Timestamp(instant).to_pydatetime()
                table = self.as_of_another(series.of, moment, series.variables, shared)
                if keys:  # only the rows the series asked of this instant (e.g. its accounts)
                    wanted = pa.Table.from_pandas(rows[keys].drop_duplicates(), preserve_index=False)
                    table = table.join(wanted.cast(table.select(keys).schema), keys, join_type="inner")
                    table = table.add_column(
                        0, "as_of", pa.array([moment] * len(table), pa.timestamp("us", "UTC"))
                    )
                label = rows[series.date_column].iloc[0]
                parts.append(
                    table.add_column(0, series.date_column, pa.array([label] * len(table), label_type))
                )
        if parts:
            return pa.concat_tables(parts)
        empty = self.as_of_another(series.of, self.as_of, series.variables).slice(0, 0)
        if keys:
            empty = empty.add_column(0, "as_of", pa.array([], pa.timestamp("us", "UTC")))
        return empty.add_column(0, series.date_column, pa.array([], label_type))

    def as_of_another(
        self,
        target: str,
        as_of: datetime,
        variables: tuple[tuple[str, int], ...] = (),
        shared: SharedModels | None = None,
    ) -> pa.Table:
        """`target` (and what it needs) computed as of `as_of`, in a connection of its own;
        `shared` models (from `shared_for`) are read, not computed again."""
        key = _run_key(target, as_of, variables)
        if key in self.computed:
            return self.computed[key]
        models = dag.all_models()
        cursor = self.con.cursor()  # the same database, its own temporary objects and variables
        try:
            self._start_private(cursor, as_of, variables)
            provided = shared.read_in(cursor) if shared is not None else frozenset()
            run = Run(cursor, self.config, as_of.astimezone(UTC), self.prepared, private=True,
                      provided=provided)  # fmt: skip
            for name in dag.select(models, [target]):
                run.model(models[name])
            # ENUM columns as text, as _frames gives them: a series' frames are stacked and merged
            self.computed[key] = cursor.sql(text_typed_query(cursor, target)).arrow().read_all()
            return self.computed[key]
        finally:
            cursor.close()

    def shared_for(
        self, target: str, instants: list[datetime], variables: tuple[tuple[str, int], ...] = ()
    ) -> SharedModels:
        """The `-- series: shared` models `target` needs, computed once for all `instants`:
        int_usage_windows holds one row per instant, so each model reads the year's usage
        once for all of them (each instant's run then reads its own rows). They are kept in an
        in-memory database of their own, which every cursor of `con` sees: an instant's run
        reads them in place (no copy out to Arrow and back, and DuckDB's own tables)."""
        models = dag.all_models()
        names = [name for name in dag.select(models, [target]) if models[name].shared]
        if len(instants) < 2 or not names:
            return SharedModels(self.con, None, ())
        latest = max(instants).astimezone(UTC)
        shared = SharedModels.attach(self.con, tuple(names))
        cursor = self.con.cursor()
        try:
            self._start_private(cursor, latest, variables)
            windows = windows_as_of(cursor, instants)
            cursor.execute("SET VARIABLE as_of = ?", [latest])  # staging keeps what the latest sees
            cursor.register(WINDOWS_MODEL, windows)
            run = Run(cursor, self.config, latest, self.prepared, private=True,
                      provided=frozenset({WINDOWS_MODEL}))  # fmt: skip
            for name in dag.select(models, names):
                run.model(models[name])
            shared.keep(cursor)
            return shared
        except BaseException:
            shared.close()
            raise
        finally:
            cursor.close()

    def _start_private(
        self, cursor: duckdb.DuckDBPyConnection, as_of: datetime, variables: tuple[tuple[str, int], ...]
    ) -> None:
        start_session(cursor, self.config, as_of)
        for name, value in variables:
            if not name.isidentifier():
                raise ValueError(f"session variable {name!r}: not a name")
            cursor.execute(f"SET VARIABLE {name} = ?", [value])
        self.prepared.create(cursor)


@dataclass
class SharedModels:
    """A series' shared models (Run.shared_for), as tables of an in-memory database attached to
    the warehouse's connection for as long as the series runs (`with`: detached after)."""

    con: duckdb.DuckDBPyConnection
    catalog: str | None  # None: nothing shared (fewer than two instants, or no shared model)
    names: tuple[str, ...]

    @classmethod
    def attach(cls, con: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> SharedModels:
        catalog = f"series_shared_{next(_SHARED_CATALOGS)}"
        con.execute(f"ATTACH ':memory:' AS {catalog}")
        return cls(con, catalog, names)

    def keep(self, cursor: duckdb.DuckDBPyConnection) -> None:
        """Copy the models, just computed as `cursor`'s temp tables, into the shared database."""
        for name in self.names:
            cursor.execute(f"CREATE TABLE {self.table(name)} AS SELECT * FROM temp.main.{name}")

    def read_in(self, cursor: duckdb.DuckDBPyConnection) -> frozenset[str]:
        """Make the shared models readable by their names in `cursor` (an instant's run)."""
        for name in self.names:
            cursor.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {self.table(name)}")
        return frozenset(self.names)

    def table(self, name: str) -> str:
        return f"{self.catalog}.main.{name}"

    def close(self) -> None:
        if self.catalog is not None:
            self.con.execute(f"DETACH DATABASE IF EXISTS {self.catalog}")
            self.catalog, self.names = None, ()

    def __enter__(self) -> SharedModels:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


_SHARED_CATALOGS = itertools.count(1)


def windows_as_of(con: duckdb.DuckDBPyConnection, instants: list[datetime]) -> pa.Table:
    """int_usage_windows as of each instant, one row each, stacked: the model's own SQL run with
    the session's as_of set to each in turn (`con`'s session started; as_of is left at the last).
    A series' shared models read it, and so does the usage stage on either engine."""
    sql = dag.WINDOWS_PATH.read_text(encoding="utf-8")
    rows = []
    for instant in instants:
        con.execute("SET VARIABLE as_of = ?", [instant.astimezone(UTC)])
        rows.append(con.execute(f"select * from (\n{sql}\n)").to_arrow_table())
    return pa.concat_tables(rows)


def _run_key(
    target: str, as_of: datetime, variables: tuple[tuple[str, int], ...]
) -> tuple[str, datetime, tuple[tuple[str, int], ...]]:
    """What as_of_another's answer depends on: Run.computed's key."""
    return (target, as_of.astimezone(UTC), variables)


def enum_domains(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, list[str]]:
    """The values of each ENUM column in this build, from a table's `<name>_enums.sql` (rows of
    column_name, value), each column's in text order (DuckDB orders an ENUM by its values' order,
    so ORDER BY on it stays the text order)."""
    domains: dict[str, set[str]] = {}
    for column, value in con.execute(path.read_text(encoding="utf-8")).fetchall():
        domains.setdefault(column, set()).add(value)
    return {column: sorted(values) for column, values in domains.items()}


def enum_typed_query(sql: str, domains: dict[str, list[str]]) -> str:
    """`sql` with each column of `domains` cast to an ENUM of its values. A column without
    values this build (no tickets yet) stays text: an ENUM needs at least one value."""
    casts = [
        f"CAST({_identifier(column)} AS ENUM({', '.join(map(_literal, values))})) AS {_identifier(column)}"
        for column, values in sorted(domains.items())
        if values
    ]
    if not casts:
        return sql
    return f"SELECT * REPLACE ({', '.join(casts)}) FROM (\n{sql}\n)"


def text_typed_query(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """SELECT * from `relation` with its ENUM columns cast back to text (VARCHAR)."""
    table = con.table(relation)
    enums = [column for column, kind in zip(table.columns, table.types, strict=True) if kind.id == "enum"]
    if not enums:
        return f"SELECT * FROM {relation}"
    casts = ", ".join(f"CAST({_identifier(c)} AS VARCHAR) AS {_identifier(c)}" for c in enums)
    return f"SELECT * REPLACE ({casts}) FROM {relation}"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _drop_other_kinds(con: duckdb.DuckDBPyConnection, name: str, kind: str) -> None:
    """Drop a relation of this name that is not of the kind about to be made (a model whose
    materialisation changed, a view left by an older version, or a mart an older version kept
    in the warehouse file itself, which would shadow the marts file's)."""
    wanted = {"TEMP VIEW": ("temp", "VIEW"), "TEMP TABLE": ("temp", "LOCAL TEMPORARY")}.get(
        kind, (MARTS_CATALOG, "BASE TABLE")
    )
    database = con.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
    for catalog, kind_found in con.execute(
        "SELECT table_catalog, table_type FROM information_schema.tables "
        "WHERE table_name = ? AND table_schema = 'main' AND table_catalog IN ('temp', ?, ?)",
        [name, database, MARTS_CATALOG],
    ).fetchall():
        if (catalog, kind_found) == wanted:
            continue
        qualified = f'"{catalog}".main.{name}'
        con.execute(f"DROP {'VIEW' if kind_found == 'VIEW' else 'TABLE'} {qualified}")


def build(
    con: duckdb.DuckDBPyConnection,
    db: Path,
    config: Config,
    as_of: datetime,
    progress: Progress | None = None,
    select: list[str] | None = None,
) -> dict[str, Any]:
    """Compute the marts (all, or those `select` names) as of `as_of`; publish the snapshot."""
    say = progress or (lambda message: None)
    started = datetime.now(UTC)
    clock_started = time.perf_counter()
    as_of = as_of.astimezone(UTC).replace(microsecond=0)
    models = dag.all_models()
    chosen = dag.select(models, select)
    attach_marts(con, db)
    start_session(con, config, as_of)
    # No transaction around the models: DuckDB plans tables made inside one as if empty.
    # Each mart is replaced in one statement, and the dashboard snapshot is published only
    # after the last one, so a failed build leaves the dashboard on the previous build.
    say("placeholder accounts")
    placeholders = refresh_placeholder_accounts(con)
    prepared = Prepared.for_build(con, config, as_of)
    run = Run(con, config, as_of, prepared)
    timings: dict[str, float] = {"prepare_s": round(time.perf_counter() - clock_started, 3)}
    drops = _drops_after_each_step(models, chosen)
    for place, name in enumerate(chosen):
        say(f"model {name}")
        model_started = time.perf_counter()
        run.model(models[name])
        timings[name] = round(time.perf_counter() - model_started, 3)
        if name == "sla_tickets":
            timings["grid_growth_s"] = _grow_grid_for_deadlines(run, models, chosen, say)
            timings["sla_s"] = round(time.perf_counter() - clock_started, 3)
        for step in drops.get(place, []):
            kind = "VIEW" if models[step].materialized == "view" else "TABLE"
            con.execute(f"DROP {kind} IF EXISTS temp.main.{step}")
    built = [name for name in chosen if models[name].materialized == "table"]
    counts = {mart: _count(con, mart) for mart in built}
    finished = datetime.now(UTC)
    con.execute(
        "INSERT INTO build_runs SELECT coalesce(max(build_id), 0) + 1, ?, ?, ?, ?, ? FROM build_runs",
        [as_of, config.to_toml(), started, finished, json.dumps(counts)],
    )
    say("publishing the dashboard snapshot")
    snapshot_started = time.perf_counter()
    snapshot = publish_snapshot(con, db, list(RUN_TABLES))
    timings["snapshot_s"] = round(time.perf_counter() - snapshot_started, 3)
    return {
        "as_of": as_of.isoformat(),
        "rows": counts,
        "placeholder_accounts": placeholders,
        "calendars": len(prepared.specs),
        "unknown_calendars": prepared.unknown_calendars,
        "grid_bucket_s": prepared.clock.step,
        "seconds": round((finished - started).total_seconds(), 3),
        "timings": timings,
        "snapshot": str(snapshot),
    }


def _drops_after_each_step(models: dict[str, Model], chosen: list[str]) -> dict[int, list[str]]:
    """The temp tables and views to drop after each step of the build (by its place in `chosen`):
    each after the last step that reads its rows (dag.row_readers), so the steps after it have
    its memory. At 10M tickets the event models' tables outgrew the memory limit and spilled.
    A view goes too, so none is left reading a dropped table: after a build its connection holds
    the marts, not the steps (the bench's core clocks make their own, bench.runner.prepare_core)."""
    place = {name: index for index, name in enumerate(chosen)}
    drops: dict[int, list[str]] = {}
    for name in chosen:
        if models[name].materialized == "table":
            continue
        readers = [place[reader] for reader in dag.row_readers(models, name) if reader in place]
        drops.setdefault(max([place[name], *readers]), []).append(name)
    return drops


def _grow_grid_for_deadlines(run: Run, models: dict[str, Model], chosen: list[str], say: Progress) -> float:
    """Re-run the models that read the grid, up to sla_tickets, while a deadline falls past it."""
    started = time.perf_counter()
    readers = dag.downstream(models, GRID_TABLES) & dag.upstream(models, {"sla_tickets"})
    days = 31
    while deadlines_past_grid(run.con, run.prepared.clock):
        say("a deadline lies past the calendar grid: extending it")
        run.prepared.extend_grid(run.con, days)
        days *= 2
        for name in chosen:
            if name in readers:
                run.model(models[name])
    return round(time.perf_counter() - started, 3)


def _run_sql_file(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    for statement in path.read_text(encoding="utf-8").split(";"):
        if statement.strip() and not all(
            line.strip().startswith("--") or not line.strip() for line in statement.splitlines()
        ):
            con.execute(statement)


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0

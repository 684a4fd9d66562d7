"""The warehouse file: connecting, its tables, the writers' lock and the dashboard snapshot.

DuckDB locks a database file across processes, so the dashboard never opens the file that
`ingest` and `build` write: `build` ends by publishing a snapshot (`<db>.snapshot.duckdb`),
written to a temporary file and renamed over the old one in one step.
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

from pipelines.config import ConfigError
from pipelines.ingest.readers import first_line
from pipelines.schemas import STAGING_TABLES, columns, staging_ddl

DEFAULT_DB = Path("data/warehouse.duckdb")
LOCK_WAIT_S = float(os.environ.get("CSPULSE_LOCK_WAIT_S", "60"))
# DuckDB's working memory for ingest and build; beyond it, it spills to `<db>.tmp/`. Millions of
# tickets then fit a small machine; raise it where memory is plentiful.
MEMORY_LIMIT = os.environ.get("CSPULSE_MEMORY_LIMIT", "2GB")

RUN_TABLES_DDL = (
    """
    CREATE TABLE IF NOT EXISTS ingest_runs (
        run_id BIGINT,
        file VARCHAR,
        sha256 VARCHAR,
        kind VARCHAR,
        source VARCHAR,
        rows_read BIGINT,
        rows_loaded BIGINT,
        rows_rejected BIGINT,
        started_at TIMESTAMPTZ,
        finished_at TIMESTAMPTZ,
        status VARCHAR,
        message VARCHAR
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS ingest_warnings (
        run_id BIGINT,
        file VARCHAR,
        category VARCHAR,
        "column" VARCHAR,
        value VARCHAR,
        rows BIGINT,
        message VARCHAR
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS rejected_rows (
        run_id BIGINT,
        file VARCHAR,
        row_number BIGINT,
        "column" VARCHAR,
        reason VARCHAR,
        raw VARCHAR
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS build_runs (
        build_id BIGINT,
        as_of TIMESTAMPTZ,
        config VARCHAR,
        started_at TIMESTAMPTZ,
        finished_at TIMESTAMPTZ,
        row_counts VARCHAR
    )
    """,
)


def snapshot_path(db: Path) -> Path:
    return db.with_name(db.name.removesuffix(".duckdb") + ".snapshot.duckdb")


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


def connect(db: Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for writing, with every contract table in place."""
    db.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(db))
    except duckdb.Error as error:
        # Held open by another program (a notebook, the duckdb shell), or not a DuckDB file.
        raise WarehouseUnavailable(f"{db}: cannot open the warehouse: {first_line(error)}") from None
    con.execute("SET TimeZone = 'UTC'")
    quiet_progress(con)
    con.execute(f"SET memory_limit = '{_memory_limit(MEMORY_LIMIT)}'")
    for table in STAGING_TABLES:
        con.execute(staging_ddl(table))
    for ddl in RUN_TABLES_DDL:
        con.execute(ddl)
    _add_new_columns(con)
    return con


# Columns added to contract tables after their first release: a warehouse made before gets them
# (nulls for the rows it already had).
ADDED_COLUMNS = {
    "ingest_runs": {
        "rows_invalid": "BIGINT",
        "rows_superseded": "BIGINT",
        "rows_duplicate": "BIGINT",
        "rows_history": "BIGINT",
        "events_derived": "BIGINT",
    },
    "rejected_rows": {"category": "VARCHAR"},
}


def _add_new_columns(con: duckdb.DuckDBPyConnection) -> None:
    for table in STAGING_TABLES:
        for spec in columns(table):
            con.execute(f'ALTER TABLE {table} ADD COLUMN IF NOT EXISTS "{spec.name}" {spec.sql_type}')
    for table, added in ADDED_COLUMNS.items():
        for name, sql_type in added.items():
            con.execute(f'ALTER TABLE {table} ADD COLUMN IF NOT EXISTS "{name}" {sql_type}')


def quiet_progress(con: duckdb.DuckDBPyConnection) -> None:
    """No DuckDB progress bar: the CLI draws its own. (Under Jupyter DuckDB refuses to touch the
    setting without ipywidgets; it then draws none anyway.)"""
    with suppress(duckdb.InvalidInputException):
        con.execute("SET enable_progress_bar = false")


def _memory_limit(text: str) -> str:
    """A DuckDB size such as '2GB' or '512MB' (validated: it is written into SQL)."""
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", text.strip(), re.IGNORECASE):
        raise ConfigError(f"CSPULSE_MEMORY_LIMIT={text!r}: expected a size such as 2GB or 512MB")
    return text.strip()


class WarehouseUnavailable(RuntimeError):
    """The warehouse file cannot be opened for writing."""


class LockTimeout(RuntimeError):
    """Another writer held the warehouse for longer than we were willing to wait."""


@contextmanager
def writer_lock(db: Path, wait_s: float | None = None) -> Iterator[None]:
    """Serialise writer commands (ingest, build, demo) on `<db>.lock`; wait, then fail clearly."""
    wait_s = LOCK_WAIT_S if wait_s is None else wait_s
    path = lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(
                        f"{db} is being written by another cspulse command (lock {path}); "
                        f"waited {wait_s:.0f} s. Try again when it has finished."
                    ) from None
                time.sleep(0.2)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish_snapshot(con: duckdb.DuckDBPyConnection, db: Path, tables: list[str]) -> Path:
    """Copy `tables` into a fresh file and rename it over `<db>.snapshot.duckdb` atomically."""
    target = snapshot_path(db)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    # ATTACH takes no bound parameters; the path is ours, quoted as a string literal.
    literal = "'" + str(temporary).replace("'", "''") + "'"
    con.execute(f"ATTACH {literal} AS snapshot")
    try:
        for table in tables:
            con.execute(f"CREATE TABLE snapshot.{table} AS SELECT * FROM main.{table}")
    finally:
        con.execute("DETACH snapshot")
    os.replace(temporary, target)
    return target

"""The warehouse file: connecting, its tables, the writers' lock and the dashboard snapshot.

DuckDB locks a database file across processes, so the dashboard never opens the file that
`ingest` and `build` write: `build` ends by publishing a snapshot (`<db>.snapshot.duckdb`),
written to a temporary file and renamed over the old one in one step.

The marts live in a file of their own beside the warehouse, `<db>.marts.duckdb`, attached to
every warehouse connection as the catalog `marts` and on its search path, so `sla_tickets` and
the other contract names read as before through `connect()` (and `open_read_only()`). Staging,
the run tables and everything ingest writes stay in `<db>`. Publishing the snapshot is then a
copy of that file, not a re-encoding of every mart: the run tables are copied into it, it is
checkpointed and detached (no write-ahead log left), copied to a temporary file and renamed
over the snapshot in one step. Readers keep the snapshot they opened; a build killed at any
point leaves the last published snapshot as it was (the marts file is only ever copied, never
renamed, so a half-built marts file never becomes the snapshot).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

from pipelines.config import ConfigError
from pipelines.errors import first_line
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


def marts_path(db: Path) -> Path:
    return db.with_name(db.name.removesuffix(".duckdb") + ".marts.duckdb")


MARTS_CATALOG = "marts"


def _literal(path: Path) -> str:
    """A path as an SQL string literal (ATTACH takes no bound parameters; the path is ours)."""
    return "'" + str(path).replace("'", "''") + "'"


def attach_marts(con: duckdb.DuckDBPyConnection, db: Path, read_only: bool = False) -> None:
    """Attach `<db>.marts.duckdb` as `marts` (once) and put it on this connection's search path."""
    attached = con.execute(
        "SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [MARTS_CATALOG]
    ).fetchone()
    if not (attached and attached[0]):
        path = marts_path(db)
        if read_only and not path.exists():
            return  # a warehouse never built has no marts yet
        mode = " (READ_ONLY)" if read_only else ""
        con.execute(f"ATTACH {_literal(path)} AS {MARTS_CATALOG}{mode}")
    use_marts(con)


def use_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Unqualified names: the warehouse's own tables first, then the marts (per connection)."""
    attached = con.execute(
        "SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [MARTS_CATALOG]
    ).fetchone()
    if attached and attached[0]:
        database = con.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
        quoted = '"' + str(database).replace('"', '""') + '"'
        con.execute("SET search_path = ?", [f"{quoted}.main,{MARTS_CATALOG}.main"])


def open_read_only(db: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse opened read-only with its marts (for tools and checks, not the dashboard:
    it reads the snapshot)."""
    con = duckdb.connect(str(db), read_only=True)
    attach_marts(con, db, read_only=True)
    return con


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
    attach_marts(con, db)
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


def publish_snapshot(con: duckdb.DuckDBPyConnection, db: Path, run_tables: list[str]) -> Path:
    """Publish the marts file as `<db>.snapshot.duckdb`: the run tables copied into it, a
    checkpoint, a file copy to a temporary name, an atomic rename over the old snapshot."""
    target = snapshot_path(db)
    marts = marts_path(db)
    for stale in target.parent.glob(f".{target.name}.*.tmp"):
        stale.unlink(missing_ok=True)  # left by a build killed mid-copy (writers hold the lock)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    for table in run_tables:
        con.execute(f"CREATE OR REPLACE TABLE {MARTS_CATALOG}.main.{table} AS SELECT * FROM main.{table}")
    con.execute(f"CHECKPOINT {MARTS_CATALOG}")
    con.execute("RESET search_path")  # a path naming a detached catalog fails every query
    con.execute(f"DETACH {MARTS_CATALOG}")
    try:
        wal = marts.with_name(marts.name + ".wal")
        if wal.exists() and wal.stat().st_size:
            raise RuntimeError(f"{wal}: the marts file still has a write-ahead log; not published")
        shutil.copyfile(marts, temporary)
    finally:
        attach_marts(con, db)
    os.replace(temporary, target)
    return target

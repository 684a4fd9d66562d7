"""Every mart proves its grain on the samples: the key its model declares is unique, and no
mart is empty there. New marts are checked by being models, not by being listed here."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipelines.build import build, dag, marts
from pipelines.config import load_config
from pipelines.warehouse import MARTS_CATALOG, open_read_only
from tests.conftest import Warehouse, run_cli, utc


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    db = tmp_path_factory.mktemp("marts") / "warehouse.duckdb"
    assert run_cli("demo", "--db", db) == 0
    with open_read_only(db) as con:
        yield con


@pytest.mark.parametrize("mart", marts())
def test_every_mart_is_unique_on_its_declared_grain(samples: duckdb.DuckDBPyConnection, mart: str) -> None:
    key = dag.all_models()[mart].unique_key
    assert key, f"{mart} declares no grain"
    columns = ", ".join(f'"{column}"' for column in key)
    rows, distinct = samples.execute(
        f"SELECT count(*), count(DISTINCT ({columns})) FROM {mart}"  # a struct: NULLs count as values
    ).fetchone()  # type: ignore[misc]
    assert rows > 0, f"{mart} is empty on the samples"
    assert rows == distinct, f"{mart} repeats ({columns})"


def test_the_snapshot_holds_every_mart_and_the_run_tables(samples: duckdb.DuckDBPyConnection) -> None:
    database = samples.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
    path = Path(
        samples.execute("SELECT path FROM duckdb_databases() WHERE database_name = ?", [database]).fetchone()[
            0
        ]
    )  # type: ignore[index]
    snapshot = path.with_name(path.name.removesuffix(".duckdb") + ".snapshot.duckdb")
    with duckdb.connect(str(snapshot), read_only=True) as con:
        tables = {
            row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
    assert set(marts()) | {"ingest_runs", "rejected_rows", "build_runs"} <= tables


def test_a_reader_finds_sla_tickets_throughout_a_rebuild_that_changes_its_enums(tmp_path: Path) -> None:
    """sla_tickets keeps its low-cardinality columns as ENUMs of this build's values. A rebuild
    whose values changed (a channel no earlier export had) swaps the table in one statement: a
    reader of the warehouse and a reader of the snapshot find it, whole, at every moment; the
    values read back as the same text."""
    samples = Path(__file__).parents[1] / "data" / "samples"
    db = tmp_path / "warehouse.duckdb"
    select = ["sla_compliance_monthly"]
    store = Warehouse(db, load_config(None))
    try:
        store.ingest(samples / "accounts.csv", samples / "tickets.csv.gz", samples / "ticket_events.csv.gz")
        as_of = "2026-11-01T00:00:00+00:00"
        store.build_selected(as_of, select)
        kinds = dict(store.rows("SELECT column_name, column_type FROM (DESCRIBE sla_tickets)"))
        assert {
            kinds[c][:4] for c in ("tier", "channel", "task_type", "status", "sla_state", "cs_manager")
        } == {"ENUM"}
        assert "'fax'" not in kinds["channel"]
        expected = store.one("SELECT count(*) FROM sla_tickets")
        store.rows(
            "UPDATE tickets SET channel = 'fax' WHERE ticket_id = (SELECT min(ticket_id) FROM tickets)"
        )
        snapshot = db.with_name("warehouse.snapshot.duckdb")
        reader = store.con.cursor()
        seen: list[tuple[object, ...]] = []
        failures: list[BaseException] = []
        publishing, reader_idle, done = threading.Event(), threading.Event(), threading.Event()

        def read() -> None:
            try:
                while not done.is_set():
                    # the build's own checkpoint waits for no reader of its file: the warehouse is
                    # read (through a cursor of the build's process) until the publish starts
                    if not publishing.is_set():
                        query = f"SELECT count(*), max(channel) FROM {MARTS_CATALOG}.main.sla_tickets"
                        seen.append(reader.execute(query).fetchall()[0])
                    else:
                        reader_idle.set()
                    with duckdb.connect(str(snapshot), read_only=True) as published:
                        seen.append(published.execute("SELECT count(*) FROM sla_tickets").fetchone() or ())
            except BaseException as error:  # a missing table: CatalogException
                failures.append(error)
            finally:
                reader_idle.set()

        def progress(message: str) -> None:
            if message.startswith("publishing"):
                publishing.set()
                reader_idle.wait()  # the reader's last query of the warehouse has ended

        thread = threading.Thread(target=read)
        thread.start()
        try:
            build(store.con, db, store.config, utc(as_of), progress, select)
        finally:
            done.set()
            thread.join()
        reader.close()
        assert not failures
        assert seen and all(row[0] == expected for row in seen)
        kinds = dict(store.rows("SELECT column_name, column_type FROM (DESCRIBE sla_tickets)"))
        assert "'fax'" in kinds["channel"]
        assert store.one("SELECT count(*) FROM sla_tickets WHERE channel = 'fax'") == 1
        assert isinstance(store.one("SELECT channel FROM sla_tickets WHERE channel = 'fax'"), str)
    finally:
        store.close()

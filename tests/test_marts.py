"""Every mart proves its grain on the samples: the key its model declares is unique, and no
mart is empty there. New marts are checked by being models, not by being listed here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipelines.build import dag, marts
from pipelines.warehouse import open_read_only
from tests.conftest import run_cli


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

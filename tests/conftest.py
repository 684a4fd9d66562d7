"""Shared test helpers: warehouses in tmp_path, the CLI in-process, fixture paths."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines import cli
from pipelines.build import build
from pipelines.config import Config, config_from_text, load_config
from pipelines.ingest import IngestResult, ingest_files
from pipelines.warehouse import connect

FIXTURES = Path(__file__).parent / "fixtures"


class Warehouse:
    """A warehouse file in a temporary folder, with shortcuts to ingest, build and query."""

    def __init__(self, path: Path, config: Config) -> None:
        self.path = path
        self.config = config
        self.con = connect(path)

    def ingest(self, *paths: Path, **options: object) -> list[IngestResult]:
        return ingest_files(self.con, list(paths), self.config, **options)  # type: ignore[arg-type]

    def build(self, as_of: str) -> dict[str, object]:
        moment = datetime.fromisoformat(as_of).astimezone(UTC)
        return build(self.con, self.path, self.config, moment)

    def build_selected(self, as_of: str, select: list[str]) -> dict[str, object]:
        moment = datetime.fromisoformat(as_of).astimezone(UTC)
        return build(self.con, self.path, self.config, moment, select=select)

    def rows(self, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
        return self.con.execute(sql, params or []).fetchall()

    def one(self, sql: str, params: list[object] | None = None) -> object:
        return self.rows(sql, params)[0][0]

    def dicts(self, sql: str, params: list[object] | None = None) -> list[dict[str, object]]:
        cursor = self.con.execute(sql, params or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        self.con.close()


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    store = Warehouse(tmp_path / "warehouse.duckdb", load_config(None))
    yield store
    store.close()


def make_warehouse(tmp_path: Path, config_text: str = "") -> Warehouse:
    config = config_from_text(config_text) if config_text else load_config(None)
    return Warehouse(tmp_path / "warehouse.duckdb", config)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def copy_fixture(name: str, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(FIXTURES / name, target))


def run_cli(*args: str) -> int:
    return cli.main([str(arg) for arg in args])


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def fetch_table(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[object, ...]]:
    return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()

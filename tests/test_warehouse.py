"""The writers' lock: a second writer waits, then fails with a message naming the warehouse."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pipelines.warehouse import LockTimeout, writer_lock
from tests.conftest import run_cli


def test_a_second_writer_times_out_with_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    with writer_lock(db):
        started = time.monotonic()
        with (
            pytest.raises(
                LockTimeout, match=r"warehouse\.duckdb is being written by another cspulse command"
            ),
            writer_lock(db, wait_s=0.5),
        ):
            pass
        assert time.monotonic() - started >= 0.5  # it waited before giving up
    with writer_lock(db, wait_s=0.5):  # released: the next writer gets it at once
        pass


def test_the_cli_exits_2_while_another_writer_holds_the_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "warehouse.duckdb"
    monkeypatch.setattr("pipelines.warehouse.LOCK_WAIT_S", 0.3)
    with writer_lock(db):
        assert run_cli("build", "--db", db, "--as-of", "2026-01-01T00:00:00+00:00") == 2
    assert "is being written by another cspulse command" in capsys.readouterr().err

"""The Data page tells loaded from rejected by why, lists the values no target knows and names
the defaults applied (AppTest over a small hand-made warehouse)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import run_cli, write

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
HEADER = "ticket_id,account_id,created_at,channel,task_type,status\n"


def test_the_data_page_counts_rejects_by_why_and_lists_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "w.duckdb"
    good = write(
        tmp_path / "tickets.csv",
        HEADER
        + "T1,A1,2024-03-01T10:00:00Z,email,simple,open\n"  # superseded by row 3
        + "T2,A1,2024-03-01T10:00:00Z,pigeon,simple,open\n"  # an unknown channel
        + "T1,A1,2024-03-01T10:00:00Z,email,simple,resolved\n"
        + "T3,A1,never,email,simple,open\n"  # invalid
        + "T4,,2024-03-01T10:00:00Z,email,simple,open\n",  # invalid
    )
    bad = write(tmp_path / "b/tickets.csv", HEADER + "T9,A1,soon,email,simple,open\n")
    assert run_cli("ingest", good, "--db", db) == 0
    assert run_cli("ingest", bad, "--db", db) == 1
    assert run_cli("build", "--db", db, "--as-of", "2024-03-02T00:00:00Z") == 0
    monkeypatch.setenv("CSPULSE_DB", str(db))
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.run()
    app.switch_page("views/data.py").run()
    assert not app.exception
    runs = app.dataframe[0].value
    # invalid apart from superseded: the first file 3 rejected = 2 invalid + 1 superseded
    first = runs[runs["Run"] == 1].iloc[0]
    assert (first["Rejected"], first["Invalid"], first["Superseded"], first["Duplicates"]) == (3, 2, 1, 0)
    assert set(runs["Status"]) == {"loaded", "failed"}
    assert any(str(bad) in error.value and "nothing was loaded" in error.value for error in app.error)
    markdown = " ".join(block.value for block in app.markdown)
    # over both runs: 2 + 1 invalid, 1 superseded, no duplicate
    assert "Invalid: **3** · superseded by a later row: 1 · exact duplicates: 0" in markdown
    rejected = app.dataframe[1].value
    assert list(rejected["Kind"])[:3] == ["invalid"] * 3 and list(rejected["Kind"])[3] == "superseded"
    warnings = app.dataframe[2].value
    assert list(warnings["Value"]) == ["pigeon"] and list(warnings["Rows"]) == [1]
    assert "default calendar — Europe/Moscow" in markdown and "public holidays: RU" in markdown


def test_the_sla_page_shows_agreement_with_servicenows_made_sla(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "w.duckdb"
    export = Path(__file__).parent / "fixtures" / "profiles" / "servicenow_incidents.csv"
    assert run_cli("ingest", export, "--source", "servicenow", "--db", db) == 0
    assert run_cli("build", "--db", db, "--as-of", "2024-03-11T00:00:00+03:00") == 0
    monkeypatch.setenv("CSPULSE_DB", str(db))
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.run()
    app.switch_page("views/sla.py").run()
    assert not app.exception
    # 2 of the 3 judged incidents agree (worked out in test_source_profiles.py)
    metric = next(m for m in app.metric if m.label == "Agreement with the source tool")
    assert metric.value == "66.7%"

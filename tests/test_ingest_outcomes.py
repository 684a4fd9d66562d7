"""Ingest that never calls a failure a success: rejects counted by why (invalid first), a file
that loads nothing and a build that judges nothing exit non-zero, values no target knows are
warned about, and one-row-per-update exports keep their earlier rows as history."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.ingest.profile import load_profile
from tests.conftest import Warehouse, run_cli, utc, write

HEADER = "ticket_id,account_id,created_at,channel,task_type,status\n"


def test_rejects_are_counted_by_why_invalid_first(tmp_path: Path, warehouse: Warehouse) -> None:
    path = write(
        tmp_path / "tickets.csv",
        HEADER
        + "T1,A1,2024-03-01T10:00:00Z,email,simple,open\n"  # row 2: superseded by row 4
        + "T2,A1,2024-03-01T10:00:00Z,email,simple,open\n"  # row 3: kept
        + "T1,A1,2024-03-01T10:00:00Z,email,simple,resolved\n"  # row 4: T1's last word
        + "T2,A1,2024-03-01T10:00:00Z,email,simple,open\n"  # row 5: an exact copy of row 3
        + "T3,A1,yesterday,email,simple,open\n",  # row 6: invalid
    )
    result = warehouse.ingest(path)[0]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 2, 3)
    assert (result.rows_invalid, result.rows_superseded, result.rows_duplicate) == (1, 1, 1)
    assert "rejected 3: 1 invalid, 1 superseded, 1 duplicate" in result.summary()
    assert warehouse.rows("SELECT rows_invalid, rows_superseded, rows_duplicate FROM ingest_runs") == [
        (1, 1, 1)
    ]
    assert warehouse.rows("SELECT row_number, category FROM rejected_rows ORDER BY 1") == [
        (2, "superseded"),
        (5, "duplicate"),
        (6, "invalid"),
    ]


def test_a_file_that_loads_nothing_fails_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "w.duckdb"
    bad = write(
        tmp_path / "tickets.csv", HEADER + "T1,A1,soon,email,simple,open\nT2,,later,email,simple,open\n"
    )
    assert run_cli("ingest", bad, "--db", db) == 1
    output = capsys.readouterr().out
    assert f"FAILED {bad} as tickets [canonical]: 0 of 2 rows, rejected 2: 2 invalid" in output
    assert "nothing loaded: all 2 rows were rejected" in output
    header_only = write(tmp_path / "h/tickets.csv", HEADER)
    assert run_cli("ingest", header_only, "--db", db) == 0  # nothing to load is not a failure
    import duckdb

    with duckdb.connect(str(db)) as con:
        assert con.execute(
            "SELECT status, rows_read, rows_rejected FROM ingest_runs ORDER BY run_id"
        ).fetchall() == [
            ("failed", 2, 2),
            ("loaded", 0, 0),
        ]
        assert con.execute("SELECT count(*) FROM rejected_rows").fetchone() == (2,)


def test_a_build_that_judges_no_ticket_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "w.duckdb"
    tickets = write(tmp_path / "tickets.csv", HEADER + "T1,A1,2024-03-01T10:00:00Z,email,simple,open\n")
    assert run_cli("ingest", tickets, "--db", db) == 0
    assert run_cli("build", "--db", db, "--as-of", "2024-03-02T00:00:00Z") == 0
    # every ticket was created after as-of: 0 judged of 1
    assert run_cli("build", "--db", db, "--as-of", "2024-02-01T00:00:00Z") == 1
    assert "the build judged 0 tickets of the 1 in the warehouse" in capsys.readouterr().err
    empty = tmp_path / "empty.duckdb"
    assert run_cli("build", "--db", empty, "--as-of", "2024-02-01T00:00:00Z") == 0  # nothing to judge


def test_values_no_target_knows_are_warned_about(tmp_path: Path, warehouse: Warehouse) -> None:
    path = write(
        tmp_path / "tickets.csv",
        HEADER
        + "T1,A1,2024-03-01T10:00:00Z,pigeon,simple,open\n"
        + "T2,A1,2024-03-01T10:00:00Z,Pigeon,simple,\n"
        + "T3,A1,2024-03-01T10:00:00Z,email,hunch,open\n",
    )
    result = warehouse.ingest(path)[0]
    assert result.rows_loaded == 3  # loaded all the same
    assert warehouse.rows('SELECT category, "column", value, rows FROM ingest_warnings ORDER BY ALL') == [
        ("empty_value", "status", None, 1),
        ("unknown_value", "channel", "pigeon", 2),  # matched after lower-casing
        ("unknown_value", "task_type", "hunch", 1),
    ]
    assert any(
        "channel 'pigeon' in 2 rows: no tier has a first-response target" in w for w in result.warnings
    )
    assert "warning: status empty in 1 rows" in result.summary()


def test_a_profiles_constants_are_named_as_defaults(tmp_path: Path, warehouse: Warehouse) -> None:
    profile = load_profile(
        write(
            tmp_path / "desk.toml",
            'name = "desk"\n[tickets]\ncolumns = { ticket_id = "id", account_id = "org", '
            'created_at = "at", status = "st" }\nconstants = { channel = "portal", task_type = "simple" }\n',
        )
    )
    path = write(tmp_path / "t.csv", "id,org,at,st\nT1,A1,2024-03-01T10:00:00Z,open\n")
    warehouse.ingest(path, profile=profile)
    assert warehouse.rows('SELECT category, "column", value, rows FROM ingest_warnings ORDER BY 2') == [
        ("default", "channel", "portal", 1),
        ("default", "task_type", "simple", 1),
    ]


UPDATES = """name = "updates"
timezone = "UTC"
[tickets]
[tickets.columns]
ticket_id = "number"
account_id = "org"
created_at = "opened"
status = "state"
team = "group"
revision = "mods"
updated_at = "updated"
[tickets.constants]
channel = "email"
task_type = "simple"
[tickets.history]
assign = "team"
"""


def test_one_row_per_update_gives_the_ticket_and_its_history(tmp_path: Path, warehouse: Warehouse) -> None:
    profile = load_profile(write(tmp_path / "updates.toml", UPDATES))
    path = write(
        tmp_path / "audit.csv",
        "number,org,opened,state,group,mods,updated\n"
        "I1,A1,2024-03-01T10:00:00Z,New,L1,0,2024-03-01T10:00:00Z\n"
        "I1,A1,2024-03-01T10:00:00Z,Active,L2,2,2024-03-01T11:00:00Z\n"  # revision 2
        "I1,A1,2024-03-01T10:00:00Z,Active,L1,1,2024-03-01T10:30:00Z\n"  # revision 1, later row
        "I1,A1,2024-03-01T10:00:00Z,Active,L2,2,2024-03-01T11:00:00Z\n"  # an exact copy of row 3
        "I2,A1,2024-03-01T12:00:00Z,New,,0,2024-03-01T12:00:00Z\n"
        "I2,A1,2024-03-01T12:00:00Z,Resolved,L1,1,2024-03-01T13:00:00Z\n"
        "I3,A1,someday,New,L1,0,2024-03-01T12:00:00Z\n",
    )
    result = warehouse.ingest(path, profile=profile)[0]
    # 7 rows: 5 loaded (2 tickets + 3 rows of history), the copy and the bad date rejected
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (7, 5, 2)
    assert (result.rows_invalid, result.rows_superseded, result.rows_duplicate) == (1, 0, 1)
    assert (result.rows_history, result.events_derived) == (3, 7)
    # the highest revision is the ticket, whatever the row order
    assert warehouse.rows("SELECT ticket_id, status, team FROM tickets ORDER BY 1") == [
        ("I1", "active", "L2"),
        ("I2", "resolved", "L1"),
    ]
    # by revision: I1 New/L1 (0) -> Active/L1 (1) -> Active/L2 (2): 2 status, 2 assign events;
    # I2 New/- -> Resolved/L1: 2 status events, 1 assign (an empty group is no assignment)
    assert warehouse.rows(
        'SELECT ticket_id, "at", kind, value FROM ticket_events ORDER BY 1, 2, position'
    ) == [
        ("I1", utc("2024-03-01T10:00:00+00:00"), "status", "new"),
        ("I1", utc("2024-03-01T10:00:00+00:00"), "assign", "L1"),
        ("I1", utc("2024-03-01T10:30:00+00:00"), "status", "active"),
        ("I1", utc("2024-03-01T11:00:00+00:00"), "assign", "L2"),
        ("I2", utc("2024-03-01T12:00:00+00:00"), "status", "new"),
        ("I2", utc("2024-03-01T13:00:00+00:00"), "status", "resolved"),
        ("I2", utc("2024-03-01T13:00:00+00:00"), "assign", "L1"),
    ]
    assert warehouse.one("SELECT count(*) FROM rejected_rows WHERE category = 'superseded'") == 0

"""The profile format's derived columns (coalesce, add_minutes, concat) and per-kind value maps:
still data, compiled to fixed SQL; mistakes are named with the file, the table and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.ingest.profile import ProfileError, load_profile
from tests.conftest import Warehouse, run_cli, utc, write

DESK = """name = "desk"
timezone = "UTC"
null_values = ["?"]
[tickets]
columns = { ticket_id = "id", created_at = "opened", channel = "via", status = "state" }
constants = { task_type = "simple" }
[tickets.derived]
account_id = { coalesce = ["company", "location"] }
subject = { concat = ["category", "subcategory"], separator = " / " }
first_response_at = { add_minutes = ["opened", "reply minutes"] }
"""


def test_derived_columns_compute_from_several_source_columns(tmp_path: Path, warehouse: Warehouse) -> None:
    profile = load_profile(write(tmp_path / "desk.toml", DESK))
    path = write(
        tmp_path / "tickets.csv",
        "id,opened,via,state,company,location,category,subcategory,reply minutes\n"
        "T1,2024-03-01 10:00,email,open,Acme,Rome,Network,VPN,90\n"
        "T2,2024-03-01 10:00,email,open,?,Rome,Network,,?\n"
        "T3,2024-03-01 10:00,email,open,,,Network,VPN,1.5\n"
        "T4,2024-03-01 10:00,email,open,Acme,,,,soon\n",
    )
    result = warehouse.ingest(path, profile=profile)[0]
    assert (result.rows_loaded, result.rows_rejected) == (2, 2)
    rows = warehouse.rows("SELECT ticket_id, account_id, subject, first_response_at FROM tickets ORDER BY 1")
    assert rows == [
        # 10:00 + 90 min = 11:30; company given, so it is the account
        ("T1", "Acme", "Network / VPN", utc("2024-03-01T11:30:00+00:00")),
        # "?" is null: the account falls to location; an empty subcategory is left out of the
        # join; no reply minutes, no first response
        ("T2", "Rome", "Network", None),
    ]
    assert warehouse.rows('SELECT row_number, "column", reason FROM rejected_rows ORDER BY 1') == [
        # neither company nor location: no account
        (4, "account_id", "account_id: missing"),
        (5, "first_response_at", 'first_response_at: minutes "soon" is not a number'),
    ]


def test_add_minutes_keeps_seconds(tmp_path: Path, warehouse: Warehouse) -> None:
    profile = load_profile(write(tmp_path / "desk.toml", DESK))
    path = write(
        tmp_path / "tickets.csv",
        "id,opened,via,state,company,reply minutes\nT1,2024-03-01 10:00,email,open,Acme,1.5\n",
    )
    warehouse.ingest(path, profile=profile)
    # 1.5 minutes = 90 seconds after 10:00:00
    assert warehouse.one("SELECT first_response_at FROM tickets") == utc("2024-03-01T10:01:30+00:00")


def test_event_values_map_per_event_kind(tmp_path: Path, warehouse: Warehouse) -> None:
    profile = load_profile(
        write(
            tmp_path / "audit.toml",
            'name = "audit"\n[ticket_events]\n'
            'columns = { ticket_id = "number", at = "when", kind = "field", value = "new" }\n'
            '[ticket_events.values.kind]\nstate = "status"\ngroup = "assign"\n'
            '[ticket_events.event_values.status]\n"Awaiting User Info" = "on_hold"\n"*" = "in_progress"\n'
            '[ticket_events.event_values.assign]\n"" = "unassigned"\n',
        )
    )
    path = write(
        tmp_path / "audit.csv",
        "number,when,field,new\n"
        "INC1,2024-03-01T10:00:00Z,state,Awaiting User Info\n"
        "INC1,2024-03-01T11:00:00Z,state,Active\n"
        "INC1,2024-03-01T12:00:00Z,group,Active\n"  # the same text, another kind: not mapped
        "INC1,2024-03-01T13:00:00Z,group,\n",
    )
    warehouse.ingest(path, profile=profile)
    assert warehouse.rows('SELECT kind, value FROM ticket_events ORDER BY "at"') == [
        ("status", "on_hold"),
        ("status", "in_progress"),
        ("assign", "Active"),
        ("assign", "unassigned"),
    ]


@pytest.mark.parametrize(
    ("table", "said"),
    [
        (
            '[tickets.derived]\naccount_id = { sum = ["a", "b"] }\n',
            "[tickets] derived.account_id: unknown operation 'sum'; a derived column uses one of "
            "coalesce, add_minutes, concat",
        ),
        (
            '[tickets.derived]\nclient = { coalesce = ["a"] }\n',
            "[tickets] maps 'client', not a column of tickets",
        ),
        (
            '[tickets.derived]\ncreated_at = { add_minutes = ["a"] }\n',
            "[tickets] derived.created_at.add_minutes takes two columns",
        ),
        (
            '[tickets.derived]\nsubject = { coalesce = ["a"], concat = ["b"] }\n',
            "[tickets] derived.subject must name exactly one operation",
        ),
        (
            '[tickets]\ncolumns = { subject = "s" }\n[tickets.derived]\nsubject = { coalesce = ["a"] }\n',
            "[tickets] maps 'subject' twice",
        ),
        ('[tickets.event_values.status]\nx = "y"\n', "[tickets] has unknown keys ['event_values']"),
    ],
)
def test_profile_mistakes_name_the_file_table_and_key(tmp_path: Path, table: str, said: str) -> None:
    path = write(tmp_path / "mine.toml", 'name = "mine"\n' + table)
    with pytest.raises(ProfileError) as error:
        load_profile(path)
    assert str(error.value).startswith(str(path)) and said in str(error.value)


def test_an_unknown_operation_exits_2_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = write(tmp_path / "mine.toml", 'name = "mine"\n[tickets.derived]\nsubject = { upper = ["a"] }\n')
    data = write(tmp_path / "tickets.csv", "a\nx\n")
    assert run_cli("ingest", data, "--profile", profile, "--db", tmp_path / "w.duckdb") == 2
    assert "derived.subject: unknown operation 'upper'" in capsys.readouterr().err

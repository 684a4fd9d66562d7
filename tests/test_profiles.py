"""Source profiles: other tools' exports mapped onto the canonical input, by hand and on the
real exports in ../shared/realdata."""

from __future__ import annotations

import csv
import gzip
import os
from pathlib import Path

import pytest

from pipelines.ingest.profile import named_profile
from tests.conftest import FIXTURES, Warehouse, utc, write

REALDATA = Path(
    os.environ.get("CSPULSE_REALDATA", Path(__file__).resolve().parents[2] / "shared" / "realdata")
)

LOG_HEADER = "Case ID,Activity,Resource,Complete Timestamp,customer,seriousness_2,workgroup\n"


def test_an_activity_log_becomes_tickets_and_their_history(tmp_path: Path, warehouse: Warehouse) -> None:
    path = write(
        tmp_path / "log.csv",
        LOG_HEADER
        + "Case 1,Assign seriousness,Value 1,2024/03/04 09:00:00.000,Value 7,Value 1,Value 1\n"
        + "Case 1,Take in charge ticket,Value 2,2024/03/04 09:30:00.000,Value 7,Value 1,Value 1\n"
        + "Case 1,Wait,Value 2,2024/03/04 10:00:00.000,Value 7,Value 1,Value 1\n"
        + "Case 1,Take in charge ticket,Value 2,2024/03/04 11:00:00.000,Value 7,Value 1,Value 1\n"
        + "Case 1,Resolve ticket,Value 2,2024/03/04 13:00:00.000,Value 7,Value 2,Value 1\n"
        + "Case 1,Resolve ticket,Value 2,2024/03/04 13:00:00.000,Value 7,Value 2,Value 1\n"
        # a linked bug report's verdict, copied in with its own customer and workgroup
        + "Case 1,RESOLVED,Value 3,2024/03/04 14:00:00.000,Value 99,Value 4,Value 3\n",
    )
    result = warehouse.ingest(path, profile=named_profile("italian-helpdesk"))[0]
    assert (result.kind, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "ticket_log",
        7,
        6,
        1,
    )
    assert warehouse.rows("SELECT row_number, reason FROM rejected_rows") == [(7, "duplicate of row 6")]
    ticket = warehouse.dicts("SELECT * FROM tickets")[0]
    # created at the first activity, 09:00 in Rome (CET, UTC+1); the customer who opened it
    assert ticket["created_at"] == utc("2024-03-04T08:00:00+00:00")
    assert (ticket["account_id"], ticket["status"], ticket["assignee"]) == ("Value 7", "resolved", "Value 2")
    statuses = warehouse.rows(
        "SELECT value FROM ticket_events WHERE kind = 'status' ORDER BY \"at\", position"
    )
    assert [row[0] for row in statuses] == ["new", "in_progress", "pending", "in_progress", "resolved"]
    warehouse.build("2024-03-05T12:00:00+01:00")
    row = warehouse.dicts("SELECT * FROM sla_tickets")[0]
    # default calendar (Moscow 09:00-18:00): 09:00 Rome is 11:00 Moscow, inside working hours
    # taken in charge at 09:30: the first response after 30 working minutes
    assert row["response_business_min"] == 30
    # resolved 13:00 Rome: 240 elapsed, less the hour waiting (10:00-11:00) = 180
    assert row["resolved_at"] == utc("2024-03-04T13:00:00+01:00")
    assert (row["paused_business_min"], row["resolution_business_min"]) == (60, 180)


def test_a_real_activity_log_excerpt_loads_whole(warehouse: Warehouse) -> None:
    excerpt = FIXTURES / "realdata" / "italian-helpdesk-excerpt.csv.gz"
    # the answer, worked out independently with the csv module: every row, the exact copies
    # (each a "duplicate of" its first occurrence's row), and the distinct cases
    with gzip.open(excerpt, "rt", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    first_seen: dict[tuple[str, ...], int] = {}
    copies = []
    for position, row in enumerate(rows, start=2):
        first = first_seen.setdefault(tuple(row), position)
        if first != position:
            copies.append((position, f"duplicate of row {first}"))
    result = warehouse.ingest(excerpt, profile=named_profile("italian-helpdesk"))[0]
    assert (result.rows_read, result.rows_rejected) == (len(rows), len(copies))
    assert copies and warehouse.rows("SELECT row_number, reason FROM rejected_rows ORDER BY 1") == copies
    assert warehouse.one("SELECT count(*) FROM tickets") == len({row[0] for row in rows})
    # one status event per activity row the profile maps to a status, none lost
    copy_rows = {position for position, _ in copies}
    kept = [row for position, row in enumerate(rows, start=2) if position not in copy_rows]
    activities = named_profile("italian-helpdesk").kinds["ticket_log"].activities
    with_status = {name for name, events in activities.items() if any(e.kind == "status" for e in events)}
    assert warehouse.one("SELECT count(*) FROM ticket_events WHERE kind = 'status'") == sum(
        1 for row in kept if row[1].lower() in with_status
    )


@pytest.mark.skipif(
    not REALDATA.is_dir(), reason=f"the real exports are not at {REALDATA} (CSPULSE_REALDATA)"
)
def test_the_real_exports_load_whole(warehouse: Warehouse) -> None:
    italian = warehouse.ingest(
        REALDATA / "helpdesk-italian-sw" / "finale.csv", profile=named_profile("italian-helpdesk")
    )[0]
    # 21,348 activities; the 127 exact duplicate rows the data set is known for are rejected
    assert (italian.rows_read, italian.rows_loaded, italian.rows_rejected) == (21_348, 21_221, 127)
    assert warehouse.one("SELECT count(DISTINCT reason LIKE 'duplicate of row %') FROM rejected_rows") == 1
    assert warehouse.one("SELECT count(*) FROM tickets") == 4_580
    jira = warehouse.ingest(
        REALDATA / "apache-avro-jira" / "avro-issues.csv",
        REALDATA / "apache-avro-jira" / "avro-transitions.csv",
        profile=named_profile("jira"),
    )
    assert [(r.kind, r.rows_read, r.rows_loaded) for r in jira] == [
        ("tickets", 2_166, 2_166),
        ("ticket_events", 6_260, 6_260),
    ]
    warehouse.build("2019-01-01T00:00:00+00:00")
    assert warehouse.one("SELECT count(*) FROM sla_tickets") == 4_580 + 2_166
    # 11 Italian cases were never resolved; Case 2436 was resolved and closed, then taken in
    # charge again a month later: reopened, so open as well
    open_cases = warehouse.rows(
        "SELECT ticket_id FROM sla_tickets WHERE resolved_at IS NULL AND ticket_id LIKE 'Case %' ORDER BY 1"
    )
    assert len(open_cases) == 12 and ("Case 2436",) in open_cases

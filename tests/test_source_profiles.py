"""The built-in source profiles on fixture files with exactly the documented columns and quirks
(tests/fixtures/profiles/): counts, rejects and reasons, and the SLA numbers of a few tickets
worked out by hand on the default calendar (Europe/Moscow, Mon-Fri 09:00-18:00, RU holidays;
4 March 2024 is a Monday; standard tier: simple resolved within 480 business minutes, first
response by phone 60, by email and portal 540; pending, on_hold and waiting_on_customer pause)."""

from __future__ import annotations

from pathlib import Path

import pytest

from metrics.sla.source_agreement import source_agreement
from pipelines.ingest.profile import named_profile
from tests.conftest import FIXTURES, Warehouse, run_cli, utc

PROFILES = FIXTURES / "profiles"
AS_OF = "2024-03-11T00:00:00+03:00"


def _sla(warehouse: Warehouse) -> dict[str, dict[str, object]]:
    return {row["ticket_id"]: row for row in warehouse.dicts("SELECT * FROM sla_tickets")}  # type: ignore[misc]


# --- servicenow ---------------------------------------------------------------------------------


def test_servicenow_audit_form(warehouse: Warehouse) -> None:
    result = warehouse.ingest(PROFILES / "servicenow_incidents.csv", profile=named_profile("servicenow"))[0]
    # 13 rows: INC0001 5 updates + an exact copy, INC0002 3, INC0003 1 (an impossible date),
    # INC0004 3. The copy and the bad date are rejected; the other 11 load: 3 incidents, 8
    # rows of history. None is "superseded".
    assert (result.kind, result.rows_read, result.rows_loaded, result.rows_rejected) == ("tickets", 13, 11, 2)
    assert (result.rows_invalid, result.rows_superseded, result.rows_duplicate) == (1, 0, 1)
    assert result.rows_history == 8
    assert warehouse.rows('SELECT row_number, "column", reason FROM rejected_rows ORDER BY 1') == [
        (4, None, "duplicate of row 3"),
        (
            11,
            "created_at",
            'created_at: "31/2/2024 10:00" is not a valid timestamp; '
            'updated_at: "31/2/2024 10:00" is not a valid timestamp',
        ),
    ]
    tickets = {row["ticket_id"]: row for row in warehouse.dicts("SELECT * FROM tickets")}
    assert set(tickets) == {"INC0001", "INC0002", "INC0004"}
    first = tickets["INC0001"]
    # the update with the highest sys_mod_count (4) is the incident; no company column, so the
    # account is the location; "?" is empty, so INC0002's subject is its category alone
    assert (first["status"], first["team"], first["assignee"], first["reassignments"]) == (
        "resolved",
        "Group 2",
        "Resolver 2",
        1,
    )
    assert (first["account_id"], first["subject"], first["channel"], first["source_made_sla"]) == (
        "Location 1",
        "Category 1 / Subcategory 1",
        "phone",
        True,
    )
    assert tickets["INC0002"]["subject"] == "Category 2" and tickets["INC0004"]["channel"] == "portal"
    # the file was in the order sys_mod_count 2, 0, 1: the highest still wins
    assert tickets["INC0002"]["status"] == "resolved"
    events = warehouse.rows(
        "SELECT kind, value FROM ticket_events WHERE ticket_id = 'INC0001' ORDER BY \"at\", position"
    )
    assert events == [
        ("status", "new"),
        ("assign", "Group 1"),
        ("status", "in_progress"),
        ("status", "waiting_on_customer"),
        ("status", "in_progress"),
        ("assign", "Group 2"),
        ("status", "resolved"),
    ]
    # INC0004's "-100" state is no state: warned about, no event
    assert warehouse.rows(
        "SELECT value FROM ticket_events WHERE ticket_id = 'INC0004' AND kind = 'status' ORDER BY \"at\""
    ) == [("new",), ("closed",)]
    assert ("empty_value", "status", 1) in warehouse.rows(
        'SELECT category, "column", rows FROM ingest_warnings'
    )
    assert ("default", "task_type", "simple") in warehouse.rows(
        'SELECT category, "column", value FROM ingest_warnings'
    )

    warehouse.build(AS_OF)
    sla = _sla(warehouse)
    # INC0001: opened Mon 09:00, resolved 14:00 = 300 business min; Awaiting User Info from
    # 10:00 to 12:00 pauses 120 -> 180 net, within 480: met. No response recorded: the
    # resolution is the response, 300 min (pauses do not touch it) > phone's 60.
    one = sla["INC0001"]
    assert (one["paused_business_min"], one["resolution_business_min"], one["sla_state"]) == (120, 180, "met")
    assert (one["response_business_min"], one["response_met"]) == (300, False)
    # INC0002: Mon 16:00 -> Wed 11:00 = 120 + 540 + 120 = 780 > 480: breached
    assert (sla["INC0002"]["resolution_business_min"], sla["INC0002"]["sla_state"]) == (780, "breached")
    # INC0004: Tue 09:00 -> 18:00 = 540 > 480: breached, though ServiceNow said made_sla
    assert (sla["INC0004"]["resolution_business_min"], sla["INC0004"]["sla_state"]) == (540, "breached")
    assert sla["INC0004"]["resolved_at"] == utc("2024-03-05T18:00:00+03:00")
    # agreement with made_sla: INC0001 met/true, INC0002 breached/false agree; INC0004 does not
    rows = warehouse.rows("SELECT resolution_met, source_made_sla FROM sla_tickets ORDER BY ticket_id")
    share, judged = source_agreement([r[0] for r in rows], [r[1] for r in rows])
    assert (judged, share) == (3, pytest.approx(2 / 3))


def test_source_agreement_leaves_out_tickets_either_side_did_not_judge() -> None:
    # ours: met, breached, unjudged, met; theirs: true, true, true, none -> 1 of 2 agree
    assert source_agreement([True, False, None, True], [True, True, True, None]) == (0.5, 2)
    assert source_agreement([None], [True]) == (None, 0)


# --- eventlog -----------------------------------------------------------------------------------


def test_eventlog_pauses_on_status_and_sub_status_together(warehouse: Warehouse) -> None:
    result = warehouse.ingest(PROFILES / "eventlog_status_changes.csv", profile=named_profile("eventlog"))[0]
    # 10 rows: C1 5, C2 3 and an exact copy, C3 1 with an unreadable time
    assert (result.kind, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "ticket_log",
        10,
        8,
        2,
    )
    assert (result.rows_invalid, result.rows_duplicate) == (1, 1)
    assert warehouse.rows("SELECT row_number, reason FROM rejected_rows ORDER BY 1") == [
        (9, "duplicate of row 8"),
        (11, 'at: "not a time" is not a valid timestamp'),
    ]
    events = warehouse.rows(
        'SELECT ticket_id, kind, value FROM ticket_events ORDER BY ticket_id, "at", position'
    )
    assert events == [
        ("C1", "status", "new"),  # Queued / Awaiting Assignment: created
        ("C1", "assign", "Alice"),  # Accepted / Assigned
        ("C1", "status", "pending"),  # Accepted / Wait - User: the pair means paused
        ("C1", "status", "in_progress"),  # Accepted / In Progress: resumed
        ("C1", "status", "resolved"),
        ("C2", "status", "new"),
        # Accepted / Wait - Implementation is no pair the profile names: "Accepted" alone, resumed
        ("C2", "status", "in_progress"),
        ("C2", "status", "resolved"),
    ]
    assert warehouse.rows("SELECT ticket_id, account_id, team, assignee, status FROM tickets ORDER BY 1") == [
        ("C1", "Acme", "L1", "Alice", "resolved"),
        ("C2", "Beta", "L2", None, "resolved"),
    ]
    # the log has no channel or task type: the profile's constants, named as defaults
    assert warehouse.rows(
        "SELECT \"column\", value FROM ingest_warnings WHERE category = 'default' ORDER BY 1"
    ) == [
        ("channel", "portal"),
        ("task_type", "simple"),
    ]
    warehouse.build(AS_OF)
    sla = _sla(warehouse)
    # C1: 09:00 -> 13:00 = 240 business min, paused 10:00 -> 11:30 = 90: 150 net, met; no reply
    # event, so the resolution is the response: 240 <= portal's 540
    assert (sla["C1"]["paused_business_min"], sla["C1"]["resolution_business_min"]) == (90, 150)
    assert (sla["C1"]["response_business_min"], sla["C1"]["response_met"]) == (240, True)
    # C2: 14:00 -> 16:00 = 120, never paused (the pair was not a pause)
    assert (sla["C2"]["paused_business_min"], sla["C2"]["resolution_business_min"]) == (0, 120)


def test_italian_helpdesk_is_an_instance_of_eventlog() -> None:
    italian = named_profile("italian-helpdesk").kinds["ticket_log"]
    base = named_profile("eventlog").kinds["ticket_log"]
    # its own columns and activities replace the base's whole: the bug tracker's RESOLVED stays a note
    assert italian.columns["ticket_id"] == "Case ID" and not italian.derived
    assert "resolved" in base.activities and "resolved" not in italian.activities


# --- zendesk ------------------------------------------------------------------------------------


def test_zendesk_tickets_and_audit_events(warehouse: Warehouse) -> None:
    tickets, events = warehouse.ingest(
        PROFILES / "zendesk_tickets.csv",
        PROFILES / "zendesk_ticket_events.csv",
        profile=named_profile("zendesk"),
    )
    # ticket 104's "yesterday" is no time; the other three load (an unknown channel loads too)
    assert (tickets.kind, tickets.rows_read, tickets.rows_loaded, tickets.rows_invalid) == (
        "tickets",
        4,
        3,
        1,
    )
    assert warehouse.rows('SELECT row_number, "column" FROM rejected_rows') == [(5, "created_at")]
    assert (events.kind, events.rows_read, events.rows_loaded) == ("ticket_events", 5, 5)
    rows = {row["ticket_id"]: row for row in warehouse.dicts("SELECT * FROM tickets")}
    # first reply 45 minutes after 09:00; Good = 5; no organization, so the requester
    assert rows["101"]["first_response_at"] == utc("2024-03-04T09:45:00+03:00") and rows["101"]["csat"] == 5
    assert (rows["102"]["account_id"], rows["102"]["task_type"], rows["102"]["first_response_at"]) == (
        "Kim Lee",
        "bug",
        None,
    )
    # an empty type is simple; "Offered" is no score; the pigeon is warned about
    assert (rows["103"]["task_type"], rows["103"]["csat"], rows["103"]["channel"]) == (
        "simple",
        None,
        "carrier pigeon",
    )
    assert warehouse.rows("SELECT value, rows FROM ingest_warnings WHERE category = 'unknown_value'") == [
        ("carrier pigeon", 1)
    ]
    assert warehouse.rows('SELECT kind, value FROM ticket_events ORDER BY "at", position') == [
        ("status", "open"),
        ("status", "pending"),
        ("status", "open"),
        ("assign", "5003"),
        ("note", "high"),
    ]
    warehouse.build(AS_OF)
    sla = _sla(warehouse)
    # 101: response 45 <= email's 540; solved 15:00: 360 business min <= 480, met
    assert (sla["101"]["response_business_min"], sla["101"]["response_met"]) == (45, True)
    assert (sla["101"]["resolution_business_min"], sla["101"]["sla_state"]) == (360, "met")
    # 102, a bug (180 min), open as of Mon 11 March 00:00: Mon 17-18 = 60, Tue, Wed, Thu 540
    # each, Fri 8 March a Russian holiday: 1,680 elapsed, less the 10:00-12:00 pending pause =
    # 1,560 > 180: open and breached; unanswered for 1,680 > portal's 540
    assert (sla["102"]["paused_business_min"], sla["102"]["resolution_business_min"]) == (120, 1560)
    assert (sla["102"]["sla_state"], sla["102"]["response_met"]) == ("open_breached", False)


# --- freshdesk ----------------------------------------------------------------------------------


def test_freshdesk_ticket_export(warehouse: Warehouse) -> None:
    result = warehouse.ingest(PROFILES / "freshdesk_tickets.csv", profile=named_profile("freshdesk"))[0]
    # ticket 3 says it was resolved an hour before it was created: rejected with the reason
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 2, 1)
    assert warehouse.rows('SELECT row_number, "column", reason FROM rejected_rows') == [
        (
            4,
            "resolved_at",
            "resolved_at: 2024-03-04 07:00:00 UTC is before created_at 2024-03-04 08:00:00 UTC",
        )
    ]
    rows = {row["ticket_id"]: row for row in warehouse.dicts("SELECT * FROM tickets")}
    assert (rows["1"]["account_id"], rows["1"]["channel"], rows["1"]["status"]) == ("Acme", "email", "closed")
    # no company: the requester's email is the account; a Problem is a bug
    assert (rows["2"]["account_id"], rows["2"]["task_type"], rows["2"]["channel"]) == (
        "kim@beta.example",
        "bug",
        "portal",
    )
    warehouse.build(AS_OF)
    sla = _sla(warehouse)
    # 1: first response 09:20 = 20 min <= email's 540; resolved 12:00 = 180 <= 480, met
    assert (sla["1"]["response_business_min"], sla["1"]["resolution_business_min"]) == (20, 180)
    assert (sla["1"]["response_met"], sla["1"]["sla_state"]) == (True, "met")
    # 2: a bug (180 min) open from Mon 16:00: 120 + 540 x 3 (Tue-Thu; Fri 8 March a holiday)
    # = 1,740 > 180: open and breached; answered after 30 min <= portal's 540
    assert (sla["2"]["resolution_business_min"], sla["2"]["sla_state"]) == (1740, "open_breached")
    assert (sla["2"]["response_business_min"], sla["2"]["response_met"]) == (30, True)


# --- jira service management --------------------------------------------------------------------


def test_jsm_issue_export(warehouse: Warehouse) -> None:
    result = warehouse.ingest(PROFILES / "jsm_issues.csv", profile=named_profile("jsm"))[0]
    # ITSM-3 was created on 31 February: rejected, the other two load
    assert (result.rows_read, result.rows_loaded, result.rows_invalid) == (3, 2, 1)
    assert warehouse.rows('SELECT row_number, "column" FROM rejected_rows') == [(4, "created_at")]
    rows = {row["ticket_id"]: row for row in warehouse.dicts("SELECT * FROM tickets")}
    # 12-hour times: 1:30 PM is 13:30; no organization on ITSM-2, so its reporter
    assert rows["ITSM-1"]["resolved_at"] == utc("2024-03-04T13:30:00+03:00")
    assert (rows["ITSM-2"]["account_id"], rows["ITSM-2"]["status"]) == ("kim", "waiting_on_customer")
    warehouse.build(AS_OF)
    sla = _sla(warehouse)
    # ITSM-1: first response 09:10 = 10 min; resolved 13:30 = 270 <= 480, met
    assert (sla["ITSM-1"]["response_business_min"], sla["ITSM-1"]["resolution_business_min"]) == (10, 270)
    assert sla["ITSM-1"]["sla_state"] == "met"
    # ITSM-2: open from Mon 16:00, no status history: 120 + 3 x 540 = 1,740 > 480, open_breached
    # (its status alone never pauses the clock: a pause needs a status event)
    assert (sla["ITSM-2"]["resolution_business_min"], sla["ITSM-2"]["sla_state"]) == (1740, "open_breached")


def test_zendesk_json_export_one_ticket_per_line(warehouse: Warehouse) -> None:
    (tickets,) = warehouse.ingest(PROFILES / "zendesk_tickets.json", profile=named_profile("zendesk-json"))
    # four records; the third's created_at "yesterday" is no time: rejected, named by record
    assert (tickets.rows_read, tickets.rows_loaded, tickets.rows_invalid) == (4, 3, 1)
    assert warehouse.rows('SELECT row_number, "column" FROM rejected_rows') == [(3, "created_at")]
    rows = {row["ticket_id"]: row for row in warehouse.dicts("SELECT * FROM tickets")}
    # 201: created 06:00Z, calendar reply time 45 min -> first response 06:45Z; "good" = 5
    assert rows["201"]["first_response_at"] == utc("2024-03-04T06:45:00+00:00")
    assert (rows["201"]["csat"], rows["201"]["account_id"], rows["201"]["channel"]) == (5, "Acme", "email")
    assert rows["201"]["resolved_at"] == utc("2024-03-04T12:00:00+00:00")
    # 202: organization null -> the requester; problem -> bug; web -> portal; no reply yet
    assert (rows["202"]["account_id"], rows["202"]["task_type"], rows["202"]["channel"]) == (
        "Kim Lee",
        "bug",
        "portal",
    )
    assert rows["202"]["first_response_at"] is None and rows["202"]["csat"] is None
    # 204: an empty type is simple; "offered" is no score; chat; 5 minutes to reply
    assert (rows["204"]["task_type"], rows["204"]["csat"], rows["204"]["channel"]) == ("simple", None, "chat")
    assert rows["204"]["first_response_at"] == utc("2024-03-05T07:35:00+00:00")


# --- --source auto ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "profile", "kind", "said"),
    [
        ("servicenow_incidents.csv", "servicenow", "tickets", "'number', 'incident_state', 'sys_mod_count'"),
        ("zendesk_tickets.csv", "zendesk", "tickets", "'Id', 'Via', 'First reply time in minutes'"),
        ("zendesk_ticket_events.csv", "zendesk", "ticket_events", "'ticket_id', 'field_name', 'value'"),
        ("freshdesk_tickets.csv", "freshdesk", "tickets", "'Ticket ID', 'Source', 'Initial response time'"),
        ("jsm_issues.csv", "jsm", "tickets", "'Issue key', 'Custom field (Request Type)'"),
        (
            "zendesk_tickets.json",
            "zendesk-json",
            "tickets",
            "'id', 'via.channel', 'metric_set.reply_time_in_minutes.calendar'",
        ),
        ("eventlog_status_changes.csv", "eventlog", "ticket_log", "its columns fit the header best"),
    ],
)
def test_source_auto_detects_each_built_in_profile_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixture: str, profile: str, kind: str, said: str
) -> None:
    code = run_cli("ingest", PROFILES / fixture, "--source", "auto", "--db", tmp_path / "w.duckdb")
    assert code == 0
    output = capsys.readouterr().out
    assert f"as {kind} [{profile}]" in output
    assert f"source auto: chose profile {profile} ({kind})" in output and said in output


def test_a_broken_json_export_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    import duckdb

    from pipelines.ingest.readers import FileRefused, read_export

    broken = tmp_path / "tickets.json"
    broken.write_text('{"id": 1}\n{"id": 2,\n', encoding="utf-8")
    with pytest.raises(FileRefused, match=r"tickets\.json: line 2 is not JSON"):
        read_export(duckdb.connect(), broken)
    page = tmp_path / "page.json"  # an API page: the one array in the object holds the records
    page.write_text('{"tickets": [{"id": 7, "via": {"channel": "chat"}}], "count": 1}', encoding="utf-8")
    con = duckdb.connect()
    raw = read_export(con, page)
    assert raw.headers == ["id", "via.channel"]
    assert con.execute("SELECT c0, c1, __row FROM raw_rows").fetchall() == [("7", "chat", 1)]


def test_servicenow_account_is_the_company_when_the_export_has_it(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    # The fixture plus a `company` column: INC0001 names one on every update, INC0002 leaves it
    # null (`?`), so its account falls back to the caller's location, as without the column.
    import csv

    with (PROFILES / "servicenow_incidents.csv").open(encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source))
    header, body = rows[0], rows[1:]
    location = {row[0]: row[header.index("location")] for row in body}
    with_company = tmp_path / "incidents.csv"
    with with_company.open("w", encoding="utf-8", newline="") as target:
        writer = csv.writer(target)
        writer.writerow([*header, "company"])
        writer.writerows([*row, "Acme Corp" if row[0] == "INC0001" else "?"] for row in body)
    warehouse.ingest(with_company, profile=named_profile("servicenow"))
    accounts = dict(warehouse.rows("SELECT ticket_id, account_id FROM tickets"))
    assert accounts["INC0001"] == "Acme Corp"
    assert accounts["INC0002"] == location["INC0002"] != "Acme Corp"

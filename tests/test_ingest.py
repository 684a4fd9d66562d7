"""Ingest: every kind and format, the bad-input corpus, idempotency, updates and atomicity."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines import schemas
from pipelines.ingest import loading as ingest_module
from tests.conftest import FIXTURES, Warehouse, fetch_table, run_cli, utc, write

GOOD = FIXTURES / "ingest"


def test_every_canonical_kind_loads_with_normalised_values(warehouse: Warehouse) -> None:
    results = warehouse.ingest(*sorted(GOOD.glob("*.csv")))
    assert {r.file.split("/")[-1]: (r.kind, r.status, r.rows_read, r.rows_loaded) for r in results} == {
        "accounts.csv": ("accounts", "loaded", 3, 3),
        "account_modules.csv": ("account_modules", "loaded", 4, 4),
        "tickets.csv": ("tickets", "loaded", 4, 4),
        "ticket_events.csv": ("ticket_events", "loaded", 6, 6),
        "usage_events.csv": ("usage_events", "loaded", 5, 5),
        "usage_daily.csv": ("usage_daily", "loaded", 2, 2),
    }
    # tiers are matched case-insensitively: "ISM" is the ism tier
    assert warehouse.rows("SELECT account_id, tier, mrr FROM accounts ORDER BY 1") == [
        ("A1", "standard", 120000.5),
        ("A2", "ism", 50000.0),
        ("A3", "standard", 9000.0),
    ]
    # 2025-01-31T12:00:00+03:00 is 09:00 UTC
    assert warehouse.one("SELECT churned_at FROM accounts WHERE account_id = 'A3'") == utc(
        "2025-01-31T09:00:00+00:00"
    )
    # true / yes / false / 1
    assert warehouse.rows("SELECT module, paid FROM account_modules ORDER BY account_id, module") == [
        ("crm", True),
        ("reports", True),
        ("telephony", False),
        ("crm", True),
    ]


def test_ticket_timestamps_offsets_and_naive_local_time(warehouse: Warehouse) -> None:
    warehouse.ingest(GOOD / "tickets.csv")
    tickets = {row["ticket_id"]: row for row in warehouse.dicts("SELECT * FROM tickets")}
    # an explicit offset is honoured: 09:50+03:00 = 06:50 UTC
    assert tickets["T1"]["created_at"] == utc("2024-03-01T06:50:00+00:00")
    # a naive time is Moscow time (the default calendar's zone): 17:00 = 14:00 UTC
    assert tickets["T2"]["created_at"] == utc("2024-03-01T14:00:00+00:00")
    assert tickets["T2"]["closed_at"] == utc("2024-03-06T09:00:00+00:00")
    # a date-only deadline keeps its date; due_at is the end of that day in Moscow
    assert tickets["T4"]["due_date"] == date(2024, 3, 7)
    assert tickets["T4"]["due_at"] == utc("2024-03-07T21:00:00+00:00")
    # channel and status are trimmed and lower-cased; the subject keeps its text
    assert (tickets["T1"]["channel"], tickets["T1"]["status"]) == ("email", "resolved")
    assert tickets["T2"]["subject"] == "Import, then <b>export</b> & report"
    # a ticket of an account nobody exported yet is loaded, not rejected
    assert tickets["T4"]["account_id"] == "A9"


def test_status_events_keep_file_position_and_normalise_status_values(warehouse: Warehouse) -> None:
    warehouse.ingest(GOOD / "ticket_events.csv")
    assert warehouse.rows(
        "SELECT kind, value, position FROM ticket_events WHERE ticket_id = 'T2' ORDER BY \"at\", position"
    ) == [
        ("status", "new", 2),
        ("assign", "anna", 3),  # an assignee's name is not a status: its case is kept
        ("status", "pending", 4),
        ("status", "in_progress", 5),
        ("status", "resolved", 6),
    ]


def test_usage_events_roll_up_into_days_of_the_default_timezone(warehouse: Warehouse) -> None:
    warehouse.ingest(GOOD / "usage_events.csv", GOOD / "usage_daily.csv")
    assert warehouse.rows("SELECT * FROM usage_daily ORDER BY account_id, date, module") == [
        # u1 at 08:00 and 09:00, u2 at 23:30 Moscow: 2 users, 3 events on March 1
        (date(2024, 3, 1), "A1", "crm", 2, 3),
        # 21:30 UTC on March 1 is 00:30 on March 2 in Moscow
        (date(2024, 3, 2), "A1", "crm", 1, 1),
        (date(2024, 3, 2), "A1", "reports", 1, 1),
        (date(2024, 3, 1), "A2", "crm", 2, 17),
        (date(2024, 3, 2), "A2", "crm", 1, None),
    ]
    # more events for a day already counted: the day is recounted from every stored event
    more = write(
        warehouse.path.parent / "usage_events_2.csv",
        "account_id,user_id,module,at\nA1,u3,crm,2024-03-01T12:00:00+03:00\n",
    )
    warehouse.ingest(more)
    assert warehouse.rows(
        "SELECT active_users, events FROM usage_daily WHERE account_id = 'A1' AND date = '2024-03-01'"
    ) == [(3, 4)]


def test_staged_rows_satisfy_the_pandera_models(warehouse: Warehouse) -> None:
    """The SQL checks are compiled from the pandera models: what they let in, pandera accepts."""
    warehouse.ingest(*sorted(GOOD.glob("*.csv")))
    for table in ("accounts", "account_modules", "tickets", "ticket_events", "usage_daily"):
        frame = warehouse.con.execute(
            f"SELECT {', '.join(repr(c).replace(chr(39), chr(34)) for c in schemas.column_names(table))} "
            f"FROM {table}"
        ).df()
        schema = schemas.MODELS[table].to_schema()
        schema.coerce = True  # DuckDB hands dates over as datetimes; values are what we check
        schema.validate(frame, lazy=True)


# --- formats -------------------------------------------------------------------------------


def _as_parquet(source: Path, target: Path) -> Path:
    duckdb.sql(
        f"COPY (SELECT * FROM read_csv('{source}', all_varchar = true)) TO '{target}' (FORMAT parquet)"
    )
    return target


def _as_xlsx(source: Path, target: Path) -> Path:
    import csv

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    with open(source, encoding="utf-8") as handle:
        for record in csv.reader(handle):
            sheet.append([_excel_value(value) for value in record])
    book.save(target)
    return target


def _excel_value(value: str) -> object:
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return value or None


@pytest.mark.parametrize("converter", [_as_parquet, _as_xlsx], ids=["parquet", "xlsx"])
def test_parquet_and_xlsx_give_the_same_staging_rows_as_csv(tmp_path: Path, converter: object) -> None:
    from tests.conftest import make_warehouse

    from_csv = make_warehouse(tmp_path / "csv")
    from_csv.ingest(GOOD / "accounts.csv", GOOD / "tickets.csv")
    other = make_warehouse(tmp_path / "other")
    suffix = ".parquet" if converter is _as_parquet else ".xlsx"
    files = [
        converter(GOOD / name, tmp_path / name.replace(".csv", suffix))  # type: ignore[operator]
        for name in ("accounts.csv", "tickets.csv")
    ]
    results = other.ingest(*files)
    assert [(r.kind, r.rows_loaded) for r in results] == [("accounts", 3), ("tickets", 4)]
    for table in ("accounts", "tickets"):
        assert fetch_table(other.con, table) == fetch_table(from_csv.con, table)


def test_xlsx_rejects_name_the_sheet_row(tmp_path: Path, warehouse: Warehouse) -> None:
    source = write(
        tmp_path / "accounts.csv",
        "account_id,name,tier,paid_seats,active_users,mrr\nB1,Ok,standard,1,1,1\nB2,Bad,standard,-4,1,1\n",
    )
    result = warehouse.ingest(_as_xlsx(source, tmp_path / "accounts.xlsx"))[0]
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert warehouse.rows('SELECT row_number, "column", reason FROM rejected_rows') == [
        (3, "paid_seats", "paid_seats: -4 is below 0")
    ]


def test_xlsx_value_beyond_the_header_is_rejected_like_a_long_csv_row(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for record in (
        ["account_id", "name", "tier", "paid_seats", "active_users", "mrr"],
        ["B1", "Ok", "standard", 1, 1, 1],
        ["B2", "Long", "standard", 1, 1, 1, "stray"],
    ):
        sheet.append(record)
    book.save(tmp_path / "accounts.xlsx")
    result = warehouse.ingest(tmp_path / "accounts.xlsx")[0]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 1, 1)
    assert _rejects(warehouse) == [(3, None, "expected 6 fields, found 7")]


def test_a_workbook_refused_for_a_missing_column_names_its_other_sheets(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["read me", "first"])
    book.create_sheet("Tickets").append(["ticket_id", "account_id", "created_at"])
    book.save(tmp_path / "tickets.xlsx")
    result = warehouse.ingest(tmp_path / "tickets.xlsx")[0]
    assert result.status == "refused"
    assert "read sheet 'Notes'; the workbook also has 'Tickets': pick one with --sheet" in result.message


# --- the bad-input corpus ------------------------------------------------------------------

ACCOUNTS_HEADER = "account_id,name,tier,paid_seats,active_users,mrr\n"
TICKETS_HEADER = "ticket_id,account_id,created_at,channel,task_type,status,first_response_at,resolved_at\n"


def test_cp1251_file_is_transcoded(tmp_path: Path, warehouse: Warehouse) -> None:
    path = write(
        tmp_path / "accounts.csv",
        "account_id;name;tier;paid_seats;active_users;mrr\nR1;ООО Ромашка;standard;10;8;1000\n",
        encoding="cp1251",
    )
    assert warehouse.ingest(path)[0].rows_loaded == 1
    assert warehouse.one("SELECT name FROM accounts") == "ООО Ромашка"


def test_semicolon_file_with_decimal_commas(tmp_path: Path, warehouse: Warehouse) -> None:
    path = write(
        tmp_path / "accounts.csv",
        'account_id;name;tier;paid_seats;active_users;mrr\nR1;"Рога; и копыта";standard;10;8;"1 000,50"\n',
    )
    assert warehouse.ingest(path)[0].rows_loaded == 1
    # "1 000,50" in a ;-separated (Russian Excel) file is one thousand and a half
    assert warehouse.rows("SELECT name, mrr FROM accounts") == [("Рога; и копыта", 1000.5)]


def test_narrow_no_break_spaces_group_thousands_too(tmp_path: Path, warehouse: Warehouse) -> None:
    path = write(
        tmp_path / "accounts.csv",
        "account_id;name;tier;paid_seats;active_users;mrr\nR1;Ромашка;standard;10;8;1\u202f234\u00a0567,5\n",
    )
    assert warehouse.ingest(path)[0].rows_loaded == 1
    assert warehouse.one("SELECT mrr FROM accounts") == 1234567.5


def test_utf8_bom_is_not_part_of_the_first_column(tmp_path: Path, warehouse: Warehouse) -> None:
    path = write(tmp_path / "accounts.csv", "\ufeff" + ACCOUNTS_HEADER + "B1,Bom,standard,1,1,1\n")
    assert warehouse.ingest(path)[0].rows_loaded == 1
    assert warehouse.one("SELECT account_id FROM accounts") == "B1"


def test_a_bom_before_a_quoted_header_is_not_part_of_its_first_name(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    # PowerShell's Export-Csv: a BOM, every name and value quoted, CRLF
    header = '"account_id","name","tier","paid_seats","active_users","mrr"'
    text = "\ufeff" + header + '\r\n"B1","Bom","standard","1","1","1"\r\n'
    assert warehouse.ingest(write(tmp_path / "accounts.csv", text))[0].rows_loaded == 1
    assert warehouse.one("SELECT account_id FROM accounts") == "B1"


def test_iso_timestamps_without_seconds_before_an_offset(tmp_path: Path, warehouse: Warehouse) -> None:
    text = (
        "ticket_id,account_id,created_at,channel,task_type,status\n"
        "T1,A1,2025-01-10T10:00Z,email,simple,open\n"
        "T2,A1,2025-01-10T10:00+03:00,email,simple,open\n"
        "T3,A1,2025-01-10 10:00 +0300,email,simple,open\n"
    )
    assert warehouse.ingest(write(tmp_path / "tickets.csv", text))[0].rows_loaded == 3
    created = dict(warehouse.rows("SELECT ticket_id, created_at FROM tickets"))
    assert created == {"T1": utc("2025-01-10T10:00:00+00:00"), "T2": utc("2025-01-10T07:00:00+00:00"),
                       "T3": utc("2025-01-10T07:00:00+00:00")}  # fmt: skip


def test_a_date_only_deadline_and_the_same_instant_written_out_are_not_copies(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    # 2025-01-20 means the end of that working day (due_date); 2025-01-21 00:00 is an instant:
    # two versions of T1, the later wins (DESIGN), not "duplicate of row 2"
    text = (
        "ticket_id,account_id,created_at,channel,task_type,status,due_at\n"
        "T1,A1,2025-01-10 10:00:00,email,enhancement,open,2025-01-20\n"
        "T1,A1,2025-01-10 10:00:00,email,enhancement,open,2025-01-21 00:00:00\n"
    )
    warehouse.ingest(write(tmp_path / "tickets.csv", text))
    assert warehouse.rows("SELECT row_number, reason FROM rejected_rows") == [(2, "superseded by row 3")]
    assert warehouse.one("SELECT due_date FROM tickets") is None


def test_status_values_in_events_lose_every_blank(tmp_path: Path, warehouse: Warehouse) -> None:
    text = (
        "ticket_id,at,kind,value\n"
        "T1,2025-01-13 11:00:00,status,\tPending\u00a0\nT1,2025-01-13 14:00:00,assign, Anna\n"
    )
    warehouse.ingest(write(tmp_path / "ticket_events.csv", text))
    assert warehouse.rows('SELECT kind, value FROM ticket_events ORDER BY "at"') == [
        ("status", "pending"),
        ("assign", "Anna"),  # a name is not a status: its case is kept (and spaces trimmed)
    ]


def test_a_trailing_empty_field_loads_whichever_reader_reads_the_file(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    # T2's short row sends the file to Python's csv reader; T1 and T3 end in empty fields, which
    # DuckDB's own reader takes as they are: so does the fallback
    text = (
        "ticket_id,account_id,created_at,channel,task_type,status\n"
        "T1,A1,2025-01-10 10:00:00,email,simple,open,\n"
        "T2,A1,2025-01-10 10:00:00,email\n"
        "T3,A1,2025-01-10 10:00:00,email,simple,open,,\n"
    )
    result = warehouse.ingest(write(tmp_path / "tickets.csv", text))[0]
    assert (result.rows_loaded, result.rows_rejected) == (2, 1)
    assert warehouse.rows("SELECT row_number, reason FROM rejected_rows") == [
        (3, "expected 6 fields, found 4")
    ]


def test_tab_separated_file(tmp_path: Path, warehouse: Warehouse) -> None:
    text = ACCOUNTS_HEADER.replace(",", "\t") + "B1\tTab\tstandard\t1\t1\t1\n"
    assert warehouse.ingest(write(tmp_path / "accounts.tsv", text))[0].rows_loaded == 1


def _rejects(warehouse: Warehouse) -> list[tuple[object, ...]]:
    return warehouse.rows('SELECT row_number, "column", reason FROM rejected_rows ORDER BY row_number')


def test_impossible_dates_are_rejected(tmp_path: Path, warehouse: Warehouse) -> None:
    path = write(
        tmp_path / "tickets.csv",
        TICKETS_HEADER
        + "T1,A1,2024-02-30 10:00:00,email,simple,open,,\n"
        + "T2,A1,2024-02-28 10:00:00,email,simple,open,2024-13-01T10:00:00,\n",
    )
    result = warehouse.ingest(path)[0]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 0, 2)
    assert _rejects(warehouse) == [
        (2, "created_at", 'created_at: "2024-02-30 10:00:00" is not a valid timestamp'),
        (
            3,
            "first_response_at",
            'first_response_at: "2024-13-01T10:00:00" is not a valid timestamp',
        ),
    ]


def test_text_in_numbers_and_negative_counts(tmp_path: Path, warehouse: Warehouse) -> None:
    path = write(
        tmp_path / "accounts.csv",
        ACCOUNTS_HEADER
        + "B1,Ok,standard,10,5,100\n"
        + "B2,Text,standard,many,5,100\n"
        + "B3,Negative,standard,10,-1,-5\n"
        + "B4,Fraction,standard,2.5,1,1\n",
    )
    result = warehouse.ingest(path)[0]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 1, 3)
    assert _rejects(warehouse) == [
        (3, "paid_seats", 'paid_seats: "many" is not a whole number'),
        # every problem of a row is reported, in schema order; the column is the first
        (4, "active_users", "active_users: -1 is below 0; mrr: -5.0 is below 0"),
        (5, "paid_seats", 'paid_seats: "2.5" is not a whole number'),
    ]


def test_missing_ids_and_out_of_order_timestamps(tmp_path: Path, warehouse: Warehouse) -> None:
    path = write(
        tmp_path / "tickets.csv",
        TICKETS_HEADER
        + ",A1,2024-03-01T10:00:00Z,email,simple,open,,\n"
        + "T2,A1,2024-03-01T10:00:00Z,email,simple,open,2024-03-01T09:00:00Z,2024-03-01T09:30:00Z\n"
        + "T3,,2024-03-01T10:00:00Z,email,simple,open,,\n",
    )
    result = warehouse.ingest(path)[0]
    assert (result.rows_loaded, result.rows_rejected) == (0, 3)
    assert _rejects(warehouse) == [
        (2, "ticket_id", "ticket_id: missing"),
        (
            3,
            "first_response_at",
            "first_response_at: 2024-03-01 09:00:00 UTC is before created_at 2024-03-01 10:00:00 UTC; "
            "resolved_at: 2024-03-01 09:30:00 UTC is before created_at 2024-03-01 10:00:00 UTC",
        ),
        (4, "account_id", "account_id: missing"),
    ]


def test_csat_must_be_between_one_and_five(tmp_path: Path, warehouse: Warehouse) -> None:
    path = write(
        tmp_path / "tickets.csv",
        "ticket_id,account_id,created_at,channel,task_type,status,csat\n"
        "T1,A1,2024-03-01T10:00:00Z,email,simple,open,7\nT2,A1,2024-03-01T10:00:00Z,email,simple,open,5\n",
    )
    warehouse.ingest(path)
    assert _rejects(warehouse) == [(2, "csat", "csat: 7 is not between 1 and 5")]


def test_rejected_row_keeps_the_raw_row_as_json(tmp_path: Path, warehouse: Warehouse) -> None:
    path = write(tmp_path / "accounts.csv", ACCOUNTS_HEADER + "B1,Ромашка,standard,x,1,1\n")
    result = warehouse.ingest(path)[0]
    raw = warehouse.one("SELECT raw FROM rejected_rows")
    assert json.loads(str(raw)) == {
        "account_id": "B1",
        "name": "Ромашка",
        "tier": "standard",
        "paid_seats": "x",
        "active_users": "1",
        "mrr": "1",
    }
    assert warehouse.one("SELECT run_id FROM rejected_rows") == result.run_id


def test_rows_with_the_wrong_number_of_fields_are_rejected_not_lost(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    path = write(
        tmp_path / "accounts.csv",
        ACCOUNTS_HEADER
        + "B1,Ok,standard,1,1,1\nB2,Short,standard\nB3,Ok,standard,1,1,1\nB4,Long,standard,1,1,1,9\n",
    )
    result = warehouse.ingest(path)[0]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 2, 2)
    assert _rejects(warehouse) == [
        (3, None, "expected 6 fields, found 3"),
        (5, None, "expected 6 fields, found 7"),
    ]


def test_duplicates_and_superseded_rows_within_a_file(tmp_path: Path, warehouse: Warehouse) -> None:
    path = write(
        tmp_path / "accounts.csv",
        ACCOUNTS_HEADER
        + "B1,First,standard,1,1,1\n"  # row 2: superseded by row 4
        + "B2,Same,standard,1,1,1\n"  # row 3
        + "B1,Second,standard,2,2,2\n"  # row 4: the later wins
        + "B2,Same,standard,1,1,1\n",  # row 5: an exact copy of row 3
    )
    result = warehouse.ingest(path)[0]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 2, 2)
    assert _rejects(warehouse) == [
        (2, None, "superseded by row 4"),
        (5, None, "duplicate of row 3"),
    ]
    assert warehouse.rows("SELECT account_id, name FROM accounts ORDER BY 1") == [
        ("B1", "Second"),
        ("B2", "Same"),
    ]


def test_missing_required_column_refuses_the_file(tmp_path: Path, warehouse: Warehouse) -> None:
    path = write(
        tmp_path / "tickets.csv",
        "ticket_id,account_id,created,channel,task_type,status\nT1,A1,2024-03-01T10:00:00Z,email,simple,open\n",
    )
    result = warehouse.ingest(path)[0]
    assert result.status == "refused"
    assert result.message == (
        f"{path}: missing required column 'created_at' for tickets; the closest column present is 'created'"
    )
    assert warehouse.one("SELECT count(*) FROM tickets") == 0
    assert warehouse.rows("SELECT status, rows_read, rows_loaded, rows_rejected FROM ingest_runs") == [
        ("refused", 0, 0, 0)
    ]
    assert warehouse.one("SELECT count(*) FROM rejected_rows") == 0


def test_empty_file_is_refused_and_header_only_loads_nothing(tmp_path: Path, warehouse: Warehouse) -> None:
    empty = write(tmp_path / "tickets.csv", "")
    header_only = write(tmp_path / "accounts.csv", ACCOUNTS_HEADER)
    refused, loaded = warehouse.ingest(empty, header_only)
    assert (refused.status, refused.message) == ("refused", f"{empty}: the file is empty (0 bytes)")
    assert (loaded.status, loaded.rows_read, loaded.rows_loaded, loaded.rows_rejected) == (
        "loaded",
        0,
        0,
        0,
    )


def test_unknown_kind_is_refused_with_advice(tmp_path: Path, warehouse: Warehouse) -> None:
    path = write(tmp_path / "export.csv", "foo,bar\n1,2\n")
    result = warehouse.ingest(path)[0]
    assert result.status == "refused"
    assert "cannot tell what kind of export this is" in result.message and "--kind" in result.message


def test_kind_comes_from_columns_when_the_name_says_nothing(tmp_path: Path, warehouse: Warehouse) -> None:
    path = write(tmp_path / "export.csv", ACCOUNTS_HEADER + "B1,Ok,standard,1,1,1\n")
    assert warehouse.ingest(path)[0].kind == "accounts"


# --- idempotency, updates, atomicity -------------------------------------------------------


def _all_tables(warehouse: Warehouse) -> dict[str, list[tuple[object, ...]]]:
    return {table: fetch_table(warehouse.con, table) for table in schemas.STAGING_TABLES}


def test_reingesting_the_same_file_changes_nothing(warehouse: Warehouse) -> None:
    warehouse.ingest(*sorted(GOOD.glob("*.csv")))
    before = _all_tables(warehouse)
    again = warehouse.ingest(*sorted(GOOD.glob("*.csv")))
    assert {result.status for result in again} == {"skipped"}
    assert all((r.rows_read, r.rows_loaded, r.rows_rejected) == (0, 0, 0) for r in again)
    assert _all_tables(warehouse) == before


def test_a_later_export_updates_its_columns_and_keeps_the_others(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    warehouse.ingest(GOOD / "tickets.csv")
    update = write(
        tmp_path / "tickets_update.csv",
        "ticket_id,account_id,created_at,channel,task_type,status,csat\n"
        "T1,A1,2024-03-01T09:50:00+03:00,email,simple,closed,\n",
    )
    warehouse.ingest(update)
    row = warehouse.dicts("SELECT status, csat, subject, assignee FROM tickets WHERE ticket_id = 'T1'")
    # status and csat were in the export (a null overwrites); subject and assignee were not
    assert row == [{"status": "closed", "csat": None, "subject": "Password reset", "assignee": "anna"}]
    assert warehouse.one("SELECT count(*) FROM tickets") == 4


def test_module_list_and_event_history_are_replaced_per_account_and_ticket(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    warehouse.ingest(GOOD / "account_modules.csv", GOOD / "ticket_events.csv")
    modules = write(tmp_path / "account_modules_2.csv", "account_id,module,paid\nA1,finance,true\n")
    events = write(
        tmp_path / "ticket_events_2.csv",
        "ticket_id,at,kind,value\nT2,2024-03-02T10:00:00Z,status,closed\n",
    )
    warehouse.ingest(modules, events)
    assert warehouse.rows("SELECT account_id, module FROM account_modules ORDER BY ALL") == [
        ("A1", "finance"),
        ("A2", "crm"),
    ]
    assert warehouse.rows("SELECT ticket_id, value FROM ticket_events ORDER BY ALL") == [
        ("T2", "closed"),
        ("T3", "on it"),
    ]


def test_a_failure_mid_ingest_leaves_the_warehouse_as_it_was(
    tmp_path: Path, warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse.ingest(GOOD / "tickets.csv", GOOD / "ticket_events.csv")
    before = _all_tables(warehouse)
    real_upsert = ingest_module._upsert
    calls = []

    def upsert_then_fail(*args: object, **kwargs: object) -> None:
        real_upsert(*args, **kwargs)  # type: ignore[arg-type]
        calls.append(args[1])
        raise RuntimeError("disk full (injected)")

    monkeypatch.setattr(ingest_module, "_upsert", upsert_then_fail)
    update = write(
        tmp_path / "tickets_update.csv",
        "ticket_id,account_id,created_at,channel,task_type,status\nT1,A1,2024-03-01T09:50:00+03:00,email,simple,gone\n",
    )
    result = warehouse.ingest(update)[0]
    assert calls == ["tickets"]  # the staging table was written before the failure
    assert result.status == "refused" and "disk full (injected)" in result.message
    assert _all_tables(warehouse) == before
    assert warehouse.one("SELECT count(*) FROM rejected_rows") == 0


def test_every_run_accounts_for_every_input_row(tmp_path: Path, warehouse: Warehouse) -> None:
    warehouse.ingest(*sorted(GOOD.glob("*.csv")))
    bad = write(tmp_path / "accounts.csv", ACCOUNTS_HEADER + "B1,Ok,standard,1,1,1\nB2,Bad,standard,x,1,1\n")
    warehouse.ingest(bad)
    rows = warehouse.rows("SELECT rows_read, rows_loaded, rows_rejected FROM ingest_runs")
    assert all(read == loaded + rejected for read, loaded, rejected in rows)
    assert warehouse.one("SELECT sum(rows_rejected) FROM ingest_runs") == warehouse.one(
        "SELECT count(*) FROM rejected_rows"
    )


# --- the command ---------------------------------------------------------------------------


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "w.duckdb"
    good = write(tmp_path / "accounts.csv", ACCOUNTS_HEADER + "B1,Ok,standard,1,1,1\n")
    bad_rows = write(
        tmp_path / "b/accounts.csv", ACCOUNTS_HEADER + "B4,Ok,standard,1,1,1\nB2,Bad,standard,x,1,1\n"
    )
    empty = write(tmp_path / "c/tickets.csv", "")
    assert run_cli("ingest", good, "--db", db) == 0
    assert run_cli("ingest", bad_rows, "--db", db) == 0  # rejected rows alone are not a failure
    assert run_cli("ingest", bad_rows, "--db", db, "--strict") == 0  # skipped: nothing rejected now
    other = write(
        tmp_path / "d/accounts.csv", ACCOUNTS_HEADER + "B5,Ok,standard,1,1,1\nB3,Bad,standard,y,1,1\n"
    )
    assert run_cli("ingest", other, "--db", db, "--strict") == 1
    assert run_cli("ingest", empty, good, "--db", db) == 2  # a refused file; the other still runs
    output = capsys.readouterr().out
    assert f"REFUSED {empty}: {empty}: the file is empty (0 bytes)" in output


def test_cli_unknown_kind_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path / "accounts.csv", ACCOUNTS_HEADER + "B1,Ok,standard,1,1,1\n")
    assert run_cli("ingest", good, "--db", tmp_path / "w.duckdb", "--kind", "contracts") == 2
    assert "unknown kind 'contracts'" in capsys.readouterr().out


def test_the_files_last_row_of_a_key_wins_even_when_it_repeats_an_earlier_one(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    path = write(
        tmp_path / "accounts.csv",
        ACCOUNTS_HEADER
        + "B1,Alpha,standard,1,1,1\n"  # row 2: the content the file ends with, first seen here
        + "B1,Beta,standard,2,2,2\n"  # row 3: superseded by row 4
        + "B1,Alpha,standard,1,1,1\n",  # row 4: the last word, an exact copy of row 2
    )
    warehouse.ingest(path)
    assert _rejects(warehouse) == [(3, None, "superseded by row 4"), (4, None, "duplicate of row 2")]
    assert warehouse.rows("SELECT name FROM accounts") == [("Alpha",)]


def test_a_profile_with_an_unknown_timezone_is_refused(tmp_path: Path) -> None:
    from pipelines.ingest.profile import ProfileError, load_profile

    profile = write(
        tmp_path / "bad.toml", 'timezone = "Mars/Olympus"\n[tickets]\ncolumns = { ticket_id = "id" }\n'
    )
    with pytest.raises(ProfileError, match="Mars/Olympus"):
        load_profile(profile)


def test_a_file_that_cannot_be_validated_is_refused_and_the_others_still_load(
    tmp_path: Path, warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_parse = ingest_module.parse_statement

    def parse_failing_for_tickets(raw, mapping, *args):  # type: ignore[no-untyped-def]
        if mapping.kind == "tickets":
            raise duckdb.ConversionException("Conversion Error: an injected failure")
        return real_parse(raw, mapping, *args)

    monkeypatch.setattr(ingest_module, "parse_statement", parse_failing_for_tickets)
    tickets = write(tmp_path / "tickets.csv", TICKETS_HEADER + "T1,A1,2024-03-01 10:00,email,simple,open,,\n")
    accounts = write(tmp_path / "accounts.csv", ACCOUNTS_HEADER + "A1,One,standard,1,1,1\n")
    refused, loaded = warehouse.ingest(tickets, accounts)
    assert refused.status == "refused" and "cannot be validated as tickets" in refused.message
    assert (loaded.status, loaded.rows_loaded) == ("loaded", 1)
    assert warehouse.rows(
        "SELECT rows_read, rows_loaded, rows_rejected FROM ingest_runs WHERE status = 'refused'"
    ) == [(0, 0, 0)]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('timestamp_formats = ["%Q%Q"]\n[tickets]\n', "timestamp_formats: '%Q%Q' is not a format"),
        ('null_values = "n/a"\n[tickets]\n', "null_values must be a list of texts"),
        ('[tickets]\ncolumns = ["Id"]\n', "[tickets] columns must be a table"),
        ("tickets = 'Id'\n", "[tickets] must be a table"),
        ('[tickets]\ndetect = "Id"\n', "[tickets] detect must be a list of texts"),
        ('[tickets.value.status]\nsolved = "resolved"\n', "[tickets] has unknown keys ['value']"),
        ('[tickets.values]\nstatus = "solved"\n', "[tickets] values.status must be a table"),
    ],
)
def test_profile_mistakes_are_named(tmp_path: Path, text: str, said: str) -> None:
    from pipelines.ingest.profile import ProfileError, load_profile

    with pytest.raises(ProfileError) as error:
        load_profile(write(tmp_path / "mine.toml", text))
    assert said in str(error.value)


def test_a_profile_with_null_values_and_a_value_map_without_a_default(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    from pipelines.ingest.profile import load_profile

    profile = load_profile(
        write(
            tmp_path / "desk.toml",
            'name = "desk"\nnull_values = ["-"]\n[tickets]\n'
            'columns = { ticket_id = "id", account_id = "acc", created_at = "at", channel = "ch", '
            'task_type = "tt", status = "st", csat = "score" }\n'
            '[tickets.values.csat]\ngood = "5"\nbad = "1"\n'
            '[tickets.values.channel]\nmail = "email"\n"*" = "portal"\n',
        )
    )
    path = write(
        tmp_path / "tickets.csv",
        "id,acc,at,ch,tt,st,score\n"
        "T1,A1,2024-03-01 10:00,Mail,simple,open,Good\n"
        "T2,A1,2024-03-01 10:00,web,simple,open,-\n"
        "T3,A1,2024-03-01 10:00,,simple,open,bad\n",
    )
    result = warehouse.ingest(path, profile=profile)[0]
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 2, 1)
    # "-" is no score (not "*"'s value), "web" falls to "*", a missing channel stays missing
    assert warehouse.rows("SELECT ticket_id, channel, csat FROM tickets ORDER BY 1") == [
        ("T1", "email", 5),
        ("T2", "portal", None),
    ]
    assert _rejects(warehouse) == [(4, "channel", "channel: missing")]


def test_numbers_beyond_the_integer_range_reject_the_row_not_the_file(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    path = write(
        tmp_path / "accounts.csv",
        ACCOUNTS_HEADER + "B1,Huge,standard,99999999999999999999,1,1\nB2,Fine,standard,1,1,1\n",
    )
    result = warehouse.ingest(path)[0]
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 1, 1)
    assert _rejects(warehouse) == [
        (2, "paid_seats", 'paid_seats: "99999999999999999999" is not a whole number')
    ]


def test_statuses_and_channels_lose_tabs_and_no_break_spaces(tmp_path: Path, warehouse: Warehouse) -> None:
    path = write(
        tmp_path / "tickets.csv",
        TICKETS_HEADER + "T1,A1,2024-03-01 10:00:00,Chat\u00a0,simple,Resolved\t,,\n",
    )
    assert warehouse.ingest(path)[0].rows_loaded == 1
    assert warehouse.rows("SELECT channel, status FROM tickets") == [("chat", "resolved")]


def test_day_month_year_dates_and_a_blank_before_the_offset(tmp_path: Path, warehouse: Warehouse) -> None:
    path = write(
        tmp_path / "tickets.csv",
        "ticket_id;account_id;created_at;channel;task_type;status;first_response_at;due_at\n"
        "T1;A1;01.03.2024 9:05;email;enhancement;open;2024-03-01 10:00:00 +0300;07.03.2024\n",
    )
    assert warehouse.ingest(path)[0].rows_loaded == 1
    row = warehouse.dicts("SELECT * FROM tickets")[0]
    # 1 March 2024 09:05 in Moscow (naive: the default zone) is 06:05 UTC
    assert row["created_at"] == utc("2024-03-01T06:05:00+00:00")
    assert row["first_response_at"] == utc("2024-03-01T07:00:00+00:00")
    # a date alone (day.month.year) is a date-only deadline: the end of 7 March in Moscow
    assert (row["due_date"], row["due_at"]) == (date(2024, 3, 7), utc("2024-03-07T21:00:00+00:00"))


def test_a_quote_left_open_rejects_its_row_and_the_rows_after_it_still_load(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    path = write(
        tmp_path / "accounts.csv",
        ACCOUNTS_HEADER
        + 'B1,Ok,standard,1,1,1\nB2,"Open quote,standard,1,1,1\nB3,Ok,standard,1,1,1\n'
        + 'B4,"Quoted" then text,standard,1,1,1\nB5,"Fine, quoted",standard,1,1,1\n',
    )
    result = warehouse.ingest(path)[0]
    # without the repair the open quote of row 3 would swallow every line after it
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 3, 2)
    assert [row[:2] for row in _rejects(warehouse)] == [(3, None), (5, None)]
    assert warehouse.rows("SELECT account_id, name FROM accounts ORDER BY 1") == [
        ("B1", "Ok"),
        ("B3", "Ok"),
        ("B5", "Fine, quoted"),
    ]
    raw = warehouse.one("SELECT raw FROM rejected_rows WHERE row_number = 3")
    assert json.loads(str(raw)) == ['B2,"Open quote,standard,1,1,1']


def test_an_empty_row_keeps_its_place_when_the_file_has_a_malformed_row(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    path = write(
        tmp_path / "accounts.csv",
        ACCOUNTS_HEADER
        + "B1,Ok,standard,1,1,1\n,,,,,\nB2,Short\nB3,Ok,standard,1,1,1\nB4,x,standard,y,1,1\n",
    )
    result = warehouse.ingest(path)[0]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 2, 3)
    assert [row[:2] for row in _rejects(warehouse)] == [(3, "account_id"), (4, None), (6, "paid_seats")]


def test_cp1251_first_met_past_the_sample_with_a_malformed_row(
    tmp_path: Path, warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.ingest import readers

    monkeypatch.setattr(readers, "SNIFF_BYTES", 64)  # the sample ends before the Cyrillic
    path = write(
        tmp_path / "accounts.csv",
        ACCOUNTS_HEADER
        + "B1,Plain ascii name here,standard,1,1,1\nB2,Short\nR1,ООО Ромашка,standard,1,1,1\n",
        encoding="cp1251",
    )
    result = warehouse.ingest(path)[0]
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 2, 1)
    assert warehouse.one("SELECT name FROM accounts WHERE account_id = 'R1'") == "ООО Ромашка"


def test_a_warehouse_another_program_holds_is_a_clear_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "w.duckdb"
    db.write_text("not a DuckDB file")
    good = write(tmp_path / "accounts.csv", ACCOUNTS_HEADER + "B1,Ok,standard,1,1,1\n")
    assert run_cli("ingest", good, "--db", db) == 2
    assert f"cspulse: {db}: cannot open the warehouse" in capsys.readouterr().err


@pytest.mark.parametrize("sample_bytes", [1 << 20, 40], ids=["in-the-sample", "past-the-sample"])
def test_a_utf8_file_with_a_stray_cp1251_byte_rejects_that_row_only(
    tmp_path: Path, warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch, sample_bytes: int
) -> None:
    from pipelines.ingest import readers

    monkeypatch.setattr(readers, "SNIFF_BYTES", sample_bytes)
    text = ACCOUNTS_HEADER + "R1,ООО Ромашка,standard,1,1,1\nR2,Ёлка,standard,1,1,1\n"
    damaged = text.encode("utf-8") + "R3,Бе".encode("cp1251") + b"ta,standard,1,1,1\n"
    path = tmp_path / "accounts.csv"
    path.write_bytes(damaged)
    result = warehouse.ingest(path)[0]
    assert (result.rows_loaded, result.rows_rejected) == (2, 1)
    # the other rows keep their Cyrillic: the file is not read as cp1251 for one stray byte
    assert warehouse.rows("SELECT name FROM accounts ORDER BY account_id") == [("ООО Ромашка",), ("Ёлка",)]
    assert _rejects(warehouse) == [(4, "name", "name: has bytes that are not UTF-8")]


def test_a_profiles_date_formats_read_dates_and_date_only_deadlines(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    from pipelines.ingest.profile import load_profile

    profile = load_profile(
        write(
            tmp_path / "desk.toml",
            'name = "desk"\ntimestamp_formats = ["%d %b %Y %H:%M", "%d %b %Y", "%m/%d/%Y"]\n'
            '[tickets]\ncolumns = { ticket_id = "Id", account_id = "Org", created_at = "Created", '
            'channel = "Source", task_type = "Type", status = "Status", due_at = "Due" }\n'
            '[tickets.values.channel]\nmail = " Email "\n"" = "portal"\n'
            '[accounts]\ncolumns = { account_id = "Org", name = "Name", tier = "Plan", paid_seats = "Seats", '
            'active_users = "Users", mrr = "MRR", contract_start = "Since" }\n',
        )
    )
    tickets = write(
        tmp_path / "tickets.csv",
        "Id,Org,Created,Source,Type,Status,Due\n"
        "1,O1,01 Mar 2024 10:15,Mail,enhancement,Open,06 Mar 2024\n"
        "2,O1,01 Mar 2024 10:15,,simple,Open,\n",
    )
    accounts = write(
        tmp_path / "accounts.csv",
        'Org,Name,Plan,Seats,Users,MRR,Since\nO1,One,standard,"1,200",800,"12,345.50",03/01/2023\n',
    )
    assert [r.rows_loaded for r in warehouse.ingest(tickets, accounts, profile=profile)] == [2, 1]
    rows = warehouse.dicts("SELECT * FROM tickets ORDER BY ticket_id")
    # "06 Mar 2024" has no time of day: a date-only deadline, the end of 6 March in Moscow
    assert (rows[0]["due_date"], rows[0]["due_at"]) == (date(2024, 3, 6), utc("2024-03-06T21:00:00+00:00"))
    # a value map's target is trimmed and lower-cased like any channel; "" fills an empty cell
    assert (rows[0]["channel"], rows[1]["channel"]) == ("email", "portal")
    # US-style dates and thousands separators in a comma-separated file
    assert warehouse.rows("SELECT paid_seats, mrr, contract_start FROM accounts") == [
        (1200, 12345.5, date(2023, 3, 1))
    ]


def test_a_profile_column_the_file_lacks_is_noted_and_a_kind_it_lacks_is_named(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    from pipelines.ingest.profile import load_profile

    profile = load_profile(
        write(
            tmp_path / "desk.toml",
            'name = "desk"\n[tickets]\ncolumns = { ticket_id = "Id", account_id = "Org", '
            'created_at = "Created", channel = "Source", task_type = "Type", status = "Status", '
            'resolved_at = "Solvd on" }\n',
        )
    )
    tickets = write(
        tmp_path / "tickets.csv",
        "Id,Org,Created,Source,Type,Status,Solved on\n"
        "1,O1,2024-03-01 10:15,email,simple,solved,2024-03-01 11:00\n",
    )
    result = warehouse.ingest(tickets, profile=profile)[0]
    assert result.status == "loaded"
    assert result.message == "the profile maps resolved_at to 'Solvd on', which this file lacks"
    assert "note: the profile maps resolved_at" in result.summary()
    refused = warehouse.ingest(tickets, profile=profile, kind="accounts")[0]
    assert refused.status == "refused" and "the profile desk maps no accounts export" in refused.message

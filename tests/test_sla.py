"""The SLA marts on hand-made tickets, the arithmetic beside each expected value.

Default calendar unless said: Europe/Moscow (UTC+3), Mon–Fri 09:00–18:00, Russian holidays.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.build import dag
from tests.conftest import FIXTURES, Warehouse, make_warehouse, utc, write

GOOD = FIXTURES / "ingest"


@pytest.fixture
def judged(warehouse: Warehouse) -> dict[str, dict[str, object]]:
    warehouse.ingest(*sorted(GOOD.glob("*.csv")))
    warehouse.build("2024-03-06T12:00:00+03:00")  # Wednesday noon in Moscow
    return {row["ticket_id"]: row for row in warehouse.dicts("SELECT * FROM sla_tickets")}  # type: ignore[misc]


def test_simple_email_ticket_met_both_targets(judged: dict[str, dict[str, object]]) -> None:
    t1 = judged["T1"]
    # created Fri 09:50, answered 10:20: 30 working minutes against email's 540
    assert t1["response_business_min"] == 30
    assert t1["response_met"] is True
    # resolved 15:00: 09:50 -> 15:00 = 310 minutes against simple's 480
    assert t1["resolution_business_min"] == 310
    assert t1["sla_state"] == "met"
    # due: 09:50 + 540 working minutes = Fri 09:50-18:00 (490) + Mon 09:00-09:50 (50)
    assert t1["response_due_at"] == utc("2024-03-04T09:50:00+03:00")
    # 480 fits in Friday's 490: 09:50 + 8 h = 17:50
    assert t1["resolution_due_at"] == utc("2024-03-01T17:50:00+03:00")


def test_compound_ticket_with_a_pause_and_no_first_response(
    judged: dict[str, dict[str, object]],
) -> None:
    t2 = judged["T2"]
    # no first_response_at and no reply event: the resolution (Tue 12:00) counts as the response
    assert t2["first_response_at"] == utc("2024-03-05T12:00:00+03:00")
    # Fri 17:00-18:00 (60) + Mon (540) + Tue 09:00-12:00 (180) = 780 against chat's 30
    assert t2["response_business_min"] == 780
    assert t2["response_met"] is False
    assert t2["response_due_at"] == utc("2024-03-01T17:30:00+03:00")
    # pending Mon 10:00 -> in_progress Mon 12:00: 120 paused working minutes
    assert t2["paused_business_min"] == 120
    # 780 - 120 = 660 against compound's 480 × 3 subtasks = 1440
    assert t2["resolution_business_min"] == 660
    assert t2["resolution_target_min"] == 1440
    assert t2["sla_state"] == "met"
    # due after 1440 + 120 = 1560: Fri 60, Mon 540, Tue 540 -> Wed 09:00 + 420 = 16:00
    assert t2["resolution_due_at"] == utc("2024-03-06T16:00:00+03:00")
    assert t2["reassignments"] == 1
    # wall-clock time beside business time: Fri 17:00 -> Tue 12:00 = 91 hours
    assert t2["resolution_calendar_min"] == 91 * 60


def test_ism_bug_in_berlin_is_open_and_breached(judged: dict[str, dict[str, object]]) -> None:
    t3 = judged["T3"]
    # A2 is ism with timezone Europe/Berlin: the ism calendar (09:00-18:00) moved to Berlin
    assert (t3["tier"], t3["calendar"]) == ("ism", "default in Europe/Berlin")
    # created Mon 09:00 Berlin, answered 09:30: 30 against ism phone's 60
    assert t3["response_business_min"] == 30 and t3["response_met"] is True
    # unresolved as of Wed 10:00 Berlin: Mon 540 + Tue 540 + Wed 60 = 1140 > bug's 180
    assert t3["resolution_business_min"] == 1140
    assert t3["sla_state"] == "open_breached"
    assert t3["resolution_met"] is False
    assert t3["resolution_due_at"] == utc("2024-03-04T12:00:00+01:00")
    assert t3["resolution_left_min"] == 180 - 1140


def test_enhancement_with_a_promised_date_and_an_unknown_account(
    judged: dict[str, dict[str, object]],
) -> None:
    t4 = judged["T4"]
    assert t4["is_placeholder_account"] is True and t4["tier"] == "standard"
    # unanswered as of Wed 12:00: Mon 10:00-18:00 (480) + Tue (540) + Wed 09:00-12:00 (180) = 1200
    assert t4["response_business_min"] == 1200
    # already past portal's 540 although not answered yet: breached
    assert t4["response_met"] is False
    # promised "2024-03-07": the end of Thursday's working day -> Mon 480 + Tue + Wed + Thu = 2100
    assert t4["resolution_target_min"] == 2100
    assert t4["resolution_due_at"] == utc("2024-03-07T18:00:00+03:00")
    # 1200 used of 2100 is below the at-risk share (0.8 × 2100 = 1680)
    assert t4["sla_state"] == "open"


def test_placeholder_account_is_made_and_flagged(warehouse: Warehouse) -> None:
    warehouse.ingest(*sorted(GOOD.glob("*.csv")))
    warehouse.build("2024-03-06T12:00:00+03:00")
    assert warehouse.rows(
        "SELECT account_id, tier, paid_seats, mrr, cs_manager FROM accounts WHERE is_placeholder"
    ) == [("A9", "standard", 0, 0.0, None)]
    # an accounts export that names it later replaces the placeholder
    more = write(
        warehouse.path.parent / "accounts_2.csv",
        "account_id,name,tier,paid_seats,active_users,mrr\nA9,Nine,ism,3,3,10\n",
    )
    warehouse.ingest(more)
    warehouse.build("2024-03-06T12:00:00+03:00")
    assert warehouse.rows("SELECT count(*) FROM accounts WHERE is_placeholder") == [(0,)]
    assert warehouse.one("SELECT tier FROM sla_tickets WHERE ticket_id = 'T4'") == "ism"


def test_a_build_drops_each_temp_table_once_read_and_builds_again_alike(warehouse: Warehouse) -> None:
    """The build's temp tables hold memory the models after them need: each is dropped once no
    model still to come reads it, so none is left at the end, nor a view that would read one.
    A second build in the same connection gives the same marts."""
    warehouse.ingest(*sorted(GOOD.glob("*.csv")))
    warehouse.build("2024-03-06T12:00:00+03:00")
    models = dag.all_models()
    temp_models = {name for name, model in models.items() if model.materialized == "temp"}
    views = {name for name, model in models.items() if model.materialized == "view"}
    assert {"int_ticket_status_changes", "int_ticket_event_summary", "int_ticket_pauses"} <= temp_models
    assert {"int_ticket_events", "int_ticket_clocks"} <= views
    left = {row[0] for row in warehouse.rows("SELECT table_name FROM duckdb_tables() WHERE temporary")}
    assert not left & temp_models
    left_views = {row[0] for row in warehouse.rows("SELECT view_name FROM duckdb_views() WHERE temporary")}
    assert not left_views & views  # none left reading a dropped table
    first = warehouse.rows("SELECT * FROM sla_tickets ORDER BY ticket_id")
    warehouse.build("2024-03-06T12:00:00+03:00")
    assert warehouse.rows("SELECT * FROM sla_tickets ORDER BY ticket_id") == first
    assert len(first) == 4


def test_monthly_compliance_counts(warehouse: Warehouse) -> None:
    warehouse.ingest(*sorted(GOOD.glob("*.csv")))
    warehouse.build("2024-03-06T12:00:00+03:00")
    rows = warehouse.dicts(
        "SELECT month::VARCHAR AS month, sum(tickets) AS tickets, sum(response_judged) AS rj, "
        "sum(response_met) AS rm, sum(response_breached) AS rb, sum(resolution_judged) AS j, "
        "sum(met) AS met, sum(breached) AS breached, sum(open) AS open, sum(at_risk) AS at_risk, "
        "sum(open_breached) AS ob FROM sla_compliance_monthly GROUP BY month"
    )
    # T1 met/met, T2 response breached/resolution met, T3 met/open_breached, T4 breached/open
    assert rows == [
        {"month": "2024-03-01", "tickets": 4, "rj": 4, "rm": 2, "rb": 2, "j": 4, "met": 2,
         "breached": 0, "open": 1, "at_risk": 0, "ob": 1}
    ]  # fmt: skip


def test_marts_prove_their_grain_and_arithmetic(warehouse: Warehouse) -> None:
    warehouse.ingest(*sorted(GOOD.glob("*.csv")))
    warehouse.build("2024-03-06T12:00:00+03:00")
    assert warehouse.one("SELECT count(*) - count(DISTINCT ticket_id) FROM sla_tickets") == 0
    assert (
        warehouse.one(
            "SELECT count(*) FROM (SELECT month, account_id, cs_manager, channel, task_type "
            "FROM sla_compliance_monthly GROUP BY ALL HAVING count(*) > 1)"
        )
        == 0
    )
    assert (
        warehouse.one(
            "SELECT count(*) FROM sla_compliance_monthly "
            "WHERE met + breached + open + at_risk + open_breached <> resolution_judged "
            "OR response_met + response_breached > response_judged"
        )
        == 0
    )
    assert warehouse.one("SELECT sum(tickets) FROM sla_compliance_monthly") == warehouse.one(
        "SELECT count(*) FROM sla_tickets"
    )


def _one_ticket(
    tmp_path: Path, events: str, as_of: str, config: str = "", **ticket: str
) -> dict[str, object]:
    fields = {
        "ticket_id": "X1",
        "account_id": "A1",
        "created_at": "2024-03-04T09:00:00+03:00",
        "channel": "email",
        "task_type": "simple",
        "status": "open",
        "first_response_at": "",
        "resolved_at": "",
        "subtasks": "",
        "due_at": "",
    } | ticket
    store = make_warehouse(tmp_path, config)
    paths = [write(tmp_path / "tickets.csv", ",".join(fields) + "\n" + ",".join(fields.values()) + "\n")]
    if events:
        paths.append(write(tmp_path / "ticket_events.csv", "ticket_id,at,kind,value\n" + events))
    store.ingest(*paths)
    store.build(as_of)
    row = store.dicts("SELECT * FROM sla_tickets")[0]
    store.close()
    return row


def test_reopened_ticket_is_resolved_at_its_last_resolution_and_resolved_time_is_paused(
    tmp_path: Path,
) -> None:
    events = (
        "X1,2024-03-04T09:00:00+03:00,status,open\n"
        "X1,2024-03-04T11:00:00+03:00,status,resolved\n"  # resolved Mon 11:00 ...
        "X1,2024-03-04T15:00:00+03:00,status,reopened\n"  # ... reopened 15:00: 240 paused
        "X1,2024-03-05T10:00:00+03:00,status,solved\n"  # resolved again Tue 10:00
    )
    row = _one_ticket(tmp_path, events, "2024-03-06T12:00:00+03:00")
    assert row["resolved_at"] == utc("2024-03-05T10:00:00+03:00")
    assert row["reopens"] == 1
    # Mon 09:00 -> Tue 10:00 = 540 + 60 = 600 business minutes, 240 of them resolved (paused)
    assert row["paused_business_min"] == 240
    assert row["resolution_business_min"] == 360
    assert row["sla_state"] == "met"


def test_reopened_and_not_resolved_again_is_open(tmp_path: Path) -> None:
    events = "X1,2024-03-04T11:00:00+03:00,status,resolved\nX1,2024-03-04T12:00:00+03:00,status,in_progress\n"
    row = _one_ticket(tmp_path, events, "2024-03-04T17:00:00+03:00")
    assert row["resolved_at"] is None
    # 09:00 -> 17:00 = 480, less the hour it sat resolved = 420 of 480: at risk (>= 0.8 × 480 = 384)
    assert row["resolution_business_min"] == 420
    assert row["sla_state"] == "at_risk"


def test_a_pause_across_a_weekend_counts_only_working_time(tmp_path: Path) -> None:
    events = (
        "X1,2024-03-01T16:00:00+03:00,status,waiting_on_customer\n"  # Fri 16:00
        "X1,2024-03-04T11:00:00+03:00,status,in_progress\n"  # Mon 11:00
    )
    row = _one_ticket(tmp_path, events, "2024-03-04T12:00:00+03:00", created_at="2024-03-01T15:00:00+03:00")
    # paused Fri 16:00-18:00 (120) + Mon 09:00-11:00 (120) = 240
    assert row["paused_business_min"] == 240
    # elapsed Fri 15:00 -> Mon 12:00 = 180 + 180 = 360, net 120
    assert row["resolution_business_min"] == 120
    # the deadline moves out by the pause: 15:00 Fri + 480 + 240 = Fri 180, Mon 540 -> Mon 18:00
    assert row["resolution_due_at"] == utc("2024-03-04T18:00:00+03:00")


@pytest.mark.parametrize(
    ("as_of", "state", "used"),
    [
        ("2024-03-04T15:00:00+03:00", "open", 360),  # 360 < 0.8 × 480 = 384
        ("2024-03-04T15:24:00+03:00", "at_risk", 384),  # exactly the at-risk share
        ("2024-03-04T17:00:00+03:00", "at_risk", 480),  # exactly the target: not yet breached
        ("2024-03-04T17:00:01+03:00", "open_breached", 480 + 1 / 60),  # one second over
    ],
)
def test_open_ticket_states_around_the_at_risk_share(
    tmp_path: Path, as_of: str, state: str, used: float
) -> None:
    row = _one_ticket(tmp_path, "", as_of)
    assert row["sla_state"] == state
    assert row["resolution_business_min"] == pytest.approx(used, abs=1e-9)


def test_new_year_holidays_and_a_moved_working_saturday(tmp_path: Path) -> None:
    # created Fri 2024-12-27 17:00; Sat 2024-12-28 is a working day in Russia; Dec 30 - Jan 8 off
    row = _one_ticket(
        tmp_path,
        "",
        "2025-01-09T10:00:00+03:00",
        created_at="2024-12-27T17:00:00+03:00",
        resolved_at="2025-01-09T10:00:00+03:00",
    )
    # Fri 60 + Sat 540 + Thu Jan 9 09:00-10:00 60 = 660
    assert row["resolution_business_min"] == 660
    assert row["resolution_due_at"] == utc("2024-12-28T16:00:00+03:00")


def test_lunch_break_calendar_from_the_config(tmp_path: Path) -> None:
    config = """
[calendars.default]
timezone = "Europe/Moscow"
workdays = ["mon", "tue", "wed", "thu", "fri"]
hours = ["09:00-13:00", "14:00-18:00"]
"""
    row = _one_ticket(
        tmp_path,
        "",
        "2024-03-04T16:00:00+03:00",
        config=config,
        created_at="2024-03-04T12:30:00+03:00",
        first_response_at="2024-03-04T14:30:00+03:00",
    )
    # 12:30-13:00 (30) + lunch + 14:00-14:30 (30) = 60
    assert row["response_business_min"] == 60
    # email's 540 from 12:30: today 30 + 240 = 270, Tue 09:00 + 270 = 09:00-13:00 (240) + 14:30
    assert row["response_due_at"] == utc("2024-03-05T14:30:00+03:00")


def test_unknown_channel_and_task_type_are_counted_not_judged(tmp_path: Path) -> None:
    row = _one_ticket(tmp_path, "", "2024-03-05T12:00:00+03:00", channel="fax", task_type="question")
    assert row["response_target_min"] is None and row["response_met"] is None
    assert row["resolution_target_min"] is None and row["sla_state"] is None
    # business time is still filled: Mon 540 + Tue 180
    assert row["resolution_business_min"] == 720


def test_tickets_after_as_of_are_left_out_and_later_events_ignored(tmp_path: Path) -> None:
    row = _one_ticket(
        tmp_path,
        "X1,2024-03-04T10:00:00+03:00,status,resolved\n",
        "2024-03-04T09:30:00+03:00",
        first_response_at="2024-03-04T09:45:00+03:00",
    )
    # as of 09:30 neither the 09:45 answer nor the 10:00 resolution has happened
    assert row["first_response_at"] is None and row["resolved_at"] is None
    assert row["response_business_min"] == 30 and row["response_met"] is None
    assert row["sla_state"] == "open"


def test_an_accounts_calendar_name_matches_in_any_case_and_unknown_ones_are_reported(
    tmp_path: Path,
) -> None:
    config = """
[calendars.night]
timezone = "UTC"
workdays = ["mon", "tue", "wed", "thu", "fri"]
hours = ["00:00-06:00"]
"""
    store = make_warehouse(tmp_path, config)
    accounts = write(
        tmp_path / "accounts.csv",
        "account_id,name,tier,paid_seats,active_users,mrr,calendar\n"
        "N1,Night,standard,1,1,1,Night\nN2,Lost,standard,1,1,1,lunar\n",
    )
    tickets = write(
        tmp_path / "tickets.csv",
        "ticket_id,account_id,created_at,channel,task_type,status\n"
        "X1,N1,2024-03-04T05:00:00Z,email,simple,open\nX2,N2,2024-03-04T05:00:00Z,email,simple,open\n",
    )
    store.ingest(accounts, tickets)
    summary = store.build("2024-03-04T12:00:00+00:00")
    rows = {row["ticket_id"]: row for row in store.dicts("SELECT * FROM sla_tickets")}
    # "Night" is [calendars.night]: 05:00 -> 06:00 UTC is its last working hour
    assert rows["X1"]["calendar"] == "night" and rows["X1"]["resolution_business_min"] == 60
    # "lunar" is not configured: the tier's calendar (Moscow 09:00-18:00) judges, and it is named
    assert rows["X2"]["calendar"] == "default"
    assert summary["unknown_calendars"] == ["lunar"]
    store.close()


def test_a_naive_as_of_is_read_in_the_default_timezone(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    db = tmp_path / "w.duckdb"
    tickets = write(
        tmp_path / "tickets.csv",
        "ticket_id,account_id,created_at,channel,task_type,status\nX1,A1,2024-03-04T09:00:00+03:00,email,simple,open\n",
    )
    assert run_cli("ingest", tickets, "--db", db) == 0
    assert run_cli("build", "--db", db, "--as-of", "2024-03-04T10:00:00") == 0  # Moscow time
    from pipelines.warehouse import open_read_only

    with open_read_only(db) as con:
        assert con.execute("SELECT resolution_business_min FROM sla_tickets").fetchone() == (60.0,)


def test_events_before_creation_keep_their_own_order_even_listed_newest_first(tmp_path: Path) -> None:
    # created Mon 09:00; the file lists the later event first: in_progress 07:00 then pending 08:00
    events = "X1,2024-03-04T08:00:00+03:00,status,pending\nX1,2024-03-04T07:00:00+03:00,status,in_progress\n"
    row = _one_ticket(tmp_path, events, "2024-03-04T12:00:00+03:00")
    # the last status before creation is pending: paused from creation 09:00 to as-of 12:00 = 180
    assert row["paused_business_min"] == 180
    assert row["resolution_business_min"] == 0


def test_replies_then_the_resolution_answer_a_ticket_without_a_first_response(tmp_path: Path) -> None:
    # created Mon 09:00 with no first_response_at, resolved 10:00, an agent reply at 11:00:
    # DESIGN's edge rule makes the earliest reply the first response whenever the export has
    # none, so the resolution stands in only for a ticket never replied to
    row = _one_ticket(
        tmp_path / "replied",
        "X1,2024-03-04T11:00:00+03:00,reply,\n",
        "2024-03-04T12:00:00+03:00",
        resolved_at="2024-03-04T10:00:00+03:00",
    )
    assert row["first_response_at"] == utc("2024-03-04T11:00:00+03:00")
    assert row["response_business_min"] == 120
    silent = _one_ticket(
        tmp_path / "silent", "", "2024-03-04T12:00:00+03:00", resolved_at="2024-03-04T10:00:00+03:00"
    )
    assert silent["first_response_at"] == utc("2024-03-04T10:00:00+03:00")
    assert silent["response_business_min"] == 60


def test_tier_tables_match_account_tiers_in_any_case(tmp_path: Path) -> None:
    config = (
        "[sla.ISM]\nfirst_response_min = { email = 5 }\n[sla.Standard]\nfirst_response_min = { email = 7 }\n"
    )
    store = make_warehouse(tmp_path, config)
    assert store.config.sla["ism"].first_response_min == {"email": 5}
    # a key the ISM table leaves out still comes from the built-in ism table
    assert store.config.sla["ism"].resolution_min["bug"] == 180
    assert store.config.sla["standard"].first_response_min == {"email": 7}
    store.close()


def test_a_promised_deadline_at_the_end_of_a_day_stays_on_that_day(tmp_path: Path) -> None:
    # created Tue 2024-01-09 09:00:03, promised 18:00 that day: target 32,397 s = 539.95 min,
    # which is not a whole number of minutes; the deadline is 18:00, not the next morning
    row = _one_ticket(
        tmp_path,
        "",
        "2024-01-09T12:00:00+03:00",
        created_at="2024-01-09T09:00:03+03:00",
        task_type="enhancement",
        due_at="2024-01-09T18:00:00+03:00",
    )
    assert row["resolution_target_min"] == pytest.approx(539.95)
    assert row["resolution_due_at"] == utc("2024-01-09T18:00:00+03:00")


def test_a_calendar_of_listed_days_only_has_no_deadline_past_its_last_day(tmp_path: Path) -> None:
    config = """
[calendars.default]
timezone = "Europe/Moscow"
workdays = []
hours = ["10:00-11:00"]
extra_workdays = ["2024-03-20", "2024-04-06"]
"""
    # two working hours in all: chat's 30 minutes come due on 20 March at 10:30, email's 540 never
    chat = _one_ticket(tmp_path / "chat", "", "2024-03-06T12:00:00+03:00", config, channel="chat")
    assert chat["response_due_at"] == utc("2024-03-20T10:30:00+03:00")
    email = _one_ticket(tmp_path / "email", "", "2024-03-06T12:00:00+03:00", config)
    assert email["response_due_at"] is None and email["resolution_due_at"] is None
    # the time so far is still counted: none, the first working hour is still to come
    assert email["response_business_min"] == 0

"""The director's KPIs, compliance and the work queues on tickets whose answers were worked out
on paper (tests/fixtures/kpis). A 24/7 UTC calendar makes business minutes wall-clock minutes.

Each assertion is the one a one-token change in a definition would break: p90 -> p50, mean ->
max, a filter dropped or inverted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import streamlit as st

from dashboard import queries
from tests.conftest import FIXTURES, make_warehouse

ALWAYS_OPEN = """
[calendars.default]
timezone = "UTC"
workdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
hours = ["00:00-24:00"]
"""
AS_OF = "2024-03-10T12:00:00+00:00"
ALL = queries.Filters()


@pytest.fixture(scope="module")
def version(tmp_path_factory: pytest.TempPathFactory) -> Iterator[float | None]:
    folder = tmp_path_factory.mktemp("kpis")
    store = make_warehouse(folder, ALWAYS_OPEN)
    store.ingest(FIXTURES / "kpis" / "accounts.csv", FIXTURES / "kpis" / "tickets.csv")
    store.build(AS_OF)
    store.close()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CSPULSE_DB", str(store.path))
        st.cache_data.clear()
        yield queries.snapshot_version()
    st.cache_data.clear()


def test_speed_kpis(version: float | None) -> None:
    stats = queries.ticket_stats(version, ALL)
    assert stats["tickets"] == 9
    # resolved T1-T5 took 10, 20, 30, 40 and 540 minutes (T5: 10:00 -> 19:00)
    assert stats["median_resolution_min"] == pytest.approx(30)
    # p90 (continuous): position 0.9 x 4 = 3.6 -> 40 + 0.6 x (540 - 40) = 340; p50 would be 30
    assert stats["p90_resolution_min"] == pytest.approx(340)
    # answered T1-T6: 5, 10, 15, 20, 25, 10 -> sorted 5 10 10 15 20 25: median 12.5,
    # p90 at 0.9 x 5 = 4.5 -> 20 + 0.5 x 5 = 22.5
    assert stats["median_response_min"] == pytest.approx(12.5)
    assert stats["p90_response_min"] == pytest.approx(22.5)


def test_backlog_and_quality_kpis(version: float | None) -> None:
    stats = queries.ticket_stats(version, ALL)
    assert stats["backlog"] == 4  # T6-T9 unresolved
    assert stats["at_risk"] == 1  # T7: 400 of 480 min used >= 0.8 x 480 = 384
    assert stats["open_breached"] == 2  # T8: 740 > 480; T9: a bug open since March 1st
    # reopened among resolved: T3 of T1-T5 = 1/5 (over all nine tickets it would be 1/9)
    assert stats["reopen_rate"] == pytest.approx(1 / 5)
    # reassigned at least once: T2 (1) and T8 (2) of nine = 2/9 (counting > 1 only: 1/9)
    assert stats["reassignment_rate"] == pytest.approx(2 / 9)
    assert stats["csat"] == pytest.approx(4.0)  # (5 + 3 + 4) / 3; the max would be 5


def test_compliance_and_its_denominators(version: float | None) -> None:
    totals = queries.compliance_totals(version, ALL)
    # response: T1-T6 answered within 540; T8 (740) and T9 unanswered past 540 -> 6 / 8
    assert (totals["response_met"], totals["response_denominator"]) == (6, 8)
    assert totals["response_pct"] == pytest.approx(0.75)
    # resolution: met T1-T4, breached T5, open and breached T8, T9; T6, T7 not yet judged -> 4 / 7
    assert (totals["met"], totals["resolution_denominator"]) == (4, 7)
    assert totals["resolution_pct"] == pytest.approx(4 / 7)
    # the ticket-level statistics divide the same way
    stats = queries.ticket_stats(version, ALL)
    assert stats["resolution_pct"] == pytest.approx(4 / 7) and stats["response_pct"] == pytest.approx(0.75)


def test_kpis_per_level_and_per_manager(version: float | None) -> None:
    by_manager = queries.kpis_by_level(version, ALL, "level_manager").set_index("group_name")
    assert by_manager.loc["Anna", "tickets"] == 4  # T1, T2, T6, T7
    assert by_manager.loc["Anna", "median_resolution_min"] == pytest.approx(15)  # T1 10, T2 20
    assert by_manager.loc[queries.NO_MANAGER, "tickets"] == 1  # T5: Gamma has no manager
    anna = queries.manager_ticket_stats(version, ALL, "Anna")
    assert anna["csat"] == pytest.approx(4.0)  # T1 5, T2 3
    assert anna["backlog"] == 2


def test_the_at_risk_queue_holds_open_tickets_within_target_least_time_left_first(
    version: float | None,
) -> None:
    queue = queries.at_risk_queue(version, ALL)
    # T7 has 480 - 400 = 80 min left, T6 480 - 100 = 380; T8, T9 are past it, T1-T5 resolved
    assert list(queue["ticket_id"]) == ["T7", "T6"]
    assert list(queue["resolution_left_min"]) == pytest.approx([80, 380])
    assert list(queries.at_risk_queue(version, ALL, "Boris")["ticket_id"]) == []
    assert list(queries.at_risk_queue(version, ALL, "Anna")["ticket_id"]) == ["T7", "T6"]


def test_open_and_breached_tickets_are_their_own_list_oldest_first(version: float | None) -> None:
    assert list(queries.open_breached_queue(version, ALL)["ticket_id"]) == ["T9", "T8"]
    assert list(queries.open_breached_queue(version, ALL, "Anna")["ticket_id"]) == []
    queue = queries.open_breached_queue(version, ALL)
    # as of 03-10 12:00 on a 24/7 calendar: T9 (bug, 180) open since 03-01 00:00 = 13,680 min,
    # 13,500 past the target, 9 full days old; T8 (simple, 480) since 03-09 23:40 = 740 min, 260
    # past it, 0 full days (12 h 20 min)
    assert list(queue["overdue_min"]) == pytest.approx([13_500, 260])
    assert list(queue["age_days"]) == [9, 0]
    # the acted-on columns first, the client by name; no time left (it restates overdue_min)
    assert list(queue.columns[:6]) == [
        "overdue_min", "age_days", "sla_state", "account_name", "subject", "assignee"
    ]  # fmt: skip
    assert "resolution_left_min" not in queue.columns
    assert list(queue["account_name"]) == ["Beta", "Beta"]
    # breached: resolved late or open past the target, newest first
    assert list(queries.breached_tickets(version, ALL)["ticket_id"]) == ["T8", "T5", "T9"]


def test_manager_portfolio_and_account_summary(version: float | None) -> None:
    portfolio = queries.manager_portfolio(version, ALL, "Boris")
    assert list(portfolio["account_id"]) == ["A2"]
    row = portfolio.iloc[0]
    # Beta: T3, T4 met; T8, T9 open and breached -> 2 / 4; its open ones: T8, T9
    assert (row["tickets"], row["open_tickets"], row["open_breached_tickets"]) == (4, 2, 2)
    assert row["resolution_pct"] == pytest.approx(0.5)
    accounts = queries.accounts(version).set_index("account_id")
    # open and breached, not resolved late: Gamma's T5 was breached but is closed
    assert accounts.loc["A2", "open_breached_tickets"] == 2
    assert accounts.loc["A3", "open_breached_tickets"] == 0
    assert accounts.loc["A1", "at_risk_tickets"] == 1
    assert queries.manager_portfolio(version, ALL, queries.NO_MANAGER)["account_id"].tolist() == ["A3"]


def test_filters_narrow_every_kpi(version: float | None) -> None:
    bugs = queries.Filters(task_types=("bug",))
    stats = queries.ticket_stats(version, bugs)
    assert (stats["tickets"], stats["backlog"], stats["open_breached"]) == (1, 1, 1)
    assert queries.compliance_totals(version, bugs)["resolution_pct"] == pytest.approx(0.0)


def test_a_response_inferred_from_the_resolution_is_flagged(tmp_path_factory: pytest.TempPathFactory) -> None:
    """R1 resolved at 12:00 with no recorded response and no reply event, paused 10:30-11:00: its
    resolution is its response (the response clock 120 min on the 24/7 calendar, no pause; the
    resolution 90 min net of the pause), flagged; R2 was answered at 10:30 (30 min) and resolved
    at 11:00 (60 min); R3 is open and unanswered. One of the two answered tickets is inferred."""
    import duckdb

    from pipelines.warehouse import snapshot_path
    from tests.conftest import write

    folder = tmp_path_factory.mktemp("inferred")
    tickets = write(
        folder / "tickets.csv",
        "ticket_id,account_id,created_at,channel,task_type,status,first_response_at,resolved_at\n"
        "R1,A1,2024-03-01T10:00:00Z,email,simple,resolved,,2024-03-01T12:00:00Z\n"
        "R2,A1,2024-03-01T10:00:00Z,email,simple,resolved,2024-03-01T10:30:00Z,2024-03-01T11:00:00Z\n"
        "R3,A1,2024-03-01T10:00:00Z,email,simple,open,,\n",
    )
    events = write(
        folder / "ticket_events.csv",
        "ticket_id,at,kind,value,actor\n"
        "R1,2024-03-01T10:00:00Z,status,open,system\n"
        "R1,2024-03-01T10:30:00Z,status,pending,anna\n"
        "R1,2024-03-01T11:00:00Z,status,open,system\n"
        "R1,2024-03-01T12:00:00Z,status,resolved,anna\n",
    )
    store = make_warehouse(folder, ALWAYS_OPEN)
    store.ingest(tickets, events)
    store.build("2024-03-02T10:00:00+00:00")
    store.close()
    with duckdb.connect(str(snapshot_path(store.path)), read_only=True) as con:
        rows = con.execute(
            "SELECT ticket_id, is_response_inferred, response_business_min, resolution_business_min "
            "FROM sla_tickets ORDER BY 1"
        ).fetchall()
    assert rows == [("R1", True, 120.0, 90.0), ("R2", False, 30.0, 60.0), ("R3", False, 24 * 60.0, 24 * 60.0)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CSPULSE_DB", str(store.path))
        st.cache_data.clear()
        stats = queries.ticket_stats(queries.snapshot_version(), ALL)
    st.cache_data.clear()
    assert (stats["inferred_responses"], stats["inferred_responses_of"]) == (1, 2)
    # R1's response counted as its resolution (90, net of the pause), not its response clock (120):
    # the median of 90 and 30, and the p90 30 + 0.9 × 60
    assert stats["median_response_min"] == pytest.approx(60.0)
    assert stats["p90_response_min"] == pytest.approx(84.0)
    assert stats["median_response_min"] <= stats["median_resolution_min"] == pytest.approx(75.0)

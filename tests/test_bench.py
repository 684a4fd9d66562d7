"""The benchmark's comparisons measure the same work: the peer and the engine's core clocks
give the numbers the SLA mart gives."""

from __future__ import annotations

from datetime import datetime

from pipelines.bench.runner import SLA_CORE_SQL, _peer_deadline, _peer_elapsed
from tests.conftest import FIXTURES, Warehouse

GOOD = FIXTURES / "ingest"
NINE_TO_SIX: dict[int, tuple[tuple[int, int], ...]] = {day: ((9 * 60, 18 * 60),) for day in range(5)}


def test_core_clocks_equal_the_marts_on_tickets_without_events(warehouse: Warehouse) -> None:
    warehouse.ingest(GOOD / "accounts.csv", GOOD / "tickets.csv")
    warehouse.build("2024-03-06T12:00:00+03:00")
    tickets, response_s, resolution_s, _, _ = warehouse.rows(SLA_CORE_SQL)[0]
    mart = warehouse.rows(
        "SELECT count(*), sum(response_business_min) * 60, sum(resolution_business_min) * 60 FROM sla_tickets"
    )[0]
    assert (tickets, response_s, resolution_s) == mart
    assert tickets == warehouse.one("SELECT count(*) FROM sla_tickets") == 4  # T1-T4


def test_peer_day_walk_by_hand() -> None:
    # Fri 2024-03-01 17:00 -> Mon 10:00 (no holidays): Fri 60 min + Mon 60 min = 7200 s
    assert _peer_elapsed(datetime(2024, 3, 1, 17), datetime(2024, 3, 4, 10), NINE_TO_SIX, set()) == 7200
    # 540 working minutes from Fri 17:00: Fri 60, Mon 09:00 + 480 = 17:00
    assert _peer_deadline(datetime(2024, 3, 1, 17), 540 * 60, NINE_TO_SIX, set()) == datetime(2024, 3, 4, 17)
    # a holiday Monday pushes it to Tuesday
    holiday = {datetime(2024, 3, 4).date()}
    assert _peer_deadline(datetime(2024, 3, 1, 17), 540 * 60, NINE_TO_SIX, holiday) == datetime(
        2024, 3, 5, 17
    )


def test_peer_and_core_are_timed_alike() -> None:
    # one warm-up run, then REPEATS timed runs: 1 + 3 calls, the median of the three timed
    from pipelines.bench.stages import REPEATS, warm_median

    calls: list[int] = []
    value, seconds = warm_median(lambda: calls.append(len(calls)) or len(calls))
    assert len(calls) == 1 + REPEATS == 4
    assert value == 2  # the first timed run's value (the warm-up's was 1)
    assert seconds >= 0

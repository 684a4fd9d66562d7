"""The benchmark's comparisons measure the same work: the peer and the engine's core clocks
give the numbers the SLA mart gives."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.bench.runner import SLA_CORE_SQL, _peer_deadline, _peer_elapsed, prepare_core
from pipelines.bench.usage import as_of as usage_as_of
from pipelines.bench.usage import bench_usage
from pipelines.build import build
from pipelines.config import load_config
from pipelines.ingest.usage_rollup import roll_up_usage_days
from pipelines.schemas import staging_ddl
from pipelines.warehouse import connect, marts_path
from tests.conftest import FIXTURES, Warehouse, utc

GOOD = FIXTURES / "ingest"
NINE_TO_SIX: dict[int, tuple[tuple[int, int], ...]] = {day: ((9 * 60, 18 * 60),) for day in range(5)}


def test_core_clocks_equal_the_marts_on_tickets_without_events(warehouse: Warehouse) -> None:
    warehouse.ingest(GOOD / "accounts.csv", GOOD / "tickets.csv")
    warehouse.build("2024-03-06T12:00:00+03:00")
    # the build keeps only its marts: the core makes its inputs as the bench does
    prepare_core(warehouse.con, warehouse.config, utc("2024-03-06T12:00:00+03:00"))
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


# --- issue 9: the usage bench -------------------------------------------------------------------

USAGE_KEYS = ("usage_scan_floor_s", "adoption_s", "health_s", "adoption_vs_floor", "health_vs_floor",
              "usage_rollup_s", "usage_rollup_events_per_s", "peak_rss_mib", "usage_daily_rows")  # fmt: skip
USAGE_MARTS = ("adoption_gaps", "account_health", "account_health_monthly", "health_backtest")


def _differences(con: duckdb.DuckDBPyConnection, left: str, right: str) -> int:
    """Rows in one relation and not the other, both ways (EXCEPT ALL: duplicates count)."""
    row = con.execute(
        f"SELECT (SELECT count(*) FROM (FROM {left} EXCEPT ALL FROM {right}))"
        f" + (SELECT count(*) FROM (FROM {right} EXCEPT ALL FROM {left}))"
    ).fetchone()
    return int(row[0]) if row else -1


def test_usage_bench_gives_its_keys_and_the_marts_of_a_normal_build(tmp_path: Path) -> None:
    accounts, per_account = 12, 300
    result = bench_usage(accounts, per_account, keep=tmp_path)
    assert all(result[key] is not None for key in USAGE_KEYS)
    assert result["usage_daily_rows"] == accounts * 20 * 365  # every account × module × date
    assert result["usage_events"] == accounts * per_account
    # The bench's timed model runs leave the marts a normal build makes of the same warehouse.
    normal = tmp_path / "normal.duckdb"
    shutil.copy(tmp_path / "usage.duckdb", normal)  # the staging tables; its marts are built anew
    con = connect(normal)
    build(con, normal, load_config(None), usage_as_of())
    con.execute(f"ATTACH '{marts_path(tmp_path / 'usage.duckdb')}' AS bench (READ_ONLY)")
    for mart in USAGE_MARTS:
        assert con.execute(f"SELECT count(*) FROM {mart}").fetchone()[0] > 0, mart  # type: ignore[index]
        assert _differences(con, f"bench.{mart}", mart) == 0, mart
    con.close()
    # The rollup's days are the plain form's: distinct users and events per local date.
    events = duckdb.connect(str(tmp_path / "events.duckdb"), read_only=True)
    plain = """
        SELECT CAST(timezone('Europe/Moscow', "at") AS DATE) AS date, account_id, module,
               count(DISTINCT user_id) AS active_users, count(*) AS events
        FROM usage_events GROUP BY ALL
    """
    assert result["usage_rollup_rows"] == events.execute(f"SELECT count(*) FROM ({plain})").fetchone()[0]  # type: ignore[index]
    assert _differences(events, "usage_daily", f"({plain})") == 0
    events.close()


def test_rollup_days_by_hand_across_both_dst_changes() -> None:
    # Europe/Berlin: CET (+1) until 2026-03-29 01:00 UTC, CEST (+2) until 2026-10-25 01:00 UTC.
    # 03-28 23:30Z = 00:30 CET on 03-29; 03-29 01:30Z = 03:30 CEST on 03-29 -> u1, u2 on 03-29;
    # 03-28 22:59Z = 23:59 CET on 03-28 -> u1 alone on 03-28;
    # 10-24 21:30Z = 23:30 CEST on 10-24 -> 10-24; 10-24 22:30Z = 00:30 CEST on 10-25 and
    # 10-25 23:30Z = 00:30 CET on 10-26 -> one each on 10-25 and 10-26 (u1 twice on 10-25).
    con = duckdb.connect(":memory:")
    con.execute(staging_ddl("usage_events"))
    con.execute(staging_ddl("usage_daily"))
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        """
        INSERT INTO usage_events VALUES
            ('A', 'u1', 'crm', '2026-03-28 23:30:00+00'), ('A', 'u2', 'crm', '2026-03-29 01:30:00+00'),
            ('A', 'u1', 'crm', '2026-03-28 22:59:00+00'), ('A', 'u1', 'crm', '2026-10-24 21:30:00+00'),
            ('A', 'u1', 'crm', '2026-10-24 22:30:00+00'), ('A', 'u1', 'crm', '2026-10-24 22:45:00+00'),
            ('A', 'u1', 'crm', '2026-10-25 23:30:00+00')
        """
    )
    con.execute("CREATE TEMP VIEW incoming AS SELECT * FROM usage_events")
    roll_up_usage_days(con, "Europe/Berlin")
    rows = con.execute(
        "SELECT CAST(date AS VARCHAR), active_users, events FROM usage_daily ORDER BY date"
    ).fetchall()
    assert rows == [
        ("2026-03-28", 1, 1),
        ("2026-03-29", 2, 2),
        ("2026-10-24", 1, 1),
        ("2026-10-25", 1, 2),
        ("2026-10-26", 1, 1),
    ]
    # A later export touching 10-25 only: that day recomputed from every stored event of it.
    con.execute("INSERT INTO usage_events VALUES ('A', 'u3', 'crm', '2026-10-25 12:00:00+00')")
    con.execute("CREATE OR REPLACE TEMP VIEW incoming AS SELECT * FROM usage_events WHERE user_id = 'u3'")
    roll_up_usage_days(con, "Europe/Berlin")
    assert con.execute(
        "SELECT active_users, events FROM usage_daily WHERE date = '2026-10-25'"
    ).fetchall() == [(2, 3)]
    assert con.execute("SELECT count(*) FROM usage_daily").fetchone() == (5,)


def test_peer_and_core_are_timed_alike() -> None:
    # one warm-up run, then REPEATS timed runs: 1 + 3 calls, the median of the three timed
    from pipelines.bench.stages import REPEATS, warm_median

    calls: list[int] = []
    value, seconds = warm_median(lambda: calls.append(len(calls)) or len(calls))
    assert len(calls) == 1 + REPEATS == 4
    assert value == 2  # the first timed run's value (the warm-up's was 1)
    assert seconds >= 0

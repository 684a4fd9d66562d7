"""`cspulse bench`: time the pipeline on generated data and print JSON.

Stages, on N generated tickets (status history for a share of them):
- ingest: the tickets CSV (uncompressed) through validation into staging -> ingest_rows_per_s;
  beside it two floors no ingest can beat: DuckDB alone reading the CSV into a table of text
  (ingest_read_floor_s), and reading it with its own type detection straight into a table in the
  warehouse file, nothing validated (ingest_write_floor_s);
- sla: the build's SLA models -> sla_s, sla_rows_per_s, and the memory they add;
- scan floor: DuckDB reading the same ticket and event columns and aggregating them at
  sla_compliance_monthly's grain, nothing else -> scan_floor_s;
- peer: business time written the way Frappe Helpdesk does it (per ticket, walk the days and
  intersect each with the working hours), on a 100k-ticket subset -> peer_rows_per_s;
- core: the peer's four clocks per ticket done the engine's way (grid lookups in DuckDB) on
  all N tickets -> sla_core_s; the SLA stage does this and much more (events, pauses, reopens,
  the 40-column mart), so core_vs_peer_speedup compares like with like;
- pages: each dashboard page rendered server-side (AppTest, warm cache, median of 5) -> page_ms.

Speed targets are measured here, never asserted in tests.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from metrics.calendar import CalendarSpec, working_dates
from pipelines.build import build, latest_timestamp
from pipelines.config import Config, load_config
from pipelines.ingest import ingest_files
from pipelines.warehouse import connect

Progress = Callable[[str], None]
PEER_SAMPLE = 100_000


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def peak_memory() -> Iterator[dict[str, float]]:
    """Sample this process's resident memory while the block runs: {'before', 'peak'} in MB."""
    result = {"before": _rss_mb(), "peak": _rss_mb()}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            result["peak"] = max(result["peak"], _rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield result
    finally:
        done.set()
        sampler.join()
        result["peak"] = max(result["peak"], _rss_mb())


def _timed(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = action()
    return value, time.perf_counter() - started


def _median_timed(action: Callable[[], Any], runs: int) -> tuple[Any, float]:
    """A short stage timed a few times: the median, less exposed to a stray pause."""
    results = [_timed(action) for _ in range(runs)]
    return results[0][0], sorted(seconds for _, seconds in results)[runs // 2]


def bench(tickets: int, progress: Progress | None = None, keep: Path | None = None) -> dict[str, Any]:
    """Run every stage on `tickets` generated tickets; the JSON-ready result."""
    say = progress or (lambda message: None)
    workdir = Path(tempfile.mkdtemp(prefix="cspulse-bench-"))
    try:
        return _bench(tickets, workdir, say)
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


def _bench(tickets: int, workdir: Path, say: Progress) -> dict[str, Any]:
    config = load_config(None)
    exports = workdir / "exports"
    accounts = max(60, tickets // 2_000)
    say(f"generating {tickets:,} tickets for {accounts:,} accounts")
    # In a child process, so its memory does not count against the stages measured here.
    subprocess.run(
        [sys.executable, "-m", "pipelines", "generate", "--out", str(exports),
         "--accounts", str(accounts), "--tickets", str(tickets)],
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    plain = exports / "tickets.csv"
    with gzip.open(exports / "tickets.csv.gz", "rb") as source, open(plain, "wb") as target:
        shutil.copyfileobj(source, target, 1 << 22)
    db = workdir / "bench.duckdb"
    con = connect(db)
    ingest_files(con, [exports / "accounts.csv", exports / "account_modules.csv"], config)
    say("ingest: tickets.csv")
    (result,), ingest_s = _timed(lambda: ingest_files(con, [plain], config))
    say("ingest floors")
    _, read_floor_s = _timed(lambda: csv_read_floor(con, plain))
    _, write_floor_s = _timed(lambda: csv_write_floor(con, plain))
    drop_write_floor(con)
    say("ingest: ticket events")
    ingest_files(con, [exports / "ticket_events.csv.gz"], config)
    events = int(con.execute("SELECT count(*) FROM ticket_events").fetchone()[0])  # type: ignore[index]
    as_of = latest_timestamp(con)
    say("sla stage")
    with peak_memory() as memory:
        summary = build(con, db, config, as_of)
    sla_s = float(summary["timings"]["sla_s"])
    say("scan floor")
    _, floor_s = _timed(lambda: scan_floor(con))
    say(f"peer on {min(PEER_SAMPLE, tickets):,} tickets")
    peer_rows, peer_s = _timed(lambda: peer_business_minutes(con, config, as_of, PEER_SAMPLE))
    say("the peer's clocks, the engine's way")
    core_rows, core_s = _median_timed(lambda: sla_core(con), runs=3)
    database_mb = db.stat().st_size / 2**20
    con.close()
    say("dashboard pages")
    pages = page_timings(db)
    return {
        "tickets": tickets,
        "ticket_events": events,
        "accounts": accounts,
        "ingest_s": round(ingest_s, 3),
        "ingest_rows": result.rows_read,
        "ingest_rows_per_s": round(result.rows_read / ingest_s),
        "ingest_read_floor_s": round(read_floor_s, 3),
        "ingest_write_floor_s": round(write_floor_s, 3),
        "ingest_write_floor_rows_per_s": round(result.rows_read / write_floor_s),
        "sla_s": round(sla_s, 3),
        "sla_rows_per_s": round(tickets / sla_s),
        "scan_floor_s": round(floor_s, 3),
        "sla_vs_floor": round(sla_s / floor_s, 2),
        "peer_rows": peer_rows,
        "peer_s": round(peer_s, 3),
        "peer_rows_per_s": round(peer_rows / peer_s),
        "sla_vs_peer_speedup": round((tickets / sla_s) / (peer_rows / peer_s), 1),
        "sla_core_s": round(core_s, 3),
        "sla_core_rows_per_s": round(core_rows / core_s),
        "core_vs_peer_speedup": round((core_rows / core_s) / (peer_rows / peer_s), 1),
        "peak_rss_mb": round(memory["peak"]),
        "rss_before_sla_mb": round(memory["before"]),
        "sla_extra_rss_mb": round(memory["peak"] - memory["before"]),
        "warehouse_mb": round(database_mb),
        "build_timings_s": summary["timings"],
        "page_ms": pages,
        "cpu_count": os.cpu_count(),
        "duckdb": duckdb.__version__,
    }


def csv_read_floor(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """DuckDB alone reading the same CSV into a table of text: what ingest cannot beat."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE read_floor AS SELECT * FROM read_csv(?, all_varchar = true)",
        [str(path)],
    )
    con.execute("DROP TABLE read_floor")


def csv_write_floor(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """DuckDB alone reading the same CSV, with its own type detection, straight into a table
    in the warehouse file: loading into staging with nothing validated."""
    con.execute("SET preserve_insertion_order = false")
    con.execute("CREATE OR REPLACE TABLE write_floor AS SELECT * FROM read_csv(?)", [str(path)])


def drop_write_floor(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP TABLE write_floor")
    con.execute("CHECKPOINT")


def sla_core(con: duckdb.DuckDBPyConnection) -> int:
    """The peer's four clocks for every ticket, on the build's grid; the tickets timed."""
    row = con.execute(SLA_CORE_SQL).fetchone()
    return int(row[0]) if row else 0


SLA_CORE_SQL = Path(__file__).with_name("sla_core.sql").read_text(encoding="utf-8")

SCAN_FLOOR_SQL = """
    WITH events_per_ticket AS (
        SELECT ticket_id, count(*) AS events, max("at") AS last_at,
               count(DISTINCT value) AS statuses, max(position) AS last_position
        FROM ticket_events GROUP BY ticket_id
    )
    SELECT date_trunc('month', tickets.created_at) AS month, tickets.account_id,
           accounts.cs_manager, tickets.channel, tickets.task_type,
           count(*), count(tickets.first_response_at), count(tickets.resolved_at),
           count(tickets.closed_at), count(tickets.due_at), count(tickets.due_date),
           sum(tickets.subtasks), sum(events_per_ticket.events),
           max(events_per_ticket.last_at), sum(events_per_ticket.statuses),
           max(events_per_ticket.last_position)
    FROM tickets
    LEFT JOIN accounts USING (account_id)
    LEFT JOIN events_per_ticket USING (ticket_id)
    GROUP BY ALL
"""


def scan_floor(con: duckdb.DuckDBPyConnection) -> int:
    """Read the ticket and event columns the SLA stage reads, aggregate them at the monthly
    mart's grain, and nothing else: the least any SLA engine must pay."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE scan_floor AS {SCAN_FLOOR_SQL}")
    return int(con.execute("SELECT count(*) FROM scan_floor").fetchone()[0])  # type: ignore[index]


def peer_business_minutes(
    con: duckdb.DuckDBPyConnection, config: Config, as_of: datetime, sample: int
) -> int:
    """The peer: SLA clocks computed the way Frappe Helpdesk computes them, one ticket at a
    time in Python. For each ticket it walks the days from creation to the response and to
    the resolution (or as-of), intersecting each working day with the working hours, and walks
    forward day by day to place the response and resolution deadlines — the same four numbers
    the SLA stage gives per ticket. Returns the number of tickets timed."""
    spec = config.calendars["default"]
    policy = config.sla["standard"]
    zone = ZoneInfo(spec.timezone)
    rows = con.execute(
        """
        SELECT created_at, coalesce(first_response_at, resolved_at, ?), coalesce(resolved_at, ?),
               channel, task_type
        FROM tickets ORDER BY ticket_id LIMIT ?
        """,
        [as_of, as_of, sample],
    ).fetchall()
    first = min(row[0] for row in rows).astimezone(zone).date() - timedelta(days=1)
    last = max(row[2] for row in rows).astimezone(zone).date() + timedelta(days=366)
    holidays = {day.item() for day in _peer_days_off(spec, first, last)}
    hours = {day: spec.hours for day in spec.workdays}
    for created, answered, resolved, channel, task_type in rows:
        start = created.astimezone(zone).replace(tzinfo=None)
        _peer_elapsed(start, answered.astimezone(zone).replace(tzinfo=None), hours, holidays)
        _peer_elapsed(start, resolved.astimezone(zone).replace(tzinfo=None), hours, holidays)
        response = policy.first_response_min.get(channel, 0) * 60
        resolution = policy.resolution_min.get(task_type, 0) * 60
        _peer_deadline(start, response, hours, holidays)
        _peer_deadline(start, resolution, hours, holidays)
    return len(rows)


def _peer_days_off(spec: CalendarSpec, first: date, last: date) -> list[Any]:
    import numpy as np

    every_day = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    working = set(working_dates(spec, first, last).tolist())
    return [day for day in every_day if day.item() not in working and day.item().weekday() in spec.workdays]


def _peer_elapsed(
    start: datetime, end: datetime, hours: dict[int, tuple[tuple[int, int], ...]], holidays: set[date]
) -> float:
    """Working seconds between two local datetimes, walking the days in between."""
    if start >= end:
        return 0.0
    total = 0.0
    day = start.date()
    while day <= end.date():
        if day not in holidays and day.weekday() in hours:
            for begin, finish in hours[day.weekday()]:
                opens = datetime.combine(day, datetime.min.time()) + timedelta(minutes=begin)
                closes = datetime.combine(day, datetime.min.time()) + timedelta(minutes=finish)
                overlap = (min(closes, end) - max(opens, start)).total_seconds()
                total += max(overlap, 0.0)
        day += timedelta(days=1)
    return total


def _peer_deadline(
    start: datetime, seconds: float, hours: dict[int, tuple[tuple[int, int], ...]], holidays: set[date]
) -> datetime:
    """Walk forward from `start`, day by day, until `seconds` of working time are used."""
    result, remaining = start, seconds
    for _ in range(3660):
        if remaining <= 0:
            break
        day = result.date()
        midnight = datetime.combine(day, datetime.min.time())
        if day in holidays or day.weekday() not in hours:
            result = midnight + timedelta(days=1)
            continue
        for begin, finish in hours[day.weekday()]:
            opens = max(midnight + timedelta(minutes=begin), result)
            closes = midnight + timedelta(minutes=finish)
            available = (closes - opens).total_seconds()
            if available <= 0:
                continue
            used = min(available, remaining)
            remaining -= used
            result = opens + timedelta(seconds=used)
            if remaining <= 0:
                break
        else:
            result = midnight + timedelta(days=1)
    return result


def page_timings(db: Path) -> dict[str, float]:
    """Server-side render time of each page (AppTest, warm cache, median of 5), in a child
    process: the dashboard is not imported by pipelines."""
    output = subprocess.run(
        [sys.executable, "-m", "dashboard.bench_pages", "--db", str(db)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "CSPULSE_DB": str(db)},
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def main() -> None:  # pragma: no cover - `python -m pipelines.bench N`
    tickets = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(json.dumps(bench(tickets, progress=lambda m: print(m, file=sys.stderr)), indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()


__all__ = ["bench", "peak_memory", "peer_business_minutes", "scan_floor", "sla_core"]

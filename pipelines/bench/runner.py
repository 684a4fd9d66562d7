"""`cspulse bench`: time the pipeline on generated data and print JSON.

Every stage runs in a fresh process (stages.py), which reports its time and its peak resident
memory (VmHWM): no stage is measured over a buffer pool or a heap another stage filled.

Stages, on N generated tickets (status history for a share of them):
- ingest: the tickets CSV (uncompressed) through validation into staging -> ingest_rows_per_s;
  beside it two floors no ingest can beat: DuckDB alone reading the CSV into a table of text
  (ingest_read_floor_s), and reading it with its own type detection straight into a table in the
  warehouse file, nothing validated (ingest_write_floor_s, the typed-load floor);
- build: every model, then the snapshot publish, in one fresh process -> sla_s (the
  preparation and every model the SLA marts need, staging -> marts), snapshot_s,
  sla_and_publish_s (the two), build_s (every model of the build and the publish),
  build_peak_rss_mb;
- scan floor (fair): the reads the SLA stage makes — per ticket its event count and last event
  instant, the join to tickets and accounts, the grouping at sla_compliance_monthly's grain —
  and nothing else -> scan_floor_s. The floor this bench used before also counted distinct
  event values per ticket, which the SLA stage never computes; it is kept, labelled, as
  scan_floor_with_distinct_s;
- peer: business time written the way Frappe Helpdesk does it (per ticket, walk the days and
  intersect each with the working hours), on a 100k-ticket subset -> peer_rows_per_s;
- core: the peer's four clocks per ticket done the engine's way (grid lookups in DuckDB) on
  all N tickets -> sla_core_s. Peer and core are timed alike: inputs fetched before the clock,
  one warm-up run, the median of three;
- pages: each dashboard page rendered server-side (AppTest, warm cache, median of 5) -> page_ms.

The machine's load average is recorded beside the figures (`load_average`). Speed targets are
measured here, never asserted in tests.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from metrics.calendar import CalendarSpec, working_dates
from pipelines.config import Config

Progress = Callable[[str], None]
PEER_SAMPLE = 100_000


def in_fresh_process(stage: str, **arguments: Any) -> dict[str, Any]:
    """Run one stage of stages.py in a child process; its JSON report."""
    output = subprocess.run(
        [sys.executable, "-m", "pipelines.bench.stages", stage, json.dumps(arguments, default=str)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def bench(
    tickets: int, progress: Progress | None = None, keep: Path | None = None, sla_only: bool = False
) -> dict[str, Any]:
    """Run every stage on `tickets` generated tickets; the JSON-ready result. With `sla_only`
    the build makes only the SLA marts (then publishes), and the pages are not timed (the
    others' marts are not there): the 10M-ticket run of the SLA stage and its publish, which
    a whole build cannot give on this machine (resolution_deltas' exact bootstrap alone would
    run for hours at 10M tickets, docs/bench.md)."""
    say = progress or (lambda message: None)
    workdir = keep or Path(tempfile.mkdtemp(prefix="cspulse-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        return _bench(tickets, workdir, say, sla_only)
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


def bench_accounts(tickets: int) -> int:
    """The bench's accounts: one per 2,000 tickets, at least 60."""
    return max(60, tickets // 2_000)


def generate_ticket_exports(workdir: Path, tickets: int, say: Progress) -> tuple[Path, Path]:
    """The bench's exports in `workdir/exports`, and the tickets file unzipped beside them:
    ingest is timed on plain CSV."""
    exports = workdir / "exports"
    accounts = bench_accounts(tickets)
    say(f"generating {tickets:,} tickets for {accounts:,} accounts")
    subprocess.run(
        [sys.executable, "-m", "pipelines", "generate", "--out", str(exports),
         "--accounts", str(accounts), "--tickets", str(tickets)],
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    plain = exports / "tickets.csv"
    with gzip.open(exports / "tickets.csv.gz", "rb") as source, open(plain, "wb") as target:
        shutil.copyfileobj(source, target, 1 << 22)
    return exports, plain


def _bench(tickets: int, workdir: Path, say: Progress, sla_only: bool = False) -> dict[str, Any]:
    exports, plain = generate_ticket_exports(workdir, tickets, say)
    accounts = bench_accounts(tickets)
    db = str(workdir / "bench.duckdb")
    load_before = os.getloadavg()
    reference = [str(exports / "accounts.csv"), str(exports / "account_modules.csv")]
    in_fresh_process("ingest", db=db, files=reference)
    say("ingest: tickets.csv")
    ingest = in_fresh_process("ingest", db=db, files=[str(plain)])
    say("ingest floors")
    read_floor = in_fresh_process("read_floor", db=db, path=str(plain))
    write_floor = in_fresh_process("write_floor", db=db, path=str(plain))
    say("ingest: ticket events")
    in_fresh_process("ingest", db=db, files=[str(exports / "ticket_events.csv.gz")])
    with duckdb.connect(db, read_only=True) as con:
        events = int(con.execute("SELECT count(*) FROM ticket_events").fetchone()[0])  # type: ignore[index]
    say(
        "build (the SLA marts and the publish)"
        if sla_only
        else "build (the SLA stage, then every other model and the publish)"
    )
    built = in_fresh_process("build", db=db, select=sorted(SLA_MARTS) if sla_only else None)
    timings = built["timings"]
    sla_s = sla_stage_s(timings)
    build_s = float(built["seconds"])
    say("scan floors")
    floor = in_fresh_process("scan_floor", db=db, sql=SCAN_FLOOR_SQL)
    floor_with_distinct = in_fresh_process("scan_floor", db=db, sql=SCAN_FLOOR_WITH_DISTINCT_SQL)
    say(f"peer on {min(PEER_SAMPLE, tickets):,} tickets")
    peer = in_fresh_process("peer", db=db, as_of=built["as_of"], sample=PEER_SAMPLE)
    say("the peer's clocks, the engine's way")
    core = in_fresh_process("core", db=db, as_of=built["as_of"])
    database_mb = Path(db).stat().st_size / 2**20
    pages = {}
    if not sla_only:  # the pages read every mart
        say("dashboard pages")
        pages = page_timings(Path(db))
    ingest_s, rows = float(ingest["seconds"]), int(ingest["rows_read"])
    peer_rate = peer["rows"] / peer["seconds"]
    core_rate = core["rows"] / core["seconds"]
    return {
        "tickets": tickets,
        "ticket_events": events,
        "accounts": accounts,
        "ingest_s": round(ingest_s, 3),
        "ingest_rows": rows,
        "ingest_rows_per_s": round(rows / ingest_s),
        "ingest_read_floor_s": round(read_floor["seconds"], 3),
        "ingest_write_floor_s": round(write_floor["seconds"], 3),
        "ingest_write_floor_rows_per_s": round(rows / write_floor["seconds"]),
        "ingest_vs_write_floor": round(write_floor["seconds"] / ingest_s, 2),
        "ingest_peak_rss_mb": ingest["peak_rss_mb"],
        "sla_s": round(sla_s, 3),
        "sla_rows_per_s": round(tickets / sla_s),
        "scan_floor_s": round(floor["seconds"], 3),
        "sla_vs_floor": round(sla_s / floor["seconds"], 2),
        "scan_floor_with_distinct_s": round(floor_with_distinct["seconds"], 3),
        "sla_vs_floor_with_distinct": round(sla_s / floor_with_distinct["seconds"], 2),
        "scan_floor_peak_rss_mb": floor["peak_rss_mb"],
        "build_s": round(build_s, 3),
        "snapshot_s": timings["snapshot_s"],
        # the "build + publish": the SLA stage and the snapshot publish
        "sla_and_publish_s": round(sla_s + float(timings["snapshot_s"]), 3),
        "build_peak_rss_mb": built["peak_rss_mb"],
        "peer_rows": peer["rows"],
        "peer_s": round(peer["seconds"], 3),
        "peer_rows_per_s": round(peer_rate),
        "sla_vs_peer_speedup": round((tickets / sla_s) / peer_rate, 1),
        "sla_core_s": round(core["seconds"], 3),
        "sla_core_rows_per_s": round(core_rate),
        "core_vs_peer_speedup": round(core_rate / peer_rate, 1),
        "timed_alike": "peer and core: inputs fetched untimed, 1 warm-up, median of 3",
        "warehouse_mb": round(database_mb),
        "build_timings_s": timings,
        "page_ms": pages,
        "build_scope": "the SLA marts" if sla_only else "every mart",
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "cpu_count": os.cpu_count(),
        "duckdb": duckdb.__version__,
    }


SLA_MARTS = {"sla_tickets", "sla_compliance_monthly", "account_summary"}


def sla_stage_s(timings: dict[str, float]) -> float:
    """The SLA stage's time out of a build's timings: the preparation (policies, grid), every
    model the SLA marts need, the marts, and any growth of the grid for late deadlines."""
    from pipelines.build import dag

    models = dag.all_models()
    needed = dag.upstream(models, SLA_MARTS)
    parts = ["prepare_s", "grid_growth_s", *sorted(needed)]
    return round(sum(float(timings.get(name, 0.0)) for name in parts), 3)


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

# The fair floor: what the SLA stage reads, at the monthly mart's grain, and nothing else.
SCAN_FLOOR_SQL = """
    WITH events_per_ticket AS (
        SELECT ticket_id, count(*) AS events, max("at") AS last_at
        FROM ticket_events GROUP BY ticket_id
    )
    SELECT date_trunc('month', tickets.created_at) AS month, tickets.account_id,
           accounts.cs_manager, tickets.channel, tickets.task_type,
           count(*), count(tickets.first_response_at), count(tickets.resolved_at),
           count(tickets.closed_at), count(tickets.due_at), count(tickets.due_date),
           sum(tickets.subtasks), sum(events_per_ticket.events), max(events_per_ticket.last_at)
    FROM tickets
    LEFT JOIN accounts USING (account_id)
    LEFT JOIN events_per_ticket USING (ticket_id)
    GROUP BY ALL
"""

# The floor this bench reported before: also distinct event values per ticket (which the SLA
# stage never computes, and which grows faster than linearly under the memory cap). Labelled.
SCAN_FLOOR_WITH_DISTINCT_SQL = """
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


def scan_floor(con: duckdb.DuckDBPyConnection, sql: str = SCAN_FLOOR_SQL) -> int:
    """Read the ticket and event columns the SLA stage reads, aggregate them at the monthly
    mart's grain, and nothing else: the least any SLA engine must pay."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE scan_floor AS {sql}")
    return int(con.execute("SELECT count(*) FROM scan_floor").fetchone()[0])  # type: ignore[index]


def prepare_core(con: duckdb.DuckDBPyConnection, config: Config, as_of: datetime) -> None:
    """What sla_core reads, made in this connection as the build makes it: the session, the
    policy tables and the grid, and the models up to int_ticket_policies."""
    from pipelines.build import dag
    from pipelines.build.inputs import Prepared
    from pipelines.build.runner import Run, start_session

    start_session(con, config, as_of)
    prepared = Prepared.for_build(con, config, as_of)
    run = Run(con, config, as_of, prepared, private=True)
    models = dag.all_models()
    for name in dag.select(models, ["int_ticket_policies"]):
        run.model(models[name])


@dataclass(frozen=True)
class PeerInputs:
    """What the peer reads before its clock starts: the tickets (fetched from DuckDB), the
    calendar's days off and hours, the targets — as the engine's grid is prepared untimed."""

    rows: list[tuple[Any, ...]]
    zone: ZoneInfo
    holidays: set[date]
    hours: dict[int, tuple[tuple[int, int], ...]]
    response_min: dict[str, float]
    resolution_min: dict[str, float]


def peer_inputs(con: duckdb.DuckDBPyConnection, config: Config, as_of: datetime, sample: int) -> PeerInputs:
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
    return PeerInputs(
        rows, zone, holidays, hours, dict(policy.first_response_min), dict(policy.resolution_min)
    )


def peer_business_minutes(inputs: PeerInputs) -> int:
    """The peer: SLA clocks computed the way Frappe Helpdesk computes them, one ticket at a
    time in Python. For each ticket it walks the days from creation to the response and to
    the resolution (or as-of), intersecting each working day with the working hours, and walks
    forward day by day to place the response and resolution deadlines — the same four numbers
    the SLA stage gives per ticket. Returns the number of tickets timed."""
    zone, hours, holidays = inputs.zone, inputs.hours, inputs.holidays
    for created, answered, resolved, channel, task_type in inputs.rows:
        start = created.astimezone(zone).replace(tzinfo=None)
        _peer_elapsed(start, answered.astimezone(zone).replace(tzinfo=None), hours, holidays)
        _peer_elapsed(start, resolved.astimezone(zone).replace(tzinfo=None), hours, holidays)
        response = inputs.response_min.get(channel, 0) * 60
        resolution = inputs.resolution_min.get(task_type, 0) * 60
        _peer_deadline(start, response, hours, holidays)
        _peer_deadline(start, resolution, hours, holidays)
    return len(inputs.rows)


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


__all__ = ["bench", "in_fresh_process", "peer_business_minutes", "peer_inputs", "scan_floor", "sla_core"]

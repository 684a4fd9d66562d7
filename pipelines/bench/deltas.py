"""`cspulse bench --only deltas`: the resolution_deltas mart on the ticket bench warehouse
(issue 10's benchmark keys).

- deltas_floor_s: DuckDB reading the resolved tickets' resolution minutes and grouping them by
  the keys the mart compares (tier, task type, cs_manager, reassignment group), nothing else;
- deltas_s: int_resolved_tickets and resolution_deltas as the build runs them, bootstrap
  included; deltas_bootstrap_s: the part of it spent in the bootstrap intervals;
- deltas_bootstrap_draw_floor_s: what numpy needs just to draw DESIGN's resample indices for
  every row (1,000 × n_a, then 1,000 × n_b, from default_rng(0)), nothing done with them: the
  least any exact implementation of the recipe pays. Drawn for DRAW_SHARE of the resamples
  and scaled (the cost is linear in the indices drawn); deltas_bootstrap_indices counts them.

Speed targets are reported beside their floors, never asserted in tests.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from metrics.deltas import resolution_deltas as deltas_module
from pipelines.bench.runner import generate_ticket_exports
from pipelines.build import dag
from pipelines.build.inputs import Prepared, latest_timestamp
from pipelines.build.runner import Run, start_session
from pipelines.config import load_config
from pipelines.ingest import ingest_files
from pipelines.warehouse import connect

Progress = Any
DRAW_SHARE = 0.1  # the draw floor draws this share of the 1,000 resamples, then scales
TARGETS = {"deltas_vs_floor": 5.0, "deltas_bootstrap_s": 10.0}

DELTAS_FLOOR_SQL = """
    CREATE OR REPLACE TEMP TABLE deltas_floor AS
    SELECT tier, task_type, cs_manager, least(coalesce(reassignments, 0), 2) AS reassignment_group,
           count(*) AS n, sum(resolution_business_min) AS total_min,
           min(resolution_business_min) AS fastest_min, max(resolution_business_min) AS slowest_min
    FROM sla_tickets
    WHERE is_resolved AND resolution_business_min IS NOT NULL
    GROUP BY ALL
"""


def bench_deltas(tickets: int, progress: Progress | None = None, keep: Path | None = None) -> dict[str, Any]:
    """Generate `tickets` tickets, build the SLA marts, time the deltas; JSON-ready."""
    say = progress or (lambda message: None)
    workdir = keep or Path(tempfile.mkdtemp(prefix="cspulse-bench-deltas-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        db = prepare_ticket_warehouse(workdir, tickets, say)
        con = connect(db)
        try:
            return {"tickets": tickets, **measure_deltas(con, say)}
        finally:
            con.close()
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


def prepare_ticket_warehouse(workdir: Path, tickets: int, say: Progress) -> Path:
    """The ticket bench's warehouse (the same generator call as `cspulse bench`), its SLA marts built."""
    config = load_config(None)
    exports, plain = generate_ticket_exports(workdir, tickets, say)
    db = workdir / "bench.duckdb"
    con = connect(db)
    try:
        say("ingest")
        ingest_files(con, [exports / "accounts.csv", exports / "account_modules.csv", plain], config)
        ingest_files(con, [exports / "ticket_events.csv.gz"], config)
        moment = latest_timestamp(con)
        say("sla models")
        models = dag.all_models()
        start_session(con, config, moment)
        run = Run(con, config, moment, Prepared.for_build(con, config, moment))
        for name in dag.select(models, ["sla_tickets"]):
            run.model(models[name])
        con.execute("CREATE OR REPLACE TABLE bench_as_of AS SELECT getvariable('as_of') AS as_of")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return db


def measure_deltas(con: duckdb.DuckDBPyConnection, say: Progress) -> dict[str, Any]:
    """Floor, the deltas models, the bootstrap's share and its draw floor, on a warehouse whose
    sla_tickets is built."""
    config = load_config(None)
    row = con.execute("SELECT as_of FROM bench_as_of").fetchone()
    assert row is not None
    moment = row[0]
    models = dag.all_models()
    start_session(con, config, moment)
    con.execute("SET preserve_insertion_order = false")
    run = Run(con, config, moment, Prepared.for_build(con, config, moment))
    say("deltas floor")
    started, cpu = time.perf_counter(), _cpu_s()
    con.execute(DELTAS_FLOOR_SQL)
    floor_s, floor_cpu = time.perf_counter() - started, _cpu_s() - cpu
    say("deltas models (the bootstrap included)")
    sizes: list[tuple[int, int]] = []
    spent = [0.0, 0.0]  # wall, CPU
    original = deltas_module.bootstrap_interval

    def timed_bootstrap(a: np.ndarray, b: np.ndarray) -> tuple[float | None, float | None]:
        began, cpu_began = time.perf_counter(), _cpu_s()
        try:
            return original(a, b)
        finally:
            spent[0] += time.perf_counter() - began
            spent[1] += _cpu_s() - cpu_began
            if len(a) >= 2 and len(b) >= 2:
                sizes.append((len(a), len(b)))

    deltas_module.bootstrap_interval = timed_bootstrap
    timings: dict[str, float] = {}
    try:
        started, cpu = time.perf_counter(), _cpu_s()
        for name in ("int_resolved_tickets", "resolution_deltas"):
            began = time.perf_counter()
            run.model(models[name])
            timings[name] = round(time.perf_counter() - began, 3)
        deltas_s, deltas_cpu = time.perf_counter() - started, _cpu_s() - cpu
    finally:
        deltas_module.bootstrap_interval = original
    say("bootstrap draw floor")
    cpu = _cpu_s()
    draw_s = bootstrap_draw_floor(sizes)
    draw_cpu = (_cpu_s() - cpu) / DRAW_SHARE
    indices = deltas_module.RESAMPLES * sum(a + b for a, b in sizes)
    resolved = con.execute("SELECT count(*) FROM int_resolved_tickets").fetchone()
    rows = con.execute("SELECT count(*) FROM resolution_deltas").fetchone()
    return {
        "resolved_tickets": int(resolved[0]) if resolved else 0,
        "deltas_rows": int(rows[0]) if rows else 0,
        "deltas_floor_s": round(floor_s, 3),
        "deltas_s": round(deltas_s, 3),
        "deltas_vs_floor": round(deltas_s / floor_s, 1),
        "deltas_without_bootstrap_s": round(deltas_s - spent[0], 3),
        "deltas_without_bootstrap_vs_floor": round((deltas_s - spent[0]) / floor_s, 1),
        "deltas_bootstrap_s": round(spent[0], 3),
        "deltas_bootstrap_rows": len(sizes),
        "deltas_bootstrap_indices": indices,
        "deltas_bootstrap_draw_floor_s": round(draw_s, 3),
        "deltas_bootstrap_vs_draw_floor": round(spent[0] / draw_s, 2) if draw_s else None,
        "draw_floor_share_drawn": DRAW_SHARE,
        "model_timings_s": timings,
        # CPU seconds (all threads) of each timed part: the work done, whatever the load.
        "cpu_s": {
            "deltas_floor": round(floor_cpu, 2),
            "deltas": round(deltas_cpu, 2),
            "deltas_bootstrap": round(spent[1], 2),
            "deltas_bootstrap_draw_floor": round(draw_cpu, 2),
        },
        "targets": TARGETS,
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg(),
        "duckdb": duckdb.__version__,
        "numpy": np.__version__,
    }


def _cpu_s() -> float:
    times = os.times()
    return times.user + times.system


def bootstrap_draw_floor(sizes: list[tuple[int, int]], share: float = DRAW_SHARE) -> float:
    """Seconds numpy takes to draw the bootstrap's indices for rows of these (n_a, n_b): each
    side's (resamples × n) integers from default_rng(0), in the mart's chunks, nothing else.
    `share` of the resamples are drawn and the time scaled (it is linear in the count)."""
    resamples = max(1, round(deltas_module.RESAMPLES * share))
    started = time.perf_counter()
    for n_a, n_b in sizes:
        rng = np.random.default_rng(0)
        for n in (n_a, n_b):
            rows = max(1, deltas_module.CHUNK_DRAWS // n)
            for start in range(0, resamples, rows):
                rng.integers(0, n, size=(min(rows, resamples - start), n))
    return (time.perf_counter() - started) * deltas_module.RESAMPLES / resamples


__all__ = ["bench_deltas", "bootstrap_draw_floor", "measure_deltas", "prepare_ticket_warehouse"]

"""`cspulse bench --only usage`: the adoption and health marts on a year of daily usage, and the
events → daily rollup (issue 9's benchmark keys).

Data, generated vectorised (numpy → Arrow → DuckDB, no CSV): the generator's accounts
(`_make_accounts`: trends, churn, seats), 20 modules per account (the generator's 8 and 12 more),
one `usage_daily` row per account × module × local date for the 365 dates before as-of
(N × 20 × 365 rows, written date by date as daily exports arrive), and, in a database of their
own, `events_per_account` user-level events per account for the rollup.

Stages, each timed in a fresh child process (so its peak memory, VmHWM, is the stage's own):
- usage_scan_floor_s: DuckDB reading every column of usage_daily and grouping by account ×
  module, nothing else;
- adoption_s: the models adoption_gaps needs (staging views, windows, module and account usage,
  the mart);
- health_s: what account_health, account_health_monthly (12 month ends, each a full run as of
  then) and health_backtest add on top (the support models run on no tickets);
- usage_rollup_*: the ingest's events → daily rollup (pipelines.ingest.usage_rollup, which runs
  the usage stage's SQL) over every event, with DuckDB capped at 2 GB.

Speed targets are reported beside their floors, never asserted in tests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from pipelines.build import dag
from pipelines.build.inputs import Prepared
from pipelines.build.runner import Run, start_session
from pipelines.config import load_config
from pipelines.generate import generator
from pipelines.schemas import staging_ddl
from pipelines.warehouse import connect, quiet_progress

Progress = Any
MODULES = (*generator.MODULES, *(f"module_{k:02d}" for k in range(9, 21)))  # 20 modules
DAYS = 365
EVENTS_PER_ACCOUNT = 10_000  # 100M events at 10,000 accounts
DAY_BLOCK = 30  # dates of usage_daily generated at a time
EVENT_CHUNK = 5_000_000
ROLLUP_MEMORY = "2GB"
ADOPTION_MART = "adoption_gaps"
HEALTH_MARTS = ("account_health", "account_health_monthly", "health_backtest")
TARGETS = {"adoption_vs_floor": 1.5, "health_vs_floor": 3.0, "usage_rollup_events_per_s": 4_000_000,
           "peak_rss_mib": 4096}  # fmt: skip


def _ratio(part: float, whole: float, digits: int) -> float | None:
    """part / whole rounded; None when `whole` is 0 (a tiny run's CPU time rounds to nothing)."""
    return round(part / whole, digits) if whole else None


def as_of() -> datetime:
    """The bench's as-of: the generator's export instant (its usage ends the day before)."""
    return generator.DEFAULT_END


def bench_usage(
    accounts: int,
    events_per_account: int = EVENTS_PER_ACCOUNT,
    progress: Progress | None = None,
    keep: Path | None = None,
) -> dict[str, Any]:
    """Generate the usage warehouse for `accounts` accounts, time each stage; JSON-ready."""
    say = progress or (lambda message: None)
    workdir = keep or Path(tempfile.mkdtemp(prefix="cspulse-bench-usage-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        db, events_db = workdir / "usage.duckdb", workdir / "events.duckdb"
        say(f"generating {accounts:,} accounts × {len(MODULES)} modules × {DAYS} days")
        started = time.perf_counter()
        rows, events = generate_usage(db, events_db, accounts, events_per_account)
        generate_s = time.perf_counter() - started
        say("usage scan floor")
        floor = _child("floor", db)
        say("adoption and health models")
        build = _child("build", db)
        say(f"events → daily rollup of {events:,} events")
        rollup = _child("rollup", events_db)
        result: dict[str, Any] = {
            "accounts": accounts,
            "modules": len(MODULES),
            "days": DAYS,
            "usage_daily_rows": rows,
            "usage_events": events,
            "generate_s": round(generate_s, 1),
            "usage_scan_floor_s": floor["seconds"],
            "adoption_s": build["adoption_s"],
            "health_s": build["health_s"],
            "adoption_vs_floor": _ratio(build["adoption_s"], floor["seconds"], 2),
            "health_vs_floor": _ratio(build["health_s"], floor["seconds"], 2),
            "usage_rollup_s": rollup["seconds"],
            "usage_rollup_events_per_s": round(events / rollup["seconds"]) if events else None,
            "usage_rollup_rows": rollup["rows"],
            # CPU seconds (all threads) of each timed part: the work done, whatever the load.
            "cpu_s": {
                "usage_scan_floor": floor["stage_cpu_s"],
                "adoption": build["cpu"]["adoption"],
                "health": build["cpu"]["health"],
                "usage_rollup": rollup["stage_cpu_s"],
            },
            "adoption_vs_floor_cpu": _ratio(build["cpu"]["adoption"], floor["stage_cpu_s"], 2),
            "health_vs_floor_cpu": _ratio(build["cpu"]["health"], floor["stage_cpu_s"], 2),
            "usage_rollup_events_per_cpu_s": (
                round(events / rollup["stage_cpu_s"]) if events and rollup["stage_cpu_s"] else None
            ),
            "usage_rollup_peak_rss_mib": rollup["peak_rss_mib"],
            "peak_rss_mib": build["peak_rss_mib"],
            "floor_peak_rss_mib": floor["peak_rss_mib"],
            "model_timings_s": build["timings"],
            "targets": TARGETS,
            "memory_limit": os.environ.get("CSPULSE_MEMORY_LIMIT", "2GB"),
            "rollup_memory_limit": ROLLUP_MEMORY,
            "cpu_count": os.cpu_count(),
            "load_average": os.getloadavg(),
            "duckdb": duckdb.__version__,
        }
        return result
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


def _child(stage: str, db: Path) -> dict[str, Any]:
    """One stage in a fresh process: its timings and its own peak memory."""
    output = subprocess.run(
        [sys.executable, "-m", "pipelines.bench.usage", stage, str(db)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


# --- data ------------------------------------------------------------------------------------


def generate_usage(db: Path, events_db: Path, accounts: int, events_per_account: int) -> tuple[int, int]:
    """Write the bench warehouse (accounts, modules, usage_daily) and the events database."""
    rng = np.random.default_rng(9)
    end = as_of()
    period = generator._Period.of(end, 18)
    crm = generator._make_accounts(rng, accounts, period)
    modules = generator._make_modules(rng, crm, period)  # sets crm.mrr; the first 8 modules
    paid, share = _twenty_modules(rng, modules)
    con = connect(db)
    try:
        accounts_table = generator._accounts_table(crm)
        con.register("bench_accounts", accounts_table)
        con.execute("INSERT INTO accounts BY NAME SELECT *, false AS is_placeholder FROM bench_accounts")
        con.unregister("bench_accounts")
        since = np.broadcast_to(crm.contract_start[:, None], paid.shape)
        account, module = np.nonzero(paid | (share > 0))
        modules_table = pa.table(
            {
                "account_id": pa.array(crm.ids).take(pa.array(account)),
                "module": pa.array(MODULES).take(pa.array(module)),
                "paid": paid[account, module],
                "since": pa.array(since[account, module], pa.date32()),
            }
        )
        con.register("bench_modules", modules_table)
        con.execute("INSERT INTO account_modules BY NAME SELECT * FROM bench_modules")
        con.unregister("bench_modules")
        last = np.datetime64(end.astimezone(generator.ZoneInfo(generator.EXPORT_TZ)).date(), "D") - 1
        days = np.arange(last - DAYS + 1, last + 1)
        users = _daily_users(rng, crm, days)
        ids = pa.array(crm.ids)
        rows = 0
        for first in range(0, DAYS, DAY_BLOCK):
            block = slice(first, min(DAYS, first + DAY_BLOCK))
            block_rows = _usage_rows(rng, users[:, block], share, days[block], ids)
            con.register("bench_usage", block_rows)
            con.execute("INSERT INTO usage_daily BY NAME SELECT * FROM bench_usage")
            con.unregister("bench_usage")
            rows += block_rows.num_rows
        con.execute("CHECKPOINT")
    finally:
        con.close()
    events = _write_events(events_db, rng, crm, share, days, accounts * events_per_account)
    return rows, events


def _twenty_modules(rng: np.random.Generator, modules: Any) -> tuple[np.ndarray, np.ndarray]:
    """Paid flags and user shares of 20 modules: the generator's 8, then 12 more drawn alike
    (a fifth paid; of those 18 % unused, 15 % used by a few; a few unpaid ones tried)."""
    n, extra = modules.paid.shape[0], len(MODULES) - len(generator.MODULES)
    paid = rng.random((n, extra)) < 0.2
    kind = rng.random((n, extra))
    few, most = rng.uniform(0.03, 0.14, (n, extra)), rng.uniform(0.3, 0.95, (n, extra))
    share = np.select([kind < 0.18, kind < 0.33], [0.0, few], most)
    tried = ~paid & (rng.random((n, extra)) < 0.05)
    share = np.where(paid, share, np.where(tried, rng.uniform(0.05, 0.3, (n, extra)), 0.0))
    return np.hstack([modules.paid, paid]), np.hstack([modules.share, share])


def _daily_users(rng: np.random.Generator, crm: Any, days: np.ndarray) -> np.ndarray:
    """Active users of each account on each date (accounts × days): weekends low, the
    generator's trends (growing, declining in the last weeks, fading before churn)."""
    day = days.astype(np.int64)[None, :]
    n = crm.active.size
    weekday = ((day + 3) % 7) < 5  # 1970-01-01 was a Thursday
    level = np.ones((n, days.size))
    progress = np.linspace(0.0, 1.0, days.size)[None, :]
    trend = crm.trend[:, None]
    level = np.where(trend == generator.GROWING, 0.7 + 0.3 * progress, level)
    level = np.where(
        trend == generator.DECLINING, np.clip(1.0 - (day - day[0, -1] + 60) / 120, 0.5, 1.0), level
    )
    churn = crm.churn_day.astype(np.int64)[:, None]
    fading = np.clip((churn - day) / 75, 0.08, 1.0)
    level = np.where(trend == generator.CHURNED, np.where(day < churn, fading, 0.0), level)
    level = np.where(day < crm.contract_start.astype(np.int64)[:, None], 0.0, level)
    return crm.active[:, None] * level * np.where(weekday, 1.0, 0.12) * rng.lognormal(0, 0.08, level.shape)


def _usage_rows(
    rng: np.random.Generator, users: np.ndarray, share: np.ndarray, days: np.ndarray, ids: pa.Array
) -> pa.Table:
    """usage_daily rows of a block of dates, date by date (accounts, then modules, within)."""
    n, n_days, m = users.shape[0], users.shape[1], share.shape[1]
    active = np.round(users.T[:, :, None] * share[None, :, :] * rng.lognormal(0, 0.12, (n_days, n, m)))
    active = active.astype(np.int64)
    rate = np.resize(generator.MODULE_EVENT_RATE, m)[None, None, :] * rng.lognormal(0, 0.3, active.shape)
    events = np.maximum(active, np.round(active * rate)).astype(np.int64)
    d, a, k = (x.ravel() for x in np.indices((n_days, n, m), dtype=np.int32))
    return pa.table(
        {
            "date": pa.array(days[d], pa.date32()),
            "account_id": pa.DictionaryArray.from_arrays(pa.array(a), ids),
            "module": pa.DictionaryArray.from_arrays(pa.array(k.astype(np.int8)), pa.array(MODULES)),
            "active_users": active.ravel(),
            "events": events.ravel(),
        }
    )


def _write_events(
    db: Path, rng: np.random.Generator, crm: Any, share: np.ndarray, days: np.ndarray, total: int
) -> int:
    """`total` user-level events: user-days (a random account, a module by its users' share, one
    of its users, a random date of the year), each with 1 + Poisson(rate - 1) events at random
    moments of that local (Moscow) day, the module's rate from the generator's events per
    user-day."""
    n = crm.active.size
    width = max(4, len(str(int(crm.active.max()))))
    first_user = np.concatenate([[0], np.cumsum(crm.active)])
    names = [f"{crm.ids[a]}-U{k + 1:0{width}d}" for a in range(n) for k in range(int(crm.active[a]))]
    user_names = pa.array(names)
    weights = share + 1e-3  # every module has some use
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    rate = np.resize(generator.MODULE_EVENT_RATE, share.shape[1])
    midnights = generator._midnight(days).astype(np.int64)
    con = duckdb.connect(str(db))
    quiet_progress(con)
    try:
        con.execute(staging_ddl("usage_events"))
        written = 0
        while written < total:
            user_days = max(1, int(min(EVENT_CHUNK, total - written) / rate.mean()))
            account = rng.integers(0, n, user_days)
            module = (rng.random(user_days)[:, None] > cumulative[account]).sum(axis=1)
            module = np.minimum(module, share.shape[1] - 1)
            user = first_user[account] + (rng.random(user_days) * crm.active[account]).astype(np.int64)
            day = rng.integers(0, days.size, user_days)
            count = 1 + rng.poisson(rate[module] - 1)
            keep = min(int(count.sum()), total - written)
            account, module, user, day = (np.repeat(x, count)[:keep] for x in (account, module, user, day))
            size = keep
            at = midnights[day] + rng.integers(0, generator.DAY, size)
            chunk = pa.table(
                {
                    "account_id": pa.DictionaryArray.from_arrays(
                        pa.array(account.astype(np.int32)), pa.array(crm.ids)
                    ),
                    "user_id": pa.DictionaryArray.from_arrays(pa.array(user.astype(np.int32)), user_names),
                    "module": pa.DictionaryArray.from_arrays(
                        pa.array(module.astype(np.int8)), pa.array(MODULES)
                    ),
                    "at": pa.array(at * 1_000_000, pa.timestamp("us", tz="UTC")),
                }
            )
            con.register("bench_events", chunk)
            con.execute("INSERT INTO usage_events BY NAME SELECT * FROM bench_events")
            con.unregister("bench_events")
            written += size
        con.execute(staging_ddl("usage_daily"))
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return written


# --- stages (each in its own process) --------------------------------------------------------


def _peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM), MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


USAGE_SCAN_FLOOR_SQL = """
    CREATE OR REPLACE TEMP TABLE usage_scan_floor AS
    SELECT account_id, module, count(*) AS days, min(date) AS first_date, max(date) AS last_date,
           sum(active_users) AS user_days, max(active_users) AS most_users, sum(events) AS events
    FROM usage_daily
    GROUP BY account_id, module
"""


def scan_floor(con: duckdb.DuckDBPyConnection) -> tuple[float, float]:
    """Read every column of usage_daily, group by account × module: what any adoption build
    must at least pay to see the year's usage. Wall and CPU seconds."""
    con.execute("SET preserve_insertion_order = false")
    started, cpu = time.perf_counter(), _cpu_s()
    con.execute(USAGE_SCAN_FLOOR_SQL)
    return time.perf_counter() - started, _cpu_s() - cpu


def build_usage_marts(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Run the models of adoption_gaps, then what the health marts add; seconds of each."""
    config = load_config(None)
    moment = as_of()
    models = dag.all_models()
    start_session(con, config, moment)
    started = time.perf_counter()
    prepared = Prepared.for_build(con, config, moment)
    run = Run(con, config, moment, prepared)
    timings: dict[str, float] = {"prepare_s": round(time.perf_counter() - started, 3)}

    cpu: dict[str, float] = {}

    def timed(names: list[str]) -> float:
        began, cpu_began = time.perf_counter(), _cpu_s()
        for name in names:
            model_started = time.perf_counter()
            run.model(models[name])
            timings[name] = round(time.perf_counter() - model_started, 3)
        cpu["health" if "adoption" in cpu else "adoption"] = round(_cpu_s() - cpu_began, 2)
        return time.perf_counter() - began

    adoption = dag.select(models, [ADOPTION_MART])
    adoption_s = timed(adoption)
    health = [name for name in dag.select(models, list(HEALTH_MARTS)) if name not in adoption]
    health_s = timed(health)
    return {
        "adoption_s": round(adoption_s, 3),
        "health_s": round(health_s, 3),
        "timings": timings,
        "cpu": cpu,
    }


def rollup(con: duckdb.DuckDBPyConnection) -> tuple[float, float, int]:
    """The ingest's events → daily rollup over every stored event, DuckDB capped at 2 GB."""
    from pipelines.ingest.usage_rollup import roll_up_usage_days

    con.execute(f"SET memory_limit = '{ROLLUP_MEMORY}'")
    con.execute("SET preserve_insertion_order = false")
    config = load_config(None)
    # A first load of every event, as the ingest sees it: all of them incoming.
    con.execute("CREATE OR REPLACE TEMP VIEW incoming AS SELECT * FROM usage_events")
    started, cpu = time.perf_counter(), _cpu_s()
    roll_up_usage_days(con, config.default_timezone)
    seconds, cpu_s = time.perf_counter() - started, _cpu_s() - cpu
    rows = con.execute("SELECT count(*) FROM usage_daily").fetchone()
    return seconds, cpu_s, int(rows[0]) if rows else 0


def _cpu_s() -> float:
    """CPU seconds this process has used (all threads): on a shared machine, beside wall time."""
    times = os.times()
    return round(times.user + times.system, 2)


def _stage(stage: str, db: Path) -> dict[str, Any]:
    result = _stage_result(stage, db)
    return {**result, "cpu_s": _cpu_s(), "peak_rss_mib": _peak_rss_mib()}


def _stage_result(stage: str, db: Path) -> dict[str, Any]:
    if stage == "floor":
        con = connect(db)
        seconds, cpu_s = scan_floor(con)
        con.close()
        return {"seconds": round(seconds, 3), "stage_cpu_s": round(cpu_s, 2)}
    if stage == "build":
        con = connect(db)
        result = build_usage_marts(con)
        con.close()
        return {**result}
    if stage == "rollup":
        con = duckdb.connect(str(db))
        quiet_progress(con)
        seconds, cpu_s, rows = rollup(con)
        con.close()
        return {"seconds": round(seconds, 3), "stage_cpu_s": round(cpu_s, 2), "rows": rows}
    raise SystemExit(f"unknown stage {stage!r}")


def main() -> None:  # pragma: no cover - the stages' child processes
    stage, db = sys.argv[1], Path(sys.argv[2])
    print(json.dumps(_stage(stage, db)))


if __name__ == "__main__":  # pragma: no cover
    main()


__all__ = ["bench_usage", "build_usage_marts", "generate_usage", "rollup", "scan_floor"]

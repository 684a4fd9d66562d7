"""`cspulse build`: staging -> intermediate -> marts, as of one instant, then the snapshot.

The SQL models live in `sql/<layer>/<model>.sql`, one model per file, run in the order below;
each file's second line says whether it is a view or a table. The few inputs SQL cannot make
itself come from Python first: the SLA policies of the configuration as small tables, which
calendar judges which account, and the calendars' working-time grid (metrics/calendar.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from metrics.calendar import BusinessClock, CalendarSpec, works_after
from pipelines.config import STANDARD_TIER, Config
from pipelines.warehouse import publish_snapshot

SQL_DIR = Path(__file__).with_name("sql")
MODELS = (
    "staging/stg_accounts",
    "staging/stg_tickets",
    "staging/stg_ticket_events",
    "intermediate/int_account_policies",
    "intermediate/int_ticket_policies",
    "intermediate/int_ticket_events",
    "intermediate/int_ticket_status_changes",
    "intermediate/int_ticket_event_summary",
    "intermediate/int_ticket_resolutions",
    "intermediate/int_ticket_pauses",
    "intermediate/int_ticket_clocks",
    "marts/sla_tickets",
    "marts/sla_compliance_monthly",
    "marts/account_summary",
)
# Models that read the calendar grid: re-run when the grid has to grow for a late deadline.
GRID_MODELS = MODELS[MODELS.index("intermediate/int_ticket_clocks") :]
MARTS = tuple(model.split("/")[1] for model in MODELS if model.startswith("marts/"))
SNAPSHOT_TABLES = (*MARTS, "ingest_runs", "rejected_rows", "build_runs")

Progress = Callable[[str], None]


def model_sql(model: str) -> tuple[str, str]:
    """(SQL text, materialisation) of a model file."""
    text = (SQL_DIR / f"{model}.sql").read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("--")]
    declared = [line.split(":", 1)[1].strip() for line in header if line.startswith("-- materialized:")]
    if len(declared) != 1 or declared[0] not in MATERIALIZATIONS:
        raise ValueError(f"{model}.sql must say how it is kept: '-- materialized: view|temp|table'")
    materialized = declared[0]
    return text, materialized


# How a model is kept: a view or a temporary table (gone with the connection: staging views and
# the intermediate steps), or a table in the warehouse (the marts, part of the contract).
MATERIALIZATIONS = {"view": "TEMP VIEW", "temp": "TEMP TABLE", "table": "TABLE"}


def run_model(con: duckdb.DuckDBPyConnection, model: str) -> None:
    text, materialized = model_sql(model)
    name = model.split("/")[1]
    kind = MATERIALIZATIONS[materialized]
    _drop_other_kinds(con, name, kind)
    # CREATE OR REPLACE: a mart is swapped in one statement, never missing in between.
    con.execute(f"CREATE OR REPLACE {kind} {name} AS\n{text}")


def _drop_other_kinds(con: duckdb.DuckDBPyConnection, name: str, kind: str) -> None:
    """Drop a relation of this name that is not of the kind about to be made (a model whose
    materialisation changed, or a view left by an older version)."""
    wanted = {"TEMP VIEW": ("temp", "VIEW"), "TEMP TABLE": ("temp", "LOCAL TEMPORARY")}.get(
        kind, (None, "BASE TABLE")
    )
    for catalog, kind_found in con.execute(
        "SELECT table_catalog, table_type FROM information_schema.tables WHERE table_name = ?",
        [name],
    ).fetchall():
        if (catalog == "temp", kind_found) == (wanted[0] == "temp", wanted[1]):
            continue
        qualified = f"temp.main.{name}" if catalog == "temp" else f"main.{name}"
        con.execute(f"DROP {'VIEW' if kind_found == 'VIEW' else 'TABLE'} {qualified}")


def latest_timestamp(con: duckdb.DuckDBPyConnection) -> datetime:
    """The latest instant anywhere in the loaded exports (what `demo` builds as of).

    Promised deadlines (`due_at`) are left out: they are promises about the future, not
    moments the exports have seen."""
    row = con.execute(
        """
        SELECT max(instant) FROM (
            SELECT greatest(created_at, first_response_at, resolved_at, closed_at) AS instant
            FROM tickets
            UNION ALL SELECT max("at") FROM ticket_events
            UNION ALL SELECT max("at") FROM usage_events
            UNION ALL SELECT max(churned_at) FROM accounts
        )
        """
    ).fetchone()
    moment = row[0] if row and row[0] else datetime.now(UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class CalendarChoice:
    """The calendar that judges the tickets of one (tier policy, account calendar, timezone)."""

    policy_tier: str
    account_calendar: str | None
    account_timezone: str | None
    label: str
    spec: CalendarSpec
    unknown_calendar: bool = False  # the account names a calendar the configuration lacks


def build(
    con: duckdb.DuckDBPyConnection,
    db: Path,
    config: Config,
    as_of: datetime,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Compute every mart as of `as_of` and publish the dashboard snapshot."""
    say = progress or (lambda message: None)
    started = datetime.now(UTC)
    clock_started = time.perf_counter()
    timings: dict[str, float] = {}
    as_of = as_of.astimezone(UTC).replace(microsecond=0)
    con.execute("SET enable_progress_bar = false")
    # The models need no row order, and keeping it costs memory on millions of rows.
    con.execute("SET preserve_insertion_order = false")
    # The calendar lookups join millions of tickets to a small grid; this optimizer would make
    # the tickets the hash table (6-8x slower and gigabytes of memory). Re-check on upgrades.
    con.execute("SET disabled_optimizers = 'build_side_probe_side'")
    con.execute("SET VARIABLE as_of = CAST(? AS TIMESTAMPTZ)", [as_of])
    con.execute("SET VARIABLE default_timezone = ?", [config.default_timezone])
    con.execute("SET VARIABLE standard_tier = ?", [STANDARD_TIER])
    # No transaction around the models: DuckDB plans tables made inside one as if empty.
    # Each mart is replaced in one statement, and the dashboard snapshot is published only
    # after the last one, so a failed build leaves the dashboard on the previous build.
    say("placeholder accounts")
    placeholders = refresh_placeholder_accounts(con)
    _create_policy_tables(con, config)
    choices = _calendar_choices(con, config)
    specs = sorted({choice.spec for choice in choices}, key=repr)
    _create_calendar_choices(con, choices, specs)
    clock = BusinessClock(specs, *_date_range(con, as_of))
    _create_grid_tables(con, clock)
    _run_sql_file(con, SQL_DIR / "macros.sql")
    timings["prepare_s"] = round(time.perf_counter() - clock_started, 3)
    for model in MODELS:
        say(f"model {model}")
        model_started = time.perf_counter()
        run_model(con, model)
        timings[model.split("/")[1]] = round(time.perf_counter() - model_started, 3)
    clock = _grow_grid_for_deadlines(con, clock, say)
    counts = {mart: _count(con, mart) for mart in MARTS}
    timings["sla_s"] = round(time.perf_counter() - clock_started, 3)
    finished = datetime.now(UTC)
    con.execute(
        "INSERT INTO build_runs SELECT coalesce(max(build_id), 0) + 1, ?, ?, ?, ?, ? FROM build_runs",
        [as_of, config.to_toml(), started, finished, json.dumps(counts)],
    )
    say("publishing the dashboard snapshot")
    snapshot_started = time.perf_counter()
    snapshot = publish_snapshot(con, db, list(SNAPSHOT_TABLES))
    timings["snapshot_s"] = round(time.perf_counter() - snapshot_started, 3)
    return {
        "as_of": as_of.isoformat(),
        "rows": counts,
        "placeholder_accounts": placeholders,
        "calendars": len(specs),
        "unknown_calendars": sorted({c.account_calendar for c in choices if c.unknown_calendar}),
        "grid_bucket_s": clock.step,
        "seconds": round((finished - started).total_seconds(), 3),
        "timings": timings,
        "snapshot": str(snapshot),
    }


def _grow_grid_for_deadlines(
    con: duckdb.DuckDBPyConnection, clock: BusinessClock, say: Progress
) -> BusinessClock:
    """Re-run the clock models on a longer grid while some deadline falls past it."""
    step = timedelta(days=31)
    while _deadlines_past_grid(con, clock):
        say("a deadline lies past the calendar grid: extending it")
        clock = clock.extended_to(clock.first, clock.last + step)
        step *= 2
        _create_grid_tables(con, clock)
        for model in GRID_MODELS:
            run_model(con, model)
    return clock


def _run_sql_file(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    for statement in path.read_text(encoding="utf-8").split(";"):
        if statement.strip() and not all(
            line.strip().startswith("--") or not line.strip() for line in statement.splitlines()
        ):
            con.execute(statement)


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def refresh_placeholder_accounts(con: duckdb.DuckDBPyConnection) -> int:
    """Flagged stand-ins for accounts that tickets name but no accounts export has (yet)."""
    con.execute("DELETE FROM accounts WHERE is_placeholder")
    con.execute(
        """
        INSERT INTO accounts (account_id, tier, paid_seats, active_users, mrr, is_placeholder)
        SELECT DISTINCT account_id, ?, 0, 0, 0, true
        FROM tickets
        WHERE account_id NOT IN (SELECT account_id FROM accounts)
        """,
        [STANDARD_TIER],
    )
    row = con.execute("SELECT count(*) FROM accounts WHERE is_placeholder").fetchone()
    return int(row[0]) if row else 0


def _register(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, Any]) -> None:
    """Create (or replace) a table from column arrays."""
    table = pa.table(columns)
    con.register(f"{name}_arrow", table)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
    finally:
        con.unregister(f"{name}_arrow")


def _create_policy_tables(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """The configuration's SLA policies as tables the models join to."""
    tiers = sorted(config.sla)
    _register(
        con,
        "policy_tiers",
        {
            "tier": tiers,
            "calendar_name": [config.sla[tier].calendar for tier in tiers],
            "at_risk_share": pa.array([config.sla[tier].at_risk_share for tier in tiers], pa.float64()),
        },
    )
    for table, attribute, column in (
        ("policy_response_targets", "first_response_min", "channel"),
        ("policy_resolution_targets", "resolution_min", "task_type"),
    ):
        rows = [
            (tier, name, minutes)
            for tier in tiers
            for name, minutes in getattr(config.sla[tier], attribute).items()
        ]
        _register(con, table, _columns(rows, ("tier", column, "target_min")))
    statuses = [
        (tier, status, status in policy.pause_statuses, status in policy.resolved_statuses)
        for tier, policy in config.sla.items()
        for status in dict.fromkeys(policy.pause_statuses + policy.resolved_statuses)
    ]
    _register(con, "policy_statuses", _columns(statuses, ("tier", "status", "is_pause", "is_resolved")))


def _columns(rows: list[tuple[Any, ...]], names: tuple[str, ...]) -> dict[str, list[Any]]:
    return {name: [row[index] for row in rows] for index, name in enumerate(names)}


def _calendar_choices(con: duckdb.DuckDBPyConnection, config: Config) -> list[CalendarChoice]:
    """Which calendar judges each (tier policy, account calendar, account timezone) combination.

    An account's named calendar wins over its timezone; a timezone alone moves the tier's
    calendar into that zone; otherwise the tier's calendar. An unknown calendar name falls back
    to the timezone / tier rule.
    """
    combinations = con.execute(
        """
        SELECT DISTINCT
            CASE WHEN tier IN (SELECT tier FROM policy_tiers) THEN tier ELSE ? END,
            calendar, timezone
        FROM accounts
        """,
        [STANDARD_TIER],
    ).fetchall()
    combinations += [(tier, None, None) for tier in config.sla]
    by_name = {name.strip().lower(): name for name in config.calendars}  # names match in any case
    choices = []
    for policy_tier, account_calendar, account_timezone in sorted(set(combinations), key=repr):
        tier_calendar = config.sla[policy_tier].calendar
        named = by_name.get((account_calendar or "").strip().lower())
        if named:
            label, spec = named, config.calendars[named]
        elif account_timezone:
            spec = config.calendars[tier_calendar].in_timezone(account_timezone)
            label = f"{tier_calendar} in {account_timezone}"
        else:
            label, spec = tier_calendar, config.calendars[tier_calendar]
        unknown = bool(account_calendar) and not named
        choices.append(CalendarChoice(policy_tier, account_calendar, account_timezone, label, spec, unknown))
    return choices


def _create_calendar_choices(
    con: duckdb.DuckDBPyConnection, choices: list[CalendarChoice], specs: list[CalendarSpec]
) -> None:
    _register(
        con,
        "calendar_choices",
        {
            "policy_tier": [choice.policy_tier for choice in choices],
            "account_calendar": pa.array([c.account_calendar for c in choices], pa.string()),
            "account_timezone": pa.array([c.account_timezone for c in choices], pa.string()),
            "choice_id": pa.array(range(len(choices)), pa.int32()),
            "calendar_id": pa.array([specs.index(c.spec) for c in choices], pa.int32()),
            "calendar_label": [choice.label for choice in choices],
        },
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE calendar_choices AS
        SELECT calendar_choices.*, policy_tiers.at_risk_share
        FROM calendar_choices JOIN policy_tiers ON policy_tiers.tier = calendar_choices.policy_tier
        """
    )


def _date_range(con: duckdb.DuckDBPyConnection, as_of: datetime) -> tuple[date, date]:
    """The dates the calendar grid must cover: first ticket to as-of or the latest deadline."""
    row = con.execute(
        """
        SELECT min(created_at), max(greatest(created_at, due_at))
        FROM tickets WHERE created_at <= getvariable('as_of')
        """
    ).fetchone()
    first = row[0] if row and row[0] else as_of
    last = max(row[1], as_of) if row and row[1] else as_of
    return first.date() - timedelta(days=2), last.date() + timedelta(days=2)


def _create_grid_tables(con: duckdb.DuckDBPyConnection, clock: BusinessClock) -> None:
    buckets, work = clock.grid_tables()
    con.execute("SET VARIABLE bucket_s = CAST(? AS BIGINT)", [clock.step])
    _register(con, "calendar_buckets", buckets)
    _register(con, "calendar_work_buckets", work)
    # Where each local date ends, per calendar: a date-only deadline is the end of that day.
    days = np.arange(np.datetime64(clock.first, "D"), np.datetime64(clock.last, "D") + 1)
    calendar_ids = np.repeat(np.arange(len(clock.specs), dtype=np.int32), days.size)
    all_days = np.tile(days, len(clock.specs))
    _register(
        con,
        "calendar_day_ends_raw",
        {
            "calendar_id": calendar_ids,
            "local_date": all_days,
            "ends_epoch": clock.end_of_local_date(calendar_ids, all_days.astype(np.int64)),
        },
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE calendar_day_ends AS
        SELECT calendar_id, local_date, to_timestamp(ends_epoch) AS ends_at FROM calendar_day_ends_raw
        """
    )
    con.execute("DROP TABLE calendar_day_ends_raw")


def _deadlines_past_grid(con: duckdb.DuckDBPyConnection, clock: BusinessClock) -> bool:
    """Whether some deadline needs working time beyond the grid's last working bucket, in a
    calendar that still works after the grid (also one with no working time in the grid yet):
    such a deadline came out null although its target is set."""
    if clock.last.year >= clock.first.year + 200:
        return False
    rows = con.execute(
        """
        SELECT calendar_choices.calendar_id, 1
        FROM sla_tickets
        JOIN calendar_choices ON calendar_choices.calendar_label = sla_tickets.calendar
        WHERE (response_due_at IS NULL AND response_target_min IS NOT NULL)
           OR (resolution_due_at IS NULL AND resolution_target_min IS NOT NULL)
        GROUP BY ALL
        """
    ).fetchall()
    return any(works_after(clock.specs[calendar_id], clock.last) for calendar_id, _ in rows)

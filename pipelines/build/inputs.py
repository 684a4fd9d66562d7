"""What the models read besides staging: tables the build prepares in Python.

The SLA policies of the configuration as small tables, which calendar judges which account, and
the calendars' working-time grid (metrics/calendar.py), plus placeholder accounts for tickets
whose account no export has. `Prepared` holds them so that a computation as of another
instant (a fresh connection: see runner.py) gets the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from metrics.calendar import BusinessClock, CalendarSpec, works_after
from metrics.usage import local_day_bounds
from pipelines.config import STANDARD_TIER, Config


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


@dataclass
class Prepared:
    """The tables prepared for one build: made once, then laid into any connection."""

    config: Config
    choices: list[CalendarChoice]
    specs: list[CalendarSpec]
    clock: BusinessClock
    usage_days: pa.Table | None = None  # usage_day_bounds: the local days the usage events span

    @classmethod
    def for_build(cls, con: duckdb.DuckDBPyConnection, config: Config, as_of: datetime) -> Prepared:
        """Work out the calendar choices and the grid from the warehouse, and create them."""
        _create_policy_tables(con, config)
        choices = _calendar_choices(con, config)
        specs = sorted({choice.spec for choice in choices}, key=repr)
        prepared = cls(config, choices, specs, BusinessClock(specs, *_date_range(con, as_of)))
        prepared.usage_days = usage_day_bounds(config.default_timezone, *_usage_span(con))
        prepared.create(con)
        return prepared

    def create(self, con: duckdb.DuckDBPyConnection) -> None:
        _create_policy_tables(con, self.config)
        _create_analysis_settings(con, self.config)
        _create_calendar_choices(con, self.choices, self.specs)
        _create_grid_tables(con, self.clock)
        if self.usage_days is not None:
            _register(con, "usage_day_bounds", {n: self.usage_days[n] for n in self.usage_days.column_names})

    def extend_grid(self, con: duckdb.DuckDBPyConnection, days: int) -> None:
        """Grow the grid `days` further into the future (a deadline lies past it)."""
        self.clock = self.clock.extended_to(self.clock.first, self.clock.last + timedelta(days=days))
        _create_grid_tables(con, self.clock)

    @property
    def unknown_calendars(self) -> list[str]:
        return sorted({c.account_calendar for c in self.choices if c.unknown_calendar and c.account_calendar})


def usage_day_bounds(timezone: str, first: date | None, last: date | None) -> pa.Table:
    """usage_day_bounds for the UTC dates first..last (a day either side: a local date can start
    the UTC day before); no rows without events."""
    if first is None or last is None:
        frame = local_day_bounds(timezone, date(2000, 1, 2), date(2000, 1, 1))
    else:
        frame = local_day_bounds(timezone, first - timedelta(days=1), last + timedelta(days=1))
    return pa.Table.from_pandas(frame, schema=USAGE_DAY_BOUNDS_SCHEMA, preserve_index=False)


USAGE_DAY_BOUNDS_SCHEMA = pa.schema(
    [
        ("timezone", pa.string()),
        ("local_date", pa.date32()),
        ("utc_date", pa.date32()),
        ("utc_from", pa.timestamp("us", tz="UTC")),
        ("utc_to", pa.timestamp("us", tz="UTC")),
    ]
)


def _usage_span(con: duckdb.DuckDBPyConnection) -> tuple[date | None, date | None]:
    row = con.execute('SELECT CAST(min("at") AS DATE), CAST(max("at") AS DATE) FROM usage_events').fetchone()
    return (row[0], row[1]) if row else (None, None)


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


def _create_analysis_settings(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """The analyses' settings as one row the models cross join (bound, never pasted), and the
    complexity points per implementation type."""
    adoption, health, pricing = config.adoption, config.health, config.pricing
    settings: dict[str, Any] = {
        "window_days": adoption.window_days,
        "min_adoption_rate": adoption.min_adoption_rate,
        "seats_full": health.seats_full,
        "green_from": health.bands["green"],
        "yellow_from": health.bands["yellow"],
        **{f"weight_{name}": weight for name, weight in health.weights.items()},
        **{f"pricing_weight_{name}": weight for name, weight in pricing.weights.items()},
        "base_price": pricing.base_price,
        "price_per_point": pricing.price_per_point,
        "manager_capacity": pricing.manager_capacity,
        "pricing_tolerance": pricing.tolerance,
        "baseline_tier": config.deltas.baseline_tier,
    }
    _register(con, "analysis_settings", {name: [value] for name, value in settings.items()})
    types = sorted(pricing.implementation_points)
    _register(
        con,
        "pricing_implementation_points",
        {
            "implementation_type": pa.array(types, pa.string()),
            "points": pa.array([pricing.implementation_points[name] for name in types], pa.float64()),
        },
    )


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


def deadlines_past_grid(con: duckdb.DuckDBPyConnection, clock: BusinessClock) -> bool:
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

"""Usage events become days: `usage_daily` rows recomputed from the stored events (DESIGN,
"usage_daily from events is recomputed from all events of the affected days").

The SQL is the usage stage's own — metrics/usage/int_usage_user_days.sql, then
usage_daily_rollup.sql, the files `cspulse usage-rollup` runs on DuckDB or Spark — bound here to
the warehouse's events (metrics.usage.bound_query), so a usage day has one definition. The
warehouse's usage_events key (account, user, module, instant to the second) already holds each
event once, which is what the stage's own stg_usage_events makes of its input.

Scope: the (local date, account, module) rows the `incoming` events touch, each recomputed from
every stored event of it, then replaced (so re-ingesting changes nothing).
- A first load (every stored event is in the export): every day, no matching.
- Otherwise the affected rows are the days of the export's own events (the same SQL on
  `incoming`); the stored events read are those within the export's span and a margin (zone maps
  skip the rest), and only the affected rows are kept.

Speed (issue 9's and 13's target, ≥ 4M events/s within 2 GB): the SQL converts no instant with
ICU — an event's local date is an equi-join of its UTC day number (integer arithmetic on its
epoch second) against the ~2 pieces per day of usage_day_bounds — and distinct users are counted
as the rows of the first grouping (account, module, user, local date), never as count(distinct)
over events.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb

from metrics.usage import bound_query
from pipelines.build.inputs import usage_day_bounds

MARGIN = timedelta(days=2)  # a local day lies within a day and the largest offset of its UTC day
DAILY_QUERIES = ("int_usage_user_days", "usage_daily_rollup")
ROW_KEY = "date, account_id, module"  # usage_daily's key
BOUNDS = "ingest_usage_day_bounds"  # the local days of the span, registered from Arrow
INCOMING_SPAN_SQL = 'SELECT min("at"), max("at"), count(*) FROM incoming'
STORED_EVENTS_SQL = 'SELECT account_id, user_id, module, "at" AS used_at FROM usage_events'
INCOMING_EVENTS_SQL = 'SELECT account_id, user_id, module, "at" AS used_at FROM incoming'


def daily_rows_sql(events_sql: str) -> str:
    """usage_daily rows (date, account_id, module, active_users, events) of the events
    `events_sql` selects (account_id, user_id, module, used_at), by the usage stage's SQL."""
    sources = {"stg_usage_events": events_sql, "usage_day_bounds": f"SELECT * FROM {BOUNDS}"}
    return bound_query(DAILY_QUERIES, sources)


def affected_rows_sql() -> str:
    """The usage_daily rows of the days the incoming events touch, recomputed from every stored
    event of the span (its two parameters: from, to)."""
    stored = daily_rows_sql(f'{STORED_EVENTS_SQL} WHERE "at" >= ? AND "at" <= ?')
    touched = f"SELECT DISTINCT {ROW_KEY} FROM ({daily_rows_sql(INCOMING_EVENTS_SQL)})"
    return f"SELECT * FROM ({stored}) AS days SEMI JOIN ({touched}) AS touched USING ({ROW_KEY})"


def roll_up_usage_days(con: duckdb.DuckDBPyConnection, timezone: str) -> None:
    """Recompute the `usage_daily` rows of the days (in `timezone`) the `incoming` events
    touch, from every stored event of that day, account and module."""
    span = con.execute(INCOMING_SPAN_SQL).fetchone()
    if span is None or span[0] is None:
        return
    first: datetime = span[0]
    last: datetime = span[1]
    lo, hi = first - MARGIN, last + MARGIN
    stored = con.execute("SELECT count(*) FROM usage_events").fetchone()
    every_event = stored is not None and int(stored[0]) == int(span[2])  # `incoming` is all stored
    con.register(BOUNDS, usage_day_bounds(timezone, lo.astimezone(UTC).date(), hi.astimezone(UTC).date()))
    try:
        if every_event:
            con.execute(f"CREATE OR REPLACE TEMP TABLE rolled_up_days AS {daily_rows_sql(STORED_EVENTS_SQL)}")
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE rolled_up_days AS {affected_rows_sql()}", [lo, hi])
    finally:
        con.unregister(BOUNDS)
    con.execute(
        """
        DELETE FROM usage_daily USING rolled_up_days
        WHERE usage_daily.date = rolled_up_days.date
          AND usage_daily.account_id = rolled_up_days.account_id
          AND usage_daily.module = rolled_up_days.module
        """
    )
    con.execute("INSERT INTO usage_daily BY NAME SELECT * FROM rolled_up_days")
    con.execute("DROP TABLE rolled_up_days")

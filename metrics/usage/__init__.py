"""The usage stage: user-level events -> the figures the adoption and health marts read.

Written once, in the common subset of DuckDB's and Spark's SQL, so that the build (DuckDB), ingest
(DuckDB) and `cspulse usage-rollup --engine spark` run the same files (sqlglot transpiles them for
Spark):

- stg_usage_events.sql         the stage's input events, each once, to the second (what the
                               warehouse's usage_events key makes of an export); the stage's only,
                               `-- materialized: stage` (the build reads the warehouse's events)
- int_usage_user_days.sql      events -> one row per account × module × user × local date
- int_usage_account_daily.sql  distinct users per account and local date (the health trend)
- int_usage_window_user_days.sql each as-of date × the user-days before it, flagged by window
- int_usage_module_windows.sql distinct users per account × module in W and the W before, last use
- int_usage_account_windows.sql distinct users per account in W
- usage_daily_rollup.sql       the `usage_daily` rows (date, account, module, users, events):
                               `-- materialized: stage`, not a build model; ingest runs it with
                               int_usage_user_days on the days an export's events touch
                               (pipelines/ingest/usage_rollup.py, through `bound_query`)

Neither engine's timezone functions are used: the local date of an instant comes from
`usage_day_bounds` (local_day_bounds below), each local day as UTC instants [utc_from, utc_to)
split at UTC midnights, so the join is an equi-join on the UTC day plus a range.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

USAGE_DIR = Path(__file__).parent
# The stage's queries in the order they run; each reads the ones before it by name.
STAGE_QUERIES = (
    "stg_usage_events",
    "int_usage_user_days",
    "int_usage_account_daily",
    "int_usage_window_user_days",
    "int_usage_module_windows",
    "int_usage_account_windows",
    "usage_daily_rollup",
)
# What the stage writes: output name -> the query that makes it.
STAGE_OUTPUTS = {
    "usage_daily": "usage_daily_rollup",
    "usage_account_daily": "int_usage_account_daily",
    "usage_module_windows": "int_usage_module_windows",
    "usage_account_windows": "int_usage_account_windows",
}


def stage_sql(name: str) -> str:
    """The DuckDB-dialect text of one of the stage's queries."""
    return (USAGE_DIR / f"{name}.sql").read_text(encoding="utf-8")


def bound_query(names: Sequence[str], sources: Mapping[str, str]) -> str:
    """The stage's queries `names` (in order, each reading those before it) as one statement whose
    sources are the given SQL: `with SOURCE as (sql), …, NAME as (its file), … select * from LAST`.

    Each file's own `with X as (select * from X)` then reads the CTE of that name, so the text run
    is the stage's, on relations the caller chooses (ingest: the events of the affected days)."""
    ctes = [f"{name} as (\n{sql}\n)" for name, sql in sources.items()]
    ctes += [f"{name} as (\n{stage_sql(name)}\n)" for name in names]
    return "with\n" + ",\n".join(ctes) + f"\nselect * from {names[-1]}"


def local_day_bounds(timezone: str, first: date, last: date) -> pd.DataFrame:
    """Each local date of `timezone` from `first` to `last` as the UTC instants it spans, cut at
    UTC midnights: one row per (local date, UTC date) piece, [utc_from, utc_to).

    A local midnight that a DST jump skips starts the day at the jump (zoneinfo's fold=0 reads
    it with the offset before), as DuckDB's timezone() does."""
    zone = ZoneInfo(timezone)
    rows: list[tuple[date, date, datetime, datetime]] = []
    day = first
    while day <= last:  # one row or two per local date: a loop over days, not events
        start = datetime.combine(day, time(), zone).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)
        cut = start
        while cut < end:
            utc_midnight = datetime.combine(cut.date() + timedelta(days=1), time(), UTC)
            piece_end = min(end, utc_midnight)
            rows.append((day, cut.date(), cut, piece_end))
            cut = piece_end
        day += timedelta(days=1)
    frame = pd.DataFrame(rows, columns=["local_date", "utc_date", "utc_from", "utc_to"])
    frame.insert(0, "timezone", timezone)
    for column in ("utc_from", "utc_to"):
        frame[column] = pd.to_datetime(frame[column], utc=True).astype("datetime64[us, UTC]")
    return frame

"""The usage stage: user-level events -> the figures the adoption and health marts read.

Written once, in the common subset of DuckDB's and Spark's SQL, so that the build (DuckDB) and
`cspulse usage-rollup --engine spark` run the same files (sqlglot transpiles them for Spark):

- int_usage_user_days.sql      events -> one row per account × module × user × local date
- int_usage_account_daily.sql  distinct users per account and local date (the health trend)
- int_usage_module_windows.sql distinct users per account × module in W and the W before, last use
- int_usage_account_windows.sql distinct users per account in W
- usage_daily_rollup.sql       the `usage_daily` rows (date, account, module, users, events); the
                               stage's only, `-- materialized: stage` (the build reads ingest's)

Neither engine's timezone functions are used: the local date of an instant comes from
`usage_day_bounds` (local_day_bounds below), each local day as UTC instants [utc_from, utc_to)
split at UTC midnights, so the join is an equi-join on the UTC date plus a range.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

USAGE_DIR = Path(__file__).parent
# The stage's queries in the order they run; each reads the ones before it by name.
STAGE_QUERIES = (
    "int_usage_user_days",
    "int_usage_account_daily",
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

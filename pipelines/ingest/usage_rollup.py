"""Usage events become days: `usage_daily` rows recomputed from the stored events (DESIGN,
"usage_daily from events is recomputed from all events of the affected days").

Two costs dominate on 100M events, and both are avoided (issue 9's speed section):
- ICU converting every instant to a local date (~75 ns a row). Between two offset changes of
  the timezone, an instant's local day is plain arithmetic: (epoch µs + offset µs) ÷ 1 day. So
  the offsets are read from ICU once per minute over the events' span (the same conversion
  the rest of the pipeline uses, on a few hundred thousand instants), their changes become a
  CASE, and each event gets its day by integer arithmetic.
- `count(DISTINCT user_id)` over the raw events: the events are first grouped by (day,
  account, module, user) — the rows a distinct count needs anyway, with their event counts —
  then those rows are counted per (day, account, module).

When every stored event is in the export (a first load), every day is recomputed and no
event needs matching against the affected days.
"""

from __future__ import annotations

import duckdb

MICROS_PER_DAY = 86_400_000_000
MARGIN_DAYS = 2  # a local day lies within a day and the largest offset of its UTC day


def _offset_segments(
    con: duckdb.DuckDBPyConnection, timezone: str, lo_us: int, hi_us: int
) -> list[tuple[int, int]]:
    """[(from µs, offset µs)] of `timezone` over [lo, hi]: ICU's offset probed every minute,
    kept where it changes (tz offsets change on whole minutes)."""
    rows = con.execute(
        """
        WITH probes AS (
            SELECT minute * 60000000 AS at_us,
                   epoch_us(timezone(?, make_timestamptz(minute * 60000000))) - minute * 60000000 AS offset_us
            FROM range(?, ?) AS minutes(minute)
        )
        SELECT at_us, offset_us FROM (
            SELECT at_us, offset_us, lag(offset_us) OVER (ORDER BY at_us) AS previous FROM probes
        )
        WHERE previous IS DISTINCT FROM offset_us
        ORDER BY at_us
        """,
        [timezone, lo_us // 60_000_000, hi_us // 60_000_000 + 2],
    ).fetchall()
    return [(int(at), int(offset)) for at, offset in rows]


def local_day_sql(segments: list[tuple[int, int]], column: str = '"at"') -> str:
    """The local day (days since 1970-01-01) of `column`, by arithmetic on the offsets."""
    epoch = f"epoch_us({column})"
    if len(segments) == 1:
        offset = str(segments[0][1])
    else:
        branches = " ".join(
            f"WHEN {epoch} < {start} THEN {previous}"
            for (start, _), (_, previous) in zip(segments[1:], segments[:-1], strict=True)
        )
        offset = f"CASE {branches} ELSE {segments[-1][1]} END"
    return f"CAST(floor(({epoch} + {offset}) / {MICROS_PER_DAY}) AS INTEGER)"


def roll_up_usage_days(con: duckdb.DuckDBPyConnection, timezone: str) -> None:
    """Recompute the `usage_daily` rows of the days (in `timezone`) the `incoming` events
    touch, from every stored event of that day, account and module."""
    bounds = con.execute('SELECT epoch_us(min("at")), epoch_us(max("at")), count(*) FROM incoming').fetchone()
    if bounds is None or bounds[0] is None:
        return
    margin = MARGIN_DAYS * MICROS_PER_DAY
    lo_us, hi_us, incoming = int(bounds[0]) - margin, int(bounds[1]) + margin, int(bounds[2])
    day = local_day_sql(_offset_segments(con, timezone, lo_us, hi_us))
    stored = con.execute("SELECT count(*) FROM usage_events").fetchone()
    every_event = stored is not None and int(stored[0]) == incoming  # `incoming` is all stored
    if every_event:
        scope = ""
    else:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE affected_days AS "
            f"SELECT DISTINCT {day} AS day, account_id, module FROM incoming"
        )
        scope = "SEMI JOIN affected_days USING (day, account_id, module)"
    # Events of the affected days lie within the incoming span and a margin: zone maps skip the rest.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE rolled_up_days AS
        WITH user_days AS (
            SELECT {day} AS day, account_id, module, user_id, count(*) AS events
            FROM usage_events
            WHERE "at" >= make_timestamptz({lo_us}) AND "at" <= make_timestamptz({hi_us})
            GROUP BY ALL
        ),
        days AS (
            SELECT day, account_id, module, count(*) AS active_users, sum(events) AS events
            FROM user_days
            GROUP BY ALL
        )
        SELECT CAST(DATE '1970-01-01' + day AS DATE) AS date, account_id, module,
               active_users, CAST(events AS BIGINT) AS events
        FROM days {scope}
        """
    )
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

-- one row per account × module × user × local date (default calendar's timezone) with usage events:
-- how many events and the second of the last one. stg_usage_events holds each event once, to the
-- second (the warehouse's usage_events key; the usage stage's own stg_usage_events), so its rows are
-- counted.
-- The local date is read off usage_day_bounds: the event's UTC day number equi-joined to the day's
-- pieces, then the range, all on whole seconds since the epoch, in SQL that DuckDB and Spark both run
-- (no timezone function, no cast of an instant to a date: integer arithmetic per event). Run by the
-- build, by ingest (on the days an export touches) and by the usage stage (metrics/usage/__init__.py).
-- materialized: temp
-- series: shared
with

stg_usage_events as (select * from stg_usage_events),
usage_day_bounds as (select * from usage_day_bounds),

event_seconds as (
    select
        account_id,
        module,
        user_id,
        cast(floor(epoch(used_at)) as bigint) as used_at_s,
    from stg_usage_events
),

day_pieces as (
    select
        local_date,
        cast(floor(epoch(utc_from)) as bigint) as utc_from_s,
        cast(floor(epoch(utc_to)) as bigint) as utc_to_s,
    from usage_day_bounds
),

events_with_local_dates as (
    select
        event_seconds.account_id,
        event_seconds.module,
        event_seconds.user_id,
        event_seconds.used_at_s,
        day_pieces.local_date as usage_date,
    from event_seconds
    join day_pieces
        -- a piece lies within one UTC day: that day's number is the equi-join key
        on day_pieces.utc_from_s // 86400 = event_seconds.used_at_s // 86400
        and event_seconds.used_at_s >= day_pieces.utc_from_s
        and event_seconds.used_at_s < day_pieces.utc_to_s
),

user_days as (
    select
        account_id,
        module,
        user_id,
        usage_date,
        count(*) as events,
        max(used_at_s) as last_used_at_s,
    from events_with_local_dates
    group by account_id, module, user_id, usage_date
)

-- back to an instant once per user-day, not per event
select account_id, module, user_id, usage_date, events, to_timestamp(last_used_at_s) as last_used_at,
from user_days

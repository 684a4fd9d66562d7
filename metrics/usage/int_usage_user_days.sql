-- one row per account × module × user × local date (default calendar's timezone) with usage events:
-- how many distinct events (instants to the second: a duplicate event counts once) and the last one.
-- The local date is read off usage_day_bounds (an equi-join on the UTC date, then the range), in SQL
-- that DuckDB and Spark both run; the usage stage runs this file on either (metrics/usage/__init__.py).
-- materialized: temp
-- series: shared
with

stg_usage_events as (select * from stg_usage_events),
usage_day_bounds as (select * from usage_day_bounds),

events_to_the_second as (
    select
        account_id,
        module,
        user_id,
        date_trunc('second', used_at) as used_at,
        cast(date_trunc('second', used_at) as date) as utc_date,
    from stg_usage_events
),

events_with_local_dates as (
    select
        events_to_the_second.account_id,
        events_to_the_second.module,
        events_to_the_second.user_id,
        events_to_the_second.used_at,
        usage_day_bounds.local_date as usage_date,
    from events_to_the_second
    join usage_day_bounds
        on usage_day_bounds.utc_date = events_to_the_second.utc_date
        and events_to_the_second.used_at >= usage_day_bounds.utc_from
        and events_to_the_second.used_at < usage_day_bounds.utc_to
),

user_days as (
    select
        account_id,
        module,
        user_id,
        usage_date,
        count(distinct used_at) as events,
        max(used_at) as last_used_at,
    from events_with_local_dates
    group by account_id, module, user_id, usage_date
)

select * from user_days

-- one row per distinct usage event of the usage stage's input (account, user, module, instant to the
-- second): what the warehouse's usage_events key makes of an export, so that a duplicate event counts
-- once in the stage as in ingest. The stage's stg_usage_events; the build and ingest read the
-- warehouse's usage_events instead (pipelines/build/staging/stg_usage_events.sql), already so.
-- An event's second is floor(epoch()): arithmetic in both engines (DuckDB's date_trunc on an instant
-- goes through ICU), exact for microsecond instants before 2255 (a double holds their microseconds).
-- used_at is the first instant of the second; int_usage_user_days reads only its second.
-- materialized: stage
with

usage_events_source as (select * from usage_events_source),

events as (
    select
        cast(account_id as varchar) as account_id,
        cast(user_id as varchar) as user_id,
        cast(module as varchar) as module,
        cast("at" as timestamptz) as used_at,
    from usage_events_source
),

events_by_second as (
    select
        account_id,
        user_id,
        module,
        cast(floor(epoch(used_at)) as bigint) as used_at_s,
        min(used_at) as used_at,
    from events
    group by account_id, user_id, module, cast(floor(epoch(used_at)) as bigint)
)

select account_id, user_id, module, used_at, from events_by_second

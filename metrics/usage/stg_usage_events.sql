-- one row per distinct usage event of the usage stage's input (account, user, module, instant to the
-- second): what the warehouse's usage_events key makes of an export, so that a duplicate event counts
-- once in the stage as in ingest. The stage's stg_usage_events; the build and ingest read the
-- warehouse's usage_events instead (pipelines/build/staging/stg_usage_events.sql), already so.
-- The second: floor(epoch()), exact for microsecond instants before 2255 (a double holds their
-- microseconds until then), and arithmetic in DuckDB, where date_trunc on an instant goes through ICU.
-- materialized: stage
with

usage_events_source as (select * from usage_events_source),

distinct_events as (
    select distinct
        cast(account_id as varchar) as account_id,
        cast(user_id as varchar) as user_id,
        cast(module as varchar) as module,
        to_timestamp(floor(epoch(cast("at" as timestamptz)))) as used_at,
    from usage_events_source
)

select * from distinct_events

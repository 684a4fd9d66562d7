-- one row per local date × account × module with usage events: usage_daily (distinct users, distinct
-- events), as the usage stage writes it and as ingest rolls up the events it loads (this file and
-- int_usage_user_days on the days an export touches: pipelines/ingest/usage_rollup.py). Not a build
-- model: the build reads usage_daily as ingest wrote it.
-- materialized: stage
with

int_usage_user_days as (select * from int_usage_user_days),

module_days as (
    select
        usage_date as date,
        account_id,
        module,
        count(*) as active_users,
        cast(sum(events) as bigint) as events,
    from int_usage_user_days
    group by usage_date, account_id, module
)

select * from module_days

-- one row per local date × account × module with usage events: usage_daily as the usage stage writes it
-- (distinct users, distinct events). Not a build model: the build reads usage_daily as ingest wrote it
-- (ingest's own rollup of the events it loads; tests/test_usage_stage.py checks the two agree).
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

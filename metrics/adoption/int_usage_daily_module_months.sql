-- one row per account × module × month with usage_daily rows: the last date with users in that month. The last
-- use before an as-of date is the latest of the months before its month and of the dates since (read apart), so
-- the health history and the backtest read the year's rows once, not once per as-of (`-- series: shared`).
-- materialized: temp
-- series: shared
with

stg_usage_daily as (select * from stg_usage_daily),

module_months as (
    select
        account_id,
        module,
        cast(date_trunc('month', usage_date) as date) as usage_month,
        max(usage_date) filter (where active_users > 0) as last_used_date,
    from stg_usage_daily
    group by all
)

select * from module_months

-- one row per account × module with usage_daily rows in the window W: the largest daily active_users there and
-- the last date in W with users (DESIGN, adoption_gaps). What health reads of a module's daily figures;
-- int_usage_daily_module_history has the dates before W, which only the adoption mart shows.
-- materialized: temp
with

stg_usage_daily as (select * from stg_usage_daily),
int_usage_windows as (select * from int_usage_windows),

window_users as (
    select
        stg_usage_daily.account_id,
        stg_usage_daily.module,
        max(stg_usage_daily.active_users) as daily_users,
        max(stg_usage_daily.usage_date) filter (where stg_usage_daily.active_users > 0) as last_used_date,
    from stg_usage_daily
    cross join int_usage_windows
    where stg_usage_daily.usage_date >= int_usage_windows.window_start_date
    group by all
)

select * from window_users

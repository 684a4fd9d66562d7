-- one row per account × module with usage_daily rows before the window W: the largest daily active_users in the
-- W dates before it, and the last date with users before W (DESIGN, adoption_gaps: the trend, last_used_at).
-- Only the dates since the earlier of the previous window's start and the month's first day are read here; the
-- months before come from int_usage_daily_last_uses, the dates of W from int_usage_daily_module_users.
-- materialized: temp
with

stg_usage_daily as (select * from stg_usage_daily),
int_usage_windows as (select * from int_usage_windows),
int_usage_daily_last_uses as (select * from int_usage_daily_last_uses),

dates_before_window as (
    select
        stg_usage_daily.account_id,
        stg_usage_daily.module,
        max(stg_usage_daily.active_users) filter (
            where stg_usage_daily.usage_date >= int_usage_windows.previous_window_start_date
        ) as previous_daily_users,
        max(stg_usage_daily.usage_date) filter (where stg_usage_daily.active_users > 0) as last_used_date,
    from stg_usage_daily
    cross join int_usage_windows
    where stg_usage_daily.usage_date >= least(
        int_usage_windows.previous_window_start_date,
        cast(date_trunc('month', int_usage_windows.as_of_date) as date)
    )
      and stg_usage_daily.usage_date < int_usage_windows.window_start_date
    group by all
),

earlier_months as (
    select
        int_usage_daily_last_uses.account_id,
        int_usage_daily_last_uses.module,
        max(int_usage_daily_last_uses.last_used_date) as last_used_date,
    from int_usage_daily_last_uses
    cross join int_usage_windows
    where int_usage_daily_last_uses.span_end <= cast(date_trunc('month', int_usage_windows.as_of_date) as date)
    group by all
),

module_history as (
    select
        coalesce(dates_before_window.account_id, earlier_months.account_id) as account_id,
        coalesce(dates_before_window.module, earlier_months.module) as module,
        dates_before_window.previous_daily_users,
        greatest(dates_before_window.last_used_date, earlier_months.last_used_date) as last_used_date,
    from dates_before_window
    full join earlier_months using (account_id, module)
)

select * from module_history

-- one row per as-of date × account with usage events in the window W: its distinct users across modules.
-- materialized: temp
-- series: shared
with

int_usage_user_days as (select * from int_usage_user_days),
int_usage_windows as (select * from int_usage_windows),

account_windows as (
    select
        int_usage_windows.as_of_date,
        cast(int_usage_windows.window_days as bigint) as window_days,
        int_usage_user_days.account_id,
        count(distinct int_usage_user_days.user_id) as active_users,
    from int_usage_user_days
    cross join int_usage_windows
    where int_usage_user_days.usage_date >= int_usage_windows.window_start_date
      and int_usage_user_days.usage_date < int_usage_windows.as_of_date
    group by int_usage_windows.as_of_date, int_usage_windows.window_days, int_usage_user_days.account_id
)

select * from account_windows

-- one row per as-of date × account with usage events in the window W: its distinct users across modules.
-- materialized: temp
-- series: shared
with

int_usage_window_user_days as (select * from int_usage_window_user_days),

account_windows as (
    select
        as_of_date,
        window_days,
        account_id,
        count(distinct user_id) as active_users,
    from int_usage_window_user_days
    where in_window
    group by as_of_date, window_days, account_id
)

select * from account_windows

-- one row per as-of date × user-day dated before it (usage is counted on the dates before as-of's date:
-- that day is not over), flagged by the window its date falls in: W (the window_days dates before
-- as-of's) or the W dates before that. What int_usage_module_windows and int_usage_account_windows
-- count; int_usage_windows has one row in the build and one per --as-of in the usage stage.
-- materialized: view
-- series: shared
with

int_usage_user_days as (select * from int_usage_user_days),
int_usage_windows as (select * from int_usage_windows),

window_user_days as (
    select
        int_usage_windows.as_of_date,
        cast(int_usage_windows.window_days as bigint) as window_days,
        int_usage_user_days.account_id,
        int_usage_user_days.module,
        int_usage_user_days.user_id,
        int_usage_user_days.last_used_at,
        int_usage_user_days.usage_date >= int_usage_windows.window_start_date as in_window,
        (
            int_usage_user_days.usage_date >= int_usage_windows.previous_window_start_date
            and int_usage_user_days.usage_date < int_usage_windows.window_start_date
        ) as in_previous_window,
    from int_usage_user_days
    cross join int_usage_windows
    where int_usage_user_days.usage_date < int_usage_windows.as_of_date
)

select * from window_user_days

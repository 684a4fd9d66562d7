-- one row per as-of date × account × module with usage events before that date: distinct users in
-- the window W and in the W dates before it, and the last event. int_usage_windows has one row in the
-- build and one per --as-of in the usage stage. An event is in W when its local date is (DESIGN).
-- materialized: temp
-- series: shared
with

int_usage_user_days as (select * from int_usage_user_days),
int_usage_windows as (select * from int_usage_windows),

module_windows as (
    select
        int_usage_windows.as_of_date,
        cast(int_usage_windows.window_days as bigint) as window_days,
        int_usage_user_days.account_id,
        int_usage_user_days.module,
        count(distinct case
            when int_usage_user_days.usage_date >= int_usage_windows.window_start_date
            then int_usage_user_days.user_id end) as active_users,
        count(distinct case
            when int_usage_user_days.usage_date >= int_usage_windows.previous_window_start_date
             and int_usage_user_days.usage_date < int_usage_windows.window_start_date
            then int_usage_user_days.user_id end) as previous_active_users,
        max(int_usage_user_days.last_used_at) as last_event_at,
    from int_usage_user_days
    cross join int_usage_windows
    -- usage is counted on the dates before as-of's date (that day is not over)
    where int_usage_user_days.usage_date < int_usage_windows.as_of_date
    group by
        int_usage_windows.as_of_date,
        int_usage_windows.window_days,
        int_usage_user_days.account_id,
        int_usage_user_days.module
)

select * from module_windows

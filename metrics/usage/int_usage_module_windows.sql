-- one row per as-of date × account × module with usage events before that date: distinct users in
-- the window W and in the W dates before it, and the last event. An event is in W when its local date
-- is (DESIGN); int_usage_window_user_days pairs each as-of date with the user-days before it.
-- materialized: temp
-- series: shared
with

int_usage_window_user_days as (select * from int_usage_window_user_days),

module_windows as (
    select
        as_of_date,
        window_days,
        account_id,
        module,
        count(distinct case when in_window then user_id end) as active_users,
        count(distinct case when in_previous_window then user_id end) as previous_active_users,
        max(last_used_at) as last_event_at,
    from int_usage_window_user_days
    group by as_of_date, window_days, account_id, module
)

select * from module_windows

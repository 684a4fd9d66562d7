-- one row per account with usage: its users in the window W (distinct user_ids across modules when it has
-- events there, else the largest module figure), and its mean daily users over W and over the 60 dates before W
-- (per day: distinct users when that day has events, else the largest module figure; missing dates count 0).
-- materialized: temp
with

int_usage_account_figures as (select * from int_usage_account_figures),
int_usage_account_day_figures as (select * from int_usage_account_day_figures),
int_usage_daily_account_days as (select * from int_usage_daily_account_days),
int_usage_windows as (select * from int_usage_windows),
int_module_users as (select * from int_module_users),

account_users_from_events as (
    select account_id, active_users as users, from int_usage_account_figures
),

account_users_in_window as (
    select
        int_module_users.account_id,
        bool_or(int_module_users.has_events) as has_events,
        max(int_module_users.users) as largest_module_users,
    from int_module_users
    group by all
),

daily_users_from_events as (
    -- distinct users per local date, only for the 90 days the health trend reads
    select int_usage_account_day_figures.account_id, int_usage_account_day_figures.usage_date,
        int_usage_account_day_figures.active_users as users,
    from int_usage_account_day_figures
    cross join int_usage_windows
    where int_usage_account_day_figures.usage_date >= int_usage_windows.previous_60_start_date
      and int_usage_account_day_figures.usage_date < int_usage_windows.as_of_date
),

daily_users_from_rows as (
    select int_usage_daily_account_days.account_id, int_usage_daily_account_days.usage_date,
        int_usage_daily_account_days.users,
    from int_usage_daily_account_days
    cross join int_usage_windows
    where int_usage_daily_account_days.usage_date >= int_usage_windows.previous_60_start_date
      and int_usage_daily_account_days.usage_date < int_usage_windows.as_of_date
),

daily_account_users as (
    select
        account_id,
        usage_date,
        coalesce(daily_users_from_events.users, daily_users_from_rows.users) as users,
    from daily_users_from_rows
    full join daily_users_from_events using (account_id, usage_date)
),

daily_means as (
    -- the user-days too, whole numbers: the health rules compare the means exactly (a tie at -25 %
    -- or +10 % is decided by integers, not by how a quotient rounds)
    select
        daily_account_users.account_id,
        any_value(int_usage_windows.window_days) as window_days,
        coalesce(sum(daily_account_users.users) filter (
            where daily_account_users.usage_date >= int_usage_windows.window_start_date
        ), 0) as window_user_days,
        coalesce(sum(daily_account_users.users) filter (
            where daily_account_users.usage_date < int_usage_windows.window_start_date
        ), 0) as previous_60_user_days,
    from daily_account_users
    cross join int_usage_windows
    group by all
),

account_usage as (
    select
        coalesce(account_users_in_window.account_id, daily_means.account_id) as account_id,
        case when account_users_in_window.has_events then coalesce(account_users_from_events.users, 0)
             else coalesce(account_users_in_window.largest_module_users, 0) end as users,
        coalesce(daily_means.window_user_days, 0) as window_user_days,
        coalesce(daily_means.previous_60_user_days, 0) as previous_60_user_days,
        coalesce(daily_means.window_user_days / daily_means.window_days, 0) as mean_daily_users,
        coalesce(daily_means.previous_60_user_days / 60, 0) as previous_60_mean_daily_users,
    from account_users_in_window
    left join account_users_from_events using (account_id)
    full join daily_means using (account_id)
)

select * from account_usage

-- one row per account with usage events in the window W: its distinct users across modules, from the
-- warehouse's events for an account that has any before as-of's date, else from the usage stage's output.
-- materialized: temp
with

int_usage_account_windows as (select * from int_usage_account_windows),
int_usage_module_windows as (select * from int_usage_module_windows),
usage_account_windows as (select * from usage_account_windows),
int_usage_windows as (select * from int_usage_windows),

accounts_with_events as (
    -- int_usage_module_windows and int_usage_account_windows hold every as-of date of a series: this run's own
    select distinct int_usage_module_windows.account_id,
    from int_usage_module_windows
    join int_usage_windows using (as_of_date)
),

stage_figures as (
    select usage_account_windows.account_id, usage_account_windows.active_users,
    from usage_account_windows
    join int_usage_windows
        on usage_account_windows.as_of_date = int_usage_windows.as_of_date
        and usage_account_windows.window_days = int_usage_windows.window_days
    where usage_account_windows.account_id not in (select account_id from accounts_with_events)
),

account_figures as (
    select int_usage_account_windows.account_id, int_usage_account_windows.active_users,
    from int_usage_account_windows
    join int_usage_windows using (as_of_date)
    union all
    select * from stage_figures
)

select * from account_figures

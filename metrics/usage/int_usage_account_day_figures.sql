-- one row per account × local date with usage events: distinct users that day, from the warehouse's events
-- for an account that has any before as-of's date, else from the usage stage's output (usage_account_daily).
-- materialized: temp
with

int_usage_account_daily as (select * from int_usage_account_daily),
int_usage_module_windows as (select * from int_usage_module_windows),
usage_account_daily as (select * from usage_account_daily),
int_usage_windows as (select * from int_usage_windows),

accounts_with_events as (
    -- int_usage_module_windows holds every as-of date of a series: this run's own
    select distinct int_usage_module_windows.account_id,
    from int_usage_module_windows
    join int_usage_windows using (as_of_date)
),

account_day_figures as (
    select date as usage_date, account_id, active_users, from int_usage_account_daily
    union all
    select date as usage_date, account_id, active_users,
    from usage_account_daily
    where account_id not in (select account_id from accounts_with_events)
)

select * from account_day_figures

-- one row per account × module with usage events before as-of's date: the window figures the adoption
-- models read. From the warehouse's events for an account that has any; else from what the usage stage
-- (`cspulse usage-rollup`, DuckDB or Spark) computed for this as-of date and window and ingest loaded.
-- materialized: temp
with

int_usage_module_windows as (select * from int_usage_module_windows),
usage_module_windows as (select * from usage_module_windows),
int_usage_windows as (select * from int_usage_windows),

module_windows_as_of as (
    -- int_usage_module_windows holds every as-of date of a series: this run's own
    select int_usage_module_windows.*,
    from int_usage_module_windows
    join int_usage_windows using (as_of_date)
),

accounts_with_events as (
    select distinct account_id from module_windows_as_of
),

stage_figures as (
    select
        usage_module_windows.account_id,
        usage_module_windows.module,
        usage_module_windows.active_users,
        usage_module_windows.previous_active_users,
        usage_module_windows.last_event_at,
    from usage_module_windows
    join int_usage_windows
        on usage_module_windows.as_of_date = int_usage_windows.as_of_date
        and usage_module_windows.window_days = int_usage_windows.window_days
    where usage_module_windows.account_id not in (select account_id from accounts_with_events)
),

module_figures as (
    select account_id, module, active_users, previous_active_users, last_event_at,
    from module_windows_as_of
    union all
    select * from stage_figures
)

select * from module_figures

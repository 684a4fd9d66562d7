-- one row per account × module with usage: its users in the window W and in the W dates before it, and its last use.
-- A module's users are its distinct user_ids in the window when the account has usage events in that
-- window, else the largest daily active_users of the window (DESIGN, adoption_gaps).
-- materialized: temp
with

int_usage_module_figures as (select * from int_usage_module_figures),
int_usage_daily_module_windows as (select * from int_usage_daily_module_windows),
int_usage_windows as (select * from int_usage_windows),

events_by_module as (
    -- distinct users in W and the W before, the last event (metrics/usage: the usage stage's SQL)
    select
        account_id,
        module,
        active_users as event_users,
        previous_active_users as previous_event_users,
        last_event_at,
    from int_usage_module_figures
),

daily_by_module as (
    -- the largest daily users in W and the W before, the last date with users (int_usage_daily_module_windows)
    select
        int_usage_daily_module_windows.account_id,
        int_usage_daily_module_windows.module,
        int_usage_daily_module_windows.daily_users,
        int_usage_daily_module_windows.previous_daily_users,
        int_usage_daily_module_windows.last_used_date,
    from int_usage_daily_module_windows
),

accounts_with_events as (
    -- "has events" is decided per account, for each window
    select
        account_id,
        bool_or(coalesce(event_users, 0) > 0) as has_events,
        bool_or(coalesce(previous_event_users, 0) > 0) as had_previous_events,
    from events_by_module
    group by account_id
),

modules_used as (
    select
        coalesce(events_by_module.account_id, daily_by_module.account_id) as account_id,
        coalesce(events_by_module.module, daily_by_module.module) as module,
        events_by_module.event_users,
        events_by_module.previous_event_users,
        daily_by_module.daily_users,
        daily_by_module.previous_daily_users,
        -- the latest evidence of use: an event, or the start of the last day with daily users
        greatest(
            events_by_module.last_event_at,
            timezone(getvariable('default_timezone'), cast(daily_by_module.last_used_date as timestamp))
        ) as last_used_at,
    from events_by_module
    full join daily_by_module using (account_id, module)
),

module_users as (
    select
        modules_used.account_id,
        modules_used.module,
        coalesce(accounts_with_events.has_events, false) as has_events,
        case when accounts_with_events.has_events then coalesce(modules_used.event_users, 0)
             else coalesce(modules_used.daily_users, 0) end as users,
        case when accounts_with_events.had_previous_events then coalesce(modules_used.previous_event_users, 0)
             else coalesce(modules_used.previous_daily_users, 0) end as previous_users,
        modules_used.last_used_at,
    from modules_used
    left join accounts_with_events using (account_id)
)

select * from module_users

-- one row per account × module used in the window W: its users there, and whether the account has usage events
-- in W. A module's users are its distinct user_ids in W when the account has usage events in W, else the
-- largest daily active_users of W (DESIGN, adoption_gaps). What the gaps and the health score read.
-- materialized: temp
with

int_usage_module_figures as (select * from int_usage_module_figures),
int_usage_daily_module_users as (select * from int_usage_daily_module_users),

events_by_module as (
    -- distinct users in W (metrics/usage: the usage stage's SQL)
    select account_id, module, active_users as event_users, from int_usage_module_figures
),

accounts_with_events as (
    -- "has events" is decided per account, over W
    select account_id, bool_or(coalesce(event_users, 0) > 0) as has_events,
    from events_by_module
    group by account_id
),

modules_in_window as (
    select
        coalesce(events_by_module.account_id, int_usage_daily_module_users.account_id) as account_id,
        coalesce(events_by_module.module, int_usage_daily_module_users.module) as module,
        events_by_module.event_users,
        int_usage_daily_module_users.daily_users,
    from events_by_module
    full join int_usage_daily_module_users using (account_id, module)
),

module_users as (
    select
        modules_in_window.account_id,
        modules_in_window.module,
        coalesce(accounts_with_events.has_events, false) as has_events,
        case when accounts_with_events.has_events then coalesce(modules_in_window.event_users, 0)
             else coalesce(modules_in_window.daily_users, 0) end as users,
    from modules_in_window
    left join accounts_with_events using (account_id)
)

select * from module_users

-- one row per account × module with usage: its users in the window W (int_module_users), in the W dates before
-- it, and its last use. The previous window's users are distinct user_ids when the account has usage events
-- there, else the largest daily active_users (DESIGN, adoption_gaps).
-- materialized: temp
with

int_module_users as (select * from int_module_users),
int_usage_module_figures as (select * from int_usage_module_figures),
int_usage_daily_module_users as (select * from int_usage_daily_module_users),
int_usage_daily_module_history as (select * from int_usage_daily_module_history),

events_by_module as (
    -- distinct users in the W before, the last event (metrics/usage: the usage stage's SQL)
    select account_id, module, previous_active_users as previous_event_users, last_event_at,
    from int_usage_module_figures
),

accounts_with_previous_events as (
    -- "has events" is decided per account, for each window
    select account_id, bool_or(coalesce(previous_event_users, 0) > 0) as had_previous_events,
    from events_by_module
    group by account_id
),

modules_used as (
    select
        account_id,
        module,
        int_module_users.users,
        events_by_module.previous_event_users,
        int_usage_daily_module_history.previous_daily_users,
        -- the latest evidence of use: an event, or the start of the last day with daily users
        greatest(
            events_by_module.last_event_at,
            timezone(getvariable('default_timezone'), cast(greatest(
                int_usage_daily_module_users.last_used_date, int_usage_daily_module_history.last_used_date
            ) as timestamp))
        ) as last_used_at,
    from events_by_module
    full join int_module_users using (account_id, module)
    full join int_usage_daily_module_users using (account_id, module)
    full join int_usage_daily_module_history using (account_id, module)
),

module_usage as (
    select
        modules_used.account_id,
        modules_used.module,
        coalesce(modules_used.users, 0) as users,
        case when accounts_with_previous_events.had_previous_events
             then coalesce(modules_used.previous_event_users, 0)
             else coalesce(modules_used.previous_daily_users, 0) end as previous_users,
        modules_used.last_used_at,
    from modules_used
    left join accounts_with_previous_events using (account_id)
)

select * from module_usage

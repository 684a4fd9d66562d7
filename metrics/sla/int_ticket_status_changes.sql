-- one row per status event of a judged ticket, with what its status means to the SLA and its place in
-- the ticket's history (what came before, what comes next, whether it is the latest)
-- materialized: temp
with

events as (select * from int_ticket_events where kind = 'status'),
policy_statuses as (select * from policy_statuses),

events_with_roles as (
    select
        events.ticket_key,
        events.happened_at as changed_at,
        events.occurred_at,
        events.position,
        coalesce(policy_statuses.is_pause, false) as is_pause,
        coalesce(policy_statuses.is_resolved, false) as is_resolved,
    from events
    left join policy_statuses
        on policy_statuses.tier = events.policy_tier and policy_statuses.status = events.value
),

events_in_order as (
    -- one window pass: every function below shares the partition and the order (one sort)
    select
        ticket_key,
        changed_at,
        is_pause,
        is_resolved,
        coalesce(lag(is_resolved) over ticket_history, false) as was_resolved,
        lead(changed_at) over ticket_history as next_changed_at,
        lead(true) over ticket_history is null as is_latest,
        -- a later move into a status that is not resolved: this stretch came before a reopen
        coalesce(
            bool_or(not is_resolved) over (
                ticket_history rows between 1 following and unbounded following
            ),
            false
        ) as is_reopened_later,
    from events_with_roles
    window ticket_history as (partition by ticket_key order by occurred_at, position)
)

select * from events_in_order

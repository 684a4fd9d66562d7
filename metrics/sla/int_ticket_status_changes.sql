-- one row per status event of a judged ticket, in order, with what its status means to the SLA
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
        events.value as status,
        coalesce(policy_statuses.is_pause, false) as is_pause,
        coalesce(policy_statuses.is_resolved, false) as is_resolved,
    from events
    left join policy_statuses
        on policy_statuses.tier = events.policy_tier and policy_statuses.status = events.value
),

events_in_order as (
    select
        *,
        row_number() over ticket_history as sequence,
        coalesce(lag(is_resolved) over ticket_history, false) as was_resolved,
        lead(changed_at) over ticket_history as next_changed_at,
    from events_with_roles
    window ticket_history as (partition by ticket_key order by occurred_at, position)
),

events_with_reopens as (
    select
        *,
        -- a later move into a status that is not resolved: this stretch came before a reopen
        sequence < coalesce(
            max(sequence) filter (where not is_resolved) over (partition by ticket_key), 0
        ) as is_reopened_later,
    from events_in_order
)

select * exclude (sequence) from events_with_reopens

-- one row per status event of a judged ticket, in order, with what its status means to the SLA
-- materialized: temp
with

events as (select * from stg_ticket_events where kind = 'status'),
tickets as (select ticket_id, created_at, policy_tier from int_ticket_policies),
policy_statuses as (select * from policy_statuses),

events_joined_to_tickets as (
    select
        events.ticket_id,
        -- events before the ticket was created count from its creation
        greatest(events.happened_at, tickets.created_at) as changed_at,
        events.position,
        events.value as status,
        tickets.policy_tier,
    from events
    join tickets using (ticket_id)
),

events_with_roles as (
    select
        events.*,
        coalesce(policy_statuses.is_pause, false) as is_pause,
        coalesce(policy_statuses.is_resolved, false) as is_resolved,
    from events_joined_to_tickets as events
    left join policy_statuses
        on policy_statuses.tier = events.policy_tier and policy_statuses.status = events.status
),

events_in_order as (
    select
        *,
        row_number() over ticket_history as sequence,
        coalesce(lag(is_resolved) over ticket_history, false) as was_resolved,
        lead(changed_at) over ticket_history as next_changed_at,
    from events_with_roles
    window ticket_history as (partition by ticket_id order by changed_at, position)
),

events_with_reopens as (
    select
        *,
        -- a later move into a status that is not resolved: this stretch came before a reopen
        sequence < coalesce(
            max(sequence) filter (where not is_resolved) over (partition by ticket_id), 0
        ) as is_reopened_later,
    from events_in_order
)

select * exclude (sequence) from events_with_reopens

-- one row per status, assign or reply event of a ticket judged in this build, keyed by ticket_key.
-- A view: its two readers each take their own kinds of event, and at 10M tickets a temp table of all
-- 30M events outgrew the memory limit and spilled.
-- materialized: view
with

events as (select * from stg_ticket_events where kind in ('status', 'assign', 'reply')),
tickets as (select ticket_key, ticket_id, created_at, policy_tier from int_ticket_policies),

events_joined_to_tickets as (
    select
        tickets.ticket_key,
        events.kind,
        events.value,
        events.position,
        -- the history is ordered by when events really happened (then their place in the file)
        events.happened_at as occurred_at,
        -- events before the ticket was created count from its creation
        greatest(events.happened_at, tickets.created_at) as happened_at,
        tickets.policy_tier,
    from events
    join tickets using (ticket_id)
)

select * from events_joined_to_tickets

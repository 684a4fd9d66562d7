-- one row per ticket that has events: what its history says about resolution, reopens,
-- replies and assignments
-- materialized: temp
with

status_changes as (select * from int_ticket_status_changes),
events as (select * from int_ticket_events where kind in ('reply', 'assign')),

resolutions_from_events as (
    select
        ticket_key,
        -- the last move from a status that is not resolved into one that is
        max(changed_at) filter (where is_resolved and not was_resolved) as last_resolved_at,
        -- only a ticket whose latest status is a resolved one is resolved
        bool_or(is_resolved) filter (where is_latest) as ends_resolved,
        count(*) filter (where was_resolved and not is_resolved) as reopens_from_events,
    from status_changes
    group by ticket_key
),

replies_and_assignments as (
    select
        ticket_key,
        -- agent replies: the earliest is the first response when the export has none
        min(happened_at) filter (where kind = 'reply') as first_reply_at,
        count(*) filter (where kind = 'assign') as assignments,
    from events
    group by ticket_key
),

event_summary as (
    select
        coalesce(resolutions_from_events.ticket_key, replies_and_assignments.ticket_key) as ticket_key,
        resolutions_from_events.* exclude (ticket_key),
        replies_and_assignments.* exclude (ticket_key),
    from resolutions_from_events
    full join replies_and_assignments using (ticket_key)
)

select * from event_summary

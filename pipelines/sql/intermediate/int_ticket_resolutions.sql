-- one row per ticket created as of the build: its policy, when it was resolved and first answered
-- materialized: temp
with

tickets as (select * from int_ticket_policies),
status_changes as (select * from int_ticket_status_changes),
events as (select * from int_ticket_events),

resolutions_from_events as (
    select
        ticket_key,
        -- the last move from a status that is not resolved into one that is
        max(changed_at) filter (where is_resolved and not was_resolved) as last_resolved_at,
        -- only a ticket whose latest status is a resolved one is resolved
        arg_max(is_resolved, (changed_at, position)) as ends_resolved,
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
    where kind in ('reply', 'assign')
    group by ticket_key
),

tickets_resolved as (
    select
        tickets.* exclude (resolved_at, first_response_at, closed_at, reopens, reassignments),
        -- the export's own resolution wins, then the status history, then the closing time
        coalesce(
            tickets.resolved_at,
            case when events.ends_resolved then events.last_resolved_at end,
            tickets.closed_at
        ) as resolved_at,
        tickets.first_response_at as exported_first_response_at,
        replies_and_assignments.first_reply_at,
        coalesce(tickets.reopens, events.reopens_from_events, 0) as reopens,
        coalesce(tickets.reassignments, greatest(replies_and_assignments.assignments - 1, 0), 0)
            as reassignments,
    from tickets
    left join resolutions_from_events as events using (ticket_key)
    left join replies_and_assignments using (ticket_key)
),

tickets_answered as (
    select
        * exclude (exported_first_response_at, first_reply_at),
        -- an answer recorded on the ticket, else the first agent reply, else the resolution
        coalesce(exported_first_response_at, first_reply_at, resolved_at) as first_response_at,
    from tickets_resolved
)

select * from tickets_answered

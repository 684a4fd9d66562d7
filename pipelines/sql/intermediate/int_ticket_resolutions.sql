-- one row per judged ticket: its policy, when it was resolved (as of the build) and first answered
-- materialized: temp
with

tickets as (select * from int_ticket_policies),
status_changes as (select * from int_ticket_status_changes),
replies as (select * from stg_ticket_events where kind = 'reply'),
assignments as (select * from stg_ticket_events where kind = 'assign'),

resolutions_from_events as (
    select
        ticket_id,
        -- the last move from a status that is not resolved into one that is
        max(changed_at) filter (where is_resolved and not was_resolved) as last_resolved_at,
        -- only a ticket whose latest status is a resolved one is resolved
        arg_max(is_resolved, (changed_at, position)) as ends_resolved,
        count(*) filter (where was_resolved and not is_resolved) as reopens_from_events,
    from status_changes
    group by ticket_id
),

first_replies as (
    select
        replies.ticket_id,
        greatest(min(replies.happened_at), any_value(tickets.created_at)) as first_reply_at,
    from replies
    join tickets using (ticket_id)
    group by replies.ticket_id
),

assignment_counts as (
    select ticket_id, count(*) as assignments from assignments group by ticket_id
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
        first_replies.first_reply_at,
        coalesce(tickets.reopens, events.reopens_from_events, 0) as reopens,
        coalesce(tickets.reassignments, greatest(assignment_counts.assignments - 1, 0), 0)
            as reassignments,
    from tickets
    left join resolutions_from_events as events using (ticket_id)
    left join first_replies using (ticket_id)
    left join assignment_counts using (ticket_id)
)

select
    * exclude (exported_first_response_at, first_reply_at),
    -- an answer recorded on the ticket, else the first agent reply, else the resolution itself
    coalesce(exported_first_response_at, first_reply_at, resolved_at) as first_response_at,
from tickets_resolved

-- one row per ticket created as of the build: when it was resolved and first answered, as of
-- the build, with its reopens and reassignments
-- materialized: view
with

tickets as (select * from int_ticket_policies),
event_summary as (select * from int_ticket_event_summary),

tickets_resolved as (
    select
        tickets.* exclude (resolved_at, first_response_at, closed_at, reopens, reassignments),
        tickets.first_response_at as recorded_first_response_at,
        event_summary.first_reply_at,
        -- the export's own resolution wins, then the status history, then the closing time
        coalesce(
            tickets.resolved_at,
            case when event_summary.ends_resolved then event_summary.last_resolved_at end,
            tickets.closed_at
        ) as resolved_at,
        coalesce(tickets.reopens, event_summary.reopens_from_events, 0) as reopens,
        coalesce(tickets.reassignments, greatest(event_summary.assignments - 1, 0), 0)
            as reassignments,
    from tickets
    left join event_summary using (ticket_key)
),

tickets_answered as (
    select
        * exclude (recorded_first_response_at, first_reply_at),
        -- an answer recorded on the ticket, else the first agent reply (DESIGN's edge rule,
        -- even one after the resolution), else the resolution of a ticket never answered
        coalesce(recorded_first_response_at, first_reply_at, resolved_at) as first_response_at,
        -- no answer recorded and no reply event: the resolution stands in for the response
        recorded_first_response_at is null and first_reply_at is null and resolved_at is not null
            as is_response_inferred,
    from tickets_resolved
)

select * from tickets_answered

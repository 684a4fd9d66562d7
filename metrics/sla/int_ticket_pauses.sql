-- one row per paused stretch of a ticket: in a pause status, or resolved before a reopen
-- materialized: temp
with

status_changes as (select * from int_ticket_status_changes),
resolutions as (select ticket_key, resolved_at, calendar_id from int_ticket_resolutions),

paused_stretches as (
    select
        status_changes.ticket_key,
        status_changes.changed_at as paused_from,
        -- a pause ends at the next status event, the resolution, or as-of
        least(
            coalesce(status_changes.next_changed_at, getvariable('as_of')),
            coalesce(resolutions.resolved_at, getvariable('as_of'))
        ) as paused_until,
        resolutions.calendar_id,
    from status_changes
    join resolutions using (ticket_key)
    where status_changes.is_pause or (status_changes.is_resolved and status_changes.is_reopened_later)
)

select * from paused_stretches where paused_until > paused_from

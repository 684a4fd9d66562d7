-- one row per ticket created as of the build; what happened after as-of has not happened yet
-- materialized: view
select
    -- the row's id in staging: an integer key for the build's joins (strings cost more)
    rowid as ticket_key,
    ticket_id,
    account_id,
    created_at,
    channel,
    task_type,
    status,
    assignee,
    team,
    priority,
    case when first_response_at <= getvariable('as_of') then first_response_at end as first_response_at,
    case when resolved_at <= getvariable('as_of') then resolved_at end as resolved_at,
    case when closed_at <= getvariable('as_of') then closed_at end as closed_at,
    due_at,
    due_date,
    subtasks,
    reassignments,
    reopens,
    csat,
    subject,
    source_made_sla,
from tickets
where created_at <= getvariable('as_of')
    -- a computation as of another instant may ask for only the tickets created in its last N days (from
    -- as-of - N days on, as int_account_support counts them: the boundary instant is in)
    -- and those not yet resolved by then (a health history needs no older, settled ones)
    and (
        getvariable('recent_ticket_days') is null
        or created_at >= getvariable('as_of') - to_days(cast(getvariable('recent_ticket_days') as integer))
        or not coalesce(resolved_at <= getvariable('as_of'), false)
    )

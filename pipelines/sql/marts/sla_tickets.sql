-- one row per ticket created as of the build: its SLA clocks in business time and how it stands
-- materialized: table
with

tickets as (select * from int_ticket_policies),
resolutions as (select * from int_ticket_resolutions),
business_time as (select * from int_ticket_business_time),
targets as (select * from int_ticket_targets),
due_dates as (select * from int_ticket_due_dates),

tickets_timed as (
    select
        tickets.ticket_id,
        tickets.account_id,
        tickets.cs_manager,
        tickets.tier,
        tickets.policy_tier,
        tickets.calendar_label as calendar,
        tickets.channel,
        tickets.task_type,
        tickets.status,
        tickets.priority,
        tickets.assignee,
        tickets.team,
        tickets.subject,
        tickets.csat,
        tickets.subtasks,
        tickets.is_placeholder_account,
        tickets.at_risk_share,
        tickets.created_at,
        -- the month of creation in the default calendar's timezone, as the monthly mart counts it
        cast(date_trunc('month', timezone(getvariable('default_timezone'), tickets.created_at)) as date)
            as month,
        resolutions.first_response_at,
        resolutions.resolved_at,
        resolutions.reopens,
        resolutions.reassignments,
        targets.response_target_min,
        targets.resolution_target_min,
        due_dates.response_due_at,
        due_dates.resolution_due_at,
        business_time.response_business_s / 60 as response_business_min,
        (business_time.elapsed_business_s - business_time.paused_business_s) / 60
            as resolution_business_min,
        business_time.paused_business_s / 60 as paused_business_min,
        -- wall-clock time beside the business time, up to the event or as-of
        (epoch(coalesce(resolutions.first_response_at, getvariable('as_of'))) - epoch(tickets.created_at)) / 60
            as response_calendar_min,
        (epoch(coalesce(resolutions.resolved_at, getvariable('as_of'))) - epoch(tickets.created_at)) / 60
            as resolution_calendar_min,
    from tickets
    join resolutions using (ticket_id)
    join business_time using (ticket_id)
    join targets using (ticket_id)
    join due_dates using (ticket_id)
),

tickets_judged as (
    select
        *,
        first_response_at is not null as is_responded,
        resolved_at is not null as is_resolved,
        case
            when response_target_min is null then null
            when first_response_at is not null then response_business_min <= response_target_min
            -- still unanswered: breached once its time so far exceeds the target, else not yet known
            when response_business_min > response_target_min then false
        end as response_met,
        case
            when resolution_target_min is null then null
            when resolved_at is not null then resolution_business_min <= resolution_target_min
            when resolution_business_min > resolution_target_min then false
        end as resolution_met,
        case
            when resolution_target_min is null then null
            when resolved_at is not null then
                case when resolution_business_min <= resolution_target_min then 'met' else 'breached' end
            when resolution_business_min > resolution_target_min then 'open_breached'
            when resolution_business_min >= at_risk_share * resolution_target_min then 'at_risk'
            else 'open'
        end as sla_state,
        -- business minutes left before each target is breached (negative once it is)
        case when first_response_at is null then response_target_min - response_business_min end
            as response_left_min,
        case when resolved_at is null then resolution_target_min - resolution_business_min end
            as resolution_left_min,
    from tickets_timed
)

select * exclude (at_risk_share) from tickets_judged

-- one row per ticket created as of the build: its SLA clocks in business time and how it stands
-- materialized: table
-- unique: ticket_id
with

tickets as (select * from int_ticket_clocks),

tickets_timed as (
    select
        ticket_id,
        account_id,
        cs_manager,
        tier,
        policy_tier,
        calendar_label as calendar,
        channel,
        task_type,
        status,
        priority,
        assignee,
        team,
        subject,
        csat,
        subtasks,
        source_made_sla,
        is_placeholder as is_placeholder_account,
        at_risk_share,
        created_at,
        -- the month of creation in the default calendar's timezone, as the monthly mart counts it
        cast(date_trunc('month', timezone(getvariable('default_timezone'), created_at)) as date) as month,
        first_response_at,
        is_response_inferred,
        resolved_at,
        reopens,
        reassignments,
        response_target_min,
        resolution_target_min,
        response_due_at,
        resolution_due_at,
        response_business_s / 60 as response_business_min,
        (elapsed_business_s - paused_business_s) / 60 as resolution_business_min,
        paused_business_s / 60 as paused_business_min,
        -- wall-clock time beside the business time, up to the event or as-of
        (epoch(response_clock_end) - epoch(created_at)) / 60 as response_calendar_min,
        (epoch(resolution_clock_end) - epoch(created_at)) / 60 as resolution_calendar_min,
    from tickets
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

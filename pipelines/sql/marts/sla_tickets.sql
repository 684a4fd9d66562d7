-- one row per ticket created as of the build: its SLA clocks in business time and how it stands
-- materialized: table
with

tickets as (select * from int_ticket_clocks),
descriptions as (
    select
        ticket_key, ticket_id, account_id, channel, task_type, subtasks,
        status, priority, assignee, team, subject, csat,
    from stg_tickets
),
account_policies as (select account_id, tier from int_account_policies),
accounts as (select account_id, cs_manager, is_placeholder from stg_accounts),
calendar_choices as (select choice_id, calendar_label from calendar_choices),

tickets_timed as (
    select
        descriptions.ticket_id,
        descriptions.account_id,
        accounts.cs_manager,
        account_policies.tier,
        tickets.policy_tier,
        calendar_choices.calendar_label as calendar,
        descriptions.channel,
        descriptions.task_type,
        descriptions.status,
        descriptions.priority,
        descriptions.assignee,
        descriptions.team,
        descriptions.subject,
        descriptions.csat,
        descriptions.subtasks,
        accounts.is_placeholder as is_placeholder_account,
        tickets.at_risk_share,
        tickets.created_at,
        -- the month of creation in the default calendar's timezone, as the monthly mart counts it
        cast(date_trunc('month', timezone(getvariable('default_timezone'), tickets.created_at)) as date)
            as month,
        tickets.first_response_at,
        tickets.resolved_at,
        tickets.reopens,
        tickets.reassignments,
        tickets.response_target_min,
        tickets.resolution_target_min,
        tickets.response_due_at,
        tickets.resolution_due_at,
        tickets.response_business_s / 60 as response_business_min,
        (tickets.elapsed_business_s - tickets.paused_business_s) / 60 as resolution_business_min,
        tickets.paused_business_s / 60 as paused_business_min,
        -- wall-clock time beside the business time, up to the event or as-of
        (epoch(tickets.response_clock_end) - epoch(tickets.created_at)) / 60 as response_calendar_min,
        (epoch(tickets.resolution_clock_end) - epoch(tickets.created_at)) / 60
            as resolution_calendar_min,
    from tickets
    join descriptions using (ticket_key)
    join account_policies using (account_id)
    join accounts using (account_id)
    join calendar_choices using (choice_id)
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

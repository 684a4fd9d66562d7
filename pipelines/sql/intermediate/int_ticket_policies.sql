-- one row per ticket: its account's tier, the SLA policy and calendar that judge it, its targets
-- materialized: temp
with

tickets as (
    -- only what the SLA clocks need; descriptive columns join back in the mart
    select
        ticket_id, account_id, created_at, channel, task_type, subtasks,
        first_response_at, resolved_at, closed_at, due_at, due_date, reopens, reassignments,
    from stg_tickets
),
accounts as (select * from stg_accounts),
calendar_choices as (select * from calendar_choices),
policy_tiers as (select * from policy_tiers),
response_targets as (select * from policy_response_targets),
resolution_targets as (select * from policy_resolution_targets),

tickets_joined_to_accounts as (
    select
        tickets.*,
        coalesce(accounts.tier, getvariable('standard_tier')) as tier,
        accounts.cs_manager,
        coalesce(accounts.is_placeholder, true) as is_placeholder_account,
        accounts.calendar_name as account_calendar,
        accounts.timezone as account_timezone,
    from tickets
    left join accounts using (account_id)
),

tickets_joined_to_policies as (
    select
        tickets.*,
        -- a tier with no [sla.TIER] table of its own is judged by the standard one
        coalesce(policy_tiers.tier, getvariable('standard_tier')) as policy_tier,
    from tickets_joined_to_accounts as tickets
    left join policy_tiers on policy_tiers.tier = tickets.tier
),

tickets_with_calendars as (
    select
        tickets.*,
        calendar_choices.calendar_id,
        calendar_choices.calendar_label,
        calendar_choices.at_risk_share,
    from tickets_joined_to_policies as tickets
    left join calendar_choices
        on calendar_choices.policy_tier = tickets.policy_tier
        and calendar_choices.account_calendar is not distinct from tickets.account_calendar
        and calendar_choices.account_timezone is not distinct from tickets.account_timezone
),

tickets_with_targets as (
    select
        tickets.*,
        response_targets.target_min as response_target_min,
        -- compound tasks are judged per subtask; null or 0 subtasks count as one
        resolution_targets.target_min
            * case when tickets.task_type = 'compound' then greatest(coalesce(tickets.subtasks, 1), 1) else 1 end
            as policy_resolution_target_min,
    from tickets_with_calendars as tickets
    left join response_targets
        on response_targets.tier = tickets.policy_tier and response_targets.channel = tickets.channel
    left join resolution_targets
        on resolution_targets.tier = tickets.policy_tier and resolution_targets.task_type = tickets.task_type
)

select * from tickets_with_targets

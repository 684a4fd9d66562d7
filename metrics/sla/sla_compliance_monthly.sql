-- one row per month × account × manager × channel × task type; month of creation, default timezone
-- materialized: table
-- unique: month, account_id, cs_manager, channel, task_type
with

tickets as (select * from sla_tickets),

tickets_by_month as (
    select
        month,
        account_id,
        cs_manager,
        tier,
        channel,
        task_type,
        response_target_min,
        response_met,
        sla_state,
    from tickets
),

counts_by_month as (
    select
        month,
        account_id,
        cs_manager,
        channel,
        task_type,
        -- the account's tier: one per account, so the grain stays the same
        any_value(tier) as tier,
        count(*) as tickets,
        count(response_target_min) as response_judged,
        count(*) filter (where response_met) as response_met,
        count(*) filter (where not response_met) as response_breached,
        count(sla_state) as resolution_judged,
        count(*) filter (where sla_state = 'met') as met,
        count(*) filter (where sla_state = 'breached') as breached,
        count(*) filter (where sla_state = 'open') as open,
        count(*) filter (where sla_state = 'at_risk') as at_risk,
        count(*) filter (where sla_state = 'open_breached') as open_breached,
    from tickets_by_month
    group by month, account_id, cs_manager, channel, task_type
)

select * from counts_by_month

-- one row per judged ticket: its targets in business minutes and the working totals they end at
-- materialized: table
with

tickets as (select * from int_ticket_policies),
business_time as (select * from int_ticket_business_time),

targets as (
    select
        tickets.ticket_id,
        tickets.calendar_id,
        tickets.response_target_min,
        -- a deadline promised on the ticket overrides the policy
        case when business_time.promised_at is not null
             then business_time.promised_business_s / 60
             else tickets.policy_resolution_target_min end as resolution_target_min,
        business_time.worked_at_creation_s,
        business_time.paused_business_s,
    from tickets
    join business_time using (ticket_id)
)

select
    *,
    worked_at_creation_s + response_target_min * 60 as response_due_worked_s,
    -- pauses push the resolution deadline out by their business time
    worked_at_creation_s + resolution_target_min * 60 + paused_business_s as resolution_due_worked_s,
from targets

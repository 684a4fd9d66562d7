-- one row per judged ticket: the instants its response and resolution targets fall due
-- materialized: table
with

targets as (select * from int_ticket_targets),
tickets as (select ticket_id, created_at from int_ticket_policies),
work_buckets as (select * from calendar_work_buckets)

select
    targets.ticket_id,
    case when targets.response_target_min = 0 then tickets.created_at
         else instant_of_work(response_bucket, targets.response_due_worked_s) end as response_due_at,
    case when targets.resolution_target_min = 0 and targets.paused_business_s = 0 then tickets.created_at
         else instant_of_work(resolution_bucket, targets.resolution_due_worked_s) end as resolution_due_at,
from targets
join tickets using (ticket_id)
left join work_buckets as response_bucket
    on response_bucket.calendar_id = targets.calendar_id
    and response_bucket.ordinal = work_ordinal(targets.response_due_worked_s)
left join work_buckets as resolution_bucket
    on resolution_bucket.calendar_id = targets.calendar_id
    and resolution_bucket.ordinal = work_ordinal(targets.resolution_due_worked_s)

-- The peer's work, done the engine's way: for every ticket, the working time from creation to
-- the response and to the resolution (or as-of), and the instants its response and resolution
-- targets fall due — four clocks read off the calendar grid (macros.sql), nothing else.
-- Runs on a connection prepared by pipelines.bench.runner.prepare_core (it reads int_ticket_policies
-- and the grid; a build drops its steps when it is done).
with

tickets as (
    select
        calendar_id,
        created_at,
        coalesce(first_response_at, resolved_at, getvariable('as_of')) as answered_at,
        coalesce(resolved_at, getvariable('as_of')) as settled_at,
        -- targets in whole seconds, as int_ticket_clocks carries them to the due instant
        round(response_target_min * 60) as response_target_s,
        round(policy_resolution_target_min * 60) as resolution_target_s,
    from int_ticket_policies
),

elapsed as (
    select
        tickets.*,
        worked_at(created_bucket, tickets.created_at) as worked_at_creation_s,
        worked_at(answered_bucket, tickets.answered_at)
            - worked_at(created_bucket, tickets.created_at) as response_business_s,
        worked_at(settled_bucket, tickets.settled_at)
            - worked_at(created_bucket, tickets.created_at) as resolution_business_s,
    from tickets
    join calendar_buckets as created_bucket
        on created_bucket.calendar_id = tickets.calendar_id
        and created_bucket.bucket = grid_bucket(tickets.created_at)
    join calendar_buckets as answered_bucket
        on answered_bucket.calendar_id = tickets.calendar_id
        and answered_bucket.bucket = grid_bucket(tickets.answered_at)
    join calendar_buckets as settled_bucket
        on settled_bucket.calendar_id = tickets.calendar_id
        and settled_bucket.bucket = grid_bucket(tickets.settled_at)
),

targets_in_working_time as (
    select
        *,
        worked_at_creation_s + response_target_s as response_due_worked_s,
        worked_at_creation_s + resolution_target_s as resolution_due_worked_s,
    from elapsed
),

due as (
    select
        targets.response_business_s,
        targets.resolution_business_s,
        instant_of_work(response_bucket, targets.response_due_worked_s) as response_due_at,
        instant_of_work(resolution_bucket, targets.resolution_due_worked_s) as resolution_due_at,
    from targets_in_working_time as targets
    left join calendar_work_buckets as response_bucket
        on response_bucket.calendar_id = targets.calendar_id
        and response_bucket.ordinal = work_ordinal(targets.response_due_worked_s)
    left join calendar_work_buckets as resolution_bucket
        on resolution_bucket.calendar_id = targets.calendar_id
        and resolution_bucket.ordinal = work_ordinal(targets.resolution_due_worked_s)
)

select
    count(*) as tickets,
    sum(response_business_s) as response_business_s,
    sum(resolution_business_s) as resolution_business_s,
    count(response_due_at) as response_due,
    count(resolution_due_at) as resolution_due,
from due

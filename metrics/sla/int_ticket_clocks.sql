-- one row per ticket created as of the build: its SLA clocks read off the calendar grid — working time to the
-- response and the resolution, paused working time, targets and the instants they fall due
-- materialized: view
with

tickets as (select * from int_ticket_resolutions),
pauses as (select * from int_ticket_pauses),
buckets as (select * from calendar_buckets),
work_buckets as (select * from calendar_work_buckets),
day_ends as (select * from calendar_day_ends),

pause_totals as (
    select
        pauses.ticket_key,
        sum(worked_at(until_bucket, pauses.paused_until) - worked_at(from_bucket, pauses.paused_from))
            as paused_business_s,
    from pauses
    join buckets as from_bucket
        on from_bucket.calendar_id = pauses.calendar_id
        and from_bucket.bucket = grid_bucket(pauses.paused_from)
    join buckets as until_bucket
        on until_bucket.calendar_id = pauses.calendar_id
        and until_bucket.bucket = grid_bucket(pauses.paused_until)
    group by pauses.ticket_key
),

clock_ends as (
    select
        tickets.*,
        -- the clocks run until the response / resolution, or until as-of while it has not come
        coalesce(tickets.first_response_at, getvariable('as_of')) as response_clock_end,
        coalesce(tickets.resolved_at, getvariable('as_of')) as resolution_clock_end,
        -- a date-only deadline is the end of that working day in the ticket's calendar
        coalesce(day_ends.ends_at, tickets.due_at) as promised_at,
        coalesce(pause_totals.paused_business_s, 0) as paused_business_s,
    from tickets
    left join pause_totals using (ticket_key)
    left join day_ends
        on day_ends.calendar_id = tickets.calendar_id and day_ends.local_date = tickets.due_date
),

clocks_read as (
    select
        clock_ends.*,
        worked_at(created_bucket, clock_ends.created_at) as worked_at_creation_s,
        worked_at(response_bucket, clock_ends.response_clock_end)
            - worked_at(created_bucket, clock_ends.created_at) as response_business_s,
        worked_at(resolution_bucket, clock_ends.resolution_clock_end)
            - worked_at(created_bucket, clock_ends.created_at) as elapsed_business_s,
        greatest(
            worked_at(promised_bucket, clock_ends.promised_at)
                - worked_at(created_bucket, clock_ends.created_at),
            0
        ) as promised_business_s,
    from clock_ends
    join buckets as created_bucket
        on created_bucket.calendar_id = clock_ends.calendar_id
        and created_bucket.bucket = grid_bucket(clock_ends.created_at)
    join buckets as response_bucket
        on response_bucket.calendar_id = clock_ends.calendar_id
        and response_bucket.bucket = grid_bucket(clock_ends.response_clock_end)
    join buckets as resolution_bucket
        on resolution_bucket.calendar_id = clock_ends.calendar_id
        and resolution_bucket.bucket = grid_bucket(clock_ends.resolution_clock_end)
    left join buckets as promised_bucket
        on promised_bucket.calendar_id = clock_ends.calendar_id
        and promised_bucket.bucket = grid_bucket(clock_ends.promised_at)
),

targets as (
    select
        * exclude (policy_resolution_target_min),
        -- a deadline promised on the ticket overrides the policy; in whole seconds, so that no
        -- rounding of minutes moves a deadline at the end of a working day to the next one
        round(response_target_min * 60) as response_target_s,
        case when promised_at is not null then promised_business_s
             else round(policy_resolution_target_min * 60) end as resolution_target_s,
    from clocks_read
),

targets_in_working_time as (
    select
        *,
        resolution_target_s / 60 as resolution_target_min,
        worked_at_creation_s + response_target_s as response_due_worked_s,
        -- pauses push the resolution deadline out by their working time
        worked_at_creation_s + resolution_target_s + paused_business_s as resolution_due_worked_s,
    from targets
),

due_dates as (
    select
        targets.*,
        case when targets.response_target_min = 0 then targets.created_at
             else instant_of_work(response_bucket, targets.response_due_worked_s) end
            as response_due_at,
        case when targets.resolution_due_worked_s = targets.worked_at_creation_s
             then targets.created_at
             else instant_of_work(resolution_bucket, targets.resolution_due_worked_s) end
            as resolution_due_at,
    from targets_in_working_time as targets
    left join work_buckets as response_bucket
        on response_bucket.calendar_id = targets.calendar_id
        and response_bucket.ordinal = work_ordinal(targets.response_due_worked_s)
    left join work_buckets as resolution_bucket
        on resolution_bucket.calendar_id = targets.calendar_id
        and resolution_bucket.ordinal = work_ordinal(targets.resolution_due_worked_s)
)

select * from due_dates

-- one row per judged ticket: working seconds to its response and resolution, and paused
-- materialized: table
with

tickets as (select * from int_ticket_policies),
resolutions as (select * from int_ticket_resolutions),
pauses as (select * from int_ticket_pauses),
buckets as (select * from calendar_buckets),
day_ends as (select * from calendar_day_ends),

pause_totals as (
    select
        pauses.ticket_id,
        sum(worked_at(until_bucket, pauses.paused_until) - worked_at(from_bucket, pauses.paused_from))
            as paused_s,
    from pauses
    join buckets as from_bucket
        on from_bucket.calendar_id = pauses.calendar_id
        and from_bucket.bucket = grid_bucket(pauses.paused_from)
    join buckets as until_bucket
        on until_bucket.calendar_id = pauses.calendar_id
        and until_bucket.bucket = grid_bucket(pauses.paused_until)
    group by pauses.ticket_id
),

clock_ends as (
    select
        tickets.ticket_id,
        tickets.calendar_id,
        tickets.created_at,
        -- the clocks run until the response / resolution, or until as-of while it has not come
        coalesce(resolutions.first_response_at, getvariable('as_of')) as response_clock_end,
        coalesce(resolutions.resolved_at, getvariable('as_of')) as resolution_clock_end,
        -- a date-only deadline is the end of that working day in the ticket's calendar
        coalesce(day_ends.ends_at, tickets.due_at) as promised_at,
    from tickets
    join resolutions using (ticket_id)
    left join day_ends
        on day_ends.calendar_id = tickets.calendar_id and day_ends.local_date = tickets.due_date
),

clocks_read as (
    select
        clock_ends.ticket_id,
        clock_ends.calendar_id,
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
        clock_ends.promised_at,
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
)

select
    clocks_read.*,
    coalesce(pause_totals.paused_s, 0) as paused_business_s,
from clocks_read
left join pause_totals using (ticket_id)

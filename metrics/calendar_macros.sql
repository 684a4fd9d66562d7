-- Business time on the calendar grid (see metrics/calendar.py, BusinessClock). The grid's buckets
-- are getvariable('bucket_s') seconds wide and each is wholly working or not, so W(t) — the
-- working seconds before t — is the bucket's worked_before plus, in a working bucket, the time
-- since the bucket began.
create or replace temp macro grid_bucket(instant) as
    cast(floor(epoch(instant) / getvariable('bucket_s')) as bigint);

create or replace temp macro worked_at(bucket_row, instant) as
    bucket_row.worked_before
    + case when bucket_row.is_working
           then epoch(instant) - bucket_row.bucket * getvariable('bucket_s')
           else 0 end;

-- The 0-based working bucket in which the working-seconds total `worked` is reached.
create or replace temp macro work_ordinal(worked) as
    cast(greatest(ceil(worked / getvariable('bucket_s')) - 1, 0) as bigint);

-- The instant the total is reached, inside that bucket: the earliest t with W(t) = worked.
create or replace temp macro instant_of_work(work_row, worked) as
    to_timestamp(work_row.starts_at + worked - work_row.ordinal * getvariable('bucket_s'));

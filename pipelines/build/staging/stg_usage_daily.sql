-- one row per local date × account × module with usage, up to the day before as-of's date (that day is not over)
-- materialized: view
select
    date as usage_date,
    account_id,
    module,
    active_users,
    events,
from usage_daily
where date < cast(timezone(getvariable('default_timezone'), getvariable('as_of')) as date)

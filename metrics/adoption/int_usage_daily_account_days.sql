-- one row per account × local date with usage_daily rows in the dates a health trend reads (the W dates before
-- an as-of and the 60 before them): the largest module figure that day, what a day without events counts.
-- materialized: temp
-- series: shared
with

stg_usage_daily as (select * from stg_usage_daily),
int_usage_windows as (select * from int_usage_windows),

account_days as (
    select stg_usage_daily.account_id, stg_usage_daily.usage_date, max(stg_usage_daily.active_users) as users,
    from stg_usage_daily
    where stg_usage_daily.usage_date >= (select min(previous_60_start_date) from int_usage_windows)
      and stg_usage_daily.usage_date < (select max(as_of_date) from int_usage_windows)
    group by all
)

select * from account_days

-- one row per account × module × span of months with usage_daily rows: the last date with users in that span.
-- The first days of the months of the as-of dates cut the months into spans (a build has one as-of: every month
-- before its month is one span; a series, one span per as-of month). The last use before an as-of date is the
-- latest of the spans ending at or before its month and of the dates since (int_usage_daily_module_history, and
-- int_usage_daily_module_users for W), so a series of adoption_gaps reads the year's rows once, not once per as-of
-- (`-- series: shared`; the health score reads no last use).
-- materialized: temp
-- series: shared
with

stg_usage_daily as (select * from stg_usage_daily),
int_usage_windows as (select * from int_usage_windows),

as_of_months as (
    select distinct cast(date_trunc('month', as_of_date) as date) as span_end from int_usage_windows
),

spans as (
    select lag(span_end) over (order by span_end) as span_start, span_end, from as_of_months
),

span_dates as (
    -- each date from the first as-of month on, with the as-of month that ends its span
    select cast(unnest(range(span_start, span_end, interval 1 day)) as date) as usage_date, span_end,
    from spans
    where span_start is not null
),

last_uses as (
    select
        stg_usage_daily.account_id,
        stg_usage_daily.module,
        -- a date before the first as-of month is in the span that month ends
        coalesce(span_dates.span_end, (select min(span_end) from as_of_months)) as span_end,
        max(stg_usage_daily.usage_date) filter (where stg_usage_daily.active_users > 0) as last_used_date,
    from stg_usage_daily
    left join span_dates on span_dates.usage_date = stg_usage_daily.usage_date
    where stg_usage_daily.usage_date < (select max(span_end) from as_of_months)
    group by all
)

select * from last_uses

-- one row per account × local date with usage events: its distinct users that day, across modules
-- (the daily account users health's usage trend reads). Run by the build and by the usage stage.
-- materialized: temp
-- series: shared
with

int_usage_user_days as (select * from int_usage_user_days),

account_days as (
    select
        usage_date as date,
        account_id,
        count(distinct user_id) as active_users,
    from int_usage_user_days
    group by usage_date, account_id
)

select * from account_days

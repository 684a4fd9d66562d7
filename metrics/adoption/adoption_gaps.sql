-- one row per account × module that is paid or was used in the window W (placeholder accounts aside):
-- how many of the account's users use it, and whether it is a paid module left unused (a gap), from
-- int_module_gaps; beside them the trend against the W dates before, the last use and the value at stake.
-- materialized: table
-- unique: account_id, module
with

stg_accounts as (select * from stg_accounts),
int_module_gaps as (select * from int_module_gaps),
int_module_usage as (select * from int_module_usage),
int_usage_windows as (select * from int_usage_windows),

modules_of_accounts as (
    select
        int_module_gaps.*,
        coalesce(int_module_usage.previous_users, 0) as previous_active_users,
        int_module_usage.last_used_at,
        stg_accounts.paid_seats,
        stg_accounts.mrr,
    from int_module_gaps
    join stg_accounts using (account_id)
    left join int_module_usage using (account_id, module)
),

rates as (
    select
        modules_of_accounts.*,
        case when paid_seats > 0 then account_users_30d / paid_seats end as seat_utilisation,
        case when previous_active_users > 0
             then 100.0 * (active_users_30d - previous_active_users) / previous_active_users end as trend_pct,
        int_usage_windows.as_of_date - cast(timezone(getvariable('default_timezone'), last_used_at) as date)
            as days_since_used,
    from modules_of_accounts
    cross join int_usage_windows
),

value_at_stake as (
    select
        *,
        -- the account's value at stake, on each of its rows: mrr × gap modules ÷ paid modules
        -- (DESIGN's call-list value); null without paid modules
        mrr * count(*) filter (where is_gap) over (partition by account_id)
            / nullif(count(*) filter (where paid) over (partition by account_id), 0) as value_at_stake,
    from rates
)

select
    account_id,
    module,
    paid,
    active_users_30d,
    adoption_rate,
    last_used_at,
    is_gap,
    value_at_stake,
    trend_pct,
    previous_active_users,
    days_since_used,
    account_users_30d,
    paid_seats,
    seat_utilisation,
from value_at_stake

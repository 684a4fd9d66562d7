-- one row per account × module that is paid or was used in the window W (placeholder accounts aside):
-- how many of the account's users use it, and whether it is a paid module left unused (a gap).
-- materialized: table
-- unique: account_id, module
with

stg_accounts as (select * from stg_accounts),
stg_account_modules as (select * from stg_account_modules),
int_module_usage as (select * from int_module_usage),
int_account_usage as (select * from int_account_usage),
int_usage_windows as (select * from int_usage_windows),
analysis_settings as (select * from analysis_settings),

paid_or_used as (
    select account_id, module from stg_account_modules where is_paid
    union
    select account_id, module from int_module_usage where users > 0
),

modules_of_accounts as (
    select
        paid_or_used.account_id,
        paid_or_used.module,
        coalesce(stg_account_modules.is_paid, false) as paid,
        coalesce(int_module_usage.users, 0) as active_users_30d,
        coalesce(int_module_usage.previous_users, 0) as previous_active_users,
        int_module_usage.last_used_at,
        coalesce(int_account_usage.users, 0) as account_users_30d,
        stg_accounts.paid_seats,
        stg_accounts.mrr,
    from paid_or_used
    join stg_accounts on stg_accounts.account_id = paid_or_used.account_id and not stg_accounts.is_placeholder
    left join stg_account_modules
        on stg_account_modules.account_id = paid_or_used.account_id
        and stg_account_modules.module = paid_or_used.module
    left join int_module_usage
        on int_module_usage.account_id = paid_or_used.account_id
        and int_module_usage.module = paid_or_used.module
    left join int_account_usage on int_account_usage.account_id = paid_or_used.account_id
),

rates as (
    select
        modules_of_accounts.*,
        -- module users ÷ account users; null when the account had no users
        case when account_users_30d > 0 then active_users_30d / account_users_30d end as adoption_rate,
        case when paid_seats > 0 then account_users_30d / paid_seats end as seat_utilisation,
        case when previous_active_users > 0
             then 100.0 * (active_users_30d - previous_active_users) / previous_active_users end as trend_pct,
        int_usage_windows.as_of_date - cast(timezone(getvariable('default_timezone'), last_used_at) as date)
            as days_since_used,
        analysis_settings.min_adoption_rate,
    from modules_of_accounts
    cross join int_usage_windows
    cross join analysis_settings
),

gaps as (
    select
        * exclude (min_adoption_rate),
        -- a paid module nobody used in the window, or used by too few of the account's users
        paid and (active_users_30d = 0 or coalesce(adoption_rate, 0) < min_adoption_rate) as is_gap,
    from rates
),

value_at_stake as (
    select
        *,
        -- the account's value at stake, on each of its rows: mrr × gap modules ÷ paid modules
        -- (DESIGN's call-list value); null without paid modules
        mrr * count(*) filter (where is_gap) over (partition by account_id)
            / nullif(count(*) filter (where paid) over (partition by account_id), 0) as value_at_stake,
    from gaps
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

-- one row per account × module that is paid or was used in the window W (placeholder accounts aside): its users,
-- the account's, the adoption rate, and whether it is a paid module left unused (a gap) (DESIGN, adoption_gaps).
-- What the health score counts; adoption_gaps adds the trend, the last use and the value at stake.
-- materialized: temp
with

stg_accounts as (select * from stg_accounts),
stg_account_modules as (select * from stg_account_modules),
int_module_users as (select * from int_module_users),
int_account_usage as (select * from int_account_usage),
analysis_settings as (select * from analysis_settings),

paid_or_used as (
    select account_id, module from stg_account_modules where is_paid
    union
    select account_id, module from int_module_users where users > 0
),

modules_of_accounts as (
    select
        paid_or_used.account_id,
        paid_or_used.module,
        coalesce(stg_account_modules.is_paid, false) as paid,
        coalesce(int_module_users.users, 0) as active_users_30d,
        coalesce(int_account_usage.users, 0) as account_users_30d,
    from paid_or_used
    join stg_accounts on stg_accounts.account_id = paid_or_used.account_id and not stg_accounts.is_placeholder
    left join stg_account_modules
        on stg_account_modules.account_id = paid_or_used.account_id
        and stg_account_modules.module = paid_or_used.module
    left join int_module_users
        on int_module_users.account_id = paid_or_used.account_id
        and int_module_users.module = paid_or_used.module
    left join int_account_usage on int_account_usage.account_id = paid_or_used.account_id
),

rates as (
    select
        modules_of_accounts.*,
        -- module users ÷ account users; null when the account had no users
        case when account_users_30d > 0 then active_users_30d / account_users_30d end as adoption_rate,
    from modules_of_accounts
),

gaps as (
    select
        rates.*,
        -- a paid module nobody used in the window, or used by too few of the account's users
        rates.paid and (rates.active_users_30d = 0 or coalesce(rates.adoption_rate, 0) < analysis_settings.min_adoption_rate)
            as is_gap,
    from rates
    cross join analysis_settings
)

select * from gaps

-- one row per account (placeholders aside, churned ones priced too): project complexity from its four inputs,
-- the price the formula gives, and how it compares with what the account has paid (support_price)
-- materialized: table
-- unique: account_id
with

stg_accounts as (select * from stg_accounts),
pricing_implementation_points as (select * from pricing_implementation_points),
analysis_settings as (select * from analysis_settings),

inputs as (
    select
        stg_accounts.account_id,
        stg_accounts.cs_manager,
        stg_accounts.is_placeholder,
        stg_accounts.churned_at,
        stg_accounts.implementation_type,
        stg_accounts.implementation_hours,
        stg_accounts.custom_enhancements,
        stg_accounts.active_users,
        stg_accounts.support_price,
        pricing_implementation_points.points as implementation_points,
    from stg_accounts
    left join pricing_implementation_points using (implementation_type)
    where not stg_accounts.is_placeholder
),

scored as (
    select
        inputs.*,
        -- complexity = Σ weight × input; a missing input or an unknown type counts 0
        coalesce(implementation_points, 0) * analysis_settings.pricing_weight_implementation
            + coalesce(implementation_hours, 0) * analysis_settings.pricing_weight_implementation_hours
            + coalesce(custom_enhancements, 0) * analysis_settings.pricing_weight_custom_enhancements
            + coalesce(active_users, 0) * analysis_settings.pricing_weight_active_users
            as complexity_score,
        analysis_settings.base_price,
        analysis_settings.price_per_point,
        analysis_settings.pricing_tolerance,
    from inputs
    cross join analysis_settings
),

priced as (
    select
        *,
        base_price + price_per_point * complexity_score as price,
        -- what was counted 0, and why
        nullif(concat_ws('; ',
            case when implementation_type is null then 'implementation_type missing'
                 when implementation_points is null then 'implementation_type unknown (' || implementation_type || ')' end,
            case when implementation_hours is null then 'implementation_hours missing' end,
            case when custom_enhancements is null then 'custom_enhancements missing' end,
            case when active_users is null then 'active_users missing' end
        ), '') as flags,
    from scored
),

compared as (
    select
        *,
        price - support_price as price_difference,
        100.0 * (price - support_price) / nullif(support_price, 0) as price_gap_pct,
        -- the formula asks more than the account pays: it is underpriced (and the other way round)
        case
            when support_price is null then null
            when support_price = 0 then case when price > 0 then 'underpriced' else 'in_line' end
            when (price - support_price) / support_price > pricing_tolerance then 'underpriced'
            when (price - support_price) / support_price < -pricing_tolerance then 'overpriced'
            else 'in_line'
        end as pricing_status,
    from priced
)

select
    account_id,
    cs_manager,
    complexity_score,
    price,
    implementation_type,
    implementation_hours,
    custom_enhancements,
    active_users,
    implementation_points,
    flags,
    support_price,
    price_difference,
    price_gap_pct,
    pricing_status,
from compared

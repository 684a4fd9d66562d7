-- one row per account, placeholders for unknown accounts included
-- materialized: view
select
    account_id,
    name as account_name,
    coalesce(tier, getvariable('standard_tier')) as tier,
    cs_manager,
    sales_owner,
    paid_seats,
    active_users,
    mrr,
    implementation_type,
    implementation_hours,
    custom_enhancements,
    calendar as calendar_name,
    timezone,
    contract_start,
    renewal_date,
    churned_at,
    support_price,
    is_placeholder,
from accounts

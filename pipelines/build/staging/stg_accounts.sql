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
    calendar as calendar_name,
    timezone,
    churned_at,
    renewal_date,
    is_placeholder,
from accounts

-- one row per user action up to as-of
-- materialized: view
select
    account_id,
    user_id,
    module,
    "at" as used_at,
from usage_events
where "at" <= getvariable('as_of')

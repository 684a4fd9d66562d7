-- one row per status, assign or reply event up to as-of (later events are ignored)
-- materialized: view
select
    ticket_id,
    "at" as happened_at,
    kind,
    value,
    actor,
    position,
from ticket_events
where "at" <= getvariable('as_of')

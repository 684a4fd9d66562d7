-- one row per account with tickets: its resolution compliance and CSAT over the tickets created in the 90 days
-- before as-of, and its bug tickets open past their target, of any age (DESIGN, account_health: support, csat)
-- materialized: temp
with

sla_tickets as (select * from sla_tickets),

recent_tickets as (
    select
        account_id,
        count(*) filter (where sla_state = 'met') as met,
        count(*) filter (where sla_state in ('met', 'breached', 'open_breached')) as judged,
        avg(csat) as mean_csat,
    from sla_tickets
    where created_at >= getvariable('as_of') - interval 90 days
    group by account_id
),

open_breaches as (
    select
        account_id,
        count(*) filter (where sla_state = 'open_breached' and task_type = 'bug') as open_breached_bugs,
        count(*) filter (where sla_state = 'open_breached') as open_breached_tickets,
    from sla_tickets
    group by account_id
)

select
    account_id,
    coalesce(recent_tickets.met, 0) as met,
    coalesce(recent_tickets.judged, 0) as judged,
    recent_tickets.mean_csat,
    coalesce(open_breaches.open_breached_bugs, 0) as open_breached_bugs,
    coalesce(open_breaches.open_breached_tickets, 0) as open_breached_tickets,
from open_breaches
left join recent_tickets using (account_id)

-- one row per account (placeholders for unknown accounts included): who looks after it, its tier
-- and calendar, and its tickets as of the build
-- materialized: table
-- unique: account_id
with

accounts as (select * from stg_accounts),
tickets as (select * from sla_tickets),

ticket_counts as (
    select
        account_id,
        any_value(calendar) as calendar,
        count(*) as tickets,
        count(*) filter (where not is_resolved) as open_tickets,
        count(*) filter (where sla_state = 'at_risk') as at_risk_tickets,
        count(*) filter (where sla_state = 'open_breached') as open_breached_tickets,
        min(created_at) as first_ticket_at,
        max(created_at) as last_ticket_at,
    from tickets
    group by account_id
)

select
    accounts.account_id,
    accounts.account_name,
    accounts.tier,
    accounts.cs_manager,
    accounts.sales_owner,
    accounts.paid_seats,
    accounts.active_users,
    accounts.mrr,
    accounts.renewal_date,
    accounts.churned_at,
    accounts.is_placeholder,
    ticket_counts.calendar,
    coalesce(ticket_counts.tickets, 0) as tickets,
    coalesce(ticket_counts.open_tickets, 0) as open_tickets,
    coalesce(ticket_counts.at_risk_tickets, 0) as at_risk_tickets,
    coalesce(ticket_counts.open_breached_tickets, 0) as open_breached_tickets,
    ticket_counts.first_ticket_at,
    ticket_counts.last_ticket_at,
from accounts
left join ticket_counts using (account_id)

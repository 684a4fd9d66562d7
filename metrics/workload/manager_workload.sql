-- one row per CS manager with live accounts (non-churned, placeholders aside): how many projects against the
-- capacity of a dedicated manager, the complexity they carry, and their clients' open tickets as of the build
-- materialized: table
-- unique: cs_manager
with

stg_accounts as (select * from stg_accounts),
complexity_pricing as (select * from complexity_pricing),
sla_tickets as (select * from sla_tickets),
analysis_settings as (select * from analysis_settings),

live_accounts as (
    select account_id, cs_manager,
    from stg_accounts
    where cs_manager is not null
      and not is_placeholder
      and not coalesce(churned_at <= getvariable('as_of'), false)
),

tickets_of_live_accounts as (
    select
        live_accounts.cs_manager,
        count(*) filter (where not sla_tickets.is_resolved) as open_tickets,
        count(*) filter (where sla_tickets.sla_state = 'at_risk') as at_risk_tickets,
        count(*) filter (where sla_tickets.sla_state = 'open_breached') as open_breached_tickets,
    from sla_tickets
    join live_accounts using (account_id)
    group by all
),

portfolios as (
    select
        live_accounts.cs_manager,
        count(*) as accounts,
        sum(complexity_pricing.complexity_score) as complexity_total,
    from live_accounts
    left join complexity_pricing using (account_id)
    group by all
)

select
    portfolios.cs_manager,
    portfolios.accounts,
    portfolios.complexity_total,
    analysis_settings.manager_capacity as capacity,
    -- capacity counts projects: over it when a manager holds more accounts than a dedicated one may
    portfolios.accounts > analysis_settings.manager_capacity as over_capacity,
    coalesce(tickets_of_live_accounts.open_tickets, 0) as open_tickets,
    coalesce(tickets_of_live_accounts.at_risk_tickets, 0) as at_risk_tickets,
    coalesce(tickets_of_live_accounts.open_breached_tickets, 0) as open_breached_tickets,
from portfolios
cross join analysis_settings
left join tickets_of_live_accounts using (cs_manager)

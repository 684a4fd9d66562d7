-- one row per ticket resolved as of the build: what the resolution-time comparisons group by
-- materialized: temp
with

sla_tickets as (select * from sla_tickets),

resolved as (
    select
        ticket_id,
        tier,
        task_type,
        cs_manager,
        -- tickets.reassignments, else assign events less one (clamped at 0; sla_tickets did it)
        reassignments,
        resolution_business_min,
    from sla_tickets
    where is_resolved and resolution_business_min is not null
)

select * from resolved

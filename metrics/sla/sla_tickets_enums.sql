-- the values each low-cardinality text column of sla_tickets can take in this build, one row per
-- (column, value): the mart stores these columns as ENUMs of them (read back as the same text).
-- Read from the mart's small or single-column inputs, never from the clock chain: a superset of
-- what the mart holds is enough, a value missing here fails the build loudly (a failed cast).
-- A column of the monthly mart taken from one of these keeps its ENUM.
with

tickets as (select * from stg_tickets),
account_policies as (select * from int_account_policies),
calendar_choices as (select * from calendar_choices),

ticket_values as (
    select 'channel' as column_name, channel as value from tickets group by all
    union all select 'task_type', task_type from tickets group by all
    union all select 'status', status from tickets group by all
    union all select 'priority', priority from tickets group by all
    union all select 'team', team from tickets group by all
),

account_values as (
    select 'tier' as column_name, tier as value from account_policies group by all
    union all select 'policy_tier', policy_tier from account_policies group by all
    union all select 'cs_manager', cs_manager from account_policies group by all
    union all select 'calendar', calendar_label from calendar_choices group by all
),

-- the states sla_tickets.sql itself writes
state_values as (
    select 'sla_state' as column_name, unnest(['met', 'breached', 'open_breached', 'at_risk', 'open']) as value
)

select column_name, value from ticket_values where value is not null
union all select column_name, value from account_values where value is not null
union all select column_name, value from state_values

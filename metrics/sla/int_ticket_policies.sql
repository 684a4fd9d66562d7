-- one row per ticket created as of the build: the policy and calendar that judge it, its targets.
-- A view: the whole clock chain down to the mart runs as one pipeline over the tickets, without
-- writing millions of rows in between; each step reads only the columns it needs.
-- materialized: view
with

tickets as (select * from stg_tickets),
account_policies as (select * from int_account_policies),
response_targets as (select * from policy_response_targets),
resolution_targets as (select * from policy_resolution_targets),

tickets_joined_to_policies as (
    select
        tickets.*,
        account_policies.* exclude (account_id),
    from tickets
    join account_policies using (account_id)
),

tickets_with_targets as (
    select
        tickets.*,
        response_targets.target_min as response_target_min,
        -- compound tasks are judged per subtask; null or 0 subtasks count as one
        resolution_targets.target_min
            * case when tickets.task_type = 'compound' then greatest(coalesce(tickets.subtasks, 1), 1) else 1 end
            as policy_resolution_target_min,
    from tickets_joined_to_policies as tickets
    left join response_targets
        on response_targets.tier = tickets.policy_tier and response_targets.channel = tickets.channel
    left join resolution_targets
        on resolution_targets.tier = tickets.policy_tier and resolution_targets.task_type = tickets.task_type
)

select * from tickets_with_targets

-- one row per account (placeholders included): the SLA policy and calendar that judge its tickets
-- materialized: temp
with

accounts as (select * from stg_accounts),
policy_tiers as (select * from policy_tiers),
calendar_choices as (select * from calendar_choices),

accounts_joined_to_policies as (
    select
        accounts.account_id,
        accounts.tier,
        -- a tier with no [sla.TIER] table of its own is judged by the standard one
        coalesce(policy_tiers.tier, getvariable('standard_tier')) as policy_tier,
        accounts.calendar_name,
        accounts.timezone,
        accounts.cs_manager,
        accounts.is_placeholder,
    from accounts
    left join policy_tiers on policy_tiers.tier = accounts.tier
),

accounts_with_calendars as (
    select
        accounts.account_id,
        accounts.tier,
        accounts.policy_tier,
        accounts.cs_manager,
        accounts.is_placeholder,
        calendar_choices.calendar_id,
        calendar_choices.calendar_label,
        calendar_choices.at_risk_share,
    from accounts_joined_to_policies as accounts
    left join calendar_choices
        on calendar_choices.policy_tier = accounts.policy_tier
        and calendar_choices.account_calendar is not distinct from accounts.calendar_name
        and calendar_choices.account_timezone is not distinct from accounts.timezone
)

select * from accounts_with_calendars

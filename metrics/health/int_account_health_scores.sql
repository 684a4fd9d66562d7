-- one row per account that exists as of the build (placeholders aside; an account whose contract starts later
-- is not there yet): the health components (0-100), the weighted score and band, upsell readiness, and why.
-- Computed as of any instant: the history and the churn backtest run this same model at other dates.
-- materialized: temp
with

stg_accounts as (select * from stg_accounts),
int_account_usage as (select * from int_account_usage),
int_account_support as (select * from int_account_support),
int_module_gaps as (select * from int_module_gaps),
int_usage_windows as (select * from int_usage_windows),
analysis_settings as (select * from analysis_settings),

paid_modules as (
    select
        account_id,
        count(*) filter (where paid) as paid_modules,
        count(*) filter (where is_gap) as gap_modules,
    from int_module_gaps
    group by account_id
),

accounts_as_of as (
    select
        stg_accounts.account_id,
        stg_accounts.account_name,
        stg_accounts.cs_manager,
        stg_accounts.sales_owner,
        stg_accounts.tier,
        stg_accounts.mrr,
        stg_accounts.paid_seats,
        stg_accounts.renewal_date,
        coalesce(stg_accounts.churned_at <= getvariable('as_of'), false) as is_churned,
        coalesce(int_account_usage.users, 0) as users_30d,
        coalesce(int_account_usage.mean_daily_users, 0) as mean_daily_users,
        coalesce(int_account_usage.previous_60_mean_daily_users, 0) as previous_60_mean_daily_users,
        coalesce(int_account_usage.window_user_days, 0) as window_user_days,
        coalesce(int_account_usage.previous_60_user_days, 0) as previous_60_user_days,
        int_usage_windows.window_days,
        coalesce(paid_modules.paid_modules, 0) as paid_modules,
        coalesce(paid_modules.gap_modules, 0) as gap_modules,
        coalesce(int_account_support.judged, 0) as judged_90d,
        coalesce(int_account_support.met, 0) as met_90d,
        int_account_support.mean_csat,
        coalesce(int_account_support.open_breached_bugs, 0) as open_breached_bugs,
        coalesce(int_account_support.open_breached_tickets, 0) as open_breached_tickets,
        stg_accounts.renewal_date - int_usage_windows.as_of_date as days_to_renewal,
    from stg_accounts
    cross join int_usage_windows
    left join int_account_usage using (account_id)
    left join paid_modules using (account_id)
    left join int_account_support using (account_id)
    where not stg_accounts.is_placeholder
      and (stg_accounts.contract_start is null or stg_accounts.contract_start <= int_usage_windows.as_of_date)
),

usage_measures as (
    select
        accounts_as_of.*,
        case when paid_seats > 0 then users_30d / paid_seats end as seat_utilisation,
        -- the last W days' mean daily users against the 60 days before: fell more than 25 % below?
        -- (sum_W / W < 0.75 x sum_60 / 60, in whole numbers: exactly 25 % down is no drop)
        240 * window_user_days < 3 * window_days * previous_60_user_days as is_usage_dropped,
        -- up at least 10 % (from nothing to something is up): sum_W / W >= 1.1 x sum_60 / 60, exactly
        case when previous_60_user_days > 0 then 600 * window_user_days >= 11 * window_days * previous_60_user_days
             else window_user_days > 0 end as is_usage_up,
        case when previous_60_mean_daily_users > 0
             then 100.0 * (mean_daily_users - previous_60_mean_daily_users) / previous_60_mean_daily_users
        end as usage_trend_pct,
    from accounts_as_of
),

components as (
    select
        usage_measures.*,
        analysis_settings.*,
        -- usage: seat utilisation banded, less 20 when daily users fell; never missing
        greatest(
            case when paid_seats = 0 then 0
                 when seat_utilisation >= analysis_settings.seats_full then 100
                 when seat_utilisation >= 0.5 then 60
                 else 0 end
            - case when is_usage_dropped then 20 else 0 end,
            0
        ) as usage,
        -- adoption: share of paid modules that are not gaps; missing without paid modules
        case when paid_modules > 0 then 100.0 * (paid_modules - gap_modules) / paid_modules end as adoption,
        -- support: resolution compliance of the last 90 days, less 25 per open breached bug
        case when judged_90d > 0 then greatest(100.0 * met_90d / judged_90d - 25 * open_breached_bugs, 0) end
            as support,
        (mean_csat - 1) / 4 * 100 as csat,
        case when days_to_renewal > 90 then 100 when days_to_renewal > 30 then 50
             when days_to_renewal is not null then 0 end as renewal,
    from usage_measures
    cross join analysis_settings
),

scores as (
    select
        *,
        -- a missing component leaves the weighting: the others share its weight
        (weight_usage * usage + coalesce(weight_adoption * adoption, 0) + coalesce(weight_support * support, 0)
            + coalesce(weight_csat * csat, 0) + coalesce(weight_renewal * renewal, 0))
        -- (no weight left: no score; 0/0 would be NaN, which DuckDB orders above every number)
        / nullif(weight_usage + case when adoption is null then 0 else weight_adoption end
            + case when support is null then 0 else weight_support end
            + case when csat is null then 0 else weight_csat end
            + case when renewal is null then 0 else weight_renewal end, 0)
            as health_score,
    from components
),

banded as (
    select
        *,
        -- no score (every component with weight missing or weighted 0): no band either
        case when health_score is null then null when health_score >= green_from then 'green'
             when health_score >= yellow_from then 'yellow' else 'red' end as band,
    from scores
),

upsell as (
    select
        *,
        band = 'green'
            and (coalesce(seat_utilisation >= seats_full, false) or is_usage_up)
            and open_breached_tickets = 0
            and not is_churned
            as upsell_ready,
    from banded
),

reasons as (
    select
        *,
        -- why the score is what it is, as codes with their numbers (the page words them in the
        -- reader's language); a missing component says its weight went to the others
        list_filter([
            case when paid_seats = 0 then json_object('code', 'no_paid_seats') end,
            case when paid_seats > 0 and seat_utilisation < seats_full
                 then json_object('code', 'seats_used', 'pct', round(100 * seat_utilisation, 1),
                                  'full_pct', round(100 * seats_full, 1)) end,
            case when is_usage_dropped
                 then json_object('code', 'usage_dropped', 'pct', round(-usage_trend_pct, 1)) end,
            case when paid_modules = 0 then json_object('code', 'no_paid_modules') end,
            case when gap_modules > 0
                 then json_object('code', 'unused_modules', 'n', gap_modules, 'of', paid_modules) end,
            case when judged_90d = 0 then json_object('code', 'no_judged_tickets', 'days', 90) end,
            case when judged_90d > 0 and met_90d < judged_90d
                 then json_object('code', 'sla_missed', 'pct', round(100.0 * met_90d / judged_90d, 1),
                                  'days', 90) end,
            case when open_breached_bugs > 0
                 then json_object('code', 'breached_bugs', 'n', open_breached_bugs) end,
            case when mean_csat is null then json_object('code', 'no_csat', 'days', 90) end,
            case when mean_csat < 4 then json_object('code', 'csat_low', 'mean', round(mean_csat, 2)) end,
            case when renewal_date is null then json_object('code', 'no_renewal_date') end,
            case when days_to_renewal between 0 and 90
                 then json_object('code', 'renewal_soon', 'days', days_to_renewal) end,
            case when days_to_renewal < 0 then json_object('code', 'renewal_passed', 'days', -days_to_renewal) end
        ], reason -> reason is not null) as reason_list,
        -- why not to pitch an upsell now: each condition that failed
        list_filter([
            case when band <> 'green' then json_object('code', 'not_green', 'band', band) end,
            case when not (coalesce(seat_utilisation >= seats_full, false) or is_usage_up)
                 then json_object('code', 'no_growth', 'seats_pct', round(100 * coalesce(seat_utilisation, 0), 1),
                                  'full_pct', round(100 * seats_full, 1),
                                  'trend_pct', round(coalesce(usage_trend_pct, 0), 1)) end,
            case when open_breached_tickets > 0
                 then json_object('code', 'open_breached', 'n', open_breached_tickets) end,
            case when is_churned then json_object('code', 'churned') end
        ], reason -> reason is not null) as blocker_list,
    from upsell
)

select
    account_id,
    account_name,
    cs_manager,
    sales_owner,
    tier,
    mrr,
    health_score,
    band,
    usage,
    adoption,
    support,
    csat,
    renewal,
    upsell_ready,
    cast(to_json(reason_list) as varchar) as reasons,
    cast(to_json(blocker_list) as varchar) as upsell_blockers,
    seat_utilisation,
    users_30d,
    mean_daily_users,
    previous_60_mean_daily_users,
    usage_trend_pct,
    paid_modules,
    gap_modules,
    judged_90d,
    met_90d,
    mean_csat,
    open_breached_bugs,
    open_breached_tickets,
    days_to_renewal,
    is_churned,
from reasons

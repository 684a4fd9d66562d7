-- one row per account as of the build (placeholders aside): the health score, its band and components, the
-- churn risk from the backtested model, whether sales may pitch an upsell, and why (codes and English)
-- materialized: table
-- unique: account_id
with

int_account_health_scores as (select * from int_account_health_scores),
account_churn_risk as (select * from account_churn_risk),
health_reason_texts as (select * from health_reason_texts),

health as (
    select
        int_account_health_scores.*,
        account_churn_risk.churn_risk,
        health_reason_texts.reasons_text,
        health_reason_texts.upsell_text,
    from int_account_health_scores
    left join account_churn_risk using (account_id)
    left join health_reason_texts using (account_id)
)

select * from health

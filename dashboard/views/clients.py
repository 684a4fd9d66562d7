"""Clients — one account: its manager, tier, calendar, SLA trend and the tickets behind it."""

from __future__ import annotations

import streamlit as st

from dashboard import components, i18n, queries
from dashboard.components import t

version, filters = components.page_context()
lang = components.language()
st.title(t("page_clients"))

accounts = queries.accounts(version)
if accounts.empty:
    st.info(t("no_data"))
    st.stop()
account_id = components.account_picker(st, t("pick_client"), accounts, "client_account", "account")
account = accounts.set_index("account_id").loc[account_id]

first, second, third, fourth = st.columns(4)
first.metric(t("manager"), account["cs_manager"] or t("no_manager"))
second.metric(t("tier"), components.value_option("tier", account["tier"], lang))
third.metric(
    t("calendar"),
    components.value_option("calendar", account["calendar"], lang) if account["calendar"] else "—",
)
fourth.metric(t("open_tickets"), i18n.number(account["open_tickets"], lang))
if account["is_placeholder"]:
    st.warning(t("placeholder_account"))

health = queries.health_of(version, account_id, lang)
if health:
    st.subheader(t("health_score"))
    score, band, risk, seats = st.columns(4)
    score.metric(t("health_score"), i18n.number(health["health_score"], lang, 0))
    band.metric(t("col_band"), t(f"band_{health['band']}"))
    risk.metric(t("churn_risk"), i18n.percent(health["churn_risk"], lang, 0))
    seats.metric(t("seat_utilisation"), i18n.percent(health["seat_utilisation"], lang, 0))
    st.markdown(health["reasons_text"] or "—")
    st.caption(
        f"{t('upsell_ready') if health['upsell_ready'] else t('dont_pitch')}: {health['upsell_text'] or '✓'}"
    )
    components.score_line(queries.health_history(version, account_id), key="client_health_trend")
    st.subheader(t("modules_of_client"))
    modules = queries.account_modules(version, account_id)
    components.table(
        modules.assign(adoption_pct=(modules["adoption_rate"].astype(float) * 100).round(1))[
            ["module", "paid", "active_users_30d", "adoption_pct", "last_used_at", "is_gap", "trend_pct"]
        ],  # the table rounds trend_pct to one decimal, as every percentage
        f"modules_{account_id}",
    )

with st.spinner(t("loading")):
    totals = queries.compliance_totals(version, filters, "account", account_id)
    trend = queries.account_compliance(version, filters, account_id)
    tickets = queries.account_tickets(version, filters, account_id)

if not totals["tickets"]:
    st.info(t("no_data"))
    st.stop()

first, second, third, fourth = st.columns(4)
first.metric(t("response_sla"), i18n.percent(totals["response_pct"], lang), help=t("compliance_rule"))
second.metric(t("resolution_sla"), i18n.percent(totals["resolution_pct"], lang), help=t("compliance_rule"))
third.metric(t("at_risk"), i18n.number(account["at_risk_tickets"], lang))
fourth.metric(t("open_breached"), i18n.number(account["open_breached_tickets"], lang))

st.subheader(t("sla_trend"))
components.compliance_lines(trend, key="client_trend", marks=components.month_marks(version))
components.state_bar(totals)
st.caption(t("compliance_rule"))

open_tab, all_tab = st.tabs([t("open_tickets"), t("client_tickets")])
with open_tab:
    components.table(tickets[tickets["resolved_at"].isna()], f"open_tickets_{account_id}", listing=True)
with all_tab:
    components.table(tickets, f"tickets_{account_id}", listing=True)

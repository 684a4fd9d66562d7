"""Overview — the director's page: SLA, speed, backlog and quality of the department by month."""

from __future__ import annotations

import streamlit as st

from dashboard import components, i18n, queries
from dashboard.components import t

version, filters = components.page_context()
lang = components.language()
st.title(t("page_overview"))
st.caption(t("overview_caption"))

with st.spinner(t("loading")):
    stats = queries.ticket_stats(version, filters)
    totals = queries.compliance_totals(version, filters)
    monthly = queries.compliance_by_month(version, filters)
    speed = queries.ticket_stats_by_month(version, filters)

if not stats["tickets"]:
    st.info(t("no_data"))
    st.stop()

row = st.columns(4)
components.kpi(row[0], t("tickets"), i18n.number(stats["tickets"], lang))
components.kpi(
    row[1],
    t("response_sla"),
    i18n.percent(totals["response_pct"], lang),
    t(
        "of_judged",
        met=i18n.number(totals["response_met"], lang),
        judged=i18n.number(totals["response_denominator"], lang),
    )
    + ". "
    + t("compliance_rule"),
)
components.kpi(
    row[2],
    t("resolution_sla"),
    i18n.percent(totals["resolution_pct"], lang),
    t(
        "of_judged",
        met=i18n.number(totals["met"], lang),
        judged=i18n.number(totals["resolution_denominator"], lang),
    )
    + ". "
    + t("compliance_rule"),
)
components.kpi(row[3], t("csat"), i18n.number(stats["csat"], lang, 2))
components.inferred_responses_note(stats)
row = st.columns(4)
components.kpi(
    row[0],
    t("median_response"),
    i18n.hours(stats["median_response_min"], lang),
    t("business_hours"),
)
components.kpi(row[1], t("p90_response"), i18n.hours(stats["p90_response_min"], lang), t("business_hours"))
components.kpi(
    row[2],
    t("median_resolution"),
    i18n.hours(stats["median_resolution_min"], lang),
    t("business_hours"),
)
components.kpi(
    row[3], t("p90_resolution"), i18n.hours(stats["p90_resolution_min"], lang), t("business_hours")
)
last_row = st.columns(5)
components.kpi(last_row[0], t("backlog"), i18n.number(stats["backlog"], lang))
components.kpi(last_row[1], t("at_risk"), i18n.number(stats["at_risk"], lang))
components.kpi(last_row[2], t("open_breached"), i18n.number(stats["open_breached"], lang))
components.kpi(last_row[3], t("reopen_rate"), i18n.percent(stats["reopen_rate"], lang))
components.kpi(last_row[4], t("reassignment_rate"), i18n.percent(stats["reassignment_rate"], lang))
st.caption(t("compliance_rule"))

st.subheader(t("by_month"))
marks = components.month_marks(version)
left, right = st.columns(2)
with left:
    components.compliance_lines(monthly, key="overview_compliance", marks=marks)
with right:
    hours = speed.assign(
        median_response_h=speed["median_response_min"] / 60,
        median_resolution_h=speed["median_resolution_min"] / 60,
        p90_resolution_h=speed["p90_resolution_min"] / 60,
    )
    components.line_chart(
        hours,
        {
            "median_response_h": f"{t('response')} ({t('median')})",
            "median_resolution_h": f"{t('resolution')} ({t('median')})",
            "p90_resolution_h": f"{t('resolution')} ({t('p90')})",
        },
        t("business_hours_axis"),
        key="overview_speed",
        marks=marks,
    )

monthly_table = speed.assign(
    response_pct=(speed["response_pct"] * 100).round(1),
    resolution_pct=(speed["resolution_pct"] * 100).round(1),
    median_response_h=(speed["median_response_min"] / 60).round(1),
    median_resolution_h=(speed["median_resolution_min"] / 60).round(1),
    p90_resolution_h=(speed["p90_resolution_min"] / 60).round(1),
    reopen_pct=(speed["reopen_rate"] * 100).round(1),
    reassignment_pct=(speed["reassignment_rate"] * 100).round(1),
    csat=speed["csat"].round(2),
).rename(columns={"at_risk": "at_risk_tickets", "open_breached": "open_breached_tickets"})
# two tables of seven columns, so each fits a laptop's page beside the sidebar
st.markdown(f"**{t('sla_and_speed_by_month')}**")
speed_columns = ["month", "tickets", "response_pct", "resolution_pct", "median_response_h",
                 "median_resolution_h", "p90_resolution_h"]  # fmt: skip
components.table(monthly_table[speed_columns], "kpis_by_month")
st.markdown(f"**{t('backlog_and_quality_by_month')}**")
quality_columns = ["month", "backlog", "at_risk_tickets", "open_breached_tickets", "reopen_pct",
                   "reassignment_pct", "csat"]  # fmt: skip
components.table(monthly_table[quality_columns], "backlog_by_month")
st.caption(t("hours_note"))

st.subheader(t("kpi_levels"))
level = components.choice(
    st, t("level"), list(queries.LEVELS), "level_manager", "overview_level", param="level"
)
by_level = queries.kpis_by_level(version, filters, level)
shown = by_level.assign(
    response_pct=(by_level["response_pct"] * 100).round(1),
    resolution_pct=(by_level["resolution_pct"] * 100).round(1),
    median_response_h=(by_level["median_response_min"] / 60).round(1),
    median_resolution_h=(by_level["median_resolution_min"] / 60).round(1),
).rename(
    columns={
        "group_name": "group",
        "backlog": "open_tickets",
        "at_risk": "at_risk_tickets",
        "open_breached": "open_breached_tickets",
    }
)
if level == "level_manager":  # the same label for a missing manager as everywhere else
    shown["group"] = shown["group"].map(lambda g: i18n.value_label("cs_manager", g, lang))
# two tables, as by month: each fits the page with its headers whole
st.markdown(f"**{t('sla_and_speed')}**")
components.table(
    shown[["group", "tickets", "response_pct", "resolution_pct", "median_response_h", "median_resolution_h"]],
    f"kpis_{level}",
)
st.markdown(f"**{t('backlog_and_quality')}**")
components.table(
    shown[["group", "open_tickets", "at_risk_tickets", "open_breached_tickets", "csat"]],
    f"backlog_{level}",
)

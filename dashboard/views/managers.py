"""Managers — one CS manager: their portfolio, the at-risk queue of their clients, and how they
compare with the whole team."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import components, i18n, queries
from dashboard.components import t

version, filters = components.page_context()
lang = components.language()
st.title(t("page_managers"))

managers = [m for m in queries.filter_choices(version)["managers"] if m != queries.NO_MANAGER]
if not managers:
    st.info(t("no_data"))
    st.stop()
chosen = st.query_params.get("manager")
manager = st.selectbox(
    t("pick_manager"),
    managers,
    index=managers.index(chosen) if chosen in managers else 0,
    key="manager_pick",
    placeholder=t("choose"),
)
st.query_params["manager"] = manager

with st.spinner(t("loading")):
    mine = queries.manager_ticket_stats(version, filters, manager)
    team = queries.ticket_stats(version, filters)
    # compliance from the monthly mart, as every other page counts it
    mine |= {
        k: v
        for k, v in queries.compliance_totals(version, filters, "manager", manager).items()
        if k.endswith("_pct")
    }
    team |= {k: v for k, v in queries.compliance_totals(version, filters).items() if k.endswith("_pct")}
    portfolio = queries.manager_portfolio(version, filters, manager)
    queue = queries.at_risk_queue(version, filters, manager)
    overdue = queries.open_breached_queue(version, filters, manager)

st.subheader(t("manager_vs_team", manager=manager))
rows: list[tuple[str, str, Callable[[Any, str], str]]] = [
    ("response_sla", "response_pct", i18n.percent),
    ("resolution_sla", "resolution_pct", i18n.percent),
    ("median_response", "median_response_min", i18n.hours),
    ("median_resolution", "median_resolution_min", i18n.hours),
    ("p90_resolution", "p90_resolution_min", i18n.hours),
    ("reopen_rate", "reopen_rate", i18n.percent),
    ("csat", "csat", lambda v, lang: i18n.number(v, lang, 2)),
    ("tickets", "tickets", i18n.number),
]
manager_column = f"{t('manager')}: {manager}"  # never the same as the other two headers
comparison = pd.DataFrame(
    {
        t("statistic"): [t(label) for label, _, _ in rows],
        manager_column: [fmt(mine[key], lang) for _, key, fmt in rows],
        t("team"): [fmt(team[key], lang) for _, key, fmt in rows],
    }
)
components.table(comparison, f"manager_vs_team_{manager}")
st.caption(t("compliance_rule"))

st.subheader(t("portfolio"))
shown = portfolio.assign(
    response_pct=(portfolio["response_pct"] * 100).round(1),
    resolution_pct=(portfolio["resolution_pct"] * 100).round(1),
)[
    [
        "account_id",
        "account_name",
        "tier",
        "mrr",
        "tickets",
        "response_pct",
        "resolution_pct",
        "open_tickets",
        "at_risk_tickets",
        "open_breached_tickets",
    ]
]
components.table(shown, f"portfolio_{manager}")

st.subheader(t("at_risk_queue"))
components.table(queue, f"at_risk_{manager}", listing=True)
st.subheader(t("open_breached_queue"))
components.table(overdue, f"open_breached_{manager}", listing=True)

st.subheader(t("call_list_for", manager=manager))
calls = queries.call_list(version, queries.Filters(managers=(manager,)), lang)
if calls.empty:
    st.success(t("no_gaps"))
else:
    components.table(
        calls[["rank", "account_id", "account_name", "value_at_stake", "offer_text", "action_text"]].round(0),
        f"call_list_{manager}",
        listing=True,
    )

st.subheader(t("workload"))
workload = queries.manager_workload(version)
if not workload.empty:
    capacity = int(workload["capacity"].iloc[0])
    st.caption(t("workload_caption", capacity=capacity))
    left, right = st.columns(2)
    with left:
        components.bars(
            list(workload["cs_manager"]),
            list(workload["accounts"]),
            t("col_accounts"),
            key="workload_accounts",
            colours=["#c62828" if over else "#1565c0" for over in workload["over_capacity"]],
            line_at=capacity,
            line_label=t("capacity"),
        )
    with right:
        if workload["complexity_total"].isna().all():
            st.info(t("no_complexity"))
        else:
            components.bars(
                list(workload["cs_manager"]),
                list(workload["complexity_total"].round(1)),
                t("complexity_load"),
                key="workload_complexity",
            )
    components.table(
        workload[["cs_manager", "accounts", "capacity", "over_capacity", "complexity_total", "open_tickets",
                  "at_risk_tickets", "open_breached_tickets"]].round(1),
        "manager_workload",
    )  # fmt: skip

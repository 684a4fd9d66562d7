"""SLA — compliance by client, manager, channel or task type over time; breached and at-risk tickets."""

from __future__ import annotations

import functools
from datetime import date

import streamlit as st

from dashboard import components, i18n, queries
from dashboard.components import t

version, filters = components.page_context()
lang = components.language()
st.title(t("page_sla"))
st.caption(t("sla_caption") + " " + t("compliance_rule"))

left, right = st.columns([2, 1])
dimension = components.choice(
    left, t("dimension"), list(queries.DIMENSIONS), "dim_manager", "sla_dimension", param="dim"
)
clock = components.choice(
    right,
    t("clock_choice"),
    ["resolution_pct", "response_pct"],
    "resolution_pct",
    "sla_clock",
    format_func=lambda c, lang=lang: i18n.t("resolution" if c == "resolution_pct" else "response", lang),
    param="clock",
)

with st.spinner(t("loading")):
    by_group = queries.compliance_by(version, filters, dimension)
if by_group.empty:
    st.info(t("no_data"))
    st.stop()

components.inferred_responses_note(queries.ticket_stats(version, filters))
largest = queries.largest_groups(version, filters, dimension)
drawn = by_group[by_group["group_name"].isin(largest)]
# Where the export carries the source tool's own verdict (ServiceNow's made_sla): how often ours agrees.
agreement, agreement_n = queries.source_agreement(version, filters)
if agreement is not None:
    components.kpi(
        st,
        t("made_sla_agreement"),
        i18n.percent(agreement, lang),
        t("made_sla_agreement_help", n=i18n.number(agreement_n, lang)),
    )

st.subheader(t("compliance_by", dimension=t(dimension)))
selection = components.grouped_lines(
    drawn,
    clock,
    t("compliance_pct"),
    key=f"sla_chart_{dimension}_{clock}",
    marks=components.month_marks(version),
    column=queries.DIMENSIONS[dimension],
)
if len(set(by_group["group_name"])) > len(largest):
    st.caption(t("top_groups"))

# From the chart to the tickets behind it: a clicked point sets the pickers below (a widget with a
# key ignores `index=` once it has a value, so a new click writes the pickers' state itself).
points = (selection or {}).get("selection", {}).get("points", []) if selection else []
months = sorted(by_group["month"].unique())
groups = list(largest)
clicked = (points[0].get("customdata") or [None])[:2] if points else [None]
if clicked[0] is not None and st.session_state.get("sla_clicked") != (dimension, *clicked):
    st.session_state["sla_clicked"] = (dimension, *clicked)
    picked_group, picked_month = clicked[0], date.fromisoformat(str(clicked[1]))
    if picked_month in months:
        st.session_state["sla_pick_month"] = picked_month
    if picked_group in groups:
        st.session_state["sla_pick_group"] = picked_group
for key, options in (("sla_pick_month", months), ("sla_pick_group", groups)):
    if key in st.session_state and st.session_state[key] not in options:  # another dimension, period
        st.session_state.pop(key)
components.seed_from_param("sla_pick_month", "month", months, components.month_param)
components.seed_from_param("sla_pick_group", "group", groups)
st.subheader(t("tickets_behind"))
st.caption(t("select_hint"))
left, right = st.columns(2)
month = left.selectbox(
    t("month"),
    months,
    index=len(months) - 1,
    format_func=functools.partial(components.month_option, lang=lang),
    key="sla_pick_month",
    placeholder=t("choose"),
)
group = right.selectbox(
    t("group"),
    groups,
    index=0,
    format_func=functools.partial(components.value_option, queries.DIMENSIONS[dimension], lang=lang),
    key="sla_pick_group",
    placeholder=t("choose"),
)
components.keep_in_url("month", month)
components.keep_in_url("group", group)
components.table(
    queries.tickets_behind(version, filters, dimension, month, group), "tickets_behind", listing=True
)

tab_risk, tab_overdue, tab_breached = st.tabs(
    [t("at_risk_queue"), t("open_breached_queue"), t("breached_tickets")]
)
with tab_risk:
    components.table(queries.at_risk_queue(version, filters), "at_risk_queue", listing=True)
with tab_overdue:
    components.table(queries.open_breached_queue(version, filters), "open_breached_queue", listing=True)
with tab_breached:
    components.table(queries.breached_tickets(version, filters), "breached_tickets", listing=True)

"""Adoption — paid modules a client does not use: the call list of the managers picked in the
sidebar, the accounts × modules heatmap, seat utilisation."""

from __future__ import annotations

import streamlit as st

from dashboard import components, i18n, queries
from dashboard.components import t

version, filters = components.page_context()
lang = components.language()
st.title(t("page_adoption"))
st.caption(t("adoption_caption"))

with st.spinner(t("loading")):
    calls = queries.call_list(version, filters, lang)
    modules = queries.adoption(version, filters)

if modules.empty:
    st.info(t("no_data"))
    st.stop()

first, second = st.columns(2)
first.metric(t("accounts_with_gaps"), i18n.number(len(calls), lang))
second.metric(t("value_at_stake_total"), i18n.number(calls["value_at_stake"].sum(), lang))

st.subheader(t("call_list"))
if not filters.managers:
    st.caption(t("pick_manager_in_sidebar"))
if calls.empty:
    st.success(t("no_gaps"))
else:
    shown = calls[
        ["cs_manager", "rank", "account_id", "account_name", "value_at_stake", "offer_text", "action_text"]
    ]
    components.table(shown.assign(value_at_stake=shown["value_at_stake"].round(0)), "call_list", listing=True)

st.subheader(t("adoption_heatmap"))
adoption_settings = queries.settings_in_force(version, "adoption")
st.caption(
    t(
        "heatmap_hint",
        days=adoption_settings.get("window_days", 30),
        rate=i18n.percent(adoption_settings.get("min_adoption_rate"), lang, 0),
    )
)
components.adoption_heatmap(modules, key="adoption_heatmap")

st.subheader(t("seat_utilisation"))
seats = modules.drop_duplicates("account_id").sort_values("seat_utilisation", ascending=False)
labels = list(seats["account_name"].fillna(seats["account_id"]))
components.bars(
    labels,
    list((seats["seat_utilisation"].astype(float) * 100).round(1)),
    t("seat_axis"),
    key="seat_bars",
    line_at=100 * float(queries.settings_in_force(version, "health").get("seats_full", 0.8)),
)

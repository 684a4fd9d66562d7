"""Health — for sales: accounts by band with their score, components and reasons; who is ready for
an upsell and why; who not to pitch now and why; how well the weights predicted churn."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import components, i18n, queries
from dashboard.components import t

version, filters = components.page_context()
lang = components.language()
st.title(t("page_health"))
st.caption(t("health_caption"))

with st.spinner(t("loading")):
    health = queries.account_health(version, filters, lang)
    backtest = queries.health_backtest(version)

if health.empty:
    st.info(t("no_data"))
    st.stop()

counts = health["band"].value_counts()
columns = st.columns(4)
for column, band in zip(columns, ("green", "yellow", "red"), strict=False):
    column.metric(t(f"band_{band}"), i18n.number(counts.get(band, 0), lang))
columns[3].metric(t("upsell_ready"), i18n.number(int(health["upsell_ready"].sum()), lang))

COMPONENTS = ["usage", "adoption", "support", "csat", "renewal"]


def _shown(frame: pd.DataFrame, why: str) -> pd.DataFrame:
    rounded = frame.assign(
        health_score=frame["health_score"].round(1),
        band=frame["band"].map(lambda b: t(f"band_{b}")),
        churn_risk_pct=(frame["churn_risk"].astype(float) * 100).round(0),
        **{c: frame[c].astype(float).round(0) for c in COMPONENTS},
    )
    return rounded[["account_id", "account_name", "cs_manager", "sales_owner", "health_score", "band",
                    *COMPONENTS, "churn_risk_pct", why]]  # fmt: skip


st.subheader(t("accounts_by_band"))
components.bars(
    list(health["account_name"].fillna(health["account_id"])),
    list(health["health_score"].round(1)),
    t("health_score"),
    key="health_bars",
    colours=list(health["band"].map(components.BAND_COLOURS)),
)
components.table(_shown(health, "reasons_text"), "account_health", listing=True)

ready, not_now = st.tabs([t("upsell_ready"), t("dont_pitch")])
with ready:
    ready_rows = health[health["upsell_ready"].astype(bool)].sort_values("health_score", ascending=False)
    if ready_rows.empty:
        st.info(t("no_upsell"))
    else:
        components.table(_shown(ready_rows, "reasons_text"), "upsell_ready", listing=True)
with not_now:
    components.table(
        _shown(health[~health["upsell_ready"].astype(bool)], "upsell_text"), "dont_pitch", listing=True
    )

st.subheader(t("backtest"))
if backtest:
    st.caption(t("backtest_caption", days=backtest["lead_days"]))
    if backtest["reason"]:
        st.info(backtest["reason"])
    first, second, third = st.columns(3)
    first.metric(t("auc_model"), i18n.number(backtest["auc_model"], lang, 2))
    second.metric(t("auc_hand"), i18n.number(backtest["auc_hand_weights"], lang, 2))
    third.metric(t("labels"), f"{backtest['n_churned']} / {backtest['n_retained']}")
    weights = pd.DataFrame(
        {
            "component": [t(f"comp_{c}") for c in COMPONENTS],
            "hand_weight": [backtest[f"weight_{c}"] for c in COMPONENTS],
            "model_coefficient": [backtest[f"coef_{c}"] for c in COMPONENTS],
        }
    ).round(3)
    components.table(
        weights.rename(columns={c: t(c) for c in ("component", "hand_weight", "model_coefficient")}),
        "backtest_weights",
    )

"""Pricing — what each account should pay from its project's complexity, against what it pays;
the under- and over-priced accounts; the configured weights beside the calibration's."""

from __future__ import annotations

import streamlit as st

from dashboard import components, i18n, queries
from dashboard.components import t

version, filters = components.page_context()
lang = components.language()
st.title(t("page_pricing"))
st.caption(t("pricing_caption"))

with st.spinner(t("loading")):
    pricing = queries.complexity_pricing(version, filters)
    calibration = queries.pricing_calibration(version)

if pricing.empty:
    st.info(t("no_data"))
    st.stop()

st.subheader(t("formula_vs_paid"))
components.price_scatter(pricing, key="price_scatter")
COLUMNS = ["account_id", "account_name", "complexity_score", "price", "support_price", "price_difference",
           "price_gap_pct", "flags"]  # fmt: skip
rounded = pricing.assign(
    complexity_score=pricing["complexity_score"].round(2),
    price=pricing["price"].round(0),
    price_difference=pricing["price_difference"].round(0),
    price_gap_pct=pricing["price_gap_pct"].round(1),
)
under, over, everyone = st.tabs([t("underpriced"), t("overpriced"), t("accounts")])
with under:
    components.table(rounded[rounded["pricing_status"] == "underpriced"][COLUMNS], "underpriced")
with over:
    components.table(rounded[rounded["pricing_status"] == "overpriced"][COLUMNS], "overpriced")
with everyone:
    components.table(rounded[COLUMNS], "complexity_pricing")

st.subheader(t("weights_vs_fit"))
if not calibration.empty:
    first = calibration.iloc[0]
    if isinstance(first["reason"], str):
        st.info(first["reason"])
    else:
        st.caption(
            t(
                "fit_quality",
                n=int(first["accounts"]),
                mae_c=i18n.number(first["mae_configured"], lang),
                mae_f=i18n.number(first["mae_fitted"], lang),
                r2_c=i18n.number(first["r2_configured"], lang, 3),
                r2_f=i18n.number(first["r2_fitted"], lang, 3),
            )
        )
    shown = calibration[["setting", "configured", "fitted"]].round(4)
    components.table(
        shown.rename(columns={c: t(c) for c in ("setting", "configured", "fitted")}), "pricing_weights"
    )

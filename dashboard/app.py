"""CS Pulse dashboard: the router. Navigation, the language switch and the shared filters.

Run it with `cspulse dashboard` (it serves the snapshot `cspulse build` publishes).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import components

# Not "pages/": Streamlit would also discover that folder as a legacy multipage app, and a
# deep link opened before the router ever ran would bypass it.
PAGES = Path(__file__).resolve().parent / "views"

st.set_page_config(page_title="CS Pulse", page_icon=":material/monitor_heart:", layout="wide")
version = components.snapshot_or_stop()
components.seed_from_url()  # the language first: the navigation below is labelled in it
components.page_style()
t = components.t
navigation = st.navigation(
    {
        t("section_department"): [
            st.Page(
                PAGES / "overview.py",
                title=t("page_overview"),
                icon=":material/dashboard:",
                default=True,
            ),
            st.Page(PAGES / "sla.py", title=t("page_sla"), icon=":material/timer:"),
            st.Page(PAGES / "deltas.py", title=t("page_deltas"), icon=":material/speed:"),
        ],
        t("section_portfolio"): [
            st.Page(PAGES / "clients.py", title=t("page_clients"), icon=":material/business:"),
            st.Page(PAGES / "managers.py", title=t("page_managers"), icon=":material/support_agent:"),
            st.Page(PAGES / "adoption.py", title=t("page_adoption"), icon=":material/extension:"),
        ],
        t("section_sales"): [
            st.Page(PAGES / "health.py", title=t("page_health"), icon=":material/favorite:"),
            st.Page(PAGES / "pricing.py", title=t("page_pricing"), icon=":material/payments:"),
        ],
        t("section_system"): [
            st.Page(PAGES / "data.py", title=t("page_data"), icon=":material/database:"),
        ],
    }
)
st.session_state["filters"] = components.sidebar(version)
st.session_state["version"] = version
navigation.run()

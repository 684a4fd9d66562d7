"""Data — what was loaded and rejected, unknown accounts, the configuration and as-of of the build."""

from __future__ import annotations

import streamlit as st

from dashboard import components, i18n, queries
from dashboard.components import t

version, _ = components.page_context()
lang = components.language()
st.title(t("page_data"))

build = queries.latest_build(version)
if build:
    st.info(
        t(
            "built_at",
            finished=i18n.moment(build["finished_at"], lang) + " UTC",
            as_of=i18n.moment(build["as_of"], lang) + " UTC",
        )
    )

st.subheader(t("ingest_runs"))
runs = queries.ingest_runs(version).rename(columns={"status": "run_status"})
components.table(
    runs[
        [
            "run_id",
            "file",
            "kind",
            "source",
            "rows_read",
            "rows_loaded",
            "rows_rejected",
            "run_status",
            "message",
            "finished_at",
        ]
    ],
    "ingest_runs",
)

st.subheader(t("rejected_rows"))
rejected = queries.rejected_rows(version)
if rejected.empty:
    st.success(t("no_rejects"))
else:
    components.table(rejected, "rejected_rows", height=300)

st.subheader(t("placeholders"))
placeholders = queries.placeholder_accounts(version)
if placeholders.empty:
    st.success(t("no_placeholders"))
else:
    components.table(placeholders, "placeholder_accounts")

st.subheader(t("config_in_force"))
if build:
    st.code(build["config"], language="toml")

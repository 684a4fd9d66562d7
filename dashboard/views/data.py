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
# rejects split by why, invalid first: the real problems before earlier versions and copies
shown_runs = [
    "run_id",
    "file",
    "kind",
    "source",
    "rows_read",
    "rows_loaded",
    "rows_rejected",
    "rows_invalid",
    "rows_superseded",
    "rows_duplicate",
    "rows_history",
    "run_status",
    "message",
    "finished_at",
]
components.table(runs[[c for c in shown_runs if c in runs.columns]], "ingest_runs", listing=True)
failed = runs[runs["run_status"] == "failed"]
for file in failed["file"]:
    st.error(t("run_failed", file=file))

st.subheader(t("rejected_rows"))
rejected = queries.rejected_rows(version)
if rejected.empty:
    st.success(t("no_rejects"))
else:
    counts = queries.rejected_counts(version)
    st.markdown(
        t(
            "rejects_by_why",
            invalid=i18n.number(counts["invalid"], lang),
            superseded=i18n.number(counts["superseded"], lang),
            duplicate=i18n.number(counts["duplicate"], lang),
        )
    )
    rejected["category"] = rejected["category"].map(lambda c: t(f"reject_{c}"))
    components.table(rejected, "rejected_rows", height=300, listing=True)

st.subheader(t("ingest_warnings"))
warnings = queries.ingest_warnings(version)
if warnings.empty:
    st.success(t("no_ingest_warnings"))
else:
    warnings["category"] = warnings["category"].map(lambda c: t(f"warning_{c}"))
    components.table(
        warnings[["file", "category", "column", "value", "rows", "message"]], "ingest_warnings", listing=True
    )

st.subheader(t("defaults_applied"))
calendar = queries.settings_in_force(version, "calendars").get("default", {})
if calendar:
    st.markdown(
        t(
            "default_calendar_applied",
            timezone=calendar.get("timezone", ""),
            workdays=i18n.weekdays(list(calendar.get("workdays", [])), lang),
            hours=", ".join(calendar.get("hours", [])),
            holidays=calendar.get("holidays") or "—",
        )
    )
defaults = queries.ingest_warnings(version, defaults=True)
if not defaults.empty:
    components.table(
        defaults[["file", "column", "value", "rows", "message"]], "defaults_applied", listing=True
    )

st.subheader(t("placeholders"))
placeholders = queries.placeholder_accounts(version)
if placeholders.empty:
    st.success(t("no_placeholders"))
else:
    components.table(placeholders, "placeholder_accounts", listing=True)

st.subheader(t("config_in_force"))
if build:
    st.code(build["config"], language="toml")

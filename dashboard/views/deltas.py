"""Resolution deltas — for the director: do dedicated managers resolve faster than the tiered
line, what each hand-off costs, each manager against the others; as forest plots with intervals."""

from __future__ import annotations

import functools

import streamlit as st

from dashboard import components, i18n, queries
from dashboard.components import t

version, _ = components.page_context()
lang = components.language()
st.title(t("page_deltas"))
st.caption(t("deltas_caption"))

task_types = queries.delta_task_types(version)
if not task_types:
    st.info(t("no_data"))
    st.stop()
task_type = components.choice(
    st,
    t("task_types"),
    task_types,
    "all",
    "deltas_task_type",
    param="task_type",
    format_func=functools.partial(components.task_type_option, lang=lang),
)
claimed = queries.settings_in_force(version, "deltas").get("claimed_speedup_pct", [60, 70])


# the column whose value labels a compared group: tiers and managers have the reader's words
GROUP_COLUMNS = {"tier": "tier", "reassignments": "reassignments", "manager": "group_b"}


def _label(group: str, comparison: str) -> str:
    return str(components.value_option(GROUP_COLUMNS[comparison], group, lang))


def _sentence(row: dict) -> str:
    what = (
        t("all_tasks")
        if row["task_type"] == "all"
        else components.value_option("task_type", row["task_type"], lang)
    )
    values = {
        "a": _label(row["group_a"], row["comparison"]),
        "b": _label(row["group_b"], row["comparison"]),
        "what": what,
        "pct": i18n.percent(abs(row["delta_pct"]) / 100, lang, 0)
        if row["delta_pct"] == row["delta_pct"]
        else "—",
        "low": i18n.percent(row["ci_low_pct"] / 100, lang, 0)
        if row["ci_low_pct"] == row["ci_low_pct"]
        else "—",
        "high": i18n.percent(row["ci_high_pct"] / 100, lang, 0)
        if row["ci_high_pct"] == row["ci_high_pct"]
        else "—",
        "n_a": row["n_a"],
        "n_b": row["n_b"],
    }
    text = t("verdict_" + str(row["verdict"]).replace(" ", "_"), **values)
    if isinstance(row.get("claim"), str):
        text += " — " + t("claim_" + row["claim"].replace(" ", "_"))
    return text


for comparison in ("tier", "reassignments", "manager"):
    rows = queries.resolution_deltas(version, comparison, task_type)
    st.subheader(t(f"cmp_{comparison}"))
    if rows.empty:
        st.info(t("no_data"))
        continue
    labels = [f"{_label(g, comparison)} (n={n})" for g, n in zip(rows["group_a"], rows["n_a"], strict=True)]
    components.forest_plot(
        rows, labels, key=f"forest_{comparison}", claim=tuple(claimed) if comparison == "tier" else None
    )
    for row in rows.to_dict("records"):
        st.markdown("- " + _sentence(row))
    if comparison == "reassignments":
        st.markdown(f"**{t('handoff_cost')}**")
        for row in rows.to_dict("records"):
            st.markdown(
                "- "
                + t(
                    "handoff_row",
                    group=row["group_a"],
                    hours=i18n.hours(row["median_difference_min"], lang),
                    n=row["n_a"],
                )
            )
    shown = rows.assign(
        group_a=[_label(g, comparison) for g in rows["group_a"]],
        group_b=[_label(g, comparison) for g in rows["group_b"]],
        median_a_h=(rows["median_a_min"] / 60).round(1),
        median_b_h=(rows["median_b_min"] / 60).round(1),
        delta_pct=rows["delta_pct"].round(1),
        ci=components.interval_text(rows["ci_low_pct"], rows["ci_high_pct"], lang),
    )[["group_a", "n_a", "n_b", "median_a_h", "median_b_h", "delta_pct", "ci", "verdict"]]  # against: above
    components.table(shown, f"deltas_{comparison}_{task_type}")

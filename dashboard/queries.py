"""The only module pages call for data: reads of the dashboard snapshot, cached.

The snapshot (`<db>.snapshot.duckdb`, published by `cspulse build`) is opened read-only for the
query at hand and closed again — never one connection for the app's lifetime, because a DuckDB
file lock would block the writer commands. Results are cached with `st.cache_data`, keyed by the
snapshot's modification time, so a new build shows on the next click without a restart.

Values are always bound (`?`); only column names from fixed allow-lists are written into SQL.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from metrics import kpis
from metrics.adoption import call_list as adoption_calls
from metrics.frames import enums_as_text
from metrics.health import reasons as health_reasons
from metrics.sla import queues
from metrics.sla.source_agreement import source_agreement as agreement_share

DEFAULT_DB = Path("data/warehouse.duckdb")
# The columns a CS manager acts on come first: time left, state, client, subject, assignee.
TICKET_COLUMNS = (
    "resolution_left_min",
    "sla_state",
    "account_name",
    "subject",
    "assignee",
    "ticket_id",
    "status",
    "resolution_due_at",
    "created_at",
    "resolved_at",
    "cs_manager",
    "channel",
    "task_type",
    "tier",
    "account_id",
    "response_due_at",
    "response_business_min",
    "resolution_business_min",
    "resolution_target_min",
)
# What the SLA page can break compliance down by: the label key and the column.
DIMENSIONS = {
    "dim_account": "account_id",
    "dim_manager": "cs_manager",
    "dim_channel": "channel",
    "dim_task_type": "task_type",
    "dim_tier": "tier",
}
NO_MANAGER = ""  # how "no manager" travels through filters and URLs


def snapshot_path() -> Path:
    """The snapshot of the warehouse named by CSPULSE_DB (set by `cspulse dashboard`)."""
    db = Path(os.environ.get("CSPULSE_DB", str(DEFAULT_DB)))
    return db.with_name(db.name.removesuffix(".duckdb") + ".snapshot.duckdb")


def snapshot_version() -> float | None:
    """The snapshot's mtime: the cache key that makes a new build visible. None if none yet."""
    try:
        return snapshot_path().stat().st_mtime
    except FileNotFoundError:
        return None


def refresh_if_rebuilt() -> float | None:
    """Drop every cached result once the snapshot has changed since this session last looked."""
    version = snapshot_version()
    if st.session_state.get("snapshot_version") != version:
        if "snapshot_version" in st.session_state:
            st.cache_data.clear()
        st.session_state["snapshot_version"] = version
    return version


@contextmanager
def _connection() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(snapshot_path()), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


def _frame(sql: str, params: list[Any] | None = None) -> pd.DataFrame:
    with _connection() as con:
        frame = enums_as_text(con.execute(sql, params or []).df())
    if "month" in frame.columns:  # DuckDB hands DATE over as datetime64: months are dates
        frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return frame


@dataclass(frozen=True)
class Filters:
    """The sidebar's global filters; empty tuples mean "all"."""

    start: date | None = None
    end: date | None = None
    managers: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    task_types: tuple[str, ...] = ()

    def where(self, extra: str = "") -> tuple[str, list[Any]]:
        """A WHERE clause over a table with month, cs_manager, tier, channel and task_type."""
        clauses: list[str] = ["true"]
        params: list[Any] = []
        if self.start:
            clauses.append("month >= ?")
            params.append(self.start)
        if self.end:
            clauses.append("month <= ?")
            params.append(self.end)
        for column, values in (
            ("coalesce(cs_manager, '')", self.managers),
            ("tier", self.tiers),
            ("channel", self.channels),
            ("task_type", self.task_types),
        ):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        if extra:
            clauses.append(extra)
        return " AND ".join(clauses), params


# --- the build and the filter choices -----------------------------------------------------------


@st.cache_data(show_spinner=False)
def latest_build(version: float | None) -> dict[str, Any] | None:
    frame = _frame("SELECT * FROM build_runs ORDER BY build_id DESC LIMIT 1")
    if frame.empty:
        return None
    record = frame.iloc[0].to_dict()
    config = tomllib.loads(record["config"]) if record["config"] else {}
    record["default_timezone"] = config.get("calendars", {}).get("default", {}).get("timezone", "UTC")
    record["settings"] = config
    return record


def settings_in_force(version: float | None, table: str) -> dict[str, Any]:
    """One table of the configuration the last build used (e.g. "adoption")."""
    build = latest_build(version)
    return dict(build["settings"].get(table, {})) if build else {}


@st.cache_data(show_spinner=False)
def filter_choices(version: float | None) -> dict[str, list[Any]]:
    """Months, managers, tiers, channels and task types present in the marts."""
    with _connection() as con:

        def values(column: str, table: str = "sla_compliance_monthly") -> list[Any]:
            rows = con.execute(
                f"SELECT DISTINCT coalesce({column}, ?) FROM {table} ORDER BY 1", [NO_MANAGER]
            ).fetchall()
            return [row[0] for row in rows]

        months = con.execute("SELECT DISTINCT month FROM sla_compliance_monthly ORDER BY 1").fetchall()
        return {
            "months": [row[0] for row in months],
            # every manager with an account, also one whose clients have no tickets yet
            "managers": sorted(set(values("cs_manager")) | set(values("cs_manager", "account_summary"))),
            "tiers": values("tier"),
            "channels": values("channel"),
            "task_types": values("task_type"),
        }


# --- overview ---------------------------------------------------------------------------------


_with_compliance = kpis.with_compliance
_COUNTS = kpis.compliance_counts_sql()
_TICKET_STATS = kpis.ticket_kpis_sql()


@st.cache_data(show_spinner=False)
def compliance_by_month(version: float | None, filters: Filters) -> pd.DataFrame:
    where, params = filters.where()
    frame = _frame(
        f"SELECT month, {_COUNTS} FROM sla_compliance_monthly WHERE {where} GROUP BY month ORDER BY month",
        params,
    )
    return _with_compliance(frame)


@st.cache_data(show_spinner=False)
def ticket_stats_by_month(version: float | None, filters: Filters) -> pd.DataFrame:
    """Speed, backlog and quality per month: medians and p90 need the tickets, not counts."""
    where, params = filters.where()
    frame = _frame(
        f"SELECT month, {_TICKET_STATS} FROM sla_tickets WHERE {where} GROUP BY month ORDER BY month",
        params,
    )
    return _with_compliance(frame)


@st.cache_data(show_spinner=False)
def ticket_stats(version: float | None, filters: Filters) -> dict[str, Any]:
    """The same statistics over the whole filtered period, with both compliance rates."""
    where, params = filters.where()
    frame = _frame(f"SELECT {_TICKET_STATS} FROM sla_tickets WHERE {where}", params)
    frame = _with_compliance(frame)
    return frame.iloc[0].to_dict()


LEVELS = {
    "level_department": None,
    "level_manager": "cs_manager",
    "level_team": "team",
    "level_person": "assignee",
}


@st.cache_data(show_spinner=False)
def kpis_by_level(version: float | None, filters: Filters, level: str) -> pd.DataFrame:
    """KPIs per group at one level: the department, each CS manager, team or person."""
    column = LEVELS[level]
    group = f"coalesce({column}, ?)" if column else "?"
    where, params = filters.where()
    # no manager travels as NO_MANAGER, which every page labels the same way; no team or person "—"
    missing = NO_MANAGER if level == "level_manager" else "—"
    frame = _frame(
        f"SELECT {group} AS group_name, {_TICKET_STATS} FROM sla_tickets WHERE {where} "
        "GROUP BY ALL ORDER BY tickets DESC",
        [missing if column else "all", *params],
    )
    return _with_compliance(frame)


# --- SLA page ---------------------------------------------------------------------------------


@st.cache_data(show_spinner=False)
def compliance_by(version: float | None, filters: Filters, dimension: str) -> pd.DataFrame:
    """Compliance per month and group of one dimension (DIMENSIONS)."""
    column = DIMENSIONS[dimension]
    where, params = filters.where()
    frame = _frame(
        f"SELECT month, coalesce({column}, ?) AS group_name, {_COUNTS} "
        f"FROM sla_compliance_monthly WHERE {where} GROUP BY ALL ORDER BY month, group_name",
        [NO_MANAGER, *params],
    )
    return _with_compliance(frame)


@st.cache_data(show_spinner=False)
def largest_groups(version: float | None, filters: Filters, dimension: str, limit: int = 8) -> list[str]:
    """The groups of a dimension with the most tickets (the ones a chart can show)."""
    column = DIMENSIONS[dimension]
    where, params = filters.where()
    frame = _frame(
        f"SELECT coalesce({column}, ?) AS group_name FROM sla_compliance_monthly WHERE {where} "
        "GROUP BY ALL ORDER BY sum(tickets) DESC, group_name LIMIT ?",
        [NO_MANAGER, *params, limit],
    )
    return list(frame["group_name"])


def _tickets(
    filters: Filters,
    extra: str,
    extra_params: list[Any],
    order: str,
    limit: int,
    columns: tuple[tuple[str, str], ...] = (),
    hidden: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Tickets of sla_tickets with their client's name; `columns` adds (name, expression) pairs
    that a queue defines (metrics.sla.queues), placed after the time left; `hidden` are ticket
    columns left out."""
    where, params = filters.where(extra)
    own = [c for c in TICKET_COLUMNS if c != "account_name"]
    added = "".join(f", {expression} AS {name}" for name, expression in columns)
    frame = _frame(
        f"""
        WITH picked AS (
            SELECT {", ".join(own)}{added} FROM sla_tickets WHERE {where} ORDER BY {order} LIMIT ?
        )
        SELECT picked.*, names.account_name
        FROM picked LEFT JOIN (SELECT account_id, account_name FROM account_summary) AS names
            USING (account_id)
        ORDER BY {order}
        """,
        [*params, *extra_params, limit],
    )
    order_shown = [TICKET_COLUMNS[0], *(name for name, _ in columns), *TICKET_COLUMNS[1:]]
    return frame[[name for name in order_shown if name not in hidden]]


@st.cache_data(show_spinner=False)
def tickets_behind(
    version: float | None,
    filters: Filters,
    dimension: str,
    month: date,
    group: str,
    limit: int = 500,
) -> pd.DataFrame:
    """The judged tickets of one month and group: breached ones first."""
    column = DIMENSIONS[dimension]
    return _queue(filters, queues.JUDGED, limit, f"month = ? AND coalesce({column}, '') = ?", [month, group])


@st.cache_data(show_spinner=False)
def breached_tickets(version: float | None, filters: Filters, limit: int = 500) -> pd.DataFrame:
    return _queue(filters, queues.BREACHED, limit)


@st.cache_data(show_spinner=False)
def at_risk_queue(
    version: float | None, filters: Filters, manager: str | None = None, limit: int = 500
) -> pd.DataFrame:
    """Open tickets that can still make their target, least business time left first (metrics)."""
    return _queue(filters, queues.AT_RISK, limit, *_of_manager(manager))


@st.cache_data(show_spinner=False)
def open_breached_queue(
    version: float | None, filters: Filters, manager: str | None = None, limit: int = 500
) -> pd.DataFrame:
    """Open tickets already past their resolution target, the oldest first (metrics)."""
    return _queue(filters, queues.OPEN_BREACHED, limit, *_of_manager(manager))


def _of_manager(manager: str | None) -> tuple[str, list[Any]]:
    return ("coalesce(cs_manager, '') = ?", [manager]) if manager is not None else ("", [])


def _queue(
    filters: Filters, queue: queues.Queue, limit: int, extra: str = "", extra_params: list[Any] | None = None
) -> pd.DataFrame:
    condition = f"({queue.condition})" + (f" AND {extra}" if extra else "")
    return _tickets(filters, condition, extra_params or [], queue.order, limit, queue.columns, queue.hidden)


# --- clients and managers ---------------------------------------------------------------------


@st.cache_data(show_spinner=False)
def accounts(version: float | None) -> pd.DataFrame:
    return _frame("SELECT * FROM account_summary ORDER BY account_id")


@st.cache_data(show_spinner=False)
def account_compliance(version: float | None, filters: Filters, account_id: str) -> pd.DataFrame:
    where, params = filters.where("account_id = ?")
    frame = _frame(
        f"SELECT month, {_COUNTS} FROM sla_compliance_monthly WHERE {where} GROUP BY month ORDER BY month",
        [*params, account_id],
    )
    return _with_compliance(frame)


@st.cache_data(show_spinner=False)
def compliance_totals(
    version: float | None, filters: Filters, scope: str = "", value: Any = None
) -> dict[str, Any]:
    """Counts and both compliance rates over the filtered period: the whole department, or one
    account (scope "account") or CS manager (scope "manager") given by `value`."""
    condition = {"account": "account_id = ?", "manager": "coalesce(cs_manager, '') = ?"}.get(scope, "")
    where, params = filters.where(condition)
    frame = _frame(
        f"SELECT {_COUNTS} FROM sla_compliance_monthly WHERE {where}",
        [*params, value] if condition else params,
    )
    return _with_compliance(frame.fillna(0)).iloc[0].to_dict()


@st.cache_data(show_spinner=False)
def manager_ticket_stats(version: float | None, filters: Filters, manager: str) -> dict[str, Any]:
    """Speed and quality of one manager's clients' tickets."""
    where, params = filters.where("coalesce(cs_manager, '') = ?")
    frame = _frame(f"SELECT {_TICKET_STATS} FROM sla_tickets WHERE {where}", [*params, manager])
    return _with_compliance(frame).iloc[0].to_dict()


@st.cache_data(show_spinner=False)
def account_tickets(
    version: float | None, filters: Filters, account_id: str, limit: int = 1000
) -> pd.DataFrame:
    return _tickets(filters, "account_id = ?", [account_id], "created_at DESC", limit)


@st.cache_data(show_spinner=False)
def manager_portfolio(version: float | None, filters: Filters, manager: str) -> pd.DataFrame:
    """The manager's accounts, each with its tickets and compliance in the filtered period."""
    where, params = filters.where()
    frame = _frame(
        f"""
        WITH counts AS (
            SELECT account_id, {_COUNTS} FROM sla_compliance_monthly WHERE {where} GROUP BY account_id
        )
        SELECT account_summary.account_id, account_summary.account_name, account_summary.tier,
               account_summary.mrr, account_summary.open_tickets, account_summary.at_risk_tickets,
               account_summary.open_breached_tickets, counts.* EXCLUDE (account_id)
        FROM account_summary LEFT JOIN counts USING (account_id)
        WHERE coalesce(account_summary.cs_manager, '') = ? AND NOT account_summary.is_placeholder
        ORDER BY account_summary.account_id
        """,
        [*params, manager],
    )
    return _with_compliance(
        frame.fillna(
            {
                c: 0
                for c in (
                    "tickets",
                    "met",
                    "breached",
                    "open_breached",
                    "response_met",
                    "response_breached",
                )
            }
        )
    )


# --- data page --------------------------------------------------------------------------------


@st.cache_data(show_spinner=False)
def ingest_runs(version: float | None) -> pd.DataFrame:
    return _frame("SELECT * FROM ingest_runs ORDER BY run_id DESC")


@st.cache_data(show_spinner=False)
def rejected_rows(version: float | None, limit: int = 5000) -> pd.DataFrame:
    """Rejected rows, invalid ones first (the real problems), then superseded and duplicates."""
    return _frame(
        "SELECT run_id, file, row_number, coalesce(category, 'invalid') AS category, \"column\", reason, raw "
        "FROM rejected_rows ORDER BY CASE coalesce(category, 'invalid') WHEN 'invalid' THEN 0 "
        "WHEN 'superseded' THEN 1 ELSE 2 END, run_id DESC, row_number LIMIT ?",
        [limit],
    )


# --- data page: rejects by why, warnings, defaults applied ---------------------------------------


@st.cache_data(show_spinner=False)
def rejected_counts(version: float | None) -> dict[str, int]:
    """Rejected rows per category over every run: invalid, superseded, duplicate."""
    frame = _frame(
        "SELECT coalesce(category, 'invalid') AS category, count(*) AS rows FROM rejected_rows GROUP BY 1"
    )
    counts = dict(zip(frame["category"], frame["rows"], strict=True))
    return {name: int(counts.get(name, 0)) for name in ("invalid", "superseded", "duplicate")}


def _has_table(name: str) -> bool:
    with _connection() as con:
        row = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchone()
    return bool(row and row[0])


@st.cache_data(show_spinner=False)
def ingest_warnings(version: float | None, defaults: bool = False) -> pd.DataFrame:
    """Values no target knows (defaults=False), or the defaults a profile filled in (True)."""
    if not _has_table("ingest_warnings"):  # a snapshot published before the table existed
        return pd.DataFrame(columns=["run_id", "file", "category", "column", "value", "rows", "message"])
    where = "category = 'default'" if defaults else "category <> 'default'"
    return _frame(
        f'SELECT run_id, file, category, "column", value, rows, message FROM ingest_warnings '
        f"WHERE {where} ORDER BY run_id DESC, rows DESC"
    )


@st.cache_data(show_spinner=False)
def placeholder_accounts(version: float | None) -> pd.DataFrame:
    return _frame(
        "SELECT account_id, tickets, open_tickets, first_ticket_at, last_ticket_at "
        "FROM account_summary WHERE is_placeholder ORDER BY tickets DESC, account_id"
    )


# --- adoption, health, workload, deltas, pricing -------------------------------------------------


def _accounts_where(filters: Filters) -> tuple[str, list[Any]]:
    """The sidebar's manager and tier filters over a one-row-per-account mart (joined to
    account_summary for the tier and the name)."""
    clauses: list[str] = ["NOT account_summary.is_placeholder"]
    params: list[Any] = []
    if filters.managers:
        clauses.append(
            f"coalesce(account_summary.cs_manager, '') IN ({', '.join('?' for _ in filters.managers)})"
        )
        params.extend(filters.managers)
    if filters.tiers:
        clauses.append(f"account_summary.tier IN ({', '.join('?' for _ in filters.tiers)})")
        params.extend(filters.tiers)
    return " AND ".join(clauses), params


@st.cache_data(show_spinner=False)
def call_list(version: float | None, filters: Filters, language: str = "en") -> pd.DataFrame:
    """The accounts to call, per manager, most value at stake first; the offer in `language`."""
    where, params = _accounts_where(filters)
    frame = _frame(
        "SELECT call_list.* FROM call_list JOIN account_summary USING (account_id) "
        f"WHERE {where} ORDER BY call_list.cs_manager NULLS LAST, call_list.rank",
        params,
    )
    names = frame["account_name"].fillna(frame["account_id"])
    frame["offer_text"] = [adoption_calls.offer_text(g, language) for g in frame["gaps"]]
    frame["action_text"] = [
        adoption_calls.action_text(n, g, language) for n, g in zip(names, frame["gaps"], strict=True)
    ]
    return frame.drop(columns=["gaps"])


@st.cache_data(show_spinner=False)
def adoption(version: float | None, filters: Filters) -> pd.DataFrame:
    """adoption_gaps with the account's name, for the accounts × modules heatmap."""
    where, params = _accounts_where(filters)
    return _frame(
        "SELECT adoption_gaps.*, account_summary.account_name, account_summary.cs_manager "
        f"FROM adoption_gaps JOIN account_summary USING (account_id) WHERE {where} "
        "ORDER BY adoption_gaps.account_id, adoption_gaps.module",
        params,
    )


@st.cache_data(show_spinner=False)
def account_modules(version: float | None, account_id: str) -> pd.DataFrame:
    return _frame("SELECT * FROM adoption_gaps WHERE account_id = ? ORDER BY module", [account_id])


def _reasons_in(frame: pd.DataFrame, language: str) -> pd.DataFrame:
    words = BAND_WORDS.get(language, {})
    frame = frame.copy()
    frame["reasons_text"] = [health_reasons.describe(r, language, words) for r in frame["reasons"]]
    frame["upsell_text"] = [health_reasons.describe(r, language, words) for r in frame["upsell_blockers"]]
    return frame


BAND_WORDS = {"ru": {"green": "зелёное", "yellow": "жёлтое", "red": "красное"}}


@st.cache_data(show_spinner=False)
def account_health(version: float | None, filters: Filters, language: str = "en") -> pd.DataFrame:
    """Every account's health, components and reasons in `language`, the weakest first."""
    where, params = _accounts_where(filters)
    frame = _frame(
        "SELECT account_health.* FROM account_health JOIN account_summary USING (account_id) "
        f"WHERE {where} ORDER BY account_health.health_score, account_health.account_id",
        params,
    )
    return _reasons_in(frame, language)


@st.cache_data(show_spinner=False)
def health_of(version: float | None, account_id: str, language: str = "en") -> dict[str, Any] | None:
    frame = _frame("SELECT * FROM account_health WHERE account_id = ?", [account_id])
    return None if frame.empty else _reasons_in(frame, language).iloc[0].to_dict()


@st.cache_data(show_spinner=False)
def health_history(version: float | None, account_id: str) -> pd.DataFrame:
    """The account's score at each of the last 12 month ends, then today's."""
    return _frame(
        """
        SELECT month, health_score, band FROM account_health_monthly WHERE account_id = ?
        UNION ALL
        SELECT CAST(date_trunc('month', as_of) AS DATE), health_score, band
        FROM account_health, (SELECT max(as_of) AS as_of FROM build_runs) WHERE account_id = ?
        ORDER BY month
        """,
        [account_id, account_id],
    )


@st.cache_data(show_spinner=False)
def health_backtest(version: float | None) -> dict[str, Any] | None:
    frame = _frame("SELECT * FROM health_backtest")
    return None if frame.empty else frame.iloc[0].to_dict()


@st.cache_data(show_spinner=False)
def manager_workload(version: float | None) -> pd.DataFrame:
    return _frame("SELECT * FROM manager_workload ORDER BY accounts DESC, cs_manager")


@st.cache_data(show_spinner=False)
def resolution_deltas(version: float | None, comparison: str, task_type: str) -> pd.DataFrame:
    return _frame(
        "SELECT * FROM resolution_deltas WHERE comparison = ? AND task_type = ? ORDER BY delta_pct",
        [comparison, task_type],
    )


@st.cache_data(show_spinner=False)
def delta_task_types(version: float | None) -> list[str]:
    frame = _frame("SELECT DISTINCT task_type FROM resolution_deltas ORDER BY task_type <> 'all', task_type")
    return list(frame["task_type"])


@st.cache_data(show_spinner=False)
def complexity_pricing(version: float | None, filters: Filters) -> pd.DataFrame:
    where, params = _accounts_where(filters)
    return _frame(
        "SELECT complexity_pricing.*, account_summary.account_name FROM complexity_pricing "
        f"JOIN account_summary USING (account_id) WHERE {where} ORDER BY complexity_pricing.account_id",
        params,
    )


@st.cache_data(show_spinner=False)
def pricing_calibration(version: float | None) -> pd.DataFrame:
    return _frame("SELECT * FROM pricing_calibration")


# --- the SLA page: agreement with the source tool's own verdict ----------------------------------


@st.cache_data(show_spinner=False)
def source_agreement(version: float | None, filters: Filters) -> tuple[float | None, int]:
    """How often our resolution verdict equals the source tool's made_sla (metrics/sla)."""
    where, params = filters.where("source_made_sla IS NOT NULL AND resolution_met IS NOT NULL")
    with _connection() as con:
        columns = [row[0] for row in con.execute("DESCRIBE sla_tickets").fetchall()]
        if "source_made_sla" not in columns:  # a snapshot built before the column existed
            return None, 0
        frame = enums_as_text(
            con.execute(f"SELECT resolution_met, source_made_sla FROM sla_tickets WHERE {where}", params).df()
        )
    return agreement_share(frame["resolution_met"], frame["source_made_sla"])

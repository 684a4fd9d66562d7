"""The column truth: one pandera model per canonical input kind.

Everything else — the staging DDL, the SQL checks that validate an export where it lies in
DuckDB, the column maps of source profiles, the rejected-row reasons — is derived from these
models, so a column is declared once, here.

Field metadata the pipeline reads:
- key: part of the kind's upsert key (DESIGN, "Staging is upserted by key").
- normalise: values are trimmed and lower-cased (statuses, channels, task types, tiers…).
- not_before: the value may not be earlier than this other column (a timestamp order rule).
- date_only: a date without a time is allowed and kept as a date (see `tickets.due_date`).
- timezone: the value must name an IANA timezone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, TypeAlias

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

Timestamp: TypeAlias = Annotated[pd.DatetimeTZDtype, "us", "UTC"]
Text: TypeAlias = pd.StringDtype
Integer: TypeAlias = pd.Int64Dtype
Boolean: TypeAlias = pd.BooleanDtype

KEY = {"key": True}
NORMALISE = {"normalise": True}


class Accounts(pa.DataFrameModel):
    """CRM accounts: one row per client account."""

    account_id: Series[Text] = pa.Field(str_length={"min_value": 1}, metadata=KEY)
    name: Series[Text] = pa.Field(nullable=True)
    tier: Series[Text] = pa.Field(str_length={"min_value": 1}, metadata=NORMALISE)
    paid_seats: Series[Integer] = pa.Field(ge=0)
    active_users: Series[Integer] = pa.Field(ge=0)
    mrr: Series[float] = pa.Field(ge=0)
    cs_manager: Series[Text] | None = pa.Field(nullable=True)
    sales_owner: Series[Text] | None = pa.Field(nullable=True)
    implementation_type: Series[Text] | None = pa.Field(nullable=True, metadata=NORMALISE)
    implementation_hours: Series[float] | None = pa.Field(ge=0, nullable=True)
    custom_enhancements: Series[Integer] | None = pa.Field(ge=0, nullable=True)
    timezone: Series[Text] | None = pa.Field(nullable=True, metadata={"timezone": True})
    calendar: Series[Text] | None = pa.Field(nullable=True)
    contract_start: Series[pa.Date] | None = pa.Field(nullable=True)
    renewal_date: Series[pa.Date] | None = pa.Field(nullable=True)
    churned_at: Series[Timestamp] | None = pa.Field(nullable=True)
    support_price: Series[float] | None = pa.Field(ge=0, nullable=True)


class AccountModules(pa.DataFrameModel):
    """Which product modules each account pays for."""

    account_id: Series[Text] = pa.Field(str_length={"min_value": 1}, metadata=KEY)
    module: Series[Text] = pa.Field(str_length={"min_value": 1}, metadata=KEY)
    paid: Series[Boolean]
    since: Series[pa.Date] | None = pa.Field(nullable=True)


# Columns a source profile may fill (one-row-per-update exports, a tool's own SLA verdict) that
# DESIGN's canonical exports do not list: ingest reads them, the generator does not write them.
SOURCE_ONLY = {"source_only": True}


class Tickets(pa.DataFrameModel):
    """Helpdesk tickets: one row per ticket, as of the export."""

    ticket_id: Series[Text] = pa.Field(str_length={"min_value": 1}, metadata=KEY)
    account_id: Series[Text] = pa.Field(str_length={"min_value": 1})
    created_at: Series[Timestamp]
    channel: Series[Text] = pa.Field(str_length={"min_value": 1}, metadata=NORMALISE)
    task_type: Series[Text] = pa.Field(str_length={"min_value": 1}, metadata=NORMALISE)
    status: Series[Text] = pa.Field(nullable=True, metadata=NORMALISE)
    assignee: Series[Text] | None = pa.Field(nullable=True)
    team: Series[Text] | None = pa.Field(nullable=True)
    priority: Series[Text] | None = pa.Field(nullable=True, metadata=NORMALISE)
    first_response_at: Series[Timestamp] | None = pa.Field(
        nullable=True, metadata={"not_before": "created_at"}
    )
    resolved_at: Series[Timestamp] | None = pa.Field(nullable=True, metadata={"not_before": "created_at"})
    closed_at: Series[Timestamp] | None = pa.Field(nullable=True, metadata={"not_before": "created_at"})
    due_at: Series[Timestamp] | None = pa.Field(nullable=True, metadata={"date_only": "due_date"})
    subtasks: Series[Integer] | None = pa.Field(ge=0, nullable=True)
    reassignments: Series[Integer] | None = pa.Field(ge=0, nullable=True)
    reopens: Series[Integer] | None = pa.Field(ge=0, nullable=True)
    csat: Series[Integer] | None = pa.Field(ge=1, le=5, nullable=True)
    subject: Series[Text] | None = pa.Field(nullable=True)
    # One-row-per-update exports (a profile's [tickets.history]): when the row's update was
    # made and its revision number; the highest revision is the ticket, the others its history.
    updated_at: Series[Timestamp] | None = pa.Field(nullable=True, metadata=SOURCE_ONLY)
    revision: Series[Integer] | None = pa.Field(ge=0, nullable=True, metadata=SOURCE_ONLY)
    # The source tool's own SLA verdict (ServiceNow's made_sla), kept beside ours.
    source_made_sla: Series[Boolean] | None = pa.Field(nullable=True, metadata=SOURCE_ONLY)


class TicketEvents(pa.DataFrameModel):
    """Status history: status changes, (re)assignments and agent replies."""

    ticket_id: Series[Text] = pa.Field(str_length={"min_value": 1})
    at: Series[Timestamp]
    kind: Series[Text] = pa.Field(str_length={"min_value": 1}, metadata=NORMALISE)
    value: Series[Text] = pa.Field(nullable=True)
    actor: Series[Text] | None = pa.Field(nullable=True)


class UsageEvents(pa.DataFrameModel):
    """Product usage, one row per user action."""

    account_id: Series[Text] = pa.Field(str_length={"min_value": 1}, metadata=KEY)
    user_id: Series[Text] = pa.Field(str_length={"min_value": 1}, metadata=KEY)
    module: Series[Text] = pa.Field(str_length={"min_value": 1}, metadata=KEY)
    at: Series[Timestamp] = pa.Field(metadata=KEY)


class UsageDaily(pa.DataFrameModel):
    """Product usage rolled up per day, account and module."""

    date: Series[pa.Date] = pa.Field(metadata=KEY)
    account_id: Series[Text] = pa.Field(str_length={"min_value": 1}, metadata=KEY)
    module: Series[Text] = pa.Field(str_length={"min_value": 1}, metadata=KEY)
    active_users: Series[Integer] = pa.Field(ge=0)
    events: Series[Integer] | None = pa.Field(ge=0, nullable=True)


class UsageAccountDaily(pa.DataFrameModel):
    """Distinct users per account and local date, as the usage stage (`cspulse usage-rollup`) writes them."""

    date: Series[pa.Date] = pa.Field(metadata=KEY)
    account_id: Series[Text] = pa.Field(str_length={"min_value": 1}, metadata=KEY)
    active_users: Series[Integer] = pa.Field(ge=0)


class UsageModuleWindows(pa.DataFrameModel):
    """The usage stage's window figures per as-of date, account and module: distinct users in the
    window W and the W dates before it, and the last event before as-of's date."""

    as_of_date: Series[pa.Date] = pa.Field(metadata=KEY)
    window_days: Series[Integer] = pa.Field(ge=1, metadata=KEY)
    account_id: Series[Text] = pa.Field(str_length={"min_value": 1}, metadata=KEY)
    module: Series[Text] = pa.Field(str_length={"min_value": 1}, metadata=KEY)
    active_users: Series[Integer] = pa.Field(ge=0)
    previous_active_users: Series[Integer] = pa.Field(ge=0)
    last_event_at: Series[Timestamp] = pa.Field(nullable=True)


class UsageAccountWindows(pa.DataFrameModel):
    """The usage stage's distinct users per as-of date and account in the window W."""

    as_of_date: Series[pa.Date] = pa.Field(metadata=KEY)
    window_days: Series[Integer] = pa.Field(ge=1, metadata=KEY)
    account_id: Series[Text] = pa.Field(str_length={"min_value": 1}, metadata=KEY)
    active_users: Series[Integer] = pa.Field(ge=0)


class TicketLog(pa.DataFrameModel):
    """An event log export (one row per activity) from which tickets and events are derived.

    Not a canonical export: only source profiles produce it (e.g. a process-mining log).
    """

    ticket_id: Series[Text] = pa.Field(str_length={"min_value": 1})
    at: Series[Timestamp]
    activity: Series[Text] = pa.Field(str_length={"min_value": 1})
    # A log with one row per status change may qualify a status ("Accepted" / "Wait - User"):
    # a profile's activities then match "status / sub-status" before the status alone.
    sub_status: Series[Text] | None = pa.Field(nullable=True)
    actor: Series[Text] | None = pa.Field(nullable=True)
    account_id: Series[Text] = pa.Field(str_length={"min_value": 1})
    channel: Series[Text] = pa.Field(str_length={"min_value": 1}, metadata=NORMALISE)
    task_type: Series[Text] = pa.Field(str_length={"min_value": 1}, metadata=NORMALISE)
    team: Series[Text] | None = pa.Field(nullable=True)
    priority: Series[Text] | None = pa.Field(nullable=True, metadata=NORMALISE)
    subject: Series[Text] | None = pa.Field(nullable=True)


# --- what the pipeline derives from the models --------------------------------------------------

ColumnType = Literal["text", "integer", "float", "boolean", "timestamp", "date"]


@dataclass(frozen=True)
class ColumnSpec:
    """One canonical column, as the ingest needs to know it."""

    name: str
    type: ColumnType
    required: bool  # the column must be present in an export of this kind
    nullable: bool
    key: bool = False
    normalise: bool = False
    min_value: float | None = None
    max_value: float | None = None
    min_length: int | None = None
    not_before: str | None = None
    date_only: str | None = None
    timezone: bool = False

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]


SQL_TYPES: dict[ColumnType, str] = {
    "text": "VARCHAR",
    "integer": "BIGINT",
    "float": "DOUBLE",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMPTZ",
    "date": "DATE",
}

MODELS: dict[str, type[pa.DataFrameModel]] = {
    "accounts": Accounts,
    "account_modules": AccountModules,
    "tickets": Tickets,
    "ticket_events": TicketEvents,
    "usage_events": UsageEvents,
    "usage_daily": UsageDaily,
    "usage_account_daily": UsageAccountDaily,
    "usage_module_windows": UsageModuleWindows,
    "usage_account_windows": UsageAccountWindows,
    "ticket_log": TicketLog,
}


def _column_type(dtype: object) -> ColumnType:
    text = str(dtype)
    if text.startswith("datetime64"):
        return "timestamp"
    if text == "date":
        return "date"
    if text in ("Int64", "int64"):
        return "integer"
    if text == "float64":
        return "float"
    if text == "boolean":
        return "boolean"
    if text.startswith("string") or text == "str":
        return "text"
    raise TypeError(f"no SQL mapping for pandera dtype {text}")


_CHECK_BOUNDS = {
    "greater_than_or_equal_to": ("min_value", None),
    "less_than_or_equal_to": (None, "max_value"),
    "in_range": ("min_value", "max_value"),
}


def columns(kind: str) -> list[ColumnSpec]:
    """The canonical columns of a kind, in schema order, read off its pandera model."""
    specs = []
    for name, column in MODELS[kind].to_schema().columns.items():
        metadata = column.metadata or {}
        bounds: dict[str, float | None] = {"min_value": None, "max_value": None}
        min_length = None
        for check in column.checks:
            if check.name == "str_length":
                min_length = check.statistics["min_value"]
            elif check.name in _CHECK_BOUNDS:
                for bound in filter(None, _CHECK_BOUNDS[check.name]):
                    bounds[bound] = check.statistics[bound]
            else:
                raise TypeError(f"{kind}.{name}: no SQL translation for check {check.name}")
        specs.append(
            ColumnSpec(
                name=str(name),
                type=_column_type(column.dtype),
                required=bool(column.required),
                nullable=bool(column.nullable),
                key=bool(metadata.get("key")),
                normalise=bool(metadata.get("normalise")),
                min_value=bounds["min_value"],
                max_value=bounds["max_value"],
                min_length=min_length,
                not_before=metadata.get("not_before"),
                date_only=metadata.get("date_only"),
                timezone=bool(metadata.get("timezone")),
            )
        )
    return specs


def column_names(kind: str) -> list[str]:
    return [spec.name for spec in columns(kind)]


def key_columns(kind: str) -> list[str]:
    return [spec.name for spec in columns(kind) if spec.key]


def export_column_names(kind: str) -> list[str]:
    """DESIGN's canonical columns of a kind: every column but those only a source profile fills."""
    return [
        str(name)
        for name, column in MODELS[kind].to_schema().columns.items()
        if not (column.metadata or {}).get("source_only")
    ]


def required_columns(kind: str) -> list[str]:
    return [spec.name for spec in columns(kind) if spec.required]


# Staging holds every canonical column plus a few the pipeline adds; the build reads these.
STAGING_EXTRAS: dict[str, dict[str, str]] = {
    "accounts": {"is_placeholder": "BOOLEAN NOT NULL DEFAULT false"},
    "tickets": {"due_date": "DATE"},  # set when due_at was a date only: the end of that work day
    "ticket_events": {"position": "BIGINT"},  # the row in its file: orders events at one instant
    "usage_events": {},
    "usage_daily": {},
    "account_modules": {},
    # the usage stage's figures (`cspulse usage-rollup`), read by the build where events are absent
    "usage_account_daily": {},
    "usage_module_windows": {},
    "usage_account_windows": {},
}

STAGING_TABLES = tuple(STAGING_EXTRAS)


def staging_ddl(table: str) -> str:
    """CREATE TABLE for a staging table, from its model plus the pipeline's extra columns."""
    parts = [f'"{spec.name}" {spec.sql_type}' for spec in columns(table)]
    parts += [f'"{name}" {sql}' for name, sql in STAGING_EXTRAS[table].items()]
    return f"CREATE TABLE IF NOT EXISTS {table} (\n    " + ",\n    ".join(parts) + "\n)"

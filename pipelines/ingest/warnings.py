"""What a loaded file says that no target knows, and the defaults a profile filled in.

Rows are loaded all the same (an unknown channel is still a ticket); `ingest_warnings` keeps one
row per (column, value) with how many rows carry it, for the CLI summary and the Data page:
- `unknown_value`: a channel no tier has a first-response target for, a task type no tier has a
  resolution target for (their clocks are not judged);
- `empty_value`: a ticket or status event without a status;
- `default`: a constant the profile used because the export has no such column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from pipelines.config import Config
from pipelines.ingest.profile import CANONICAL, Mapping
from pipelines.ingest.validation import PARSED_TABLE

if TYPE_CHECKING:
    from pipelines.ingest.loading import IngestResult

# A task type judged by its own due_at rather than a resolution target (DESIGN).
JUDGED_BY_DUE_AT = ("enhancement",)
_TICKET_KINDS = ("tickets", "ticket_log")


def known_values(config: Config) -> dict[str, list[str]]:
    """The channels and task types some tier of the configuration has a target for."""
    channels = sorted({channel for policy in config.sla.values() for channel in policy.first_response_min})
    task_types = {task for policy in config.sla.values() for task in policy.resolution_min}
    return {"channel": channels, "task_type": sorted(task_types | set(JUDGED_BY_DUE_AT))}


def _unknown(
    con: duckdb.DuckDBPyConnection, column: str, known: list[str]
) -> list[tuple[str, str | None, int]]:
    return [
        ("unknown_value", value, int(rows))
        for value, rows in con.execute(
            f'SELECT "{column}", count(*) FROM {PARSED_TABLE} WHERE reject_reason IS NULL '
            f'AND "{column}" IS NOT NULL AND NOT list_contains(?::VARCHAR[], "{column}") '
            "GROUP BY 1 ORDER BY 2 DESC, 1",
            [known],
        ).fetchall()
    ]


def _empty(con: duckdb.DuckDBPyConnection, column: str, where: str = "") -> int:
    row = con.execute(
        f'SELECT count(*) FROM {PARSED_TABLE} WHERE reject_reason IS NULL AND "{column}" IS NULL {where}'
    ).fetchone()
    return int(row[0]) if row else 0


def find_warnings(
    con: duckdb.DuckDBPyConnection, mapping: Mapping, config: Config, rows_loaded: int
) -> list[tuple[str, str, str | None, int, str]]:
    """(category, column, value, rows, message) for the file just validated."""
    found: list[tuple[str, str, str | None, int, str]] = []
    present = set(mapping.present)
    if mapping.kind in _TICKET_KINDS:
        targets = {"channel": "first-response", "task_type": "resolution"}
        for column, known in known_values(config).items():
            if column not in present or column in mapping.constants:
                continue
            for category, value, rows in _unknown(con, column, known):
                found.append(
                    (
                        category,
                        column,
                        value,
                        rows,
                        f"{column} {value!r} in {rows:,} rows: no tier has a {targets[column]} target "
                        f"for it, so those clocks are not judged (known: {', '.join(known)})",
                    )
                )
    if mapping.kind == "tickets" and "status" in present and "status" not in mapping.constants:
        rows = _empty(con, "status")
        if rows:
            found.append(("empty_value", "status", None, rows, f"status empty in {rows:,} rows"))
    if mapping.kind == "ticket_events" and {"kind", "value"} <= present:
        rows = _empty(con, "value", "AND kind = 'status'")
        if rows:
            found.append(("empty_value", "value", None, rows, f"{rows:,} status events have no status"))
    if mapping.profile.name != CANONICAL and rows_loaded:
        for column, value in mapping.constants.items():
            found.append(
                (
                    "default",
                    column,
                    value,
                    rows_loaded,
                    f"{column}: the export has no such column; profile {mapping.profile.name} "
                    f"set {value!r} on every row",
                )
            )
    return found


def record_warnings(
    con: duckdb.DuckDBPyConnection, result: IngestResult, mapping: Mapping, config: Config
) -> list[str]:
    """Insert the file's warnings into `ingest_warnings`; return their messages."""
    found = find_warnings(con, mapping, config, result.rows_loaded)
    if found:
        con.executemany(
            'INSERT INTO ingest_warnings (run_id, file, category, "column", value, rows, message) '
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(result.run_id, result.file, *warning) for warning in found],
        )
    return [warning[-1] for warning in found]

"""`cspulse bench --only profiles`: a generated ServiceNow audit-log export through its profile.

The export has the documented columns and quirks (`?` for null, d/m/yyyy HH:MM times, one row
per update of an incident, ~6 updates an incident as in the real 141,712-row log); it is written
by DuckDB from a seeded generator, then ingested into a fresh warehouse with `--source
servicenow`: the read, the validation, the history (the latest update is the incident, the
state and group changes its events) and the load, timed as one -> profile_ingest_rows_per_s.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from pipelines.config import load_config
from pipelines.ingest import ingest_files
from pipelines.ingest.profile import named_profile
from pipelines.warehouse import connect

Progress = Callable[[str], None]
DEFAULT_ROWS = 150_000
UPDATES_PER_INCIDENT = 6  # the mean; each incident has 1 to 11

_STATES = ["New", "Active", "Awaiting User Info", "Active", "Awaiting Vendor", "Active", "Resolved", "Closed"]
_HEADER = (
    "number, incident_state, active, reassignment_count, reopen_count, sys_mod_count, made_sla, "
    "caller_id, opened_by, opened_at, sys_updated_at, contact_type, location, category, subcategory, "
    "impact, urgency, priority, assignment_group, assigned_to, knowledge, resolved_by, resolved_at, "
    "closed_at, closed_code"
)


def write_audit_log(path: Path, rows: int = DEFAULT_ROWS, seed: int = 0) -> int:
    """Write a ServiceNow audit-form export of about `rows` rows; returns the rows written."""
    incidents = max(rows // UPDATES_PER_INCIDENT, 1)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SELECT setseed(?)", [seed / 1_000_000])
    # One row per update: incident i has 1 + hash(i) % 11 updates, ~6 on average; update k is
    # k*47 minutes after the opening; the state walks _STATES, the last update resolves it.
    con.execute(
        f"""
        CREATE TABLE updates AS
        WITH incidents AS (
            SELECT i, 1 + (hash(i + {seed}) % 11)::INT AS updates,
                   TIMESTAMP '2024-01-08 09:00'
                       + to_minutes(((hash(i * 7 + {seed}) % 250000))::INT) AS opened,
                   'Location ' || (hash(i * 3) % 300)::INT AS location,
                   ['Phone', 'Email', 'Self service', 'IVR'][1 + (hash(i * 5) % 4)::INT] AS contact_type
            FROM range({incidents}) AS t(i)
        )
        SELECT incidents.*, k, opened + to_minutes(k * 47) AS updated,
               CASE WHEN k = updates - 1 AND updates > 1 THEN 'Resolved'
                    ELSE {_STATES!r}[1 + least(k, 5)] END AS state,
               'Group ' || ((hash(i) + k // 3) % 40)::INT AS assignment_group
        FROM incidents, range(updates) AS u(k)
        """
    )
    con.execute(
        f"""
        COPY (
            SELECT 'INC' || lpad(i::VARCHAR, 7, '0') AS number, state AS incident_state,
                   state <> 'Resolved' AS active, k // 3 AS reassignment_count, 0 AS reopen_count,
                   k AS sys_mod_count, hash(i * 11) % 5 <> 0 AS made_sla,
                   'Caller ' || (hash(i * 13) % 5000)::INT AS caller_id,
                   'Opened by ' || (i % 200) AS opened_by,
                   strftime(opened, '%-d/%-m/%Y %H:%M') AS opened_at,
                   strftime(updated, '%-d/%-m/%Y %H:%M') AS sys_updated_at,
                   contact_type, location, 'Category ' || (i % 50) AS category,
                   CASE WHEN i % 4 = 0 THEN '?' ELSE 'Subcategory ' || (i % 200) END AS subcategory,
                   '2 - Medium' AS impact, '2 - Medium' AS urgency, '3 - Moderate' AS priority,
                   assignment_group,
                   CASE WHEN k = 0 THEN '?' ELSE 'Resolver ' || (hash(i) % 400)::INT END AS assigned_to,
                   false AS knowledge,
                   CASE WHEN state = 'Resolved' THEN 'Resolver ' || (hash(i) % 400)::INT ELSE '?' END
                       AS resolved_by,
                   CASE WHEN state = 'Resolved' THEN strftime(updated, '%-d/%-m/%Y %H:%M') ELSE '?' END
                       AS resolved_at,
                   '?' AS closed_at,
                   CASE WHEN state = 'Resolved' THEN 'code 1' ELSE '?' END AS closed_code
            FROM updates ORDER BY i, k
        ) TO '{_sql_path(path)}' (HEADER, DELIMITER ',')
        """
    )
    written = con.execute("SELECT count(*) FROM updates").fetchone()
    con.close()
    return int(written[0]) if written else 0


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def bench_profile_ingest(rows: int = DEFAULT_ROWS, progress: Progress | None = None) -> dict[str, Any]:
    """Time a generated ServiceNow audit log's ingest through the servicenow profile."""
    say = progress or (lambda message: None)
    with tempfile.TemporaryDirectory(prefix="cspulse-bench-profiles-") as folder:
        workdir = Path(folder)
        export = workdir / "incident_audit.csv"
        say(f"profiles: writing a {rows:,}-row ServiceNow audit log")
        written = write_audit_log(export, rows)
        config = load_config(None)
        profile = named_profile("servicenow")
        with connect(workdir / "warehouse.duckdb") as con:
            say("profiles: ingesting it with the servicenow profile")
            started = time.perf_counter()
            result = ingest_files(con, [export], config, profile)[0]
            seconds = time.perf_counter() - started
            tickets = con.execute("SELECT count(*) FROM tickets").fetchone()
            events = con.execute("SELECT count(*) FROM ticket_events").fetchone()
    if result.rows_read != written or result.rows_loaded != written:
        raise RuntimeError(f"profile bench: {result.summary()}")
    return {
        "profile_ingest_rows": written,
        "profile_ingest_s": round(seconds, 3),
        "profile_ingest_rows_per_s": round(written / seconds),
        "profile_ingest_tickets": int(tickets[0]) if tickets else 0,
        "profile_ingest_events": int(events[0]) if events else 0,
        "profile_ingest_history_rows": result.rows_history,
        "profile_ingest_target_s": 5.0,
    }

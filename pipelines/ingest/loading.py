"""Exports -> staging tables: read, map, validate, and load each file in one transaction.

Nothing is lost: every input row ends up in staging or in `rejected_rows` with its reasons.
Re-ingesting a file already loaded is skipped (same sha256 and kind); a newer export of the
same ids updates them. A file refused as a whole (unreadable, a required column missing)
changes no staging table and is recorded in `ingest_runs` with the reason.
"""

from __future__ import annotations

import hashlib
import json
import zoneinfo
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines import schemas
from pipelines.config import Config
from pipelines.ingest.profile import (
    CANONICAL,
    Mapping,
    Profile,
    ProfileError,
    builtin_profiles,
    choose_mapping,
    normalise_header,
)
from pipelines.ingest.readers import RAW_TABLE, FileRefused, RawTable, read_export
from pipelines.ingest.usage_rollup import roll_up_usage_days
from pipelines.ingest.validation import BLANKS_SQL, PARSED_TABLE, parse_statement
from pipelines.ingest.warnings import record_warnings

Progress = Callable[[str], None]


@dataclass
class IngestResult:
    """What one file's ingest did; one `ingest_runs` row."""

    run_id: int
    file: str
    status: str  # loaded, refused, skipped
    kind: str | None = None
    source: str | None = None
    sha256: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    message: str = ""
    # rows_rejected split by why: invalid values first, then earlier rows of a key, then copies
    rows_invalid: int = 0
    rows_superseded: int = 0
    rows_duplicate: int = 0
    rows_history: int = 0  # loaded rows that are earlier versions of a ticket (its history)
    events_derived: int = 0  # ticket_events a one-row-per-update or event-log file gave
    warnings: list[str] = field(default_factory=list)
    chosen: str = ""  # with --source auto: the profile picked and why

    def summary(self) -> str:
        if self.status == "refused":
            return f"REFUSED {self.file}: {self.message}"
        if self.status == "skipped":
            return f"skipped {self.file}: already loaded ({self.kind}, same sha256)"
        rejected = ""
        if self.rows_rejected:
            parts = [
                f"{count:,} {name}"
                for count, name in (
                    (self.rows_invalid, "invalid"),
                    (self.rows_superseded, "superseded"),
                    (self.rows_duplicate, "duplicate"),
                )
                if count
            ]
            rejected = f", rejected {self.rows_rejected:,}: {', '.join(parts)} (see rejected_rows)"
        history = ""
        if self.rows_history or self.events_derived:
            history = f"; {self.rows_history:,} rows of history, {self.events_derived:,} ticket_events"
        verb = "FAILED " if self.status == "failed" else "loaded  "
        chosen = f"\n  source auto: {self.chosen}" if self.chosen else ""
        note = f"\n  note: {self.message}" if self.message else ""
        warned = "".join(f"\n  warning: {warning}" for warning in self.warnings)
        return (
            f"{verb}{self.file} as {self.kind} [{self.source}]: "
            f"{self.rows_loaded:,} of {self.rows_read:,} rows{rejected}{history}{chosen}{note}{warned}"
        )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def ingest_files(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    config: Config,
    profile: Profile | None = None,
    kind: str | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> list[IngestResult]:
    """Ingest each file in its own transaction; a refused file does not stop the others."""
    _ensure_known_timezones(con)
    profiles = [profile] if profile else list(builtin_profiles().values())
    results = []
    for path in paths:
        results.append(ingest_file(con, Path(path), config, profiles, kind, sheet, progress))
    return results


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    config: Config,
    profiles: list[Profile],
    kind: str | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    started = datetime.now(UTC)
    say = progress or (lambda message: None)
    result = IngestResult(run_id=_next_run_id(con), file=str(path), status="refused")
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(sha256_of, path) if path.is_file() else None
        raw: RawTable | None = None
        try:
            say(f"reading {path.name}")
            raw = read_export(con, path, sheet)
            mapping = choose_mapping(path, raw.headers, profiles, kind)
        except (FileRefused, ProfileError) as error:
            result.message = str(error) + (raw.note if raw else "")  # a workbook: which sheet
            _record_run(con, result, started)
            return result
        result.sha256 = digest.result() if digest else None
    result.kind, result.source = mapping.kind, mapping.profile.name
    if len(profiles) > 1 and mapping.profile.name != CANONICAL:  # --source auto: say which
        result.chosen = _why_chosen(mapping, raw.headers)
    if _already_loaded(con, result.sha256, result.kind):
        result.status = "skipped"
        _record_run(con, result, started)
        return result
    say(f"validating {path.name} as {mapping.kind}")
    # From here rows carry their own row_number: order no longer matters, and ignoring it is faster.
    con.execute("SET preserve_insertion_order = false")
    timezone = mapping.profile.timezone or config.default_timezone
    try:
        statement = parse_statement(raw, mapping, timezone, list(mapping.profile.timestamp_formats))
        con.execute(statement.text, statement.params)
        _reject_duplicates(con, mapping)
    except (duckdb.Error, ValueError, KeyError) as error:
        result.message = f"{path}: cannot be validated as {mapping.kind}: {error}"
        _record_run(con, result, started)
        return result
    say(f"loading {path.name}")
    con.execute("BEGIN TRANSACTION")
    try:
        _load(con, result, raw, mapping, config)
        result.status = "loaded"
        notes = [
            f"the profile maps {canonical} to {header!r}, which this file lacks"
            for canonical, header in mapping.unmatched.items()
        ]
        if result.rows_read and not result.rows_loaded:
            # A file that loads nothing is a failure, whatever the reasons of its rows.
            result.status = "failed"
            notes.insert(0, f"nothing loaded: all {result.rows_read:,} rows were rejected")
        result.message = "; ".join(notes)
        result.warnings = record_warnings(con, result, mapping, config)
        _record_run(con, result, started)
        con.execute("COMMIT")
    except Exception as error:
        con.execute("ROLLBACK")
        result.status, result.message = "refused", f"{path}: load failed: {error}"
        result.rows_read = result.rows_loaded = result.rows_rejected = 0
        _record_run(con, result, started)
    return result


def _why_chosen(mapping: Mapping, headers: list[str]) -> str:
    """The profile --source auto picked for a file, and what in its header gave it away."""
    detect = mapping.kind_map.detect
    present = {normalise_header(header) for header in headers}
    if detect and all(normalise_header(column) in present for column in detect):
        said = ", ".join(repr(column) for column in detect)
        return f"chose profile {mapping.profile.name} ({mapping.kind}): the header has {said}"
    return f"chose profile {mapping.profile.name} ({mapping.kind}): its columns fit the header best"


def _next_run_id(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM ingest_runs").fetchone()
    return int(row[0]) if row else 1


def _already_loaded(con: duckdb.DuckDBPyConnection, sha256: str | None, kind: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM ingest_runs WHERE sha256 = ? AND kind = ? AND status = 'loaded'",
        [sha256, kind],
    ).fetchone()
    return bool(row and row[0])


def _record_run(con: duckdb.DuckDBPyConnection, result: IngestResult, started: datetime) -> None:
    values = {
        "run_id": result.run_id,
        "file": result.file,
        "sha256": result.sha256,
        "kind": result.kind,
        "source": result.source,
        "rows_read": result.rows_read,
        "rows_loaded": result.rows_loaded,
        "rows_rejected": result.rows_rejected,
        "started_at": started,
        "finished_at": datetime.now(UTC),
        "status": result.status,
        "message": result.message or None,
        "rows_invalid": result.rows_invalid,
        "rows_superseded": result.rows_superseded,
        "rows_duplicate": result.rows_duplicate,
        "rows_history": result.rows_history,
        "events_derived": result.events_derived,
    }
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    con.execute(f"INSERT INTO ingest_runs ({names}) VALUES ({marks})", list(values.values()))


def _ensure_known_timezones(con: duckdb.DuckDBPyConnection) -> None:
    names = pa.table({"name": sorted(zoneinfo.available_timezones())})
    con.register("zone_names", names)
    con.execute("CREATE OR REPLACE TEMP TABLE known_timezones AS SELECT name FROM zone_names")
    con.unregister("zone_names")


# --- duplicates within one file ---------------------------------------------------------------


def _reject_duplicates(con: duckdb.DuckDBPyConnection, mapping: Mapping) -> None:
    """Exact copies: "duplicate of row N"; earlier rows of a key: "superseded by row N".

    The file's last row of a key is its word on that key; its content is loaded from the first
    row that has it (a later exact copy is a duplicate of that row). Checked only among valid
    rows; a cheap grouped count finds whether there is anything to do at all.
    """
    # a date-only due_at is another deadline than the same instant written out (the end of
    # that working day, due_date): rows that differ there are not copies
    columns = [_quoted(name) for name in _parsed_columns(mapping)]
    keys = [_quoted(name) for name in schemas.key_columns(mapping.kind)] or columns
    if mapping.kind_map.history:  # a ticket's earlier rows are its history, not superseded
        keys = columns
    key_list = ", ".join(keys)
    shared = con.execute(
        f"SELECT count(*) FROM (SELECT {key_list} FROM {PARSED_TABLE} WHERE reject_reason IS NULL "
        f"GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone()
    if not shared or not shared[0]:
        return
    all_columns = ", ".join(columns)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE duplicate_rows AS
        WITH valid AS (
            SELECT * FROM {PARSED_TABLE} WHERE reject_reason IS NULL
        ), copies AS (
            SELECT row_number, {key_list},
                   min(row_number) OVER (PARTITION BY {all_columns}) AS first_copy
            FROM valid
        ), winners AS (
            SELECT *,
                   max(row_number) OVER (PARTITION BY {key_list}) AS last_row,
                   first_value(first_copy) OVER (
                       PARTITION BY {key_list} ORDER BY row_number DESC
                   ) AS kept_row
            FROM copies
        )
        SELECT row_number,
               CASE WHEN first_copy < row_number THEN 'duplicate of row ' || first_copy
                    ELSE 'superseded by row ' || last_row END AS reason
        FROM winners
        WHERE row_number <> kept_row
        """
    )
    con.execute(
        f"""
        UPDATE {PARSED_TABLE} SET reject_reason = duplicate_rows.reason, reject_column = NULL
        FROM duplicate_rows WHERE {PARSED_TABLE}.row_number = duplicate_rows.row_number
        """
    )


def _parsed_columns(mapping: Mapping) -> list[str]:
    """The canonical columns a file's parsed rows carry: those it maps, and beside a column that
    may hold a date alone the column keeping that date (tickets.due_date beside due_at)."""
    present = set(mapping.present)
    dates_only = [
        spec.date_only for spec in schemas.columns(mapping.kind) if spec.date_only and spec.name in present
    ]
    return [*mapping.present, *dates_only]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- loading -------------------------------------------------------------------------------


def _load(
    con: duckdb.DuckDBPyConnection,
    result: IngestResult,
    raw: RawTable,
    mapping: Mapping,
    config: Config,
) -> None:
    """Rejected rows, then the valid ones into staging; fills the result's row counts."""
    row = con.execute(
        f"SELECT count(*), count(reject_reason), count(*) FILTER ({SUPERSEDED}), "
        f"count(*) FILTER ({DUPLICATE}) FROM {PARSED_TABLE}"
    ).fetchone()
    parsed, rejected, superseded, duplicate = (int(value) for value in row) if row else (0, 0, 0, 0)
    _insert_rejected(con, result, raw)
    loaders = {
        "accounts": _load_accounts,
        "account_modules": _load_account_modules,
        "tickets": _load_tickets,
        "ticket_events": _load_ticket_events,
        "usage_events": _load_usage_events,
        "usage_daily": _load_usage_daily,
        "usage_account_daily": _load_usage_figures,
        "usage_module_windows": _load_usage_figures,
        "usage_account_windows": _load_usage_figures,
        "ticket_log": _load_ticket_log,
    }
    loaders[mapping.kind](con, mapping, config)
    malformed = len(raw.malformed)
    result.rows_read, result.rows_loaded = parsed + malformed, parsed - rejected
    result.rows_rejected = rejected + malformed
    result.rows_superseded, result.rows_duplicate = superseded, duplicate
    result.rows_invalid = result.rows_rejected - superseded - duplicate
    if mapping.kind_map.history:  # every row but the one that is the ticket is history
        result.events_derived = _count_rows(con, "SELECT 1 FROM log_events")
        result.rows_history = result.rows_loaded - _count_rows(con, "SELECT 1 FROM log_tickets")
    elif mapping.kind == "ticket_log":  # every row is an activity of its case's history
        result.events_derived = _count_rows(con, "SELECT 1 FROM log_events")
        result.rows_history = result.rows_loaded


# Why a row was rejected, by its reason (duplicates.py's texts): the rest are invalid values.
SUPERSEDED = "WHERE reject_reason LIKE 'superseded by row %'"
DUPLICATE = "WHERE reject_reason LIKE 'duplicate of row %'"


def category_sql(reason: str) -> str:
    """SQL: a rejected row's category (invalid, superseded, duplicate) from its reason."""
    return (
        f"CASE WHEN {reason} LIKE 'superseded by row %' THEN 'superseded' "
        f"WHEN {reason} LIKE 'duplicate of row %' THEN 'duplicate' ELSE 'invalid' END"
    )


def _insert_rejected(con: duckdb.DuckDBPyConnection, result: IngestResult, raw: RawTable) -> None:
    pairs = ", ".join(f"?, {RAW_TABLE}.{raw.column(header)}" for header in raw.headers)
    con.execute(
        f"""
        INSERT INTO rejected_rows (run_id, file, row_number, "column", reason, raw, category)
        SELECT ?, ?, parsed.row_number, parsed.reject_column, parsed.reject_reason,
               CAST(json_object({pairs}) AS VARCHAR),
               {category_sql("parsed.reject_reason")}
        FROM {PARSED_TABLE} AS parsed
        JOIN {RAW_TABLE} ON {raw.row_number_sql()} = parsed.row_number
        WHERE parsed.reject_reason IS NOT NULL
        """,
        [result.run_id, result.file, *raw.headers],
    )
    if raw.malformed:
        rows = [
            (
                result.run_id,
                result.file,
                position,
                None,
                reason,
                json.dumps(record, ensure_ascii=False),
                "invalid",
            )
            for position, reason, record in raw.malformed
        ]
        con.executemany(
            'INSERT INTO rejected_rows (run_id, file, row_number, "column", reason, raw, category) '
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def _incoming(con: duckdb.DuckDBPyConnection, select: str) -> None:
    """`incoming`: what this file brings to a staging table (a view: no copy is made)."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW incoming AS {select}")


def _valid_rows(columns: list[str]) -> str:
    return f"SELECT {', '.join(columns)} FROM {PARSED_TABLE} WHERE reject_reason IS NULL"


def _columns_of(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [row[0] for row in con.execute(f"DESCRIBE {relation}").fetchall()]


def _upsert(
    con: duckdb.DuckDBPyConnection, table: str, keys: list[str], replace_by: list[str] | None = None
) -> None:
    """Merge `incoming` into a staging table: the export's columns win, nulls included.

    Columns the export does not have keep their stored values (matched on `keys`). With
    `replace_by`, every stored row sharing those columns with the export is replaced (an
    account's module list, a ticket's event history). When none of the export's rows is
    stored yet (a first load), the rows go straight in.
    """
    group = replace_by or keys
    scope = ", ".join(_quoted(column) for column in group)
    stored = _count_rows(con, f"SELECT 1 FROM {table} SEMI JOIN incoming USING ({scope})") if group else 0
    source = "incoming"
    brought = set(_columns_of(con, "incoming"))
    absent = [name for name in _columns_of(con, table) if name not in brought]
    if stored and absent and keys:
        on = " AND ".join(f"{table}.{_quoted(key)} = incoming.{_quoted(key)}" for key in keys)
        carried = ", ".join(f"{table}.{_quoted(name)}" for name in absent)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE merged AS SELECT incoming.*, {carried} "
            f"FROM incoming LEFT JOIN {table} ON {on}"
        )
        source = "merged"
    if stored:
        matches = " AND ".join(f"{table}.{_quoted(c)} = scope.{_quoted(c)}" for c in group)
        con.execute(
            f"DELETE FROM {table} USING (SELECT DISTINCT {scope} FROM incoming) AS scope WHERE {matches}"
        )
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {source}")


def _count_rows(con: duckdb.DuckDBPyConnection, select: str) -> int:
    row = con.execute(f"SELECT count(*) FROM ({select})").fetchone()
    return int(row[0]) if row else 0


def _load_accounts(con: duckdb.DuckDBPyConnection, mapping: Mapping, config: Config) -> None:
    columns = [_quoted(name) for name in mapping.present]
    _incoming(con, _valid_rows([*columns, "false AS is_placeholder"]))
    _upsert(con, "accounts", ["account_id"])


def _load_account_modules(con: duckdb.DuckDBPyConnection, mapping: Mapping, config: Config) -> None:
    _incoming(con, _valid_rows([_quoted(name) for name in mapping.present]))
    _upsert(con, "account_modules", ["account_id", "module"], replace_by=["account_id"])


def _load_tickets(con: duckdb.DuckDBPyConnection, mapping: Mapping, config: Config) -> None:
    columns = [_quoted(name) for name in _parsed_columns(mapping)]
    if mapping.kind_map.history:
        _load_ticket_versions(con, mapping, columns)
        return
    _incoming(con, _valid_rows(columns))
    _upsert(con, "tickets", ["ticket_id"])


def _load_ticket_versions(con: duckdb.DuckDBPyConnection, mapping: Mapping, columns: list[str]) -> None:
    """One row per update: the latest version is the ticket; the changes between versions are
    its status and assign events (replacing the ticket's stored history)."""
    present = set(mapping.present)
    revision = "revision" if "revision" in present else "CAST(NULL AS BIGINT)"
    updated = "updated_at" if "updated_at" in present else "created_at"
    order = f"{revision} NULLS FIRST, {updated} NULLS FIRST, row_number"
    latest_first = f"{revision} DESC NULLS LAST, {updated} DESC NULLS LAST, row_number DESC"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE ticket_versions AS
        SELECT {", ".join(columns)}, row_number,
               coalesce({updated}, created_at) AS version_at,
               row_number() OVER (PARTITION BY ticket_id ORDER BY {latest_first}) = 1 AS is_latest,
               row_number() OVER (PARTITION BY ticket_id ORDER BY {order}) AS version
        FROM {PARSED_TABLE} WHERE reject_reason IS NULL
        """
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE log_tickets AS SELECT {', '.join(columns)} "
        "FROM ticket_versions WHERE is_latest"
    )
    assign = mapping.kind_map.history.assign if mapping.kind_map.history else None
    changes = []
    if "status" in present:
        changes.append(("status", "status", 0))
    if assign and assign in present:
        changes.append(("assign", _quoted(assign), 1))
    selects = [
        f"""
        SELECT ticket_id, version_at AS "at", '{kind}' AS kind, {column} AS value,
               CAST(NULL AS VARCHAR) AS actor, row_number * 10 + {seq} AS position
        FROM (
            SELECT *, lag({column}) OVER (PARTITION BY ticket_id ORDER BY version) AS previous,
            FROM ticket_versions
        )
        WHERE {column} IS NOT NULL AND (version = 1 OR {column} IS DISTINCT FROM previous)
        """
        for kind, column, seq in changes
    ]
    con.execute(f"CREATE OR REPLACE TEMP TABLE log_events AS {' UNION ALL '.join(selects)}")
    _incoming(con, "SELECT * FROM log_tickets")
    _upsert(con, "tickets", ["ticket_id"])
    _incoming(con, "SELECT * FROM log_events")
    _upsert(con, "ticket_events", [], replace_by=["ticket_id"])


def _load_ticket_events(con: duckdb.DuckDBPyConnection, mapping: Mapping, config: Config) -> None:
    columns = [_quoted(name) for name in mapping.present if name != "value"]
    _incoming(con, _valid_rows([*columns, f"{STATUS_VALUE} AS value", "row_number AS position"]))
    _upsert(con, "ticket_events", [], replace_by=["ticket_id"])


# Status values are matched after trimming (every blank a spreadsheet leaves: tab, no-break
# space, ...) and lower-casing, like the tickets' status column (DESIGN).
STATUS_VALUE = f"CASE WHEN kind = 'status' THEN lower(trim(value, {BLANKS_SQL})) ELSE value END"


def _load_usage_daily(con: duckdb.DuckDBPyConnection, mapping: Mapping, config: Config) -> None:
    _incoming(con, _valid_rows([_quoted(name) for name in mapping.present]))
    _upsert(con, "usage_daily", ["date", "account_id", "module"])


def _load_usage_figures(con: duckdb.DuckDBPyConnection, mapping: Mapping, config: Config) -> None:
    """The usage stage's figures (`cspulse usage-rollup`), upserted by their keys."""
    _incoming(con, _valid_rows([_quoted(name) for name in mapping.present]))
    _upsert(con, mapping.kind, schemas.key_columns(mapping.kind))


def _load_usage_events(con: duckdb.DuckDBPyConnection, mapping: Mapping, config: Config) -> None:
    _incoming(con, _valid_rows([_quoted(name) for name in mapping.present]))
    _upsert(con, "usage_events", ["account_id", "user_id", "module", "at"])
    roll_up_usage_days(con, config.default_timezone)


def _load_ticket_log(con: duckdb.DuckDBPyConnection, mapping: Mapping, config: Config) -> None:
    """An activity log -> tickets (one per case) and their status/assign/reply history."""
    activities = [
        (name, position, event.kind, event.value)
        for name, events in mapping.kind_map.activities.items()
        for position, event in enumerate(events)
    ]
    table = pa.table(
        {
            "activity": [a[0] for a in activities],
            "seq": pa.array([a[1] for a in activities], pa.int64()),
            "kind": [a[2] for a in activities],
            "value": pa.array([a[3] for a in activities], pa.string()),
        }
    )
    con.register("activity_map_arrow", table)
    con.execute("CREATE OR REPLACE TEMP TABLE activity_map AS SELECT * FROM activity_map_arrow")
    con.unregister("activity_map_arrow")
    actor = "actor" if "actor" in mapping.present else "CAST(NULL AS VARCHAR)"
    # "status / sub-status" first (a pause is often the pair), then the status alone
    lookup = "lower(log.activity)"
    if "sub_status" in mapping.present:
        lookup = (
            "CASE WHEN log.sub_status IS NOT NULL AND lower(log.activity || ' / ' || log.sub_status) "
            "IN (SELECT activity FROM activity_map) THEN lower(log.activity || ' / ' || log.sub_status) "
            "ELSE lower(log.activity) END"
        )
    note = (
        "log.activity || coalesce(' / ' || log.sub_status, '')"
        if "sub_status" in mapping.present
        else "log.activity"
    )
    # Unmapped activities are kept in the history as `note` events: nothing is lost.
    _incoming(
        con,
        f"""
        SELECT log.ticket_id, log."at",
               coalesce(activity_map.kind, 'note') AS kind,
               CASE WHEN activity_map.kind IS NULL THEN {note}
                    ELSE replace(activity_map.value, '{{actor}}', coalesce({actor}, '')) END AS value,
               {actor} AS actor,
               log.row_number * 100 + coalesce(activity_map.seq, 0) AS position
        FROM {PARSED_TABLE} AS log
        LEFT JOIN activity_map ON activity_map.activity = {lookup}
        WHERE log.reject_reason IS NULL
        """,
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE log_events AS SELECT * REPLACE ({STATUS_VALUE} AS value) FROM incoming"
    )
    attributes = [
        name
        for name in ("account_id", "channel", "task_type", "team", "priority", "subject")
        if name in mapping.present
    ]
    # A case belongs to the customer who opened it (rows copied in from a linked bug report may
    # name another); its other attributes are the latest the log gives.
    latest = ", ".join(
        f'arg_min({name}, ("at", row_number)) FILTER (WHERE {name} IS NOT NULL) AS {name}'
        if name == "account_id"
        else f"arg_max({name}, row_number) FILTER (WHERE {name} IS NOT NULL) AS {name}"
        for name in attributes
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE log_tickets AS
        WITH cases AS (
            SELECT ticket_id, min("at") AS created_at{", " + latest if latest else ""}
            FROM {PARSED_TABLE} WHERE reject_reason IS NULL GROUP BY ticket_id
        ), last_status AS (
            SELECT ticket_id, arg_max(value, ("at", position)) AS status
            FROM log_events WHERE kind = 'status' GROUP BY ticket_id
        ), last_assignee AS (
            SELECT ticket_id, arg_max(value, ("at", position)) AS assignee
            FROM log_events WHERE kind = 'assign' GROUP BY ticket_id
        )
        SELECT cases.*, last_status.status, last_assignee.assignee
        FROM cases
        LEFT JOIN last_status USING (ticket_id)
        LEFT JOIN last_assignee USING (ticket_id)
        """,
    )
    _incoming(con, "SELECT * FROM log_tickets")
    _upsert(con, "tickets", ["ticket_id"])
    _incoming(con, "SELECT * FROM log_events")
    _upsert(con, "ticket_events", [], replace_by=["ticket_id"])

"""Source profiles: how another tool's export maps onto the canonical kinds. Data, not code.

A profile is a TOML file (see `profiles/*.toml`):

    name = "jira"
    timezone = "UTC"                  # of timestamps written without an offset
    null_values = ["NA"]              # source texts that mean "no value"
    timestamp_formats = []            # DuckDB strptime formats tried before ISO 8601

    [tickets]                         # one table per canonical kind the source provides
    detect = ["key", "created"]       # source columns that identify this kind of file
    columns = { ticket_id = "key", created_at = "created" }     # canonical = source column
    constants = { channel = "portal" }                          # canonical = fixed value
    [tickets.values.task_type]        # source value (any case) -> canonical
    bug = "bug"
    "*" = "simple"                    # any other value
    "" = "simple"                     # an empty cell (else it stays empty)

    [tickets.derived]                 # a column computed by one fixed operation (OPERATIONS)
    account_id = { coalesce = ["company", "location"] }             # first non-empty
    subject = { concat = ["category", "subcategory"], separator = " / " }
    first_response_at = { add_minutes = ["created", "reply minutes"] } # calendar time

    [ticket_events.event_values.status]  # value maps per event kind (status, assign, reply)
    "Awaiting User Info" = "on_hold"

The `ticket_log` kind is an event log (one row per activity) from which the ingest derives both
tickets and their status history; its `[ticket_log.activities]` table says which events each
activity stands for (`{actor}` in a value is replaced by the row's actor).

The canonical profile is implicit: every canonical column maps to the header of the same name.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines import schemas
from pipelines.errors import first_line

PROFILE_DIR = Path(__file__).with_name("profiles")
CANONICAL = "canonical"
CANONICAL_KINDS = (
    "accounts",
    "account_modules",
    "tickets",
    "ticket_events",
    "usage_events",
    "usage_daily",
    "usage_account_daily",
    "usage_module_windows",
    "usage_account_windows",
)
# What a user may pass to --kind, and the canonical kinds each name stands for.
KIND_NAMES: dict[str, tuple[str, ...]] = {
    "accounts": ("accounts",),
    "account_modules": ("account_modules",),
    "tickets": ("tickets",),
    "ticket_events": ("ticket_events",),
    "usage": ("usage_events", "usage_daily"),
    "usage_events": ("usage_events",),
    "usage_daily": ("usage_daily",),
    "usage_account_daily": ("usage_account_daily",),
    "usage_module_windows": ("usage_module_windows",),
    "usage_account_windows": ("usage_account_windows",),
    "ticket_log": ("ticket_log",),
}
# File-name hints, checked in this order (the more specific names first).
_NAME_HINTS = (
    ("usage", ("usage_events", "usage_daily")),
    ("module", ("account_modules",)),
    ("event", ("ticket_events",)),
    ("history", ("ticket_events",)),
    ("transition", ("ticket_events",)),
    ("account", ("accounts",)),
    ("ticket", ("tickets",)),
)


class ProfileError(ValueError):
    """A profile file that cannot be used."""


@dataclass(frozen=True)
class Activity:
    """One event an activity of an event log stands for."""

    kind: str
    value: str | None = None


# The closed set of derived-column operations a profile may declare (see `Derived`).
OPERATIONS = ("coalesce", "add_minutes", "concat")


@dataclass(frozen=True)
class Derived:
    """A canonical column computed from several source columns by one fixed operation.

    coalesce: the first non-empty of `sources`; concat: the non-empty ones joined with
    `separator`; add_minutes: `sources[0]` (a timestamp) plus `sources[1]` minutes, calendar
    time. Each compiles to a fixed SQL expression (validation.py); nothing here is executed.
    """

    operation: str
    sources: tuple[str, ...]
    separator: str = " "


@dataclass(frozen=True)
class History:
    """A tickets export with one row per update (ServiceNow's audit form): a ticket's rows are
    its versions. The highest `revision` (then the latest `updated_at`, then the last row) is
    the ticket; every change of status between versions is a status event, every change of the
    `assign` column an assign event, at the version's `updated_at`."""

    assign: str | None = "team"  # canonical tickets column whose changes are (re)assignments


@dataclass(frozen=True)
class KindMap:
    """How one kind of source file maps onto a canonical kind."""

    kind: str
    detect: tuple[str, ...] = ()
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> source header
    constants: dict[str, str] = field(default_factory=dict)  # canonical -> value
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    activities: dict[str, tuple[Activity, ...]] = field(default_factory=dict)
    derived: dict[str, Derived] = field(default_factory=dict)  # canonical -> operation
    # ticket_events: value maps per event kind (kind -> source value -> canonical value)
    event_values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    history: History | None = None  # tickets: one row per update, earlier rows are history


@dataclass(frozen=True)
class Profile:
    name: str
    kinds: dict[str, KindMap]
    description: str = ""
    timezone: str | None = None
    null_values: tuple[str, ...] = ()
    timestamp_formats: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mapping:
    """A profile's kind map matched against a file's headers."""

    profile: Profile
    kind_map: KindMap
    sources: dict[str, str]  # canonical column -> source header present in the file
    constants: dict[str, str]
    missing: tuple[str, ...]  # required canonical columns the file cannot give
    derived: dict[str, Derived] = field(default_factory=dict)  # with only the headers present

    @property
    def kind(self) -> str:
        return self.kind_map.kind

    @property
    def unmatched(self) -> dict[str, str]:
        """Optional columns the profile maps to headers this file lacks (canonical -> header):
        worth a word, since a typo there silently drops a column."""
        if self.profile.name == CANONICAL:
            return {}
        absent = {
            canonical: header
            for canonical, header in self.kind_map.columns.items()
            if canonical not in self.sources and canonical not in self.constants
        }
        for canonical, derived in self.kind_map.derived.items():
            if canonical not in self.derived:
                absent[canonical] = " + ".join(derived.sources)
        return absent

    @property
    def present(self) -> list[str]:
        """Canonical columns this file provides, in schema order."""
        given = set(self.sources) | set(self.constants) | set(self.derived)
        return [name for name in schemas.column_names(self.kind) if name in given]


def normalise_header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def canonical_profile() -> Profile:
    kinds = {
        kind: KindMap(kind=kind, columns={name: name for name in schemas.column_names(kind)})
        for kind in CANONICAL_KINDS
    }
    return Profile(name=CANONICAL, kinds=kinds, description="CS Pulse's own canonical exports")


def load_profile(path: Path) -> Profile:
    return _profile_from(_document(path), path)


def _document(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """A profile's TOML, laid over the built-in profile it `extends` (if any)."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ProfileError(f"{path}: cannot read profile: {error}") from None
    base_name = document.pop("extends", None)
    if base_name is None:
        return document
    base_path = PROFILE_DIR / f"{str(base_name).replace('-', '_')}.toml"
    if not base_path.is_file() or base_path in seen or base_path == path:
        raise ProfileError(f"{path}: extends {base_name!r}, which is not another built-in profile")
    return _laid_over(_document(base_path, (*seen, path)), document)


def _laid_over(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """Profile keys and a kind table's keys the child gives replace the base's whole (as a
    config file's keys do); giving `columns` or `derived` replaces both of the base's, and so
    does giving `activities` or `meanings`."""
    merged = {key: value for key, value in base.items() if key not in ("name", "description", "detect")}
    for key, value in child.items():
        if key in schemas.MODELS and isinstance(value, dict) and isinstance(base.get(key), dict):
            table = dict(base[key])
            for together in (("columns", "derived"), ("activities", "meanings")):
                if any(name in value for name in together):
                    for name in together:
                        table.pop(name, None)
            table.pop("detect", None)  # a base's detection is not the instance's
            table.update(value)
            merged[key] = table
        else:
            merged[key] = value
    return merged


_PROFILE_KEYS = {"name", "description", "timezone", "null_values", "timestamp_formats"}
_KIND_KEYS = {"detect", "columns", "constants", "values", "derived"}


def _profile_from(document: dict[str, Any], path: Path) -> Profile:
    unknown = set(document) - set(schemas.MODELS) - _PROFILE_KEYS
    if unknown:
        raise ProfileError(f"{path}: unknown keys {sorted(unknown)}")
    kinds = {
        kind: _kind_map(kind, _table(document[kind], f"{path}: [{kind}]"), path)
        for kind in schemas.MODELS
        if kind in document
    }
    if not kinds:
        raise ProfileError(f"{path}: maps no kind; add a table such as [tickets]")
    timezone = document.get("timezone")
    if timezone is not None and timezone not in zoneinfo.available_timezones():
        raise ProfileError(f"{path}: timezone {timezone!r} is not an IANA timezone")
    formats = _texts(document.get("timestamp_formats", []), f"{path}: timestamp_formats")
    _check_formats(formats, path)
    return Profile(
        name=str(document.get("name", path.stem)),
        kinds=kinds,
        description=str(document.get("description", "")),
        timezone=timezone,
        null_values=_texts(document.get("null_values", []), f"{path}: null_values"),
        timestamp_formats=formats,
    )


def _table(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProfileError(f"{where} must be a table, not {value!r}")
    return value


def _texts(value: object, where: str) -> tuple[str, ...]:
    """A list of texts (a lone text is refused: it would be read as its letters)."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ProfileError(f'{where} must be a list of texts, such as ["a", "b"], not {value!r}')
    return tuple(value)


def _scalar(value: object, where: str) -> str:
    if not isinstance(value, str | int | float | bool):
        raise ProfileError(f"{where} must be a text or a number, not {value!r}")
    return str(value).lower() if isinstance(value, bool) else str(value)


def _check_formats(formats: tuple[str, ...], path: Path) -> None:
    """Refuse a strptime format DuckDB cannot use, naming the profile key."""
    import duckdb

    for pattern in formats:
        try:
            duckdb.execute("SELECT try_strptime('2024-01-01', ?)", [pattern])
        except duckdb.Error as error:
            raise ProfileError(
                f"{path}: timestamp_formats: {pattern!r} is not a format: {first_line(error)}"
            ) from None


def _kind_map(kind: str, table: dict[str, Any], path: Path) -> KindMap:
    where = f"{path}: [{kind}]"
    allowed = _KIND_KEYS | _EXTRA_KIND_KEYS.get(kind, set())
    unknown = set(table) - allowed
    if unknown:
        raise ProfileError(f"{where} has unknown keys {sorted(unknown)}; a kind table has {sorted(allowed)}")
    known = set(schemas.column_names(kind))
    columns = {
        str(k): _scalar(v, f"{where} columns.{k}")
        for k, v in _table(table.get("columns", {}), f"{where} columns").items()
    }
    constants = {
        str(k): _scalar(v, f"{where} constants.{k}")
        for k, v in _table(table.get("constants", {}), f"{where} constants").items()
    }
    values = {
        str(column): _value_map(_table(m, f"{where} values.{column}"), f"{where} values.{column}")
        for column, m in _table(table.get("values", {}), f"{where} values").items()
    }
    derived = {
        str(k): _derived(v, f"{where} derived.{k}")
        for k, v in _table(table.get("derived", {}), f"{where} derived").items()
    }
    for name in [*columns, *constants, *values, *derived]:
        if name not in known:
            raise ProfileError(f"{where} maps {name!r}, not a column of {kind}")
    for name in derived:
        if name in columns:
            raise ProfileError(f"{where} maps {name!r} twice: in columns and in derived")
    event_values = {
        str(event_kind): _value_map(
            _table(m, f"{where} event_values.{event_kind}"), f"{where} event_values.{event_kind}"
        )
        for event_kind, m in _table(table.get("event_values", {}), f"{where} event_values").items()
    }
    activities = _meanings(_table(table.get("meanings", {}), f"{where} meanings"), f"{where} meanings")
    activities.update(
        {
            str(name).strip().lower(): tuple(
                Activity(kind=str(event["kind"]), value=event.get("value"))
                for event in _events(events, f"{where} activities.{name}")
            )
            for name, events in _table(table.get("activities", {}), f"{where} activities").items()
        }
    )
    return KindMap(
        kind=kind,
        detect=_texts(table.get("detect", []), f"{where} detect"),
        columns=columns,
        constants=constants,
        values=values,
        activities=activities,
        derived=derived,
        event_values=event_values,
        history=_history(table["history"], f"{where} history") if "history" in table else None,
    )


# Keys only some kinds' tables may have.
_EXTRA_KIND_KEYS = {
    "ticket_log": {"activities", "meanings"},
    "ticket_events": {"event_values"},
    "tickets": {"history"},
}


def _history(value: object, where: str) -> History:
    table = _table(value, where)
    unknown = set(table) - {"assign"}
    if unknown:
        raise ProfileError(f"{where} has unknown keys {sorted(unknown)}; it has ['assign']")
    assign = table.get("assign", "team")
    if assign not in ("team", "assignee", ""):
        raise ProfileError(f'{where}.assign must be "team", "assignee" or "" (none), not {assign!r}')
    return History(assign=assign or None)


def _derived(value: object, where: str) -> Derived:
    """`{ coalesce = ["a", "b"] }`, `{ concat = ["a", "b"], separator = " / " }` or
    `{ add_minutes = ["opened", "minutes"] }`: exactly one operation of OPERATIONS."""
    table = _table(value, where)
    operations = [key for key in table if key != "separator"]
    unknown = [key for key in operations if key not in OPERATIONS]
    if unknown:
        raise ProfileError(
            f"{where}: unknown operation {unknown[0]!r}; a derived column uses one of {', '.join(OPERATIONS)}"
        )
    if len(operations) != 1:
        raise ProfileError(f"{where} must name exactly one operation of {', '.join(OPERATIONS)}")
    operation = operations[0]
    sources = _texts(table[operation], f"{where}.{operation}")
    if operation == "add_minutes" and len(sources) != 2:
        raise ProfileError(f'{where}.add_minutes takes two columns: ["timestamp column", "minutes column"]')
    if not sources:
        raise ProfileError(f"{where}.{operation} names no column")
    if "separator" in table and operation != "concat":
        raise ProfileError(f"{where}: separator applies to concat only")
    separator = _scalar(table.get("separator", " "), f"{where}.separator")
    return Derived(operation=operation, sources=sources, separator=separator)


# What each meaning an event log's profile may name stands for, in events (see `meanings`).
MEANINGS: dict[str, tuple[Activity, ...]] = {
    "created": (Activity("status", "new"),),
    "assigned": (Activity("assign", "{actor}"),),
    "responded": (Activity("reply", "{actor}"),),
    "paused": (Activity("status", "pending"),),
    "resumed": (Activity("status", "in_progress"),),
    "resolved": (Activity("status", "resolved"),),
    "closed": (Activity("status", "closed"),),
}


def _meanings(table: dict[str, Any], where: str) -> dict[str, tuple[Activity, ...]]:
    """`[ticket_log.meanings]`: `paused = ["Wait", "Accepted / Wait - User"]` names the activities
    (or "status / sub-status" pairs) that mean each of MEANINGS; an activity named under several
    meanings stands for all their events, in MEANINGS' order."""
    unknown = set(table) - set(MEANINGS)
    if unknown:
        raise ProfileError(f"{where}: unknown meaning {sorted(unknown)[0]!r}; use {', '.join(MEANINGS)}")
    activities: dict[str, tuple[Activity, ...]] = {}
    for meaning, events in MEANINGS.items():
        for name in _texts(table.get(meaning, []), f"{where}.{meaning}"):
            key = name.strip().lower()
            activities[key] = activities.get(key, ()) + events
    return activities


def _value_map(table: dict[str, Any], where: str) -> dict[str, str | None]:
    """Source value (trimmed, any case) -> canonical value (trimmed; "" = no value). The key
    "*" stands for any other value, "" for an empty cell."""
    return {
        str(source).strip().lower(): (_scalar(target, f"{where}.{source}").strip() or None)
        for source, target in table.items()
    }


def _events(events: object, where: str) -> list[dict[str, Any]]:
    if not isinstance(events, list) or not all(isinstance(e, dict) and "kind" in e for e in events):
        raise ProfileError(f'{where} must be a list of events such as [{{ kind = "status", value = "new" }}]')
    return events


def builtin_profiles() -> dict[str, Profile]:
    profiles = {CANONICAL: canonical_profile()}
    for path in sorted(PROFILE_DIR.glob("*.toml")):
        profile = load_profile(path)
        profiles[profile.name] = profile
    return profiles


def named_profile(name: str) -> Profile:
    profiles = builtin_profiles()
    if name not in profiles:
        raise ProfileError(f"unknown source profile {name!r}; known: {', '.join(profiles)}")
    return profiles[name]


# --- matching a file -------------------------------------------------------------------------


def match(profile: Profile, kind_map: KindMap, headers: list[str]) -> Mapping:
    """Which canonical columns a file with these headers provides under a kind map."""
    by_name = {normalise_header(header): header for header in headers}
    sources = {}
    for canonical, source in kind_map.columns.items():
        header = by_name.get(normalise_header(source))
        if header is not None:
            sources[canonical] = header
    derived = {}
    for canonical, operation in kind_map.derived.items():
        found = tuple(by_name[h] for h in map(normalise_header, operation.sources) if h in by_name)
        # add_minutes needs both of its columns; coalesce and concat use those present
        if found and (operation.operation != "add_minutes" or len(found) == 2):
            derived[canonical] = Derived(operation.operation, found, operation.separator)
    constants = {k: v for k, v in kind_map.constants.items() if k not in sources and k not in derived}
    missing = tuple(
        name
        for name in schemas.required_columns(kind_map.kind)
        if name not in sources and name not in constants and name not in derived
    )
    return Mapping(profile, kind_map, sources, constants, missing, derived)


def kinds_hinted_by_name(path: Path) -> tuple[str, ...]:
    stem = path.name.lower()
    for hint, kinds in _NAME_HINTS:
        if hint in stem:
            return kinds
    return ()


def choose_mapping(
    path: Path,
    headers: list[str],
    profiles: list[Profile],
    kind: str | None = None,
) -> Mapping:
    """The profile and kind a file is, from --kind, then its name, then its columns.

    Raises ProfileError naming the file and the first missing column (with the closest header
    present) when the file is of a known kind but lacks a required column.
    """
    if kind is not None and kind not in KIND_NAMES:
        raise ProfileError(f"{path}: unknown kind {kind!r}; use one of {', '.join(KIND_NAMES)}")
    wanted = KIND_NAMES[kind] if kind else ()
    candidates = [
        match(profile, kind_map, headers)
        for profile in profiles
        for kind_map in profile.kinds.values()
        if not wanted or kind_map.kind in wanted
    ]
    complete = [m for m in candidates if not m.missing]
    hinted = () if wanted else kinds_hinted_by_name(path)
    headers_normalised = {normalise_header(header) for header in headers}

    def detected(m: Mapping) -> bool:
        return bool(m.kind_map.detect) and all(
            normalise_header(column) in headers_normalised for column in m.kind_map.detect
        )

    def rank(m: Mapping) -> tuple[int, int, int, int]:
        # Prefer a profile whose detect columns are all there, then a name hint, then the
        # canonical profile, then the mapping that uses the most of the file's columns.
        return (
            detected(m),
            m.kind in hinted,
            m.profile.name == CANONICAL,
            len(m.sources),
        )

    if complete:
        return max(complete, key=rank)
    claimed = [m for m in candidates if wanted or detected(m) or m.kind in hinted]
    if not claimed and wanted:
        names = ", ".join(profile.name for profile in profiles)
        said = f"profiles {names} map" if len(profiles) > 1 else f"profile {names} maps"
        raise ProfileError(f"{path}: the {said} no {kind} export")
    if not claimed:
        raise ProfileError(
            f"{path}: cannot tell what kind of export this is from its name or columns "
            f"({', '.join(headers[:8])}{'…' if len(headers) > 8 else ''}); pass --kind"
        )
    best = max(claimed, key=lambda m: (*rank(m)[:3], -len(m.missing)))
    column = best.missing[0]
    wanted_header = best.kind_map.columns.get(column, column)
    close = difflib.get_close_matches(wanted_header, headers, n=1, cutoff=0.5)
    hint = f"; the closest column present is {close[0]!r}" if close else ""
    via = "" if best.profile.name == CANONICAL else f" (profile {best.profile.name})"
    raise ProfileError(f"{path}: missing required column {wanted_header!r} for {best.kind}{via}{hint}")

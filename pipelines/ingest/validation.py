"""SQL checks generated from the pandera models, run where the export lies (in DuckDB).

Converting a million rows from DuckDB to pandas costs more than reading them, so the pandera
models are compiled into one SQL statement per file instead: it maps source columns onto
canonical ones (a profile's column map, constants and value maps), parses every value into its
type, and gives each row the reasons it is invalid — all reasons in schema order, joined with
"; ", and the first failing column — in a single pass.

Source texts and profile values are bound parameters; only identifiers we generate (c0, c1, …),
schema bounds and the timezone offset table built from tzdata are written into the SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from metrics.calendar import tz_switches
from pipelines.ingest.profile import Mapping
from pipelines.ingest.readers import RAW_TABLE, RawTable
from pipelines.schemas import ColumnSpec, columns

PARSED_TABLE = "parsed_rows"
TZ_YEARS = (1900, 2100)
_OFFSET_PATTERN = r"[T ]\d{1,2}:\d\d(:\d\d(\.\d+)?)?\s*(Z|z|UTC|[+-]\d\d(:?\d\d)?)$"
_DATE_ONLY_PATTERN = r"(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\.\d{1,2}\.\d{4})"
# Russian spreadsheets and 1C write day.month.year; no other tool writes dots in that order.
_DOTTED_FORMATS = ["%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y"]
_THOUSANDS_PATTERN = r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?"
# strptime directives that give a time of day: a format without any reads a date alone
_TIME_DIRECTIVES = re.compile(r"%[-]?[HIMSpfgnXcTRzZ]")
# "10:00:00 +0300" (Rails, Ruby): the blank before an offset, which DuckDB does not read.
_BLANK_BEFORE_OFFSET = r"\s+([+-]\d\d(:?\d\d)?|Z|z)$"
# "2025-01-10T10:00Z", "10:00+03:00": ISO 8601 without seconds, which DuckDB's cast does not read
_MINUTES_BEFORE_OFFSET = r"([T ]\d{1,2}:\d\d)(\s*(Z|z|UTC|[+-]\d\d(:?\d\d)?))$"
# Blanks a spreadsheet leaves around a value: space, tab, line breaks, no-break spaces, BOM.
_BLANK_CODES = (32, 9, 10, 11, 12, 13, 160, 8199, 8203, 8239, 12288, 65279)
BLANKS_SQL = "'" + "".join(map(chr, _BLANK_CODES)) + "'"
_BLANK_CODE_LIST = ", ".join(map(str, _BLANK_CODES))
_TRUE = ("true", "t", "yes", "y", "1", "да", "истина")
_FALSE = ("false", "f", "no", "n", "0", "нет", "ложь")


@dataclass
class Statement:
    """SQL text with its positional parameters, built up piece by piece."""

    text: str = ""
    params: list[object] = field(default_factory=list)

    def bind(self, value: object) -> str:
        """A numbered placeholder ($1, $2, …): an expression holding it may be repeated."""
        self.params.append(value)
        return f"${len(self.params)}"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def offset_case_sql(local_epoch: str, timezone: str) -> str:
    """SQL giving the UTC offset (s) of a naive local epoch, by DESIGN's DST rule.

    A balanced CASE tree over the zone's switch points, so a row costs a handful of
    comparisons even for a zone with two changes a year over two centuries.
    """
    switches, offsets = tz_switches(timezone, *TZ_YEARS)

    def node(low: int, high: int) -> str:
        if low == high:
            return str(int(offsets[low]))
        middle = (low + high) // 2
        return (
            f"CASE WHEN {local_epoch} < {int(switches[middle])} "
            f"THEN {node(low, middle)} ELSE {node(middle + 1, high)} END"
        )

    return node(0, len(switches))


def _trimmed(column: str, spec: ColumnSpec) -> str:
    """A raw text without the blanks around it; NULL when nothing is left.

    Values matched against lists (status, channel, …) lose every kind of blank (tab, no-break
    space, BOM…), as spreadsheets leave them; other columns only spaces. The ends are looked at
    first: most values have no blanks, and trim() costs."""
    if spec.normalise:
        return (
            f"CASE WHEN {column} = '' THEN NULL WHEN unicode({column}) IN ({_BLANK_CODE_LIST}) "
            f"OR unicode(right({column}, 1)) IN ({_BLANK_CODE_LIST}) "
            f"THEN nullif(trim({column}, {BLANKS_SQL}), '') ELSE {column} END"
        )
    return (
        f"CASE WHEN {column} LIKE ' %' OR {column} LIKE '% ' THEN nullif(trim({column}), '') "
        f"WHEN {column} = '' THEN NULL ELSE {column} END"
    )


def _header_text(raw: RawTable, mapping: Mapping, header: str, spec: ColumnSpec, sql: Statement) -> str:
    """One source column's value as trimmed text (NULL when empty or a profile null value)."""
    text = _trimmed(f"{RAW_TABLE}.{raw.column(header)}", spec)
    nulls = mapping.profile.null_values
    if nulls:
        placeholders = ", ".join(sql.bind(value) for value in nulls)
        text = f"CASE WHEN {text} IN ({placeholders}) THEN NULL ELSE {text} END"
    return text


def _mapped(text: str, value_map: dict[str, str | None], sql: Statement) -> str:
    """A value map applied to a text: source value (any case) -> canonical value."""
    key = f"lower({text})"
    cases = " ".join(
        f"WHEN {key} = {sql.bind(source)} THEN {sql.bind(target)}"
        for source, target in value_map.items()
        if source not in ("*", "")
    )
    # "*" stands for any other value; "" for a missing one, which else stays missing
    default = sql.bind(value_map["*"]) if "*" in value_map else text
    missing = sql.bind(value_map[""]) if "" in value_map else "NULL"
    return f"CASE WHEN {text} IS NULL THEN {missing} {cases} ELSE {default} END"


def _derived_text(raw: RawTable, mapping: Mapping, spec: ColumnSpec, sql: Statement) -> str:
    """A derived column's text: each operation is one fixed expression over the source texts.
    add_minutes gives the timestamp's own text here; its minutes are added in `minutes_sql`."""
    derived = mapping.derived[spec.name]
    texts = [_header_text(raw, mapping, header, spec, sql) for header in derived.sources]
    if derived.operation == "coalesce":
        return f"coalesce({', '.join(texts)})"
    if derived.operation == "concat":
        return f"nullif(concat_ws({sql.bind(derived.separator)}, {', '.join(texts)}), '')"
    # add_minutes: no minutes, no instant (Zendesk leaves the reply time empty until a reply)
    return f"CASE WHEN {texts[1]} IS NOT NULL THEN {texts[0]} END"


def minutes_sql(raw: RawTable, mapping: Mapping, spec: ColumnSpec, sql: Statement) -> tuple[str, str] | None:
    """For an add_minutes column: (minutes text, minutes as DOUBLE) expressions, else None."""
    derived = mapping.derived.get(spec.name)
    if derived is None or derived.operation != "add_minutes":
        return None
    text = _header_text(raw, mapping, derived.sources[1], spec, sql)
    return text, _number(text, raw.decimal_comma)


def _source_text(raw: RawTable, mapping: Mapping, spec: ColumnSpec, sql: Statement) -> str:
    """The column's value as trimmed text (NULL when empty or a profile null value)."""
    if spec.name in mapping.sources or spec.name in mapping.derived:
        if spec.name in mapping.derived:
            text = _derived_text(raw, mapping, spec, sql)
        else:
            text = _header_text(raw, mapping, mapping.sources[spec.name], spec, sql)
        value_map = mapping.kind_map.values.get(spec.name)
        if value_map:
            text = _mapped(text, value_map, sql)
        if spec.name == "value" and mapping.kind_map.event_values:
            text = _by_event_kind(raw, mapping, text, sql)
    else:
        text = f"CAST({sql.bind(mapping.constants[spec.name])} AS VARCHAR)"
    return f"lower({text})" if spec.normalise else text


def _by_event_kind(raw: RawTable, mapping: Mapping, text: str, sql: Statement) -> str:
    """ticket_events: the value map of the row's event kind (status, assign, …)."""
    kind_spec = next(spec for spec in columns("ticket_events") if spec.name == "kind")
    kind = _source_text(raw, mapping, kind_spec, sql)
    cases = " ".join(
        f"WHEN {kind} = {sql.bind(event_kind.strip().lower())} THEN {_mapped(text, value_map, sql)}"
        for event_kind, value_map in mapping.kind_map.event_values.items()
    )
    return f"CASE {cases} ELSE {text} END"


def _number(value: str, decimal_comma: bool) -> str:
    """A number text as DOUBLE (NULL when it is not one)."""
    if decimal_comma:
        # Russian Excel: "1 000,50" — spaces (also no-break, narrow) group thousands, the comma
        # is decimal.
        grouped = f"replace(replace(replace({value}, ' ', ''), chr(160), ''), chr(8239), '')"
        return f"try_cast(replace({grouped}, ',', '.') AS DOUBLE)"
    # "1,200.50": commas grouping thousands, read only where the plain reading failed
    return (
        f"coalesce(try_cast({value} AS DOUBLE), CASE WHEN regexp_full_match({value}, "
        f"'{_THOUSANDS_PATTERN}') THEN try_cast(replace({value}, ',', '') AS DOUBLE) END)"
    )


def _parsed(
    spec: ColumnSpec, value: str, raw: RawTable, formats: list[str], sql: Statement
) -> dict[str, str]:
    """Expressions for a column's typed value (and helpers), keyed by output name."""
    name = spec.name
    if spec.type == "text":
        return {f"p_{name}": value}
    if spec.type in ("integer", "float"):
        number = _number(value, raw.decimal_comma)
        if spec.type == "integer":
            whole = f"isfinite({number}) AND {number} = trunc({number})"
            typed = f"CASE WHEN {whole} THEN try_cast({number} AS BIGINT) END"  # NULL beyond int64
        else:
            typed = f"CASE WHEN isfinite({number}) THEN {number} END"
        return {f"p_{name}": typed}
    if spec.type == "boolean":
        truthy = ", ".join(f"'{word}'" for word in _TRUE)
        falsy = ", ".join(f"'{word}'" for word in _FALSE)
        return {
            f"p_{name}": f"CASE WHEN lower({value}) IN ({truthy}) THEN true "
            f"WHEN lower({value}) IN ({falsy}) THEN false END"
        }
    if spec.type == "date":
        day = f"CAST({_naive_timestamp(value, formats, sql)} AS DATE)"
        return {f"p_{name}": f"CASE WHEN isfinite({day}) THEN {day} END"}
    # Timestamps: `has_offset_`, `aware_s_` and `naive_s_<name>` come from earlier layers (see
    # `_timestamp_layers`); here the wall-clock seconds of a date-only value move to its end.
    out = {f"local_s_{name}": f"naive_s_{name}"}
    if spec.date_only:
        date_only = f"regexp_full_match({value}, '{_DATE_ONLY_PATTERN}')"
        date_formats = [pattern for pattern in formats if not _TIME_DIRECTIVES.search(pattern)]
        if date_formats:  # a profile's formats without a time of day read dates alone too
            date_only = f"({date_only} OR try_strptime({value}, {sql.bind(date_formats)}) IS NOT NULL)"
        out[f"date_only_{name}"] = date_only
        # a date alone means the end of that day
        out[f"local_s_{name}"] = f"naive_s_{name} + CASE WHEN {date_only} THEN 86400 ELSE 0 END"
    return out


def _timestamp_layers(specs: list[ColumnSpec], formats: list[str], sql: Statement) -> list[list[str]]:
    """Three select lists that turn timestamp texts into whole seconds since the epoch.

    1. whether the text carries an offset; 2. the text read as an instant (with an offset) or
    as a wall-clock time (without), each only where it applies; 3. both in whole seconds —
    integer arithmetic, since date_trunc on a TIMESTAMPTZ goes through ICU and costs more.
    """
    names = [spec.name for spec in specs if spec.type == "timestamp"]
    offsets = [f"regexp_matches(v_{name}, '{_OFFSET_PATTERN}') AS has_offset_{name}" for name in names]
    readings = []
    for name in names:
        no_blank = f"regexp_replace(v_{name}, '{_BLANK_BEFORE_OFFSET}', '\\1')"
        aware = (
            f"coalesce(try_cast(v_{name} AS TIMESTAMPTZ), try_cast({no_blank} AS TIMESTAMPTZ), "
            f"try_cast(regexp_replace({no_blank}, '{_MINUTES_BEFORE_OFFSET}', '\\1:00\\2') AS TIMESTAMPTZ))"
        )
        readings.append(f"CASE WHEN has_offset_{name} THEN {aware} END AS aware_raw_{name}")
        naive = _naive_timestamp(f"v_{name}", formats, sql)
        readings.append(f"CASE WHEN NOT has_offset_{name} THEN {naive} END AS naive_raw_{name}")
    seconds = [
        f"{_seconds_of(f'{kind}_raw_{name}')} AS {kind}_s_{name}"
        for name in names
        for kind in ("aware", "naive")
    ]
    return [offsets, readings, seconds]


def _seconds_of(timestamp: str) -> str:
    """Whole seconds since the epoch of a TIMESTAMP(TZ) expression, floored; NULL if infinite."""
    micros = f"epoch_us({timestamp})"
    return (
        f"CASE WHEN isfinite({timestamp}) "
        f"THEN ({micros} - (({micros} % 1000000) + 1000000) % 1000000) // 1000000 END"
    )


def _naive_timestamp(value: str, formats: list[str], sql: Statement) -> str:
    """A timestamp text read as a wall-clock time: a profile's formats first, then ISO 8601,
    then day.month.year (coalesce reads the later ones only where the earlier failed)."""
    readings = [f"try_cast({value} AS TIMESTAMP)", f"try_strptime({value}, {sql.bind(_DOTTED_FORMATS)})"]
    if formats:
        readings.insert(0, f"try_strptime({value}, {sql.bind(formats)})")
    return f"coalesce({', '.join(readings)})"


def _timestamp_final(spec: ColumnSpec, timezone: str, add_minutes: bool = False) -> str:
    name = spec.name
    local = f"local_s_{name}"
    seconds = (
        f"CASE WHEN has_offset_{name} THEN aware_s_{name} "
        f"WHEN {local} IS NOT NULL THEN {local} - ({offset_case_sql(local, timezone)}) END"
    )
    if add_minutes:  # a profile's add_minutes: calendar time after the instant, to the second
        seconds = f"({seconds}) + CAST(round(mn_{name} * 60) AS BIGINT)"
    return f"make_timestamptz(({seconds}) * 1000000)"


_TYPE_WORDS = {
    "integer": "is not a whole number",
    "float": "is not a number",
    "boolean": "is not true or false",
    "date": "is not a date",
    "timestamp": "is not a valid timestamp",
}


def _reasons(
    spec: ColumnSpec, present: set[str], damaged_utf8: bool = False, with_minutes: bool = False
) -> list[str]:
    """SQL expressions, each a reason text or NULL, for one column in schema order."""
    name, value, parsed = spec.name, f"v_{spec.name}", f"p_{spec.name}"
    shown = f"'\"' || left({value}, 60) || '\"'"
    reasons = []
    if with_minutes:
        reasons.append(
            f"CASE WHEN mt_{name} IS NOT NULL AND (mn_{name} IS NULL OR NOT isfinite(mn_{name})) "
            f"THEN '{name}: minutes \"' || left(mt_{name}, 60) || '\" is not a number' END"
        )
    if damaged_utf8:  # the file's stray bytes were read as U+FFFD: never load a guess
        reasons.append(
            f"CASE WHEN contains({value}, chr(65533)) THEN '{name}: has bytes that are not UTF-8' END"
        )
    if not spec.nullable:
        reasons.append(f"CASE WHEN {value} IS NULL THEN '{name}: missing' END")
    if spec.type != "text":
        unreadable = f"{value} IS NOT NULL AND {parsed} IS NULL" + (
            f" AND mn_{name} IS NOT NULL" if with_minutes else ""
        )
        reasons.append(
            f"CASE WHEN {unreadable} THEN '{name}: ' || {shown} || ' {_TYPE_WORDS[spec.type]}' END"
        )
    if spec.min_value is not None and spec.max_value is not None:
        reasons.append(
            f"CASE WHEN {parsed} < {spec.min_value} OR {parsed} > {spec.max_value} "
            f"THEN '{name}: ' || {parsed} || ' is not between {spec.min_value:g} and {spec.max_value:g}' END"
        )
    elif spec.min_value is not None:
        reasons.append(
            f"CASE WHEN {parsed} < {spec.min_value} "
            f"THEN '{name}: ' || {parsed} || ' is below {spec.min_value:g}' END"
        )
    elif spec.max_value is not None:
        reasons.append(
            f"CASE WHEN {parsed} > {spec.max_value} "
            f"THEN '{name}: ' || {parsed} || ' is above {spec.max_value:g}' END"
        )
    if spec.timezone:
        reasons.append(
            f"CASE WHEN {parsed} IS NOT NULL AND {parsed} NOT IN (SELECT name FROM known_timezones) "
            f"THEN '{name}: ' || {shown} || ' is not a known timezone' END"
        )
    if spec.not_before and spec.not_before in present:
        other = f"p_{spec.not_before}"
        reasons.append(
            f"CASE WHEN {parsed} < {other} THEN '{name}: ' || strftime({parsed}, '%Y-%m-%d %H:%M:%S') "
            f"|| ' UTC is before {spec.not_before} ' || strftime({other}, '%Y-%m-%d %H:%M:%S') || ' UTC' END"
        )
    return reasons


def parse_statement(
    raw: RawTable, mapping: Mapping, timezone: str, formats: list[str] | None = None
) -> Statement:
    """CREATE TEMP TABLE parsed_rows: row_number, typed canonical columns, reject_column/reason."""
    sql = Statement()
    formats = list(formats or [])
    specs = [spec for spec in columns(mapping.kind) if spec.name in set(mapping.present)]
    present = {spec.name for spec in specs}
    texts = [f"{raw.row_number_sql()} AS row_number"] + [
        f"{_source_text(raw, mapping, spec, sql)} AS v_{spec.name}" for spec in specs
    ]
    with_minutes = set()
    for spec in specs:
        minutes = minutes_sql(raw, mapping, spec, sql)
        if minutes:
            with_minutes.add(spec.name)
            texts += [f"{minutes[0]} AS mt_{spec.name}", f"{minutes[1]} AS mn_{spec.name}"]
    layers = [texts, *_timestamp_layers(specs, formats, sql)]
    layers.append([
        f"{expression} AS {alias}"
        for spec in specs
        for alias, expression in _parsed(spec, f"v_{spec.name}", raw, formats, sql).items()
    ])  # fmt: skip
    layers.append(_typed_timestamps(specs, timezone, with_minutes))
    reasons = {
        spec.name: _reasons(spec, present, raw.damaged_utf8, spec.name in with_minutes) for spec in specs
    }
    checked = [name for name, found in reasons.items() if found]
    layers.append(
        [f"nullif(concat_ws('; ', {', '.join(reasons[name])}), '') AS r_{name}" for name in checked]
    )
    first_failing = " ".join(f"WHEN r_{name} IS NOT NULL THEN '{name}'" for name in checked)
    outputs = ["row_number"] + [f"p_{spec.name} AS {_ident(spec.name)}" for spec in specs]
    outputs += [spec.date_only for spec in specs if spec.date_only]
    outputs.append(f"CASE {first_failing} END AS reject_column" if checked else "NULL AS reject_column")
    joined = " ".join(f"r_{name}," for name in checked)
    outputs.append(f"nullif(concat_ws('; ', {joined} NULL), '') AS reject_reason")
    sql.text = f"CREATE OR REPLACE TEMP TABLE {PARSED_TABLE} AS\n{_layered_select(layers, outputs)}"
    return sql


def _typed_timestamps(specs: list[ColumnSpec], timezone: str, with_minutes: set[str]) -> list[str]:
    typed = ["true AS parsed"]
    for spec in specs:
        if spec.type == "timestamp":
            typed.append(f"{_timestamp_final(spec, timezone, spec.name in with_minutes)} AS p_{spec.name}")
        if spec.date_only:
            typed.append(
                f"CASE WHEN date_only_{spec.name} THEN CAST(naive_raw_{spec.name} AS DATE) END "
                f"AS {spec.date_only}"
            )
    return typed


def _layered_select(layers: list[list[str]], outputs: list[str]) -> str:
    """WITH layer_0 AS (SELECT … FROM raw_rows), layer_1 AS (SELECT *, … FROM layer_0), …
    SELECT outputs FROM the last layer: each layer may use the columns of the ones before."""
    ctes = [f"layer_0 AS (SELECT {', '.join(layers[0])} FROM {RAW_TABLE})"]
    for number, select in enumerate(layers[1:], start=1):
        extra = "".join(f", {item}" for item in select)
        ctes.append(f"layer_{number} AS (SELECT *{extra} FROM layer_{number - 1})")
    return f"WITH {', '.join(ctes)}\nSELECT {', '.join(outputs)} FROM layer_{len(layers) - 1}"

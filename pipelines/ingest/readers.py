"""Read an export (CSV, Parquet, XLSX) into a DuckDB temp table of text columns.

The table has one VARCHAR column per source column, named c0, c1, … (source headers are kept
aside, so any header text is safe), and a row-number expression: the record's position in the
file with the header as row 1, for every format. Values are validated later, where they lie.

CSV: UTF-8 (with or without BOM) or cp1251, detected; cp1251 is transcoded in Python in a
streaming pass (DuckDB's own encodings need an extension a fresh machine does not have). A UTF-8
file with a few stray bytes stays UTF-8: the bytes become U+FFFD and validation rejects their
rows. Delimiter `,` `;` tab or `|`, detected from the header line; a `;` file may write decimals
with a comma. A file DuckDB's strict reader refuses (a row with too many or too few fields, a
quote left open) is read again with Python's csv module, so the good rows still load and the
bad ones are named.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import tempfile
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import duckdb
import pyarrow as pa

from pipelines.errors import first_line

DELIMITERS = (",", ";", "\t", "|")
SNIFF_BYTES = 1 << 20
RAW_TABLE = "raw_rows"


class FileRefused(Exception):
    """The file as a whole cannot be ingested; the message says why and names the file."""


@dataclass
class RawTable:
    """An export read into DuckDB as text, ready for validation."""

    headers: list[str]  # source column names, de-duplicated, in file order
    row_column: str | None  # a column holding each row's position, else it is rowid + 2
    decimal_comma: bool = False  # a ;-separated file: "1 000,50" is a number
    malformed: list[tuple[int, str, list[str]]] = field(default_factory=list)
    note: str = ""  # said after a refusal: which sheet of a workbook was read
    damaged_utf8: bool = False  # stray bytes were read as U+FFFD: their rows must be rejected

    def row_number_sql(self, table: str = RAW_TABLE) -> str:
        """SQL giving each row's position in the file, the header being row 1."""
        return f"{table}.{self.row_column}" if self.row_column else f"{table}.rowid + 2"

    def column(self, header: str) -> str:
        """The quoted raw column holding a source header."""
        return f'"c{self.headers.index(header)}"'


def read_export(con: duckdb.DuckDBPyConnection, path: Path, sheet: str | None = None) -> RawTable:
    """Load `path` into the temp table `raw_rows`; raise FileRefused for an unreadable file."""
    if not path.is_file():
        raise FileRefused(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise FileRefused(f"{path}: the file is empty (0 bytes)")
    suffixes = [suffix.lower() for suffix in path.suffixes]
    con.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
    # The raw table's rowid is the record's position in the file: keep the file's order.
    con.execute("SET preserve_insertion_order = true")
    try:
        if suffixes[-1:] == [".parquet"]:
            return _read_parquet(con, path)
        if suffixes[-1:] in ([".xlsx"], [".xlsm"]):
            return _read_xlsx(con, path, sheet)
        if [suffix for suffix in suffixes if suffix != ".gz"][-1:] in ([".json"], [".ndjson"], [".jsonl"]):
            return _read_json(con, path)
        return _read_csv(con, path)
    except FileRefused:
        raise
    except (duckdb.Error, OSError, ValueError, UnicodeError) as error:
        raise FileRefused(f"{path}: cannot be read: {first_line(error)}") from None


def dedupe_headers(names: list[str]) -> list[str]:
    """Headers made unique the way DuckDB does it: a repeated `Variant` becomes `Variant_1`."""
    seen: dict[str, int] = {}
    unique = []
    for raw in names:
        name = raw.strip().lstrip("\ufeff").strip() or "column"
        candidate = name
        while candidate in seen:
            seen[name] += 1
            candidate = f"{name}_{seen[name]}"
        seen.setdefault(candidate, 0)
        unique.append(candidate)
    return unique


# --- CSV -----------------------------------------------------------------------------------


def _open_binary(path: Path) -> BinaryIO:
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]  # a GzipFile reads bytes
    return open(path, "rb")


# Text that is UTF-8 but for a few stray bytes (two exports pasted together, a field copied
# from a cp1251 program): read as UTF-8, the stray bytes as U+FFFD, their rows rejected.
DAMAGED_UTF8 = "utf-8 with stray bytes"


def _sniff_encoding(sample: bytes) -> str:
    """UTF-8 when the bytes decode as UTF-8 (a character cut at the end of a partial sample is
    fine); UTF-8 with stray bytes when valid UTF-8 letters outnumber the bytes that are not, 3 to
    1 (cp1251 Cyrillic read as UTF-8 is almost all stray bytes); else cp1251."""
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        if error.start >= len(sample) - 3 and len(sample) >= SNIFF_BYTES:
            return "utf-8"
    return _encoding_of_damaged(*_letters_and_stray_bytes(sample.decode("utf-8", errors="replace")))


def _letters_and_stray_bytes(text: str) -> tuple[int, int]:
    """(characters beyond ASCII that decoded, bytes that did not) in text decoded with
    errors="replace"."""
    stray = text.count("\ufffd")
    beyond_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return beyond_ascii - stray, stray


def _encoding_of_damaged(letters: int, stray: int) -> str:
    return DAMAGED_UTF8 if letters >= 3 * stray else "cp1251"


def _sniff_whole_file(path: Path) -> str:
    """The encoding of a file whose first megabyte looked like UTF-8 but whose rest is not."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    letters = stray = 0
    with _open_binary(path) as binary:
        while chunk := binary.read(SNIFF_BYTES):
            found = _letters_and_stray_bytes(decoder.decode(chunk))
            letters, stray = letters + found[0], stray + found[1]
    return _encoding_of_damaged(letters, stray)


def _sniff_delimiter(header_line: str) -> str:
    """The candidate delimiter that splits the header most often, outside quotes."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _text(binary: BinaryIO, encoding: str) -> io.TextIOWrapper:
    if encoding == DAMAGED_UTF8:
        return io.TextIOWrapper(binary, encoding="utf-8", errors="replace", newline="")
    return io.TextIOWrapper(binary, encoding=encoding, newline="")


def _header(path: Path, encoding: str) -> tuple[list[str], str]:
    with _open_binary(path) as binary:
        first = _text(binary, encoding).readline()
    if not first.strip():
        raise FileRefused(f"{path}: the first line is empty; expected a header row")
    delimiter = _sniff_delimiter(first)
    # Parse the header through csv, so quoted names (even ones spanning lines) come out whole;
    # a BOM goes first, else it sits before the quote of a quoted first name (PowerShell's
    # Export-Csv writes "\ufeff"ticket_id",...) and the quotes stay in the name.
    with _open_binary(path) as binary:
        text = _text(binary, encoding)
        if text.read(1) != "\ufeff":
            text.seek(0)
        names = next(csv.reader(text, delimiter=delimiter))
    return dedupe_headers(names), delimiter


def _transcode_to_utf8(path: Path, encoding: str) -> Path:
    """Stream a file into a temporary UTF-8 copy (DuckDB reads UTF-8 only without extensions)."""
    handle, name = tempfile.mkstemp(prefix="cspulse-", suffix=".csv")
    damaged = encoding == DAMAGED_UTF8
    decoder = codecs.getincrementaldecoder("utf-8" if damaged else encoding)(
        "replace" if damaged else "strict"
    )
    with _open_binary(path) as source, os.fdopen(handle, "wb") as target:
        while chunk := source.read(SNIFF_BYTES):
            target.write(decoder.decode(chunk).encode("utf-8"))
        target.write(decoder.decode(b"", final=True).encode("utf-8"))
    return Path(name)


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path) -> RawTable:
    with _open_binary(path) as binary:
        sample = binary.read(SNIFF_BYTES)
    encoding = _sniff_encoding(sample)
    try:
        return _read_csv_as(con, path, encoding)
    except UnicodeError:
        if encoding != "utf-8":
            raise
        # Bytes that are not UTF-8 first met past the sample: look at the whole file.
        return _read_csv_as(con, path, _sniff_whole_file(path))


def _read_csv_as(con: duckdb.DuckDBPyConnection, path: Path, encoding: str) -> RawTable:
    """Read a CSV of a known encoding; raise UnicodeError when it is not that encoding."""
    headers, delimiter = _header(path, encoding)
    readable = path if encoding == "utf-8" else _transcode_to_utf8(path, encoding)
    try:
        try:
            _duckdb_csv(con, readable, headers, delimiter)
            raw = RawTable(headers, None, delimiter == ";")
        except duckdb.InvalidInputException as error:
            if "unicode" in str(error).lower():
                raise UnicodeError(first_line(error)) from None
            # A row the strict reader refuses: read it all with Python's csv module instead.
            raw = _python_csv(con, readable, headers, delimiter)  # readable is UTF-8 by now
        raw.damaged_utf8 = encoding == DAMAGED_UTF8
        return raw
    finally:
        if readable != path:
            readable.unlink(missing_ok=True)


def _duckdb_csv(con: duckdb.DuckDBPyConnection, path: Path, headers: list[str], delimiter: str) -> None:
    columns = {f"c{index}": "VARCHAR" for index in range(len(headers))}
    con.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
    con.execute(
        f"""
        CREATE TEMP TABLE {RAW_TABLE} AS
        SELECT * FROM read_csv(?, header = true, auto_detect = false, columns = ?,
                               delim = ?, quote = '"', escape = '"', strict_mode = true,
                               null_padding = false, all_varchar = true)
        """,
        [str(path), columns, delimiter],
    )


def _python_csv(con: duckdb.DuckDBPyConnection, path: Path, headers: list[str], delimiter: str) -> RawTable:
    width = len(headers)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    rows: list[int] = []
    malformed: list[tuple[int, str, list[str]]] = []
    with _open_binary(path) as binary:
        records = _csv_records(io.TextIOWrapper(binary, encoding="utf-8", newline=""), delimiter)
        next(records)  # the header
        for position, (record, problem) in enumerate(records, start=2):
            if problem is None and len(record) > width and not any(record[width:]):
                # empty fields after the last column (a trailing delimiter): DuckDB's reader
                # takes such a row as it is, and so the same row loads whichever reader reads it
                record = record[:width]
            if problem is None and len(record) != width:
                problem = _field_count_problem(width, len(record))
            if problem is not None:
                malformed.append((position, problem, record))
                continue
            rows.append(position)
            for index, value in enumerate(record):
                columns[index].append(value)
    _load_arrow(con, headers, columns, rows)
    raw = RawTable(headers, "__row", delimiter == ";")
    raw.malformed = malformed
    return raw


def _field_count_problem(width: int, found: int) -> str:
    """The reason a record with another number of fields than the header is rejected."""
    return f"expected {width} fields, found {found}"


class _Lines:
    """Lines of a text, able to give back those read since the last record ended."""

    def __init__(self, text: io.TextIOBase) -> None:
        self.source = iter(text)
        self.pending: deque[str] = deque()  # lines given back: an open quote may have read to the end
        self.since_record: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.pending.popleft() if self.pending else next(self.source)
        self.since_record.append(line)
        return line

    def record_ended(self) -> None:
        self.since_record = []

    def give_back_all_but_first(self) -> str:
        """The first line of the record being read; the lines after it are read again."""
        first, *rest = self.since_record
        self.pending.extendleft(reversed(rest))
        self.since_record = []
        return first


def _csv_records(text: io.TextIOBase, delimiter: str) -> Iterator[tuple[list[str], str | None]]:
    """(record, problem) pairs; blank lines are skipped, as DuckDB skips them.

    A quote that does not close where a field ends would make the csv module swallow the lines
    after it into one field: that record's first line comes back as one malformed record, and
    reading goes on from the next line, so the rows after it are still read and counted.
    """
    lines = _Lines(text)
    while True:
        try:
            for record in csv.reader(lines, delimiter=delimiter, strict=True):
                lines.record_ended()
                if record:
                    yield record, None
            return
        except csv.Error as error:
            first = lines.give_back_all_but_first().rstrip("\r\n")
            yield [first], f"a quote is not closed where its field ends ({error})"


def _load_arrow(
    con: duckdb.DuckDBPyConnection,
    headers: list[str],
    columns: list[list[str | None]],
    rows: list[int],
) -> None:
    arrays = {f"c{index}": pa.array(values, pa.string()) for index, values in enumerate(columns)}
    table = pa.table({**arrays, "__row": pa.array(rows, pa.int64())})
    con.register("raw_arrow", table)
    try:
        con.execute(f"CREATE TEMP TABLE {RAW_TABLE} AS SELECT * FROM raw_arrow")
    finally:
        con.unregister("raw_arrow")


# --- Parquet and XLSX ----------------------------------------------------------------------


def _read_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> RawTable:
    names = [row[0] for row in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()]
    headers = dedupe_headers(names)
    casts = ", ".join(f'CAST("{_quote(name)}" AS VARCHAR) AS c{i}' for i, name in enumerate(names))
    con.execute(
        f"CREATE TEMP TABLE {RAW_TABLE} AS SELECT {casts}, file_row_number + 2 AS __row "
        "FROM read_parquet(?, file_row_number = true)",
        [str(path)],
    )
    return RawTable(headers, "__row")


# --- JSON --------------------------------------------------------------------------------------


def _json_records(path: Path) -> list[Any]:
    """The records of a JSON export: an array of objects, an object holding one array of them
    (an API page such as Zendesk's {"tickets": [...], "count": ...}), or one object per line."""
    with _open_binary(path) as binary:
        text = binary.read().decode("utf-8-sig")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        if error.msg != "Extra data":  # not several documents on their lines: broken
            where = f"line {error.lineno}, column {error.colno}"
            raise FileRefused(f"{path}: not JSON ({where}): {error.msg}") from None
        return _json_lines(path, text)
    if isinstance(document, dict):
        arrays = [value for value in document.values() if isinstance(value, list)]
        document = arrays[0] if len(arrays) == 1 else [document]
    if not isinstance(document, list) or not all(isinstance(record, dict) for record in document):
        raise FileRefused(f"{path}: a JSON export must hold objects (one per ticket, event, …)")
    return document


def _json_lines(path: Path, text: str) -> list[Any]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise FileRefused(f"{path}: line {number} is not JSON: {error.msg}") from None
    return records


def _read_json(con: duckdb.DuckDBPyConnection, path: Path) -> RawTable:
    """A JSON export as text columns; nested objects become dotted columns (`via.channel`,
    `satisfaction_rating.score`). Row N of a JSON file is its Nth record."""
    records = _json_records(path)
    if not records:
        raise FileRefused(f"{path}: the JSON export holds no records")
    try:
        table = pa.Table.from_struct_array(pa.array(records))  # every key of every record
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise FileRefused(f"{path}: a key holds values of different kinds: {first_line(error)}") from None
    while any(pa.types.is_struct(column.type) for column in table.schema):
        table = table.flatten()  # via -> via.channel, a level at a time
    headers = dedupe_headers(table.column_names)
    table = table.rename_columns([f"c{index}" for index in range(len(headers))])
    table = table.append_column("__row", pa.array(range(1, len(records) + 1), pa.int64()))
    casts = ", ".join(f"CAST(c{index} AS VARCHAR) AS c{index}" for index in range(len(headers)))
    con.register("raw_json", table)
    try:
        con.execute(f"CREATE TEMP TABLE {RAW_TABLE} AS SELECT {casts}, __row FROM raw_json")
    finally:
        con.unregister("raw_json")
    return RawTable(headers, "__row")


def _quote(identifier: str) -> str:
    return identifier.replace('"', '""')


def _read_xlsx(con: duckdb.DuckDBPyConnection, path: Path, sheet: str | None) -> RawTable:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    if sheet is not None and sheet not in workbook.sheet_names:
        raise FileRefused(f"{path}: no sheet named {sheet!r}; sheets: {workbook.sheet_names}")
    name = sheet if sheet is not None else workbook.sheet_names[0]
    grid = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    if not grid or not any(_cell_text(cell) for cell in grid[0]):
        raise FileRefused(f"{path}: sheet {name!r} has no header row")
    header_cells = list(grid[0])
    while header_cells and not _cell_text(header_cells[-1]):
        header_cells.pop()
    headers = dedupe_headers([_cell_text(cell) or "" for cell in header_cells])
    width = len(headers)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    rows = []
    malformed: list[tuple[int, str, list[str]]] = []
    records = (
        values for values in ([_cell_text(cell) for cell in record] for record in grid[1:]) if any(values)
    )
    # Positions count records (empty rows are not records), as for CSV; the header is row 1.
    for position, values in enumerate(records, start=2):
        filled = max(index for index, value in enumerate(values) if value is not None) + 1
        if filled > width:  # a value beyond the header's columns: as a CSV row with extra fields
            found = [value or "" for value in values[:filled]]
            malformed.append((position, _field_count_problem(width, filled), found))
            continue
        values = values[:width] + [None] * (width - len(values))
        rows.append(position)
        for index, value in enumerate(values):
            columns[index].append(value)
    _load_arrow(con, headers, columns, rows)
    raw = RawTable(headers, "__row", malformed=malformed)
    others = [other for other in workbook.sheet_names if other != name]
    if others:
        listed = ", ".join(map(repr, others))
        raw.note = f" (read sheet {name!r}; the workbook also has {listed}: pick one with --sheet)"
    return raw


def _cell_text(cell: object) -> str | None:
    """An Excel cell as the text a CSV export would hold."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, datetime | date | time):
        return cell.isoformat()
    if isinstance(cell, timedelta):
        return str(cell.total_seconds())
    return str(cell)

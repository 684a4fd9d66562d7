"""Compare the marts of two built warehouses row for row (EXCEPT ALL both ways).

    python scripts/compare_marts.py OLD.duckdb NEW.duckdb

Every table the two snapshots share is compared on the columns they share; a table or column only
one side has is listed, not compared. Exit 1 when any shared table differs. Used to check that a
refactor leaves the numbers as they were (issues 8 and 14).
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb


def snapshot_of(path: Path) -> Path:
    """The dashboard snapshot beside a warehouse file, where the marts are published."""
    snapshot = path.with_name(path.stem + ".snapshot.duckdb")
    return snapshot if snapshot.exists() else path


def tables(con: duckdb.DuckDBPyConnection, alias: str) -> dict[str, list[str]]:
    rows = con.execute(
        "select table_schema || '.' || table_name, column_name from information_schema.columns "
        "where table_catalog = ? order by table_name, ordinal_position",
        [alias],
    ).fetchall()
    found: dict[str, list[str]] = {}
    for table, column in rows:
        found.setdefault(table, []).append(column)
    return found


def compare(old: Path, new: Path) -> int:
    con = duckdb.connect()
    con.execute(f"attach '{snapshot_of(old)}' as old (read_only)")
    con.execute(f"attach '{snapshot_of(new)}' as new (read_only)")
    old_tables, new_tables = tables(con, "old"), tables(con, "new")
    differing = 0
    for table in sorted(old_tables.keys() | new_tables.keys()):
        if table not in old_tables or table not in new_tables:
            print(f"{table}: only in {'old' if table in old_tables else 'new'}")
            continue
        shared = [c for c in old_tables[table] if c in new_tables[table]]
        extra = sorted(set(old_tables[table]) ^ set(new_tables[table]))
        cols = ", ".join(f'"{c}"' for c in shared)
        counts = []
        for a, b in (("old", "new"), ("new", "old")):
            counts.append(
                con.execute(
                    f"select count(*) from (select {cols} from {a}.{table} "
                    f"except all select {cols} from {b}.{table})"
                ).fetchone()[0]  # type: ignore[index]
            )
        n = con.execute(f"select count(*) from new.{table}").fetchone()[0]  # type: ignore[index]
        status = "identical" if counts == [0, 0] else f"DIFFERS (old-new {counts[0]}, new-old {counts[1]})"
        differing += counts != [0, 0]
        note = f"; columns in one only: {', '.join(extra)}" if extra else ""
        print(f"{table}: {n} rows, {len(shared)} columns {status}{note}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(compare(Path(sys.argv[1]), Path(sys.argv[2])))

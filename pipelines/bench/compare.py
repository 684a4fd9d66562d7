"""Are two builds' marts row-for-row identical? A check run by hand around a performance change.

    python -m pipelines.bench.compare save DB DIR      # every mart of DB's snapshot -> DIR/*.parquet
    python -m pipelines.bench.compare check DB DIR     # EXCEPT ALL both ways, per mart; exit 1 on a diff

Both sides are compared with their columns cast to text, so a column whose type changed (VARCHAR
to ENUM) still compares by its values; columns must be the same, in the same order.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from pipelines.warehouse import open_read_only, snapshot_path


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_name NOT IN ('ingest_runs', 'build_runs') ORDER BY 1"
    ).fetchall()
    return [name for (name,) in rows]


def _as_text(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
    return ", ".join(f'CAST("{column}" AS VARCHAR) AS "{column}"' for column in columns)


def save(db: Path, out: Path) -> list[str]:
    """Write every mart of the snapshot (and rejected_rows) to `out/<table>.parquet`."""
    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(snapshot_path(db)), read_only=True) as con:
        tables = _tables(con)
        for table in tables:
            con.execute(f"COPY {table} TO {_literal(out / (table + '.parquet'))} (FORMAT parquet)")
    return tables


def check(db: Path, saved: Path) -> list[str]:
    """Problems found comparing the snapshot (and the warehouse's marts) with `saved`."""
    problems: list[str] = []
    expected = sorted(path.stem for path in saved.glob("*.parquet"))
    sides = (
        ("snapshot", lambda: duckdb.connect(str(snapshot_path(db)), read_only=True)),
        ("warehouse", lambda: open_read_only(db)),  # with its marts, wherever they are kept
    )
    for where, opened in sides:
        with opened() as con:
            present = set(_tables(con))
            for table in expected:
                if table not in present:
                    problems.append(f"{where}: {table} missing")
                    continue
                before = f"read_parquet({_literal(saved / (table + '.parquet'))})"
                names_now = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
                names_then = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {before}").fetchall()]
                if names_now != names_then:
                    problems.append(f"{where}: {table} columns differ: {names_then} -> {names_now}")
                    continue
                now_sql = f"SELECT {_as_text(con, table)} FROM {table}"
                then_sql = f"SELECT {_as_text(con, before)} FROM {before}"
                for label, left, right in (("lost", then_sql, now_sql), ("gained", now_sql, then_sql)):
                    row = con.execute(f"SELECT count(*) FROM ({left} EXCEPT ALL {right})").fetchone()
                    if row and row[0]:
                        problems.append(f"{where}: {table}: {row[0]} rows {label}")
            print(f"{where}: {len(expected)} tables compared", file=sys.stderr)
    return problems


def main() -> int:  # pragma: no cover - a command run by hand
    action, db, directory = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    if action == "save":
        print(f"saved {len(save(db, directory))} tables to {directory}")
        return 0
    problems = check(db, directory)
    for problem in problems:
        print(problem)
    print("identical" if not problems else f"{len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""Seeded user-level usage events as Parquet, for the usage stage's tests and benchmark.

Each account has its own users; every event picks an account, one of its users, a module (so a
user is active on several modules) and a second in [start, start + days); a share of the events is
written twice (exact duplicates, which the stage counts once). Vectorised in numpy, in chunks."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

CHUNK = 5_000_000


def usage_events_table(
    rng: np.random.Generator,
    accounts: list[str],
    modules: list[str],
    n: int,
    start: datetime,
    days: int,
    users_per_account: int = 40,
    duplicate_share: float = 0.02,
) -> pa.Table:
    """`n` events (plus `duplicate_share` × n exact duplicates) over `days` days from `start`."""
    account = rng.integers(0, len(accounts), n)
    # accounts differ in size: account i has between 1 and users_per_account users
    sizes = 1 + (np.arange(len(accounts)) * 7919) % users_per_account
    user = (rng.random(n) * sizes[account]).astype(np.int64)
    # each user favours a few modules: its own offset plus a small random step
    module = (user * 3 + account + rng.integers(0, 3, n)) % len(modules)
    seconds = rng.integers(0, days * 86_400, n)
    at = np.datetime64(start.replace(tzinfo=None), "s") + seconds.astype("timedelta64[s]")
    repeat = rng.random(n) < duplicate_share
    index = np.concatenate([np.arange(n), np.flatnonzero(repeat)])
    account_ids = pa.array(np.asarray(accounts, dtype=object)[account[index]], pa.string())
    user_ids = pa.array(
        np.char.add(np.asarray(accounts)[account[index]], np.char.add(":u", user[index].astype(str))),
        pa.string(),
    )
    return pa.table(
        {
            "account_id": account_ids,
            "user_id": user_ids,
            "module": pa.array(np.asarray(modules, dtype=object)[module[index]], pa.string()),
            "at": pa.array(at[index].astype("datetime64[us]"), pa.timestamp("us", tz="UTC")),
        }
    )


def write_usage_events(
    path: Path,
    accounts: list[str],
    modules: list[str],
    n: int,
    start: datetime,
    days: int,
    seed: int = 0,
    users_per_account: int = 40,
) -> int:
    """Write about n events (and their duplicates) to one Parquet file; returns the rows written."""
    rng = np.random.default_rng(seed)
    written = 0
    writer: pq.ParquetWriter | None = None
    try:
        for offset in range(0, n, CHUNK):
            table = usage_events_table(
                rng, accounts, modules, min(CHUNK, n - offset), start, days, users_per_account
            )
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=1_000_000)
            written += table.num_rows
    finally:
        if writer is not None:
            writer.close()
    return written

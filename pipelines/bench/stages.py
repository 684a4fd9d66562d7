"""The bench's stages, each run in a fresh process (`python -m pipelines.bench.stages STAGE ARGS`).

A stage prints one JSON line: its own timings and the process's peak resident memory (VmHWM),
so no stage's memory is measured over a buffer pool another stage filled. The clock starts after
the imports and the opening of the warehouse and stops before the report.

Timed the same way (STYLE 17): the peer and the engine's core clocks both get one warm-up run
and then the median of `REPEATS` runs, with their inputs fetched from DuckDB before the clock
starts.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

REPEATS = 3


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (VmHWM), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _timed(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = action()
    return value, time.perf_counter() - started


def warm_median(action: Callable[[], Any], repeats: int = REPEATS) -> tuple[Any, float]:
    """One warm-up run, then the median of `repeats` timed runs."""
    action()
    results = [_timed(action) for _ in range(repeats)]
    return results[0][0], statistics.median(seconds for _, seconds in results)


def stage_ingest(db: str, files: list[str]) -> dict[str, Any]:
    from pipelines.config import load_config
    from pipelines.ingest import ingest_files
    from pipelines.warehouse import connect

    config = load_config(None)
    with connect(Path(db)) as con:
        results, seconds = _timed(lambda: ingest_files(con, [Path(f) for f in files], config))
    return {"seconds": seconds, "rows_read": sum(result.rows_read for result in results)}


def stage_read_floor(db: str, path: str) -> dict[str, Any]:
    from pipelines.bench.runner import csv_read_floor
    from pipelines.warehouse import connect

    with connect(Path(db)) as con:
        _, seconds = _timed(lambda: csv_read_floor(con, Path(path)))
    return {"seconds": seconds}


def stage_write_floor(db: str, path: str) -> dict[str, Any]:
    from pipelines.bench.runner import csv_write_floor, drop_write_floor
    from pipelines.warehouse import connect

    with connect(Path(db)) as con:
        _, seconds = _timed(lambda: csv_write_floor(con, Path(path)))
        drop_write_floor(con)
    return {"seconds": seconds}


def stage_build(db: str, select: list[str] | None = None) -> dict[str, Any]:
    from pipelines.build import build, latest_timestamp
    from pipelines.config import load_config
    from pipelines.warehouse import connect

    config = load_config(None)
    with connect(Path(db)) as con:
        as_of = latest_timestamp(con)
        summary, seconds = _timed(lambda: build(con, Path(db), config, as_of, select=select))
    return {"seconds": seconds, "timings": summary["timings"], "as_of": as_of.isoformat()}


def stage_scan_floor(db: str, sql: str) -> dict[str, Any]:
    from pipelines.bench.runner import scan_floor
    from pipelines.warehouse import connect

    with connect(Path(db)) as con:
        # the session settings the SLA stage runs with
        con.execute("SET preserve_insertion_order = false")
        rows, seconds = _timed(lambda: scan_floor(con, sql))
    return {"seconds": seconds, "rows": rows}


def stage_peer(db: str, as_of: str, sample: int) -> dict[str, Any]:
    from pipelines.bench.runner import peer_business_minutes, peer_inputs
    from pipelines.config import load_config
    from pipelines.warehouse import connect

    config = load_config(None)
    with connect(Path(db)) as con:
        inputs = peer_inputs(con, config, datetime.fromisoformat(as_of), sample)  # fetched untimed
    rows, seconds = warm_median(lambda: peer_business_minutes(inputs))
    return {"seconds": seconds, "rows": rows}


def stage_core(db: str, as_of: str) -> dict[str, Any]:
    from pipelines.bench.runner import prepare_core, sla_core
    from pipelines.config import load_config
    from pipelines.warehouse import connect

    config = load_config(None)
    with connect(Path(db)) as con:
        prepare_core(con, config, datetime.fromisoformat(as_of))  # the grid and the policies, untimed
        rows, seconds = warm_median(lambda: sla_core(con))
    return {"seconds": seconds, "rows": rows}


STAGES: dict[str, Callable[..., dict[str, Any]]] = {
    "ingest": stage_ingest,
    "read_floor": stage_read_floor,
    "write_floor": stage_write_floor,
    "build": stage_build,
    "scan_floor": stage_scan_floor,
    "peer": stage_peer,
    "core": stage_core,
}


def main() -> None:  # pragma: no cover - run by the bench in a child process
    stage, arguments = sys.argv[1], json.loads(sys.argv[2])
    report = STAGES[stage](**arguments)
    report["peak_rss_mb"] = round(peak_rss_mb())
    print(json.dumps(report, default=str))


if __name__ == "__main__":  # pragma: no cover
    main()

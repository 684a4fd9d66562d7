"""The `cspulse` command (also `python -m pipelines`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from tqdm import tqdm

from metrics.calendar import local_to_utc
from metrics.frames import enums_as_text
from pipelines.config import ConfigError, load_config
from pipelines.ingest.profile import ProfileError, load_profile, named_profile
from pipelines.warehouse import (
    DEFAULT_DB,
    LockTimeout,
    WarehouseUnavailable,
    connect,
    marts_path,
    open_read_only,
    snapshot_path,
    writer_lock,
)

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "data" / "samples"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cspulse",
        description="CS Pulse: customer-success analytics over helpdesk, usage and CRM exports.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="load exports into the warehouse's staging tables")
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    source = ingest.add_mutually_exclusive_group()
    source.add_argument(
        "--source",
        metavar="PROFILE",
        help="a built-in source profile (servicenow, zendesk, freshdesk, jsm, jira, eventlog, …) or auto "
        "(the default: picked from the header, and said)",
    )
    source.add_argument("--profile", type=Path, metavar="FILE", help="a source profile TOML file")
    ingest.add_argument("--kind", help="accounts, account_modules, tickets, ticket_events, usage…")
    ingest.add_argument("--sheet", help="XLSX: the sheet to read (default: the first)")
    ingest.add_argument("--strict", action="store_true", help="exit 1 when any row is rejected")
    _common(ingest)

    build = commands.add_parser("build", help="compute the marts and publish the dashboard snapshot")
    build.add_argument("--as-of", metavar="TIMESTAMP", help="judge everything as of this instant")
    build.add_argument(
        "--select",
        nargs="+",
        metavar="MODEL",
        help="build only these marts and what they need; NAME+ also everything downstream of NAME",
    )
    _common(build)

    demo = commands.add_parser("demo", help="a fresh warehouse from data/samples, built")
    demo.add_argument("--db", type=Path, default=DEFAULT_DB)

    dashboard = commands.add_parser("dashboard", help="serve the Streamlit dashboard")
    dashboard.add_argument("--db", type=Path, default=DEFAULT_DB)
    dashboard.add_argument("--port", type=int, default=8501)

    generate = commands.add_parser("generate", help="write seeded synthetic canonical exports")
    generate.add_argument("--out", type=Path, required=True)
    generate.add_argument("--accounts", type=int, default=60)
    generate.add_argument("--tickets", type=int, default=20_000)
    generate.add_argument("--seed", type=int, default=0)

    call_list = commands.add_parser(
        "call-list", help="accounts paying for modules they do not use, per manager"
    )
    call_list.add_argument("--manager", help="one CS manager's list")
    call_list.add_argument("--out", type=Path, metavar="FILE.csv", help="write the list as CSV")
    call_list.add_argument("--db", type=Path, default=DEFAULT_DB)

    assign = commands.add_parser("assign", help="suggested CS managers for the biggest accounts without one")
    assign.add_argument("--top", type=int, metavar="N", help="only the N accounts with the most paid seats")
    assign.add_argument("--out", type=Path, metavar="FILE.csv", help="write the suggestions as CSV")
    assign.add_argument("--db", type=Path, default=DEFAULT_DB)

    calibrate = commands.add_parser("calibrate-pricing", help="fit the pricing weights on historical prices")
    calibrate.add_argument(
        "--out", type=Path, metavar="FILE.toml", help="write the suggested [pricing] table"
    )
    _common(calibrate)

    rollup = commands.add_parser(
        "usage-rollup",
        help="usage events -> usage_daily and the window figures per as-of, on DuckDB or Spark",
    )
    rollup.add_argument("--events", required=True, metavar="PATH", help="Parquet: a file, folder or glob")
    rollup.add_argument("--out", required=True, metavar="PATH", help="a folder (Spark: any path it writes)")
    rollup.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
    rollup.add_argument("--master", metavar="URL", help="Spark master (default local[2]; yarn, spark://…)")
    rollup.add_argument(
        "--conf", action="append", default=[], metavar="KEY=VALUE", help="a Spark setting (repeatable)"
    )
    rollup.add_argument(
        "--as-of", nargs="+", metavar="DATE", help="as-of dates for the window figures (default: today)"
    )
    rollup.add_argument("--config", type=Path, help="default ./cspulse.toml, else built-in")

    bench = commands.add_parser("bench", help="time the pipeline stages; JSON on stdout")
    bench.add_argument("--tickets", type=int, default=1_000_000)
    bench.add_argument(
        "--only",
        choices=("usage", "deltas", "profiles"),
        help="one part alone: usage and deltas (issues 9, 10), profiles (the source-profile ingest)",
    )
    bench.add_argument(
        "--accounts", type=int, default=10_000, help="--only usage: 20 modules × 365 days each"
    )
    bench.add_argument(
        "--sla-only",
        action="store_true",
        help="build only the SLA marts (and publish), pages not timed: the stage at 10M tickets",
    )
    return parser


def _common(command: argparse.ArgumentParser) -> None:
    command.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"default {DEFAULT_DB}")
    command.add_argument("--config", type=Path, help="default ./cspulse.toml, else built-in")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(COMMANDS[args.command](args))
    except (ConfigError, ProfileError, LockTimeout, WarehouseUnavailable) as error:
        print(f"cspulse: {error}", file=sys.stderr)
        return 2


def run_ingest(args: argparse.Namespace) -> int:
    from pipelines.ingest import ingest_files

    config = load_config(args.config)
    profile = None
    if args.source and args.source != "auto":  # auto: every built-in profile, picked by header
        profile = named_profile(args.source)
    elif args.profile:
        profile = load_profile(args.profile)
    # Three steps a file (read, validate, load): a bar that moves on large files too.
    bar = tqdm(total=3 * len(args.paths), unit="step", disable=None, file=sys.stderr)
    with writer_lock(args.db), connect(args.db) as con, bar:

        def advance(message: str) -> None:
            bar.set_description(message)
            bar.update(1)

        results = ingest_files(con, args.paths, config, profile, args.kind, args.sheet, advance)
        bar.update(3 * len(args.paths) - bar.n)
    for result in results:
        print(result.summary())
    if any(result.status == "refused" for result in results):
        return 2
    if any(result.status == "failed" for result in results):
        return 1  # a file that loaded nothing from a non-empty input is no success
    if args.strict and any(result.rows_rejected for result in results):
        return 1
    return 0


def parse_as_of(text: str | None, timezone: str = "UTC") -> datetime:
    """--as-of: ISO 8601; without an offset it is local time in `timezone` (the default
    calendar's, like a naive timestamp in an export). Default: now."""
    if not text:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(
            f"--as-of {text!r}: expected an ISO 8601 timestamp such as 2026-03-01T18:00:00+03:00"
        ) from None
    if moment.tzinfo is None:
        wall = moment.replace(tzinfo=UTC).timestamp()
        return datetime.fromtimestamp(float(local_to_utc(np.array([wall]), timezone)[0]), UTC)
    return moment.astimezone(UTC)


def run_build(args: argparse.Namespace) -> int:
    from pipelines.build import build

    config = load_config(args.config)
    with writer_lock(args.db), connect(args.db) as con:
        as_of = parse_as_of(args.as_of, config.default_timezone)
        summary = build(con, args.db, config, as_of, progress=_stderr, select=args.select)
        staged = con.execute("SELECT count(*) FROM tickets").fetchone()
    print(json.dumps(summary, indent=2, default=str))
    judged = summary["rows"].get("sla_tickets")
    if judged == 0 and staged and staged[0]:
        print(
            f"cspulse: error: the build judged 0 tickets of the {staged[0]:,} in the warehouse "
            f"(as of {as_of.isoformat()}: were they all created after it?)",
            file=sys.stderr,
        )
        return 1
    if summary["unknown_calendars"]:
        names = ", ".join(map(repr, summary["unknown_calendars"]))
        print(
            f"cspulse: warning: accounts name calendars the configuration lacks ({names}); "
            "their tickets are judged on their tier's calendar",
            file=sys.stderr,
        )
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from pipelines.build import build, latest_timestamp
    from pipelines.ingest import ingest_files

    config = load_config(None)
    files = sorted(path for path in SAMPLES_DIR.iterdir() if path.name[0] not in "._")
    with writer_lock(args.db):
        marts = marts_path(args.db)
        for stale in (args.db, snapshot_path(args.db), args.db.with_name(args.db.name + ".wal"),
                      marts, marts.with_name(marts.name + ".wal")):  # fmt: skip
            stale.unlink(missing_ok=True)
        with connect(args.db) as con:
            results = ingest_files(con, files, config, progress=_stderr)
            for result in results:
                print(result.summary())
            as_of = latest_timestamp(con)
            build(con, args.db, config, as_of, progress=_stderr)
    print(f"demo warehouse {args.db} built as of {as_of.isoformat()}")
    return 0 if all(result.status == "loaded" for result in results) else 2


def run_dashboard(args: argparse.Namespace) -> int:
    app = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
    env = {**os.environ, "CSPULSE_DB": str(args.db.resolve())}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(args.port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",  # no "Deploy" or developer menu: the readers are CS people
        "minimal",
    ]
    print(f"CS Pulse on http://localhost:{args.port} (snapshot {snapshot_path(args.db)})", flush=True)
    # Become the Streamlit server, so stopping this process stops the server.
    os.execve(sys.executable, command, env)


def run_generate(args: argparse.Namespace) -> int:
    from pipelines.generate import generate

    written = generate(args.out, args.accounts, args.tickets, args.seed, progress=_stderr)
    for kind, path in written.items():
        print(f"{kind}: {path}")
    return 0


def _read_snapshot(db: Path, sql: str, params: list[object] | None = None) -> pd.DataFrame:
    """A query over the dashboard snapshot, read-only (the warehouse may be being written)."""
    snapshot = snapshot_path(db)
    if not snapshot.is_file():
        raise WarehouseUnavailable(f"{snapshot}: no snapshot yet; run `cspulse build --db {db}` first")
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return enums_as_text(con.execute(sql, params or []).df())


def _show(frame: pd.DataFrame, out: Path | None) -> None:
    if out:
        frame.to_csv(out, index=False)
        print(f"{len(frame)} rows written to {out}")
    else:
        with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_colwidth", 90):
            print(frame.to_string(index=False) if len(frame) else "(none)")


def run_call_list(args: argparse.Namespace) -> int:
    where, params = ("WHERE cs_manager = ?", [args.manager]) if args.manager else ("", [])
    frame = _read_snapshot(
        args.db,
        "SELECT cs_manager, rank, account_id, account_name, round(value_at_stake, 2) AS value_at_stake, "
        f"offer_text, action_text FROM call_list {where} ORDER BY cs_manager NULLS LAST, rank",
        params,
    )
    if args.manager and frame.empty:
        known = _read_snapshot(
            args.db, "SELECT DISTINCT cs_manager FROM call_list WHERE cs_manager IS NOT NULL ORDER BY 1"
        )
        print(f"no call list for {args.manager!r}; managers with one: {', '.join(known['cs_manager'])}")
    _show(frame, args.out)
    return 0


def run_assign(args: argparse.Namespace) -> int:
    from metrics.workload.assign import suggest_managers

    workload = _read_snapshot(
        args.db, "SELECT cs_manager, accounts, complexity_total, capacity FROM manager_workload"
    )
    unassigned = _read_snapshot(
        args.db,
        """
        SELECT account_health.account_id, accounts.paid_seats, complexity_pricing.complexity_score
        FROM account_health
        JOIN account_summary AS accounts USING (account_id)
        LEFT JOIN complexity_pricing USING (account_id)
        WHERE account_health.cs_manager IS NULL AND NOT account_health.is_churned
        """,
    )
    capacity = (
        int(workload["capacity"].iloc[0]) if len(workload) else load_config(None).pricing.manager_capacity
    )
    _show(suggest_managers(workload, unassigned, capacity, args.top), args.out)
    return 0


def run_calibrate_pricing(args: argparse.Namespace) -> int:
    import tomli_w

    from metrics.pricing.calibration import TooFewPrices, calibrate, suggested_table

    config = load_config(args.config)
    with open_read_only(args.db) as con:
        accounts = con.execute("SELECT * FROM accounts WHERE NOT is_placeholder").df()
    try:
        result = calibrate(accounts, config.pricing)
    except TooFewPrices as error:
        print(f"cspulse: {error}", file=sys.stderr)
        return 2
    print(f"{result.accounts} accounts with a support_price, {result.folds}-fold cross-validation")
    print(f"  configured weights: MAE {result.mae_configured:,.2f}, R² {result.r2_configured:.3f}")
    print(f"  fitted weights:     MAE {result.mae_fitted:,.2f}, R² {result.r2_fitted:.3f}")
    text = tomli_w.dumps({"pricing": suggested_table(result, config.pricing)})
    if args.out:
        args.out.write_text(f"# suggested by cspulse calibrate-pricing\n{text}", encoding="utf-8")
        print(f"suggested [pricing] written to {args.out} (use it with --config)")
    else:
        print(text)
    return 0


def run_bench(args: argparse.Namespace) -> int:
    if args.only == "usage":
        from pipelines.bench.usage import bench_usage

        print(json.dumps(bench_usage(args.accounts, progress=_stderr), indent=2))
        return 0
    if args.only == "deltas":
        from pipelines.bench.deltas import bench_deltas

        print(json.dumps(bench_deltas(args.tickets, progress=_stderr), indent=2))
        return 0
    from pipelines.bench import bench
    from pipelines.bench.profile_ingest import bench_profile_ingest

    result = {} if args.only == "profiles" else bench(args.tickets, progress=_stderr, sla_only=args.sla_only)
    result.update(bench_profile_ingest(progress=_stderr))  # profile_ingest_rows_per_s
    print(json.dumps(result, indent=2))
    return 0


def run_usage_rollup(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from pipelines.usage_stage import StageError, rollup

    config = load_config(args.config)
    try:
        dates = [date.fromisoformat(text) for text in args.as_of or []]
    except ValueError as error:
        print(f"cspulse: --as-of wants dates (YYYY-MM-DD): {error}", file=sys.stderr)
        return 2
    dates = dates or [datetime.now(ZoneInfo(config.default_timezone)).date()]
    conf = dict(item.split("=", 1) for item in args.conf if "=" in item)
    try:
        result = rollup(args.events, args.out, config, dates, args.engine, args.master, spark_conf=conf)
    except StageError as error:
        print(f"cspulse: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result.summary(), indent=2))
    return 0


def _stderr(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)


COMMANDS = {
    "ingest": run_ingest,
    "build": run_build,
    "demo": run_demo,
    "dashboard": run_dashboard,
    "generate": run_generate,
    "bench": run_bench,
    "usage-rollup": run_usage_rollup,
    "call-list": run_call_list,
    "assign": run_assign,
    "calibrate-pricing": run_calibrate_pricing,
}

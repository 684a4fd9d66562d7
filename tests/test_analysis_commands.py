"""The analyses' commands: call-list, assign, calibrate-pricing and build --select."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrics.pricing.calibration import TooFewPrices, calibrate
from metrics.workload.assign import suggest_managers
from pipelines.config import load_config
from tests.conftest import FIXTURES, make_warehouse, run_cli, write

AS_OF = "2025-06-16T12:00:00+03:00"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("commands")
    config = write(folder / "cspulse.toml", "[pricing]\nmanager_capacity = 2\n")
    path = folder / "warehouse.duckdb"
    assert (
        run_cli("ingest", *sorted((FIXTURES / "accounts").glob("*.csv")), "--db", path, "--config", config)
        == 0
    )
    assert run_cli("build", "--db", path, "--config", config, "--as-of", AS_OF) == 0
    yield path


def test_call_list_ranks_a_managers_gaps_by_value_at_stake(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "calls.csv"
    assert run_cli("call-list", "--db", db, "--manager", "Boris", "--out", out) == 0
    calls = pd.read_csv(out)
    # EXPECTED.md: A6 90000 × 2/3 = 60000 before A4 8000 × 1/1; A5 has churned: no call
    assert list(calls["account_id"]) == ["A6", "A4"] and list(calls["rank"]) == [1, 2]
    assert calls["value_at_stake"].tolist() == pytest.approx([60000, 8000])
    assert calls.loc[0, "offer_text"] == "reports: paid, never used; tasks: used by 12% of users"
    assert calls.loc[1, "action_text"].endswith("offer to set up crm")
    assert run_cli("call-list", "--db", db, "--manager", "Nobody") == 0
    assert "managers with one: Anna, Boris" in capsys.readouterr().out


def test_assign_gives_the_biggest_accounts_to_the_least_loaded_manager_under_capacity() -> None:
    workload = pd.DataFrame(
        {"cs_manager": ["Bea", "Al", "Cy"], "accounts": [1, 1, 2], "complexity_total": [5.0, 5.0, 0.0]}
    )
    unassigned = pd.DataFrame(
        {
            "account_id": ["X2", "X1", "X3", "X4"],
            "paid_seats": [50, 50, 10, 5],
            "complexity_score": [3.0, 1.0, 2.0, 1.0],
        }
    )
    plan = suggest_managers(workload, unassigned, capacity=2).set_index("account_id")
    # 50 seats each: X1 first (account_id); Al and Bea tie on load 5 -> Al (name); Cy is full
    assert plan.loc["X1", "suggested_manager"] == "Al"
    assert plan.loc["X2", "suggested_manager"] == "Bea"  # Al now carries 6, Bea 5
    assert plan["suggested_manager"].isna().sum() == 2  # then everyone is at capacity
    assert list(suggest_managers(workload, unassigned, 2, top=1)["account_id"]) == ["X1"]


def test_assign_ties_loads_that_are_equal_sums_of_decimal_scores() -> None:
    # Al's 0.1 + 0.2 sums to 0.30000000000000004 in floating point, Bob's is 0.3: the same load,
    # so the tie goes to the first name (DESIGN), and Al then carries more
    workload = pd.DataFrame(
        {"cs_manager": ["Bob", "Al"], "accounts": [2, 2], "complexity_total": [0.3, 0.1 + 0.2]}
    )
    unassigned = pd.DataFrame(
        {"account_id": ["X1", "X2"], "paid_seats": [50, 40], "complexity_score": [0.1, 0.2]}
    )
    plan = suggest_managers(workload, unassigned, capacity=5).set_index("account_id")
    assert plan.loc["X1", "suggested_manager"] == "Al"
    assert plan.loc["X2", "suggested_manager"] == "Bob"


def test_assign_reads_the_marts(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "assign.csv"
    assert run_cli("assign", "--db", db, "--out", out) == 0
    # A7 is the only live account without a manager; Anna is over capacity (3), Boris full (2)
    plan = pd.read_csv(out)
    assert list(plan["account_id"]) == ["A7"] and plan["suggested_manager"].isna().all()


def _priced_accounts(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    types = rng.choice(["self", "basic", "standard", "complex"], n)
    hours, enhancements, users = rng.uniform(0, 300, n), rng.integers(0, 8, n), rng.integers(1, 200, n)
    points = pd.Series(types).map({"self": 0, "basic": 1, "standard": 2, "complex": 4}).to_numpy()
    # the truth: base 8000, 2000 per point with weights 1.5, 0.04, 0.8, 0.03, and 2 % noise
    price = 8000 + 2000 * (1.5 * points + 0.04 * hours + 0.8 * enhancements + 0.03 * users)
    return pd.DataFrame(
        {
            "account_id": [f"P{i:03}" for i in range(n)],
            "implementation_type": types,
            "implementation_hours": hours,
            "custom_enhancements": enhancements,
            "active_users": users,
            "support_price": price * rng.normal(1, 0.02, n),
        }
    )


def test_calibration_recovers_known_weights() -> None:
    result = calibrate(_priced_accounts(400), load_config(None).pricing)
    assert result.base_price == pytest.approx(8000, rel=0.05)
    expected = {
        "implementation": 1.5,
        "implementation_hours": 0.04,
        "custom_enhancements": 0.8,
        "active_users": 0.03,
    }
    for name, weight in expected.items():
        assert result.weights[name] == pytest.approx(weight, rel=0.05), name
    assert result.r2_fitted > 0.98 and result.mae_fitted < result.mae_configured
    # fewer accounts, fewer folds (DESIGN): 4 accounts, 4 folds; one account cannot be validated
    assert calibrate(_priced_accounts(4), load_config(None).pricing).folds == 4
    with pytest.raises(TooFewPrices, match="at least 2 accounts"):
        calibrate(_priced_accounts(1), load_config(None).pricing)


def test_calibration_folds_do_not_depend_on_the_order_accounts_are_stored_in() -> None:
    accounts = _priced_accounts(12)
    settings = load_config(None).pricing
    stored, reversed_ = calibrate(accounts, settings), calibrate(accounts.iloc[::-1], settings)
    assert (reversed_.mae_fitted, reversed_.r2_fitted) == (stored.mae_fitted, stored.r2_fitted)


def test_calibrate_pricing_writes_a_table_config_accepts(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the fixture has 3 priced accounts: 3 folds, one per account
    assert run_cli("calibrate-pricing", "--db", db) == 0
    assert "3 accounts with a support_price, 3-fold cross-validation" in capsys.readouterr().out
    accounts = _priced_accounts(30).assign(
        account_id=[f"P{i:02}" for i in range(30)], name="x", tier="standard", paid_seats=5, mrr=100
    )
    path = tmp_path / "warehouse.duckdb"
    assert (
        run_cli("ingest", write(tmp_path / "accounts.csv", accounts.to_csv(index=False)), "--db", path) == 0
    )
    out = tmp_path / "pricing.toml"
    assert run_cli("calibrate-pricing", "--db", path, "--out", out) == 0
    table = tomllib.loads(out.read_text(encoding="utf-8"))["pricing"]
    assert table["weights"]["implementation"] == pytest.approx(1.5, rel=0.1)
    config = load_config(out)  # accepted as it is
    assert config.pricing.base_price == table["base_price"]
    assert (
        run_cli("build", "--db", path, "--config", out, "--as-of", AS_OF, "--select", "complexity_pricing")
        == 0
    )


def test_build_select_runs_only_what_a_mart_needs(tmp_path: Path) -> None:
    store = make_warehouse(tmp_path)
    store.ingest(*sorted((FIXTURES / "accounts").glob("*.csv")))
    summary = store.build_selected(AS_OF, ["complexity_pricing"])
    assert list(summary["rows"]) == ["complexity_pricing"]
    assert "sla_tickets" not in summary["timings"]
    summary = store.build_selected(AS_OF, ["sla_tickets+"])
    assert {"sla_tickets", "account_health", "manager_workload", "resolution_deltas"} <= set(summary["rows"])
    assert "complexity_pricing" in summary["rows"]  # needed by manager_workload
    store.close()

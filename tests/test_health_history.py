"""The health history and the churn backtest: the same model as of other instants, and a fitted
model checked against the hand weights."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrics.health.churn import backtest, churn_feature_dates
from metrics.health.history import month_ends
from metrics.settings import HEALTH_COMPONENTS
from pipelines.build import dag, latest_timestamp
from pipelines.build.inputs import Prepared
from pipelines.build.runner import Run, start_session
from pipelines.config import load_config
from tests.conftest import FIXTURES, Warehouse, make_warehouse

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"
COMPONENTS = ["health_score", "band", *HEALTH_COMPONENTS, "upsell_ready"]


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    store = make_warehouse(tmp_path_factory.mktemp("history"))
    store.ingest(*sorted(p for p in SAMPLES.iterdir() if p.name[0] not in "._"))
    yield store
    store.close()


def _health(store: Warehouse, table: str, where: str = "") -> pd.DataFrame:
    frame = store.con.execute(f"SELECT account_id, {', '.join(COMPONENTS)} FROM {table} {where}").df()
    return frame.sort_values("account_id").reset_index(drop=True)


def test_a_month_of_the_history_is_the_score_a_build_as_of_that_month_end_gives(samples: Warehouse) -> None:
    # the end of September 2026 in Moscow: October 1st, 00:00 +03:00
    samples.build("2026-10-01T00:00:00+03:00")
    direct = _health(samples, "account_health")
    samples.build("2026-10-30T17:00:00+03:00")
    history = _health(samples, "account_health_monthly", "WHERE month = DATE '2026-09-01'")
    pd.testing.assert_frame_equal(history, direct, check_dtype=False)
    months = samples.rows("SELECT DISTINCT month FROM account_health_monthly ORDER BY 1")
    assert [m[0].isoformat() for m in (months[0], months[-1])] == ["2025-10-01", "2026-09-01"]
    assert len(months) == 12


def test_feature_dates_are_30_days_before_each_churn() -> None:
    settings = load_config(None)
    accounts = pd.DataFrame(
        {
            "account_id": ["C1", "C2", "R1", "R2", "P1"],
            "churned_at": pd.to_datetime(
                ["2026-05-20T10:00Z", "2026-08-02T23:30Z", None, "2027-01-01T00:00Z", None], utc=True
            ),
            "is_placeholder": [False, False, False, False, True],
        }
    )
    as_of = datetime(2026, 10, 1, tzinfo=UTC)
    dates = churn_feature_dates(as_of, settings, accounts).set_index("account_id")
    # 2026-05-20 10:00 UTC - 30 days = 04-20 13:00 Moscow -> that day's midnight, 04-20 00:00 MSK
    assert dates.loc["C1", "as_of"] == pd.Timestamp("2026-04-19T21:00Z")
    # 2026-08-02 23:30 UTC is 08-03 02:30 in Moscow; 30 days earlier: 07-04 in Moscow
    assert dates.loc["C2", "feature_date"].isoformat() == "2026-07-04"
    # retained (R2 churns after as-of) get one of the churn dates; placeholders none
    assert set(dates.loc[["R1", "R2"], "as_of"]) <= set(dates.loc[["C1", "C2"], "as_of"])
    assert "P1" not in dates.index


def _labelled(n: int, signal: float, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    churned = np.arange(n) < n // 2
    features = pd.DataFrame({"account_id": [f"A{i}" for i in range(n)]})
    for name in HEALTH_COMPONENTS:
        features[name] = np.clip(rng.normal(70, 15, n) - signal * churned * (name == "usage"), 0, 100)
    features.loc[rng.random(n) < 0.2, "csat"] = np.nan  # missing components are imputed
    features["health_score"] = features[list(HEALTH_COMPONENTS)].mean(axis=1)
    as_of = datetime(2026, 10, 1, tzinfo=UTC)
    accounts = pd.DataFrame(
        {
            "account_id": features["account_id"],
            "churned_at": [as_of - timedelta(days=10) if c else pd.NaT for c in churned],
            "is_placeholder": False,
        }
    )
    return features, accounts


def test_the_backtest_finds_a_known_signal_and_reports_both_aucs() -> None:
    features, accounts = _labelled(80, signal=40)
    result = backtest(features, accounts, datetime(2026, 10, 1, tzinfo=UTC), min_labels=10)
    assert (result.n_churned, result.n_retained) == (40, 40)
    assert result.auc_model is not None and result.auc_model > 0.85  # usage 40 points lower when churning
    assert result.auc_hand_weights is not None and 0.5 < result.auc_hand_weights < result.auc_model
    assert result.coefficients is not None and result.coefficients["usage"] < 0  # more use, less churn
    # the same accounts in another order: the same folds, the same answer
    shuffled = backtest(
        features.sample(frac=1, random_state=3), accounts, datetime(2026, 10, 1, tzinfo=UTC), 10
    )
    assert (shuffled.auc_model, shuffled.auc_hand_weights) == (result.auc_model, result.auc_hand_weights)
    noise, accounts = _labelled(80, signal=0)
    assert backtest(noise, accounts, datetime(2026, 10, 1, tzinfo=UTC), 10).auc_model < 0.7  # type: ignore[operator]


def test_too_few_labels_give_a_reason_not_a_model(tmp_path: Path) -> None:
    features, accounts = _labelled(14, signal=40)
    result = backtest(features, accounts, datetime(2026, 10, 1, tzinfo=UTC), min_labels=10)
    assert result.auc_model is None and result.full_model is None
    assert result.reason == (
        "needs at least 10 churned and 10 retained accounts with history; has 7 churned and 7 retained"
    )
    # no churn at all: no feature dates, yet the retained accounts are counted (3 live, 1 placeholder)
    live = pd.DataFrame({"account_id": ["R1", "R2", "R3", "P1"], "churned_at": pd.NaT,
                         "is_placeholder": [False, False, False, True]})  # fmt: skip
    none = backtest(features.iloc[0:0], live, datetime(2026, 10, 1, tzinfo=UTC), min_labels=10)
    assert (none.n_churned, none.n_retained) == (0, 3) and none.reason is not None
    assert none.reason.endswith("has 0 churned and 3 retained")
    store = make_warehouse(tmp_path, "[pricing]\nmanager_capacity = 2\n")
    store.ingest(*sorted((FIXTURES / "accounts").glob("*.csv")))
    store.build("2025-06-16T12:00:00+03:00")
    row = store.dicts("SELECT * FROM health_backtest")[0]
    assert row["auc_model"] is None and "1 churned" in row["reason"]
    assert store.one("SELECT count(*) FROM account_health WHERE churn_risk IS NOT NULL") == 0
    store.close()


def test_the_samples_backtest_finds_the_churn_signal_the_generator_put_there(samples: Warehouse) -> None:
    """The generator makes churn follow low use and slow tickets (pipelines/generate): on the
    samples, built as `cspulse demo` builds them, the backtest has labels enough and finds it."""
    samples.build_selected(latest_timestamp(samples.con).isoformat(), ["health_backtest"])
    row = samples.dicts("SELECT * FROM health_backtest")[0]
    assert row["reason"] is None, row["reason"]
    churned = samples.one("SELECT count(*) FROM accounts WHERE churned_at IS NOT NULL")
    assert row["n_churned"] == churned  # every churn lies in the samples' period, after 30 days of history
    minimum = load_config(None).health.churn_min_labels
    assert row["n_churned"] >= minimum and row["n_retained"] >= minimum
    # a property of the generated data, with a margin (seed 0 gives ~0.9 for both)
    assert row["auc_model"] > 0.6 and row["auc_hand_weights"] > 0.6, row
    assert row["coef_usage"] < 0  # more use, less churn


def test_a_series_computes_the_shared_usage_models_once_with_the_answers_of_separate_runs(
    samples: Warehouse,
) -> None:
    """The `-- series: shared` usage models run once for all of a series' instants
    (int_usage_windows then holds a row per instant); each instant's run reads its own rows.
    The scores must be those of runs that compute everything themselves."""
    as_of = datetime.fromisoformat("2026-10-30T17:00:00+03:00").astimezone(UTC)
    start_session(samples.con, samples.config, as_of)
    prepared = Prepared.for_build(samples.con, samples.config, as_of)

    def fresh() -> Run:
        return Run(samples.con, samples.config, as_of, prepared)

    run = fresh()
    # Moscow midnights: a month end before the events (they start in October), two days into them
    instants = [datetime(2026, 5, 31, 21, tzinfo=UTC), datetime(2026, 10, 9, 21, tzinfo=UTC),
                datetime(2026, 10, 20, 21, tzinfo=UTC)]  # fmt: skip
    variables = (("recent_ticket_days", 90),)
    with run.shared_for("int_account_health_scores", instants, variables) as shared:
        assert {"int_usage_module_windows", "int_usage_daily_account_days", "int_usage_user_days"} <= set(
            shared.names
        )
        assert "int_usage_daily_last_uses" not in shared.names  # the score reads no last use
        module_windows = samples.con.table(shared.table("int_usage_module_windows"))
        as_of_dates = set(module_windows.aggregate("as_of_date").arrow().read_all().column(0).to_pylist())
        assert {day.isoformat() for day in as_of_dates} == {"2026-10-10", "2026-10-21"}
        for instant in instants:
            # two Runs: one Run keeps its answers by instant, and would give `alone` back
            alone = fresh().as_of_another("int_account_health_scores", instant, variables).to_pandas()
            together = run.as_of_another("int_account_health_scores", instant, variables, shared).to_pandas()
            assert len(alone) > 0
            pd.testing.assert_frame_equal(
                together.sort_values("account_id").reset_index(drop=True),
                alone.sort_values("account_id").reset_index(drop=True),
            )
    # detached once the series is done: nothing of it is left in the warehouse's connection
    assert shared.catalog is None
    assert not samples.one(
        "SELECT count(*) FROM duckdb_databases() WHERE database_name LIKE 'series_shared_%'"
    )


def test_a_shared_model_may_not_read_a_model_computed_per_as_of() -> None:
    models = dag.all_models()
    wrong = replace(models["int_usage_daily_last_uses"], inputs=("int_module_usage",))
    with pytest.raises(dag.ModelError, match="reads int_module_usage, which is neither shared"):
        dag._check_shared(wrong, models)
    dag._check_shared(models["int_usage_module_windows"], models)  # reads shared, staging, the windows


def test_beyond_36_churn_dates_each_moves_back_to_its_months_first_midnight() -> None:
    settings = load_config(None)
    # 40 churns, one a day from 2026-05-01 12:00 UTC: 40 feature dates, too many runs
    churned_at = pd.date_range("2026-05-01T12:00Z", periods=40, freq="D")
    accounts = pd.DataFrame(
        {"account_id": [f"C{i}" for i in range(40)], "churned_at": churned_at, "is_placeholder": False}
    )
    dates = churn_feature_dates(datetime(2026, 10, 1, tzinfo=UTC), settings, accounts).set_index("account_id")
    # C0: churned 05-01 15:00 Moscow, 30 days before is 04-01 -> April 1st, 00:00 Moscow
    assert dates.loc["C0", "as_of"] == pd.Timestamp("2026-03-31T21:00Z")
    # C39: churned 06-09, 30 days before is 05-10 -> May 1st: never nearer the churn than 30 days
    assert dates.loc["C39", "feature_date"].isoformat() == "2026-05-01"
    assert (dates["as_of"] <= pd.Series(churned_at, index=dates.index) - timedelta(days=30)).all()
    # the instants the health history runs at as of 2026-10-01 (so those runs are shared)
    history = set(month_ends(datetime(2026, 10, 1, tzinfo=UTC), settings)["as_of"])
    assert set(dates["as_of"]) == {pd.Timestamp("2026-03-31T21:00Z"), pd.Timestamp("2026-04-30T21:00Z")}
    assert set(dates["as_of"]) <= history

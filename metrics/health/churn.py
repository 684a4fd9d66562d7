"""The churn backtest: do the health components, as they stood before each churn, tell churned
accounts from retained ones — and do the hand weights of `[health]` rank them as well as a
fitted model does?

Features are the health components computed as of 30 days before each churn (the same model
the dashboard shows, run at that instant: no information from after it), and at comparable
dates for retained accounts (each is given one of the churn dates, drawn with seed 0). A
logistic regression (components imputed with the fold's median, standardised) is scored by
cross-validated ROC AUC beside the hand-weighted score on the same folds. `churn_risk` of an
account is the probability from the model of the fold that did not see it, applied to its
components today; accounts outside the backtest use the model fitted on all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from metrics.models import SeriesModel, python_model
from metrics.settings import HEALTH_COMPONENTS

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

# scikit-learn is imported where a model is fitted, not with this module: the build imports every
# metrics module to find its models, and sklearn's import (~0.7 s) would be a fixed cost of every
# build, also of one that selects only the SLA marts.

LEAD_DAYS = 30  # features as they stood this long before the churn
# Beyond it, each date is moved back to its month's first midnight (each date is one run): never
# less than LEAD_DAYS before the churn, and the instants the health history runs at anyway.
MAX_FEATURE_DATES = 36
MODEL_NAME = "logistic_regression"


def _is_churned(accounts: pd.DataFrame, as_of: datetime) -> pd.Series:
    churned_at = pd.to_datetime(accounts["churned_at"], utc=True)
    return churned_at.notna() & (churned_at <= pd.Timestamp(as_of))


def churn_feature_dates(as_of: datetime, settings: Any, stg_accounts: pd.DataFrame) -> pd.DataFrame:
    """When to read each labelled account's components: 30 days before its churn, or, for a
    retained account, one of those dates (seed 0). Dates are local midnights of the default
    calendar, so accounts churned on one day share a run; with more than MAX_FEATURE_DATES of
    them, the first midnight of their month (where the health history has run already)."""
    accounts = stg_accounts[~stg_accounts["is_placeholder"].astype(bool)]
    churned = _is_churned(accounts, as_of)
    zone = ZoneInfo(settings.default_timezone)
    lead = pd.to_datetime(accounts.loc[churned, "churned_at"], utc=True) - timedelta(days=LEAD_DAYS)
    local_days = lead.dt.tz_convert(zone).dt.normalize()
    if local_days.nunique() > MAX_FEATURE_DATES:
        local_days = (local_days - pd.to_timedelta(local_days.dt.day - 1, unit="D")).dt.normalize()
    churn_dates = local_days.dt.tz_convert("UTC")
    retained_ids = accounts.loc[~churned, "account_id"]
    rng = np.random.default_rng(0)
    drawn = (
        churn_dates.to_numpy()[rng.integers(0, len(churn_dates), len(retained_ids))]
        if len(churn_dates)
        else []
    )
    frame = pd.DataFrame(
        {
            "account_id": [*accounts.loc[churned, "account_id"], *retained_ids.iloc[: len(drawn)]],
            "as_of": pd.to_datetime([*churn_dates, *drawn], utc=True),
        }
    )
    frame["feature_date"] = frame["as_of"].dt.tz_convert(zone).dt.date
    return frame[["as_of", "feature_date", "account_id"]]


churn_features = SeriesModel(
    name="churn_features",
    of="int_account_health_scores",
    dates=churn_feature_dates,
    date_column="feature_date",
    inputs=("stg_accounts",),
    unique=("account_id",),
    variables=(("recent_ticket_days", 90),),  # support and CSAT read 90 days; open tickets any age
)


@dataclass(frozen=True)
class Backtest:
    n_churned: int
    n_retained: int
    reason: str | None = None
    auc_model: float | None = None
    auc_hand_weights: float | None = None
    coefficients: dict[str, float] | None = None
    out_of_fold_models: dict[str, Pipeline] | None = None  # account_id -> the model that did not see it
    full_model: Pipeline | None = None


def _labelled(features: pd.DataFrame, accounts: pd.DataFrame, as_of: datetime) -> pd.DataFrame:
    churned_ids = set(accounts.loc[_is_churned(accounts, as_of), "account_id"])
    labelled = features.copy()
    labelled["churned"] = labelled["account_id"].isin(churned_ids)
    return labelled


def _model() -> Pipeline:
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression())


def backtest(features: pd.DataFrame, accounts: pd.DataFrame, as_of: datetime, min_labels: int) -> Backtest:
    """Cross-validated AUCs of the fitted model and of the hand score, on the same folds."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    # the folds are drawn over the rows in account order: the same accounts give the same folds,
    # in whatever order the features were read
    labelled = _labelled(features, accounts, as_of).sort_values("account_id", ignore_index=True)
    churned = labelled["churned"].to_numpy()
    n_churned, n_retained = int(churned.sum()), int((~churned).sum())
    if n_churned == 0:  # no churn, no feature dates to give the retained: count them all the same
        live = accounts[~accounts["is_placeholder"].astype(bool)]
        n_retained = int((~_is_churned(live, as_of)).sum())
    if min(n_churned, n_retained) < min_labels:
        reason = (
            f"needs at least {min_labels} churned and {min_labels} retained accounts with history; "
            f"has {n_churned} churned and {n_retained} retained"
        )
        return Backtest(n_churned, n_retained, reason)
    x = labelled[list(HEALTH_COMPONENTS)].astype(float).to_numpy(copy=True)
    x[:, np.all(np.isnan(x), axis=0)] = 0.0  # a component nobody has: no signal, but no crash
    score = labelled["health_score"].astype(float).to_numpy()
    folds = StratifiedKFold(n_splits=min(5, n_churned, n_retained), shuffle=True, random_state=0)
    model_aucs: list[float] = []
    hand_aucs: list[float] = []
    oof_models: dict[str, Pipeline] = {}
    for train, test in folds.split(x, churned):
        model = _model().fit(x[train], churned[train])
        model_aucs.append(roc_auc_score(churned[test], model.predict_proba(x[test])[:, 1]))
        hand_aucs.append(roc_auc_score(churned[test], -score[test]))  # a low score predicts churn
        oof_models |= {account: model for account in labelled["account_id"].iloc[test]}
    full = _model().fit(x, churned)
    coefficients = dict(zip(HEALTH_COMPONENTS, full[-1].coef_[0], strict=True))
    return Backtest(
        n_churned,
        n_retained,
        auc_model=float(np.mean(model_aucs)),
        auc_hand_weights=float(np.mean(hand_aucs)),
        coefficients={name: float(value) for name, value in coefficients.items()},
        out_of_fold_models=oof_models,
        full_model=full,
    )


@python_model("churn_features", "stg_accounts", unique=("model",))
def health_backtest(
    churn_features: pd.DataFrame, stg_accounts: pd.DataFrame, as_of: datetime, settings: Any
) -> pd.DataFrame:
    """One row: how well the components predicted churn, the model's weights beside ours."""
    result = backtest(churn_features, stg_accounts, as_of, settings.health.churn_min_labels)
    row: dict[str, Any] = {
        "model": MODEL_NAME,
        "n_churned": result.n_churned,
        "n_retained": result.n_retained,
        "auc_model": result.auc_model,
        "auc_hand_weights": result.auc_hand_weights,
        "lead_days": LEAD_DAYS,
        "reason": result.reason,
    }
    for name in HEALTH_COMPONENTS:
        # per standard deviation of the component; negative: more of it, less churn
        row[f"coef_{name}"] = result.coefficients[name] if result.coefficients else None
        row[f"weight_{name}"] = settings.health.weights[name]
    frame = pd.DataFrame([row])
    floats = ["auc_model", "auc_hand_weights", *(f"coef_{name}" for name in HEALTH_COMPONENTS)]
    return frame.astype({name: "float64" for name in floats} | {"reason": "string"})


@python_model("churn_features", "stg_accounts", "int_account_health_scores", unique=("account_id",))
def account_churn_risk(
    churn_features: pd.DataFrame,
    stg_accounts: pd.DataFrame,
    int_account_health_scores: pd.DataFrame,
    as_of: datetime,
    settings: Any,
) -> pd.DataFrame:
    """Each live account's probability of churning, from a model that never saw it."""
    result = backtest(churn_features, stg_accounts, as_of, settings.health.churn_min_labels)
    today = int_account_health_scores[~int_account_health_scores["is_churned"].astype(bool)]
    risk = pd.Series(np.nan, index=today.index, dtype="float64")
    if result.full_model is not None and len(today):
        x = today[list(HEALTH_COMPONENTS)].astype(float).to_numpy()
        models = result.out_of_fold_models or {}
        for model in {id(m): m for m in [result.full_model, *models.values()]}.values():
            mine = np.array([models.get(a, result.full_model) is model for a in today["account_id"]])
            if mine.any():
                risk[mine] = model.predict_proba(x[mine])[:, 1]
    return pd.DataFrame({"account_id": today["account_id"].astype("string"), "churn_risk": risk.to_numpy()})

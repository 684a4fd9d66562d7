"""Calibrating the pricing weights on what accounts have actually paid (`support_price`).

Fits support_price ≈ b + Σ cᵢ × inputᵢ (intercept b, non-negative cᵢ) with scikit-learn on the
formula's four inputs, counted as the formula counts them (points of the implementation type,
missing inputs 0). price_per_point stays as configured, so the suggestion is base_price = b and
weightᵢ = cᵢ ÷ price_per_point. Both the fitted and the configured weights are scored by
cross-validated MAE and R² on the same folds (5-fold KFold, shuffled, random_state 0; fewer
folds with fewer accounts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from metrics.models import python_model
from metrics.settings import PRICING_INPUTS, PricingSettings

# KFold needs two folds: with fewer than 5 priced accounts there is one fold per account (DESIGN:
# "fewer folds when fewer accounts"); with one there is nothing to validate on
MIN_ACCOUNTS = 2


class TooFewPrices(ValueError):
    """Fewer priced accounts than a calibration needs."""


@dataclass(frozen=True)
class Calibration:
    accounts: int
    folds: int
    base_price: float
    weights: dict[str, float]
    mae_fitted: float
    r2_fitted: float
    mae_configured: float
    r2_configured: float


def pricing_inputs(accounts: pd.DataFrame, settings: PricingSettings) -> np.ndarray:
    """The four inputs as the formula counts them: an unknown or missing one is 0."""
    types = accounts["implementation_type"].astype("string").str.strip().str.lower()
    points = types.map(settings.implementation_points).astype("float64").fillna(0.0)
    return np.column_stack(
        [
            points.to_numpy(),
            pd.to_numeric(accounts["implementation_hours"]).fillna(0).to_numpy(dtype=float),
            pd.to_numeric(accounts["custom_enhancements"]).fillna(0).to_numpy(dtype=float),
            pd.to_numeric(accounts["active_users"]).fillna(0).to_numpy(dtype=float),
        ]
    )


def configured_prices(inputs: np.ndarray, settings: PricingSettings) -> np.ndarray:
    weights = np.array([settings.weights[name] for name in PRICING_INPUTS])
    return settings.base_price + settings.price_per_point * inputs @ weights


def calibrate(accounts: pd.DataFrame, settings: PricingSettings) -> Calibration:
    """Fit the weights on the accounts with a support_price; score both sets of weights."""
    # imported here, not with the module: the build imports every metrics module to find its
    # models, and sklearn's import would be a fixed cost of every build (churn.py says the same)
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import mean_absolute_error, r2_score
    from sklearn.model_selection import KFold

    # the folds are drawn over the accounts in id order: the same accounts give the same folds,
    # however the table happens to be stored (an upsert moves an account to its end)
    priced = accounts[accounts["support_price"].notna()].sort_values("account_id", ignore_index=True)
    if len(priced) < MIN_ACCOUNTS:
        raise TooFewPrices(
            f"calibration needs at least {MIN_ACCOUNTS} accounts with a support_price; found {len(priced)}"
        )
    x, y = pricing_inputs(priced, settings), priced["support_price"].to_numpy(dtype=float)
    folds = KFold(n_splits=min(5, len(priced)), shuffle=True, random_state=0)
    fitted_predictions, configured = np.empty_like(y), configured_prices(x, settings)
    for train, test in folds.split(x):
        model = LinearRegression(positive=True).fit(x[train], y[train])
        fitted_predictions[test] = model.predict(x[test])
    model = LinearRegression(positive=True).fit(x, y)
    return Calibration(
        accounts=len(priced),
        folds=folds.get_n_splits(),
        base_price=float(model.intercept_),
        weights={
            name: float(c) / settings.price_per_point
            for name, c in zip(PRICING_INPUTS, model.coef_, strict=True)
        },
        mae_fitted=float(mean_absolute_error(y, fitted_predictions)),
        r2_fitted=float(r2_score(y, fitted_predictions)),
        mae_configured=float(mean_absolute_error(y, configured)),
        r2_configured=float(r2_score(y, configured)),
    )


def suggested_table(calibration: Calibration, settings: PricingSettings) -> dict[str, object]:
    """The whole `[pricing]` table with the fitted base price and weights (a key given in a
    config file replaces the default whole, so every key is written)."""
    table = settings.to_table()
    table["base_price"] = round(calibration.base_price, 2)
    table["weights"] = {name: round(weight, 6) for name, weight in calibration.weights.items()}
    return table


@python_model("stg_accounts", unique=("setting",))
def pricing_calibration(stg_accounts: pd.DataFrame, settings: Any) -> pd.DataFrame:
    """The configured base price and weights beside the ones fitted on historical prices (the
    Pricing page; `cspulse calibrate-pricing` writes them as a config table)."""
    pricing: PricingSettings = settings.pricing
    names = ["base_price", *PRICING_INPUTS]
    configured = [pricing.base_price, *(pricing.weights[name] for name in PRICING_INPUTS)]
    frame = pd.DataFrame({"setting": names, "configured": configured})
    accounts = stg_accounts[~stg_accounts["is_placeholder"].astype(bool)]
    try:
        result = calibrate(accounts, pricing)
    except TooFewPrices as error:
        return frame.assign(
            fitted=np.nan, accounts=int(accounts["support_price"].notna().sum()), mae_configured=np.nan,
            mae_fitted=np.nan, r2_configured=np.nan, r2_fitted=np.nan, reason=str(error),
        ).astype({"reason": "string", "setting": "string"})  # fmt: skip
    return frame.assign(
        fitted=[result.base_price, *(result.weights[name] for name in PRICING_INPUTS)],
        accounts=result.accounts,
        mae_configured=result.mae_configured,
        mae_fitted=result.mae_fitted,
        r2_configured=result.r2_configured,
        r2_fitted=result.r2_fitted,
        reason=pd.NA,
    ).astype({"reason": "string", "setting": "string"})

"""Typed settings of the analyses: `[pricing]`, `[deltas]`, `[adoption]`, `[health]`, `[dashboard]`.

Each is a frozen dataclass read from its TOML table by `from_table`, which checks every key and
raises ValueError naming the key (pipelines/config.py adds the file and the table). The
calendar and SLA settings live beside the code that uses them (metrics.calendar, metrics.sla).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

PRICING_INPUTS = ("implementation", "implementation_hours", "custom_enhancements", "active_users")
HEALTH_COMPONENTS = ("usage", "adoption", "support", "csat", "renewal")


def _number(
    value: object, key: str, low: float = 0.0, high: float | None = None, above: bool = False
) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if ok and (value < low or (above and value == low) or (high is not None and value > high)):  # type: ignore[operator]
        ok = False
    if not ok:
        bound = f"> {low:g}" if above else f">= {low:g}"
        if high is not None:
            bound += f" and <= {high:g}"
        raise ValueError(f"{key} must be a number {bound}; got {value!r}")
    return float(value)  # type: ignore[arg-type]


def _whole(value: object, key: str, low: int = 1) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ValueError(f"{key} must be a whole number >= {low}; got {value!r}")
    return value


def _table_of_numbers(value: object, key: str, required: tuple[str, ...] = ()) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{key} must be a table such as {{ name = 1 }}; got {value!r}")
    table = {str(name).strip().lower(): _number(number, f"{key}.{name}") for name, number in value.items()}
    missing = [name for name in required if name not in table]
    unknown = [name for name in table if required and name not in required]
    if missing or unknown:
        raise ValueError(
            f"{key} must give exactly {', '.join(required)}"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(unknown)}" if unknown else "")
        )
    return table


class _Settings:
    """Shared: the table as TOML values (the build records the configuration in force)."""

    def to_table(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def keys(cls) -> set[str]:
        return {f.name for f in fields(cls)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class PricingSettings(_Settings):
    """complexity = Σ weight × input; price = base_price + price_per_point × complexity."""

    implementation_points: dict[str, float]
    weights: dict[str, float]
    base_price: float
    price_per_point: float
    manager_capacity: int
    tolerance: float

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> PricingSettings:
        return cls(
            implementation_points=_table_of_numbers(table["implementation_points"], "implementation_points"),
            weights=_table_of_numbers(table["weights"], "weights", PRICING_INPUTS),
            base_price=_number(table["base_price"], "base_price"),
            price_per_point=_number(table["price_per_point"], "price_per_point", above=True),
            manager_capacity=_whole(table["manager_capacity"], "manager_capacity"),
            tolerance=_number(table["tolerance"], "tolerance", high=1.0),
        )


@dataclass(frozen=True)
class DeltasSettings(_Settings):
    baseline_tier: str
    dedicated_tiers: tuple[str, ...]  # tiers with a dedicated manager: checked against the claim
    claimed_speedup_pct: tuple[float, float]  # seed 001: 60-70 % faster

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> DeltasSettings:
        tier = table["baseline_tier"]
        if not isinstance(tier, str) or not tier.strip():
            raise ValueError(f"baseline_tier must name a tier, such as 'standard'; got {tier!r}")
        tiers = table["dedicated_tiers"]
        if not isinstance(tiers, list) or not all(isinstance(t, str) for t in tiers):
            raise ValueError(f'dedicated_tiers must be a list of tiers, such as ["ism"]; got {tiers!r}')
        claimed = table["claimed_speedup_pct"]
        if not isinstance(claimed, list) or len(claimed) != 2:
            raise ValueError(f"claimed_speedup_pct must be [low, high], such as [60, 70]; got {claimed!r}")
        low, high = (_number(value, "claimed_speedup_pct", high=100.0) for value in claimed)
        if low > high:
            raise ValueError(f"claimed_speedup_pct must be [low, high] with low <= high; got {claimed!r}")
        return cls(
            baseline_tier=tier.strip().lower(),
            dedicated_tiers=tuple(t.strip().lower() for t in tiers),
            claimed_speedup_pct=(low, high),
        )

    def to_table(self) -> dict[str, Any]:
        return {
            "baseline_tier": self.baseline_tier,
            "dedicated_tiers": list(self.dedicated_tiers),
            "claimed_speedup_pct": list(self.claimed_speedup_pct),
        }


@dataclass(frozen=True)
class AdoptionSettings(_Settings):
    window_days: int
    min_adoption_rate: float

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> AdoptionSettings:
        return cls(
            window_days=_whole(table["window_days"], "window_days"),
            min_adoption_rate=_number(table["min_adoption_rate"], "min_adoption_rate", high=1.0),
        )


@dataclass(frozen=True)
class HealthSettings(_Settings):
    weights: dict[str, float]
    bands: dict[str, float]
    seats_full: float
    churn_min_labels: int

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> HealthSettings:
        weights = _table_of_numbers(table["weights"], "weights", HEALTH_COMPONENTS)
        if not sum(weights.values()) > 0:
            raise ValueError("weights must not all be 0")
        bands = _table_of_numbers(table["bands"], "bands", ("green", "yellow"))
        if not 0 <= bands["yellow"] <= bands["green"] <= 100:
            raise ValueError(f"bands must satisfy 0 <= yellow <= green <= 100; got {bands}")
        return cls(
            weights=weights,
            bands=bands,
            seats_full=_number(table["seats_full"], "seats_full", high=1.0, above=True),
            churn_min_labels=_whole(table["churn_min_labels"], "churn_min_labels", low=2),
        )


@dataclass(frozen=True)
class DashboardSettings(_Settings):
    """How the pages read what the marts hold (presentation, not a metric)."""

    min_month_tickets: int  # a month with fewer tickets is marked on the charts (its rates are shaky)

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> DashboardSettings:
        return cls(min_month_tickets=_whole(table["min_month_tickets"], "min_month_tickets", low=0))

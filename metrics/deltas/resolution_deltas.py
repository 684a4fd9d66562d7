"""Resolution-time deltas: is a group of tickets resolved faster than its comparison group?

Seed 001 claims a dedicated manager resolves 60-70 % faster than tiered support; seed 002 that
every hand-off ("ticket football") slows resolution. Three comparisons, each for all task types
together and for each task type (so a tier of mostly quick questions does not look faster than
it is): `tier` (each tier vs the baseline tier), `reassignments` (`1` and `2+` vs `0`),
`manager` (each CS manager vs the tickets of every other manager).

Medians and p90 are continuous quantiles of resolution business minutes; delta_pct = 100 ×
(median_a − median_b) ÷ median_b. The interval is DESIGN's bootstrap, exactly: per row
`rng = default_rng(0)`, a (1000 × n_a) index array, then (1000 × n_b), the 2.5th and 97.5th
percentiles of the 1,000 deltas. Each group's values are sorted first (so the result does not
depend on row order), which also lets a resample's median be read off its indices' order
statistics; index rows are drawn in chunks (the same stream as one draw) to bound memory.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from metrics.models import python_model

RESAMPLES = 1_000
CHUNK_DRAWS = 20_000_000  # indices drawn at a time (~160 MB)
WINDOW_FROM = 2_000  # from this many values a side, order statistics through a window (below)
COLUMNS = ["comparison", "task_type", "group_a", "group_b", "n_a", "n_b", "median_a_min", "median_b_min",
           "p90_a_min", "p90_b_min", "delta_pct", "ci_low_pct", "ci_high_pct", "median_difference_min",
           "verdict", "claim"]  # fmt: skip


def resampled_medians(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The medians of 1,000 resamples of sorted `values`, drawn from `rng` as one (1000 × n)
    index array would be: a resample's k-th smallest value is values[its k-th smallest index]."""
    n = len(values)
    low, high = (n - 1) // 2, n // 2
    medians = np.empty(RESAMPLES)
    rows = max(1, CHUNK_DRAWS // n)
    for start in range(0, RESAMPLES, rows):
        count = min(rows, RESAMPLES - start)
        indices = rng.integers(0, n, size=(count, n))
        if n >= WINDOW_FROM:
            low_index, high_index = order_statistics(indices, low, high)
        else:
            ordered = np.partition(indices, [low, high], axis=1) if n > 2 else np.sort(indices, axis=1)
            low_index, high_index = ordered[:, low], ordered[:, high]
        medians[start : start + count] = (values[low_index] + values[high_index]) / 2
    return medians


def order_statistics(indices: np.ndarray, low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's low-th and high-th smallest value (0-based), for rows of n draws from 0..n-1:
    exactly what np.partition gives, without partitioning whole rows (the partition was most of
    the bootstrap's time at 1M tickets). Near the middle the k-th smallest of n uniform draws is
    k give or take ~sqrt(n)/2, so each row's values in a window of k ± 6 sqrt(n) are kept, and
    the count of values below the window says which of them is the k-th. A row whose k-th falls
    outside its window (about never) is partitioned whole."""
    count, n = indices.shape
    margin = int(6 * math.sqrt(n)) + 16
    first, last = max(0, low - margin), min(n, high + margin + 1)
    below = np.count_nonzero(indices < first, axis=1)
    inside = indices >= first
    inside &= indices < last
    counts = np.count_nonzero(inside, axis=1)
    rows = np.arange(count, dtype=np.int64)
    # the window's values of every row in one sort: row r's values as r * n + value, in order
    keys = np.sort(np.repeat(rows, counts) * n + indices[inside])
    starts = np.cumsum(counts) - counts
    found = (below <= low) & (below + counts > high)
    low_index, high_index = np.empty(count, np.int64), np.empty(count, np.int64)
    hit = rows[found]
    low_index[hit] = keys[starts[hit] + low - below[hit]] - hit * n
    high_index[hit] = keys[starts[hit] + high - below[hit]] - hit * n
    missed = rows[~found]
    if missed.size:
        ordered = np.partition(indices[missed], [low, high], axis=1)
        low_index[missed], high_index[missed] = ordered[:, low], ordered[:, high]
    return low_index, high_index


def bootstrap_interval(a: np.ndarray, b: np.ndarray) -> tuple[float | None, float | None]:
    """DESIGN's 95 % percentile interval of delta_pct; null with fewer than 2 tickets a side."""
    if len(a) < 2 or len(b) < 2:
        return None, None
    rng = np.random.default_rng(0)
    medians_a = resampled_medians(np.sort(a), rng)
    medians_b = resampled_medians(np.sort(b), rng)
    # DESIGN's recipe as numpy computes it: a resample whose b median is 0 gives an infinite delta
    # (or NaN when a's is 0 too); the percentiles are read over all 1,000, and a bound that is not
    # a finite number is null
    with np.errstate(divide="ignore", invalid="ignore"):
        deltas = 100 * (medians_a - medians_b) / medians_b
        low, high = np.percentile(deltas, [2.5, 97.5])
    return _finite_or_none(low), _finite_or_none(high)


def _finite_or_none(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def verdict(ci_low: float | None, ci_high: float | None) -> str:
    """In words: faster, slower, or no clear difference (the interval holds 0)."""
    if ci_low is None or ci_high is None:
        return "too few tickets"
    if ci_high < 0:
        return "faster"
    if ci_low > 0:
        return "slower"
    return "no clear difference"


def claim_check(ci_low: float | None, ci_high: float | None, claimed: tuple[float, float]) -> str | None:
    """Against seed 001's claim of `claimed` % faster (e.g. 60-70): consistent when the interval
    meets −70…−60, else less or more than claimed."""
    if ci_low is None or ci_high is None:
        return None
    fastest, slowest = -max(claimed), -min(claimed)
    if ci_low > slowest:
        return "less than claimed"
    if ci_high < fastest:
        return "more than claimed"
    return "consistent"


def delta_row(
    comparison: str, task_type: str, group_a: str, group_b: str, a: np.ndarray, b: np.ndarray
) -> dict:
    median_a, median_b = float(np.median(a)), float(np.median(b))
    # no delta (median_b 0): no interval around it either
    ci_low, ci_high = bootstrap_interval(a, b) if median_b else (None, None)
    return {
        "comparison": comparison,
        "task_type": task_type,
        "group_a": group_a,
        "group_b": group_b,
        "n_a": len(a),
        "n_b": len(b),
        "median_a_min": median_a,
        "median_b_min": median_b,
        "p90_a_min": float(np.quantile(a, 0.9)),
        "p90_b_min": float(np.quantile(b, 0.9)),
        "delta_pct": 100 * (median_a - median_b) / median_b if median_b else None,
        "ci_low_pct": ci_low,
        "ci_high_pct": ci_high,
        "median_difference_min": median_a - median_b,
        "verdict": verdict(ci_low, ci_high),
        "claim": None,
    }


def reassignment_group(reassignments: pd.Series) -> pd.Series:
    """0, 1 or 2+ hand-offs."""
    counts = reassignments.fillna(0).clip(lower=0).astype("int64")
    return pd.Series(np.where(counts >= 2, "2+", counts.astype(str)), index=reassignments.index)


def _pairs(tickets: pd.DataFrame, settings: Any) -> Iterator[tuple[str, str, pd.Series, pd.Series]]:
    """(comparison, group_a, mask_a, mask_b) for every comparison of DESIGN."""
    baseline = settings.deltas.baseline_tier
    tiers = tickets["tier"].fillna("")
    for tier in sorted(set(tiers) - {baseline, ""}):
        yield "tier", tier, tiers == tier, tiers == baseline
    groups = reassignment_group(tickets["reassignments"])
    for group in ("1", "2+"):
        yield "reassignments", group, groups == group, groups == "0"
    managers = tickets["cs_manager"]
    for manager in sorted(managers.dropna().unique()):
        yield "manager", manager, managers == manager, managers.notna() & (managers != manager)


@python_model("int_resolved_tickets", unique=("comparison", "task_type", "group_a"))
def resolution_deltas(int_resolved_tickets: pd.DataFrame, settings: Any) -> pd.DataFrame:
    """Each comparison's medians, p90s, delta and bootstrap interval, overall and per task type."""
    tickets = int_resolved_tickets
    minutes = tickets["resolution_business_min"].to_numpy(dtype=np.float64)
    task_types = tickets["task_type"].fillna("")
    rows = []
    for comparison, group_a, mask_a, mask_b in _pairs(tickets, settings):
        group_b = {"tier": settings.deltas.baseline_tier, "reassignments": "0", "manager": "others"}[
            comparison
        ]
        for task_type in ["all", *sorted(set(task_types[mask_a | mask_b]) - {""})]:
            in_type = task_types == task_type if task_type != "all" else pd.Series(True, index=tickets.index)
            a, b = minutes[(mask_a & in_type).to_numpy()], minutes[(mask_b & in_type).to_numpy()]
            if len(a) and len(b):  # a group with no ticket has no row
                rows.append(delta_row(comparison, task_type, group_a, group_b, a, b))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    dedicated = frame["comparison"].eq("tier") & frame["group_a"].isin(settings.deltas.dedicated_tiers)
    claimed = tuple(settings.deltas.claimed_speedup_pct)
    frame.loc[dedicated, "claim"] = [
        claim_check(low, high, claimed)
        for low, high in zip(
            frame.loc[dedicated, "ci_low_pct"], frame.loc[dedicated, "ci_high_pct"], strict=True
        )
    ]
    floats = [c for c in COLUMNS if c.endswith(("_min", "_pct"))]
    texts = ["comparison", "task_type", "group_a", "group_b", "verdict", "claim"]
    return frame.astype(
        {c: "float64" for c in floats} | {c: "string" for c in texts} | {"n_a": "int64", "n_b": "int64"}
    )

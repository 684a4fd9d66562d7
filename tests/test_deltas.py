"""The bootstrap interval of resolution_deltas reproduced from DESIGN's recipe, written out
literally here: one (1000 × n_a) index array, then (1000 × n_b), percentiles of the deltas."""

from __future__ import annotations

import numpy as np
import pytest

from metrics.deltas import resolution_deltas as deltas


def literal_recipe(a: list[float], b: list[float]) -> tuple[float, float]:
    a_, b_ = np.sort(np.asarray(a, dtype=float)), np.sort(np.asarray(b, dtype=float))
    rng = np.random.default_rng(0)
    index_a = rng.integers(0, len(a_), size=(1000, len(a_)))
    index_b = rng.integers(0, len(b_), size=(1000, len(b_)))
    medians_a, medians_b = np.median(a_[index_a], axis=1), np.median(b_[index_b], axis=1)
    low, high = np.percentile(100 * (medians_a - medians_b) / medians_b, [2.5, 97.5])
    return float(low), float(high)


def test_the_hand_case_interval() -> None:
    # tests/fixtures/accounts/EXPECTED.md: a = [30, 60, 90], b = [60, 100, 140, 200]
    low, high = deltas.bootstrap_interval(np.array([90.0, 30, 60]), np.array([200.0, 60, 140, 100]))
    assert (low, high) == pytest.approx((-82.3529411, 12.5))
    assert deltas.verdict(low, high) == "no clear difference"


@pytest.mark.parametrize(("n_a", "n_b"), [(2, 3), (7, 50), (301, 40), (1000, 999)])
def test_the_vectorised_bootstrap_is_the_literal_recipe(
    n_a: int, n_b: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = np.random.default_rng(n_a).gamma(2.0, 120.0, n_a + n_b).round(1)
    monkeypatch.setattr(deltas, "CHUNK_DRAWS", 5_000)  # several chunks: the same stream as one draw
    assert deltas.bootstrap_interval(data[:n_a], data[n_a:]) == pytest.approx(
        literal_recipe(data[:n_a], data[n_a:])
    )


def test_one_ticket_has_no_interval_and_the_words_follow_the_interval() -> None:
    assert deltas.bootstrap_interval(np.array([5.0]), np.array([1.0, 2.0])) == (None, None)
    assert deltas.verdict(None, None) == "too few tickets"
    assert deltas.verdict(-40, -40) == "faster" and deltas.verdict(0.5, 9) == "slower"
    assert deltas.verdict(-1, 0) == "no clear difference"


def test_resamples_with_a_zero_median_b_count_as_numpy_counts_them() -> None:
    # a ticket opened and closed on a Saturday has 0 business minutes: a few of the 1,000
    # resamples of b have median 0 and an infinite delta, above the 97.5th percentile; the
    # interval stays finite, as the literal recipe gives it (it was null)
    a, b = [150.0, 30, 90, 45], [240.0, 0, 360, 60, 300, 120, 180]
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = literal_recipe(a, b)
    assert all(np.isfinite(expected))
    assert deltas.bootstrap_interval(np.array(a), np.array(b)) == pytest.approx(expected)
    assert deltas.bootstrap_interval(np.array(a), np.array(b)) == pytest.approx((-85.0, 62.5))
    # most resamples at 0 (b's own median is 0): no delta, and no interval beside it
    row = deltas.delta_row("tier", "all", "ism", "standard", np.array(a), np.array([0.0, 0, 0, 60]))
    assert (row["delta_pct"], row["ci_low_pct"], row["ci_high_pct"]) == (None, None, None)


def test_the_claim_of_seed_001() -> None:
    claimed = (60.0, 70.0)
    assert deltas.claim_check(-68, -58, claimed) == "consistent"
    assert deltas.claim_check(-55, -40, claimed) == "less than claimed"
    assert deltas.claim_check(-80, -71, claimed) == "more than claimed"


@pytest.mark.parametrize("n", [2_000, 2_001, 7_919])
def test_the_windowed_order_statistics_are_the_partitions(n: int) -> None:
    indices = np.random.default_rng(n).integers(0, n, size=(30, n))
    indices[0] = 0  # a row whose middle lies below the window
    indices[1, : n // 2 + 5] = n - 1  # and one whose middle lies above it: both partitioned whole
    low, high = (n - 1) // 2, n // 2
    ordered = np.partition(indices, [low, high], axis=1)
    low_index, high_index = deltas.order_statistics(indices, low, high)
    assert np.array_equal(low_index, ordered[:, low]) and np.array_equal(high_index, ordered[:, high])


def test_the_windowed_bootstrap_is_the_literal_recipe(monkeypatch: pytest.MonkeyPatch) -> None:
    n_a, n_b = 2_500, 2_001  # both sides through the window
    data = np.random.default_rng(7).gamma(2.0, 120.0, n_a + n_b).round(1)
    monkeypatch.setattr(deltas, "CHUNK_DRAWS", 400_000)
    assert deltas.bootstrap_interval(data[:n_a], data[n_a:]) == pytest.approx(
        literal_recipe(data[:n_a], data[n_a:])
    )

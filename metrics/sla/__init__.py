"""SLA judgement in business time: targets, pauses, due dates and states, vectorised."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class SlaPolicy:
    """One tier's SLA: the targets (business minutes) and how statuses are read."""

    calendar: str
    first_response_min: Mapping[str, float]  # by channel; a channel not listed is not judged
    resolution_min: Mapping[str, float]  # by task type; compound is per subtask
    pause_statuses: tuple[str, ...]
    resolved_statuses: tuple[str, ...]
    at_risk_share: float


def compliance_rate(met: ArrayLike, breached: ArrayLike, open_breached: ArrayLike) -> np.ndarray:
    """Share of judged tickets that kept their promise, as Jira Service Management counts it.

    met ÷ (met + breached + open tickets already breached); open tickets still within their
    target are not in the denominator. NaN when nothing was judged.
    """
    met_ = np.asarray(met, dtype=np.float64)
    denominator = met_ + np.asarray(breached, dtype=np.float64) + np.asarray(open_breached, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, met_ / denominator, np.nan)

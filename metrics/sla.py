"""SLA judgement in business time: targets, pauses, due dates and states, vectorised."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class SlaPolicy:
    """One tier's SLA: the targets (business minutes) and how statuses are read."""

    calendar: str
    first_response_min: Mapping[str, float]  # by channel; a channel not listed is not judged
    resolution_min: Mapping[str, float]  # by task type; compound is per subtask
    pause_statuses: tuple[str, ...]
    resolved_statuses: tuple[str, ...]
    at_risk_share: float

"""How often our resolution verdict agrees with the source tool's own (ServiceNow's made_sla)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike


def source_agreement(resolution_met: ArrayLike, source_made_sla: ArrayLike) -> tuple[float | None, int]:
    """Share of tickets judged by both sides where our verdict (met / breached) equals the tool's,
    and how many tickets both judged; None when none was."""
    ours = pd.array(np.asarray(resolution_met, dtype=object), dtype="boolean")
    theirs = pd.array(np.asarray(source_made_sla, dtype=object), dtype="boolean")
    both = ~(ours.isna() | theirs.isna())
    judged = int(both.sum())
    if not judged:
        return None, 0
    agree = int((ours[both] == theirs[both]).sum())
    return agree / judged, judged

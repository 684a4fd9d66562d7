"""The English words beside the reason codes in `account_health` (the pages word the codes in the
reader's language with metrics.health.reasons)."""

from __future__ import annotations

import pandas as pd

from metrics.health.reasons import describe
from metrics.models import python_model


@python_model("int_account_health_scores", materialized="temp", unique=("account_id",))
def health_reason_texts(int_account_health_scores: pd.DataFrame) -> pd.DataFrame:
    """Each account's reasons and upsell blockers in English."""
    scores = int_account_health_scores
    return pd.DataFrame(
        {
            "account_id": scores["account_id"].astype("string"),
            "reasons_text": scores["reasons"].map(describe).astype("string"),
            "upsell_text": scores["upsell_blockers"].map(describe).astype("string"),
        }
    )

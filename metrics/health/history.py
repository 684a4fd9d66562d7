"""The health score as of each of the last 12 month ends: the same model, computed from the data
as it stood then (an account sliding from green to red shows as it happened)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from metrics.models import SeriesModel

MONTHS = 12


def month_ends(as_of: datetime, settings: Any) -> pd.DataFrame:
    """The last 12 month ends before as-of (local midnights of the default calendar), each
    labelled with its month's first day."""
    zone = ZoneInfo(settings.default_timezone)
    this_month = pd.Timestamp(as_of).tz_convert(zone).normalize().replace(day=1)
    ends = [
        this_month - pd.DateOffset(months=back) for back in range(MONTHS)
    ]  # the next month's first midnight
    return pd.DataFrame(
        {
            "as_of": pd.to_datetime([end.tz_convert("UTC") for end in ends], utc=True),
            "month": [(end - pd.DateOffset(months=1)).date() for end in ends],
        }
    )


account_health_monthly = SeriesModel(
    name="account_health_monthly",
    of="int_account_health_scores",
    dates=month_ends,
    date_column="month",
    unique=("month", "account_id"),
    variables=(("recent_ticket_days", 90),),  # support and CSAT read 90 days; open tickets any age
)

"""The call list: each CS manager's accounts that pay for modules they do not use, the most money
at stake first, with what to offer the client's head (seed 000: call the head and offer to set
up the unused modules)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pandas as pd

from metrics.models import python_model

WORDS: dict[str, dict[str, str]] = {
    "never_used": {"en": "{module}: paid, never used", "ru": "{module}: оплачен, ни разу не использовался"},
    "unused_for": {
        "en": "{module}: paid, unused for {days} days",
        "ru": "{module}: оплачен, не используется {days} дн.",
    },
    "low_rate": {
        "en": "{module}: used by {pct}% of users",
        "ru": "{module}: пользуются {pct}% пользователей",
    },
    "action": {
        "en": "Call the head of {account}: offer to set up {modules}",
        "ru": "Позвонить руководителю {account}: предложить настроить {modules}",
    },
}


def gap_phrase(gap: dict[str, Any], language: str = "en") -> str:
    """One unused module in words: never used, unused for N days, or used by too few."""
    if gap.get("days") is None and not gap.get("users"):
        return WORDS["never_used"][language].format(module=gap["module"])
    if not gap.get("users"):
        return WORDS["unused_for"][language].format(module=gap["module"], days=gap["days"])
    pct = f"{100 * (gap.get('rate') or 0):.0f}"
    return WORDS["low_rate"][language].format(module=gap["module"], pct=pct)


def offer_text(gaps_json: str, language: str = "en") -> str:
    return "; ".join(gap_phrase(gap, language) for gap in json.loads(gaps_json))


def action_text(account: str, gaps_json: str, language: str = "en") -> str:
    modules = ", ".join(gap["module"] for gap in json.loads(gaps_json))
    return WORDS["action"][language].format(account=account, modules=modules)


@python_model("adoption_gaps", "stg_accounts", unique=("account_id",))
def call_list(adoption_gaps: pd.DataFrame, stg_accounts: pd.DataFrame, as_of: datetime) -> pd.DataFrame:
    """Accounts with gaps (churned ones aside), ranked per manager by value at stake."""
    churned_at = pd.to_datetime(stg_accounts["churned_at"], utc=True)
    live = stg_accounts[~(churned_at <= pd.Timestamp(as_of)).fillna(False)]
    gaps = adoption_gaps[adoption_gaps["is_gap"].astype(bool)].merge(
        live[["account_id", "account_name", "cs_manager"]], on="account_id"
    )
    gaps = gaps.sort_values(["account_id", "module"])
    gaps["gap"] = [
        {
            "module": m,
            "days": None if pd.isna(d) else int(d),
            "users": int(u),
            "rate": None if pd.isna(r) else float(r),
        }
        for m, d, u, r in zip(
            gaps["module"],
            gaps["days_since_used"],
            gaps["active_users_30d"],
            gaps["adoption_rate"],
            strict=True,
        )
    ]
    accounts = gaps.groupby("account_id", sort=True).agg(
        account_name=("account_name", "first"),
        cs_manager=("cs_manager", "first"),
        value_at_stake=("value_at_stake", "first"),
        gap_count=("module", "size"),
        gaps=("gap", lambda column: json.dumps(list(column), ensure_ascii=False)),
    )
    accounts = accounts.reset_index()
    names = accounts["account_name"].fillna(accounts["account_id"])
    accounts["offer_text"] = [offer_text(g) for g in accounts["gaps"]]
    accounts["action_text"] = [action_text(n, g) for n, g in zip(names, accounts["gaps"], strict=True)]
    accounts = accounts.sort_values(["value_at_stake", "account_id"], ascending=[False, True], kind="stable")
    accounts["rank"] = accounts.groupby(accounts["cs_manager"].fillna(""), sort=False).cumcount() + 1
    columns = ["cs_manager", "rank", "account_id", "account_name", "value_at_stake", "gap_count", "gaps",
               "offer_text", "action_text"]  # fmt: skip
    out = accounts[columns].reset_index(drop=True)
    return out.astype(
        {
            c: "string"
            for c in ("cs_manager", "account_id", "account_name", "gaps", "offer_text", "action_text")
        }
        | {"rank": "int64", "gap_count": "int64", "value_at_stake": "float64"}
    )

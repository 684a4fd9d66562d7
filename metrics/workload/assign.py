"""Suggested CS managers for the accounts that have none (seed 000: the clients with the most
paid seats get a manager): biggest paid_seats first, each to the manager under capacity with the
least complexity so far; ties by manager name, then account_id (DESIGN)."""

from __future__ import annotations

import pandas as pd

LOAD_DIGITS = 9


def suggest_managers(
    workload: pd.DataFrame, unassigned: pd.DataFrame, capacity: int, top: int | None = None
) -> pd.DataFrame:
    """`workload`: cs_manager, accounts, complexity_total. `unassigned`: account_id, paid_seats,
    complexity_score. One row per account given a manager (or none when all are full)."""
    load = {
        row.cs_manager: [int(row.accounts), float(row.complexity_total or 0)]
        for row in workload.sort_values("cs_manager").itertuples()
    }
    order = unassigned.sort_values(["paid_seats", "account_id"], ascending=[False, True])
    if top is not None:
        order = order.head(top)
    rows = []
    for account in order.itertuples():  # one step per account: each choice changes the next
        # loads are sums of decimal scores (0.1 + 0.2 is 0.30000000000000004): compared at 1e-9, so a
        # tie is a tie and goes to the first name
        free = [
            (round(complexity, LOAD_DIGITS), name)
            for name, (accounts, complexity) in load.items()
            if accounts < capacity
        ]
        manager = min(free)[1] if free else None
        if manager is not None:
            load[manager][0] += 1
            load[manager][1] += float(account.complexity_score or 0)
        rows.append(
            {
                "account_id": account.account_id,
                "paid_seats": int(account.paid_seats),
                "complexity_score": account.complexity_score,
                "suggested_manager": manager,
                "manager_accounts_after": load[manager][0] if manager else None,
                "manager_complexity_after": load[manager][1] if manager else None,
            }
        )
    return pd.DataFrame(rows, columns=["account_id", "paid_seats", "complexity_score", "suggested_manager",
                                       "manager_accounts_after", "manager_complexity_after"])  # fmt: skip

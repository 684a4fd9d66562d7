"""Slow, obviously-right references for the account marts (DESIGN, "Warehouse contract" and the
"Edge rules" sections "Adoption and health" and "Deltas, pricing, workload").

Written from DESIGN's text alone, independently of `metrics/`: plain Python loops over one
account (or one comparison) at a time, pandas only to carry frames in and out, numpy only for
the bootstrap recipe DESIGN prescribes. Inputs are the staging tables (or the canonical CSVs read
with pandas) and the `sla_tickets` mart; SLA states are taken from `sla_tickets`, never re-derived.

Every function takes an explicit `settings` dict shaped like DESIGN's TOML tables
([pricing], [deltas], [adoption], [health]; see DEFAULT_SETTINGS and settings_from_toml), an
`as_of` (timezone-aware datetime) and `timezone`, the default calendar's IANA zone: usage event
instants become local dates in it, and as-of's local date is taken in it.

Where DESIGN leaves a point open, the choice made is marked `# CHOICE:` so that the pipeline can
be aligned with it (or the oracle changed, deliberately).
"""

from __future__ import annotations

import copy
import math
import tomllib
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

# DESIGN, "Configuration": the defaults of the four tables these marts read.
DEFAULT_SETTINGS: dict[str, dict[str, Any]] = {
    "pricing": {
        "implementation_points": {"self": 0, "basic": 1, "standard": 2, "complex": 4},
        "weights": {
            "implementation": 1.0,
            "implementation_hours": 0.05,
            "custom_enhancements": 0.5,
            "active_users": 0.02,
        },
        "base_price": 10000,
        "price_per_point": 2000,
        "manager_capacity": 10,
        "tolerance": 0.15,
    },
    "deltas": {
        "baseline_tier": "standard",
        "dedicated_tiers": ["ism"],  # the verdict's tiers and claim: not read by the oracle's marts
        "claimed_speedup_pct": [60, 70],
    },
    "adoption": {"window_days": 30, "min_adoption_rate": 0.2},
    "health": {
        "weights": {"usage": 35, "adoption": 20, "support": 25, "csat": 10, "renewal": 10},
        "bands": {"green": 70, "yellow": 40},
        "seats_full": 0.8,
        "churn_min_labels": 10,
    },
}

COMPONENTS = ("usage", "adoption", "support", "csat", "renewal")
PREVIOUS_DAYS = 60  # DESIGN: "previous 60" is the 60 dates before W, whatever window_days is
SUPPORT_DAYS = 90  # DESIGN: support and csat use the tickets created in the 90 days before as-of
BOOTSTRAP_RESAMPLES = 1000


def settings_from_toml(text: str = "") -> dict[str, dict[str, Any]]:
    """DESIGN "Configuration": a config file is laid over the defaults table by table; a key given
    replaces the default whole (inline tables are not merged key by key)."""
    settings = copy.deepcopy(DEFAULT_SETTINGS)
    user = tomllib.loads(text) if text else {}
    for table, values in user.items():
        if table in settings:
            for key, value in values.items():
                settings[table][key] = copy.deepcopy(value)
    return settings


# --- small value helpers (frames may come from CSV, pandas or DuckDB) ---------------------------


def _null(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _instant(value: Any) -> pd.Timestamp | None:
    """A UTC instant, or None. Naive values are taken as UTC (staging stores UTC instants)."""
    if _null(value):
        return None
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        return stamp.tz_localize("UTC")
    return stamp.tz_convert("UTC")


def _day(value: Any) -> date | None:
    """A calendar date, or None."""
    if _null(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def _flag(value: Any) -> bool:
    if _null(value):
        return False
    if isinstance(value, str):
        return value.strip().lower() in ("true", "t", "yes", "y", "1")
    return bool(value)


def _text(value: Any) -> str | None:
    if _null(value):
        return None
    text = str(value).strip()
    return text or None


def _number(value: Any) -> float | None:
    if _null(value):
        return None
    return float(value)


def _rows(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    if frame is None or len(frame) == 0:
        return []
    return frame.to_dict("records")


def _local_date(instant: pd.Timestamp, timezone: str) -> date:
    return instant.to_pydatetime().astimezone(ZoneInfo(timezone)).date()


def _as_of_instant(as_of: datetime) -> pd.Timestamp:
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    stamp = _instant(as_of)
    assert stamp is not None
    return stamp


def _dates(first: date, last: date) -> list[date]:
    """Local dates first..last inclusive."""
    out = []
    day = first
    while day <= last:
        out.append(day)
        day += timedelta(days=1)
    return out


def _windows(as_of_day: date, window_days: int) -> dict[str, list[date]]:
    """DESIGN "Adoption and health": W = as-of's date - W .. as-of's date - 1; "previous 60" = the 60
    dates before W; the window before W (for trend_pct) = the window_days dates before W."""
    w_first = as_of_day - timedelta(days=window_days)
    return {
        "W": _dates(w_first, as_of_day - timedelta(days=1)),
        "prevW": _dates(w_first - timedelta(days=window_days), w_first - timedelta(days=1)),
        "prev60": _dates(w_first - timedelta(days=PREVIOUS_DAYS), w_first - timedelta(days=1)),
    }


def _real_accounts(accounts: pd.DataFrame) -> list[dict[str, Any]]:
    """Accounts without placeholders (DESIGN: placeholders are not in health, pricing or workload)."""
    # CHOICE: an account is a placeholder when staging says so (`is_placeholder`); ticket account
    # ids missing from `accounts` are placeholders too and are simply never looked at here.
    # Placeholders are also left out of adoption_gaps (they have no modules or usage).
    rows = [row for row in _rows(accounts) if not _flag(row.get("is_placeholder"))]
    return sorted(rows, key=lambda row: str(row["account_id"]))


def _is_churned(account: dict[str, Any], as_of: pd.Timestamp) -> bool:
    """DESIGN: churned = churned_at <= as-of (a churned_at after as-of is not churned yet)."""
    churned_at = _instant(account.get("churned_at"))
    return churned_at is not None and churned_at <= as_of


# --- usage: one account's events and daily rows, as local dates before as-of's date -------------


class _Usage:
    """One account's usage before as-of's local date: events (date, module, user) and daily rows
    (date, module, active_users)."""

    # CHOICE: usage counts only local dates before as-of's date (the window's own rule), also for
    # last_used_at: a daily row cannot be cut at the as-of instant, so events of as-of's date are
    # left out as well, and both sources mean the same thing.

    def __init__(self) -> None:
        self.events: list[tuple[date, str, str]] = []
        self.daily: list[tuple[date, str, int]] = []

    def period(self, dates: list[date]) -> tuple[dict[str, int], int, str]:
        """(users per module, account users, source) over a period of dates.

        DESIGN: a module's users are its distinct user_ids in the period when usage_events has the
        account in the period ("Has events" is decided per account over W), else the largest daily
        active_users; the account's users are its distinct user_ids across modules, else the
        largest module figure.
        """
        # CHOICE: the previous window (for trend_pct) decides its own source the same way, per
        # account over that window.
        wanted = set(dates)
        events = [event for event in self.events if event[0] in wanted]
        if events:
            per_module: dict[str, set[str]] = {}
            for _, module, user in events:
                per_module.setdefault(module, set()).add(user)
            users = {module: len(ids) for module, ids in per_module.items()}
            everyone = set().union(*per_module.values())
            return users, len(everyone), "events"
        figures: dict[str, int] = {}
        for day, module, active in self.daily:
            if day in wanted:
                figures[module] = max(figures.get(module, 0), active)
        # CHOICE: a daily row with active_users 0 is not use: a module with only such rows has 0
        # users and, unless paid, no adoption_gaps row.
        figures = {module: users for module, users in figures.items() if users > 0}
        if figures:
            return figures, max(figures.values()), "daily"
        return {}, 0, "none"

    def day_users(self, day: date) -> int:
        """DESIGN (usage component): per day, distinct users, else the largest module figure."""
        # CHOICE: this fallback is decided per date (a date with any event of the account counts
        # its distinct users; a date without events counts its largest daily module figure), so an
        # account whose export switched from daily rows to events keeps its history. Only the
        # adoption figures use the per-account-over-W decision that DESIGN states for them.
        users = {user for event_day, _, user in self.events if event_day == day}
        if users:
            return len(users)
        figures = [active for row_day, _, active in self.daily if row_day == day]
        return max(figures, default=0)

    def mean_users(self, dates: list[date]) -> Fraction:
        """DESIGN: a mean is the sum / the number of dates, missing dates counting 0. Exact: the
        rules compare it with 0.75 and 1.1 times another mean, and a tie must land on its side."""
        return Fraction(sum(self.day_users(day) for day in dates), len(dates))

    def last_used(self, module: str) -> date | None:
        """The latest date the module was used (any source, not only in W)."""
        # CHOICE: last_used_at is a local DATE (daily rows carry no time), the latest date before
        # as-of's date with an event or a daily row with active_users > 0, over all history.
        days = [day for day, mod, _ in self.events if mod == module]
        days += [day for day, mod, active in self.daily if mod == module and active > 0]
        return max(days, default=None)


def _usage_by_account(
    usage_daily: pd.DataFrame | None, usage_events: pd.DataFrame | None, as_of_day: date, timezone: str
) -> dict[str, _Usage]:
    usage: dict[str, _Usage] = {}
    for row in _rows(usage_events):
        instant = _instant(row["at"])
        if instant is None:
            continue
        day = _local_date(instant, timezone)
        if day < as_of_day:
            usage.setdefault(str(row["account_id"]), _Usage()).events.append(
                (day, str(row["module"]), str(row["user_id"]))
            )
    for row in _rows(usage_daily):
        day = _day(row["date"])
        if day is not None and day < as_of_day and not _null(row["active_users"]):
            usage.setdefault(str(row["account_id"]), _Usage()).daily.append(
                (day, str(row["module"]), int(row["active_users"]))
            )
    return usage


def _modules_by_account(account_modules: pd.DataFrame | None) -> dict[str, dict[str, bool]]:
    """account_id -> {module: paid}."""
    modules: dict[str, dict[str, bool]] = {}
    for row in _rows(account_modules):
        modules.setdefault(str(row["account_id"]), {})[str(row["module"])] = _flag(row["paid"])
    return modules


def _adoption_rows(
    account: dict[str, Any],
    listed: dict[str, bool],
    usage: _Usage,
    windows: dict[str, list[date]],
    min_rate: float,
) -> list[dict[str, Any]]:
    """adoption_gaps rows of one account (DESIGN "Warehouse contract", `adoption_gaps`)."""
    module_users, account_users, source = usage.period(windows["W"])
    previous_users, _, _ = usage.period(windows["prevW"])
    paid_modules = sorted(module for module, paid in listed.items() if paid)
    # DESIGN: a row for every paid module and every module used in W
    modules = sorted(set(paid_modules) | set(module_users))
    seats = _number(account.get("paid_seats"))
    # CHOICE: seat utilisation is null when paid_seats is 0 (or missing): there is no ratio.
    utilisation = account_users / seats if seats else None
    rows = []
    for module in modules:
        users = module_users.get(module, 0)
        paid = module in paid_modules
        rate = users / account_users if account_users else None
        is_gap = paid and (users == 0 or rate is None or rate < min_rate)
        before = previous_users.get(module, 0)
        # issue: trend_pct = 100 x (users_W - users_prevW) / users_prevW, null when previous is 0
        trend = 100.0 * (users - before) / before if before else None
        rows.append(
            {
                "account_id": account["account_id"],
                "module": module,
                "paid": paid,
                "active_users_30d": users,
                "adoption_rate": rate,
                "last_used_at": usage.last_used(module),
                "is_gap": is_gap,
                "account_users_30d": account_users,
                "paid_seats": None if seats is None else int(seats),
                "seat_utilisation": utilisation,
                "users_prev_window": before,
                "trend_pct": trend,
                "usage_source": source,
            }
        )
    gaps = sum(1 for row in rows if row["is_gap"])
    # DESIGN: value at stake = mrr x (gap modules / paid modules), repeated on the account's rows.
    # CHOICE: null when the account has no paid module (0 / 0); mrr missing counts 0.
    mrr = _number(account.get("mrr")) or 0.0
    value = mrr * gaps / len(paid_modules) if paid_modules else None
    for row in rows:
        row["paid_modules"] = len(paid_modules)
        row["gap_modules"] = gaps
        row["value_at_stake"] = value
    return rows


ADOPTION_COLUMNS = [
    "account_id",
    "module",
    "paid",
    "active_users_30d",
    "adoption_rate",
    "last_used_at",
    "is_gap",
    "account_users_30d",
    "paid_seats",
    "seat_utilisation",
    "paid_modules",
    "gap_modules",
    "value_at_stake",
    "users_prev_window",
    "trend_pct",
    "usage_source",
]


def adoption_gaps(
    accounts: pd.DataFrame,
    account_modules: pd.DataFrame | None,
    usage_daily: pd.DataFrame | None,
    usage_events: pd.DataFrame | None,
    settings: dict[str, dict[str, Any]],
    as_of: datetime,
    timezone: str = "Europe/Moscow",
) -> pd.DataFrame:
    """DESIGN `adoption_gaps` + "Adoption and health": one row per paid module and per module used in W."""
    # CHOICE: every non-placeholder account is listed, churned ones included (the mart is data;
    # pages may filter). Modules and usage of account ids not in `accounts` are ignored.
    as_of_ts = _as_of_instant(as_of)
    as_of_day = _local_date(as_of_ts, timezone)
    windows = _windows(as_of_day, int(settings["adoption"]["window_days"]))
    usage = _usage_by_account(usage_daily, usage_events, as_of_day, timezone)
    modules = _modules_by_account(account_modules)
    rows: list[dict[str, Any]] = []
    for account in _real_accounts(accounts):
        account_id = str(account["account_id"])
        rows += _adoption_rows(
            account,
            modules.get(account_id, {}),
            usage.get(account_id, _Usage()),
            windows,
            float(settings["adoption"]["min_adoption_rate"]),
        )
    return pd.DataFrame(rows, columns=ADOPTION_COLUMNS)


# --- account health ------------------------------------------------------------------------------


def _tickets_by_account(sla_tickets: pd.DataFrame | None, as_of: pd.Timestamp) -> dict[str, list[dict]]:
    """sla_tickets rows created as of as-of, per account."""
    tickets: dict[str, list[dict[str, Any]]] = {}
    for row in _rows(sla_tickets):
        created = _instant(row["created_at"])
        if created is not None and created <= as_of:
            tickets.setdefault(str(row["account_id"]), []).append(row)
    return tickets


def _usage_component(
    utilisation: float | None,
    account_users: int,
    seats: float | None,
    mean_w: Fraction,
    mean_prev: Fraction,
    seats_full: float,
) -> tuple[float, str]:
    """DESIGN usage: seat utilisation banded (>= seats_full 100, >= 0.5 60, else 0), less 20
    (floored at 0) when the W mean daily users fell more than 25 % below the previous 60 days'."""
    if not seats:
        score, text = 0.0, "no paid seats"
    else:
        assert utilisation is not None
        if utilisation >= seats_full:
            score = 100.0
        elif utilisation >= 0.5:
            score = 60.0
        else:
            score = 0.0
        text = f"{account_users} users / {seats:g} seats = {utilisation:.2f} -> {score:g}"
    # CHOICE: "fell more than 25 % below" is mean_W < 0.75 x mean_prev60; a previous mean of 0
    # cannot fall. The penalty applies to the "no paid seats" 0 too (it stays 0).
    if mean_prev > 0 and mean_w < Fraction(3, 4) * mean_prev:
        score = max(score - 20.0, 0.0)
        fell = f"from {float(mean_prev):.2f} to {float(mean_w):.2f}"
        text += f", less 20 as mean daily users fell {fell} (floored at 0)"
    return score, f"usage {score:g}: {text}"


def _support_component(recent: list[dict[str, Any]], everything: list[dict[str, Any]]) -> tuple:
    """DESIGN support: resolution compliance of the last 90 days' tickets (met / (met + breached +
    open_breached)), less 25 per open breached bug of any age, floored at 0; missing when none is
    judged."""
    states = [_text(row.get("sla_state")) for row in recent]
    met = states.count("met")
    judged = met + states.count("breached") + states.count("open_breached")
    if judged == 0:
        # CHOICE: missing stays missing even when an older open breached bug exists (that ticket
        # still blocks upsell_ready and shows in the workload).
        return None, "support missing: no judged ticket in 90 days"
    bugs = sum(
        1
        for row in everything
        if _text(row.get("sla_state")) == "open_breached" and _text(row.get("task_type")) == "bug"
    )
    score = max(100.0 * met / judged - 25.0 * bugs, 0.0)
    text = f"support {score:g}: {met} met of {judged} judged"
    if bugs:
        text += f", less 25 x {bugs} open breached bug(s) (floored at 0)"
    return score, text


def _csat_component(recent: list[dict[str, Any]]) -> tuple:
    """DESIGN csat: (mean csat - 1) / 4 x 100 over the last 90 days' tickets."""
    marks = [float(row["csat"]) for row in recent if not _null(row.get("csat"))]
    if not marks:
        return None, "csat missing: no rated ticket in 90 days"
    mean = sum(marks) / len(marks)
    score = (mean - 1.0) / 4.0 * 100.0
    return score, f"csat {score:g}: mean {mean:.2f} over {len(marks)} rated ticket(s)"


def _renewal_component(account: dict[str, Any], as_of_day: date) -> tuple:
    """DESIGN renewal: 100 beyond 90 days to renewal, 50 beyond 30, else 0."""
    renewal = _day(account.get("renewal_date"))
    if renewal is None:
        return None, "renewal missing: no renewal date"
    # CHOICE: days to renewal = renewal_date - as-of's local date; a renewal date already past
    # scores 0 like any renewal within 30 days.
    days = (renewal - as_of_day).days
    score = 100.0 if days > 90 else 50.0 if days > 30 else 0.0
    return score, f"renewal {score:g}: {days} days to renewal"


HEALTH_COLUMNS = [
    "account_id",
    "health_score",
    "band",
    *COMPONENTS,
    "upsell_ready",
    "upsell_blockers",
    "reasons",
    "seat_utilisation",
    "mean_users_w",
    "mean_users_prev60",
    "usage_up",
    "is_churned",
    "open_breached_tickets",
]


def account_health(
    accounts: pd.DataFrame,
    account_modules: pd.DataFrame | None,
    usage_daily: pd.DataFrame | None,
    usage_events: pd.DataFrame | None,
    sla_tickets: pd.DataFrame | None,
    settings: dict[str, dict[str, Any]],
    as_of: datetime,
    timezone: str = "Europe/Moscow",
) -> pd.DataFrame:
    """DESIGN `account_health` + "Adoption and health": components, weighted score, band, upsell."""
    health = settings["health"]
    as_of_ts = _as_of_instant(as_of)
    as_of_day = _local_date(as_of_ts, timezone)
    windows = _windows(as_of_day, int(settings["adoption"]["window_days"]))
    usage = _usage_by_account(usage_daily, usage_events, as_of_day, timezone)
    modules = _modules_by_account(account_modules)
    tickets = _tickets_by_account(sla_tickets, as_of_ts)
    # CHOICE: "created in the 90 days before as-of" is the instant interval
    # [as-of - 90 x 24 h, as-of], both ends included.
    since = as_of_ts - pd.Timedelta(days=SUPPORT_DAYS)
    seats_full = float(health["seats_full"])
    rows = []
    for account in _real_accounts(accounts):
        account_id = str(account["account_id"])
        account_usage = usage.get(account_id, _Usage())
        gaps = _adoption_rows(
            account,
            modules.get(account_id, {}),
            account_usage,
            windows,
            float(settings["adoption"]["min_adoption_rate"]),
        )
        _, account_users, _ = account_usage.period(windows["W"])
        seats = _number(account.get("paid_seats"))
        utilisation = account_users / seats if seats else None
        mean_w = account_usage.mean_users(windows["W"])
        mean_prev = account_usage.mean_users(windows["prev60"])

        components: dict[str, float | None] = {}
        reasons: list[str] = []
        components["usage"], text = _usage_component(
            utilisation, account_users, seats, mean_w, mean_prev, seats_full
        )
        reasons.append(text)

        paid = [row for row in gaps if row["paid"]]
        if paid:
            adopted = sum(1 for row in paid if not row["is_gap"])
            components["adoption"] = 100.0 * adopted / len(paid)
            reasons.append(
                f"adoption {components['adoption']:g}: {adopted} of {len(paid)} paid modules not gaps"
            )
        else:
            components["adoption"] = None
            reasons.append("adoption missing: no paid modules")

        own = tickets.get(account_id, [])
        recent = [row for row in own if _instant(row["created_at"]) >= since]  # type: ignore[operator]
        components["support"], text = _support_component(recent, own)
        reasons.append(text)
        components["csat"], text = _csat_component(recent)
        reasons.append(text)
        components["renewal"], text = _renewal_component(account, as_of_day)
        reasons.append(text)

        weights = {name: float(health["weights"].get(name, 0)) for name in COMPONENTS}
        present = [name for name in COMPONENTS if components[name] is not None]
        missing = [name for name in COMPONENTS if components[name] is None]
        total = sum(weights[name] for name in present)
        # Bands apply to the unrounded score (DESIGN).
        # CHOICE: health_score (and every component) is returned unrounded; pages round.
        score = (
            sum(weights[name] * components[name] for name in present) / total  # type: ignore[operator]
            if total
            else None
        )
        if missing:
            reasons.append(f"{', '.join(missing)} missing: weighting redistributed over {', '.join(present)}")
        if score is None:
            band = None
        elif score >= float(health["bands"]["green"]):
            band = "green"
        elif score >= float(health["bands"]["yellow"]):
            band = "yellow"
        else:
            band = "red"

        # DESIGN: usage up >= 10 % is mean_W >= 1.1 x mean_prev60, previous 0 and last > 0 is up.
        # CHOICE: both means 0 is not up.
        usage_up = mean_w > 0 if mean_prev == 0 else mean_w >= Fraction(11, 10) * mean_prev
        open_breached = sum(1 for row in own if _text(row.get("sla_state")) == "open_breached")
        churned = _is_churned(account, as_of_ts)
        blockers = []
        if band != "green":
            blockers.append("not green")
        if not ((utilisation is not None and utilisation >= seats_full) or usage_up):
            blockers.append("seats not nearly full and usage not up 10 %")
        if open_breached:
            blockers.append("open breached ticket")
        if churned:
            blockers.append("churned")
        ready = not blockers
        reasons.append("upsell ready" if ready else "don't pitch now: " + "; ".join(blockers))
        rows.append(
            {
                "account_id": account["account_id"],
                "health_score": score,
                "band": band,
                **components,
                "upsell_ready": ready,
                "upsell_blockers": blockers,
                "reasons": "; ".join(reasons),
                "seat_utilisation": utilisation,
                "mean_users_w": float(mean_w),
                "mean_users_prev60": float(mean_prev),
                "usage_up": usage_up,
                "is_churned": churned,
                "open_breached_tickets": open_breached,
            }
        )
    return pd.DataFrame(rows, columns=HEALTH_COLUMNS)


# --- complexity pricing and workload ------------------------------------------------------------

PRICING_INPUTS = ("implementation_type", "implementation_hours", "custom_enhancements", "active_users")
PRICING_COLUMNS = [
    "account_id",
    "complexity_score",
    "price",
    *PRICING_INPUTS,
    "implementation_points",
    "flags",
    "support_price",
    "price_difference",
    "price_gap_pct",
    "pricing_status",
]


def complexity_pricing(
    accounts: pd.DataFrame,
    settings: dict[str, dict[str, Any]],
    as_of: datetime | None = None,
    timezone: str = "Europe/Moscow",
) -> pd.DataFrame:
    """DESIGN `complexity_pricing`: complexity = points x w + hours x w + enhancements x w + users x w;
    price = base + rate x complexity; a missing input or unknown type counts 0 and is flagged."""
    # as_of and timezone are unused: pricing reads only the current accounts row.
    # CHOICE: churned accounts are priced too (only placeholders are left out, as DESIGN says).
    pricing = settings["pricing"]
    points_table = {
        str(key).strip().lower(): float(value) for key, value in pricing["implementation_points"].items()
    }
    weights = pricing["weights"]
    tolerance = float(pricing["tolerance"])
    rows = []
    for account in _real_accounts(accounts):
        flags = []
        kind = _text(account.get("implementation_type"))
        # CHOICE: the type is matched after trimming and lower-casing (staging normalises it).
        if kind is None:
            points = 0.0
            flags.append("implementation_type missing")
        elif kind.lower() in points_table:
            points = points_table[kind.lower()]
        else:
            points = 0.0
            flags.append(f"implementation_type unknown ({kind})")
        values = {}
        for name in PRICING_INPUTS[1:]:
            value = _number(account.get(name))
            if value is None:
                flags.append(f"{name} missing")
            values[name] = value
        complexity = (
            points * float(weights["implementation"])
            + (values["implementation_hours"] or 0.0) * float(weights["implementation_hours"])
            + (values["custom_enhancements"] or 0.0) * float(weights["custom_enhancements"])
            + (values["active_users"] or 0.0) * float(weights["active_users"])
        )
        price = float(pricing["base_price"]) + float(pricing["price_per_point"]) * complexity
        support = _number(account.get("support_price"))
        difference = gap = status = None
        if support is not None:
            # issue: price_difference = price - support_price; 'underpriced' when (price -
            # support_price) / support_price > tolerance (the account pays less than the formula
            # says), 'overpriced' when < -tolerance, else 'in_line' (boundaries are in_line).
            difference = price - support
            if support > 0:
                gap = 100.0 * difference / support
                ratio = difference / support
                status = (
                    "underpriced" if ratio > tolerance else "overpriced" if ratio < -tolerance else "in_line"
                )
            else:
                # CHOICE: support_price 0 has no ratio; any positive formula price is underpriced.
                status = "underpriced" if price > 0 else "in_line"
        rows.append(
            {
                "account_id": account["account_id"],
                "complexity_score": complexity,
                "price": price,
                # CHOICE: the inputs are shown as given (a missing one stays null; `flags` says it
                # counted 0); implementation_type as given, before lower-casing.
                "implementation_type": kind,
                **values,
                "implementation_points": points,
                # CHOICE: flags is one text, "; "-joined in input order, null when nothing is flagged.
                "flags": "; ".join(flags) if flags else None,
                "support_price": support,
                "price_difference": difference,
                "price_gap_pct": gap,
                "pricing_status": status,
            }
        )
    return pd.DataFrame(rows, columns=PRICING_COLUMNS)


WORKLOAD_COLUMNS = [
    "cs_manager",
    "accounts",
    "complexity_total",
    "capacity",
    "over_capacity",
    "open_tickets",
    "at_risk_tickets",
    "open_breached_tickets",
]


def manager_workload(
    accounts: pd.DataFrame,
    sla_tickets: pd.DataFrame | None,
    settings: dict[str, dict[str, Any]],
    as_of: datetime,
    timezone: str = "Europe/Moscow",
) -> pd.DataFrame:
    """DESIGN `manager_workload` + "Deltas, pricing, workload": non-churned, non-placeholder accounts
    per cs_manager; over_capacity = accounts > manager_capacity; open / at-risk / open-breached."""
    as_of_ts = _as_of_instant(as_of)
    capacity = int(settings["pricing"]["manager_capacity"])
    scores = {
        str(row["account_id"]): row["complexity_score"]
        for row in complexity_pricing(accounts, settings).to_dict("records")
    }
    # CHOICE: accounts without a cs_manager have no row (no "unassigned" manager); a manager whose
    # accounts are all churned has no row either.
    portfolio: dict[str, list[str]] = {}
    for account in _real_accounts(accounts):
        manager = _text(account.get("cs_manager"))
        if manager is not None and not _is_churned(account, as_of_ts):
            portfolio.setdefault(manager, []).append(str(account["account_id"]))
    tickets = _tickets_by_account(sla_tickets, as_of_ts)
    rows = []
    for manager in sorted(portfolio):
        # CHOICE: the tickets counted are those of the same accounts (non-churned, non-placeholder,
        # the manager being the account's current cs_manager), of any age.
        own = [ticket for account_id in portfolio[manager] for ticket in tickets.get(account_id, [])]

        def unresolved(ticket: dict[str, Any]) -> bool:
            resolved = _instant(ticket.get("resolved_at"))
            return resolved is None or resolved > as_of_ts

        states = [_text(ticket.get("sla_state")) for ticket in own]
        rows.append(
            {
                "cs_manager": manager,
                "accounts": len(portfolio[manager]),
                "complexity_total": sum(scores[account_id] for account_id in portfolio[manager]),
                "capacity": capacity,
                "over_capacity": len(portfolio[manager]) > capacity,
                "open_tickets": sum(1 for ticket in own if unresolved(ticket)),
                "at_risk_tickets": states.count("at_risk"),
                "open_breached_tickets": states.count("open_breached"),
            }
        )
    return pd.DataFrame(rows, columns=WORKLOAD_COLUMNS)


# --- resolution deltas ---------------------------------------------------------------------------

DELTA_COLUMNS = [
    "comparison",
    "task_type",
    "group_a",
    "group_b",
    "n_a",
    "n_b",
    "median_a_min",
    "median_b_min",
    "p90_a_min",
    "p90_b_min",
    "delta_pct",
    "ci_low_pct",
    "ci_high_pct",
    "verdict",
]


def bootstrap_interval(a: list[float], b: list[float]) -> tuple[float | None, float | None]:
    """DESIGN "Deltas": rng = default_rng(0); a (1000 x n_a) index array, then (1000 x n_b); the
    deltas of medians (as delta_pct); numpy.percentile(deltas, [2.5, 97.5]). Null below 2 tickets."""
    if len(a) < 2 or len(b) < 2:
        return None, None
    # CHOICE: each group's values are sorted ascending before resampling (so the draw does not
    # depend on row order: equal values are interchangeable), indices are drawn with
    # rng.integers(0, n, size=(1000, n)), and each resample's delta is
    # 100 x (median_a* - median_b*) / median_b*, as numpy divides: +-inf when median_b* is 0 (NaN
    # when median_a* is 0 too); the percentiles are over all of them, and a bound that is not a
    # finite number is null.
    values_a = np.array(sorted(a), dtype=float)
    values_b = np.array(sorted(b), dtype=float)
    rng = np.random.default_rng(0)
    index_a = rng.integers(0, len(values_a), size=(BOOTSTRAP_RESAMPLES, len(values_a)))
    index_b = rng.integers(0, len(values_b), size=(BOOTSTRAP_RESAMPLES, len(values_b)))
    deltas = []
    for draw in range(BOOTSTRAP_RESAMPLES):
        median_a = float(np.median(values_a[index_a[draw]]))
        median_b = float(np.median(values_b[index_b[draw]]))
        if median_b == 0:
            deltas.append(math.nan if median_a == 0 else math.copysign(math.inf, median_a))
        else:
            deltas.append(100.0 * (median_a - median_b) / median_b)
    low, high = (float(bound) for bound in np.percentile(np.array(deltas), [2.5, 97.5]))
    return (low if math.isfinite(low) else None), (high if math.isfinite(high) else None)


def _delta_row(comparison: str, task_type: str, group_a: str, group_b: str, a: list, b: list) -> dict:
    median_a = float(np.median(a))
    median_b = float(np.median(b))
    delta = 100.0 * (median_a - median_b) / median_b if median_b != 0 else None
    # CHOICE: a null delta (median_b 0) has a null interval, and its verdict is 'too few tickets'
    # like any other null interval.
    low, high = bootstrap_interval(a, b) if delta is not None else (None, None)
    if low is None or high is None:
        verdict = "too few tickets"
    elif high < 0:
        verdict = "faster"
    elif low > 0:
        verdict = "slower"
    else:
        verdict = "no clear difference"
    return {
        "comparison": comparison,
        "task_type": task_type,
        "group_a": group_a,
        "group_b": group_b,
        "n_a": len(a),
        "n_b": len(b),
        "median_a_min": median_a,
        "median_b_min": median_b,
        "p90_a_min": float(np.percentile(a, 90)),
        "p90_b_min": float(np.percentile(b, 90)),
        "delta_pct": delta,
        "ci_low_pct": low,
        "ci_high_pct": high,
        "verdict": verdict,
    }


def _reassignments(
    sla_rows: list[dict[str, Any]],
    tickets: pd.DataFrame | None,
    ticket_events: pd.DataFrame | None,
    as_of: pd.Timestamp,
) -> dict[str, int]:
    """DESIGN: tickets.reassignments, else the number of `assign` events less one, clamped at 0."""
    if tickets is None:
        # Without the staging tickets, trust sla_tickets.reassignments (the engine's figure).
        return {
            str(row["ticket_id"]): int(row["reassignments"]) if not _null(row.get("reassignments")) else 0
            for row in sla_rows
        }
    given = {str(row["ticket_id"]): row.get("reassignments") for row in _rows(tickets)}
    assigns: dict[str, int] = {}
    for row in _rows(ticket_events):
        at = _instant(row["at"])
        # DESIGN "Time": events after as-of are ignored.
        kind = (_text(row.get("kind")) or "").lower()
        if kind == "assign" and at is not None and at <= as_of:
            assigns[str(row["ticket_id"])] = assigns.get(str(row["ticket_id"]), 0) + 1
    out = {}
    for row in sla_rows:
        ticket_id = str(row["ticket_id"])
        value = given.get(ticket_id)
        # CHOICE: a ticket with neither a reassignments figure nor assign events counts 0 (the
        # literal rule: 0 events less one, clamped at 0).
        out[ticket_id] = int(value) if not _null(value) else max(assigns.get(ticket_id, 0) - 1, 0)
    return out


def resolution_deltas(
    sla_tickets: pd.DataFrame,
    tickets: pd.DataFrame | None,
    ticket_events: pd.DataFrame | None,
    settings: dict[str, dict[str, Any]],
    as_of: datetime,
    timezone: str = "Europe/Moscow",
) -> pd.DataFrame:
    """DESIGN `resolution_deltas` + "Deltas": tier vs baseline, reassignments 1 / 2+ vs 0, each manager
    vs others; per task_type 'all' and each type; medians, p90, delta_pct, bootstrap interval."""
    as_of_ts = _as_of_instant(as_of)
    # CHOICE: "resolved" = resolved_at not null and <= as-of with a resolution_business_min; the
    # tier is sla_tickets.tier (the account's current tier), the manager sla_tickets.cs_manager.
    resolved = []
    for row in _rows(sla_tickets):
        created = _instant(row["created_at"])
        done = _instant(row.get("resolved_at"))
        if (
            created is not None
            and created <= as_of_ts
            and done is not None
            and done <= as_of_ts
            and not _null(row.get("resolution_business_min"))
        ):
            resolved.append(row)
    # CHOICE: placeholder accounts' tickets are included (tier `standard`, no manager, as DESIGN
    # makes them): they are in every comparison that their data reaches.
    moves = _reassignments(resolved, tickets, ticket_events, as_of_ts)
    tickets_out = []
    for row in resolved:
        count = moves[str(row["ticket_id"])]
        tickets_out.append(
            {
                "minutes": float(row["resolution_business_min"]),
                "task_type": str(row["task_type"]),
                "tier": _text(row.get("tier")),
                "manager": _text(row.get("cs_manager")),
                "moves": "0" if count == 0 else "1" if count == 1 else "2+",
            }
        )
    task_types = sorted({ticket["task_type"] for ticket in tickets_out})

    def compare(comparison: str, name_a: str, name_b: str, in_a: Any, in_b: Any) -> list[dict]:
        out = []
        for task_type in ["all", *task_types]:
            of_type = [t for t in tickets_out if task_type == "all" or t["task_type"] == task_type]
            a = [t["minutes"] for t in of_type if in_a(t)]
            b = [t["minutes"] for t in of_type if in_b(t)]
            # DESIGN: groups with no ticket have no row.
            # CHOICE: a row needs at least one ticket on each side (per task type too).
            if a and b:
                out.append(_delta_row(comparison, task_type, name_a, name_b, a, b))
        return out

    rows: list[dict[str, Any]] = []
    baseline = str(settings["deltas"]["baseline_tier"])
    tiers = sorted({t["tier"] for t in tickets_out if t["tier"] is not None} - {baseline})
    for tier in tiers:
        rows += compare(
            "tier", tier, baseline, lambda t, tier=tier: t["tier"] == tier, lambda t: t["tier"] == baseline
        )
    for group in ("1", "2+"):
        rows += compare(
            "reassignments",
            group,
            "0",
            lambda t, group=group: t["moves"] == group,
            lambda t: t["moves"] == "0",
        )
    managers = sorted({t["manager"] for t in tickets_out if t["manager"] is not None})
    for manager in managers:
        rows += compare(
            "manager",
            manager,
            "others",
            lambda t, manager=manager: t["manager"] == manager,
            lambda t, manager=manager: t["manager"] is not None and t["manager"] != manager,
        )
    return pd.DataFrame(rows, columns=DELTA_COLUMNS)


def is_close(left: float | None, right: float | None, tolerance: float = 1e-9) -> bool:
    """Both null, or equal within an absolute-or-relative tolerance (for comparing with the marts)."""
    if left is None or right is None or _null(left) or _null(right):
        return _null(left) and _null(right)
    return math.isclose(float(left), float(right), rel_tol=tolerance, abs_tol=tolerance)

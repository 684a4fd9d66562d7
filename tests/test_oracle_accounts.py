"""The account-mart oracles (tests/oracle_accounts.py) against answers worked out on paper.

Fixtures: tests/fixtures/accounts/*.csv (canonical ingest format); every number asserted here is
derived by hand in tests/fixtures/accounts/EXPECTED.md. The `sla_tickets` input is a hand-made
frame (SLA_TICKETS below) with the states the SLA engine gives those tickets, so that these tests
check the oracle and nothing else.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests import oracle_accounts as oracle

FIXTURE = Path(__file__).parent / "fixtures" / "accounts"
AS_OF = datetime.fromisoformat("2025-06-16T12:00:00+03:00")
TIMEZONE = "Europe/Moscow"
CONFIG = "[pricing]\nmanager_capacity = 2\n"
SETTINGS = oracle.settings_from_toml(CONFIG)


def read(name: str) -> pd.DataFrame:
    """A fixture CSV with its timestamps as UTC instants, dates as dates and booleans as booleans."""
    frame = pd.read_csv(FIXTURE / name, keep_default_na=True)
    for column in ("churned_at", "at", "created_at", "first_response_at", "resolved_at", "closed_at"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    for column in ("date", "renewal_date", "contract_start", "since"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column]).dt.date.astype(object)
            frame.loc[frame[column].isna(), column] = None
    if "paid" in frame:
        frame["paid"] = frame["paid"].astype(str).str.lower().eq("true")
    return frame


@pytest.fixture(scope="module")
def data() -> dict[str, pd.DataFrame]:
    return {
        name: read(f"{name}.csv")
        for name in ("accounts", "account_modules", "usage_daily", "usage_events", "tickets", "ticket_events")
    }


# The fixture's tickets as sla_tickets shows them (business time: 09:00-18:00 Mon-Fri, RU holidays;
# the SLA engine gives these states for tickets.csv as of AS_OF). Times are Moscow (+03:00).
SLA_TEXT = """
ticket_id,account_id,cs_manager,tier,task_type,created_at,resolved_at,resolution_business_min,sla_state,csat,reassignments
T101,A1,Anna,standard,simple,2025-06-02T10:00,2025-06-02T12:00,120,met,5,0
T102,A1,Anna,standard,bug,2025-06-03T10:00,2025-06-03T11:00,60,met,4,1
T201,A2,Anna,standard,bug,2025-06-05T10:00,,2820,open_breached,,0
T202,A2,Anna,standard,simple,2025-06-02T10:00,2025-06-04T10:00,1080,breached,2,3
T301,A3,Anna,ism,simple,2025-06-09T10:00,2025-06-09T15:00,300,met,,1
T302,A3,Anna,ism,bug,2025-06-16T09:30,,150,at_risk,,0
T501,A5,Boris,standard,simple,2025-04-01T10:00,2025-04-01T11:30,90,met,3,0
T601,A6,Boris,standard,compound,2025-06-09T10:00,2025-06-10T15:00,840,met,4,2
T602,A6,Boris,standard,simple,2025-06-16T11:00,,60,open,,0
T603,A6,Boris,standard,simple,2025-02-03T10:00,2025-02-05T10:00,1080,breached,1,0
T604,A6,Boris,standard,simple,2025-03-03T10:00,,37380,open_breached,,0
T701,A7,,premium,simple,2025-06-10T10:00,2025-06-10T11:00,60,met,5,0
T702,A7,,premium,simple,2025-06-11T10:00,2025-06-11T13:00,180,met,,1
T901,ZZ-UNKNOWN,,standard,simple,2025-06-10T10:00,2025-06-10T14:00,240,met,,0
"""


def sla_frame(text: str) -> pd.DataFrame:
    """An sla_tickets-shaped frame from CSV text whose times are Moscow wall-clock times."""
    frame = pd.read_csv(io.StringIO(text.strip()), dtype={"csat": "Int64"})
    for column in ("created_at", "resolved_at"):
        frame[column] = pd.to_datetime(frame[column]).dt.tz_localize("Europe/Moscow").dt.tz_convert("UTC")
    frame["cs_manager"] = frame["cs_manager"].astype(object).where(frame["cs_manager"].notna(), None)
    return frame


SLA_TICKETS = sla_frame(SLA_TEXT)


def close(value: object, expected: float | None) -> bool:
    return oracle.is_close(value, expected)  # type: ignore[arg-type]


def same(value: object, expected: object) -> bool:
    """Equal, or both null (pandas may show a None as NaN)."""
    if expected is None:
        return bool(pd.isna(value))  # type: ignore[arg-type]
    return value == expected


# --- adoption_gaps ------------------------------------------------------------------------------

# (account, module): paid, users in W, adoption_rate, last_used_at, is_gap, users prev window, trend
ADOPTION = {
    ("A1", "api"): (False, 2, 2 / 9, "2025-06-10", False, 0, None),
    ("A1", "crm"): (True, 9, 1.0, "2025-06-11", False, 6, 50.0),
    ("A1", "reports"): (True, 5, 5 / 9, "2025-06-11", False, 2, 150.0),
    ("A1", "tasks"): (True, 3, 3 / 9, "2025-06-11", False, 0, None),
    ("A2", "crm"): (True, 0, None, "2025-04-20", True, 10, -100.0),
    ("A2", "reports"): (True, 0, None, None, True, 0, None),
    ("A3", "crm"): (True, 2, 2 / 3, "2025-06-10", False, 3, -100 / 3),
    ("A3", "reports"): (True, 1, 1 / 3, "2025-06-10", False, 0, None),
    ("A3", "telephony"): (False, 1, 1 / 3, "2025-06-03", False, 0, None),
    ("A4", "crm"): (True, 0, None, None, True, 0, None),
    ("A5", "crm"): (True, 0, None, "2025-04-10", True, 0, None),
    ("A6", "crm"): (True, 24, 1.0, "2025-06-09", False, 30, -20.0),
    ("A6", "reports"): (True, 0, 0.0, None, True, 0, None),
    ("A6", "tasks"): (True, 3, 0.125, "2025-06-09", True, 0, None),
    ("A7", "crm"): (True, 4, 1.0, "2025-06-12", False, 1, 300.0),
}
# account: account users in W, seat utilisation, paid modules, gap modules, value at stake, source
ADOPTION_ACCOUNTS = {
    "A1": (9, 0.9, 3, 0, 0.0, "daily"),
    "A2": (0, 0.0, 2, 2, 50000.0, "none"),
    "A3": (3, 0.6, 2, 0, 0.0, "events"),
    "A4": (0, None, 1, 1, 8000.0, "none"),
    "A5": (0, 0.0, 1, 1, 7000.0, "none"),
    "A6": (24, 0.8, 3, 2, 60000.0, "daily"),
    "A7": (4, 0.5, 1, 0, 0.0, "events"),
}


def test_adoption_gaps_rows(data: dict[str, pd.DataFrame]) -> None:
    gaps = oracle.adoption_gaps(
        data["accounts"],
        data["account_modules"],
        data["usage_daily"],
        data["usage_events"],
        SETTINGS,
        AS_OF,
        TIMEZONE,
    )
    got = {(row["account_id"], row["module"]): row for row in gaps.to_dict("records")}
    assert set(got) == set(ADOPTION)  # no row for A6 "chat" (0 users) nor the placeholder
    for key, (paid, users, rate, last, gap, before, trend) in ADOPTION.items():
        row = got[key]
        assert row["paid"] is paid, key
        assert row["active_users_30d"] == users, key
        assert close(row["adoption_rate"], rate), key
        assert row["last_used_at"] == (pd.Timestamp(last).date() if last else None), key
        assert row["is_gap"] is gap, key
        assert row["users_prev_window"] == before, key
        assert close(row["trend_pct"], trend), key
        users_all, utilisation, paid_n, gaps_n, value, source = ADOPTION_ACCOUNTS[key[0]]
        assert row["account_users_30d"] == users_all, key
        assert close(row["seat_utilisation"], utilisation), key
        assert (row["paid_modules"], row["gap_modules"]) == (paid_n, gaps_n), key
        assert close(row["value_at_stake"], value), key
        assert row["usage_source"] == source, key


def test_has_events_is_decided_per_account_over_the_window(data: dict[str, pd.DataFrame]) -> None:
    """A3 has events in W: its daily rows (crm 5 on 2025-06-10) do not count for adoption."""
    events = data["usage_events"]
    without = events[events["account_id"] != "A3"]
    gaps = oracle.adoption_gaps(
        data["accounts"], data["account_modules"], data["usage_daily"], without, SETTINGS, AS_OF, TIMEZONE
    )
    crm = gaps[(gaps["account_id"] == "A3") & (gaps["module"] == "crm")].iloc[0]
    assert crm["active_users_30d"] == 5 and crm["usage_source"] == "daily"
    assert set(gaps[gaps["account_id"] == "A3"]["module"]) == {"crm", "reports"}  # telephony gone


# --- account_health -----------------------------------------------------------------------------

# account: usage, adoption, support, csat, renewal, score, band, upsell_ready, blockers
HEALTH = {
    "A1": (100, 100, 100, 87.5, 100, 98.75, "green", True, []),
    "A2": (
        0,
        0,
        0,
        25,
        0,
        2.5,
        "red",
        False,
        ["not green", "seats not nearly full and usage not up 10 %", "open breached ticket"],
    ),
    "A3": (60, 100, 100, None, 50, 7100 / 90, "green", True, []),
    "A4": (
        0,
        0,
        None,
        None,
        100,
        1000 / 65,
        "red",
        False,
        ["not green", "seats not nearly full and usage not up 10 %"],
    ),
    "A5": (
        0,
        0,
        100,
        50,
        100,
        40.0,
        "yellow",
        False,
        ["not green", "seats not nearly full and usage not up 10 %", "churned"],
    ),
    "A6": (80, 100 / 3, 100, 75, 50, 72.0 + 1 / 6, "green", False, ["open breached ticket"]),
    "A7": (60, 100, 100, 100, 50, 81.0, "green", True, []),
}
# account: mean daily users over W, over the previous 60 dates, usage up
MEANS = {
    "A1": (17 / 30, 6 / 60, True),
    "A2": (0.0, 22 / 60, False),
    "A3": (10 / 30, 3 / 60, True),
    "A4": (0.0, 0.0, False),
    "A5": (0.0, 3 / 60, False),
    "A6": (44 / 30, 148 / 60, False),
    "A7": (5 / 30, 2 / 60, True),
}


def health_frame(data: dict[str, pd.DataFrame], sla: pd.DataFrame = SLA_TICKETS) -> pd.DataFrame:
    return oracle.account_health(
        data["accounts"],
        data["account_modules"],
        data["usage_daily"],
        data["usage_events"],
        sla,
        SETTINGS,
        AS_OF,
        TIMEZONE,
    )


def test_account_health_components_score_band_upsell(data: dict[str, pd.DataFrame]) -> None:
    health = {row["account_id"]: row for row in health_frame(data).to_dict("records")}
    assert set(health) == set(HEALTH)  # the placeholder ZZ-UNKNOWN has no health row
    for account_id, expected in HEALTH.items():
        row = health[account_id]
        *components, score, band, ready, blockers = expected
        for name, value in zip(oracle.COMPONENTS, components, strict=True):
            assert close(row[name], value), (account_id, name, row[name])
        assert close(row["health_score"], score), (account_id, row["health_score"])
        assert row["band"] == band, account_id
        assert row["upsell_ready"] is ready, account_id
        assert row["upsell_blockers"] == blockers, account_id
        mean_w, mean_prev, up = MEANS[account_id]
        assert close(row["mean_users_w"], mean_w), account_id
        assert close(row["mean_users_prev60"], mean_prev), account_id
        assert row["usage_up"] is up, account_id


def test_health_reasons_name_missing_components_and_failed_upsell(data: dict[str, pd.DataFrame]) -> None:
    health = health_frame(data).set_index("account_id")["reasons"]
    assert "csat missing" in health["A3"]
    assert "weighting redistributed over usage, adoption, support, renewal" in health["A3"]
    assert "usage 0: no paid seats" in health["A4"]
    assert "support, csat missing" in health["A4"]
    assert health["A6"].startswith("usage 80: 24 users / 30 seats = 0.80 -> 100, less 20")
    assert "less 20" not in health["A1"]
    assert "don't pitch now: open breached ticket" in health["A6"]
    assert health["A1"].endswith("upsell ready")


def test_health_band_boundary_is_inclusive(data: dict[str, pd.DataFrame]) -> None:
    """A5 scores exactly 40.0 = bands.yellow: yellow, not red."""
    row = health_frame(data).set_index("account_id").loc["A5"]
    assert row["health_score"] == 40.0 and row["band"] == "yellow"


# --- complexity_pricing -------------------------------------------------------------------------

# account: complexity, price, flags, price_difference, pricing_status
PRICING = {
    "A1": (8.18, 26360.0, None, 1360.0, "in_line"),
    "A2": (1.8, 13600.0, None, 3600.0, "underpriced"),
    "A3": (2.58, 15160.0, "implementation_type unknown (turnkey)", None, None),
    "A4": (5.5, 21000.0, "implementation_hours missing", None, None),
    "A5": (0.06, 10120.0, "implementation_type missing", None, None),
    "A6": (16.5, 43000.0, None, None, None),
    "A7": (3.12, 16240.0, None, -3760.0, "overpriced"),
}


def test_complexity_pricing(data: dict[str, pd.DataFrame]) -> None:
    pricing = {
        row["account_id"]: row
        for row in oracle.complexity_pricing(data["accounts"], SETTINGS).to_dict("records")
    }
    assert set(pricing) == set(PRICING)
    for account_id, (complexity, price, flags, difference, status) in PRICING.items():
        row = pricing[account_id]
        assert close(row["complexity_score"], complexity), account_id
        assert close(row["price"], price), account_id
        assert same(row["flags"], flags), account_id
        assert close(row["price_difference"], difference), account_id
        assert same(row["pricing_status"], status), account_id


def test_pricing_tolerance_boundary_is_in_line() -> None:
    accounts = pd.DataFrame(
        [
            {
                "account_id": "X",
                "tier": "standard",
                "paid_seats": 1,
                "active_users": 0,
                "mrr": 0,
                "implementation_type": "self",
                "implementation_hours": 0,
                "custom_enhancements": 0,
                "support_price": 10000 / 1.15,
            },
        ]
    )
    # price 10000 = support_price x 1.15: exactly the tolerance, so in_line (not > tolerance)
    row = oracle.complexity_pricing(accounts, SETTINGS).iloc[0]
    assert row["price"] == 10000.0 and row["pricing_status"] == "in_line"


# --- manager_workload ---------------------------------------------------------------------------


def test_manager_workload(data: dict[str, pd.DataFrame]) -> None:
    workload = oracle.manager_workload(data["accounts"], SLA_TICKETS, SETTINGS, AS_OF, TIMEZONE)
    rows = {row["cs_manager"]: row for row in workload.to_dict("records")}
    assert set(rows) == {"Anna", "Boris"}  # A7 has no manager; the placeholder none either
    anna, boris = rows["Anna"], rows["Boris"]
    assert (anna["accounts"], anna["capacity"], anna["over_capacity"]) == (3, 2, True)
    assert close(anna["complexity_total"], 12.56)
    assert (anna["open_tickets"], anna["at_risk_tickets"], anna["open_breached_tickets"]) == (2, 1, 1)
    assert (boris["accounts"], boris["capacity"], boris["over_capacity"]) == (2, 2, False)
    assert close(boris["complexity_total"], 22.0)
    assert (boris["open_tickets"], boris["at_risk_tickets"], boris["open_breached_tickets"]) == (2, 0, 1)


# --- resolution_deltas --------------------------------------------------------------------------


def deltas_frame(data: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return oracle.resolution_deltas(
        SLA_TICKETS.drop(columns=["reassignments"]),
        data["tickets"],
        data["ticket_events"],
        SETTINGS,
        AS_OF,
        TIMEZONE,
    )


# (comparison, task_type, group_a): group_b, n_a, n_b, median_a, median_b, p90_a, p90_b, delta_pct
DELTAS = {
    ("tier", "all", "ism"): ("standard", 1, 7, 300, 240, 300, 1080, 25.0),
    ("tier", "simple", "ism"): ("standard", 1, 5, 300, 240, 300, 1080, 25.0),
    ("tier", "all", "premium"): ("standard", 2, 7, 120, 240, 168, 1080, -50.0),
    ("tier", "simple", "premium"): ("standard", 2, 5, 120, 240, 168, 1080, -50.0),
    ("reassignments", "all", "1"): ("0", 3, 5, 180, 120, 276, 744, 50.0),
    ("reassignments", "simple", "1"): ("0", 2, 5, 240, 120, 288, 744, 100.0),
    ("reassignments", "all", "2+"): ("0", 2, 5, 960, 120, 1056, 744, 700.0),
    ("reassignments", "simple", "2+"): ("0", 1, 5, 1080, 120, 1080, 744, 800.0),
    ("manager", "all", "Anna"): ("others", 4, 3, 210, 840, 846, 1032, -75.0),
    ("manager", "simple", "Anna"): ("others", 3, 2, 300, 585, 924, 981, -100 * 285 / 585),
    ("manager", "all", "Boris"): ("others", 3, 4, 840, 210, 1032, 846, 300.0),
    ("manager", "simple", "Boris"): ("others", 2, 3, 585, 300, 981, 924, 95.0),
}


def test_resolution_deltas_rows_medians_and_deltas(data: dict[str, pd.DataFrame]) -> None:
    deltas = deltas_frame(data)
    got = {(r["comparison"], r["task_type"], r["group_a"]): r for r in deltas.to_dict("records")}
    assert set(got) == set(DELTAS)  # no bug/compound rows: one side has no ticket of that type
    for key, (group_b, n_a, n_b, med_a, med_b, p90_a, p90_b, delta) in DELTAS.items():
        row = got[key]
        assert (row["group_b"], row["n_a"], row["n_b"]) == (group_b, n_a, n_b), key
        assert close(row["median_a_min"], med_a) and close(row["median_b_min"], med_b), key
        assert close(row["p90_a_min"], p90_a) and close(row["p90_b_min"], p90_b), key
        assert close(row["delta_pct"], delta), key
        few = n_a < 2 or n_b < 2
        assert bool(pd.isna(row["ci_low_pct"])) is few and bool(pd.isna(row["ci_high_pct"])) is few, key
        assert (row["verdict"] == "too few tickets") is few, key
        if not few:
            assert row["ci_low_pct"] <= row["ci_high_pct"]


# The fixture's intervals as the recipe gives them (not derivable on paper; EXPECTED.md explains
# each bound as the median pair of one resample). They pin the oracle: a change shows here.
INTERVALS = {
    ("tier", "all", "premium"): (-94.444444, 100.0, "no clear difference"),
    ("tier", "simple", "premium"): (-94.444444, 50.0, "no clear difference"),
    ("reassignments", "all", "1"): (-83.333333, 233.333333, "no clear difference"),
    ("reassignments", "simple", "1"): (-77.777778, 300.0, "no clear difference"),
    ("reassignments", "all", "2+"): (-11.111111, 1500.0, "no clear difference"),
    ("manager", "all", "Anna"): (-92.857143, 666.666667, "no clear difference"),
    ("manager", "simple", "Anna"): (-88.888889, 1100.0, "no clear difference"),
    ("manager", "all", "Boris"): (-86.956522, 1300.0, "no clear difference"),
    ("manager", "simple", "Boris"): (-91.666667, 800.0, "no clear difference"),
}


def test_resolution_deltas_intervals(data: dict[str, pd.DataFrame]) -> None:
    deltas = deltas_frame(data)
    got = {(r["comparison"], r["task_type"], r["group_a"]): r for r in deltas.to_dict("records")}
    for key, (low, high, verdict) in INTERVALS.items():
        row = got[key]
        assert (round(row["ci_low_pct"], 6), round(row["ci_high_pct"], 6), row["verdict"]) == (
            low,
            high,
            verdict,
        )


def test_reassignments_fall_back_to_assign_events(data: dict[str, pd.DataFrame]) -> None:
    """T301 (2 assign events -> 1) and T603 (1 event -> 0), T701 (no events -> 0)."""
    with_figures = oracle.resolution_deltas(SLA_TICKETS, None, None, SETTINGS, AS_OF, TIMEZONE)
    from_events = deltas_frame(data)
    columns = ["comparison", "task_type", "group_a", "n_a", "n_b", "median_a_min", "median_b_min"]
    pd.testing.assert_frame_equal(with_figures[columns], from_events[columns])


HAND_TEXT = """
ticket_id,account_id,cs_manager,tier,task_type,created_at,resolved_at,resolution_business_min,sla_state,csat,reassignments
H1,H1,,ism,simple,2025-06-02T10:00,2025-06-02T17:00,30,met,,0
H2,H2,,ism,simple,2025-06-02T10:00,2025-06-02T17:00,60,met,,0
H3,H3,,ism,simple,2025-06-02T10:00,2025-06-02T17:00,90,met,,0
H4,H4,,standard,simple,2025-06-02T10:00,2025-06-02T17:00,60,met,,0
H5,H5,,standard,simple,2025-06-02T10:00,2025-06-02T17:00,100,met,,0
H6,H6,,standard,simple,2025-06-02T10:00,2025-06-02T17:00,140,met,,0
H7,H7,,standard,simple,2025-06-02T10:00,2025-06-02T17:00,200,met,,0
"""


def hand_case() -> pd.DataFrame:
    """3 ism tickets vs 4 standard ones, all `simple` (EXPECTED.md, "resolution_deltas: a hand case")."""
    return sla_frame(HAND_TEXT)


def test_resolution_deltas_hand_case() -> None:
    deltas = oracle.resolution_deltas(hand_case(), None, None, SETTINGS, AS_OF, TIMEZONE)
    tier = deltas[deltas["comparison"] == "tier"]
    assert list(tier["task_type"]) == ["all", "simple"]
    row = tier.iloc[0]
    assert (row["group_a"], row["group_b"], row["n_a"], row["n_b"]) == ("ism", "standard", 3, 4)
    assert (row["median_a_min"], row["median_b_min"]) == (60.0, 120.0)
    assert close(row["p90_a_min"], 84.0) and close(row["p90_b_min"], 182.0)
    assert close(row["delta_pct"], -50.0)
    # The recipe, written out once more in the test: the oracle must follow it to the letter.
    a, b = np.array([30.0, 60, 90]), np.array([60.0, 100, 140, 200])
    rng = np.random.default_rng(0)
    index_a, index_b = rng.integers(0, 3, size=(1000, 3)), rng.integers(0, 4, size=(1000, 4))
    medians_b = np.median(b[index_b], axis=1)
    recipe = np.percentile(100 * (np.median(a[index_a], axis=1) - medians_b) / medians_b, [2.5, 97.5])
    assert close(row["ci_low_pct"], recipe[0]) and close(row["ci_high_pct"], recipe[1])
    # Bounds a resample can reach: a* median in [30, 90], b* median in [60, 200].
    assert -85.0 <= row["ci_low_pct"] <= row["ci_high_pct"] <= 50.0
    # The 2.5th percentile is a resample with median a* = 30, median b* = (140 + 200) / 2 = 170;
    # the 97.5th one has a* = 90, b* = (60 + 100) / 2 = 80 (EXPECTED.md).
    assert close(row["ci_low_pct"], 100 * (30 - 170) / 170) and close(row["ci_high_pct"], 12.5)
    assert row["verdict"] == "no clear difference"


def test_constant_groups_give_a_point_interval() -> None:
    """a = 60, 60, 60 vs b = 100 x 4: every resample gives -40 %, so the interval is [-40, -40]."""
    frame = hand_case()
    frame["resolution_business_min"] = [60, 60, 60, 100, 100, 100, 100]
    row = oracle.resolution_deltas(frame, None, None, SETTINGS, AS_OF, TIMEZONE).iloc[0]
    assert (row["delta_pct"], row["ci_low_pct"], row["ci_high_pct"]) == (-40.0, -40.0, -40.0)
    assert row["verdict"] == "faster"


def test_bootstrap_does_not_depend_on_row_order() -> None:
    frame = hand_case()
    forward = oracle.resolution_deltas(frame, None, None, SETTINGS, AS_OF, TIMEZONE)
    backward = oracle.resolution_deltas(frame.iloc[::-1], None, None, SETTINGS, AS_OF, TIMEZONE)
    pd.testing.assert_frame_equal(forward, backward)


def test_staging_shaped_inputs_give_the_same_answers(data: dict[str, pd.DataFrame]) -> None:
    """Staging differs from the CSVs: usage_daily also holds the events' daily roll-up and accounts
    holds the placeholder (is_placeholder). Neither may change a number."""
    events = data["usage_events"].copy()
    events["date"] = events["at"].dt.tz_convert(TIMEZONE).dt.date
    rollup = events.groupby(["date", "account_id", "module"], as_index=False).agg(
        active_users=("user_id", "nunique"), events=("user_id", "size")
    )
    daily = pd.concat([data["usage_daily"], rollup], ignore_index=True)
    accounts = data["accounts"].assign(is_placeholder=False)
    placeholder = {"account_id": "ZZ-UNKNOWN", "tier": "standard", "paid_seats": 0, "active_users": 0}
    accounts = pd.concat(
        [accounts, pd.DataFrame([{**placeholder, "mrr": 0.0, "is_placeholder": True}])], ignore_index=True
    )
    csv = (data["accounts"], data["account_modules"], data["usage_daily"], data["usage_events"])
    staging = (accounts, data["account_modules"], daily, data["usage_events"])
    pd.testing.assert_frame_equal(
        oracle.adoption_gaps(*staging, SETTINGS, AS_OF, TIMEZONE),
        oracle.adoption_gaps(*csv, SETTINGS, AS_OF, TIMEZONE),
    )
    pd.testing.assert_frame_equal(
        oracle.account_health(*staging, SLA_TICKETS, SETTINGS, AS_OF, TIMEZONE),
        oracle.account_health(*csv, SLA_TICKETS, SETTINGS, AS_OF, TIMEZONE),
    )
    pd.testing.assert_frame_equal(
        oracle.complexity_pricing(accounts, SETTINGS), oracle.complexity_pricing(data["accounts"], SETTINGS)
    )
    pd.testing.assert_frame_equal(
        oracle.manager_workload(accounts, SLA_TICKETS, SETTINGS, AS_OF, TIMEZONE),
        oracle.manager_workload(data["accounts"], SLA_TICKETS, SETTINGS, AS_OF, TIMEZONE),
    )


def test_default_settings_are_the_built_in_defaults() -> None:
    """The oracle's copy of DESIGN's defaults matches pipelines/defaults.toml table by table."""
    import tomllib

    built_in = tomllib.loads((Path(__file__).parents[1] / "pipelines" / "defaults.toml").read_text("utf-8"))
    for table, values in oracle.DEFAULT_SETTINGS.items():
        # every built-in key has DESIGN's value (pricing.tolerance is newer than some branches)
        for key, value in built_in[table].items():
            assert values[key] == value, (table, key)
    assert SETTINGS["pricing"]["manager_capacity"] == 2
    assert SETTINGS["pricing"]["tolerance"] == 0.15  # the rest of [pricing] keeps its defaults

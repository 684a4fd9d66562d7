"""Health rules at their exact boundaries (tests/fixtures/health_ties, answers worked by hand).

As of 2025-06-16 12:00 Moscow, W is 2025-05-17..06-15 (30 dates) and the previous 60 dates are
2025-03-18..05-16; weights 35/20/25/10/10, green from 70, seats_full 0.8 (DESIGN's defaults).

- D1: W has one day of 9 users (mean 9/30 = 0.3), the previous 60 two days of 12 (mean 24/60 = 0.4):
  exactly 25 % down, which is not "more than 25 %": usage 100 (9 of 10 seats), no penalty; adoption
  100 (crm, 9 of 9 users), renewal 100, support and csat missing: score 100.
- U1: 11 users in W (mean 11/30), 20 in the previous 60 (mean 20/60 = 1/3); 1.1 x 1/3 = 11/30, so
  mean daily users are up exactly 10 %, which counts as up: usage 60 (11 of 20 seats), score
  (35 x 60 + 20 x 100 + 10 x 100) / 65 = 78.46, green, upsell ready (seats not full, but usage up).
  In floating point 11/30 < 1.1 x 20/60 and 0.3 < 0.75 x 0.4: the rules are decided exactly.
- S1: as of 2025-06-01 00:00 Moscow, S1a was created exactly 90 days before (2025-03-03 00:00), met,
  CSAT 5; S1b (05-20) breached, CSAT 1: support 1 of 2 = 50, csat (3 - 1) / 4 x 100 = 50, both in
  account_health and in the history's May row, which is as of the same instant.
- N1 (no modules, tickets, usage or renewal date), with usage weighted 0: every component with a
  weight is missing, so there is no score, and no band either (not "red").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES, Warehouse, make_warehouse


def _built(tmp_path: Path, as_of: str, config_text: str = "") -> Warehouse:
    store = make_warehouse(tmp_path, config_text)
    store.ingest(*sorted((FIXTURES / "health_ties").glob("*.csv")))
    store.build(as_of)
    return store


def test_no_weighted_component_gives_no_score_and_no_band(tmp_path: Path) -> None:
    weights = "[health]\nweights = { usage = 0, adoption = 20, support = 25, csat = 10, renewal = 10 }\n"
    store = _built(tmp_path, "2025-06-16T12:00:00+03:00", weights)
    row = store.dicts(
        "SELECT health_score, band, usage, adoption, renewal FROM account_health WHERE account_id = 'N1'"
    )[0]
    store.close()
    assert row == {"health_score": None, "band": None, "usage": 0, "adoption": None, "renewal": None}


def test_exactly_25_percent_down_is_no_drop_and_exactly_10_percent_up_is_up(tmp_path: Path) -> None:
    store = _built(tmp_path, "2025-06-16T12:00:00+03:00")
    health = {row["account_id"]: row for row in store.dicts("SELECT * FROM account_health")}
    store.close()
    down = health["D1"]
    assert (down["usage"], down["health_score"]) == (100, pytest.approx(100))
    assert "usage_dropped" not in down["reasons"]
    up = health["U1"]
    assert up["usage"] == 60 and up["health_score"] == pytest.approx(5100 / 65)
    assert up["band"] == "green" and up["upsell_ready"], up["upsell_blockers"]
    assert up["upsell_blockers"] == "[]"


def test_the_history_scores_the_90_day_boundary_as_the_mart_does(tmp_path: Path) -> None:
    store = _built(tmp_path, "2025-06-01T00:00:00+03:00")
    now = store.dicts("SELECT support, csat, health_score FROM account_health WHERE account_id = 'S1'")[0]
    may = store.dicts(
        "SELECT support, csat, health_score FROM account_health_monthly "
        "WHERE account_id = 'S1' AND month = DATE '2025-05-01'"
    )[0]
    states = dict(store.rows("SELECT ticket_id, sla_state FROM sla_tickets"))
    store.close()
    assert states == {"S1a": "met", "S1b": "breached"}
    assert (now["support"], now["csat"]) == (50, 50)
    assert may == now

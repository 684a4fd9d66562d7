"""metrics.calendar against hand arithmetic and against the brute-force oracle (tests/oracle.py).

Part 1: hand-made cases; each expected value carries its arithmetic. Business-time cases are
checked against BOTH the oracle and the implementation, so they validate the oracle too.
Part 2: hypothesis property tests, one vectorised BusinessClock per batch of random tickets.
Part 3: regressions for the bugs the oracle found, with their minimal reproducers.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import composite

from metrics.calendar import (
    BusinessClock,
    CalendarSpec,
    local_to_utc,
    merge_intervals,
    utc_to_local,
    working_dates,
    working_intervals,
    works_after,
)
from tests.oracle import (
    from_epoch,
    local_instant,
    oracle_business_seconds,
    oracle_due,
    to_epoch,
)

TOL = 1e-6
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)


def hm(text: str) -> int:
    """'09:30' -> 570 minutes after local midnight ('24:00' -> 1440)."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def spans(*texts: str) -> tuple[tuple[int, int], ...]:
    """spans('09:00-13:00', '14:00-18:00') -> ((540, 780), (840, 1080))."""
    return tuple((hm(t.split("-")[0]), hm(t.split("-")[1])) for t in texts)


def naive_s(text: str) -> float:
    """A wall-clock reading as naive local seconds (the number read as if it were UTC)."""
    return to_epoch(text, "UTC")


def d(text: str) -> date:
    return date.fromisoformat(text)


MSK = CalendarSpec()  # Europe/Moscow, Mon-Fri 09:00-18:00, RU holidays: the default calendar
MSK_LUNCH = CalendarSpec(hours=spans("09:00-13:00", "14:00-18:00"))
MSK_NO_HOLIDAYS = CalendarSpec(holidays="")
ODD = CalendarSpec(timezone="UTC", hours=spans("09:10-17:50"), holidays="")
BERLIN_24H = CalendarSpec(
    timezone="Europe/Berlin", workdays=EVERY_DAY, hours=spans("00:00-24:00"), holidays=""
)
BERLIN_NIGHT = CalendarSpec(
    timezone="Europe/Berlin",
    workdays=EVERY_DAY,
    hours=spans("00:00-06:00", "22:00-24:00"),
    holidays="",
)
LORD_HOWE_24H = CalendarSpec(
    timezone="Australia/Lord_Howe", workdays=EVERY_DAY, hours=spans("00:00-24:00"), holidays=""
)
KATHMANDU = CalendarSpec(timezone="Asia/Kathmandu", holidays="")
NEVER = CalendarSpec(timezone="UTC", workdays=(), holidays="")
EXTRAS = CalendarSpec(
    timezone="UTC",
    holidays="RU",
    # Sat 2024-06-08 in both lists: extra_workdays wins -> working.
    # Wed 2024-06-05 only in extra_holidays -> off.
    # Fri 2025-01-03 is a RU New Year holiday, extra_workdays -> working.
    extra_holidays=frozenset({d("2024-06-08"), d("2024-06-05"), d("2024-12-28")}),
    # Sat 2024-12-28 is a RU moved working Saturday, but extra_holidays beats the package -> off.
    extra_workdays=frozenset({d("2024-06-08"), d("2025-01-03")}),
)


# --- part 1: hand-made cases --------------------------------------------------------------------

BUSINESS_CASES = [
    # (calendar, start, end as wall-clock time in the calendar's zone, expected working minutes)
    pytest.param(MSK, "2024-06-04 09:50", "2024-06-04 10:20", 30, id="inside-hours"),
    # 08:00 -> 10:20 with a 09:00 start = 80 working minutes
    pytest.param(MSK, "2024-06-04 08:00", "2024-06-04 10:20", 80, id="created-before-opening"),
    # 17:30 -> 20:00 with an 18:00 end = 30
    pytest.param(MSK, "2024-06-04 17:30", "2024-06-04 20:00", 30, id="past-closing"),
    # 12:30-13:00 (30) + lunch 13:00-14:00 (0) + 14:00-14:30 (30) = 60
    pytest.param(MSK_LUNCH, "2024-06-04 12:30", "2024-06-04 14:30", 30 + 30, id="lunch-break"),
    # a whole day with lunch: 4 h + 4 h = 480
    pytest.param(MSK_LUNCH, "2024-06-04 00:00", "2024-06-05 00:00", 240 + 240, id="lunch-day"),
    # inside lunch only: 0
    pytest.param(MSK_LUNCH, "2024-06-04 13:10", "2024-06-04 13:50", 0, id="inside-lunch"),
    # Fri 17:00-18:00 (60) + Sat, Sun (0) + Mon 09:00-10:00 (60) = 120
    pytest.param(MSK, "2024-06-07 17:00", "2024-06-10 10:00", 60 + 60, id="friday-to-monday"),
    # Fri 27 Dec 17-18 (60) + Sat 28 Dec moved working day 09-18 (540) + Sun 29 (0)
    # + Mon 30, Tue 31 Dec and 1-8 Jan RU days off (0) + Thu 9 Jan 09-10 (60) = 660
    pytest.param(MSK, "2024-12-27 17:00", "2025-01-09 10:00", 60 + 540 + 60, id="ru-new-year-holidays"),
    # Sat 2 Nov 2024 is a RU moved working Saturday: 10:00 -> 12:00 = 120
    pytest.param(MSK, "2024-11-02 10:00", "2024-11-02 12:00", 120, id="ru-moved-saturday"),
    # Sat 2 Nov 09-18 (540) + Sun 3 (0) + Mon 4 Nov Unity Day (0) + Tue 5 09-10 (60) = 600
    pytest.param(MSK, "2024-11-02 00:00", "2024-11-05 10:00", 540 + 60, id="ru-moved-weekend"),
    # an ordinary Saturday is off: 0
    pytest.param(MSK, "2024-11-09 10:00", "2024-11-09 12:00", 0, id="ru-ordinary-saturday"),
    # holidays="": Thu 2 Jan 2025 is an ordinary Thursday, 09-18 = 540
    pytest.param(MSK_NO_HOLIDAYS, "2025-01-02 00:00", "2025-01-03 00:00", 540, id="no-holidays"),
    # Berlin spring forward 31 Mar 2024, 02:00 -> 03:00: 12:00 -> 12:00 next day is 23 real hours
    pytest.param(BERLIN_24H, "2024-03-30 12:00", "2024-03-31 12:00", 23 * 60, id="berlin-spring-24h"),
    # Berlin fall back 27 Oct 2024, 03:00 -> 02:00: 25 real hours
    pytest.param(BERLIN_24H, "2024-10-26 12:00", "2024-10-27 12:00", 25 * 60, id="berlin-fall-24h"),
    # the whole spring-forward date: 00:00 -> 24:00 = 23 h
    pytest.param(BERLIN_24H, "2024-03-31 00:00", "2024-04-01 00:00", 23 * 60, id="berlin-spring-day"),
    # night shift 22-24 + 00-06 across the spring jump: 2 h + (6 h - 1 skipped h) = 7 h
    pytest.param(BERLIN_NIGHT, "2024-03-30 20:00", "2024-03-31 08:00", 120 + 300, id="berlin-spring-night"),
    # night shift across the fall back: 2 h + (6 h + 1 repeated h) = 9 h of real elapsed time
    pytest.param(BERLIN_NIGHT, "2024-10-26 20:00", "2024-10-27 08:00", 120 + 420, id="berlin-fall-night"),
    # Lord Howe moves by 30 min: spring day 6 Oct 2024 is 23.5 h, fall day 7 Apr 2024 is 24.5 h
    pytest.param(LORD_HOWE_24H, "2024-10-06 00:00", "2024-10-07 00:00", 23 * 60 + 30, id="lord-howe-spring"),
    pytest.param(LORD_HOWE_24H, "2024-04-07 00:00", "2024-04-08 00:00", 24 * 60 + 30, id="lord-howe-fall"),
    # 09:10-17:50 is off the 15-minute grid: 09:00 -> 18:00 gives 8 h 40 min = 520
    pytest.param(ODD, "2024-06-04 09:00", "2024-06-04 18:00", 520, id="odd-hours-day"),
    # 09:05 -> 09:17 with a 09:10 start = 7; 17:43 -> 17:55 with a 17:50 end = 7
    pytest.param(ODD, "2024-06-04 09:05", "2024-06-04 09:17", 7, id="odd-hours-start"),
    pytest.param(ODD, "2024-06-04 17:43", "2024-06-04 17:55", 7, id="odd-hours-end"),
    # seconds: 09:15:30 -> 17:49:45 = 8 h 34 min 15 s = 514.25 min
    pytest.param(ODD, "2024-06-04 09:15:30", "2024-06-04 17:49:45", 514.25, id="seconds"),
    # sub-second: 09:10:00.250 -> 09:10:01 = 0.75 s
    pytest.param(ODD, "2024-06-04 09:10:00.25", "2024-06-04 09:10:01", 0.75 / 60, id="subsecond"),
    # extra_workdays beats extra_holidays: Sat 8 Jun 2024 is in both -> 09-18 = 540
    pytest.param(EXTRAS, "2024-06-08 00:00", "2024-06-09 00:00", 540, id="extra-both-lists"),
    # only in extra_holidays: Wed 5 Jun 2024 -> 0
    pytest.param(EXTRAS, "2024-06-05 00:00", "2024-06-06 00:00", 0, id="extra-holiday"),
    # extra_workdays beats the package: Fri 3 Jan 2025 (RU holiday) -> 540
    pytest.param(EXTRAS, "2025-01-03 00:00", "2025-01-04 00:00", 540, id="extra-workday-holiday"),
    # extra_holidays beats a moved working Saturday: Sat 28 Dec 2024 -> 0
    pytest.param(EXTRAS, "2024-12-28 00:00", "2024-12-29 00:00", 0, id="extra-holiday-moved"),
    # created on Saturday 15:00, outside hours: the clock starts Mon 09:00 -> 09:30 = 30
    pytest.param(MSK, "2024-06-08 15:00", "2024-06-10 09:30", 30, id="created-on-saturday"),
    # Kathmandu (+05:45): an ordinary day 09-18 = 540, and a Friday-to-Monday = 60 + 60
    pytest.param(KATHMANDU, "2024-06-04 00:00", "2024-06-05 00:00", 540, id="kathmandu-day"),
    pytest.param(KATHMANDU, "2024-06-07 17:00", "2024-06-10 10:00", 120, id="kathmandu-weekend"),
    # no workdays at all: nothing, ever
    pytest.param(NEVER, "2024-06-01 00:00", "2024-08-01 00:00", 0, id="never-works"),
    # end before start -> 0; end == start -> 0
    pytest.param(MSK, "2024-06-04 12:00", "2024-06-04 10:00", 0, id="end-before-start"),
    pytest.param(MSK, "2024-06-04 12:00", "2024-06-04 12:00", 0, id="empty"),
]


def _local_date(text: str) -> date:
    return datetime.fromisoformat(text).date()


def clock_business(spec: CalendarSpec, a: float, b: float, first: date, last: date) -> float:
    clock = BusinessClock([spec], first, last)
    return float(clock.business_seconds(np.array([0]), np.array([a]), np.array([b]))[0])


@pytest.mark.parametrize(("spec", "start", "end", "minutes"), BUSINESS_CASES)
def test_business_minutes_by_hand(spec, start, end, minutes):
    a, b = to_epoch(start, spec.timezone), to_epoch(end, spec.timezone)
    expected = minutes * 60
    assert oracle_business_seconds(spec, a, b) == pytest.approx(expected, abs=TOL)
    first, last = sorted([_local_date(start), _local_date(end)])
    assert clock_business(spec, a, b, first, last) == pytest.approx(expected, abs=TOL)


def test_business_minutes_by_hand_all_calendars_in_one_call():
    """Every hand case as one row of a single BusinessClock call: rows with different calendars."""
    specs = list(dict.fromkeys(p.values[0] for p in BUSINESS_CASES))
    calendar = np.array([specs.index(p.values[0]) for p in BUSINESS_CASES])
    a = np.array([to_epoch(p.values[1], p.values[0].timezone) for p in BUSINESS_CASES])
    b = np.array([to_epoch(p.values[2], p.values[0].timezone) for p in BUSINESS_CASES])
    expected = np.array([p.values[3] * 60 for p in BUSINESS_CASES], dtype=float)
    clock = BusinessClock(specs, d("2024-06-01"), d("2024-06-30"))  # most rows need extending
    got = clock.business_seconds(calendar, a, b)
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOL)
    assert len(specs) > 5  # really many calendars in one call


DUE_CASES = [
    # (calendar, start, working minutes, expected due) — wall-clock times in the calendar's zone
    # 10:00 + 480 min: 10-18 is exactly 480, so due is 18:00 the same day, not 09:00 next day
    pytest.param(MSK, "2024-06-04 10:00", 480, "2024-06-04 18:00", id="exact-day-end"),
    # 10:00 + 481 min: 480 today, 1 more from 09:00 tomorrow -> 09:01
    pytest.param(MSK, "2024-06-04 10:00", 481, "2024-06-05 09:01", id="one-past-day-end"),
    # lunch: 09:00 + 240 = 13:00 exactly (end of the morning), not 14:00
    pytest.param(MSK_LUNCH, "2024-06-04 09:00", 240, "2024-06-04 13:00", id="exact-lunch-start"),
    # lunch: 12:30 + 60 = 30 before lunch + 30 after -> 14:30
    pytest.param(MSK_LUNCH, "2024-06-04 12:30", 60, "2024-06-04 14:30", id="across-lunch"),
    # created Sat 15:00 (outside hours): starts Mon 09:00, + 60 -> Mon 10:00
    pytest.param(MSK, "2024-06-08 15:00", 60, "2024-06-10 10:00", id="created-on-saturday"),
    # created 07:00: starts at 09:00, + 30 -> 09:30
    pytest.param(MSK, "2024-06-04 07:00", 30, "2024-06-04 09:30", id="created-early"),
    # n = 0: due is the start itself, even outside hours
    pytest.param(MSK, "2024-06-08 15:00", 0, "2024-06-08 15:00", id="zero-minutes"),
    # Fri 17:00 + 120: Fri 60, Mon 09-10 60 -> Mon 10:00
    pytest.param(MSK, "2024-06-07 17:00", 120, "2024-06-10 10:00", id="over-weekend"),
    # RU New Year: Fri 27 Dec 17:00 + 60 (Fri) + 540 (Sat 28, moved working day) + 60
    # -> Thu 9 Jan 2025 10:00 (30 Dec - 8 Jan off)
    pytest.param(MSK, "2024-12-27 17:00", 660, "2025-01-09 10:00", id="ru-new-year"),
    # Fri 27 Dec 17:00 + 600: 60 + 540 -> exactly Sat 28 Dec 18:00
    pytest.param(MSK, "2024-12-27 17:00", 600, "2024-12-28 18:00", id="ru-moved-saturday-end"),
    # seconds: 17:59:30 + 1.5 min = 30 s today + 60 s tomorrow -> 09:01:00
    pytest.param(MSK, "2024-06-04 17:59:30", 1.5, "2024-06-05 09:01:00", id="seconds"),
    # sub-second: 09:10:00.25 + 0.75 s -> 09:10:01
    pytest.param(ODD, "2024-06-04 09:10:00.25", 0.75 / 60, "2024-06-04 09:10:01", id="subsecond"),
    # 09:10-17:50 is 520 min: 09:10 + 520 -> 17:50 exactly
    pytest.param(ODD, "2024-06-04 09:10", 520, "2024-06-04 17:50", id="odd-hours-day-end"),
    # Berlin 24 h, spring forward: 00:00 + 23 h -> next local midnight (the day has 23 h)
    pytest.param(BERLIN_24H, "2024-03-31 00:00", 23 * 60, "2024-04-01 00:00", id="berlin-spring"),
    # Berlin 24 h, fall back: 00:00 CEST + 2 h -> 02:00 CEST, the first 02:00 (fold=0)
    pytest.param(BERLIN_24H, "2024-10-27 00:00", 120, "2024-10-27 02:00", id="berlin-fall-first"),
    # ... + 3 h real -> "03:00 CEST" = the second 02:00 (CET) = 01:00 UTC ("Z": a UTC time)
    pytest.param(BERLIN_24H, "2024-10-27 00:00", 180, "2024-10-27 01:00Z", id="berlin-fall-2nd"),
    # ... + 4 h real -> 03:00 CET = 02:00 UTC
    pytest.param(BERLIN_24H, "2024-10-27 00:00", 240, "2024-10-27 03:00", id="berlin-fall-after"),
    # night shift in the fall-back night: 22:00 + 9 h real -> 06:00 CET
    pytest.param(BERLIN_NIGHT, "2024-10-26 22:00", 540, "2024-10-27 06:00", id="night-fall"),
    # night shift in the spring night: 22:00 + 7 h real -> 06:00 CEST (the shift ends)
    pytest.param(BERLIN_NIGHT, "2024-03-30 22:00", 420, "2024-03-31 06:00", id="night-spring"),
    # extras: Fri 7 Jun 17:00 + 60 (Fri) + 540 (Sat 8 Jun, in both lists -> working) + 60
    # (Mon 10 Jun) -> Mon 10:00
    pytest.param(EXTRAS, "2024-06-07 17:00", 660, "2024-06-10 10:00", id="extras-saturday"),
]


@pytest.mark.parametrize(("spec", "start", "minutes", "expected"), DUE_CASES)
def test_due_by_hand(spec, start, minutes, expected):
    a, n = to_epoch(start, spec.timezone), minutes * 60
    zone = "UTC" if expected.endswith("Z") else spec.timezone
    want = to_epoch(expected.removesuffix("Z"), zone)
    assert oracle_due(spec, a, n) == pytest.approx(want, abs=TOL)
    clock = BusinessClock([spec], _local_date(start), _local_date(start) + timedelta(days=3))
    got = float(clock.due(np.array([0]), np.array([a]), np.array([float(n)]))[0])
    assert got == pytest.approx(want, abs=TOL), from_epoch(got, spec.timezone)


def test_due_never_working_calendar_is_nan_in_a_shared_clock():
    # NEVER has no working time at all: no deadline exists. (Alone in a clock: see part 3.)
    a = to_epoch("2024-06-04 10:00")
    assert math.isnan(oracle_due(NEVER, a, 60.0, horizon_days=400))
    clock = BusinessClock([NEVER, MSK], d("2024-06-01"), d("2024-06-30"))
    got = clock.due(np.array([0, 1]), np.array([a, a]), np.array([60.0, 60.0]))
    assert math.isnan(got[0])
    assert got[1] == a + 60  # 10:00 UTC = 13:00 MSK, inside hours: + 60 s; the other row is fine
    # zero seconds is still "now", even for a calendar that never works
    zero = clock.due(np.array([0]), np.array([a]), np.array([0.0]))
    assert zero[0] == a


def test_nan_propagates():
    clock = BusinessClock([MSK, ODD], d("2024-06-01"), d("2024-06-30"))
    a = to_epoch("2024-06-04 10:00", "Europe/Moscow")
    u = to_epoch("2024-06-04 10:00")  # UTC, ODD's zone
    cal = np.array([0, 1, 0, 1])
    starts = np.array([np.nan, u, np.nan, u])
    ends = np.array([a + 3600, np.nan, np.nan, u + 3600])
    got = clock.business_seconds(cal, starts, ends)
    assert np.isnan(got[:3]).all()
    assert got[3] == 3600  # ODD, 10:00 -> 11:00 UTC inside 09:10-17:50 = 60 min
    assert np.isnan(clock.worked_before(cal[:1], np.array([np.nan]))).all()
    due = clock.due(cal, np.array([np.nan, a, a, np.nan]), np.array([60.0, np.nan, 60.0, np.nan]))
    assert np.isnan(due[[0, 1, 3]]).all()
    assert due[2] == a + 60


def test_end_before_start_is_zero_in_a_batch():
    clock = BusinessClock([MSK], d("2024-06-01"), d("2024-06-30"))
    a = to_epoch("2024-06-04 12:00", "Europe/Moscow")
    got = clock.business_seconds(np.zeros(3, int), np.full(3, a), a + np.array([-1.0, -86400, 0]))
    assert (got == 0).all()


# --- local time ---------------------------------------------------------------------------------

LOCAL_TO_UTC_CASES = [
    # (zone, naive local wall clock, expected UTC)
    # Berlin spring forward 2024-03-31 02:00 CET -> 03:00 CEST: 02:30 is skipped, moves forward
    # by the gap: read at +01 -> 01:30 UTC, which is 03:30 CEST
    pytest.param("Europe/Berlin", "2024-03-31 02:30", "2024-03-31 01:30", id="berlin-skipped"),
    pytest.param("Europe/Berlin", "2024-03-31 01:59:59", "2024-03-31 00:59:59", id="berlin-pre"),
    pytest.param("Europe/Berlin", "2024-03-31 03:00", "2024-03-31 01:00", id="berlin-post"),
    # Berlin fall back 2024-10-27 03:00 CEST -> 02:00 CET: 02:30 happens twice; first is CEST
    # (+02) -> 00:30 UTC
    pytest.param("Europe/Berlin", "2024-10-27 02:30", "2024-10-27 00:30", id="berlin-repeated"),
    pytest.param("Europe/Berlin", "2024-10-27 02:00", "2024-10-27 00:00", id="berlin-rep-start"),
    pytest.param("Europe/Berlin", "2024-10-27 03:00", "2024-10-27 02:00", id="berlin-rep-end"),
    # New York 2024-03-10 02:00 EST -> 03:00 EDT: 02:30 read at -05 -> 07:30 UTC (= 03:30 EDT)
    pytest.param("America/New_York", "2024-03-10 02:30", "2024-03-10 07:30", id="ny-skipped"),
    # New York 2024-11-03 02:00 EDT -> 01:00 EST: 01:30 first at -04 -> 05:30 UTC
    pytest.param("America/New_York", "2024-11-03 01:30", "2024-11-03 05:30", id="ny-repeated"),
    # Lord Howe 2024-10-06 02:00 (+10:30) -> 02:30 (+11): 02:15 is skipped, read at +10:30
    # -> 15:45 UTC on the 5th (= 02:45 local)
    pytest.param("Australia/Lord_Howe", "2024-10-06 02:15", "2024-10-05 15:45", id="lord-howe-skipped"),
    # Lord Howe 2024-04-07 02:00 (+11) -> 01:30 (+10:30): 01:45 first at +11 -> 14:45 UTC
    pytest.param("Australia/Lord_Howe", "2024-04-07 01:45", "2024-04-06 14:45", id="lord-howe-repeated"),
    pytest.param("Australia/Lord_Howe", "2024-04-07 02:00", "2024-04-06 15:30", id="lord-howe-rep-end"),
    # Moscow 2014-10-26 02:00 (+04) -> 01:00 (+03), a change of the standard offset: 01:30 is
    # ambiguous, first occurrence at +04 -> 21:30 UTC on the 25th
    pytest.param("Europe/Moscow", "2014-10-26 01:30", "2014-10-25 21:30", id="moscow-2014"),
    pytest.param("Europe/Moscow", "2014-10-26 02:00", "2014-10-25 23:00", id="moscow-2014-after"),
    pytest.param("Europe/Moscow", "2014-10-26 00:59", "2014-10-25 20:59", id="moscow-2014-pre"),
    # Moscow 2011-03-27 02:00 (+03) -> 03:00 (+04), never undone: 02:30 read at +03 -> 23:30
    pytest.param("Europe/Moscow", "2011-03-27 02:30", "2011-03-26 23:30", id="moscow-2011"),
    # Kathmandu, +05:45 all year: 09:00 -> 03:15 UTC
    pytest.param("Asia/Kathmandu", "2024-06-04 09:00", "2024-06-04 03:15", id="kathmandu"),
]


@pytest.mark.parametrize(("zone", "local", "utc"), LOCAL_TO_UTC_CASES)
def test_local_to_utc_by_hand(zone, local, utc):
    got = local_to_utc(np.array([naive_s(local)]), zone)
    assert got[0] == to_epoch(utc), from_epoch(got[0])
    # the oracle's own conversion agrees (fold=0)
    wall = datetime.fromisoformat(local)
    minutes = wall.hour * 60 + wall.minute
    assert local_instant(zone, wall.date(), minutes) == to_epoch(utc) - wall.second


def test_utc_to_local_round_trip():
    zone = "Europe/Berlin"
    utc = np.array(
        [
            to_epoch("2024-10-27 00:30"),  # 02:30 CEST, first occurrence
            to_epoch("2024-10-27 01:30"),  # 02:30 CET, second occurrence
            to_epoch("2024-03-31 00:59:59"),  # 01:59:59 CET, just before the jump
            to_epoch("2024-03-31 01:00"),  # 03:00 CEST, just after
            to_epoch("2024-07-01 12:00"),  # 14:00 CEST
        ]
    )
    local = utc_to_local(utc, zone)
    expected = [
        "2024-10-27 02:30",
        "2024-10-27 02:30",
        "2024-03-31 01:59:59",
        "2024-03-31 03:00",
        "2024-07-01 14:00",
    ]
    assert list(local) == [naive_s(t) for t in expected]
    back = local_to_utc(local, zone)
    # back again: exact, except the second occurrence, which reads as the first (1 h earlier)
    assert list(back - utc) == [0, -3600, 0, 0, 0]
    # and local -> utc -> local is exact except in the gap, which moves forward by it
    skipped = naive_s("2024-03-31 02:30")
    assert utc_to_local(local_to_utc(np.array([skipped]), zone), zone)[0] == skipped + 3600


def test_end_of_local_date():
    clock = BusinessClock([BERLIN_24H, MSK, LORD_HOWE_24H], d("2024-10-01"), d("2024-10-31"))
    days = np.array(
        [np.datetime64(x, "D").astype(np.int64) for x in ("2024-10-26", "2024-10-27")] * 2
        + [np.datetime64("2024-10-05", "D").astype(np.int64)],
        dtype=float,
    )
    got = clock.end_of_local_date(np.array([0, 0, 1, 1, 2]), days)
    expected = [
        to_epoch("2024-10-26 22:00"),  # Berlin 27 Oct 00:00 CEST (+02)
        to_epoch("2024-10-27 23:00"),  # Berlin 28 Oct 00:00 CET (+01)
        to_epoch("2024-10-26 21:00"),  # Moscow 27 Oct 00:00 (+03)
        to_epoch("2024-10-27 21:00"),  # Moscow 28 Oct 00:00 (+03)
        to_epoch("2024-10-05 13:30"),  # Lord Howe 6 Oct 00:00, still +10:30
    ]
    assert list(got) == expected


# --- working dates and intervals ----------------------------------------------------------------


def test_working_dates_precedence():
    got = [str(x) for x in working_dates(EXTRAS, d("2024-12-26"), d("2025-01-10"))]
    # RU: 28 Dec moved working Sat (but in extra_holidays -> off), 30 Dec - 8 Jan off,
    # 3 Jan in extra_workdays -> on
    assert got == ["2024-12-26", "2024-12-27", "2025-01-03", "2025-01-09", "2025-01-10"]
    got = [str(x) for x in working_dates(MSK, d("2024-12-26"), d("2025-01-10"))]
    assert got == ["2024-12-26", "2024-12-27", "2024-12-28", "2025-01-09", "2025-01-10"]
    got = [str(x) for x in working_dates(EXTRAS, d("2024-06-03"), d("2024-06-09"))]
    # Wed 5 Jun extra holiday; Sat 8 Jun in both lists -> working
    assert got == ["2024-06-03", "2024-06-04", "2024-06-06", "2024-06-07", "2024-06-08"]


def test_working_intervals_night_shift_merges_across_fall_back():
    starts, ends = working_intervals(BERLIN_NIGHT, d("2024-10-26"), d("2024-10-27"))
    # 26 Oct 00-06 CEST; 26 Oct 22:00 CEST -> 27 Oct 06:00 CET merged (9 h); 27 Oct 22-24 CET
    assert list(zip(starts, ends, strict=True)) == [
        (to_epoch("2024-10-25 22:00"), to_epoch("2024-10-26 04:00")),
        (to_epoch("2024-10-26 20:00"), to_epoch("2024-10-27 05:00")),
        (to_epoch("2024-10-27 21:00"), to_epoch("2024-10-27 23:00")),
    ]


def test_merge_intervals():
    starts = np.array([5.0, 0.0, 10.0, 3.0, 20.0, 30.0])
    ends = np.array([10.0, 2.0, 12.0, 6.0, 20.0, 31.0])
    # [0,2) alone; [3,6) + [5,10) overlap + [10,12) touches -> [3,12); [20,20) empty; [30,31)
    s, e = merge_intervals(starts, ends)
    assert list(s) == [0.0, 3.0, 30.0]
    assert list(e) == [2.0, 12.0, 31.0]


# --- part 2: property tests against the oracle ---------------------------------------------------

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Europe/Moscow",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
]
YEAR_START = int(to_epoch("2023-01-01"))
YEAR_END = int(to_epoch("2027-01-01"))


def _offset_days(zone: str) -> list[int]:
    """UTC midnights (epoch s) of the UTC days in 2023-2026 during which the zone's offset moves."""
    tz = ZoneInfo(zone)
    found = []
    previous = datetime.fromtimestamp(YEAR_START, tz).utcoffset()
    for day_start in range(YEAR_START, YEAR_END, 86_400):
        offset = datetime.fromtimestamp(day_start + 86_400, tz).utcoffset()
        if offset != previous:
            found.append(day_start)
        previous = offset
    return found


TRANSITIONS = {zone: _offset_days(zone) for zone in ZONES}
# RU New Year holidays and a moved Saturday: also worth aiming at
SPECIAL_DAYS = [int(to_epoch(x)) for x in ("2024-12-28", "2025-01-01", "2024-11-02", "2024-04-27")]
INTERESTING = sorted({x for days in TRANSITIONS.values() for x in days} | set(SPECIAL_DAYS))

PROFILE = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# The batch tests skip shrinking: re-running the oracle over a 50-ticket batch thousands of
# times takes minutes, and their assertion messages already name the failing tickets exactly.
NO_SHRINK = settings(PROFILE, phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target])


@composite
def working_hours(draw) -> tuple[tuple[int, int], ...]:
    """1-3 non-overlapping intervals at minute resolution; sometimes touching, sometimes 24:00."""
    count = draw(st.integers(1, 3))
    touching = draw(st.booleans())
    size = count + 1 if touching else 2 * count
    points = sorted(draw(st.lists(st.integers(0, 1440), min_size=size, max_size=size, unique=True)))
    if draw(st.booleans()) and 1440 not in points:
        points[-1] = 1440
    if touching:
        return tuple(pairwise(points))
    return tuple((points[2 * i], points[2 * i + 1]) for i in range(count))


@composite
def calendars(draw, around: date, zone: str | None = None) -> CalendarSpec:
    nearby = st.integers(-40, 100).map(lambda k: around + timedelta(days=k))
    return CalendarSpec(
        timezone=zone or draw(st.sampled_from(ZONES)),
        workdays=tuple(sorted(draw(st.sets(st.integers(0, 6), min_size=1)))),
        hours=draw(working_hours()),
        holidays=draw(st.sampled_from(["", "RU", "DE", "US"])),
        extra_holidays=frozenset(draw(st.lists(nearby, max_size=5))),
        extra_workdays=frozenset(draw(st.lists(nearby, max_size=3))),
    )


@composite
def batches(draw, size: int = 50):
    """A few calendars and `size` tickets (calendar, a, b, n) around one random moment."""
    center = draw(st.one_of(st.integers(YEAR_START, YEAR_END - 1), st.sampled_from(INTERESTING)))
    around = datetime.fromtimestamp(center, UTC).date()
    shared_zone = draw(st.sampled_from([None, *ZONES]))  # sometimes all in one zone
    specs = draw(st.lists(calendars(around, shared_zone), min_size=1, max_size=3))
    tickets = []
    for _ in range(size):
        position = draw(st.integers(0, len(specs) - 1))
        spec = specs[position]
        if draw(st.booleans()):  # to the second, anywhere within +-30 days
            a = center + draw(st.integers(-30 * 86_400, 30 * 86_400))
        else:  # on a local minute: hits interval edges exactly
            day = around + timedelta(days=draw(st.integers(-3, 3)))
            a = int(local_instant(spec.timezone, day, draw(st.integers(0, 1440))))
        duration = draw(
            st.one_of(
                st.integers(0, 60 * 86_400),
                st.integers(0, 3 * 86_400),
                st.integers(-3_600, 0),
                st.integers(0, 24 * 60).map(lambda m: 60 * m),
            )
        )
        daily = 60 * sum(end - start for start, end in spec.hours)
        n = draw(
            st.one_of(
                st.integers(0, 30 * daily),
                st.integers(0, daily),
                st.integers(0, 30 * daily // 60).map(lambda m: 60 * m),
            )
        )
        tickets.append((position, float(a), float(a + duration), float(n)))
    return specs, tickets


def _report(rows, specs, tickets, expected, got, label):
    lines = []
    for i in rows[:3]:
        position, a, b, n = tickets[i]
        spec = specs[position]
        lines.append(
            f"{label} row {i}: {spec!r}\n  a={from_epoch(a, spec.timezone)} ({a}) "
            f"b={from_epoch(b, spec.timezone)} ({b}) n={n}\n  oracle={expected[i]!r} "
            f"({from_epoch(expected[i], spec.timezone) if label == 'due' else ''}) "
            f"clock={got[i]!r} ({from_epoch(got[i], spec.timezone) if label == 'due' else ''})"
        )
    return "\n".join(lines)


def _mismatches(expected: np.ndarray, got: np.ndarray) -> np.ndarray:
    both_nan = np.isnan(expected) & np.isnan(got)
    close = np.abs(expected - got) <= TOL
    return np.flatnonzero(~(both_nan | close))


def _oracle_batch(specs, tickets) -> tuple[np.ndarray, np.ndarray]:
    """The oracle's business seconds of [a, b) and due(a, n) for every ticket."""
    business = [oracle_business_seconds(specs[c], a, b) for c, a, b, _ in tickets]
    due = [oracle_due(specs[c], a, n) for c, a, _, n in tickets]
    return np.array(business), np.array(due)


def _check_batch(specs, tickets, clock: BusinessClock, expected, expected_due) -> None:
    calendar = np.array([t[0] for t in tickets])
    a = np.array([t[1] for t in tickets])
    b = np.array([t[2] for t in tickets])
    n = np.array([t[3] for t in tickets])

    got = clock.business_seconds(calendar, a, b)
    bad = _mismatches(expected, got)
    assert bad.size == 0, _report(bad, specs, tickets, expected, got, "business")

    due = clock.due(calendar, a, n)
    bad = _mismatches(expected_due, due)
    assert bad.size == 0, _report(bad, specs, tickets, expected_due, due, "due")

    # identities on the clock's own side: business(a, due) == n, and due is the earliest such
    assert np.isfinite(due).all()  # every random calendar works on some weekday
    again = clock.business_seconds(calendar, a, due)
    np.testing.assert_allclose(again, n, rtol=0, atol=TOL)
    positive = n > 0
    before = clock.business_seconds(calendar[positive], a[positive], due[positive] - 1.0)
    assert (before < n[positive]).all()
    assert (due >= a).all()


def _local_dates(specs, tickets, instants) -> list[date]:
    return [
        datetime.fromtimestamp(x, ZoneInfo(specs[t[0]].timezone)).date()
        for t, x in zip(tickets, instants, strict=True)
        if math.isfinite(x)
    ]


@settings(NO_SHRINK, max_examples=400)
@given(batches())
def test_clock_matches_oracle(batch):
    """Random calendars and tickets; one clock (default grid step) over all the dates involved.

    The clock spans every a, b and due date, so nothing has to grow it: this checks the grid
    itself. Growing is test_clock_matches_oracle_with_narrow_clock's job.
    """
    specs, tickets = batch
    expected, expected_due = _oracle_batch(specs, tickets)
    starts = _local_dates(specs, tickets, [t[1] for t in tickets])
    latest = [max(t[2], due) for t, due in zip(tickets, expected_due, strict=True)]
    ends = _local_dates(specs, tickets, latest)
    clock = BusinessClock(specs, min(starts) - timedelta(days=30), max(ends) + timedelta(days=2))
    _check_batch(specs, tickets, clock, expected, expected_due)


@settings(NO_SHRINK, max_examples=200)
@given(batches(size=25), st.integers(-5, 5), st.integers(0, 5))
def test_clock_matches_oracle_with_narrow_clock(batch, shift, width):
    """The clock is built over a few random dates only: most queries must grow it."""
    specs, tickets = batch
    expected, expected_due = _oracle_batch(specs, tickets)
    center = datetime.fromtimestamp(tickets[0][1], UTC).date()
    first = center + timedelta(days=shift)
    last = first + timedelta(days=width)
    # The clock may have no working time of some calendar at all, and its grid step may not
    # fit the dates it grows to (both were bugs; see part 3).
    clock = BusinessClock(specs, first, last)
    _check_batch(specs, tickets, clock, expected, expected_due)


@settings(PROFILE, max_examples=200)
@given(
    st.sampled_from([*ZONES, "UTC"]),
    st.lists(
        st.one_of(
            st.integers(YEAR_START, YEAR_END),
            st.sampled_from(INTERESTING).flatmap(lambda x: st.integers(x, x + 86_400)),
        ),
        min_size=1,
        max_size=200,
    ),
    st.lists(
        # wall-clock readings on quarter hours of the days around a transition: hits the
        # exact edges of gaps and repeated hours (the UTC midnight read as local, -1 day..+2)
        st.sampled_from(INTERESTING).flatmap(
            lambda x: st.integers(-96, 192).map(lambda k: float(x + 900 * k))
        ),
        min_size=1,
        max_size=200,
    ),
)
def test_local_time_matches_zoneinfo(zone, instants, quarter_hours):
    tz = ZoneInfo(zone)
    epoch = datetime(1970, 1, 1)
    utc = np.array(instants, dtype=float)
    walls = [datetime.fromtimestamp(x, tz).replace(tzinfo=None) for x in instants]
    expected_local = np.array([(w - epoch).total_seconds() for w in walls])
    np.testing.assert_array_equal(utc_to_local(utc, zone), expected_local)
    # local -> UTC by fold=0: the readings above, the same shifted by 0-59 min (lands in gaps)
    # and the quarter hours
    naive = np.concatenate([expected_local, expected_local + (utc % 3_600), quarter_hours])
    expected_utc = np.array(
        [(epoch + timedelta(seconds=x)).replace(tzinfo=tz, fold=0).timestamp() for x in naive]
    )
    np.testing.assert_array_equal(local_to_utc(naive, zone), expected_utc)


# --- part 3: regressions — bugs the oracle found, each with its minimal reproducer ----------------


def test_due_when_clock_dates_are_all_holidays():
    a = to_epoch("2025-01-02 10:00", "Europe/Moscow")
    # RU 1-8 Jan 2025 are days off; 3 h later in working time is Thu 9 Jan 12:00
    want = to_epoch("2025-01-09 12:00", "Europe/Moscow")
    assert oracle_due(MSK, a, 3 * 3600.0) == want
    clock = BusinessClock([MSK, ODD], d("2025-01-01"), d("2025-01-05"))
    got = clock.due(np.array([0]), np.array([a]), np.array([3 * 3600.0]))
    assert got[0] == want, from_epoch(got[0], "Europe/Moscow")


def test_due_when_clock_dates_miss_the_only_workday():
    saturdays = CalendarSpec(timezone="UTC", workdays=(5,), holidays="")
    a = to_epoch("2024-06-04 10:00")  # a Tuesday
    want = to_epoch("2024-06-08 10:00")  # Sat 09:00 + 60 min
    assert oracle_due(saturdays, a, 3600.0) == want
    clock = BusinessClock([saturdays, ODD], d("2024-06-03"), d("2024-06-07"))
    got = clock.due(np.array([0]), np.array([a]), np.array([3600.0]))
    assert got[0] == want, from_epoch(got[0])


def test_due_on_a_clock_without_any_interval():
    a = to_epoch("2024-06-04 10:00")
    clock = BusinessClock([NEVER], d("2024-06-01"), d("2024-06-30"))
    got = clock.due(np.array([0]), np.array([a]), np.array([60.0]))
    assert math.isnan(got[0])  # no deadline exists; the oracle agrees (see part 1)


def test_business_in_fall_back_day_before_clock_start():
    """Regression: an earlier clock mis-read the first hour of a 25-hour date before `first`."""
    spec = CalendarSpec(
        timezone="Europe/Berlin",
        workdays=EVERY_DAY,
        hours=spans("00:00-00:30", "00:40-02:00"),
        holidays="",
    )
    a = to_epoch("2024-10-27 00:10", "Europe/Berlin")
    b = to_epoch("2024-10-27 05:00", "Europe/Berlin")
    # 00:10-00:30 (20 min) + 00:40-02:00 (80 min; 02:00 is its first occurrence) = 100 min
    assert oracle_business_seconds(spec, a, b) == 100 * 60
    clock = BusinessClock([spec], d("2024-10-28"), d("2024-10-30"))  # covers from 27 Oct 00:00
    assert clock.covers(np.array([0]), np.array([a]))
    got = clock.business_seconds(np.array([0]), np.array([a]), np.array([b]))
    assert got[0] == 100 * 60


LORD_HOWE = CalendarSpec(timezone="Australia/Lord_Howe", holidays="")  # Mon-Fri 09:00-18:00


def test_grown_clock_across_a_half_hour_offset_change():
    clock = BusinessClock([LORD_HOWE], d("2024-11-04"), d("2024-11-08"))
    a = to_epoch("2024-06-04 08:00", LORD_HOWE.timezone)
    b = to_epoch("2024-06-04 09:15", LORD_HOWE.timezone)
    # 08:00 -> 09:15 with a 09:00 start = 15 working minutes
    assert oracle_business_seconds(LORD_HOWE, a, b) == 15 * 60
    got = clock.business_seconds(np.array([0]), np.array([a]), np.array([b]))
    assert got[0] == 15 * 60  # the clock says 45 min (the day starts at 08:30 on its grid)


def test_grown_clock_after_a_range_without_work_business():
    odd_ru = CalendarSpec(timezone="UTC", hours=spans("09:10-17:50"), holidays="RU")
    clock = BusinessClock([odd_ru], d("2025-01-02"), d("2025-01-06"))  # RU days off only
    a, b = to_epoch("2025-01-09 09:00"), to_epoch("2025-01-09 10:00")
    # 09:00 -> 10:00 with a 09:10 start = 50 working minutes
    assert oracle_business_seconds(odd_ru, a, b) == 50 * 60
    got = clock.business_seconds(np.array([0]), np.array([a]), np.array([b]))
    assert got[0] == 50 * 60  # the clock says 60 min


def test_grown_clock_after_a_range_without_work_due():
    odd_ru = CalendarSpec(timezone="UTC", hours=spans("09:10-17:50"), holidays="RU")
    clock = BusinessClock([odd_ru, MSK], d("2025-01-02"), d("2025-01-06"))
    a = to_epoch("2025-01-09 09:00")
    want = to_epoch("2025-01-09 09:20")  # starts at 09:10, + 10 min
    assert oracle_due(odd_ru, a, 600.0) == want
    got = clock.due(np.array([0]), np.array([a]), np.array([600.0]))
    assert got[0] == want, from_epoch(got[0])


def test_a_calendar_of_listed_days_stops_working_after_the_last_one() -> None:
    listed = CalendarSpec(
        workdays=(), holidays="", extra_workdays=frozenset({date(2024, 3, 20), date(2024, 4, 6)})
    )
    assert works_after(listed, date(2024, 3, 25)) and not works_after(listed, date(2024, 4, 6))
    # RU moves working days by decree (2024-04-27 was a working Saturday); none are known for 2040
    moved_only = CalendarSpec(workdays=(), holidays="RU")
    assert works_after(moved_only, date(2024, 3, 1)) and not works_after(moved_only, date(2040, 1, 1))
    assert works_after(MSK, date(2040, 1, 1))  # it works on weekdays: always
    assert not works_after(CalendarSpec(hours=()), date(2024, 1, 1))


def test_a_deadline_past_a_calendars_last_working_day_never_comes() -> None:
    listed = CalendarSpec(workdays=(), holidays="", extra_workdays=frozenset({date(2024, 3, 20)}))
    clock = BusinessClock([listed], date(2024, 3, 1), date(2024, 3, 10))
    start = np.array([to_epoch("2024-03-06 12:00", "Europe/Moscow")])
    # the only working time is 09:00-18:00 on 20 March: 60 minutes come due at 10:00, 600 never
    assert clock.due(np.array([0]), start, np.array([3600.0]))[0] == to_epoch(
        "2024-03-20 10:00", "Europe/Moscow"
    )
    assert np.isnan(clock.due(np.array([0]), start, np.array([600 * 60.0]))[0])

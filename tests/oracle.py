"""A slow, obviously-right reference for business time (DESIGN "Business time, precisely").

Independent of `metrics/`: it reads only the public fields of a calendar spec (timezone,
workdays, hours, holidays, extra_holidays, extra_workdays) and uses plain datetime, zoneinfo and
the `holidays` package, one local date at a time. No numpy, no bucket tables, no cleverness.

Instants are float seconds since the Unix epoch (UTC); NaN means "no value".
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_lib

ONE_DAY = timedelta(days=1)


@cache
def _holiday_sets(code: str, year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(days off, moved working days) the `holidays` package lists for one year."""
    if not code:
        return frozenset(), frozenset()
    country, _, subdivision = code.partition("-")
    table = holidays_lib.country_holidays(country, subdiv=subdivision or None, years=year)
    days_off = frozenset(table.keys())
    moved_on = frozenset(getattr(table, "weekend_workdays", None) or ())
    return days_off, moved_on


def is_working_date(spec: Any, day: date) -> bool:
    """Precedence: extra_workdays > extra_holidays > the `holidays` package (its days off are off,
    its moved working days on) > the weekday (Monday = 0)."""
    if day in spec.extra_workdays:
        return True
    if day in spec.extra_holidays:
        return False
    days_off, moved_on = _holiday_sets(spec.holidays, day.year)
    if day in days_off:
        return False
    if day in moved_on:
        return True
    return day.weekday() in spec.workdays


def local_instant(timezone: str, day: date, minutes: int) -> float:
    """UTC seconds of local `day` + `minutes` (1440 = next midnight), with PEP 495 fold=0.

    fold=0 is DESIGN's rule: a repeated wall-clock time is its first occurrence, and a skipped
    one uses the offset from before the gap, i.e. it moves forward by the gap.
    """
    day = day + timedelta(days=minutes // 1440)
    minutes %= 1440
    wall = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=ZoneInfo(timezone))
    return wall.replace(fold=0).timestamp()


def local_date_of(timezone: str, instant: float) -> date:
    """The local calendar date of a UTC instant."""
    return datetime.fromtimestamp(instant, ZoneInfo(timezone)).date()


def day_intervals(spec: Any, day: date) -> list[tuple[float, float]]:
    """The working intervals [start, end) of one local date, as UTC seconds (maybe empty)."""
    if not is_working_date(spec, day):
        return []
    return [
        (local_instant(spec.timezone, day, start), local_instant(spec.timezone, day, end))
        for start, end in spec.hours
    ]


def union(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sorted, disjoint union of [start, end) intervals; touching ones joined, empty ones gone."""
    merged: list[list[float]] = []
    for start, end in sorted(iv for iv in intervals if iv[1] > iv[0]):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def intervals_between(spec: Any, first: date, last: date) -> list[tuple[float, float]]:
    """The union of the working intervals of local dates first..last (inclusive)."""
    collected: list[tuple[float, float]] = []
    day = first
    while day <= last:
        collected.extend(day_intervals(spec, day))
        day += ONE_DAY
    return union(collected)


def oracle_business_seconds(spec: Any, a: float, b: float) -> float:
    """Working seconds of [a, b); NaN if either end is NaN; 0 when b <= a."""
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if b <= a:
        return 0.0
    # One local date of slack on both sides: a DST jump can push an interval of a neighbouring
    # date across midnight, and the day before may end at 24:00.
    first = local_date_of(spec.timezone, a) - ONE_DAY
    last = local_date_of(spec.timezone, b) + ONE_DAY
    total = 0.0
    for start, end in intervals_between(spec, first, last):
        low, high = max(start, a), min(end, b)
        if high > low:
            total += high - low
    return total


def oracle_due(spec: Any, a: float, n_seconds: float, horizon_days: int = 366 * 12) -> float:
    """The earliest t >= a with oracle_business_seconds(spec, a, t) == n_seconds.

    Walks forward a week of local dates at a time; NaN when there is not enough working time
    within `horizon_days` (e.g. a calendar that never works).
    """
    if math.isnan(a) or math.isnan(n_seconds):
        return math.nan
    if n_seconds == 0:
        return a
    remaining = n_seconds
    start_day = local_date_of(spec.timezone, a) - ONE_DAY
    chunk = 7
    offset = 0
    while offset <= horizon_days:
        first = start_day + timedelta(days=offset)
        last = first + timedelta(days=chunk - 1)
        # Union with one extra date each side so that a DST-shifted neighbour is merged, then
        # keep only what lies in this chunk's own dates (never counted twice: clip at the
        # chunk's boundaries, which are the local midnights).
        low_bound = local_instant(spec.timezone, first, 0)
        high_bound = local_instant(spec.timezone, last, 1440)
        for start, end in intervals_between(spec, first - ONE_DAY, last + ONE_DAY):
            start, end = max(start, low_bound, a), min(end, high_bound)
            if end <= start:
                continue
            length = end - start
            if remaining <= length:
                return start + remaining
            remaining -= length
        offset += chunk
    return math.nan


def to_epoch(text: str, timezone: str = "UTC", fold: int = 0) -> float:
    """'2024-03-31 02:30[:ss]' read as wall-clock time in `timezone` -> UTC seconds."""
    naive = datetime.fromisoformat(text)
    return naive.replace(tzinfo=ZoneInfo(timezone), fold=fold).timestamp()


def from_epoch(instant: float, timezone: str = "UTC") -> str:
    """UTC seconds -> 'YYYY-MM-DD HH:MM:SS±HH:MM' wall-clock time in `timezone` (for messages)."""
    if math.isnan(instant):
        return "NaN"
    return datetime.fromtimestamp(instant, UTC).astimezone(ZoneInfo(timezone)).isoformat(" ")

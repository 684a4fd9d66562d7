"""Business time: working calendars, local-time rules and a vectorised working-time clock.

All instants are float64 seconds since the Unix epoch (UTC), NaN for "no value": exact to the
second for any date we meet, and numpy does the arithmetic for millions of tickets at once.

The clock lays each calendar's working intervals (as UTC instants) on a grid of equal buckets,
each wholly working or not, and keeps W — the working time accumulated before each bucket.
Then business(a, b) = W(b) - W(a) and due(a, n) inverts W: a gather and a multiplication per
query, in numpy here and as plain equi-joins in the build's SQL, which reads the same grid.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

import holidays as holidays_lib
import numpy as np

DAY_S = 86_400
BUCKET_S = 3_600  # the widest grid bucket; narrower when calendars start off the hour
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday


@dataclass(frozen=True)
class CalendarSpec:
    """When a team works: timezone, working weekdays, daily hours, holidays and exceptions."""

    timezone: str = "Europe/Moscow"
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    hours: tuple[tuple[int, int], ...] = ((9 * 60, 18 * 60),)  # minutes after local midnight
    holidays: str = "RU"  # country code for the `holidays` package, "" for none
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)

    def in_timezone(self, timezone: str) -> CalendarSpec:
        """The same working pattern, observed in another timezone."""
        return replace(self, timezone=timezone)

    @classmethod
    def from_table(cls, table: Mapping[str, object]) -> CalendarSpec:
        """A calendar from its `[calendars.NAME]` TOML table (validated, readable errors)."""
        timezone = str(table["timezone"])
        if timezone not in available_timezones():
            raise ValueError(f"timezone {timezone!r} is not an IANA timezone such as 'Europe/Moscow'")
        workdays = tuple(sorted({parse_weekday(str(day)) for day in _as_list(table["workdays"], "workdays")}))
        hours = parse_hours([str(span) for span in _as_list(table["hours"], "hours")])
        if not hours:
            raise ValueError("hours must give at least one working interval, such as '09:00-18:00'")
        return cls(
            timezone=timezone,
            workdays=workdays,
            hours=hours,
            holidays=holiday_code(table.get("holidays", "")),
            extra_holidays=_dates(table.get("extra_holidays", []), "extra_holidays"),
            extra_workdays=_dates(table.get("extra_workdays", []), "extra_workdays"),
        )

    def to_table(self) -> dict[str, object]:
        """The inverse of `from_table`, for writing the config in force."""
        return {
            "timezone": self.timezone,
            "workdays": [WEEKDAYS[d] for d in self.workdays],
            "hours": [f"{_hhmm(s)}-{_hhmm(e)}" for s, e in self.hours],
            "holidays": self.holidays,
            "extra_holidays": sorted(d.isoformat() for d in self.extra_holidays),
            "extra_workdays": sorted(d.isoformat() for d in self.extra_workdays),
        }


def _as_list(value: object, key: str) -> list[object]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValueError(f"{key} must be a list, got {value!r}")
    return list(value)


def _dates(value: object, key: str) -> frozenset[date]:
    days = set()
    for item in _as_list(value, key):
        try:
            days.add(item if isinstance(item, date) else date.fromisoformat(str(item)))
        except ValueError:
            raise ValueError(f"{key}: {item!r} is not a date such as 2026-01-02") from None
    return frozenset(days)


def holiday_code(value: object) -> str:
    """A `holidays` country code, optionally with a subdivision ("RU", "us", "DE-BY"), checked
    against the package; "" for none."""
    if not isinstance(value, str):
        raise ValueError(f'holidays must be a country code such as "RU" (or "" for none), got {value!r}')
    code = value.strip().upper()
    try:
        _public_holidays(code, 2000)  # the package refuses a code it does not know
    except NotImplementedError as error:
        raise ValueError(f"holidays {value!r}: {error}") from None
    return code


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_weekday(name: str) -> int:
    """'mon' -> 0 … 'sun' -> 6; full English names work too, in any case."""
    key = name.strip().lower()
    for index, short in enumerate(WEEKDAYS):
        if key in (short, WEEKDAY_NAMES[index]):
            return index
    raise ValueError(f"unknown weekday {name!r}; use one of {', '.join(WEEKDAYS)} (or full names)")


def parse_hours(spans: Sequence[str]) -> tuple[tuple[int, int], ...]:
    """['09:00-13:00', '14:00-18:00'] -> ((540, 780), (840, 1080)); '24:00' may end a span."""
    parsed = []
    for span in spans:
        try:
            start_text, end_text = span.split("-")
            start, end = _minutes(start_text), _minutes(end_text)
        except ValueError as error:
            raise ValueError(f"working hours {span!r}: expected 'HH:MM-HH:MM' ({error})") from None
        if not 0 <= start < end <= 24 * 60:
            raise ValueError(f"working hours {span!r}: must start before it ends, within one day")
        parsed.append((start, end))
    parsed.sort()
    for (_, end), (start, _) in itertools.pairwise(parsed):
        if start < end:
            raise ValueError(f"working hours {list(spans)!r} overlap")
    return tuple(parsed)


def _minutes(text: str) -> int:
    hours, minutes = text.strip().split(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"{text!r} is not HH:MM")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > 24 * 60:
        raise ValueError(f"{text!r} is not a time of day")
    return value


# --- local time -------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def tz_switches(timezone: str, first_year: int, last_year: int) -> tuple[np.ndarray, np.ndarray]:
    """Where a zone's UTC offset changes, as local wall-clock switch points.

    Returns (switch_local_s, offsets_s): a naive local time L (seconds, read as if UTC) is at
    offset offsets_s[k], where k = number of switch points <= L. Each switch point is the
    transition's later wall-clock reading, so a repeated hour resolves to its first occurrence
    and a skipped one to the offset before the gap (02:30 in a 02:00->03:00 jump is 03:30):
    Python's fold=0, as DESIGN asks.
    """
    zone = ZoneInfo(timezone)
    start = int(datetime(first_year, 1, 1, tzinfo=UTC).timestamp()) - 2 * DAY_S
    stop = int(datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp()) + 2 * DAY_S

    def offset(instant: int) -> int:
        delta = datetime.fromtimestamp(instant, zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    switches: list[int] = []
    offsets = [offset(start)]
    for day_start in range(start, stop, DAY_S):
        before, after = offset(day_start), offset(day_start + DAY_S)
        if before == after:
            continue
        low, high = day_start, day_start + DAY_S  # offset(low) == before, offset(high) == after
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if offset(middle) == before else (low, middle)
        switches.append(high + max(before, after))
        offsets.append(after)
    return np.asarray(switches, dtype=np.float64), np.asarray(offsets, dtype=np.float64)


def _years_spanned(seconds: np.ndarray) -> tuple[int, int]:
    finite = seconds[np.isfinite(seconds)]
    if finite.size == 0:
        return 2000, 2000
    first = datetime.fromtimestamp(float(finite.min()), UTC).year
    last = datetime.fromtimestamp(float(finite.max()), UTC).year
    return first, last


def local_to_utc(local_s: np.ndarray, timezone: str) -> np.ndarray:
    """Naive local wall-clock seconds -> UTC seconds, by DESIGN's DST rule (see tz_switches)."""
    local_s = np.asarray(local_s, dtype=np.float64)
    switches, offsets = tz_switches(timezone, *_years_spanned(local_s))
    return local_s - offsets[np.searchsorted(switches, local_s, side="right")]


def utc_to_local(utc_s: np.ndarray, timezone: str) -> np.ndarray:
    """UTC seconds -> naive local wall-clock seconds (unambiguous in this direction)."""
    utc_s = np.asarray(utc_s, dtype=np.float64)
    switches, offsets = tz_switches(timezone, *_years_spanned(utc_s))
    # The same switch table, expressed as UTC instants: the transition happened at
    # switch - max(before, after); before it the earlier offset applies.
    transition_utc = switches - np.maximum(offsets[:-1], offsets[1:])
    return utc_s + offsets[np.searchsorted(transition_utc, utc_s, side="right")]


# --- working days and intervals ----------------------------------------------------------------


@lru_cache(maxsize=1024)
def _public_holidays(code: str, year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(days off, moved working days) of one year from the `holidays` package."""
    if not code:
        return frozenset(), frozenset()
    country, _, subdivision = code.partition("-")
    table = holidays_lib.country_holidays(country, subdiv=subdivision or None, years=year)
    weekend_workdays: set[date] = getattr(table, "weekend_workdays", set()) or set()
    return frozenset(table.keys()), frozenset(weekend_workdays)


def working_dates(spec: CalendarSpec, first: date, last: date) -> np.ndarray:
    """The working local dates in [first, last], as numpy datetime64[D].

    Precedence: extra_workdays > extra_holidays > the holidays package (its moved working
    Saturdays are working days) > the weekday.
    """
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    weekday = (days.astype(np.int64) + _EPOCH_WEEKDAY) % 7
    working = np.isin(weekday, spec.workdays)
    off: set[date] = set()
    moved_on: set[date] = set()
    for year in range(first.year, last.year + 1):
        year_off, year_on = _public_holidays(spec.holidays, year)
        off |= year_off
        moved_on |= year_on
    working[_mask_of(days, moved_on)] = True
    working[_mask_of(days, off)] = False
    working[_mask_of(days, spec.extra_holidays)] = False
    working[_mask_of(days, spec.extra_workdays)] = True
    return days[working]


def _mask_of(days: np.ndarray, chosen: set[date] | frozenset[date]) -> np.ndarray:
    if not chosen:
        return np.zeros(days.shape, dtype=bool)
    return np.isin(days, np.array(sorted(chosen), dtype="datetime64[D]"))


def working_intervals(spec: CalendarSpec, first: date, last: date) -> tuple[np.ndarray, np.ndarray]:
    """Working intervals of the local dates [first, last] as sorted, disjoint UTC [start, end).

    An interval that crosses a DST change counts the real elapsed time; intervals that touch or
    overlap after the change are merged.
    """
    day_s = working_dates(spec, first, last).astype(np.int64).astype(np.float64) * DAY_S
    spans = np.asarray(spec.hours, dtype=np.float64).reshape(-1, 2) * 60
    local_starts = (day_s[:, None] + spans[None, :, 0]).ravel()
    local_ends = (day_s[:, None] + spans[None, :, 1]).ravel()
    starts = local_to_utc(local_starts, spec.timezone)
    ends = local_to_utc(local_ends, spec.timezone)
    return merge_intervals(starts, ends)


def merge_intervals(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of [start, end) intervals: sorted, disjoint, touching ones joined, empty ones gone."""
    keep = ends > starts
    starts, ends = starts[keep], ends[keep]
    if starts.size == 0:
        return starts, ends
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    reach = np.maximum.accumulate(ends)
    opens_group = np.r_[True, starts[1:] > reach[:-1]]
    group_starts = np.flatnonzero(opens_group)
    return starts[group_starts], np.maximum.reduceat(ends, group_starts)


# --- the clock ---------------------------------------------------------------------------------


def grid_step(boundaries: np.ndarray) -> int:
    """The widest bucket (at most an hour) whose edges fall on every interval boundary.

    With it, every bucket of the grid is wholly working or wholly not: W(t) is one lookup plus
    one multiplication, in numpy and in SQL alike. An hour for 09:00-18:00; ten minutes for
    09:10-17:50; fifteen for a zone at +05:45.
    """
    whole = np.asarray(boundaries, dtype=np.int64)
    return int(np.gcd.reduce(np.concatenate([[BUCKET_S], whole % BUCKET_S])))


class BusinessClock:
    """Working time of many calendars at once; every method is vectorised over tickets.

    `calendar` arguments are integer positions in the `specs` the clock was built with. The clock
    covers local dates [first, last] and grows on demand when an instant or a deadline falls
    outside. Internally a grid of `step`-second buckets per calendar holds W at each bucket's
    start and whether the bucket is working; `grid_tables()` hands the same grid to SQL.
    """

    def __init__(
        self, specs: Sequence[CalendarSpec], first: date, last: date, step: int | None = None
    ) -> None:
        self.specs = tuple(specs)
        self.first, self.last = first, last
        intervals = [
            working_intervals(spec, first - timedelta(days=1), last + timedelta(days=1))
            for spec in self.specs
        ]
        edges = [np.concatenate([s, e]) for s, e in intervals]
        self.step = step or grid_step(np.concatenate(edges) if edges else np.zeros(0))
        count = len(self.specs)
        self.first_bucket = np.zeros(count, dtype=np.int64)
        self.bucket_count = np.zeros(count, dtype=np.int64)
        self.bucket_base = np.zeros(count, dtype=np.int64)
        self.work_base = np.zeros(count, dtype=np.int64)
        self.work_count = np.zeros(count, dtype=np.int64)
        worked_before, working, work_starts = [], [], []
        for position, (spec, (starts, ends)) in enumerate(zip(self.specs, intervals, strict=True)):
            origin = _midnight_utc(first - timedelta(days=1), spec.timezone)
            horizon = _midnight_utc(last + timedelta(days=1), spec.timezone)
            first_bucket = int(origin // self.step)
            buckets = int(-(-horizon // self.step)) - first_bucket
            is_working = _working_buckets(starts, ends, first_bucket, buckets, self.step)
            worked_before.append(np.concatenate([[0.0], np.cumsum(is_working)[:-1]]) * self.step)
            working.append(is_working)
            work_starts.append((np.flatnonzero(is_working) + first_bucket) * float(self.step))
            self.first_bucket[position], self.bucket_count[position] = first_bucket, buckets
            self.bucket_base[position] = sum(len(w) for w in working[:-1])
            self.work_base[position] = sum(len(w) for w in work_starts[:-1])
            self.work_count[position] = len(work_starts[-1])
        self.worked = np.concatenate(worked_before) if worked_before else np.zeros(0)
        self.working = np.concatenate(working) if working else np.zeros(0, dtype=bool)
        self.work_starts = np.concatenate(work_starts) if work_starts else np.zeros(0)

    # queries --------------------------------------------------------------------------------

    def _bucket(self, calendar: np.ndarray, instants: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(bucket number, whether it lies inside the grid) of each instant."""
        number = np.floor(np.nan_to_num(instants) / self.step).astype(np.int64)
        local = number - self.first_bucket[calendar]
        inside = np.isfinite(instants) & (local >= 0) & (local < self.bucket_count[calendar])
        return number, inside

    def covers(self, calendar: np.ndarray, instants: np.ndarray) -> bool:
        """Whether every finite instant lies inside the grid."""
        instants = np.asarray(instants, dtype=np.float64)
        _, inside = self._bucket(calendar, instants)
        return bool(np.all(inside | ~np.isfinite(instants)))

    def worked_before(self, calendar: np.ndarray, instants: np.ndarray) -> np.ndarray:
        """W(t): working seconds from the grid's start up to each instant (NaN stays NaN)."""
        calendar = np.asarray(calendar, dtype=np.int64)
        instants = np.asarray(instants, dtype=np.float64)
        number, inside = self._bucket(calendar, instants)
        row = np.where(inside, self.bucket_base[calendar] + number - self.first_bucket[calendar], 0)
        into = np.where(self.working[row], instants - number * float(self.step), 0.0)
        return np.where(inside, self.worked[row] + into, np.nan)

    def business_seconds(self, calendar: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Working seconds of [start, end) in each row's calendar; 0 when end <= start."""
        calendar = np.asarray(calendar, dtype=np.int64)
        clock = self._covering(calendar, start, end)
        worked = clock.worked_before(calendar, end) - clock.worked_before(calendar, start)
        return np.where(np.isnan(worked), np.nan, np.maximum(worked, 0.0))

    def due(self, calendar: np.ndarray, start: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """The earliest instant t >= start with business_seconds(start, t) == seconds.

        NaN where the calendar never works again. A deadline past the grid grows it (doubling
        the span each time, up to 200 years) while the calendar still works after the grid.
        """
        calendar = np.asarray(calendar, dtype=np.int64)
        start = np.asarray(start, dtype=np.float64)
        seconds = np.asarray(seconds, dtype=np.float64)
        clock = self._covering(calendar, start)
        while True:
            target = clock.worked_before(calendar, start) + seconds
            short = np.isfinite(target) & (seconds > 0)
            short &= target > clock.work_count[calendar] * clock.step
            can_work = np.array([works_after(spec, clock.last) for spec in self.specs], dtype=bool)
            if not np.any(short & can_work[calendar]) or clock.last.year > self.first.year + 200:
                break
            later = clock.last + (clock.last - clock.first) + timedelta(days=31)
            clock = clock.extended_to(clock.first, later)
        due = clock.instant_of_work(calendar, target)
        due = np.where(seconds <= 0, start, due)
        return np.where(np.isfinite(start) & np.isfinite(seconds), due, np.nan)

    def instant_of_work(self, calendar: np.ndarray, target: np.ndarray) -> np.ndarray:
        """W^-1: the earliest instant whose W equals the target (NaN beyond the grid).

        All working buckets before the j-th are full, so it starts at W = j * step.
        """
        target = np.asarray(target, dtype=np.float64)
        if self.work_starts.size == 0:
            return np.full(target.shape, np.nan)
        ordinal = np.ceil(np.nan_to_num(target) / self.step).astype(np.int64) - 1
        ordinal = np.maximum(ordinal, 0)
        inside = np.isfinite(target) & (ordinal < self.work_count[calendar])
        row = np.where(inside, self.work_base[calendar] + ordinal, 0)
        instant = self.work_starts[row] + (target - ordinal * float(self.step)) if row.size else target
        return np.where(inside, instant, np.nan)

    def extended_to(self, first: date, last: date) -> BusinessClock:
        """The same calendars, covering at least the local dates [first, last].

        The grid step is chosen afresh: the new dates may have boundaries off the old grid
        (another DST offset, a calendar that had no working day in the old range)."""
        return BusinessClock(self.specs, min(first, self.first), max(last, self.last))

    def _covering(self, calendar: np.ndarray, *instants: np.ndarray) -> BusinessClock:
        """This clock, or a wider one when some instant falls outside its grid."""
        clock = self
        for values in instants:
            values = np.asarray(values, dtype=np.float64)
            if clock.covers(calendar, values):
                continue
            first = _utc_date(float(np.nanmin(values))) - timedelta(days=2)
            last = _utc_date(float(np.nanmax(values))) + timedelta(days=2)
            clock = clock.extended_to(first, last)
        return clock

    def end_of_local_date(self, calendar: np.ndarray, days: np.ndarray) -> np.ndarray:
        """The instant a local date (days since 1970-01-01) ends, in each row's calendar."""
        calendar = np.asarray(calendar, dtype=np.int64)
        local = (np.asarray(days, dtype=np.float64) + 1) * DAY_S
        out = np.full(local.shape, np.nan)
        for position, spec in enumerate(self.specs):
            rows = calendar == position
            if np.any(rows):
                out[rows] = local_to_utc(local[rows], spec.timezone)
        return out

    # the same grid, for SQL -----------------------------------------------------------------

    def grid_tables(self) -> tuple[dict[str, object], dict[str, object]]:
        """(calendar_buckets, calendar_work_buckets) as column arrays for DuckDB.

        calendar_buckets: calendar_id, bucket (floor(epoch / step)), worked_before, is_working.
        calendar_work_buckets: calendar_id, ordinal (0-based among working buckets), starts_at.
        """
        calendar_ids = np.repeat(np.arange(len(self.specs), dtype=np.int32), self.bucket_count)
        local = np.arange(self.worked.size, dtype=np.int64) - np.repeat(self.bucket_base, self.bucket_count)
        buckets = {
            "calendar_id": calendar_ids,
            "bucket": local + np.repeat(self.first_bucket, self.bucket_count),
            "worked_before": self.worked,
            "is_working": self.working,
        }
        work_ids = np.repeat(np.arange(len(self.specs), dtype=np.int32), self.work_count)
        ordinals = np.arange(self.work_starts.size, dtype=np.int64) - np.repeat(
            self.work_base, self.work_count
        )
        work = {"calendar_id": work_ids, "ordinal": ordinals, "starts_at": self.work_starts}
        return buckets, work


# Moved working days are decreed a year or so ahead: look this far past a date for them.
MOVED_DAYS_AHEAD_YEARS = 5


def works_after(spec: CalendarSpec, day: date) -> bool:
    """Whether the calendar has working time on some date after `day`: always when it works
    on some weekday; else only on its listed days (extra working days, moved working days of
    its holidays package) — past the last of them a deadline never comes."""
    if not spec.hours:
        return False
    if spec.workdays:
        return True
    if any(extra > day for extra in spec.extra_workdays):
        return True
    for year in range(day.year, day.year + MOVED_DAYS_AHEAD_YEARS + 1):
        _, moved = _public_holidays(spec.holidays, year)
        if any(moved_day > day and moved_day not in spec.extra_holidays for moved_day in moved):
            return True
    return False


def _working_buckets(
    starts: np.ndarray, ends: np.ndarray, first_bucket: int, buckets: int, step: int
) -> np.ndarray:
    """Which buckets of [first_bucket, first_bucket + buckets) lie inside a working interval."""
    change = np.zeros(buckets + 1, dtype=np.int64)
    lo = np.clip(np.round(starts / step).astype(np.int64) - first_bucket, 0, buckets)
    hi = np.clip(np.round(ends / step).astype(np.int64) - first_bucket, 0, buckets)
    np.add.at(change, lo, 1)
    np.add.at(change, hi, -1)
    return np.cumsum(change[:-1]) > 0


def _utc_date(instant: float) -> date:
    return datetime.fromtimestamp(instant, UTC).date()


def _midnight_utc(day: date, timezone: str) -> float:
    local = np.array([float(np.datetime64(day, "D").astype(np.int64) * DAY_S)])
    return float(local_to_utc(local, timezone)[0])

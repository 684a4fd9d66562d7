"""Seeded synthetic exports in the canonical format (DESIGN, "Canonical input").

`generate()` invents a customer base and writes what its tools would export: CRM accounts, the
modules each account pays for, helpdesk tickets with part of their status history, and product
usage (daily aggregates for everyone plus a small user-level event log). The data carries the
effects the marts look for, so the dashboard has something to show:

- tickets of dedicated-manager (`ism`) accounts resolve 65-70 % faster in business time than the
  tiered line's (`standard`); every reassignment adds ~40 % to the handling time; bugs are fast;
  a realistic share breach the SLA targets of DESIGN's default config; ~3 % are still open at the
  end, the recent ones at risk;
- some paid modules are never used, some by a small share of users; some healthy accounts grow,
  a few decline;
- churn follows low use and bad service: ~22 % of the accounts leave during the period, drawn
  with weights that rise as their seat utilisation falls and their tickets run slower (an
  account's "friction"); in the months before they leave their tickets slow down further, their
  usage fades over 60-90 days, and after it they write no tickets and use nothing. Half leave
  at their renewal date, half cancel mid-term (their renewal date is the next anniversary);
- the historical support price follows DESIGN's complexity formula plus ~8 % noise.

Times are float64 epoch seconds (UTC) as in `metrics.calendar`. Business durations are placed
with `BusinessClock.due` in each account's calendar (the default calendar, moved into the
account's timezone when it has one, as DESIGN's SLA build does), and written in Europe/Moscow
with an explicit offset, truncated to the second.

Everything is vectorised with numpy. Tickets are generated in chunks of a fixed size and
streamed through DuckDB's CSV writer (it quotes only what needs quoting) into one gzip stream
per file, compressed on a worker thread, so memory stays bounded. The same seed gives
byte-identical files: every stage draws from its own child of `numpy.random.default_rng(seed)`.
"""

from __future__ import annotations

import shutil
import tempfile
import zlib
from calendar import monthrange
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pyarrow as pa

from metrics.calendar import (
    BusinessClock,
    CalendarSpec,
    local_to_utc,
    utc_to_local,
    working_dates,
)
from pipelines import schemas

EXPORT_TZ = "Europe/Moscow"  # every timestamp is written in this zone, with its offset
DEFAULT_END = datetime(2026, 10, 30, 18, 0, tzinfo=ZoneInfo(EXPORT_TZ))
# Part of the output's definition: each chunk draws from its own random stream, so another chunk
# size would give other (equally valid) data.
CHUNK_TICKETS = 1_000_000
ACCOUNT_BLOCK = 512  # accounts per usage block
GZIP_LEVEL = 5  # level 6 is ~4 % smaller and ~40 % slower

MINUTE, HOUR, DAY = 60, 3_600, 86_400
WORKDAY_S = 9 * HOUR  # one working day of the default calendar

FILES = {
    "accounts": "accounts.csv",
    "account_modules": "account_modules.csv",
    "tickets": "tickets.csv.gz",
    "ticket_events": "ticket_events.csv.gz",
    "usage_daily": "usage_daily.csv.gz",
    "usage_events": "usage_events.csv.gz",
}
# Exactly the canonical columns, in schema order: the pandera models are the column truth.
COLUMNS = {kind: tuple(schemas.export_column_names(kind)) for kind in FILES}

# --- vocabularies ------------------------------------------------------------------------------

MANAGERS = ("Анна Петрова", "James Miller", "Мария Смирнова", "Emily Clark", "Дмитрий Волков")
MANAGER_SHARE = (0.30, 0.24, 0.19, 0.15, 0.12)  # the first one is over capacity on purpose
MANAGER_SPEED = (0.9, 1.0, 1.2, 0.95, 1.05)  # handling-time factor of each manager's accounts
NO_MANAGER_SPEED = 1.1
SALES = ("Виктор Орлов", "Sarah Johnson", "Ирина Федорова")
L1_AGENTS = (
    "Ольга Кузнецова",
    "Kevin Brown",
    "Сергей Иванов",
    "Laura Wilson",
    "Алексей Морозов",
    "Nina Schulz",
)
L2_AGENTS = ("Игорь Соколов", "Daniel Moore", "Татьяна Лебедева", "Paul Fischer")
DEV_AGENTS = ("Павел Новиков", "Mark Taylor", "Евгений Попов")
TEAMS = ("L1 Support", "L2 Support", "Development", "ISM")
L1, L2, DEV, ISM = range(4)
AGENTS = L1_AGENTS + L2_AGENTS + DEV_AGENTS + MANAGERS
TEAM_OFFSET = np.array([0, 6, 10, 13])
TEAM_SIZE = np.array([6, 4, 3, 5])
AGENT_TEAM = np.repeat(np.arange(4), TEAM_SIZE)
# The team of each hop (initial assignment, then each reassignment): "ticket football".
HOPS = 5
HOP_TEAMS = np.array(
    [
        [L1, L2, DEV, L2, DEV],  # standard
        [L1, DEV, L2, DEV, L2],  # standard bug
        [ISM, DEV, ISM, DEV, ISM],  # ism: the dedicated manager, development when needed
    ]
)

MODULES = ("crm", "reports", "telephony", "email", "tasks", "warehouse", "finance", "api")
MODULE_POPULARITY = np.array([1.0, 0.8, 0.35, 0.6, 0.75, 0.25, 0.3, 0.25])
MODULE_PRICE = np.array([0, 3000, 5000, 2000, 1500, 8000, 6000, 4000], dtype=np.float64)
MODULE_EVENT_RATE = np.array([6.0, 2.0, 4.0, 5.0, 3.0, 4.0, 2.5, 9.0])  # events per user-day

IMPLEMENTATION_TYPES = ("self", "basic", "standard", "complex")
IMPLEMENTATION_POINTS = np.array([0.0, 1.0, 2.0, 4.0])
IMPLEMENTATION_HOURS = np.array([[0, 6], [8, 40], [40, 160], [150, 480]])
ENHANCEMENTS_MEAN = np.array([0.0, 0.5, 2.0, 6.0])

CHANNELS = ("email", "chat", "phone", "portal", "crm")
CHANNEL_P = np.array([[0.38, 0.24, 0.10, 0.18, 0.10], [0.30, 0.05, 0.07, 0.25, 0.33]])
# SLA first-response targets of DESIGN's default config (minutes), [standard, ism] x channel,
# and the typical share of the target a response takes.
RESPONSE_TARGET = np.array([[540, 30, 60, 540, 540], [60, 30, 60, 60, 60]], dtype=np.float64)
RESPONSE_SHARE = np.array([[0.18, 0.2, 0.08, 0.18, 0.18], [0.22, 0.2, 0.08, 0.22, 0.22]])
BUG_RESPONSE = 0.35  # bugs are triaged first

TASK_TYPES = ("simple", "compound", "bug", "enhancement")
SIMPLE, COMPOUND, BUG, ENHANCEMENT = range(4)
TASK_P = np.array([0.55, 0.17, 0.15, 0.13])
TASK_P_PHONE = (np.array([0.35, 0.05, 0.55, 0.05]), np.array([0.15, 0.0, 0.85, 0.0]))
HANDLING_MEDIAN_MIN = np.array([80.0, 80.0, 35.0, 0.0])  # compound: per subtask
RESOLUTION_TARGET_MIN = np.array([480.0, 480.0, 180.0, np.nan])  # enhancement: its due_at
ISM_SPEED = 0.73  # handling-time factor of a dedicated manager (the tiered line also carries the slow
# tickets of accounts about to leave, so the measured ISM effect is ~69 %)
REASSIGNMENT_COST = 0.4  # each hand-off adds this share of the base handling time
REASSIGN_P = (
    np.array([0.42, 0.33, 0.15, 0.07, 0.03]),  # standard
    np.array([0.30, 0.40, 0.18, 0.08, 0.04]),  # standard bug
    np.array([0.80, 0.15, 0.035, 0.01, 0.005]),  # ism
)
REOPEN_P = np.array([0.92, 0.068, 0.012])

PRIORITIES = ("low", "normal", "high", "critical")
PRIORITY_P = np.array(
    [[0.25, 0.6, 0.15, 0.0], [0.15, 0.6, 0.25, 0.0], [0.0, 0.0, 0.55, 0.45], [0.5, 0.5, 0.0, 0.0]]
)

STATUSES = ("new", "in_progress", "pending", "on_hold", "waiting_on_customer", "resolved", "closed")
NEW, IN_PROGRESS, PENDING, ON_HOLD, WAITING, RESOLVED, CLOSED = range(7)
PAUSE_P = np.array([0.6, 0.15, 0.25])  # pending, on_hold, waiting_on_customer
EVENT_KINDS = ("status", "assign", "reply")
# One vocabulary for event values and actors: statuses, channels, agents, then two actors.
VOCAB = STATUSES + CHANNELS + AGENTS + ("system", "customer")
V_CHANNEL, V_AGENT = len(STATUSES), len(STATUSES) + len(CHANNELS)
V_SYSTEM, V_CUSTOMER = len(VOCAB) - 2, len(VOCAB) - 1

EVENTED_SHARE = 0.4  # tickets whose status history is exported
PAUSE_SHARE = 0.35  # of those, the ones that waited on the customer
NO_RESPONSE_SHARE = 0.015  # resolved without a recorded first response
NEVER_CLOSED_SHARE = 0.07
OPEN_SHARE = 0.03  # tickets left open on purpose, on top of the ones the end cuts off
OPEN_AGE_DAYS = 30.0
RECENT_AGE_DAYS = 4.0
# Which tasks get stuck: critical bugs rarely, paid enhancements often (mean ~1 over the mix).
OPEN_TASK_FACTOR = np.array([1.0, 1.2, 0.2, 2.0])

SUBJECTS: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
    SIMPLE: (
        (
            "How do I export the deals report?",
            "Cannot find the invoice template",
            "Change access rights for a user",
            "Add a new user to our team",
            "Password reset e-mail does not arrive",
            "Question about the mobile app",
            "Set up a sales funnel",
            "How to merge duplicate contacts",
        ),
        (
            "Как выгрузить отчёт по сделкам?",
            "Не могу найти шаблон счёта",
            "Изменить права доступа пользователя",
            "Добавить нового сотрудника",
            "Не приходит письмо для сброса пароля",
            "Вопрос по мобильному приложению",
            "Настроить воронку продаж",
            "Как объединить дубли контактов",
        ),
    ),
    COMPOUND: (
        (
            "Onboarding: pipelines, roles and reports",
            "Migrate data from the old CRM",
            "Configure the warehouse and price lists",
            "Set up telephony for the new office",
        ),
        (
            "Внедрение: воронки, роли и отчёты",
            "Перенос данных из старой CRM",
            "Настройка склада и прайс-листов",
            "Подключить телефонию в новом офисе",
        ),
    ),
    BUG: (
        (
            "Error 500 when saving a deal",
            "Telephony: calls are not recorded",
            "Report totals are wrong",
            "Import fails on the second row",
            "E-mails are not sent to clients",
        ),
        (
            "Ошибка 500 при сохранении сделки",
            "Телефония: не записываются звонки",
            "Неверные итоги в отчёте",
            "Импорт падает на второй строке",
            "Письма не уходят клиентам",
        ),
    ),
    ENHANCEMENT: (
        (
            "Add a custom field to the invoice",
            "Integration with 1C",
            "New dashboard for the sales director",
            "Webhook on deal stage change",
        ),
        (
            "Добавить поле в счёт",
            "Интеграция с 1С",
            "Новый дашборд для директора по продажам",
            "Вебхук при смене этапа сделки",
        ),
    ),
}
# Subjects that must be escaped in HTML or quoted in CSV.
TRICKY_SUBJECTS = (
    "<b>Urgent</b>: cannot log in",
    "Tom & Jerry LLC: invoice & act mismatch",
    "Field shows <script>alert(1)</script>",
    'Report "Sales, Q3" is empty',
    "Отчёт «Продажи & маржа» <пустой>",
    "Price < 0 & discount > 100%",
)
TRICKY_SHARE = 0.02

LATIN_NAMES = (
    "Northwind",
    "Bluebird",
    "Acme",
    "Globex",
    "Initech",
    "Helios",
    "Vertex",
    "Orion",
    "Polaris",
    "Summit",
    "Evergreen",
    "Redwood",
    "Silverline",
    "Brightway",
    "Nordic",
    "Crescent",
)
LATIN_KINDS = ("Logistics", "Retail", "Foods", "Systems", "Group", "Trading", "Media", "Labs")
CYRILLIC_NAMES = (
    "Ромашка",
    "Вектор",
    "Северный ветер",
    "СтройМастер",
    "Альфа-Трейд",
    "ТехноПарк",
    "Гранит",
    "Восход",
    "Сибирь-Логистик",
    "Радуга",
    "Уральские самоцветы",
    "Меридиан",
)
CYRILLIC_FORMS = ("ООО", "АО", "ПАО")
ODD_NAMES = ('ООО "Рога и копыта"', "Smith & Sons, Ltd.", "ИП Смирнов А. В.")
TIMEZONES = ("Asia/Yekaterinburg", "Europe/Berlin")
TIMEZONE_SHARE = (0.06, 0.04)

STEADY, GROWING, DECLINING, CHURNED = range(4)

# Churn: the share of accounts that leave, and how strongly low use and slow tickets draw it.
CHURN_SHARE = 0.22
FRICTION_SIGMA = 0.3  # an account's handling-time factor, lognormal: its tickets' service
CHURN_LOW_USE = 3.0  # weight x e^(-3 (utilisation - 0.67)): x1.35 per 0.1 of seats left unused
CHURN_FRICTION = 1.5  # weight x friction^1.5
CHURN_ISM = 0.3  # a dedicated manager keeps accounts
SLIDE_DAYS = 180  # before a churn, handling slows over this many days ...
SLIDE_PACE = 0.3  # ... by up to this share on the churn day
UNHAPPY_CSAT = 0.5  # CSAT points lost by a declining account, or on a churn day


# --- entry point -------------------------------------------------------------------------------


def generate(
    out_dir: Path,
    accounts: int = 60,
    tickets: int = 20_000,
    seed: int = 0,
    months: int = 18,
    end: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Path]:
    """Write the synthetic canonical exports into `out_dir`; returns {kind: path}.

    `end` is the export instant (default 2026-10-30 18:00 Moscow, so the output is
    reproducible); a naive `end` is read in Europe/Moscow. Tickets and usage cover the
    `months` months before it.
    """
    if accounts < 1:
        raise ValueError("accounts must be at least 1")
    if tickets < 0 or months < 1:
        raise ValueError("tickets must be >= 0 and months >= 1")
    say = progress or (lambda _message: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    period = _Period.of(end or DEFAULT_END, months)
    streams = np.random.default_rng(seed).spawn(5)
    paths = {kind: out_dir / name for kind, name in FILES.items()}

    clock = BusinessClock(
        [CalendarSpec(), *(CalendarSpec().in_timezone(tz) for tz in TIMEZONES)],
        period.first_day - timedelta(days=3),
        period.last_day + timedelta(days=400),
    )
    say(f"accounts: {accounts}")
    crm = _make_accounts(streams[0], accounts, period)
    modules = _make_modules(streams[1], crm, period)

    tmp = Path(tempfile.mkdtemp(prefix=".generate-", dir=out_dir))
    con = duckdb.connect(":memory:")
    con.execute("SET threads = 1")  # the other core compresses
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        _write_csv(con, _accounts_table(crm), paths["accounts"])
        _write_csv(con, _modules_table(crm, modules), paths["account_modules"])
        say("usage")
        _write_usage(streams[2], con, pool, tmp, crm, modules, period, paths)
        _write_tickets(streams[3], streams[4], con, pool, tmp, crm, clock, period, tickets, paths, say)
    finally:
        pool.shutdown(wait=True)
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)
    say("done")
    return paths


@dataclass(frozen=True)
class _Period:
    start_s: float  # first instant of the period
    end_s: float  # the export instant
    first_day: date  # local dates (Europe/Moscow) of start and end
    last_day: date

    @classmethod
    def of(cls, end: datetime, months: int) -> _Period:
        zone = ZoneInfo(EXPORT_TZ)
        end = end.replace(tzinfo=zone) if end.tzinfo is None else end
        local_end = end.astimezone(zone)
        month_index = local_end.year * 12 + local_end.month - 1 - months
        year, month = divmod(month_index, 12)
        first_day = date(year, month + 1, min(local_end.day, monthrange(year, month + 1)[1]))
        start_s = float(_midnight(np.array([np.datetime64(first_day, "D")]))[0])
        return cls(start_s, float(int(end.timestamp())), first_day, local_end.date())


def _midnight(days: np.ndarray) -> np.ndarray:
    """Local midnight (Europe/Moscow) of datetime64[D] dates, as UTC seconds."""
    return local_to_utc(days.astype(np.int64).astype(np.float64) * DAY, EXPORT_TZ)


# --- accounts and modules ----------------------------------------------------------------------


@dataclass
class _Accounts:
    ids: list[str]
    names: list[str]
    cyrillic: np.ndarray  # bool: the name is Russian, so are most of its tickets
    ism: np.ndarray  # bool
    seats: np.ndarray
    active: np.ndarray
    manager: np.ndarray  # index into MANAGERS, -1 for none
    sales: np.ndarray  # index into SALES, -1 for none
    impl_type: np.ndarray
    impl_hours: np.ndarray
    enhancements: np.ndarray
    calendar: np.ndarray  # 0 default, 1 + index into TIMEZONES
    contract_start: np.ndarray  # datetime64[D]
    renewal: np.ndarray  # datetime64[D]
    churn_day: np.ndarray  # datetime64[D], NaT when not churned
    churn_s: np.ndarray  # float, NaN when not churned
    trend: np.ndarray  # STEADY, GROWING, DECLINING, CHURNED
    friction: np.ndarray  # handling-time factor of the account's tickets (bad service > 1)
    support_price: np.ndarray  # NaN when unknown
    lo_s: np.ndarray  # the window in which the account opens tickets
    hi_s: np.ndarray
    mrr: np.ndarray | None = None


def _make_accounts(rng: np.random.Generator, n: int, period: _Period) -> _Accounts:
    seats = np.clip(np.round(rng.lognormal(np.log(35), 1.0, n)), 3, 5000).astype(np.int64)
    utilisation = np.clip(rng.beta(5, 2.5, n) * rng.uniform(0.85, 1.15, n), 0.15, 1.0)
    active = np.maximum(1, np.round(seats * utilisation)).astype(np.int64)
    bigness = np.clip(np.log(seats) / np.log(300), 0, 1)

    ism = _top_k(rng, np.sqrt(seats), round(0.3 * n))
    n_managers = 3 if n < 24 else 4 if n < 48 else 5
    share = np.array(MANAGER_SHARE[:n_managers])
    manager = _pick(rng, np.broadcast_to(share / share.sum(), (n, n_managers)))
    managed = ism | (rng.random(n) < 0.55 + 0.35 * bigness)
    manager = np.where(managed, manager, -1)
    sales = np.where(rng.random(n) < 0.9, rng.integers(0, len(SALES), n), -1)

    small, big = np.array([0.45, 0.35, 0.15, 0.05]), np.array([0.05, 0.25, 0.45, 0.25])
    impl_type = _pick(rng, (1 - bigness)[:, None] * small + bigness[:, None] * big)
    low, high = IMPLEMENTATION_HOURS[impl_type, 0], IMPLEMENTATION_HOURS[impl_type, 1]
    impl_hours = np.round(low + rng.random(n) * (high - low)).astype(np.int64)
    enhancements = rng.poisson(ENHANCEMENTS_MEAN[impl_type])
    complexity = (
        IMPLEMENTATION_POINTS[impl_type] * 1.0 + impl_hours * 0.05 + enhancements * 0.5 + active * 0.02
    )
    price = (10_000 + 2_000 * complexity) * (1 + 0.08 * rng.standard_normal(n))
    support_price = np.where(rng.random(n) < 0.92, np.round(price, -1), np.nan)

    calendar = np.zeros(n, dtype=np.int64)
    order = rng.permutation(n)
    taken = 0
    for position, zone_share in enumerate(TIMEZONE_SHARE):
        count = round(zone_share * n) if n >= 20 else 0
        calendar[order[taken : taken + count]] = position + 1
        taken += count

    first = np.datetime64(period.first_day, "D")
    last = np.datetime64(period.last_day, "D")
    span_days = int((last - first).astype(np.int64))
    joined_during = rng.random(n) < 0.22
    before = rng.integers(30, 1100, n)
    during = (rng.random(n) * 0.6 * span_days).astype(np.int64)
    contract_start = np.where(joined_during, first + during, first - before).astype("datetime64[D]")

    churn_day = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    trend = np.where(rng.random(n) < 0.25, GROWING, STEADY)
    friction = rng.lognormal(0.0, FRICTION_SIGMA, n)
    # Who leaves: drawn without replacement with weights that rise as seat utilisation falls
    # and the account's tickets run slower, so the churn backtest has a signal to find.
    n_churned = max(1, round(CHURN_SHARE * n)) if n >= 5 else 0
    eligible = contract_start < last - 240
    risk = np.exp(-CHURN_LOW_USE * (utilisation - 0.67)) * friction**CHURN_FRICTION
    weight = eligible * risk * np.where(ism, CHURN_ISM, 1.0) + 1e-9
    churned = _top_k(rng, weight, min(n_churned, int(eligible.sum())))
    earliest = np.maximum(first + 120, contract_start + 150)
    room = np.maximum((last - 14 - earliest).astype(np.int64), 1)
    churn_pick = earliest + (rng.random(n) * room).astype(np.int64)
    churn_day[churned] = churn_pick[churned]
    trend[churned] = CHURNED
    n_declining = max(1, round(0.08 * n)) if n >= 10 else 0
    candidates = (~churned) & (trend == STEADY)
    at_risk = candidates * np.where(ism, 0.3, 1.0) + 1e-9  # a dedicated manager helps
    declining = _top_k(rng, at_risk, min(n_declining, int(candidates.sum())))
    trend[declining] = DECLINING

    renewal = _next_anniversary(contract_start, last)
    # A few renewals are close: the health score and the call list should have some to show.
    alive = np.flatnonzero(~churned)
    if alive.size >= 6:
        soon = rng.choice(alive, size=2, replace=False)
        renewal[soon[0]] = last + rng.integers(5, 29)
        renewal[soon[1]] = last + rng.integers(35, 89)
        for index in soon:
            years = 1 + int(rng.integers(0, 3))
            day = renewal[index].astype(date)
            contract_start[index] = np.datetime64(_years_before(day, years), "D")
    # Half of the churned leave at their renewal date; the others cancel mid-term, and their
    # renewal date stays the contract's next anniversary after the churn.
    at_renewal = rng.random(n) < 0.5
    renewal[churned & at_renewal] = churn_day[churned & at_renewal]
    for index in np.flatnonzero(churned & ~at_renewal):  # one per churned account
        renewal[index] = _next_anniversary(contract_start[index : index + 1], churn_day[index])[0]

    churn_s = np.full(n, np.nan)
    churn_s[churned] = _midnight(churn_day[churned])
    lo_s = np.maximum(period.start_s, _midnight(contract_start))
    hi_s = np.where(churned, churn_s, period.end_s)
    hi_s = np.maximum(hi_s, lo_s + DAY)

    width = max(4, len(str(n)))
    ids = [f"ACC-{i + 1:0{width}d}" for i in range(n)]
    names, cyrillic = _company_names(rng, n)
    return _Accounts(
        ids=ids,
        names=names,
        cyrillic=cyrillic,
        ism=ism,
        seats=seats,
        active=active,
        manager=manager,
        sales=sales,
        impl_type=impl_type,
        impl_hours=impl_hours,
        enhancements=enhancements,
        calendar=calendar,
        contract_start=contract_start,
        renewal=renewal,
        churn_day=churn_day,
        churn_s=churn_s,
        trend=trend,
        friction=friction,
        support_price=support_price,
        lo_s=lo_s,
        hi_s=hi_s,
    )


def _next_anniversary(start: np.ndarray, after: np.datetime64) -> np.ndarray:
    """The first anniversary of each date strictly after `after` (a yearly contract)."""
    out = np.empty_like(start)
    limit = after.astype(date)
    for index, day in enumerate(start.astype(date)):  # one per account, not per ticket
        years = max(1, limit.year - day.year)
        candidate = _years_after(day, years)
        while candidate <= limit:
            years += 1
            candidate = _years_after(day, years)
        out[index] = np.datetime64(candidate, "D")
    return out


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _years_before(day: date, years: int) -> date:
    return _years_after(day, -years)


def _company_names(rng: np.random.Generator, n: int) -> tuple[list[str], np.ndarray]:
    latin = [f"{a} {b}" for a in LATIN_NAMES for b in LATIN_KINDS]
    cyrillic = [f"{form} «{name}»" for name in CYRILLIC_NAMES for form in CYRILLIC_FORMS]
    latin = [latin[i] for i in rng.permutation(len(latin))]
    cyrillic = [cyrillic[i] for i in rng.permutation(len(cyrillic))]
    is_cyrillic = rng.random(n) < 0.4
    names: list[str] = []
    pools = {False: iter(latin), True: iter(cyrillic)}
    for index in range(n):  # one per account
        name = next(pools[bool(is_cyrillic[index])], None)
        if name is None:  # more accounts than combinations: number them
            base = cyrillic if is_cyrillic[index] else latin
            name = f"{base[index % len(base)]} {index + 1}"
        names.append(name)
    if n >= 10:  # a few names that need quoting in CSV or escaping in HTML
        odd_rows = rng.choice(n, size=len(ODD_NAMES), replace=False)
        for position, odd in zip(odd_rows, ODD_NAMES, strict=True):
            names[position] = odd
            is_cyrillic[position] = odd[0] in "ОИ"
    return names, is_cyrillic


@dataclass
class _Modules:
    paid: np.ndarray  # (accounts, modules) bool
    trial: np.ndarray  # (accounts, modules) bool: listed, not paid, tried a little
    since: np.ndarray  # (accounts, modules) datetime64[D]
    share: np.ndarray  # (accounts, modules) share of the account's users who use it


def _make_modules(rng: np.random.Generator, crm: _Accounts, period: _Period) -> _Modules:
    n, m = crm.seats.size, len(MODULES)
    bigness = np.clip(np.log(crm.seats) / np.log(300), 0, 1)
    k = np.clip(np.round(3 + 4 * bigness + rng.normal(0, 0.8, n)), 3, 7).astype(np.int64)
    keys = np.log(rng.random((n, m))) / MODULE_POPULARITY
    keys[:, 0] = 0.0  # everyone pays for the core CRM
    rank = np.argsort(np.argsort(-keys, axis=1, kind="stable"), axis=1, kind="stable")
    paid = rank < k[:, None]
    trial = (rank == k[:, None]) & (rng.random(n) < 0.25)[:, None]

    last = np.datetime64(period.last_day, "D")
    start = crm.contract_start[:, None]
    lifetime = np.maximum((last - start).astype(np.int64), 1)
    later = (rng.random((n, m)) < 0.2) & (np.arange(m) > 0)
    offset = (rng.random((n, m)) * 0.85 * lifetime).astype(np.int64)
    since = np.where(later, start + offset, start).astype("datetime64[D]")
    trial_since = np.maximum(start, last - rng.integers(20, 120, (n, 1)))
    since = np.where(trial, trial_since, since).astype("datetime64[D]")

    # A paid module is never used (18 %), used by a few (15 %), or properly adopted.
    kind = rng.random((n, m))
    few, most = rng.uniform(0.03, 0.14, (n, m)), rng.uniform(0.3, 0.95, (n, m))
    share = np.select([kind < 0.18, kind < 0.33], [0.0, few], most)
    share[:, 0] = rng.uniform(0.85, 1.0, n)
    share = np.where(paid, share, np.where(trial, rng.uniform(0.05, 0.3, (n, m)), 0.0))

    seat_price = np.round(rng.uniform(700, 1500, n), -1)
    crm.mrr = np.round(crm.seats * seat_price + (paid * MODULE_PRICE).sum(axis=1), 2)
    return _Modules(paid=paid, trial=trial, since=since, share=share)


def _accounts_table(crm: _Accounts) -> pa.Table:
    n = len(crm.ids)
    churned = ~np.isnat(crm.churn_day)
    zones = ("", *TIMEZONES)
    assert crm.mrr is not None, "mrr is set once usage is known"
    return pa.table(
        {
            "account_id": crm.ids,
            "name": crm.names,
            "tier": ["ism" if flag else "standard" for flag in crm.ism],
            "paid_seats": crm.seats,
            "active_users": crm.active,
            "mrr": pa.array([Decimal(f"{v:.2f}") for v in crm.mrr], pa.decimal128(14, 2)),
            "cs_manager": [MANAGERS[i] if i >= 0 else None for i in crm.manager],
            "sales_owner": [SALES[i] if i >= 0 else None for i in crm.sales],
            "implementation_type": [IMPLEMENTATION_TYPES[i] for i in crm.impl_type],
            "implementation_hours": crm.impl_hours,
            "custom_enhancements": crm.enhancements,
            "timezone": [zones[i] or None for i in crm.calendar],
            "calendar": pa.nulls(n, pa.string()),
            "contract_start": pa.array(crm.contract_start, pa.date32()),
            "renewal_date": pa.array(crm.renewal, pa.date32()),
            "churned_at": _iso(np.where(churned, crm.churn_s, np.nan)),
            "support_price": pa.array(
                [None if np.isnan(v) else Decimal(f"{v:.2f}") for v in crm.support_price],
                pa.decimal128(14, 2),
            ),
        }
    )


def _modules_table(crm: _Accounts, modules: _Modules) -> pa.Table:
    listed = modules.paid | modules.trial
    account, module = np.nonzero(listed)
    return pa.table(
        {
            "account_id": pa.array(crm.ids).take(pa.array(account)),
            "module": pa.array(MODULES).take(pa.array(module)),
            "paid": modules.paid[account, module],
            "since": pa.array(modules.since[account, module], pa.date32()),
        }
    )


# --- usage -------------------------------------------------------------------------------------


def _write_usage(
    rng: np.random.Generator,
    con: duckdb.DuckDBPyConnection,
    pool: ThreadPoolExecutor,
    tmp: Path,
    crm: _Accounts,
    modules: _Modules,
    period: _Period,
    paths: dict[str, Path],
) -> None:
    n = crm.seats.size
    days = np.arange(np.datetime64(period.first_day, "D"), np.datetime64(period.last_day, "D") + 1)
    workday = np.isin(days, working_dates(CalendarSpec(), period.first_day, period.last_day))
    # A handful of small live accounts also export user-level events for the last 30 days.
    small = (crm.active >= 5) & (crm.active <= 100)  # keeps the event log small
    live = np.flatnonzero((crm.trend != CHURNED) & small)
    event_accounts = set(live[np.argsort(crm.seats[live], kind="stable")[:5]].tolist())
    block_rngs = rng.spawn((n + ACCOUNT_BLOCK - 1) // ACCOUNT_BLOCK + 1)
    event_tables = []
    with _GzipCsv(paths["usage_daily"], con, pool, tmp) as sink:
        for block, first in enumerate(range(0, n, ACCOUNT_BLOCK)):
            rows = np.arange(first, min(n, first + ACCOUNT_BLOCK))
            active, events = _usage_block(block_rngs[block], crm, modules, rows, days, workday)
            for position, account in enumerate(rows):
                if account in event_accounts:  # clips its daily rows to its user pools
                    daily = (active[position], events[position])
                    table = _usage_events(block_rngs[-1], crm, modules, int(account), days, daily)
                    event_tables.append(table)
            a, d, m = np.nonzero(active > 0)  # in account, day, module order
            sink.write(
                pa.table(
                    {
                        "date": pa.array(days[d], pa.date32()),
                        "account_id": pa.array(crm.ids).take(pa.array(rows[a])),
                        "module": _take(MODULES, m),
                        "active_users": active[a, d, m],
                        "events": events[a, d, m],
                    }
                )
            )
    with _GzipCsv(paths["usage_events"], con, pool, tmp) as sink:
        if event_tables:
            sink.write(pa.concat_tables(event_tables))
        else:
            sink.write(_empty("usage_events"))


def _usage_block(
    rng: np.random.Generator,
    crm: _Accounts,
    modules: _Modules,
    rows: np.ndarray,
    days: np.ndarray,
    workday: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Daily active users and events of the block's accounts, shape (accounts, days, modules):
    a trend per account, weekends and holidays lower, a share of the users per module."""
    b, n_days = rows.size, days.size
    day_index = days.astype(np.int64)[None, :]
    progress = np.linspace(0.0, 1.0, n_days)[None, :]
    trend = crm.trend[rows][:, None]
    level = 1 + 0.04 * np.sin(2 * np.pi * (day_index / 90 + rng.random((b, 1))))
    # Growing accounts: steadily, or late and fast (a new department rolling out).
    grow_from, late = rng.uniform(0.55, 0.8, (b, 1)), rng.uniform(1.0, 5.0, (b, 1))
    level = np.where(trend == GROWING, grow_from + (1 - grow_from) * progress**late, level)
    decline_days = rng.integers(45, 70, (b, 1))
    since_decline = day_index - (days[-1].astype(np.int64) - decline_days)
    declining = 1 - 0.5 * np.clip(since_decline / decline_days, 0, 1)
    level = np.where(trend == DECLINING, declining, level)
    churn = crm.churn_day[rows].astype(np.int64)[:, None]
    fade_days = rng.integers(60, 91, (b, 1))
    fading = 1 - 0.92 * np.clip((day_index - (churn - fade_days)) / fade_days, 0, 1)
    level = np.where(trend == CHURNED, np.where(day_index < churn, fading, 0.0), level)
    start = crm.contract_start[rows].astype(np.int64)[:, None]
    ramp = np.where(day_index < start, 0.0, np.clip(0.2 + 0.8 * (day_index - start) / 60, 0, 1))
    level = level * ramp

    users = crm.active[rows][:, None] * level * np.where(workday, 1.0, 0.12)[None, :]
    users = users * rng.lognormal(0, 0.08, (b, n_days))
    share = modules.share[rows]  # (b, modules)
    since = modules.since[rows].astype(np.int64)  # (b, modules)
    noise = rng.lognormal(0, 0.12, (b, n_days, len(MODULES)))
    active = users[:, :, None] * share[:, None, :] * noise
    active = np.where(day_index[:, :, None] >= since[:, None, :], np.round(active), 0.0)
    active = active.astype(np.int64)
    rate = MODULE_EVENT_RATE[None, None, :] * rng.lognormal(0, 0.3, active.shape)
    events = np.maximum(active, np.round(active * rate)).astype(np.int64)
    return active, events


def _usage_events(
    rng: np.random.Generator,
    crm: _Accounts,
    modules: _Modules,
    account: int,
    days: np.ndarray,
    daily: tuple[np.ndarray, np.ndarray],
) -> pa.Table:
    """User-level events of one account's last 30 days, matching its daily rows exactly.

    Each module has a pool of users; a day's active users are drawn from it without
    replacement and share the day's events (each at least one), 08:00-18:00 Moscow time.
    The daily (active users, events) arrays, (days, modules), are clipped in place to what the
    pools allow, so the daily export and the events agree exactly.
    """
    active, events = daily
    n_users = int(crm.active[account])
    window = slice(max(0, days.size - 30), days.size)
    pool_size = np.clip(np.ceil(modules.share[account] * n_users * 1.1), 1, n_users).astype(int)
    np.minimum(active, pool_size[None, :], out=active)
    np.maximum(events, active, out=events)
    pools = np.argsort(rng.random((len(MODULES), n_users)), axis=1)  # a permutation per module

    day, module = np.nonzero(active[window] > 0)
    day = day + window.start
    a, e = active[day, module], events[day, module]
    # Choose a distinct users of each row's pool: rank random keys, pool members only.
    keys = rng.random((day.size, n_users))
    keys[np.arange(n_users)[None, :] >= pool_size[module][:, None]] = np.inf
    pick = np.argsort(keys, axis=1, kind="stable")
    chosen = np.arange(n_users)[None, :] < a[:, None]
    row, slot = np.nonzero(chosen)
    user = pools[module[row], pick[row, slot]]
    # Spread each row's events over its users: one each, the rest at random.
    extra_row = np.repeat(np.arange(day.size), e - a)
    extra_slot = (rng.random(extra_row.size) * a[extra_row]).astype(np.int64)
    flat = np.bincount(extra_row * n_users + extra_slot, minlength=day.size * n_users)
    count = 1 + flat.reshape(day.size, n_users)[row, slot]
    owner = np.repeat(np.arange(row.size), count)
    nth = np.arange(owner.size) - np.repeat(np.cumsum(count) - count, count)
    jitter = rng.random(owner.size)
    offset = np.floor((nth + jitter) / count[owner] * 10 * HOUR).astype(np.int64)
    row_of = row[owner]
    at = _midnight(days[day[row_of]]) + 8 * HOUR + offset
    width = max(3, len(str(n_users)))
    user_names = [f"{crm.ids[account]}-U{k + 1:0{width}d}" for k in range(n_users)]
    return pa.table(
        {
            "account_id": pa.array([crm.ids[account]] * owner.size, pa.string()),
            "user_id": pa.array(user_names, pa.string()).take(pa.array(user[owner])),
            "module": pa.array(MODULES).take(pa.array(module[row_of])),
            "at": _iso(at),
        }
    )


# --- tickets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _TicketContext:
    crm: _Accounts
    clock: BusinessClock
    period: _Period
    open_weight: float  # scales each ticket's chance to be left open (see _open_weight)
    id_width: int


def _write_tickets(
    rng: np.random.Generator,
    chunk_rng: np.random.Generator,
    con: duckdb.DuckDBPyConnection,
    pool: ThreadPoolExecutor,
    tmp: Path,
    crm: _Accounts,
    clock: BusinessClock,
    period: _Period,
    total: int,
    paths: dict[str, Path],
    say: Callable[[str], None],
) -> None:
    say(f"tickets: placing {total:,}")
    account, created = _ticket_arrivals(rng, crm, clock, period, total)
    weight_sum = float(_open_weight(created, period.end_s).sum()) if total else 1.0
    context = _TicketContext(
        crm=crm,
        clock=clock,
        period=period,
        open_weight=OPEN_SHARE * total / max(weight_sum, 1e-9),
        id_width=max(6, len(str(total))),
    )
    n_chunks = (total + CHUNK_TICKETS - 1) // CHUNK_TICKETS
    rngs = chunk_rng.spawn(max(n_chunks, 1))
    with (
        _GzipCsv(paths["tickets"], con, pool, tmp) as ticket_sink,
        _GzipCsv(paths["ticket_events"], con, pool, tmp) as event_sink,
    ):
        if total == 0:
            ticket_sink.write(_empty("tickets"))
            event_sink.write(_empty("ticket_events"))
        for chunk in range(n_chunks):
            lo, hi = chunk * CHUNK_TICKETS, min(total, (chunk + 1) * CHUNK_TICKETS)
            say(f"tickets: {lo:,}-{hi:,} of {total:,}")
            ticket_table, event_table = _ticket_chunk(
                rngs[chunk], context, lo, account[lo:hi], created[lo:hi]
            )
            ticket_sink.write(ticket_table)
            event_sink.write(event_table)
        say("tickets: compressing")


def _ticket_arrivals(
    rng: np.random.Generator,
    crm: _Accounts,
    clock: BusinessClock,
    period: _Period,
    total: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Which account opens each ticket, and when: sorted by creation, as ticket ids go.

    Bigger accounts write more (skewed); an account writes only while it is a customer; most
    tickets arrive in its working hours (uniform in business time), some at any hour.
    """
    window = (crm.hi_s - crm.lo_s) / max(period.end_s - period.start_s, 1.0)
    weight = crm.seats**0.85 * rng.lognormal(0, 0.5, crm.seats.size) * window
    counts = rng.multinomial(total, weight / weight.sum())
    account = np.repeat(np.arange(crm.seats.size), counts)
    business = clock.business_seconds(crm.calendar, crm.lo_s, crm.hi_s)
    created = np.empty(total)
    for lo in range(0, total, CHUNK_TICKETS):
        rows = account[lo : lo + CHUNK_TICKETS]
        u = rng.random(rows.size)
        outside = rng.random(rows.size) < 0.12
        start, stop = crm.lo_s[rows], crm.hi_s[rows]
        at_work = clock.due(crm.calendar[rows], start, np.floor(u * business[rows]))
        created[lo : lo + rows.size] = np.floor(np.where(outside, start + u * (stop - start), at_work))
    created = np.minimum(created, period.end_s - 1)
    order = np.lexsort((account, created))
    return account[order], created[order]


def _open_weight(created: np.ndarray, end_s: float) -> np.ndarray:
    """Relative chance of a ticket to be left open: a thin old backlog, more of the last weeks,
    most of the last days (those are still open, or at risk, rather than long breached)."""
    age = (end_s - created) / DAY
    return 0.02 + np.exp(-age / OPEN_AGE_DAYS) + 3 * np.exp(-age / RECENT_AGE_DAYS)


def _ticket_chunk(
    rng: np.random.Generator,
    context: _TicketContext,
    first: int,
    account: np.ndarray,
    created: np.ndarray,
) -> tuple[pa.Table, pa.Table]:
    """One chunk of tickets and their events: the whole life of each ticket, cut at `end`."""
    crm, clock, end = context.crm, context.clock, context.period.end_s
    m = account.size
    ism = crm.ism[account]
    calendar = crm.calendar[account]
    tier = ism.astype(np.int64)

    channel = _pick(rng, CHANNEL_P[tier])
    phone_p = np.where(ism[:, None], TASK_P_PHONE[1], TASK_P_PHONE[0])
    task_p = np.where((channel == CHANNELS.index("phone"))[:, None], phone_p, TASK_P)
    task = _pick(rng, task_p)
    is_bug, is_compound = task == BUG, task == COMPOUND
    is_enhancement = task == ENHANCEMENT
    subtasks = np.where(is_compound, rng.integers(2, 6, m), 0)
    priority = _pick(rng, PRIORITY_P[task])
    route = np.where(ism, 2, np.where(is_bug, 1, 0))
    planned_hops = _pick(rng, np.stack(REASSIGN_P)[route])
    planned_reopens = _pick(rng, np.broadcast_to(REOPEN_P, (m, 3)))

    # The working pace: an improving team, the manager, troubled accounts, the dedicated manager.
    elapsed = (created - context.period.start_s) / max(end - context.period.start_s, 1.0)
    pace = 1.15 - 0.3 * elapsed
    pace *= np.r_[MANAGER_SPEED, NO_MANAGER_SPEED][crm.manager[account]]  # -1: no manager
    pace *= crm.friction[account] * np.where(crm.trend[account] == DECLINING, 1.15, 1.0)
    # The months before a churn go badly: handling slows by up to SLIDE_PACE on the churn day.
    slide = np.clip(1 - np.nan_to_num((crm.churn_s[account] - created) / (SLIDE_DAYS * DAY), nan=1.0), 0, 1)
    pace *= 1 + SLIDE_PACE * slide

    # First response, in business seconds from creation.
    response_min = RESPONSE_TARGET[tier, channel] * RESPONSE_SHARE[tier, channel]
    response_min = response_min * rng.lognormal(0, 1.0, m) * pace
    response_min = response_min * np.where(is_bug, BUG_RESPONSE, 1.0)
    response_s = np.ceil(np.clip(response_min, 0.5, 5 * 540) * MINUTE)

    # The first resolution's net business time: the response plus the handling, and every
    # hand-off costs REASSIGNMENT_COST of that again ("ticket football").
    handling_min = HANDLING_MEDIAN_MIN[task] * np.maximum(subtasks, 1)
    handling_min = handling_min * np.where(ism, ISM_SPEED, 1.0) * pace * rng.lognormal(0, 0.7, m)
    bounced = 1 + REASSIGNMENT_COST * planned_hops
    work_s = np.round((response_s + handling_min * MINUTE) * bounced)
    promise_days = np.where(ism, rng.integers(2, 9, m), rng.integers(3, 16, m))
    promise_s = promise_days * WORKDAY_S
    enhancement_s = promise_s * 0.62 * rng.lognormal(0, 0.3, m) * (1 + 0.15 * planned_hops)
    enhancement_s = np.maximum(response_s + 600, np.round(enhancement_s * pace))
    work_s = np.where(is_enhancement, enhancement_s, work_s)
    work_s = np.minimum(work_s, 40 * WORKDAY_S)
    due_at = np.where(is_enhancement, clock.due(calendar, created, promise_s), np.nan)

    # Status history in real instants; a pause (waiting on the customer) for some evented tickets.
    evented = rng.random(m) < EVENTED_SHARE
    paused = evented & (rng.random(m) < PAUSE_SHARE) & (work_s > response_s)
    pause_status = PENDING + _pick(rng, np.broadcast_to(PAUSE_P, (m, 3)))
    pause_off = response_s + np.floor(rng.random(m) * (work_s - response_s))
    pause_off = np.where(paused, pause_off, work_s)
    response_at = clock.due(calendar, created, response_s)
    pause_start = clock.due(calendar, created, pause_off)
    pause_s = np.floor(np.clip(rng.lognormal(np.log(18 * HOUR), 1.0, m), 20 * MINUTE, 12 * DAY))
    pause_end = pause_start + pause_s
    resolved_1 = clock.due(
        calendar, np.where(paused, pause_end, created), np.where(paused, work_s - pause_off, work_s)
    )
    pause_start = np.where(paused, pause_start, np.nan)
    pause_end = np.where(paused, pause_end, np.nan)

    # Reassignments between the response and the resolution (the initial assignment at creation).
    hop_frac = np.sort(rng.random((m, HOPS - 1)), axis=1)
    hop_off = response_s[:, None] + np.floor(hop_frac * (work_s - response_s)[:, None])
    hop_at = np.full((m, HOPS), np.nan)
    hop_at[:, 0] = created
    planned = np.arange(1, HOPS)[None, :] <= planned_hops[:, None]
    row, col = np.nonzero(planned)
    offset = hop_off[row, col]
    after_pause = paused[row] & (offset >= pause_off[row])
    hop_at[row, col + 1] = clock.due(
        calendar[row],
        np.where(after_pause, pause_end[row], created[row]),
        np.where(after_pause, offset - pause_off[row], offset),
    )
    team = HOP_TEAMS[route]  # (m, HOPS)
    pick = (rng.random((m, HOPS)) * TEAM_SIZE[team]).astype(np.int64)
    manager = np.maximum(crm.manager[account], 0)[:, None]
    agent = TEAM_OFFSET[team] + np.where(team == ISM, manager, pick)

    # Reopens: the customer comes back after a while, a little more work follows.
    extra_s = np.round(handling_min * MINUTE * 0.35 * rng.lognormal(0, 0.6, (2, m)) + 300)
    extra_s = np.minimum(extra_s, 10 * WORKDAY_S)
    gap_s = np.floor(np.clip(rng.lognormal(np.log(20 * HOUR), 0.9, (2, m)), 15 * MINUTE, 8 * DAY))
    reopen_1 = np.where(planned_reopens >= 1, resolved_1 + gap_s[0], np.nan)
    resolved_2 = clock.due(calendar, reopen_1, extra_s[0])
    reopen_2 = np.where(planned_reopens >= 2, resolved_2 + gap_s[1], np.nan)
    resolved_3 = clock.due(calendar, reopen_2, extra_s[1])
    final = np.choose(planned_reopens, [resolved_1, resolved_2, resolved_3])
    closed = final + np.floor(rng.uniform(1 * DAY, 5 * DAY, m))
    closed = np.where(rng.random(m) < NEVER_CLOSED_SHARE, np.nan, closed)

    # Some tickets are never resolved by the end: a backlog, mostly recent.
    chance = context.open_weight * _open_weight(created, end) * OPEN_TASK_FACTOR[task]
    chance = np.minimum(0.9, chance)
    stuck = rng.random(m) < chance
    for values in (resolved_1, reopen_1, resolved_2, reopen_2, resolved_3, closed):
        values[stuck] = np.nan

    # The state as of `end`: the last status move at or before it.
    slots = np.stack(
        [
            created,
            response_at,
            pause_start,
            pause_end,
            resolved_1,
            reopen_1,
            resolved_2,
            reopen_2,
            resolved_3,
            closed,
        ],
        axis=1,
    )
    happened = slots <= end
    last = slots.shape[1] - 1 - np.argmax(happened[:, ::-1], axis=1)
    slot_status = np.array(
        [
            NEW,
            IN_PROGRESS,
            -1,  # the pause status, per ticket
            IN_PROGRESS,
            RESOLVED,
            IN_PROGRESS,
            RESOLVED,
            IN_PROGRESS,
            RESOLVED,
            CLOSED,
        ]
    )
    status = np.where(last == 2, pause_status, slot_status[last])
    resolved_at = np.where(
        np.isin(last, (4, 6, 8)),
        slots[np.arange(m), last],
        np.where(last == 9, final, np.nan),
    )
    reopens = happened[:, 5].astype(np.int64) + happened[:, 7]
    no_response = rng.random(m) < NO_RESPONSE_SHARE
    first_response_at = np.where(~no_response & (response_at <= end), response_at, np.nan)
    closed_at = np.where(closed <= end, closed, np.nan)
    hops_done = (hop_at <= end).sum(axis=1) - 1
    assignee = agent[np.arange(m), hops_done]

    # Satisfaction: asked after ~40 % of resolutions, lower when slow, bounced or reopened.
    target_min = np.where(
        is_enhancement, promise_s / MINUTE, RESOLUTION_TARGET_MIN[task] * np.maximum(subtasks, 1)
    )
    slowness = np.clip(np.log2(work_s / MINUTE / target_min) + 0.5, 0, 3)
    # Unhappy: a declining account, or one in the months before it leaves.
    unhappy = np.where(crm.trend[account] == DECLINING, 1.0, slide)
    score = 4.75 - 1.4 * slowness - 0.25 * hops_done - 0.6 * reopens - UNHAPPY_CSAT * unhappy
    score = np.clip(np.round(score + rng.normal(0, 0.6, m)), 1, 5)
    asked = np.isfinite(resolved_at) & (rng.random(m) < 0.4)

    subject = _subjects(rng, crm.cyrillic[account], task)
    numbers = first + 1 + np.arange(m)
    ids = _fixed_ids("T-", numbers, context.id_width)
    ticket_table = pa.table(
        {
            "ticket_id": ids,
            "account_id": pa.array(crm.ids).take(pa.array(account)),
            "created_at": _iso(created),
            "channel": _take(CHANNELS, channel),
            "task_type": _take(TASK_TYPES, task),
            "status": _take(STATUSES, status),
            "assignee": _take(AGENTS, assignee),
            "team": _take(TEAMS, AGENT_TEAM[assignee]),
            "priority": _take(PRIORITIES, priority),
            "first_response_at": _iso(first_response_at),
            "resolved_at": _iso(resolved_at),
            "closed_at": _iso(closed_at),
            "due_at": _iso(due_at),
            "subtasks": pa.array(subtasks, pa.int16(), mask=~is_compound),
            "reassignments": pa.array(hops_done, pa.int16()),
            "reopens": pa.array(reopens, pa.int16()),
            "csat": pa.array(score.astype(np.int16), mask=~asked),
            "subject": subject,
        }
    )

    # The exported status history of the evented tickets.
    e = np.flatnonzero(evented)
    final_agent = agent[e, planned_hops[e]]
    hops_before_pause = (hop_at[e, 1:] < pause_start[e, None]).sum(axis=1)
    pause_agent = agent[e, hops_before_pause]
    ch = V_CHANNEL + channel[e]
    ag = V_AGENT + agent[e]
    response_event = np.where(no_response[e], np.nan, response_at[e])
    times = np.stack(
        [created[e], created[e], response_event, response_at[e]]
        + [hop_at[e, k] for k in range(1, HOPS)]
        + [pause_start[e], pause_end[e], resolved_1[e], reopen_1[e], resolved_2[e], reopen_2[e]]
        + [resolved_3[e], closed[e]],
        axis=1,
    )
    status_kind, assign_kind, reply_kind = range(3)
    kinds = np.array([status_kind, assign_kind, reply_kind, status_kind])
    kinds = np.r_[kinds, [assign_kind] * (HOPS - 1), [status_kind] * 8]
    ones = np.ones(e.size, dtype=np.int64)
    values = np.stack(
        [NEW * ones, ag[:, 0], ch, IN_PROGRESS * ones]
        + [ag[:, k] for k in range(1, HOPS)]
        + [pause_status[e], IN_PROGRESS * ones, RESOLVED * ones, IN_PROGRESS * ones]
        + [RESOLVED * ones, IN_PROGRESS * ones, RESOLVED * ones, CLOSED * ones],
        axis=1,
    )
    actors = np.stack(
        [V_SYSTEM * ones, V_SYSTEM * ones, ag[:, 0], ag[:, 0]]
        + [ag[:, k - 1] for k in range(1, HOPS)]
        + [V_AGENT + pause_agent, V_CUSTOMER * ones, V_AGENT + final_agent, V_CUSTOMER * ones]
        + [V_AGENT + final_agent, V_CUSTOMER * ones, V_AGENT + final_agent, V_SYSTEM * ones],
        axis=1,
    )
    keep = times <= end
    event_row, event_slot = np.nonzero(keep)
    event_at = times[event_row, event_slot]
    order = np.lexsort((event_slot, event_at, event_row))
    event_row, event_slot, event_at = event_row[order], event_slot[order], event_at[order]
    event_table = pa.table(
        {
            "ticket_id": ids.take(pa.array(e[event_row])),
            "at": _iso(event_at),
            "kind": _take(EVENT_KINDS, kinds[event_slot]),
            "value": _take(VOCAB, values[event_row, event_slot]),
            "actor": _take(VOCAB, actors[event_row, event_slot]),
        }
    )
    return ticket_table, event_table


def _subjects(rng: np.random.Generator, cyrillic: np.ndarray, task: np.ndarray) -> pa.Array:
    texts: list[str] = []
    start = np.zeros((len(TASK_TYPES), 2), dtype=np.int64)
    size = np.zeros((len(TASK_TYPES), 2), dtype=np.int64)
    for kind, languages in SUBJECTS.items():
        for language, options in enumerate(languages):
            start[kind, language], size[kind, language] = len(texts), len(options)
            texts.extend(options)
    tricky_start = len(texts)
    texts.extend(TRICKY_SUBJECTS)
    m = task.size
    russian = (rng.random(m) < np.where(cyrillic, 0.8, 0.25)).astype(np.int64)
    index = start[task, russian] + (rng.random(m) * size[task, russian]).astype(np.int64)
    tricky = rng.random(m) < TRICKY_SHARE
    tricky_index = tricky_start + (rng.random(m) * len(TRICKY_SUBJECTS)).astype(np.int64)
    return _take(tuple(texts), np.where(tricky, tricky_index, index))


# --- small helpers -----------------------------------------------------------------------------


def _pick(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One category per row of a (rows, categories) probability matrix."""
    cumulative = np.cumsum(probabilities, axis=1)
    u = rng.random((cumulative.shape[0], 1)) * cumulative[:, -1:]
    return np.minimum((u >= cumulative).sum(axis=1), probabilities.shape[1] - 1)


def _top_k(rng: np.random.Generator, weight: np.ndarray, k: int) -> np.ndarray:
    """A mask of k rows drawn without replacement, proportionally to weight."""
    keys = np.log(rng.random(weight.size)) / np.maximum(weight, 1e-12)
    mask = np.zeros(weight.size, dtype=bool)
    if k > 0:
        mask[np.argsort(-keys, kind="stable")[:k]] = True
    return mask


def _take(texts: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    return pa.array(texts, pa.string()).take(pa.array(np.asarray(codes, dtype=np.int64)))


def _digits(out: np.ndarray, column: int, value: np.ndarray, width: int) -> None:
    for k in range(width):
        out[:, column + width - 1 - k] = 48 + (value // 10**k) % 10


def _fixed_width(matrix: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """A (rows, width) uint8 matrix of ASCII as an arrow string array, without copying."""
    rows, width = matrix.shape
    offsets = np.arange(0, rows * width + 1, width, dtype=np.int32)
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(matrix))]
    null_count = 0
    if valid is not None and not valid.all():
        buffers[0] = pa.py_buffer(np.packbits(valid, bitorder="little"))
        null_count = int(rows - valid.sum())
    return pa.Array.from_buffers(pa.string(), rows, buffers, null_count=null_count)


def _fixed_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    head = np.frombuffer(prefix.encode(), dtype=np.uint8)
    matrix = np.empty((numbers.size, head.size + width), dtype=np.uint8)
    matrix[:, : head.size] = head
    _digits(matrix, head.size, numbers.astype(np.int64), width)
    return _fixed_width(matrix)


def _iso(instants: np.ndarray) -> pa.Array:
    """UTC seconds (NaN for none) as `YYYY-MM-DDTHH:MM:SS+03:00` in EXPORT_TZ, to the second.

    Built from lookup tables (the dates in range, the seconds of a day, the offsets in use), a
    few gathers per timestamp instead of formatting each one.
    """
    instants = np.asarray(instants, dtype=np.float64)
    valid = np.isfinite(instants)
    filler = float(instants[valid][0]) if valid.any() else 0.0
    utc = np.floor(np.where(valid, instants, filler))
    offset = np.rint(utc_to_local(utc, EXPORT_TZ) - utc).astype(np.int64)
    local = utc.astype(np.int64) + offset
    days = local // DAY
    out = np.empty((instants.size, 25), dtype=np.uint8)
    if instants.size:
        first = int(days.min())
        out[:, :10] = _date_table(first, int(days.max()))[days - first]
        out[:, 10] = ord("T")
        out[:, 11:19] = _time_table()[local - days * DAY]
        offsets, which = np.unique(offset, return_inverse=True)
        out[:, 19:] = _offset_table(offsets)[which.reshape(-1)]
    return _fixed_width(out, valid)


def _date_table(first: int, last: int) -> np.ndarray:
    """`YYYY-MM-DD` of the days [first, last] since the epoch, as a (days, 10) uint8 table."""
    days = np.arange(first, last + 1).astype("datetime64[D]")
    return np.frombuffer("".join(days.astype(str).tolist()).encode(), np.uint8).reshape(-1, 10)


@lru_cache(maxsize=1)
def _time_table() -> np.ndarray:
    """`HH:MM:SS` of every second of a day, as an (86400, 8) uint8 table."""
    second = np.arange(DAY)
    table = np.full((DAY, 8), ord(":"), dtype=np.uint8)
    _digits(table, 0, second // HOUR, 2)
    _digits(table, 3, second // MINUTE % 60, 2)
    _digits(table, 6, second % 60, 2)
    return table


def _offset_table(offsets: np.ndarray) -> np.ndarray:
    """`+HH:MM` of UTC offsets in seconds, as a (offsets, 6) uint8 table."""
    text = "".join(
        f"{'-' if o < 0 else '+'}{abs(o) // HOUR:02d}:{abs(o) // MINUTE % 60:02d}" for o in offsets.tolist()
    )
    return np.frombuffer(text.encode(), np.uint8).reshape(-1, 6)


def _empty(kind: str) -> pa.Table:
    return pa.table({name: pa.array([], pa.string()) for name in COLUMNS[kind]})


# --- writing -----------------------------------------------------------------------------------


def _write_csv(con: duckdb.DuckDBPyConnection, table: pa.Table, path: Path) -> None:
    assert tuple(table.column_names) == COLUMNS[_kind_of(path)]
    con.from_arrow(table).write_csv(str(path), header=True)


def _kind_of(path: Path) -> str:
    return next(kind for kind, name in FILES.items() if name == path.name)


class _GzipCsv:
    """One gzip CSV written chunk by chunk: DuckDB formats each arrow chunk (quoting only what
    needs it), a worker thread compresses it into a single deterministic gzip stream (no name,
    mtime 0) while the next chunk is made."""

    def __init__(
        self,
        path: Path,
        con: duckdb.DuckDBPyConnection,
        pool: ThreadPoolExecutor,
        tmp: Path,
    ) -> None:
        self.path, self.con, self.pool = path, con, pool
        self.columns = COLUMNS[_kind_of(path)]
        self.scratch = tmp / f"{path.name}.part.csv"
        self.file: BinaryIO = path.open("wb")
        self.compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
        self.pending: deque[Future[None]] = deque()
        self.header = True

    def __enter__(self) -> _GzipCsv:
        return self

    def write(self, table: pa.Table) -> None:
        assert tuple(table.column_names) == self.columns, table.column_names
        self.con.from_arrow(table).write_csv(str(self.scratch), header=self.header)
        self.header = False
        data = self.scratch.read_bytes()
        self.pending.append(self.pool.submit(self._compress, data))
        while len(self.pending) > 1:  # one chunk compressing while the next is made
            self.pending.popleft().result()

    def _compress(self, data: bytes) -> None:
        self.file.write(self.compressor.compress(data))

    def __exit__(self, *exc: object) -> None:
        try:
            while self.pending:
                self.pending.popleft().result()
            self.file.write(self.compressor.flush())
        finally:
            self.file.close()
            self.scratch.unlink(missing_ok=True)

"""The SQL SLA engine (ingest -> build -> sla_tickets) against the brute-force oracle.

Random calendars (timezone, working days, one or two intervals a day, public holidays) go into
a config file; random tickets with random pauses go through the real CSV ingest and the real
build; every ticket's business minutes, paused minutes and due instants must equal the slow,
obviously-right walk in tests/oracle.py, to the second.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from metrics.calendar import CalendarSpec
from tests.conftest import make_warehouse, write
from tests.oracle import oracle_business_seconds, oracle_due

ZONES = ("Europe/Moscow", "Europe/Berlin", "America/New_York", "Asia/Kathmandu", "UTC")
START = datetime(2024, 1, 1, tzinfo=UTC).timestamp()
SPAN = 2 * 365 * 86_400
RESPONSE_MIN, RESOLUTION_MIN = 540, 480  # the default policy's email and simple targets


@st.composite
def calendars(draw: st.DrawFn) -> CalendarSpec:
    days = draw(st.sets(st.integers(0, 6), min_size=1, max_size=7))
    first_start = draw(st.integers(0, 12 * 60))
    first_end = draw(st.integers(first_start + 1, min(first_start + 10 * 60, 1440)))
    hours = [(first_start, first_end)]
    if first_end < 1440 - 1 and draw(st.booleans()):
        second_start = draw(st.integers(first_end, 1439))
        hours.append((second_start, draw(st.integers(second_start + 1, 1440))))
    return CalendarSpec(
        timezone=draw(st.sampled_from(ZONES)),
        workdays=tuple(sorted(days)),
        hours=tuple(hours),
        holidays=draw(st.sampled_from(["", "RU", "DE"])),
    )


@st.composite
def tickets(draw: st.DrawFn) -> dict[str, object]:
    created = START + draw(st.integers(0, SPAN))
    answered = created + draw(st.integers(0, 20 * 86_400))
    resolved = answered + draw(st.integers(0, 30 * 86_400))
    pauses = sorted(draw(st.lists(st.integers(0, 40 * 86_400), max_size=4, unique=True)))
    return {
        "created": created,
        "answered": answered if draw(st.booleans()) else None,
        "resolved": resolved if draw(st.booleans()) else None,
        "pause_offsets": pauses,
    }


def _iso(instant: float) -> str:
    return datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _config(spec: CalendarSpec) -> str:
    table = spec.to_table()
    hours = ", ".join(f'"{span}"' for span in table["hours"])  # type: ignore[union-attr]
    workdays = ", ".join(f'"{day}"' for day in table["workdays"])  # type: ignore[union-attr]
    return (
        "[calendars.default]\n"
        f'timezone = "{spec.timezone}"\nworkdays = [{workdays}]\nhours = [{hours}]\n'
        f'holidays = "{spec.holidays}"\n'
    )


def _expected(spec: CalendarSpec, ticket: dict[str, object], as_of: float) -> dict[str, float]:
    created = float(ticket["created"])  # type: ignore[arg-type]
    resolved = ticket["resolved"]
    end = float(resolved) if resolved is not None else as_of  # type: ignore[arg-type]
    answered = ticket["answered"] if ticket["answered"] is not None else resolved
    response_end = float(answered) if answered is not None else as_of  # type: ignore[arg-type]
    # pause events alternate waiting_on_customer / in_progress, from created on
    marks = [created + offset for offset in ticket["pause_offsets"]]  # type: ignore[attr-defined]
    paused = 0.0
    for index in range(0, len(marks), 2):
        start = marks[index]
        stop = marks[index + 1] if index + 1 < len(marks) else as_of
        stop = min(stop, end)
        if stop > start:
            paused += oracle_business_seconds(spec, start, stop)
    return {
        "response_business_min": oracle_business_seconds(spec, created, response_end) / 60,
        "resolution_business_min": (oracle_business_seconds(spec, created, end) - paused) / 60,
        "paused_business_min": paused / 60,
        "response_due_at": oracle_due(spec, created, RESPONSE_MIN * 60),
        "resolution_due_at": oracle_due(spec, created, RESOLUTION_MIN * 60 + paused),
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=calendars(), batch=st.lists(tickets(), min_size=1, max_size=25))
def test_sql_engine_matches_the_oracle(
    tmp_path_factory: pytest.TempPathFactory, spec: CalendarSpec, batch: list[dict[str, object]]
) -> None:
    folder: Path = tmp_path_factory.mktemp("oracle")
    lines = ["ticket_id,account_id,created_at,channel,task_type,status,first_response_at,resolved_at"]
    events = ["ticket_id,at,kind,value"]
    for number, ticket in enumerate(batch):
        answered, resolved = ticket["answered"], ticket["resolved"]
        lines.append(
            f"T{number},A1,{_iso(ticket['created'])},email,simple,open,"  # type: ignore[arg-type]
            f"{_iso(answered) if answered is not None else ''},"  # type: ignore[arg-type]
            f"{_iso(resolved) if resolved is not None else ''}"  # type: ignore[arg-type]
        )
        for index, offset in enumerate(ticket["pause_offsets"]):  # type: ignore[attr-defined]
            status = "waiting_on_customer" if index % 2 == 0 else "in_progress"
            events.append(f"T{number},{_iso(ticket['created'] + offset)},status,{status}")  # type: ignore[operator]
    as_of = (
        max(
            max(float(t[key]) for key in ("created", "answered", "resolved") if t[key] is not None)  # type: ignore[arg-type]
            for t in batch
        )
        + 86_400
    )
    store = make_warehouse(folder, _config(spec))
    store.ingest(
        write(folder / "tickets.csv", "\n".join(lines) + "\n"),
        write(folder / "ticket_events.csv", "\n".join(events) + "\n"),
    )
    store.build(_iso(as_of).replace("Z", "+00:00"))
    rows = {row["ticket_id"]: row for row in store.dicts("SELECT * FROM sla_tickets")}
    store.close()
    for number, ticket in enumerate(batch):
        row, want = rows[f"T{number}"], _expected(spec, ticket, as_of)
        context = f"T{number} {ticket} in {spec}"
        for key in ("response_business_min", "resolution_business_min", "paused_business_min"):
            assert row[key] == pytest.approx(want[key], abs=1e-6), f"{key}: {context}"
        for key in ("response_due_at", "resolution_due_at"):
            got = row[key].timestamp() if row[key] is not None else float("nan")  # type: ignore[union-attr]
            assert got == pytest.approx(want[key], abs=1e-6, nan_ok=True), f"{key}: {context}"

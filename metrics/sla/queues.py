"""The work queues a CS manager acts on, each defined once: which tickets, in what order.

A queue is a condition and an order over `sla_tickets` rows (DuckDB expressions); the dashboard
adds its filters. The at-risk queue holds open tickets that can still make their resolution
target — least business time left first; tickets already past it are in their own list, the
oldest first, so a year-old breach does not crowd out what can still be saved.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Queue:
    condition: str
    order: str
    # (name, expression) pairs shown beside the ticket's own columns
    columns: tuple[tuple[str, str], ...] = ()
    # ticket columns this queue does not show (one its own columns restate)
    hidden: tuple[str, ...] = ()


# open, with a resolution target, not yet breached ('open' or 'at_risk')
AT_RISK = Queue("sla_state IN ('at_risk', 'open')", "resolution_left_min ASC, created_at ASC")
# open and already past the resolution target: the oldest first
OPEN_BREACHED = Queue(
    "sla_state = 'open_breached'",
    "created_at ASC",
    (
        # business time past the resolution target, and the ticket's age in whole days (24 h)
        # as of the build (the last build's as-of, which the dashboard snapshot carries)
        ("overdue_min", "-resolution_left_min"),
        ("age_days", "floor((epoch((SELECT max(as_of) FROM build_runs)) - epoch(created_at)) / 86400)"),
    ),
    hidden=("resolution_left_min",),  # its negative is overdue_min
)
# resolved late or open past the target, the newest first
BREACHED = Queue("sla_state IN ('breached', 'open_breached')", "created_at DESC")
# the judged tickets of one chart point: breaches first, the longest first
JUDGED = Queue(
    "sla_state IS NOT NULL",
    "sla_state IN ('breached', 'open_breached') DESC, resolution_business_min DESC",
)

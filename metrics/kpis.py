"""The director's KPIs, each defined once: over `sla_tickets` rows, and over the counts of
`sla_compliance_monthly`. The dashboard's query layer composes them with its filters and groups;
a page never computes one.

Each KPI is a DuckDB aggregate expression named after what it returns (the README glossary
defines them in words). Rates and compliance derived from counts are computed by
`with_compliance`, so that every page divides the same way.
"""

from __future__ import annotations

import pandas as pd

from metrics.sla import compliance_rate

SPEED_OF_RESPONSE = (
    "case when is_response_inferred then resolution_business_min else response_business_min end"
)
# Over sla_tickets rows: speed (business minutes), backlog and quality.
TICKET_KPIS: dict[str, str] = {
    "tickets": "count(*)",
    # medians and p90s of the first response over answered tickets, of resolution over resolved ones;
    # a response inferred from the resolution (no answer, no reply event) is that resolution, counted
    # as the resolution is (net of pauses), so inferred responses never outlast their resolutions
    "median_response_min": f"quantile_cont({SPEED_OF_RESPONSE}, 0.5) filter (where is_responded)",
    "p90_response_min": f"quantile_cont({SPEED_OF_RESPONSE}, 0.9) filter (where is_responded)",
    "median_resolution_min": "quantile_cont(resolution_business_min, 0.5) filter (where is_resolved)",
    "p90_resolution_min": "quantile_cont(resolution_business_min, 0.9) filter (where is_resolved)",
    "backlog": "count(*) filter (where not is_resolved)",
    "at_risk": "count(*) filter (where sla_state = 'at_risk')",
    "open_breached": "count(*) filter (where sla_state = 'open_breached')",
    # share of resolved tickets reopened at least once
    "reopen_rate": "avg(case when reopens > 0 then 1.0 else 0.0 end) filter (where is_resolved)",
    # share of tickets handed on at least once
    "reassignment_rate": "avg(case when reassignments > 0 then 1.0 else 0.0 end)",
    "csat": "avg(csat)",
    "response_met": "count(*) filter (where response_met)",
    "response_breached": "count(*) filter (where not response_met)",
    "met": "count(*) filter (where sla_state = 'met')",
    "breached": "count(*) filter (where sla_state = 'breached')",
    # answered tickets whose first response is their resolution (no answer, no reply event)
    "inferred_responses": "count(*) filter (where is_response_inferred)",
    "inferred_responses_of": "count(*) filter (where is_responded)",
}

# Over sla_compliance_monthly rows: the counts add up across months and groups.
COMPLIANCE_COUNTS = (
    "tickets",
    "response_judged",
    "response_met",
    "response_breached",
    "resolution_judged",
    "met",
    "breached",
    "open",
    "at_risk",
    "open_breached",
)


def ticket_kpis_sql() -> str:
    """The select list of every ticket KPI, `expression AS name`."""
    return ",\n    ".join(f"{expression} AS {name}" for name, expression in TICKET_KPIS.items())


def compliance_counts_sql() -> str:
    """The select list summing the monthly mart's counts."""
    return ",\n    ".join(f"sum({name}) AS {name}" for name in COMPLIANCE_COUNTS)


def with_compliance(frame: pd.DataFrame) -> pd.DataFrame:
    """Both compliance rates and their denominators, from met / breached counts.

    Response: met ÷ (met + breached). Resolution: met ÷ (met + breached + open breached): open
    tickets still within their target are not in the denominator (as Jira Service Management
    counts it)."""
    frame = frame.copy()
    open_breached = frame["open_breached"]
    frame["response_denominator"] = frame["response_met"] + frame["response_breached"]
    frame["resolution_denominator"] = frame["met"] + frame["breached"] + open_breached
    frame["response_pct"] = compliance_rate(frame["response_met"], frame["response_breached"], 0)
    frame["resolution_pct"] = compliance_rate(frame["met"], frame["breached"], open_breached)
    return frame

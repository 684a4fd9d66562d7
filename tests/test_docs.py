"""The README documents every setting and every metric; a missing one fails here."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pipelines.build import marts as mart_names
from tests.conftest import FIXTURES, Warehouse

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Columns of the marts that are metrics (the rest are ids and descriptions).
METRIC_PATTERN = re.compile(r"(_min|_met|_due_at|^sla_state|_judged|_pct|_rate|_score|_30d)$")
DASHBOARD_KPIS = (
    "compliance",
    "backlog",
    "reopen_rate",
    "reassignment_rate",
    "csat",
    "is_placeholder",
    # the account analyses
    "health_score",
    "band",
    "usage",
    "adoption",
    "support",
    "renewal",
    "upsell_ready",
    "churn_risk",
    "is_gap",
    "value_at_stake",
    "seat_utilisation",
    "price",
    "pricing_status",
    "verdict",
    "claim",
    "over_capacity",
    "complexity_total",
    "auc_model",
    "auc_hand_weights",
)


def _glossary() -> dict[str, tuple[str, str]]:
    section = README.split("## Glossary", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = (cells[1], cells[2])
    return rows


def test_every_setting_is_documented() -> None:
    defaults = tomllib.loads((ROOT / "pipelines" / "defaults.toml").read_text(encoding="utf-8"))
    keys = set()
    for table, body in defaults.items():
        for name, value in body.items():
            if table in ("calendars", "sla"):
                keys |= {f"{table}.{'NAME' if table == 'calendars' else 'TIER'}.{key}" for key in value}
            else:
                keys.add(f"{table}.{name}")
    missing = sorted(key for key in keys if f"`{key}`" not in README)
    assert not missing, f"settings missing from the README: {missing}"


def test_every_metric_has_a_glossary_row(warehouse: Warehouse) -> None:
    warehouse.ingest(*sorted((FIXTURES / "ingest").glob("*.csv")))
    warehouse.build("2024-03-06T12:00:00+03:00")
    metrics = set(DASHBOARD_KPIS)
    for mart in mart_names():
        for (column,) in warehouse.rows(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [mart]
        ):
            if METRIC_PATTERN.search(str(column)):
                metrics.add(str(column))
    glossary = _glossary()
    missing = sorted(metric for metric in metrics if metric not in glossary)
    assert not missing, f"metrics missing from the README glossary: {missing}"
    assert all(definition and grain for definition, grain in glossary.values())


def test_readme_opens_with_the_two_commands() -> None:
    first_screen = "\n".join(README.splitlines()[:20])
    assert "make run" in first_screen and "make test" in first_screen
    assert len(re.findall(r"^make \w+", first_screen, flags=re.MULTILINE)) == 2

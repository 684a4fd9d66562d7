"""`cspulse.toml` read into frozen dataclasses: the one typed place for configuration.

The built-in defaults live in `defaults.toml` beside this module. A user file is laid over them
table by table (DESIGN, "Configuration"):
- within a table a key given replaces the default whole (inline tables are not merged);
- an `[sla.TIER]` key left out comes from the built-in table of that tier, else from the
  `[sla.standard]` in force; a tier with no table at all uses `[sla.standard]`;
- a `[calendars.NAME]` table replaces the built-in one whole: it must give timezone, workdays
  and hours, and its holidays default to none.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from metrics.calendar import CalendarSpec
from metrics.settings import (
    AdoptionSettings,
    DashboardSettings,
    DeltasSettings,
    HealthSettings,
    PricingSettings,
)
from metrics.sla import SlaPolicy

DEFAULTS_PATH = Path(__file__).with_name("defaults.toml")
LOCAL_CONFIG = Path("cspulse.toml")
STANDARD_TIER = "standard"  # the SLA tier a tier without a table of its own falls back to

_ANALYSES: dict[
    str, type[PricingSettings | DeltasSettings | AdoptionSettings | HealthSettings | DashboardSettings]
] = {
    "pricing": PricingSettings,
    "deltas": DeltasSettings,
    "adoption": AdoptionSettings,
    "health": HealthSettings,
    "dashboard": DashboardSettings,
}
_TABLE_KEYS: dict[str, set[str]] = {
    "sla": {
        "calendar",
        "first_response_min",
        "resolution_min",
        "pause_statuses",
        "resolved_statuses",
        "at_risk_share",
    },
    "calendars": {
        "timezone",
        "workdays",
        "hours",
        "holidays",
        "extra_holidays",
        "extra_workdays",
    },
    # the analyses' tables: their keys are the fields of their typed settings
    **{name: settings.keys() for name, settings in _ANALYSES.items()},
}


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Config:
    """The configuration in force: calendars, SLA policies per tier and the metric settings."""

    calendars: dict[str, CalendarSpec]
    sla: dict[str, SlaPolicy]
    pricing: PricingSettings
    deltas: DeltasSettings
    adoption: AdoptionSettings
    health: HealthSettings
    dashboard: DashboardSettings
    source: str = "built-in defaults"

    @property
    def default_timezone(self) -> str:
        """Naive timestamps are read, and months and usage days are cut, in this zone."""
        return self.calendars["default"].timezone

    def to_toml(self) -> str:
        """The configuration in force as TOML text (kept with every build)."""
        document: dict[str, Any] = {
            "calendars": {name: spec.to_table() for name, spec in self.calendars.items()},
            "sla": {tier: _policy_table(policy) for tier, policy in self.sla.items()},
            "pricing": self.pricing.to_table(),
            "deltas": self.deltas.to_table(),
            "adoption": self.adoption.to_table(),
            "health": self.health.to_table(),
            "dashboard": self.dashboard.to_table(),
        }
        return f"# configuration in force, from {self.source}\n" + tomli_w.dumps(document)


def _policy_table(policy: SlaPolicy) -> dict[str, Any]:
    return {
        "calendar": policy.calendar,
        "first_response_min": dict(policy.first_response_min),
        "resolution_min": dict(policy.resolution_min),
        "pause_statuses": list(policy.pause_statuses),
        "resolved_statuses": list(policy.resolved_statuses),
        "at_risk_share": policy.at_risk_share,
    }


def load_config(path: Path | str | None = None) -> Config:
    """--config FILE, else ./cspulse.toml when present, else the built-in defaults."""
    builtin = tomllib.loads(DEFAULTS_PATH.read_text(encoding="utf-8"))
    if path is None and LOCAL_CONFIG.is_file():
        path = LOCAL_CONFIG
    if path is None:
        return _config_from(builtin, {}, "built-in defaults")
    path = Path(path)
    try:
        user = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    return _config_from(builtin, user, str(path))


def config_from_text(text: str, source: str = "text") -> Config:
    """A configuration from TOML text laid over the defaults (tests, the build record)."""
    builtin = tomllib.loads(DEFAULTS_PATH.read_text(encoding="utf-8"))
    return _config_from(builtin, tomllib.loads(text), source)


def _config_from(builtin: dict[str, Any], user: dict[str, Any], source: str) -> Config:
    _check_keys(user, source)
    try:
        calendars = _calendars(builtin["calendars"], user.get("calendars", {}), source)
        sla = _policies(builtin["sla"], user.get("sla", {}), calendars, source)
    except (KeyError, ValueError, TypeError) as error:
        if isinstance(error, ConfigError):
            raise
        raise ConfigError(f"{source}: {error}") from None
    analyses: dict[str, Any] = {}
    for name, settings in _ANALYSES.items():
        try:
            analyses[name] = settings.from_table({**builtin[name], **user.get(name, {})})
        except (ValueError, TypeError) as error:
            raise ConfigError(f"{source}: [{name}] {error}") from None
    return Config(calendars=calendars, sla=sla, source=source, **analyses)


def _check_keys(user: dict[str, Any], source: str) -> None:
    for table, body in user.items():
        if table not in _TABLE_KEYS:
            raise ConfigError(f"{source}: unknown table [{table}]; known: {sorted(_TABLE_KEYS)}")
        nested = table in ("sla", "calendars")
        for name, value in body.items():
            keys = value if nested else {name: None}
            if nested and not isinstance(value, dict):
                raise ConfigError(f"{source}: [{table}.{name}] must be a table")
            for key in keys:
                if key not in _TABLE_KEYS[table]:
                    where = f"{table}.{name}" if nested else table
                    raise ConfigError(f"{source}: unknown key {key!r} in [{where}]")


def _calendars(builtin: dict[str, Any], user: dict[str, Any], source: str) -> dict[str, CalendarSpec]:
    calendars = {name: CalendarSpec.from_table(table) for name, table in builtin.items()}
    for name, table in user.items():
        missing = [key for key in ("timezone", "workdays", "hours") if key not in table]
        if missing:
            raise ConfigError(f"{source}: [calendars.{name}] must give {', '.join(missing)}")
        try:
            calendars[name] = CalendarSpec.from_table({"holidays": "", **table})
        except Exception as error:
            raise ConfigError(f"{source}: [calendars.{name}]: {error}") from None
    return calendars


def _policies(
    builtin: dict[str, Any],
    user: dict[str, Any],
    calendars: dict[str, CalendarSpec],
    source: str,
) -> dict[str, SlaPolicy]:
    user = _tiers_by_name(user, source)
    standard = {**builtin[STANDARD_TIER], **user.get(STANDARD_TIER, {})}
    by_name = {name.strip().lower(): name for name in calendars}  # names match in any case
    policies = {}
    # standard first: a value other tiers inherit from it is blamed on the table that gave it
    for tier in sorted(set(builtin) | set(user), key=lambda name: (name != STANDARD_TIER, name)):
        table = {**standard, **builtin.get(tier, {}), **user.get(tier, {})}
        where = f"{source}: [sla.{tier}]"
        calendar = by_name.get(str(table["calendar"]).strip().lower())
        if calendar is None:
            raise ConfigError(f"{where} names calendar {table['calendar']!r}, which is not defined")
        policies[tier] = SlaPolicy(
            calendar=calendar,
            first_response_min=_targets(table["first_response_min"], f"{where} first_response_min"),
            resolution_min=_targets(table["resolution_min"], f"{where} resolution_min"),
            pause_statuses=_statuses(table["pause_statuses"], f"{where} pause_statuses"),
            resolved_statuses=_statuses(table["resolved_statuses"], f"{where} resolved_statuses"),
            at_risk_share=_share(table["at_risk_share"], f"{where} at_risk_share"),
        )
    return dict(sorted(policies.items()))


def _share(value: object, where: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value <= 1:
        raise ConfigError(f"{where} must be a share in (0, 1], such as 0.8; got {value!r}")
    return float(value)


def _tiers_by_name(tables: dict[str, Any], source: str) -> dict[str, Any]:
    """Tier tables keyed as accounts name tiers (trimmed, lower-cased): [sla.ISM] is ism's."""
    named: dict[str, Any] = {}
    for tier, table in tables.items():
        name = tier.strip().lower()
        if name in named:
            raise ConfigError(f"{source}: [sla.{tier}] repeats another table's tier ({name!r})")
        named[name] = table
    return named


def _targets(table: object, where: str) -> dict[str, float]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table of minutes, such as {{ email = 540 }}; got {table!r}")
    targets = {}
    for name, minutes in table.items():
        if not isinstance(minutes, int | float) or isinstance(minutes, bool) or minutes < 0:
            raise ConfigError(f"{where}.{name} must be a number of minutes >= 0, got {minutes!r}")
        targets[name.strip().lower()] = float(minutes)
    return targets


def _statuses(values: object, where: str) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise ConfigError(f'{where} must be a list of statuses, such as ["pending"]; got {values!r}')
    return tuple(value.strip().lower() for value in values)

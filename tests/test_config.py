"""cspulse.toml: how a file is laid over the defaults, and mistakes named by file, table and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import ConfigError, config_from_text, load_config
from tests.conftest import run_cli, write


def test_a_file_is_laid_over_the_defaults_table_by_table() -> None:
    config = config_from_text(
        """
[sla.standard]
first_response_min = { email = 100 }
at_risk_share = 0.5

[sla.premium]
resolution_min = { bug = 60 }

[calendars.default]
timezone = "Europe/Berlin"
workdays = ["Monday", "TUE", "wed", "thu", "fri"]
hours = ["9:00-13:00", "14:00-18:00"]
"""
    )
    standard, ism, premium = config.sla["standard"], config.sla["ism"], config.sla["premium"]
    # an inline table replaces the default whole: chat's 30 minutes are gone
    assert standard.first_response_min == {"email": 100}
    # ism keeps its own built-in targets, and takes the standard in force for what it lacks
    assert ism.first_response_min["email"] == 60 and ism.at_risk_share == 0.5
    # a tier without a built-in table takes the standard in force for every key it leaves out
    assert premium.resolution_min == {"bug": 60} and premium.first_response_min == {"email": 100}
    calendar = config.calendars["default"]
    assert (calendar.timezone, calendar.workdays, calendar.hours) == (
        "Europe/Berlin",
        (0, 1, 2, 3, 4),
        ((540, 780), (840, 1080)),
    )
    # a calendar table given in a file replaces the built-in one whole: no holidays unless said
    assert calendar.holidays == ""


UTC_CALENDAR = '[calendars.default]\ntimezone = "UTC"\nworkdays = ["mon"]\nhours = ["09:00-18:00"]\n'


def test_holiday_codes_are_checked_and_read_in_any_case() -> None:
    assert config_from_text(UTC_CALENDAR + 'holidays = "us"\n').calendars["default"].holidays == "US"
    assert config_from_text(UTC_CALENDAR + 'holidays = "de-by"\n').calendars["default"].holidays == "DE-BY"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            UTC_CALENDAR + 'holidays = "XX"\n',
            "[calendars.default]: holidays 'XX'",
        ),
        (
            UTC_CALENDAR + 'holidays = ["RU"]\n',
            "[calendars.default]: holidays must be a country code",
        ),
        (
            '[calendars.default]\ntimezone = "UTC"\nworkdays = ["mon"]\nhours = []\n',
            "[calendars.default]: hours must give at least one working interval",
        ),
        (
            '[calendars.default]\ntimezone = "UTC"\nworkdays = ["monkey"]\nhours = ["09:00-18:00"]\n',
            "unknown weekday 'monkey'",
        ),
        (
            '[calendars.default]\ntimezone = "Mars/Base"\nworkdays = ["mon"]\nhours = ["09:00-18:00"]\n',
            "[calendars.default]: timezone 'Mars/Base' is not an IANA timezone",
        ),
        (
            '[calendars.default]\ntimezone = "UTC"\nworkdays = ["mon"]\nhours = ["09:00-18:00"]\n'
            'extra_holidays = ["2024-02-30"]\n',
            "[calendars.default]: extra_holidays: '2024-02-30' is not a date",
        ),
        ("[sla.standard]\nfirst_response_min = 540\n", "[sla.standard] first_response_min must be a table"),
        ('[sla.standard]\npause_statuses = "pending"\n', "[sla.standard] pause_statuses must be a list"),
        ('[sla.standard]\nat_risk_share = "high"\n', "[sla.standard] at_risk_share must be a share"),
        # ism inherits the standard's share: the table that gave it is the one named
        ("[sla.standard]\nat_risk_share = 1.5\n", "[sla.standard] at_risk_share must be a share"),
        (
            '[sla.standard]\ncalendar = "night"\n',
            "[sla.standard] names calendar 'night', which is not defined",
        ),
        (
            "[dashboard]\nmin_month_tickets = -1\n",
            "[dashboard] min_month_tickets must be a whole number >= 0",
        ),
        ('[dashboard]\nmin_month_tickets = "30"\n', "[dashboard] min_month_tickets must be a whole number"),
        ("[dashboard]\nmin_month_tickets = 2.5\n", "[dashboard] min_month_tickets must be a whole number"),
    ],
)
def test_mistakes_name_the_file_table_and_key(tmp_path: Path, text: str, said: str) -> None:
    path = write(tmp_path / "cspulse.toml", text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(f"{path}: ") and said in str(error.value)


def test_a_tier_names_its_calendar_in_any_case() -> None:
    assert config_from_text('[sla.standard]\ncalendar = "Default"\n').sla["standard"].calendar == "default"


def test_build_warns_of_calendars_the_configuration_lacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "w.duckdb"
    accounts = write(
        tmp_path / "accounts.csv",
        "account_id,name,tier,paid_seats,active_users,mrr,calendar\nN2,Lost,standard,1,1,1,lunar\n",
    )
    assert run_cli("ingest", str(accounts), "--db", str(db)) == 0
    assert run_cli("build", "--db", str(db), "--as-of", "2024-03-04T12:00:00+00:00") == 0
    assert "accounts name calendars the configuration lacks ('lunar')" in capsys.readouterr().err


def test_the_dashboard_table_has_a_default_and_takes_a_file() -> None:
    assert config_from_text("").dashboard.min_month_tickets == 30  # DESIGN-style default: seed-free, 30
    assert config_from_text("[dashboard]\nmin_month_tickets = 5\n").dashboard.min_month_tickets == 5
    assert (
        "[dashboard]\nmin_month_tickets = 5"
        in config_from_text("[dashboard]\nmin_month_tickets = 5\n").to_toml()
    )

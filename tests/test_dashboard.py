"""Every page through Streamlit's AppTest on the sample warehouse; key numbers equal the marts."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import components, i18n
from pipelines.warehouse import snapshot_path
from tests.conftest import run_cli

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
PAGES = ("overview", "sla", "deltas", "clients", "managers", "adoption", "health", "pricing", "data")


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`cspulse demo` into a temporary warehouse: the committed samples, built."""
    db = tmp_path_factory.mktemp("dashboard") / "warehouse.duckdb"
    assert run_cli("demo", "--db", db) == 0
    previous = os.environ.get("CSPULSE_DB")
    os.environ["CSPULSE_DB"] = str(db)
    yield db
    if previous is None:
        os.environ.pop("CSPULSE_DB", None)
    else:
        os.environ["CSPULSE_DB"] = previous


def _app(**query: str) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.query_params.update(query)
    return app


def _mart(db: Path, sql: str) -> object:
    import duckdb

    with duckdb.connect(str(snapshot_path(db)), read_only=True) as con:
        row = con.execute(sql).fetchone()
    return row[0] if row else None


def _metric(app: AppTest, label: str) -> str:
    for metric in app.metric:
        if metric.label == label:
            return str(metric.value)
    raise AssertionError(f"no metric {label!r}; have {[m.label for m in app.metric]}")


def _number(text: str, language: str = "en") -> float:
    """'1,234' / '93.4%' (en) or '1 234,5' / '93,4 %' (ru) -> a float."""
    cleaned = re.sub(r"[\s\u00a0\u202f%]", "", text)
    if language == "ru":
        return float(cleaned.replace(",", "."))
    return float(cleaned.replace(",", ""))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_an_exception(sample_db: Path, page: str) -> None:
    app = _app()
    app.run()
    app.switch_page(f"views/{page}.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.title[0].value == i18n.t(f"page_{page}")


def test_overview_numbers_equal_the_marts(sample_db: Path) -> None:
    app = _app()
    app.run()
    assert not app.exception
    tickets = _mart(sample_db, "SELECT count(*) FROM sla_tickets")
    assert _number(_metric(app, "Tickets")) == tickets
    met, judged = (
        _mart(sample_db, "SELECT sum(met) FROM sla_compliance_monthly"),
        _mart(sample_db, "SELECT sum(met + breached + open_breached) FROM sla_compliance_monthly"),
    )
    assert _number(_metric(app, "Resolution SLA")) == pytest.approx(100 * met / judged, abs=0.05)  # type: ignore[operator]
    response = _mart(
        sample_db,
        "SELECT 100.0 * sum(response_met) / sum(response_met + response_breached) "
        "FROM sla_compliance_monthly",
    )
    assert _number(_metric(app, "Response SLA")) == pytest.approx(response, abs=0.05)
    backlog = _mart(sample_db, "SELECT count(*) FROM sla_tickets WHERE NOT is_resolved")
    assert _number(_metric(app, "Backlog (open)")) == backlog
    breached_open = _mart(sample_db, "SELECT count(*) FROM sla_tickets WHERE sla_state = 'open_breached'")
    assert _number(_metric(app, "Open, breached")) == breached_open
    median = _mart(
        sample_db, "SELECT median(resolution_business_min) / 60 FROM sla_tickets WHERE is_resolved"
    )
    assert _number(_metric(app, "Median resolution").removesuffix(" h")) == pytest.approx(median, abs=0.05)


def test_filters_change_the_numbers_and_come_from_the_url(sample_db: Path) -> None:
    app = _app(channels="chat")
    app.run()
    assert not app.exception
    chat = _mart(sample_db, "SELECT count(*) FROM sla_tickets WHERE channel = 'chat'")
    assert _number(_metric(app, "Tickets")) == chat
    assert app.query_params["channels"] == "chat"


def test_russian_labels_and_number_formats(sample_db: Path) -> None:
    app = _app(lang="ru")
    app.run()
    assert not app.exception
    assert app.title[0].value == "Обзор"
    tickets = _mart(sample_db, "SELECT count(*) FROM sla_tickets")
    shown = _metric(app, "Обращения")
    # Russian groups thousands with a (no-break) space: 20 000, not 20,000
    assert "," not in shown and _number(shown, "ru") == tickets
    assert _metric(app, "SLA по решению").endswith("%")


def test_client_page_shows_the_account_and_its_compliance(sample_db: Path) -> None:
    app = _app(account="ACC-0002")
    app.run()
    app.switch_page("views/clients.py").run()
    assert not app.exception
    manager = _mart(sample_db, "SELECT cs_manager FROM account_summary WHERE account_id = 'ACC-0002'")
    assert _metric(app, "CS manager") == manager
    open_tickets = _mart(
        sample_db,
        "SELECT count(*) FROM sla_tickets WHERE account_id = 'ACC-0002' AND NOT is_resolved",
    )
    assert _number(_metric(app, "Open tickets")) == open_tickets
    met, judged = (
        _mart(sample_db, "SELECT sum(met) FROM sla_compliance_monthly WHERE account_id = 'ACC-0002'"),
        _mart(
            sample_db,
            "SELECT sum(met + breached + open_breached) FROM sla_compliance_monthly "
            "WHERE account_id = 'ACC-0002'",
        ),
    )
    assert _number(_metric(app, "Resolution SLA")) == pytest.approx(100 * met / judged, abs=0.05)  # type: ignore[operator]


def test_manager_page_compares_with_the_team(sample_db: Path) -> None:
    manager = str(_mart(sample_db, "SELECT min(cs_manager) FROM account_summary"))
    app = _app(manager=manager)
    app.run()
    app.switch_page("views/managers.py").run()
    assert not app.exception
    comparison = app.dataframe[0].value
    assert list(comparison.columns) == ["Statistic", f"CS manager: {manager}", "Team"]
    tickets_row = comparison[comparison["Statistic"] == "Tickets"].iloc[0]
    mine = _mart(sample_db, f"SELECT count(*) FROM sla_tickets WHERE cs_manager = '{manager}'")
    assert _number(tickets_row[f"CS manager: {manager}"]) == mine
    assert _number(tickets_row["Team"]) == _mart(sample_db, "SELECT count(*) FROM sla_tickets")


def test_data_page_lists_the_runs_and_the_config(sample_db: Path) -> None:
    app = _app()
    app.run()
    app.switch_page("views/data.py").run()
    assert not app.exception
    runs = app.dataframe[0].value
    assert len(runs) == _mart(sample_db, "SELECT count(*) FROM ingest_runs")
    assert "[sla.standard" in app.code[0].value


def test_every_page_copes_with_a_warehouse_without_tickets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "empty.duckdb"
    assert run_cli("build", "--db", db, "--as-of", "2026-01-01T00:00:00+00:00") == 0
    monkeypatch.setenv("CSPULSE_DB", str(db))
    app = _app()
    app.run()
    for page in PAGES:
        app.switch_page(f"views/{page}.py").run()
        assert not app.exception, (page, [e.value for e in app.exception])


def _figures(app: AppTest) -> list[dict]:
    """The plotly figures a run drew, with binary-packed arrays decoded to lists."""
    import base64
    import json

    import numpy as np

    def decode(value: object) -> object:
        if isinstance(value, dict) and set(value) >= {"dtype", "bdata"}:
            return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
        if isinstance(value, dict):
            return {k: decode(v) for k, v in value.items()}
        if isinstance(value, list):
            return [decode(v) for v in value]
        return value

    return [decode(json.loads(chart.proto.spec)) for chart in app.get("plotly_chart")]


def test_monthly_charts_show_n_and_mark_small_and_partial_months(sample_db: Path) -> None:
    """Chat tickets of the samples: April 2025 has 11 (< the default minimum of 30, hollow point,
    pink bar), every other month 150+; as-of (2026-10-30) falls in October 2026: shaded."""
    app = _app(channels="chat")
    app.run()
    assert not app.exception
    compliance = _figures(app)[0]
    lines = [trace for trace in compliance["data"] if trace["type"] == "scatter"]
    bars = next(trace for trace in compliance["data"] if trace["type"] == "bar")
    expected = _mart(sample_db, "SELECT list(n ORDER BY month) FROM (SELECT month, sum(tickets) AS n "
                     "FROM sla_compliance_monthly WHERE channel = 'chat' GROUP BY month)")  # fmt: skip
    assert bars["y"] == expected  # n per month, as thin bars on the second axis
    assert bars["yaxis"] == "y2" and bars["width"] == 6 * 86_400_000
    # the bars stay low: their axis runs to 4 × the largest n, not the percent axis' 0-105
    assert compliance["layout"]["yaxis2"]["range"] == [0, 4 * max(expected)]  # type: ignore[type-var]
    assert compliance["layout"]["yaxis"]["range"] == [0, 105]
    small = [n < 30 for n in expected]  # type: ignore[union-attr]
    assert sum(small) == 1  # April 2025 only
    for line in lines:
        assert [symbol == "circle-open" for symbol in line["marker"]["symbol"]] == small
        assert line["customdata"] == expected  # n on hover
        assert line["connectgaps"] is False
    (shade,) = compliance["layout"]["shapes"]
    assert shade["x0"] < "2026-10-01" < shade["x1"] and shade["x1"] < "2026-11-01"
    assert shade["x0"] > "2026-09-01"


def test_an_empty_month_breaks_the_line() -> None:
    """January 5 tickets, no February, March 40: February comes back as a missing value."""
    import pandas as pd

    frame = pd.DataFrame(
        {"month": [date(2026, 1, 1), date(2026, 3, 1)], "tickets": [5, 40], "rate": [0.5, 0.9]}
    )
    filled = components._every_month(frame)
    assert list(filled["month"]) == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    assert filled["rate"].isna().tolist() == [False, True, False]
    # hollow below the minimum (5 < 30); a missing month has no point to mark
    assert components._symbols(filled["tickets"], 30) == ["circle-open", "circle", "circle"]


@pytest.mark.parametrize(
    ("minutes", "language", "shown"),
    [
        (465.2167, "en", "7 h 45 min"),  # 465 = 7 × 60 + 45; the seconds rounded away
        (465.2167, "ru", "7 ч 45 мин"),
        (120, "en", "2 h"),
        (0.4, "en", "0 min"),
        (-65, "ru", "−1 ч 5 мин"),  # past the target: a true minus
        (177_452, "ru", "2\u00a0957 ч 32 мин"),  # 2,957 × 60 = 177,420; + 32
        (None, "en", "—"),
    ],
)
def test_business_time_reads_as_hours_and_minutes(minutes: float | None, language: str, shown: str) -> None:
    assert i18n.duration(minutes, language) == shown


def test_values_from_the_exports_in_the_readers_language() -> None:
    assert i18n.value_label("status", "waiting_on_customer", "ru") == "ждём клиента"
    assert i18n.value_label("channel", "email", "ru") == "эл. почта"
    assert i18n.value_label("channel", "pigeon", "ru") == "pigeon"  # unknown: as written
    # one label for a missing manager, whatever column carries it
    for column, missing in (("cs_manager", None), ("cs_manager", ""), ("group_a", "")):
        assert i18n.value_label(column, missing, "ru") == i18n.t("no_manager", "ru")


def test_a_table_reads_in_the_readers_terms() -> None:
    """Months as 'Oct 2026' / 'окт. 2026', task types and tiers translated, CSAT to two decimals,
    percentages to one, counts that became floats whole — with a decimal comma in Russian."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "month": [date(2026, 10, 1)],
            "task_type": ["bug"],
            "tier": ["ism"],
            "csat": [4.2646],
            "response_pct": [92.345],
            "backlog": [36.0],
        }
    )
    english = components._as_text(components.readable(frame, "en"), "en").iloc[0].to_dict()
    assert english == {
        "month": "Oct 2026", "task_type": "bug", "tier": "dedicated manager (ISM)", "csat": "4.26",
        "response_pct": "92.3", "backlog": 36,
    }  # fmt: skip
    russian = components._as_text(components.readable(frame, "ru"), "ru").iloc[0].to_dict()
    assert russian == {
        "month": "окт. 2026", "task_type": "ошибка", "tier": "выделенный менеджер (ISM)", "csat": "4,26",
        "response_pct": "92,3", "backlog": 36,
    }  # fmt: skip


def test_charts_write_months_and_decimals_in_russian() -> None:
    """Plotly's locale format: hovers' '%b %Y' read 'окт. 2026', numbers '92,3'; d3 counts days
    from Sunday."""
    russian = i18n.plotly_format("ru")
    assert russian["shortMonths"][9] == "окт." and russian["months"][0] == "январь"
    assert russian["shortDays"][:2] == ["вс", "пн"]
    assert (russian["decimal"], russian["thousands"]) == (",", "\u00a0")
    assert i18n.plotly_format("en")["shortMonths"][9] == "Oct"


# Words that point a reader at this project's sources rather than at their own work.
SOURCE_REFERENCES = re.compile(r"seed|DESIGN|issue|документ|сид|ТЗ\b|регламент", re.IGNORECASE)


def test_page_subtitles_speak_to_users() -> None:
    captions = {key: text for key, text in i18n.TEXT.items() if key.endswith(("_caption", "_subtitle"))}
    assert captions
    for key, text in captions.items():
        for language in ("en", "ru"):
            assert not SOURCE_REFERENCES.search(text[language]), (key, language, text[language])


def test_queues_show_business_time_client_names_and_russian_values(sample_db: Path) -> None:
    app = _app(lang="ru")
    app.run()
    app.switch_page("views/sla.py").run()
    assert not app.exception
    at_risk = app.dataframe[1].value  # the first tab: tickets that can still make their target
    t = lambda key: i18n.t(key, "ru")  # noqa: E731
    expected = [t("col_resolution_left_min"), t("col_sla_state"), t("col_account_name"), t("col_subject"),
                t("col_assignee")]  # fmt: skip
    assert list(at_risk.columns[:5]) == expected
    assert at_risk[t("col_resolution_left_min")].str.fullmatch(r"(\d[\d\u00a0]* ч)?( ?\d+ мин)?").all()
    names = _mart(sample_db, "SELECT list(DISTINCT account_name) FROM account_summary")
    assert set(at_risk[t("col_account_name")]) <= set(names)  # type: ignore[arg-type]
    states = {t("state_at_risk"), t("state_open")}
    assert set(at_risk[t("col_sla_state")]) <= states
    statuses = set(at_risk[t("col_status")])
    assert statuses and not statuses & {"in_progress", "new", "pending", "waiting_on_customer", "on_hold"}


MISSING_SHOWN = re.compile(r"\b(None|nan|NaN|NaT)\b|<NA>")


def _shown_missing(shown: object) -> list[str]:
    """The columns of a rendered dataframe where a reader would see None/nan/<NA>: text that
    spells one, or a null while the table has no placeholder (Streamlit draws it as "None")."""
    frame, placeholder = shown.value, shown.proto.placeholder  # type: ignore[attr-defined]
    spelt = lambda v: isinstance(v, str) and bool(MISSING_SHOWN.search(v))  # noqa: E731
    columns = [c for c in frame.columns if frame[c].map(spelt).any()]
    if placeholder in ("", "None") or MISSING_SHOWN.search(placeholder):
        columns += [c for c in frame.columns if frame[c].isna().any()]
    return sorted(set(map(str, columns)))


@pytest.mark.parametrize("language", ["en", "ru"])
def test_no_table_shows_none_nan_or_na(sample_db: Path, language: str) -> None:
    """Missing values read as "—" on every page's tables, in both languages."""
    app = _app(lang=language)
    app.run()
    problems: dict[str, list[str]] = {}
    for page in PAGES:
        app.switch_page(f"views/{page}.py").run()
        assert not app.exception, (page, [e.value for e in app.exception])
        for index, shown in enumerate(app.dataframe):
            if columns := _shown_missing(shown):
                problems[f"{page}[{index}]"] = columns
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())
    assert app.dataframe[0].proto.placeholder == components.MISSING


def test_account_labels_are_names_with_the_id_only_for_a_shared_name() -> None:
    labels = components.account_labels(["ACC-1", "ACC-2", "ACC-3", "ACC-4"], ["Acme", "Acme", "Beta", None])
    # two accounts called Acme: the id tells them apart; Beta is unique; ACC-4 has no name
    assert labels == {"ACC-1": "Acme (ACC-1)", "ACC-2": "Acme (ACC-2)", "ACC-3": "Beta", "ACC-4": "ACC-4"}


def test_client_picker_shows_names_and_keeps_the_id_in_the_url(sample_db: Path) -> None:
    import duckdb

    with duckdb.connect(str(snapshot_path(sample_db)), read_only=True) as con:
        rows = con.execute("SELECT account_id, account_name FROM account_summary").fetchall()
    app = _app()
    app.run()
    app.switch_page("views/clients.py").run()
    assert not app.exception
    picker = app.selectbox(key="client_account")
    names = [name for _, name in rows]
    shown = {name if names.count(name) == 1 else f"{name} ({account_id})" for account_id, name in rows}
    assert set(picker.options) == shown  # names, not ids
    assert not any(account_id in picker.options for account_id, _ in rows)
    wanted = rows[-1][0]
    picker.set_value(wanted).run()
    assert not app.exception
    assert app.query_params["account"] == wanted  # the id travels in the address bar
    assert app.selectbox(key="client_account").value == wanted
    # and a shared link opens that account again
    again = _app(account=wanted)
    again.run()
    again.switch_page("views/clients.py").run()
    assert again.selectbox(key="client_account").value == wanted


def test_every_label_and_plotly_word_has_a_russian_text() -> None:
    untranslated = [key for key, texts in i18n.TEXT.items() if not texts.get("ru")]
    assert not untranslated
    assert all(i18n.PLOTLY_DICTIONARIES["ru"].values())
    assert i18n.weekdays(["mon", "fri"], "ru") == "пн, пт"  # the config's day codes, in words


def test_a_wide_table_of_figures_is_narrowed_to_the_budget_keeping_its_first_column() -> None:
    import pandas as pd

    from dashboard import components

    narrow = pd.DataFrame({"Month": ["Oct 2026"], "Tickets": [12]})
    assert components.fitted_widths(narrow, budget=640) == {}  # fits: Streamlit sizes it
    headers = [f"A long header number {n}" for n in range(7)]  # 22 characters each: 195 px
    wide = pd.DataFrame({"Group": ["(no manager)"], **{h: [93.5] for h in headers}})
    widths = components.fitted_widths(wide, budget=640)
    assert "Group" not in widths  # what the row is stays whole
    group = 12 * components.CHAR_PX + components.CELL_PADDING_PX  # "(no manager)": 12 characters
    assert group + sum(widths.values()) <= 640 and set(widths) == set(headers)
    assert set(widths.values()) == {(640 - group) // 7}  # one common width, the budget shared

"""Rendering helpers shared by the pages: the sidebar filters, tables, KPI cards and charts.

Presentation only: nothing here computes a metric; values arrive from `queries`.
Text from exports (subjects, names) is shown through st.dataframe (never as HTML) and escaped
before it becomes a chart label, since plotly reads a few HTML tags in labels.
"""

from __future__ import annotations

import functools
import html
import re
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import i18n, queries

PLOT_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png"}}
# Streamlit's own controls that only speak English and that a page can do without: the element
# toolbar (search, fullscreen, column visibility, its own CSV — the page's "Download CSV" button
# writes the reader's CSV), a column's header menu (sort, format, pin, hide; a click on the header
# still sorts), the code block's copy button (the text can still be selected) and the fullscreen
# button Streamlit adds to Plotly's toolbar (Plotly's own buttons speak the reader's language).
UNTRANSLATED_CHROME = (
    '[data-testid="stElementToolbar"]',
    '[data-testid="stDataFrameColumnMenuTarget"]',
    '[data-testid="stCode"] button',
    '.modebar-btn[data-title="Fullscreen"]',
)
# a picker's drop-down when what was typed matches no option: Streamlit writes "No results"
EMPTY_PICKER_TEXT = '[role="listbox"][data-empty="true"] [role="option"] span'
STATE_COLOURS = {
    "met": "#2e7d32",
    "breached": "#c62828",
    "open": "#90a4ae",
    "at_risk": "#f9a825",
    "open_breached": "#6a1b9a",
}


def language() -> str:
    return str(st.session_state.get("lang", "en"))


def value_option(column: str, value: object, lang: str = "en") -> str:
    """A widget's option in the reader's language (statuses, tiers, "no manager")."""
    return str(i18n.value_label(column, value, lang))


def task_type_option(value: str, lang: str = "en") -> str:
    """A task type, or "all" of them (as resolution_deltas writes the row over every type)."""
    return i18n.t("task_type_all", lang) if value == "all" else value_option("task_type", value, lang)


def month_option(month: date, lang: str = "en") -> str:
    return i18n.month_label(month, lang)


# Options' labels bind the language when the widget is drawn: a widget's labels are also
# computed outside the script run (AppTest does), where the session's language is not at hand.


def t(key: str, **values: object) -> str:
    return i18n.t(key, language(), **values)


def plot_config() -> dict[str, Any]:
    """Plotly's config for a chart: its toolbar and notices in the reader's language."""
    lang = language()
    if lang not in i18n.PLOTLY_DICTIONARIES:
        return PLOT_CONFIG
    locale = {"dictionary": i18n.PLOTLY_DICTIONARIES[lang], "format": i18n.plotly_format(lang)}
    return PLOT_CONFIG | {"locale": lang, "locales": {lang: locale}}


# On a laptop's screen (1024-1280 px, the sidebar open) Streamlit's wide layout keeps 5rem each
# side of the page: tables get a third of that back.
NARROW_PAGE_CSS = (
    "@media (max-width: 1280px) { [data-testid=stMainBlockContainer] "
    "{ padding-left: 1.5rem !important; padding-right: 1.5rem !important; } }"
)


def page_style() -> None:
    """The page's own CSS: narrow margins on small screens and, in a language Streamlit does not
    speak, its English-only controls hidden (UNTRANSLATED_CHROME) and its pickers' "No results"
    written in the reader's language."""
    css = NARROW_PAGE_CSS
    if language() != "en":
        css += ", ".join(UNTRANSLATED_CHROME) + " { display: none !important; }"
        no_matches = t("no_matches").replace("\\", "").replace('"', "")
        css += f"{EMPTY_PICKER_TEXT} {{ visibility: hidden; font-size: 0 }} "
        css += f'{EMPTY_PICKER_TEXT}::after {{ content: "{no_matches}"; visibility: visible; '
        css += "font-size: 0.875rem }"
    st.html(f"<style>{css}</style>")


# --- sidebar filters, kept in the URL ---------------------------------------------------------

_LIST_FILTERS = ("managers", "tiers", "channels", "task_types")
FILTER_COLUMNS = {"managers": "cs_manager", "tiers": "tier", "channels": "channel", "task_types": "task_type"}
_URL_KEYS = {"lang", "from", "to", *_LIST_FILTERS}


NO_MANAGER_IN_URL = "__none__"  # "no manager" in the address bar (a repeated key per value)


def seed_from_url() -> None:
    """On a session's first run, seed the widgets from the address bar."""
    if st.session_state.get("_filters_seeded"):
        return
    params = st.query_params
    if params.get("lang") in i18n.LANGUAGES:
        st.session_state["lang"] = params["lang"]
    for name in _LIST_FILTERS:
        values = params.get_all(name)
        if values:
            st.session_state[f"filter_{name}"] = [
                queries.NO_MANAGER if value == NO_MANAGER_IN_URL else value for value in values
            ]
    if "from" in params and "to" in params:
        st.session_state["filter_period_url"] = (params["from"], params["to"])
    st.session_state["_filters_seeded"] = True


def _to_url(filters: queries.Filters) -> None:
    params: dict[str, str | list[str]] = {"lang": language()}
    if filters.start and filters.end:
        params["from"], params["to"] = filters.start.isoformat()[:7], filters.end.isoformat()[:7]
    for name in _LIST_FILTERS:
        values = getattr(filters, name)
        if values:
            params[name] = [NO_MANAGER_IN_URL if v == queries.NO_MANAGER else v for v in values]
    current = {key: st.query_params.get_all(key) for key in st.query_params}
    # Keep what pages put there (the chosen client or manager); rewrite only the filters.
    wanted = {k: v for k, v in current.items() if k not in _URL_KEYS} | params
    normalised = {k: v if isinstance(v, list) else [v] for k, v in wanted.items()}
    if current != normalised:
        st.query_params.from_dict(wanted)


def _period(months: list[date]) -> tuple[date | None, date | None]:
    """The period slider over the months present; a stale or URL-given period is checked.

    The chosen period lives in "period" and reaches the slider as its value: a range slider whose
    value was only ever set through its key is not known to be a range, and a moved thumb came
    back as one month, which the check below then reset to the whole range."""
    if not months:
        return None, None
    if len(months) == 1:
        return months[0], months[0]
    seeded = st.session_state.pop("filter_period_url", None)
    by_label = {m.isoformat()[:7]: m for m in months}
    if seeded and seeded[0] in by_label and seeded[1] in by_label:
        st.session_state["period"] = (by_label[seeded[0]], by_label[seeded[1]])
    stored = st.session_state.get("period")
    if not (isinstance(stored, tuple | list) and len(stored) == 2 and set(stored) <= set(months)):
        stored = (months[0], months[-1])  # e.g. after a rebuild
    chosen = st.sidebar.select_slider(
        t("period"),
        options=months,
        value=tuple(stored),
        format_func=functools.partial(month_option, lang=language()),
        key="filter_period",
    )
    start, end = chosen if isinstance(chosen, tuple | list) else (chosen, chosen)
    st.session_state["period"] = (start, end)
    return start, end


def sidebar(version: float | None) -> queries.Filters:
    """The language switch and the global filters; returns the filters in force."""
    seed_from_url()
    st.sidebar.selectbox(
        i18n.t("language", language()),
        list(i18n.LANGUAGES),
        format_func=lambda code: i18n.LANGUAGES[code],
        key="lang",
        placeholder="…",
    )
    choices = queries.filter_choices(version)
    st.sidebar.header(t("filters"))
    start, end = _period(choices["months"])
    selected = {}
    for name in _LIST_FILTERS:
        options = choices[name]
        key = f"filter_{name}"
        if key in st.session_state:
            st.session_state[key] = [v for v in st.session_state[key] if v in options]
        selected[name] = tuple(
            st.sidebar.multiselect(
                t(name),
                options,
                key=key,
                placeholder=t("all"),
                select_all=False,  # none picked already means all; and its label is English only
                format_func=functools.partial(value_option, FILTER_COLUMNS[name], lang=language()),
            )
        )
    st.sidebar.caption(t("share_hint"))
    filters = queries.Filters(start=start, end=end, **selected)
    _to_url(filters)
    build = queries.latest_build(version)
    if build:
        st.session_state["timezone"] = build["default_timezone"]
        st.sidebar.caption(f"{t('as_of')}: {i18n.moment(build['as_of'], language())} UTC")
    return filters


# --- tables, cards, charts ----------------------------------------------------------------------


DATETIME_FORMATS = {"en": "YYYY-MM-DD HH:mm", "ru": "DD.MM.YYYY HH:mm"}
DATE_FORMATS = {"en": "YYYY-MM-DD", "ru": "DD.MM.YYYY"}
# Columns of business minutes, shown as hours and minutes ("7 h 45 min"), never as decimals.
DURATION_SUFFIXES = ("_business_min", "_target_min", "_left_min", "overdue_min")
# Columns whose values come from the exports but have a label in the reader's language.
VALUE_COLUMNS = ("status", "channel", "task_type", "tier", "band", "verdict", "pricing_status",
                 *i18n.MANAGER_COLUMNS)  # fmt: skip
WHOLE_NUMBER_HINTS = ("mrr", "price", "value_at_stake", "difference")  # money: no decimals


def _digits(column: str) -> int:
    """Decimals a person needs: CSAT 4.26, money whole, everything else one."""
    if "csat" in column:
        return 2
    return 0 if any(hint in column for hint in WHOLE_NUMBER_HINTS) else 1


def readable(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The table in the reader's terms, still typed: values translated, business time as hours
    and minutes, months as 'Oct 2026', fractions rounded for people."""
    frame = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if column == "sla_state":
            frame[column] = values.map(lambda s: t(f"state_{s}") if isinstance(s, str) else s)
        elif column in VALUE_COLUMNS:
            frame[column] = values.map(lambda v, c=column: i18n.value_label(c, v, lang)).astype(object)
        elif column.endswith(DURATION_SUFFIXES):
            frame[column] = values.map(lambda v: i18n.duration(v, lang))
        elif column == "month":
            frame[column] = values.map(lambda m: i18n.month_label(m, lang) if isinstance(m, date) else m)
        elif values.dtype.kind == "f" and values.dropna().mod(1).eq(0).all() and not column.endswith("_pct"):
            frame[column] = values.astype("Int64")  # counts and days that became floats: 36, not 36,0
        elif values.dtype.kind == "f":
            frame[column] = values.round(_digits(column))
    return frame


def _headers(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns={c: t(f"col_{c}") for c in frame.columns if f"col_{c}" in i18n.TEXT})


MISSING = "—"  # how every table shows a value that is not there (never None, nan or <NA>)


def _is_missing(value: object) -> bool:
    return value is None or (not isinstance(value, str | bytes | list | tuple) and bool(pd.isna(value)))


def _as_text(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Fractions as the reader writes them (decimal comma in Russian), as the tiles show them, a
    missing one as MISSING. Other columns keep their type (they sort as numbers and times); the
    table draws their gaps as MISSING too (st.dataframe's placeholder)."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype.kind == "f":
            digits = _digits(str(column))
            frame[column] = frame[column].map(
                lambda v, d=digits: MISSING if _is_missing(v) else i18n.number(v, lang, d)
            )
    return frame


def interval_text(low: pd.Series, high: pd.Series, lang: str, digits: int = 1) -> list[str]:
    """'−12.5 … 3.0' per row (decimal comma in Russian); MISSING where the interval is not there."""
    return [
        MISSING
        if _is_missing(lo) or _is_missing(hi)
        else f"{i18n.number(lo, lang, digits)} … {i18n.number(hi, lang, digits)}"
        for lo, hi in zip(low, high, strict=True)
    ]


def csv_bytes(frame: pd.DataFrame, lang: str) -> bytes:
    """The CSV of a table: in Russian what Russian Excel opens as it is — UTF-8 with a BOM, `;`
    between fields, a decimal comma, yes/no in words; in English plain UTF-8 CSV."""
    frame = _as_shown(frame)
    if lang == "ru":
        for column in frame.columns:
            if frame[column].dtype.kind == "b" or (
                frame[column].dtype == object and frame[column].map(lambda v: isinstance(v, bool)).any()
            ):
                frame[column] = frame[column].map(lambda v: i18n.value_label("bool", v, lang))
        text = frame.to_csv(index=False, sep=";", decimal=",")
        return text.encode("utf-8-sig")
    return frame.to_csv(index=False).encode("utf-8")


# Columns a table of figures leaves to its CSV: the name beside it says which account it is.
CSV_ONLY_COLUMNS = ("account_id",)


def table(
    frame: pd.DataFrame, name: str, height: int | Literal["auto"] = "auto", listing: bool = False
) -> None:
    """A table with translated headers and values, times in the default calendar's zone in the
    reader's format, and a CSV download of it. A table of figures (not a `listing` of tickets,
    runs or sentences) fits the page's width: its id columns travel in the CSV only."""
    lang = language()
    if not listing and "account_name" in frame.columns:
        order = [
            t(f"col_{c}") if f"col_{c}" in i18n.TEXT else c
            for c in frame.columns
            if c not in CSV_ONLY_COLUMNS
        ]
    else:
        order = None
    typed = readable(frame, lang)
    shown = _headers(_as_text(typed, lang))  # decimals picked by the column's name, not its header
    typed = _headers(typed)
    config: dict[str, Any] = {}
    for column in shown.columns:
        if shown[column].dtype.kind == "M":
            config[column] = st.column_config.DatetimeColumn(
                format=DATETIME_FORMATS.get(lang, DATETIME_FORMATS["en"]),
                timezone=st.session_state.get("timezone"),
            )
        elif shown[column].map(lambda v: isinstance(v, date) and not isinstance(v, datetime)).any():
            config[column] = st.column_config.DateColumn(format=DATE_FORMATS.get(lang, "YYYY-MM-DD"))
    if not listing:
        visible = [c for c in shown.columns if order is None or c in order]
        for column, width in fitted_widths(shown[visible]).items():
            if column not in config:  # a header cut short says itself in full on hover
                config[column] = st.column_config.Column(width=width, help=str(column))
    # the container's key (st-key-figures-… / st-key-listing-…) tells the width test which is which
    kind = "listing" if listing else "figures"
    with st.container(key=kind + "-" + re.sub(r"[^\w-]+", "_", name)):
        st.dataframe(
            shown,
            hide_index=True,
            height=height,
            column_config=config,
            column_order=order,
            placeholder=MISSING,
        )
        st.download_button(
            t("download_csv"),
            csv_bytes(typed, lang),
            file_name=re.sub(r"[^\w.-]+", "_", name) + ".csv",
            mime="text/csv",
            key=f"download_{name}",
        )


TABLE_BUDGET_PX = 640  # a laptop's page (1024 px) beside the open sidebar, less the table's frame
CHAR_PX, CELL_PADDING_PX, NARROWEST_PX = 7.5, 30, 64  # Streamlit's table font, 14 px, and its cells


def fitted_widths(shown: pd.DataFrame, budget: int = TABLE_BUDGET_PX) -> dict[str, int]:
    """Widths (px) for the columns a table must narrow to fit `budget`: the first column (what
    the row is: a month, a group, a client) keeps its width, the widest of the others are cut to
    one common width, the narrow ones keep theirs; nothing when the table fits as it is."""
    natural = {
        str(c): int(max(len(str(c)), *(len(str(v)) for v in shown[c]), 1) * CHAR_PX + CELL_PADDING_PX)
        for c in shown.columns
    }
    if sum(natural.values()) <= budget or len(natural) < 2:
        return {}
    first, *others = natural
    left = budget - natural[first]
    cap = NARROWEST_PX
    while cap < max(natural.values()) and sum(min(natural[c], cap + 1) for c in others) <= left:
        cap += 1
    return {c: cap for c in others if natural[c] > cap}


def _as_shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as the reader sees it: times in the default calendar's timezone."""
    timezone = st.session_state.get("timezone")
    if not timezone:
        return frame
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype.kind == "M" and getattr(frame[column].dt, "tz", None) is not None:
            frame[column] = frame[column].dt.tz_convert(timezone).dt.tz_localize(None)
    return frame


def inferred_responses_note(stats: dict[str, Any]) -> None:
    """Say so when first responses were inferred from resolutions (metrics flags each ticket)."""
    inferred = int(stats.get("inferred_responses") or 0)
    if not inferred:
        return
    answered = int(stats.get("inferred_responses_of") or inferred)
    lang = language()
    st.info(
        t(
            "responses_inferred",
            n=i18n.number(inferred, lang),
            answered=i18n.number(answered, lang),
            share=i18n.percent(inferred / answered, lang, 0),
        ),
        icon=":material/info:",
    )


def kpi(column: Any, label: str, value: str, help_text: str | None = None) -> None:
    column.metric(label, value, help=help_text)


def safe_label(value: object) -> str:
    """Export text made safe for a plotly label (plotly renders a few HTML tags)."""
    return html.escape(str(value), quote=False) if value is not None else "—"


def month_ticks(figure: go.Figure, months: list[date]) -> None:
    """Month labels in the reader's language, at most five of them along the axis, the year
    under the month ("Apr<br>2025"): on a half-width chart they then stand upright, not turned."""
    months = sorted(set(months))
    step = max(1, -(-len(months) // 5))
    shown = months[::step]
    figure.update_xaxes(
        tickvals=[m.isoformat() for m in shown],
        ticktext=["<br>".join(i18n.month_label(m, language()).rsplit(" ", 1)) for m in shown],
        tickangle=0,
        title=t("month"),
    )


def month_marks(version: float | None) -> tuple[int, date | None]:
    """(the configured minimum tickets for a month to be read at face value, the month of as-of
    — still partial — in the default calendar's timezone) from the build in force."""
    build = queries.latest_build(version)
    if not build:
        return 0, None
    minimum = int(queries.settings_in_force(version, "dashboard").get("min_month_tickets", 0))
    as_of = pd.Timestamp(build["as_of"])
    as_of = as_of.tz_localize("UTC") if as_of.tzinfo is None else as_of
    local = as_of.tz_convert(build["default_timezone"])
    return minimum, local.date().replace(day=1)


def _every_month(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows over every month from the first to the last, empty months as missing values, so
    a line breaks over a gap instead of bridging it."""
    if frame.empty:
        return frame
    months = pd.date_range(min(frame["month"]), max(frame["month"]), freq="MS").date
    return frame.set_index("month").reindex(months).rename_axis("month").reset_index()


def _month_axis(
    figure: go.Figure, months: list[date], counts: pd.Series, marks: tuple[int, date | None]
) -> None:
    """Tickets per month as thin bars on a second axis (kept to the bottom quarter), and the
    partial month of as-of shaded."""
    minimum, partial = marks
    x = [m.isoformat() for m in months]
    n = counts.fillna(0).astype(int)
    figure.add_trace(
        go.Bar(
            x=x,
            y=n,
            yaxis="y2",
            width=6 * 86_400_000,  # six days, in milliseconds on a date axis
            marker_color=["#ef9a9a" if 0 < v < minimum else "#b0bec5" for v in n],
            opacity=0.5,
            name=t("tickets_n"),
            hovertemplate="%{x|%b %Y}: n = %{y}<extra></extra>",
            showlegend=False,
        )
    )
    top = max(int(n.max()) if len(n) else 0, 1)
    figure.update_layout(
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "range": [0, top * 4],
            "showgrid": False,
            "showticklabels": False,
            "fixedrange": True,
        }
    )
    if partial is not None and partial in set(months):
        middle = pd.Timestamp(partial)
        figure.add_vrect(
            x0=(middle - pd.Timedelta(days=14)).isoformat(),
            x1=(middle + pd.Timedelta(days=14)).isoformat(),
            fillcolor="#cfd8dc",
            opacity=0.35,
            line_width=0,
            annotation_text=t("partial_month"),
            annotation_position="top left",
        )


def _symbols(counts: pd.Series, minimum: int) -> list[str]:
    """A hollow point where the month has fewer tickets than the configured minimum."""
    return ["circle-open" if 0 < n < minimum else "circle" for n in counts.fillna(0)]


def line_chart(
    frame: pd.DataFrame,
    series: dict[str, str],
    y_title: str,
    percent: bool = False,
    key: str | None = None,
    marks: tuple[int, date | None] = (0, None),
) -> None:
    """One line per column in `series` (column -> legend label), months along the x axis, the
    month's tickets (n) on hover and as thin bars, small and partial months marked."""
    frame = _every_month(frame)
    figure = go.Figure()
    x = [m.isoformat() for m in frame["month"]]
    counts = frame["tickets"] if "tickets" in frame.columns else pd.Series([0] * len(frame))
    for column, label in series.items():
        values = frame[column] * (100 if percent else 1)
        figure.add_trace(
            go.Scatter(
                x=x,
                y=values,
                mode="lines+markers",
                name=safe_label(label),
                connectgaps=False,
                marker={"symbol": _symbols(counts, marks[0]), "size": 8},
                customdata=counts.fillna(0).astype(int),
                hovertemplate="%{fullData.name}<br>%{x|%b %Y}: %{y:.1f}"
                + ("%" if percent else "")
                + "<br>n = %{customdata}<extra></extra>",
            )
        )
    if "tickets" in frame.columns:
        _month_axis(figure, list(frame["month"]), counts, marks)
    _layout(figure, y_title, percent)
    month_ticks(figure, list(frame["month"]))
    st.plotly_chart(figure, config=plot_config(), key=key)
    if "tickets" in frame.columns:
        month_note(marks)


def month_note(marks: tuple[int, date | None]) -> None:
    """What the bars, hollow points and shading on a monthly chart mean."""
    st.caption(t("month_marks_note", n=marks[0]) if marks[0] else t("month_bars_note"))


def compliance_lines(frame: pd.DataFrame, key: str, marks: tuple[int, date | None] = (0, None)) -> None:
    """Response and resolution compliance by month, in percent."""
    line_chart(
        frame,
        {"response_pct": t("response_sla"), "resolution_pct": t("resolution_sla")},
        t("compliance_pct"),
        percent=True,
        key=key,
        marks=marks,
    )


def account_labels(account_ids: Sequence[str], names: Sequence[object]) -> dict[str, str]:
    """Each account as the reader knows it: by its name; the id beside a name two accounts share,
    so the two can be told apart; the id alone when the export gave no name."""
    named = {a: str(n).strip() if not _is_missing(n) else "" for a, n in zip(account_ids, names, strict=True)}
    shared = {n for n, count in Counter(named.values()).items() if n and count > 1}
    return {a: (f"{n} ({a})" if n in shared else n) if n else a for a, n in named.items()}


def account_picker(container: Any, label: str, accounts: pd.DataFrame, key: str, param: str) -> str:
    """Pick one account by name (sorted as a reader looks for it); the address bar keeps its id."""
    labels = account_labels(list(accounts["account_id"]), list(accounts["account_name"]))
    options = sorted(labels, key=lambda a: (labels[a].casefold(), a))
    if st.session_state.get(key, options[0]) not in options:  # e.g. gone after a rebuild
        st.session_state.pop(key)
    seed_from_param(key, param, options)
    picked = container.selectbox(
        label, options, index=0, format_func=labels.__getitem__, key=key, placeholder=t("choose")
    )
    account_id = str(picked if picked is not None else options[0])
    keep_in_url(param, account_id)
    return account_id


def seed_from_param(key: str, param: str, options: list[Any], parse: Any = str) -> None:
    """Before a keyed widget is drawn: take its value from the address bar when the session has
    none yet (a shared link, a reload), so a page's own controls round-trip like the filters."""
    if key in st.session_state or param not in st.query_params:
        return
    try:
        wanted = parse(st.query_params[param])
    except ValueError:
        return
    if wanted in options:
        st.session_state[key] = wanted


def keep_in_url(param: str, value: Any) -> None:
    text = value.isoformat()[:7] if isinstance(value, date) else str(value)
    if st.query_params.get(param) != text:
        st.query_params[param] = text


def choice(
    container: Any,
    label: str,
    options: list[str],
    default: str,
    key: str,
    format_func: Any = None,
    param: str | None = None,
) -> str:
    """A segmented control that always has a value (a click on the chosen segment clears it);
    with `param`, its value lives in the address bar too."""
    if param:
        seed_from_param(key, param, options)
    if key not in st.session_state:
        st.session_state[key] = default
    format_func = format_func or functools.partial(i18n.t, language=language())
    picked = container.segmented_control(label, options, format_func=format_func, key=key)
    value = str(picked or default)
    if param:
        keep_in_url(param, value)
    return value


def month_param(text: str) -> date:
    """'2026-10' (as months travel in the address bar) -> date(2026, 10, 1)."""
    return date.fromisoformat(text + "-01")


def grouped_lines(
    frame: pd.DataFrame,
    value: str,
    y_title: str,
    key: str,
    marks: tuple[int, date | None] = (0, None),
    column: str = "cs_manager",
) -> Any:
    """Compliance per group over months; returns the selection so a click can drill down. Each
    point shows its n on hover (hollow below the minimum); bars give the month's drawn tickets."""
    figure = go.Figure()
    every = sorted(set(frame["month"]))
    for group, part in frame.groupby("group_name", sort=False):
        part = _every_month(part.drop(columns="group_name"))
        present = part["tickets"].notna()
        label = safe_label(i18n.value_label(column, group, language()))
        figure.add_trace(
            go.Scatter(
                x=[m.isoformat() for m in part["month"]],
                y=part[value] * 100,
                mode="lines+markers",
                name=label,
                connectgaps=False,
                marker={"symbol": _symbols(part["tickets"], marks[0]), "size": 8},
                # the group and month a click drills into (none for a gap), and the point's n
                customdata=[
                    [str(group), m.isoformat(), int(n)] if ok else [None, None, 0]
                    for m, n, ok in zip(part["month"], part["tickets"].fillna(0), present, strict=True)
                ],
                hovertemplate="%{fullData.name}<br>%{x|%b %Y}: %{y:.1f}%"
                "<br>n = %{customdata[2]}<extra></extra>",
            )
        )
    totals = _every_month(frame.groupby("month", as_index=False)["tickets"].sum())
    _month_axis(figure, list(totals["month"]), totals["tickets"], marks)
    _layout(figure, y_title, percent=True)
    month_ticks(figure, every)
    chosen = st.plotly_chart(
        figure, config=plot_config(), key=key, on_select="rerun", selection_mode="points"
    )
    month_note(marks)
    return chosen


def _layout(figure: go.Figure, y_title: str, percent: bool) -> None:
    figure.update_layout(
        height=380,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        # above the plot, so it never covers the month axis' title
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        yaxis_title=y_title,
        separators=", " if language() == "ru" else ".,",
    )
    if percent:
        # the percent axis only: update_yaxes would also stretch the n bars' axis (y2) to 0-105
        figure.update_layout(yaxis={"range": [0, 105], "ticksuffix": "%"})


def state_bar(counts: dict[str, float]) -> None:
    """Where the judged tickets stand: one stacked horizontal bar by SLA state."""
    figure = go.Figure()
    for state, colour in STATE_COLOURS.items():
        figure.add_trace(
            go.Bar(
                y=[t("tickets")],
                x=[counts.get(state, 0)],
                name=t(f"state_{state}"),
                orientation="h",
                marker_color=colour,
            )
        )
    figure.update_layout(barmode="stack", height=140, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    st.plotly_chart(figure, config=plot_config())


def snapshot_or_stop() -> float:
    """The snapshot version, or a clear message and a stop when there is no snapshot yet."""
    version = queries.refresh_if_rebuilt()
    if version is None:
        st.info(t("no_snapshot"))
        st.stop()
    return version


def page_context() -> tuple[float, queries.Filters]:
    """(snapshot version, filters) that app.py prepared for the page being run."""
    return st.session_state["version"], st.session_state["filters"]


# --- charts of the account analyses ------------------------------------------------------------

BAND_COLOURS = {"green": "#2e7d32", "yellow": "#f9a825", "red": "#c62828"}


def adoption_heatmap(frame: pd.DataFrame, key: str) -> None:
    """Accounts × modules, coloured by the share of the account's users on the module; paid
    modules that are gaps are marked ×."""
    labels = frame["account_name"].fillna(frame["account_id"]).map(safe_label) + " · " + frame["account_id"]
    frame = frame.assign(label=labels, pct=frame["adoption_rate"].astype(float) * 100)
    grid = frame.pivot_table(index="label", columns="module", values="pct", aggfunc="first")
    gaps = frame.pivot_table(index="label", columns="module", values="is_gap", aggfunc="first")
    marks = gaps.reindex_like(grid).map(lambda gap: "×" if gap is True else "")
    figure = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[safe_label(m) for m in grid.columns],
            y=list(grid.index),
            text=marks.to_numpy(),
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            zmax=100,
            colorbar={"title": {"text": "%"}},
            hovertemplate="%{y}<br>%{x}: %{z:.0f}%<extra></extra>",
        )
    )
    figure.update_layout(
        height=max(320, 22 * len(grid) + 120),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title=t("module"),
        yaxis={"autorange": "reversed"},
    )
    st.plotly_chart(figure, config=plot_config(), key=key)


def bars(
    labels: list[str],
    values: list[float],
    x_title: str,
    key: str,
    colours: list[str] | None = None,
    line_at: float | None = None,
    line_label: str = "",
    hover: list[str] | None = None,
) -> None:
    """Horizontal bars, one per label, with an optional vertical line (a capacity, a target)."""
    figure = go.Figure(
        go.Bar(
            y=[safe_label(label) for label in labels],
            x=values,
            orientation="h",
            marker_color=colours,
            hovertext=hover,
            hoverinfo="text" if hover else None,
        )
    )
    if line_at is not None:
        figure.add_vline(
            x=line_at, line_dash="dash", line_color="#c62828", annotation_text=safe_label(line_label)
        )
    figure.update_layout(
        height=max(220, 28 * len(labels) + 90),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title=x_title,
        yaxis={"autorange": "reversed"},
        separators=", " if language() == "ru" else ".,",
    )
    st.plotly_chart(figure, config=plot_config(), key=key)


def forest_plot(frame: pd.DataFrame, labels: list[str], key: str, claim: tuple[float, float] | None) -> None:
    """Each row's delta % with its 95 % interval, a line at 0 and, for the dedicated-manager
    claim, a band at −70…−60 %; n beside each row."""
    figure = go.Figure()
    if claim is not None:
        figure.add_vrect(x0=-max(claim), x1=-min(claim), fillcolor="#a5d6a7", opacity=0.35, line_width=0,
                         annotation_text=t("claim_band"), annotation_position="top left")  # fmt: skip
    figure.add_vline(x=0, line_color="#455a64")
    low = frame["ci_low_pct"].astype(float)
    high = frame["ci_high_pct"].astype(float)
    delta = frame["delta_pct"].astype(float)
    figure.add_trace(
        go.Scatter(
            x=delta,
            y=labels,
            mode="markers",
            marker={"size": 11, "color": "#1565c0"},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (high - delta).fillna(0),
                "arrayminus": (delta - low).fillna(0),
            },
            customdata=list(zip(frame["n_a"], frame["n_b"], low, high, strict=True)),
            hovertemplate="%{y}: %{x:.1f}%<br>" + t("ci95") + " %{customdata[2]:.1f} … %{customdata[3]:.1f}%"
            "<br>n = %{customdata[0]} / %{customdata[1]}<extra></extra>",
            showlegend=False,
        )
    )
    figure.update_layout(
        height=max(240, 46 * len(labels) + 110),
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        xaxis_title=t("delta_axis"),
        xaxis_ticksuffix="%",
        yaxis={"autorange": "reversed"},
        separators=", " if language() == "ru" else ".,",
    )
    st.plotly_chart(figure, config=plot_config(), key=key)


def price_scatter(frame: pd.DataFrame, key: str) -> None:
    """Formula price against the price paid, per account, with the diagonal where they agree."""
    priced = frame[frame["support_price"].notna()]
    top = float(max(priced["price"].max(), priced["support_price"].max())) * 1.05 if len(priced) else 1.0
    colours = (
        priced["pricing_status"].map({"underpriced": "#c62828", "overpriced": "#f9a825"}).fillna("#1565c0")
    )
    figure = go.Figure()
    diagonal = {"dash": "dot", "color": "#90a4ae"}
    figure.add_trace(
        go.Scatter(x=[0, top], y=[0, top], mode="lines", line=diagonal, hoverinfo="skip", showlegend=False)
    )
    figure.add_trace(
        go.Scatter(
            x=priced["support_price"],
            y=priced["price"],
            mode="markers",
            marker={"color": colours, "size": 9},
            text=[safe_label(name) for name in priced["account_name"].fillna(priced["account_id"])],
            hovertemplate="%{text}<br>%{x:,.0f} → %{y:,.0f}<extra></extra>",
            showlegend=False,
        )
    )
    figure.update_layout(
        height=420,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title=t("paid_price"),
        yaxis_title=t("formula_price"),
        separators=", " if language() == "ru" else ".,",
    )
    st.plotly_chart(figure, config=plot_config(), key=key)


def score_line(history: pd.DataFrame, key: str) -> None:
    """The health score by month, points coloured by band, the bands' bounds as guides."""
    figure = go.Figure(
        go.Scatter(
            x=[m.isoformat() for m in history["month"]],
            y=history["health_score"],
            mode="lines+markers",
            marker={"color": history["band"].map(BAND_COLOURS), "size": 9},
            line={"color": "#90a4ae"},
            hovertemplate="%{x|%b %Y}: %{y:.0f}<extra></extra>",
        )
    )
    figure.update_layout(
        height=280, margin={"l": 10, "r": 10, "t": 20, "b": 10}, yaxis_title=t("health_score")
    )
    figure.update_yaxes(range=[0, 105])
    month_ticks(figure, list(history["month"]))
    st.plotly_chart(figure, config=plot_config(), key=key)

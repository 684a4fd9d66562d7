"""The dashboard in a real headless Chromium (Debian's), driven by Playwright.

Every page opens without an exception element, and screenshots land in `screenshots/` (look at
them). While the app serves and is being clicked, `cspulse ingest` and `cspulse build` succeed,
and the pages show the new numbers after the build without a restart.

Skipped only on a machine without Chromium (install Debian's `chromium`); CI sets
CSPULSE_REQUIRE_BROWSER=1, where a missing browser fails instead.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from pipelines.generate import generate
from tests.conftest import write

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
PAGES = ("overview", "sla", "deltas", "clients", "managers", "adoption", "health", "pricing", "data")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    if os.environ.get("CSPULSE_REQUIRE_BROWSER"):
        raise RuntimeError("CSPULSE_REQUIRE_BROWSER is set but Chromium is not installed")
    pytest.skip(
        "Chromium is not installed (Debian package `chromium`); browser tests skipped",
        allow_module_level=True,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cspulse(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipelines", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )


def _wait_for_health(url: str, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the dashboard exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"the dashboard did not answer at {url}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    root = tmp_path_factory.mktemp("browser")
    exports = generate(root / "exports", accounts=12, tickets=1500, seed=3)
    db = root / "warehouse.duckdb"
    ingest = _cspulse("ingest", *exports.values(), "--db", db)
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    as_of = "2026-10-30T18:00:00+03:00"
    built = _cspulse("build", "--db", db, "--as-of", as_of)
    assert built.returncode == 0, built.stdout + built.stderr
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "pipelines", "dashboard", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://localhost:{port}"
    try:
        _wait_for_health(url, server)
        yield {"url": url, "db": db, "root": root, "as_of": as_of}
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield chromium
        chromium.close()


def _open(page: object, url: str) -> None:
    """Go to a page and wait until Streamlit has finished running the script."""
    page.goto(url)  # type: ignore[attr-defined]
    page.wait_for_selector("h1", timeout=60_000)  # type: ignore[attr-defined]
    _settle(page)


def _settle(page: object) -> None:
    # The status widget shows while a script runs; wait until it has been gone for a moment.
    deadline = time.monotonic() + 60
    quiet_since = None
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count()  # type: ignore[attr-defined]
        skeleton = page.locator('[data-testid="stSkeleton"]').count()  # type: ignore[attr-defined]
        if running or skeleton:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 1.0:
            return
        time.sleep(0.1)


def _metric(page: object, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]', has_text=label).first  # type: ignore[attr-defined]
    return str(metric.locator('[data-testid="stMetricValue"]').inner_text())


def test_every_page_renders_without_an_exception(served: dict[str, object], browser: object) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    for name in PAGES:
        _open(page, f"{served['url']}/{'' if name == 'overview' else name}")
        assert page.locator('[data-testid="stException"]').count() == 0, f"exception on {name}"
        assert page.locator("h1").first.inner_text().strip() != ""
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    # the Russian view of the same page, picked through the URL
    _open(page, f"{served['url']}/?lang=ru")
    assert page.locator("h1").first.inner_text().strip() == "Обзор"
    page.screenshot(path=str(SCREENSHOTS / "overview_ru.png"), full_page=True)
    page.close()


def test_filters_live_in_the_url(served: dict[str, object], browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    _open(page, f"{served['url']}/sla?channels=chat&lang=en")
    assert "channels=chat" in page.url
    chip = page.locator('[data-testid="stSidebar"] [data-tag][aria-label="chat"]')
    assert chip.count() == 1
    page.close()


def test_ingest_and_build_while_the_app_serves_show_new_numbers(
    served: dict[str, object], browser: object
) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    _open(page, str(served["url"]))
    before = int(re.sub(r"\D", "", _metric(page, "Tickets")))
    more = write(
        Path(str(served["root"])) / "more" / "tickets.csv",
        "ticket_id,account_id,created_at,channel,task_type,status\n"
        + "".join(f"NEW-{n},ACC-0001,2026-10-29T10:00:00+03:00,email,simple,open\n" for n in range(7)),
    )
    ingest = subprocess.Popen(
        [sys.executable, "-m", "pipelines", "ingest", str(more), "--db", str(served["db"])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    for name in PAGES:  # keep clicking while the writer works
        page.get_by_role("link", name=re.compile(name, re.IGNORECASE)).first.click()
        _settle(page)
    assert ingest.wait(timeout=120) == 0
    build = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipelines",
            "build",
            "--db",
            str(served["db"]),
            "--as-of",
            str(served["as_of"]),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    while build.poll() is None:
        page.get_by_role("link", name=re.compile("overview", re.IGNORECASE)).first.click()
        _settle(page)
    assert build.returncode == 0, build.stderr.read().decode() if build.stderr else ""
    _open(page, str(served["url"]))
    assert page.locator('[data-testid="stException"]').count() == 0
    after = int(re.sub(r"\D", "", _metric(page, "Tickets")))
    assert after == before + 7
    page.close()


def _csv(page: object, index: int = 0) -> tuple[bytes, str]:
    """Click the index-th "Download CSV" button; the file's bytes and name."""
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.locator('[data-testid="stDownloadButton"]').nth(index).click()  # type: ignore[attr-defined]
    return Path(download.value.path()).read_bytes(), download.value.suggested_filename


def _picked(page: object, label: str) -> str:
    """The value a selectbox shows."""
    box = page.locator(f'[data-testid="stSelectbox"] input[aria-label="{label}"]')  # type: ignore[attr-defined]
    return str(box.input_value())


def test_clicking_a_chart_point_lists_that_month_and_groups_tickets(
    served: dict[str, object], browser: object
) -> None:
    import csv
    import io

    from dashboard import i18n

    page = browser.new_page(viewport={"width": 1440, "height": 1000})  # type: ignore[attr-defined]
    _open(page, f"{served['url']}/sla?lang=en")
    chart = page.locator(".js-plotly-plot").first
    # What the 4th point of the first line stands for, read from the drawn figure itself.
    group, month, _n = chart.evaluate("el => el.data[0].customdata[3]")  # (group, month, n)
    point = chart.locator(".scatterlayer .trace").first.locator("path.point").nth(3)
    box = point.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    _settle(page)
    label = i18n.month_label(date.fromisoformat(month), "en")
    assert _picked(page, "Month") == label and _picked(page, "Group") == group
    assert f"month={month[:7]}" in page.url
    data, _ = _csv(page)  # the first table on the page: the tickets behind the point
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert rows, "the point's tickets are listed"
    assert {row[i18n.t("col_cs_manager")] for row in rows} == {group}
    # created in that month (shown in the default calendar's timezone, as the mart's month is)
    assert {row[i18n.t("col_created_at")][:7] for row in rows} == {month[:7]}
    page.close()


DOCS_SCREENS = Path(__file__).resolve().parent.parent / "docs" / "screens"


def _full_page(page: object, path: Path, width: int) -> None:
    """Streamlit scrolls inside its own container: grow the viewport to the content, then shoot."""
    height = page.evaluate(  # type: ignore[attr-defined]
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], section')]"
        ".map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": width, "height": min(int(height) + 50, 8000)})  # type: ignore[attr-defined]
    _settle(page)
    page.screenshot(path=str(path))  # type: ignore[attr-defined]
    page.set_viewport_size({"width": width, "height": 1000})  # type: ignore[attr-defined]


# Tables that stick out of the page's main block, and tables of figures (st-key-figures-…; a
# listing of tickets or runs may scroll) whose columns need a horizontal scroll; tables in a tab
# not shown have no width and are left out.
TABLE_OVERFLOW = """
() => {
  const main = document.querySelector('[data-testid=stMainBlockContainer]').getBoundingClientRect();
  const out = [];
  for (const table of document.querySelectorAll('[data-testid=stDataFrame]')) {
    const box = table.getBoundingClientRect();
    if (box.width === 0) continue;
    const key = [...table.closest('[class*="st-key-"]').classList].find(c => c.startsWith('st-key-'));
    if (box.left < main.left - 1 || box.right > main.right + 1) out.push(`${key} sticks out`);
    const grid = table.querySelector('.dvn-scroller');
    if (key.startsWith('st-key-figures-') && grid.scrollWidth > grid.clientWidth + 1) {
      out.push(`${key} scrolls: ${grid.scrollWidth} px in ${grid.clientWidth}`);
    }
  }
  return out;
}
"""


# A chart's legend over its axis titles or its title, and a KPI tile's label cut short (an
# ellipsis: its text wider than its box).
LAYOUT_CLASHES = """
() => {
  const out = [];
  const overlap = (a, b) => a.width > 0 && b.width > 0 && a.left < b.right - 1 && b.left < a.right - 1
    && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  document.querySelectorAll('.js-plotly-plot').forEach((plot, i) => {
    const legend = plot.querySelector('g.legend');
    if (!legend) return;
    const box = legend.getBoundingClientRect();
    for (const title of plot.querySelectorAll('.g-xtitle, .g-ytitle, .g-y2title, .gtitle')) {
      if (overlap(box, title.getBoundingClientRect())) {
        out.push(`chart ${i}: its legend covers "${title.textContent}"`);
      }
    }
  });
  for (const label of document.querySelectorAll('[data-testid=stMetricLabel]')) {
    for (const el of [label, ...label.querySelectorAll('*')]) {
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflow !== 'visible') {
        out.push(`KPI label cut: "${label.textContent}"`);
        break;
      }
    }
  }
  return out;
}
"""


def test_every_page_at_1024_and_1440_px_in_both_languages(served: dict[str, object], browser: object) -> None:
    """Screenshots land in screenshots/ (and, English at 1440 px, in docs/screens/): look at them.
    Every table stays inside the page, a table of figures needs no horizontal scroll, no legend
    covers an axis title and no KPI label is cut short."""
    overflowing: list[str] = []
    SCREENSHOTS.mkdir(exist_ok=True)
    DOCS_SCREENS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})  # type: ignore[attr-defined]
    for width in (1024, 1440):
        page.set_viewport_size({"width": width, "height": 1000})
        for lang in ("en", "ru"):
            for name in PAGES:
                _open(page, f"{served['url']}/{'' if name == 'overview' else name}?lang={lang}")
                assert page.locator('[data-testid="stException"]').count() == 0, (name, lang, width)
                # no developer toolbar ("Deploy") for readers
                assert page.get_by_text("Deploy", exact=True).count() == 0
                _full_page(page, SCREENSHOTS / f"{name}_{lang}_{width}.png", width)
                if width == 1440 and lang == "en":
                    shutil.copyfile(SCREENSHOTS / f"{name}_{lang}_{width}.png", DOCS_SCREENS / f"{name}.png")
                overflowing += [f"{name} {lang} {width}: {t}" for t in page.evaluate(TABLE_OVERFLOW)]
                overflowing += [f"{name} {lang} {width}: {t}" for t in page.evaluate(LAYOUT_CLASHES)]
    page.close()
    assert not overflowing, overflowing


def test_the_russian_csv_reads_back_with_semicolons_and_decimal_commas(
    served: dict[str, object], browser: object
) -> None:
    import csv
    import io

    from dashboard import i18n

    page = browser.new_page(viewport={"width": 1440, "height": 1000})  # type: ignore[attr-defined]
    _open(page, f"{served['url']}/?lang=ru")
    data, _ = _csv(page)  # KPIs by month
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, so Russian Excel reads it as UTF-8"
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows and i18n.t("col_resolution_pct", "ru") in rows[0]
    rates = [
        row[i18n.t("col_resolution_pct", "ru")] for row in rows if row[i18n.t("col_resolution_pct", "ru")]
    ]
    assert all("." not in rate for rate in rates) and any("," in rate for rate in rates)
    assert float(rates[0].replace(",", ".")) <= 100
    # the English one stays plain CSV
    _open(page, f"{served['url']}/?lang=en")
    english, _ = _csv(page)
    assert not english.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(english.decode("utf-8"))))
    assert i18n.t("col_resolution_pct", "en") in header
    page.close()


# English words of a UI a Russian reader must not meet: Streamlit's and Plotly's own labels, and
# ours where a translation was forgotten. Whole words, any case.
ENGLISH_UI = ("Select all", "Deploy", "Download", "Month", "Group", "Client", "Manager", "None", "Search",
              "Clear", "Fullscreen", "Zoom", "Autoscale", "Reset", "Pan", "Copy", "Choose", "No results",
              "Show/hide", "Sort", "others", "default", "standard", "Running", "Stop")  # fmt: skip

# Text a reader sees (or gets as a tooltip on hover), without the data: not the tables' cells, the
# charts' tick labels and hover boxes, the code block, nor icon ligatures (":material/…:").
VISIBLE_UI_TEXT = """
() => {
  const data = '[data-testid=stDataFrame], .js-plotly-plot .xtick, .js-plotly-plot .ytick, '
    + '.js-plotly-plot .hoverlayer, [data-testid=stCode] pre, [data-testid=stIconMaterial]';
  const shown = el => el.checkVisibility({visibilityProperty: true}) && (() => {
    const box = el.getBoundingClientRect();
    return box.width > 1 && box.height > 1 && box.right > 0 && box.bottom > 0;
  })();
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    const text = walker.currentNode.textContent.trim();
    if (!text || !el || el.closest('script, style, noscript') || el.closest(data)) continue;
    if (getComputedStyle(el).fontFamily.includes('Material')) continue;
    if (shown(el)) out.push(text);
  }
  // tooltips: Plotly's toolbar (data-title), titles, placeholders, Streamlit's toolbar buttons
  const tips = '[title], [data-title], [placeholder], [data-testid=stElementToolbar] [aria-label], '
    + '[data-testid=stCode] button[aria-label]';
  for (const el of document.querySelectorAll(tips)) {
    if (el.closest(data) && !el.closest('[data-testid=stElementToolbar]')) continue;
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    for (const name of ['title', 'data-title', 'placeholder', 'aria-label']) {
      const value = el.getAttribute(name);
      if (value) out.push(value);
    }
  }
  return out;
}
"""


def _data_values(db: Path) -> list[str]:
    """Names and words that come from the exports (accounts, people, modules, subjects): data,
    whatever language they are in, so they are taken out before the UI words are looked for."""
    import duckdb

    from pipelines.warehouse import snapshot_path

    with duckdb.connect(str(snapshot_path(db)), read_only=True) as con:
        rows = con.execute(
            "SELECT account_name FROM account_summary UNION SELECT cs_manager FROM account_summary "
            "UNION SELECT sales_owner FROM account_summary UNION SELECT module FROM adoption_gaps "
            "UNION SELECT assignee FROM sla_tickets UNION SELECT team FROM sla_tickets "
            "UNION SELECT subject FROM sla_tickets"
        ).fetchall()
    return sorted({str(v) for (v,) in rows if v}, key=len, reverse=True)


def _english_words(texts: list[str], data: list[str]) -> set[str]:
    found = set()
    for text in texts:
        for value in data:
            text = text.replace(value, " ")
        found |= {w for w in ENGLISH_UI if re.search(rf"(?<![\w/]){re.escape(w)}(?![\w/])", text, re.I)}
    return found


def test_no_english_ui_words_on_any_page_in_russian(served: dict[str, object], browser: object) -> None:
    data = _data_values(Path(str(served["db"])))
    page = browser.new_page(viewport={"width": 1440, "height": 1000})  # type: ignore[attr-defined]
    found: dict[str, set[str]] = {}
    for name in PAGES:
        _open(page, f"{served['url']}/{'' if name == 'overview' else name}?lang=ru")
        texts = page.evaluate(VISIBLE_UI_TEXT)
        if name == "overview":  # the sidebar's pickers, opened: what their drop-downs say
            for picker in page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"] input').all():
                picker.click()
                page.keyboard.press("ArrowDown")
                page.wait_for_selector('[data-testid="stMultiSelectDropdown"]', timeout=10_000)
                texts += page.evaluate(VISIBLE_UI_TEXT)
                page.keyboard.type("zzqx")  # matches no option: the empty drop-down's words
                empty = page.wait_for_selector('[role="listbox"][data-empty="true"]', timeout=10_000)
                texts += page.evaluate(VISIBLE_UI_TEXT)
                shown = empty.evaluate("e => getComputedStyle(e.querySelector('span'), '::after').content")
                assert shown == '"Ничего не найдено"', shown
                page.keyboard.press("Escape")
        if words := _english_words(texts, data):
            found[name] = words
    page.close()
    assert not found, found


def _select(page: object, label: str, index: int) -> str:
    """Pick the index-th option of the selectbox or multiselect labelled `label`; its text."""
    box = page.locator(f'input[aria-label="{label}"]').first  # type: ignore[attr-defined]
    box.click()
    page.keyboard.press("ArrowDown")  # type: ignore[attr-defined]
    option = page.locator('[role="option"]').nth(index)  # type: ignore[attr-defined]
    text = str(option.inner_text()).strip()
    option.click()
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    _settle(page)
    return text


def _chips(page: object, label: str) -> list[str]:
    """The options a multiselect shows as picked."""
    picker = page.locator('[data-testid="stMultiSelect"]').filter(  # type: ignore[attr-defined]
        has=page.locator(f'input[aria-label="{label}"]')  # type: ignore[attr-defined]
    )
    return sorted(str(tag.get_attribute("aria-label")) for tag in picker.locator("[data-tag]").all())


def _segment(page: object, label: str | None = None) -> str:
    """Click the segment `label` of a segmented control, or read which one is chosen (the first
    control's, when label is None)."""
    buttons = page.locator('[data-testid="stButtonGroup"] button')  # type: ignore[attr-defined]
    if label is None:
        return str(buttons.and_(page.locator('[aria-checked="true"]')).first.inner_text()).strip()  # type: ignore[attr-defined]
    buttons.filter(has_text=re.compile(f"^{re.escape(label)}$")).first.click()
    _settle(page)
    return label


def _checked_segments(page: object) -> list[str]:
    chosen = page.locator('[data-testid="stButtonGroup"] button[aria-checked="true"]')  # type: ignore[attr-defined]
    return [str(button.inner_text()).strip() for button in chosen.all()]


def _period_shown(page: object) -> tuple[str, str]:
    ends = [
        page.locator(f'[data-testid="stSidebar"] input[aria-label$="— {end}"]').get_attribute(
            "aria-valuetext"
        )  # type: ignore[attr-defined]
        for end in ("start", "end")
    ]
    return str(ends[0]), str(ends[1])


def _drag_period_start(page: object, months: int) -> None:
    """Move the period's start thumb `months` steps to the right with the mouse."""
    thumb = page.locator('[data-testid="stSidebar"] input[aria-label$="— start"]').locator("xpath=../..")  # type: ignore[attr-defined]
    track = thumb.locator("xpath=..").bounding_box()
    box = thumb.bounding_box()
    steps = int(
        str(page.locator('[data-testid="stSidebar"] input[aria-label$="— start"]').get_attribute("max"))
    )  # type: ignore[attr-defined]
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)  # type: ignore[attr-defined]
    page.mouse.down()  # type: ignore[attr-defined]
    page.mouse.move(x + track["width"] * months / steps, y, steps=8)  # type: ignore[attr-defined]
    page.mouse.up()  # type: ignore[attr-defined]
    _settle(page)


def _reload(page: object) -> None:
    """Open the address the page shows now in a fresh session: only the URL carries the state."""
    _open(page, str(page.url))  # type: ignore[attr-defined]


# The controls a page has of its own (sidebar filters aside): how to set one, how to read it back.
PAGE_CONTROLS: dict[str, list[tuple[str, str, int]]] = {
    # (kind, label, which option): a segment by its text, a selectbox by its option's position
    "overview": [("segment", "Team", 0)],
    "sla": [
        ("segment", "Tier", 0),
        ("segment", "Response", 0),
        ("select", "Month", 1),
        ("select", "Group", 1),
    ],
    "deltas": [("segment", "bug", 0)],
    "clients": [("select", "Pick a client", 1)],
    "managers": [("select", "Pick a CS manager", 1)],
}


def test_every_control_comes_back_from_the_url(served: dict[str, object], browser: object) -> None:
    """Each page: set each control, open the URL afresh, see the same value; the sidebar's filters
    set on the overview come back on every page through its address."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000})  # type: ignore[attr-defined]
    url = str(served["url"])
    _open(page, f"{url}/?lang=en")
    # the sidebar: period (dragged), one value in each multiselect, then the language
    whole = _period_shown(page)
    _drag_period_start(page, 3)
    period = _period_shown(page)
    assert period[0] != whole[0] and period[1] == whole[1], (whole, period)  # the start moved
    every = ("CS managers", "Tiers", "Channels", "Task types")
    picked = {label: [_select(page, label, 0)] for label in every}
    _reload(page)
    assert _period_shown(page) == period
    assert {label: _chips(page, label) for label in every} == picked
    # the other pages with fewer filters, so that each still has tickets to draw its controls
    query = urllib.parse.parse_qs(str(page.url).split("?", 1)[1])
    filters = urllib.parse.urlencode(
        {k: v for k, v in query.items() if k not in ("managers", "tiers")}, doseq=True
    )
    picked = {label: picked[label] for label in ("Channels", "Task types")}
    for name in PAGES:
        _open(page, f"{url}/{'' if name == 'overview' else name}?{filters}")
        assert _period_shown(page) == period, name
        assert {label: _chips(page, label) for label in picked} == picked, name
        wanted: list[str] = []
        for kind, label, index in PAGE_CONTROLS.get(name, []):
            if kind == "segment":
                wanted.append(_segment(page, label))
            else:
                wanted.append(_select(page, label, index))
        if not wanted:
            continue
        _reload(page)
        shown = _checked_segments(page) + [
            _picked(page, label) for kind, label, _ in PAGE_CONTROLS[name] if kind == "select"
        ]
        assert set(wanted) <= set(shown), (name, wanted, shown, page.url)
    # the language, last: the labels change with it
    _open(page, f"{url}/?{filters}")
    _select(page, "Language", 1)
    _reload(page)
    assert _picked(page, "Язык") == "Русский" and _period_shown(page) != whole
    page.close()

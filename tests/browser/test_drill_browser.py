"""The drill-down pages in headless Chromium, on the simulated city (tests/queries/city.py):
the URL holds the view (a link opens it, a control changes it, back restores it), a click on
an area filters every panel, a click on an asset opens its detail with history, and the CSV
holds exactly the filtered table.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import dash
import pytest
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from dashboard.app import create_app
from dashboard.context import EXTENSION
from dashboard.queries.filters import DrillFilter, FilterSpec, parse_filter
from dashboard.queries.traffic import traffic_view
from dashboard.store import Store
from tests.browser.conftest import BROWSER_TZ
from tests.queries.city import CONGESTED_BELOW, LOCAL, NOW, City, build_city

try:  # accounts: when the app guards its pages, the browser signs in as a manager
    from dashboard.auth.sessions import COOKIE
    from tests.signin import session_secret
except ImportError:  # pragma: no cover - before accounts existed
    COOKIE, session_secret = "", None  # type: ignore[assignment]

ZONE = "Vĩnh Thanh Vân"
ZONES = (
    "Vĩnh Quang",
    "Vĩnh Thanh",
    "Vĩnh Lạc",
    "Vĩnh Hiệp",
    "Vĩnh Lợi",
    "An Hòa",
    "An Bình",
    "Rạch Sỏi",
)


@pytest.fixture(scope="module")
def drill_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, City, dash.Dash]]:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('drill') / 'cityops.db'}")
    store.upgrade()
    city = build_city(store)
    app = create_app(city.config, store, clock=lambda: NOW)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="drill-app", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", city, app
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        dash.page_registry.clear()
        store.dispose()


@pytest.fixture
def drill(
    drill_app: tuple[str, City, dash.Dash], browser: Browser
) -> Iterator[tuple[Page, str, City]]:
    url, city, app = drill_app
    context = browser.new_context(
        timezone_id=BROWSER_TZ, locale="en-US", viewport={"width": 1600, "height": 1000},
        accept_downloads=True,
    )  # fmt: skip
    if session_secret is not None:
        secret = session_secret(app.server.extensions[EXTENSION], "manager")
        context.add_cookies([{"name": COOKIE, "value": secret, "url": url}])
    page = context.new_page()
    yield page, url, city
    context.close()


def week_view(**params: str) -> DrillFilter:
    spec = FilterSpec(("Phường Rạch Giá", "Phường Vĩnh Thông"), (ZONE, *ZONES))
    return parse_filter({"range": "7d", **params}, spec, now=NOW, tz=LOCAL).filter


def query_of(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def column_texts(page: Page, table: str, column: str) -> list[str]:
    return page.locator(f"#{table} td[data-dash-column='{column}']").all_inner_texts()


def wait_ready(page: Page) -> None:
    page.wait_for_selector(".maplibregl-canvas")
    expect(page.locator("#traffic-segments td[data-dash-column='name']").first).to_be_visible()


def test_a_link_opens_its_view_and_controls_write_the_url_and_back_restores_it(
    drill: tuple[Page, str, City],
) -> None:
    page, url, _ = drill
    page.goto(f"{url}/traffic?zone={quote(ZONE)}&range=7d&lang=en")
    wait_ready(page)
    expect(page.locator("#traffic-zone")).to_contain_text(ZONE)
    expect(page.locator("#traffic-range input[value='7d']")).to_be_checked()
    assert set(column_texts(page, "traffic-segments", "zone")) == {ZONE}

    page.locator("#traffic-range label", has_text="30 days").click()
    expect(page).to_have_url(re.compile(re.escape("range=30d")))
    assert query_of(page)["zone"] == [ZONE]

    page.go_back()
    expect(page).to_have_url(re.compile(re.escape("range=7d")))
    expect(page.locator("#traffic-range input[value='7d']")).to_be_checked()


def test_a_lone_last_panel_takes_the_whole_row(drill: tuple[Page, str, City]) -> None:
    """Charts and tables stand two by two; an odd one out (traffic's worst segments) takes
    the row instead of half of it, so its rows do not wrap beside an empty half."""
    page, url, _ = drill
    page.goto(f"{url}/traffic?range=7d&lang=en")
    wait_ready(page)
    row = page.locator(".drill-grid-2").last.bounding_box()
    lone = page.locator(".drill-grid-2").last.locator(".drill-panel").bounding_box()
    assert row is not None and lone is not None
    assert lone["width"] >= row["width"] - 2


def test_a_bad_parameter_is_named_on_the_page(drill: tuple[Page, str, City]) -> None:
    page, url, _ = drill
    page.goto(f"{url}/traffic?range=1y&zone=Atlantis&lang=en")
    wait_ready(page)
    problems = page.locator("#traffic-problems")
    expect(problems).to_contain_text("1y")
    expect(problems).to_contain_text("Atlantis")
    expect(page.locator("#traffic-range input[value='24h']")).to_be_checked()


def test_a_click_on_an_area_bar_filters_every_panel(drill: tuple[Page, str, City]) -> None:
    page, url, city = drill
    page.goto(f"{url}/traffic?range=7d&lang=en")
    wait_ready(page)
    bars = page.locator("#traffic-areas .bars .point path")
    expect(bars.first).to_be_visible()
    top = page.locator("#traffic-areas .bars .point path").last.bounding_box()
    assert top is not None
    page.mouse.click(top["x"] + top["width"] / 2, top["y"] + top["height"] / 2)
    expect(page).to_have_url(re.compile(re.escape("zone=")))
    chosen = query_of(page)["zone"][0]
    # The top bar is the area with the most congested hours.
    with city.store.read_session() as session:
        tv = traffic_view(
            session, week_view(), congested_below=CONGESTED_BELOW, tz=LOCAL, level="zone"
        )
    assert chosen == tv.by_area.sort_values("congested_h")["area"].iloc[-1]
    expect(page.locator("#traffic-zone")).to_contain_text(chosen)
    page.wait_for_function(
        "z => [...document.querySelectorAll(\"#traffic-segments td[data-dash-column='zone']\")]"
        ".every(td => td.innerText === z)",
        arg=chosen,
    )
    assert set(column_texts(page, "traffic-incidents", "zone")) <= {chosen}
    expect(page.locator("#traffic-areas .yaxislayer-above text")).to_have_text([chosen])


def test_a_click_on_an_asset_opens_its_detail_with_history(drill: tuple[Page, str, City]) -> None:
    page, url, city = drill
    page.goto(f"{url}/traffic?range=7d&lang=en")
    wait_ready(page)
    first = page.locator("#traffic-segments td[data-dash-column='name']").first
    name = first.inner_text()
    first.click()
    expect(page.locator("#traffic-detail")).to_be_visible()
    expect(page.locator("#traffic-detail-title")).to_contain_text(name)
    # The detail sits below the tables: opening it brings it into view.
    page.wait_for_function(
        "() => { const r = document.getElementById('traffic-detail').getBoundingClientRect();"
        " return r.top >= -1 && r.top < window.innerHeight / 2; }"
    )
    asset = query_of(page)["asset"][0]
    assert city.assets[asset].name == name
    # History at 5-minute resolution for 7 days, with last week's line beside it.
    expect(page.locator("#traffic-detail-graph .scatterlayer .trace")).to_have_count(4)
    expect(page.locator("#traffic-detail-attrs")).to_contain_text("Free-flow speed")
    # Drawing the metric buttons chooses nothing; a click on one does, through the URL.
    buttons = page.locator("#traffic-detail-metrics button")
    expect(buttons.first).to_be_visible()
    assert "series" not in query_of(page) and buttons.count() >= 2
    second = page.locator("#traffic-detail-metrics button:not(.active)").first
    label = second.inner_text()
    second.click()
    expect(page).to_have_url(re.compile("series="))
    expect(page.locator("#traffic-detail-title")).to_contain_text(label)
    page.locator("#traffic-detail-close").click()
    expect(page.locator("#traffic-detail")).to_be_hidden()
    assert "asset" not in query_of(page)
    page.go_back()
    expect(page.locator("#traffic-detail")).to_be_visible()


def test_csv_equals_the_filtered_table(drill: tuple[Page, str, City], tmp_path: Path) -> None:
    page, url, city = drill
    page.goto(f"{url}/traffic?zone={quote(ZONE)}&range=7d&lang=en")
    wait_ready(page)
    with page.expect_download() as info:
        page.locator("#traffic-segments-csv").click()
    path = tmp_path / "segments.csv"
    info.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["Name", "Ward", "Zone"]
    # The same rows as the query for this view, in the table's order; page 1 as shown.
    view = week_view(zone=ZONE)
    with city.store.read_session() as session:
        want = traffic_view(session, view, congested_below=CONGESTED_BELOW, tz=LOCAL, level="zone")
    assert [r[0] for r in rows[1:]] == list(want.segments["name"])
    shown = column_texts(page, "traffic-segments", "name")
    assert [r[0] for r in rows[1 : 1 + len(shown)]] == shown
    assert {r[2] for r in rows[1:]} == {ZONE}

"""/sources in headless Chromium: what an operator sees, in both languages, and pausing a feed.

Every test drives a real app over HTTP (tests/browser/conftest.py) and saves a screenshot of each
state it checks; the path is printed (`pytest -s` or `-rP` shows it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, expect

from dashboard.i18n import t
from tests.api.seed import EXPECTED_HEALTH, SOURCES
from tests.browser.conftest import LiveApp

pytestmark = pytest.mark.browser

Shoot = Callable[[str], Path]
NAMES = [s.name for s in SOURCES]


def _column(page: Page, column: str) -> Locator:
    return page.locator(f'#sources-table td[data-dash-column="{column}"]')


def _toggle(page: Page, source: str) -> Locator:
    # Dash writes a pattern id into the DOM as compact JSON with sorted keys.
    ident = json.dumps({"source": source, "type": "sources-toggle"}, separators=(",", ":"))
    return page.locator(f"button[id='{ident}']")


def _health_of(page: Page, source: str) -> Locator:
    row = page.locator("#sources-table tr").filter(
        has=page.locator('td[data-dash-column="name"]', has_text=source)
    )
    return row.locator('td[data-dash-column="health"]')


def test_sources_page_shows_a_row_per_feed_with_its_health(
    page: Page, live_app: LiveApp, shoot: Shoot
) -> None:
    page.goto(f"{live_app.url}/sources?lang=en")
    expect(_column(page, "name")).to_have_text(NAMES)
    expect(_column(page, "health")).to_have_text(
        [t(f"health.{EXPECTED_HEALTH[n]}", "en") for n in NAMES]
    )
    expect(page.locator("#sources-updated")).to_have_text("10:00:00")  # the app's clock, local
    shoot("health-en")


def test_language_switch_turns_the_page_vietnamese_and_back(
    page: Page, live_app: LiveApp, shoot: Shoot
) -> None:
    page.goto(f"{live_app.url}/sources?lang=en")
    expect(page.locator("h1.page-title")).to_have_text("Data source health")
    expect(_health_of(page, "sim")).to_have_text("OK")
    shoot("english")

    page.locator(".lang-switch a[lang='vi']").click()
    expect(page.locator("h1.page-title")).to_have_text("Tình trạng nguồn dữ liệu")
    expect(page.locator(".app-title")).to_have_text("Trung tâm điều hành đô thị thông minh")
    expect(_column(page, "health")).to_have_text(
        [t(f"health.{EXPECTED_HEALTH[n]}", "vi") for n in NAMES]
    )
    expect(_health_of(page, "sim")).to_have_text("Bình thường")
    expect(_toggle(page, "sensorthings")).to_have_text("Tiếp tục")
    expect(page.locator(".shell")).to_have_attribute("lang", "vi")
    shoot("vietnamese")

    # The choice is kept in a cookie: a plain link without ?lang= stays Vietnamese.
    page.goto(f"{live_app.url}/sources")
    expect(page.locator("h1.page-title")).to_have_text("Tình trạng nguồn dữ liệu")

    page.locator(".lang-switch a[lang='en']").click()
    expect(page.locator("h1.page-title")).to_have_text("Data source health")
    expect(_health_of(page, "ngsi-city")).to_have_text("Error")
    shoot("english-again")


def test_clock_shows_rach_gia_time_whatever_the_browser_zone(
    page: Page, live_app: LiveApp, shoot: Shoot
) -> None:
    # A browser time far from the app's fixed clock (which the server renders first), so only
    # the ticking script can produce the expected text; the browser itself is in New York.
    browser_now = datetime(2025, 12, 31, 17, 30, 5, tzinfo=UTC)
    page.clock.set_fixed_time(browser_now)
    page.goto(f"{live_app.url}/sources?lang=vi")
    clock = page.locator("#shell-clock")
    expect(clock).to_have_attribute("data-clock-tz", "Asia/Ho_Chi_Minh")
    local = browser_now.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert local.strftime("%H:%M:%S %d/%m/%Y") == "00:30:05 01/01/2026"
    expect(clock).to_have_text("00:30:05 01/01/2026")
    shoot("clock")


def test_pausing_a_feed_in_the_browser_reaches_the_store(
    page: Page, live_app: LiveApp, shoot: Shoot
) -> None:
    page.goto(f"{live_app.url}/sources?lang=en")
    toggle = _toggle(page, "sim")
    expect(toggle).to_have_text("Pause")
    expect(_health_of(page, "sim")).to_have_text("OK")
    toggle.click()
    expect(page.locator("#sources-notice")).to_have_text("Feed sim paused.")
    expect(_health_of(page, "sim")).to_have_text("Paused")
    expect(toggle).to_have_text("Resume")
    shoot("paused")
    state = live_app.store.source_state("sim")
    assert state is not None and state.paused

    page.reload()  # a new page load reads the flag back from the store
    expect(_health_of(page, "sim")).to_have_text("Paused")
    expect(_toggle(page, "sim")).to_have_text("Resume")
    shoot("paused-after-reload")

    _toggle(page, "sim").click()
    expect(_health_of(page, "sim")).to_have_text("OK")
    expect(page.locator("#sources-notice")).to_have_text("Feed sim resumed.")
    state = live_app.store.source_state("sim")
    assert state is not None and not state.paused

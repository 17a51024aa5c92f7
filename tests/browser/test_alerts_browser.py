"""A critical alert, opened by the engine, stands out on the wall within one refresh; an
operator acknowledges it from /alerts; then the wall no longer shows it as unacknowledged
(headless Chromium, the real app on a seeded SQLite store)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from dashboard.alerts.engine import AlertEngine, rules_of
from dashboard.queries.alert_list import AlertFilter, list_alerts
from dashboard.records import Asset, Reading
from tests.api.seed import NOW, WARD_A
from tests.browser.conftest import BROWSER_TZ, LiveApp
from tests.browser.test_report_desk_browser import _sign_in

GAUGE = Asset(
    "wl-rach-gia-01",
    "water",
    "water_level",
    "Trạm đo mực nước cầu Sắt",
    {"type": "Point", "coordinates": [105.0830, 10.0110]},
    ward=WARD_A,
    attributes={"alert_stage_cm": 100.0, "flood_stage_cm": 120.0},
)


def _flood(app: LiveApp) -> int:
    """Thirty minutes of water above flood stage, then the engine evaluates at the app's
    clock: the id of the alert it opened."""
    readings = [
        Reading(GAUGE.id, "water_level_cm", NOW - timedelta(minutes=m), 150.0)
        for m in range(30, -1, -5)
    ]
    app.store.ingest("sim", assets=[GAUGE], readings=readings, now=NOW)
    rules = [r for r in rules_of(app.seed.config) if r.name == "water-flood-stage"]
    AlertEngine(app.seed.config, app.store, rules=rules).evaluate(NOW)
    with app.store.read_session() as session:
        found, _ = list_alerts(session, AlertFilter(status="open", severity="critical"))
    assert [a.rule for a in found] == ["water-flood-stage"]
    return found[0].id


def test_a_critical_alert_stands_out_on_the_wall_until_an_operator_acknowledges_it(
    page: Page,
    browser: Browser,
    live_app: LiveApp,
    shoot: Callable[[str], Path],
    shots_dir: Path,
) -> None:
    page.goto(f"{live_app.url}/wall?lang=en")
    banner = page.locator("#wall-alert")
    expect(page.locator(".wall-tick").first).to_be_visible()
    expect(banner).to_be_hidden()

    alert_id = _flood(live_app)
    expect(banner).to_be_visible()  # within one refresh (every 10 s; the wait is 20 s)
    expect(banner).to_contain_text("Water level above flood stage")
    expect(banner).to_contain_text(WARD_A)
    expect(banner).to_contain_text("not acknowledged")
    shoot("wall-alert")

    operator = browser.new_context(
        timezone_id=BROWSER_TZ, locale="en-US", viewport={"width": 1440, "height": 900}
    )
    try:
        desk = operator.new_page()
        _sign_in(desk, live_app, role="operator")
        desk.goto(f"{live_app.url}/alerts?lang=en")
        current = desk.locator("#alerts-current")
        expect(current).to_contain_text("Water level above flood stage")
        expect(current).to_contain_text("Critical")
        desk.click("#alerts-ack-alert")
        desk.keyboard.type(f"#{alert_id}")
        desk.keyboard.press("Enter")
        desk.fill("#alerts-ack-comment", "Đội ứng cứu đã đến cầu Sắt.")
        desk.click("#alerts-ack-button")
        expect(desk.locator("#alerts-ack-notice")).to_have_text(f"Alert #{alert_id} acknowledged.")
        expect(current).to_contain_text("Đội ứng cứu đã đến cầu Sắt.")
        desk.screenshot(path=str(shots_dir / "alerts-acknowledged.png"), full_page=True)
    finally:
        operator.close()

    expect(banner).to_be_hidden()  # the next refresh knows it is acknowledged
    shoot("wall-acknowledged")

"""A report whose text is markup, in headless Chromium on /reports: the desk shows the
characters, and no script of it runs (the Open311 server refuses markup; a feed may not)."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from dashboard.records import CitizenReport
from tests.api.seed import NOW
from tests.browser.conftest import LiveApp

MARKUP = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">Ngập'


def test_markup_in_a_report_shows_as_text_and_never_runs(page: Page, live_app: LiveApp) -> None:
    report = CitizenReport(
        "HTML-1", "flooding", MARKUP, "open", 105.082, 10.012, NOW - timedelta(hours=1), NOW
    )
    live_app.store.ingest("sim", reports=[report], now=NOW)
    with live_app.store.engine.connect() as conn:
        sql = "SELECT id FROM reports WHERE external_id = 'HTML-1'"
        rid = int(conn.exec_driver_sql(sql).scalar_one())
    page.goto(f"{live_app.url}/reports?lang=en&range=7d&asset={rid}")
    quote = page.locator("#reports-detail .desk-description")
    expect(quote).to_have_text(MARKUP)
    expect(page.locator("#reports-desk-table")).to_contain_text("<script>")
    assert quote.locator("script, img").count() == 0
    assert page.evaluate("window.__pwned") is None

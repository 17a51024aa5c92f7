"""Signing in and out in headless Chromium, under the app's Content-Security-Policy.

A person signs in through the form, sees the wall drawn, signs out and lands on the sign-in
page; a wall screen whose token is revoked leaves for the sign-in page at its next refresh.
No page may report a CSP violation (the policy must let Dash, plotly.js and MapLibre run).
Screenshots of the sign-in page in both languages are saved.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from dashboard.auth import manage
from tests.api.seed import NOW
from tests.browser.conftest import BROWSER_TZ, LiveApp
from tests.signin import TEST_PASSWORD, ensure_user

pytestmark = pytest.mark.browser

CSP_WATCH = """
window.cspViolations = [];
document.addEventListener('securitypolicyviolation',
  e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture
def visitor(browser: Browser) -> Iterator[Page]:
    """A browser context nobody has signed in yet, recording CSP violations."""
    context = browser.new_context(
        timezone_id=BROWSER_TZ, locale="en-US", viewport={"width": 1440, "height": 900}
    )
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security" in m.text else None)
    page.csp_console = console  # type: ignore[attr-defined]
    yield page
    context.close()


def violations(page: Page) -> list[str]:
    return [*page.evaluate("window.cspViolations || []"), *page.csp_console]  # type: ignore[attr-defined]


def test_sign_in_see_the_wall_sign_out(
    visitor: Page, live_app: LiveApp, shots_dir: Path, request: pytest.FixtureRequest
) -> None:
    ensure_user(live_app.store, "operator", "lan")
    page = visitor
    page.goto(f"{live_app.url}/wall?lang=en")
    expect(page).to_have_url(f"{live_app.url}/login?next=%2Fwall%3Flang%3Den")
    page.screenshot(path=str(shots_dir / f"{request.node.name}-login-en.png"))
    page.goto(f"{live_app.url}/login?lang=vi&next=%2Fwall")
    expect(page.get_by_role("button", name="Đăng nhập")).to_be_visible()
    page.screenshot(path=str(shots_dir / f"{request.node.name}-login-vi.png"))
    page.get_by_label("Tên đăng nhập").fill("lan")
    page.get_by_label("Mật khẩu").fill("wrong password!")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_have_text("Sai tên đăng nhập hoặc mật khẩu.")
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(f"{live_app.url}/wall")
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    expect(page.locator("#shell-account")).to_contain_text("lan")
    page.screenshot(path=str(shots_dir / f"{request.node.name}-wall.png"))
    page.goto(f"{live_app.url}/sources?lang=en")
    expect(page.locator("#sources-table")).to_contain_text("sim")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_app.url}/login?reason=signed_out")
    expect(page.get_by_role("alert")).to_have_text("You are signed out.")
    page.goto(f"{live_app.url}/wall")
    expect(page).to_have_url(f"{live_app.url}/login?next=%2Fwall")
    assert violations(page) == []
    entries, _ = live_app.store.audit_log.page(0, 10)
    assert [(e.action, e.outcome) for e in reversed(entries)] == [
        ("login", "failed"),
        ("login", "ok"),
        ("logout", "ok"),
    ]


def test_a_revoked_wall_screen_goes_to_the_sign_in_page(visitor: Page, live_app: LiveApp) -> None:
    made = manage.create_token(live_app.store, "wall", "lobby", NOW, manage.CLI_ACTOR)
    page = visitor
    page.goto(f"{live_app.url}/wall?token={made.secret}&lang=en")
    expect(page).to_have_url(f"{live_app.url}/wall?lang=en")  # the token left the address
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    expect(page.locator("#shell-account")).to_contain_text("Screen: lobby")
    page.reload()  # the screen stays signed in
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    manage.revoke_token(live_app.store, "lobby", NOW, manage.CLI_ACTOR)
    # the wall keeps its state in its address (layers...), so `next` brings the screen back
    expect(page).to_have_url(re.compile(r"/login\?reason=expired&next=%2Fwall%3F"), timeout=40_000)
    expect(page.get_by_role("alert")).to_have_text("Your session has ended. Please sign in again.")
    assert violations(page) == []

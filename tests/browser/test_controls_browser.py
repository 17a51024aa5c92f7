"""/admin and /sources in headless Chromium: a control row's buttons and texts never touch."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveApp

pytestmark = pytest.mark.browser

MIN_GAP_PX = 8

# For every button of the control rows: the horizontal gaps to its neighbours on its line.
GAPS = """() => [...document.querySelectorAll('.source-controls button, .source-actions button')]
  .flatMap(b => [[b.previousElementSibling, b], [b, b.nextElementSibling]])
  .filter(([a, b]) => a && b)
  .flatMap(([a, b]) => {
    const l = a.getBoundingClientRect(), r = b.getBoundingClientRect();
    const sameLine = l.top < r.bottom && r.top < l.bottom;
    return sameLine ? [[a.textContent.trim(), b.textContent.trim(), r.left - l.right]] : [];
  })"""


@pytest.mark.parametrize("path", ["/admin", "/sources"])
def test_buttons_keep_apart_from_what_stands_beside_them(
    page: Page, live_app: LiveApp, path: str
) -> None:
    page.goto(f"{live_app.url}{path}?lang=en")
    expect(page.locator(".source-controls button").first).to_be_visible()
    expect(page.locator(".source-controls button").first).not_to_have_text("…")
    gaps = page.evaluate(GAPS)
    assert gaps and all(gap >= MIN_GAP_PX for *_, gap in gaps), gaps

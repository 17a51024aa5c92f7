"""/reports in headless Chromium: a report moves through its workflow and the audit trail shows
each step; the desk's CSV is exactly the filtered table; a row click opens the report."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from playwright.sync_api import Page, expect

from dashboard.auth.sessions import COOKIE
from dashboard.figures.theme import PALETTE
from tests.api.seed import NOW, REPORTS
from tests.browser.conftest import LiveApp
from tests.signin import ensure_user


def _sign_in(page: Page, app: LiveApp, role: str = "manager") -> str:
    """Open a session for a user of `role` in this browser; returns the user's name."""
    from dashboard.auth.sessions import open_session
    from tests.api.seed import NOW

    user = ensure_user(app.store, role)  # type: ignore[arg-type]
    secret = open_session(app.store, NOW, user_id=user.id, address="127.0.0.1")
    page.context.add_cookies([{"name": COOKIE, "value": secret, "url": app.url}])
    return user.name


def _report_id(app: LiveApp, external_id: str) -> int:
    with app.store.engine.connect() as conn:
        sql = f"SELECT id FROM reports WHERE external_id = '{external_id}'"
        return int(conn.exec_driver_sql(sql).scalar_one())


def test_a_report_moves_through_its_workflow_and_the_trail_shows_each_step(
    page: Page, live_app: LiveApp, shoot: Callable[[str], Path]
) -> None:
    name = _sign_in(page, live_app)
    report = _report_id(live_app, "RG-2025-00001")  # open pothole
    page.goto(f"{live_app.url}/reports?lang=en&range=7d&asset={report}")
    detail = page.locator("#reports-detail")
    expect(detail.locator(".desk-status")).to_have_text("Open")
    expect(detail).to_contain_text("No desk action yet.")
    notice = page.locator("#reports-notice")
    trail = detail.locator(".desk-trail tbody tr")

    page.click("#reports-do-acknowledge")
    expect(notice).to_have_text("RG-2025-00001 acknowledged.")
    expect(detail.locator(".desk-status")).to_have_text("Acknowledged")
    expect(trail).to_have_count(1)

    page.click("#reports-do-start")
    expect(notice).to_have_text("Work on RG-2025-00001 started.")
    page.fill("#reports-comment-text", "Đội đã đến hiện trường.")
    page.click("#reports-do-comment")
    expect(notice).to_have_text("Comment added to RG-2025-00001.")
    expect(detail.locator(".desk-comments")).to_contain_text("Đội đã đến hiện trường.")

    page.click("#reports-do-close")  # no resolution written yet: refused, nothing changes
    expect(notice).to_contain_text("write the resolution before closing")
    expect(trail).to_have_count(3)
    page.fill("#reports-resolution", "Đã vá ổ gà.")
    page.click("#reports-do-close")
    expect(notice).to_have_text("RG-2025-00001 closed.")
    expect(detail.locator(".desk-status")).to_have_text("Closed")
    expect(trail).to_have_count(4)
    shoot("closed")

    actions = [trail.nth(k).locator("td").nth(2).inner_text() for k in range(4)]
    assert actions == ["Acknowledge", "Start work", "Add comment", "Close report"]
    assert {trail.nth(k).locator("td").nth(1).inner_text() for k in range(4)} == {name}
    assert trail.nth(3).locator("td").nth(3).inner_text() == "In progress → Closed"
    assert trail.nth(3).locator("td").nth(4).inner_text() == "Đã vá ổ gà."

    page.click("#reports-do-close")  # closing twice: a clear message, nothing changes
    expect(notice).to_contain_text("the report is closed and cannot change")
    expect(trail).to_have_count(4)
    list_row = page.locator("#reports-desk-table tbody tr", has_text="RG-2025-00001")
    expect(list_row).to_contain_text("Closed")


def test_the_csv_is_the_filtered_table_and_a_row_opens_its_report(
    page: Page, live_app: LiveApp
) -> None:
    _sign_in(page, live_app)
    page.goto(f"{live_app.url}/reports?lang=en&range=7d&status=active")
    rows = page.locator("#reports-desk-table tbody tr:has(td)")
    active = [r for r in REPORTS if r.status != "closed"]
    expect(rows).to_have_count(len(active))
    expect(page.locator("#reports-desk-count")).to_have_text(f"{len(active)} reports")
    shown = [
        [cell.inner_text() for cell in rows.nth(k).locator("td").all()] for k in range(len(active))
    ]
    with page.expect_download() as download:
        page.click("#reports-desk-table-csv")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:2] == ["ID", "Received"]
    assert [[c.strip() for c in line] for line in table[1:]] == [
        [c.strip() for c in row] for row in shown
    ]

    rows.first.locator("td").first.click()
    expect(page).to_have_url(re.compile(r"[?&]asset=\d+"))
    expect(page.locator("#reports-detail h3")).to_contain_text(shown[0][0])


def _css_rgb(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(fg: str, bg: str, under: str = "rgb(17, 24, 33)") -> float:
    """WCAG contrast of CSS colours `fg` on `bg` (`bg` composed over `under` if translucent)."""

    def parse(css: str) -> list[float]:
        values = [float(v) for v in re.findall(r"[\d.]+", css)]
        return values if len(values) == 4 else [*values, 1.0]

    base, back, text = parse(under), parse(bg), parse(fg)
    alpha = back[3]
    back = [alpha * b + (1 - alpha) * u for b, u in zip(back[:3], base[:3], strict=True)]
    lighter, darker = sorted((_luminance(tuple(text)), _luminance(tuple(back))), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_report_list_takes_the_page_width_rows_stay_one_line_and_a_picked_cell_reads(
    page: Page, live_app: LiveApp, shoot: Callable[[str], Path]
) -> None:
    long = (
        "Nước ngập sâu " + "trên đường Nguyễn Trung Trực, xe máy chết máy, " * 6 + "cần xử lý gấp."
    )
    report = replace(REPORTS[0], external_id="RG-2025-00099", description=long)
    live_app.store.ingest("sim", reports=[report], now=NOW)
    _sign_in(page, live_app)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_app.url}/reports?lang=vi&range=7d")
    rows = page.locator("#reports-desk-table tbody tr:has(td)")
    expect(rows).to_have_count(len(REPORTS) + 1)
    main = page.locator(".shell-main").bounding_box()
    table = page.locator("#reports-desk-table").bounding_box()
    assert main and table and table["width"] > 0.9 * (main["width"] - 48), (table, main)
    sideways = "e => e.scrollWidth - e.clientWidth"
    assert page.locator("#reports-desk-table .dash-spreadsheet-container").evaluate(sideways) <= 1
    heights = rows.evaluate_all("rs => rs.map(r => r.getBoundingClientRect().height)")
    assert max(heights) < 1.3 * min(heights), heights  # no row wraps onto more lines
    cell = rows.filter(has_text="RG-2025-00099").locator("td[data-dash-column=description]")
    assert cell.evaluate("e => e.scrollWidth > e.clientWidth")  # cut short on screen...
    cell.hover()
    expect(page.locator(".dash-table-tooltip")).to_contain_text(long)  # ...whole on hover
    cell.click()
    expect(page).to_have_url(re.compile(r"[?&]asset=\d+"))
    picked = page.locator("#reports-desk-table td.focused").first
    expect(picked).to_be_visible()
    fg, bg = picked.evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
    )
    # The house's raised panel and text (DataTable's own is white on translucent pink).
    assert (fg, bg) == (_css_rgb(PALETTE["text"]), _css_rgb(PALETTE["panel_2"])), (fg, bg)
    assert _contrast(fg, bg) >= 4.5, (fg, bg)
    shoot("picked")

"""'Export PDF' in the page chrome, in headless Chromium, with the real render workers: a
manager opens the control on /traffic, picks the paper, sees the export queued and rendering,
and downloads a PDF of that very view; a viewer is not offered the control; /exports lists it.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from dashboard.app import create_app
from dashboard.exports.worker import ExportWorkers, chromium_renderer
from dashboard.store import Store
from tests.api.seed import NOW, seed_store
from tests.browser.conftest import BROWSER_TZ, served, sign_in
from tests.exports.conftest import with_exports

pytestmark = pytest.mark.browser

RENDER_WAIT_MS = 180_000  # a bound on a shared, busy machine (never a speed assertion)


@pytest.fixture
def exporting_app(tmp_path: Path) -> Iterator[tuple[str, object]]:
    store = Store(f"sqlite:///{tmp_path / 'cityops.db'}")
    store.upgrade()
    seed = seed_store(store)
    config = with_exports(seed.config, tmp_path / "pdfs", sources=[])
    app = create_app(config, store, clock=lambda: NOW)
    workers = ExportWorkers(
        config,
        store,
        renderer=chromium_renderer(config, store, lambda: NOW),
        clock=lambda: NOW,
        poll_s=0.5,
    )
    try:
        with served(app) as url:
            workers.start()
            yield url, app
    finally:
        workers.stop()
        store.dispose()


def test_a_manager_exports_the_page_on_screen_and_downloads_the_pdf(
    exporting_app: tuple[str, object], page: Page, shoot: object
) -> None:
    url, app = exporting_app
    sign_in(page.context, url, app, role="manager")  # type: ignore[arg-type]
    page.goto(f"{url}/traffic?range=7d&lang=en")
    control = page.locator(".pdf-export")
    expect(control.locator("summary")).to_have_text("Export PDF")
    control.locator("summary").click()
    control.get_by_label("A3").check()
    control.get_by_label("Portrait").check()
    shoot("control-open")  # type: ignore[operator]
    control.locator("button.pdfx-submit").click()
    status = control.locator(".pdfx-status")
    expect(status).to_contain_text(re.compile(r"PDF #1 requested|Queued|Rendering"))
    # Its progress, while the worker starts its browser and renders (seconds, polled each one).
    expect(status).to_contain_text(re.compile(r"Queued \(0 ahead\)|Rendering… \d+%"))
    link = status.locator("a.pdfx-download")
    expect(link).to_be_visible(timeout=RENDER_WAIT_MS)
    expect(status).to_contain_text("Ready")
    shoot("control-ready")  # type: ignore[operator]
    with page.expect_download() as got:
        link.click()
    pdf = Path(got.value.path()).read_bytes()
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    box = reader.pages[0].mediabox
    assert float(box.height) > float(box.width), "portrait"
    assert round(float(box.width) / 72 * 25.4) == 297, "A3 is 297 mm across"
    # NFKC: the print font sets "ffi" as one ligature glyph, extracted as U+FB03.
    text = unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in reader.pages))
    assert "Traffic" in text and "Rạch Giá" in text  # the view, in English, for the city
    assert "7 days" in text  # its time range

    page.goto(f"{url}/exports?lang=en")
    table = page.locator("#exports-table")
    expect(table).to_contain_text("/traffic?range=7d&lang=en")
    expect(table).to_contain_text("Done")
    shoot("exports-page")  # type: ignore[operator]


def test_a_viewer_is_not_offered_the_control(
    exporting_app: tuple[str, object], browser: Browser
) -> None:
    url, app = exporting_app
    context = browser.new_context(timezone_id=BROWSER_TZ, locale="en-US")
    try:
        sign_in(context, url, app, role="viewer")  # type: ignore[arg-type]
        viewer = context.new_page()
        viewer.goto(f"{url}/traffic?lang=en")
        expect(viewer.locator(".shell-account")).to_contain_text("test-viewer")
        expect(viewer.locator(".pdf-export summary")).to_have_count(0)
    finally:
        context.close()

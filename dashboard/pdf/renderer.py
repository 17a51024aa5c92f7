"""The one renderer of PDF snapshots: the app's own pages, printed by headless Chromium.

A `Renderer` builds the app (`dashboard.app.create_app`, the same config and store), serves it
on a free 127.0.0.1 port in a thread, and keeps one headless Chromium (Debian's, driven by
Playwright). `render(job)`:

1. checks the job: a known page, an active user who may see it (`AccessMap.page_allows`,
   the guard's own rule), so nothing is printed for someone who could not open the page;
2. opens a session for that user through the store (dashboard.auth.sessions), as a sign-in
   would, in a fresh browser context holding only that cookie; the session is deleted after;
3. opens the view in print mode (`?print=1`) at the width its paper needs, and waits until
   assets/print.js says the page is ready: every callback answered, every chart drawn, the
   map turned into an image, the tables made plain (a readiness condition, no fixed sleep);
4. prints it: paper and orientation, backgrounds, a footer with the page number.

Playwright's sync API belongs to the thread that started it, so the browser lives on one
worker thread of its own and `render` may be called from any thread: renders take turns.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from html import escape
from types import TracebackType
from typing import Any

from playwright.sync_api import Browser, Error, Playwright, sync_playwright
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from dashboard.app import create_app
from dashboard.auth.guard import ACCESS
from dashboard.auth.keys import digest
from dashboard.auth.principal import Principal, Role
from dashboard.auth.sessions import COOKIE, open_session
from dashboard.config import Config
from dashboard.context import EXTENSION, AppContext
from dashboard.i18n import t
from dashboard.pdf.job import MARGIN_MM, SCALE, PdfError, PdfJob, layout_width_px
from dashboard.store import Store

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "Renderer"]

# Debian's Chromium, headless, as the browser tests and benches launch it (they import these).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# A container's small /dev/shm must not crash a render of a long page.
RENDER_ARGS = [*CHROMIUM_ARGS, "--disable-dev-shm-usage"]
VIEWPORT_HEIGHT_PX = 1200
PIXEL_RATIO = 2  # the map's image at twice the CSS pixels: sharp on paper
READY_JS = "() => window.cityopsPrint && (window.cityopsPrint.ready || !!window.cityopsPrint.error)"
STATE_JS = "() => window.cityopsPrint || null"


class _QuietHandler(WSGIRequestHandler):
    """The loopback server's requests are the renderer's own: not logged one by one."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


def _footer(lang: str) -> str:
    pages = escape(t("print.page", lang)).format(
        page='<span class="pageNumber"></span>', total='<span class="totalPages"></span>'
    )
    return (
        '<div style="width:100%;margin:0 10mm;font-size:8px;color:#4d5866;'
        "font-family:'Noto Sans','DejaVu Sans',sans-serif;font-variant-ligatures:none;display:flex;"
        'justify-content:space-between"><span class="title"></span>'
        f"<span>{pages}</span></div>"
    )


class Renderer:
    """PDFs of the app's pages for `config` and `store` (see the module docstring).

    `timeout_s` bounds one render from opening the page to the printed bytes; `clock` is the
    app's clock (tests pass a fixed one). Close it (or use it as a context manager): it
    owns a browser and a server thread.
    """

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        timeout_s: float = 60,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        self._app = create_app(config, store, clock=clock)
        server = self._app.server
        self._context: AppContext = server.extensions[EXTENSION]
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, server, threaded=True, request_handler=_QuietHandler
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._serving = threading.Thread(
            target=self._server.serve_forever, name="pdf-app", daemon=True
        )
        self._serving.start()
        self._browser_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf-browser")
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._closed = False
        try:
            self._browser_thread.submit(self._launch).result()
        except Exception as err:
            self.close()
            raise PdfError(f"the browser ({CHROMIUM}) did not start: {err}") from err

    # -- the public face -------------------------------------------------------------------
    def render(self, job: PdfJob) -> bytes:
        """The PDF of `job`; PdfError says why there is none."""
        if self._closed:
            raise PdfError("the renderer is closed")
        user_id = self._check(job)
        store = self._context.store
        secret = open_session(store, self._context.clock(), user_id=user_id, address="127.0.0.1")
        try:
            return self._browser_thread.submit(self._print, job, secret).result()
        finally:
            store.accounts.delete_session(digest(secret))

    def close(self) -> None:
        """Stop the browser and the server (a second call does nothing)."""
        if self._closed:
            return
        self._closed = True
        self._browser_thread.submit(self._stop).result()
        self._browser_thread.shutdown()
        self._server.shutdown()
        self._serving.join()
        self._server.server_close()

    def __enter__(self) -> Renderer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # -- checks, in the caller's thread ----------------------------------------------------
    def _check(self, job: PdfJob) -> int:
        """The id of the job's user, once the page is known and the user may see it."""
        access = self._app.server.extensions[ACCESS]
        if job.paper not in ("A4", "A3"):
            raise PdfError(f"unknown paper {job.paper!r} (A4 or A3)")
        if job.page not in access.pages:
            known = ", ".join(sorted(access.pages))
            raise PdfError(f"unknown page {job.page!r} (pages: {known})")
        user = self._context.store.accounts.user(job.username)
        if user is None:
            raise PdfError(f"unknown user {job.username!r}")
        if user.disabled:
            raise PdfError(f"the account {job.username!r} is disabled")
        role: Role = user.role  # type: ignore[assignment]  # the store holds only ROLES
        if not access.page_allows(Principal(user.name, role, "user"), job.page):
            needs = access.pages[job.page].role
            raise PdfError(
                f"not allowed: {job.username} ({user.role}) may not see {job.page} ({needs})"
            )
        return user.id

    # -- the browser's thread ---------------------------------------------------------------
    def _launch(self) -> None:
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, args=RENDER_ARGS)

    def _stop(self) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()

    def _print(self, job: PdfJob, secret: str) -> bytes:
        assert self._browser is not None
        config = self._context.config
        lang = job.language(config.city.language)
        context = self._browser.new_context(
            viewport={
                "width": layout_width_px(job.paper, job.landscape),
                "height": VIEWPORT_HEIGHT_PX,
            },
            device_scale_factor=PIXEL_RATIO,
            locale="vi-VN" if lang == "vi" else "en-GB",
            timezone_id=config.city.timezone,
        )
        deadline = time.monotonic() + self.timeout_s

        def left_ms() -> float:
            return max(1.0, (deadline - time.monotonic()) * 1000)

        try:
            context.add_cookies([{"name": COOKIE, "value": secret, "url": self.url}])
            page = context.new_page()
            response = page.goto(self.url + job.print_address(), timeout=left_ms())
            status = response.status if response is not None else 0
            if status == 403:
                raise PdfError(f"not allowed: {job.username} may not see {job.page}")
            if status >= 400 or "/login" in page.url:
                raise PdfError(f"{job.page} answered HTTP {status} ({page.url})")
            try:
                page.wait_for_function(READY_JS, timeout=left_ms())
            except Error as err:
                stage = (page.evaluate(STATE_JS) or {}).get("stage", "loading")
                raise PdfError(
                    f"{job.page} did not finish drawing within {self.timeout_s:g} s "
                    f"(print mode: {stage})"
                ) from err
            state: dict[str, Any] = page.evaluate(STATE_JS)
            if state.get("error"):
                raise PdfError(f"{job.page} could not be prepared for print: {state['error']}")
            top, right, bottom, left = (f"{mm}mm" for mm in MARGIN_MM)
            return page.pdf(
                format=job.paper,
                landscape=job.landscape,
                print_background=True,
                scale=SCALE,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=_footer(lang),
                margin={"top": top, "right": right, "bottom": bottom, "left": left},
            )
        except Error as err:
            raise PdfError(f"the browser failed on {job.page}: {err}") from err
        finally:
            context.close()

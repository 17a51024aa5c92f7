"""Fixtures for browser tests: a real app served on loopback, driven by Debian's Chromium.

`live_app` builds a fresh app per test (create_app on a SQLite store in tmp_path, seeded through
`Store.ingest` by tests.api.seed) and serves it (`served`: werkzeug in a thread on a free port;
a test with a store of its own serves its app the same way), so the browser talks to the same
code a deployment runs, and a test using `page` with it is signed in as an admin (`sign_in`
gives a context another role). `page` is a fresh browser context per test:
no cookie (the language choice) leaks from one test to the next. Chromium is launched once per
session; when it is missing the tests fail, they never skip.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dash
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from werkzeug.serving import make_server

from dashboard.app import create_app
from dashboard.auth import Role
from dashboard.auth.sessions import COOKIE
from dashboard.context import EXTENSION
from dashboard.pdf.renderer import CHROMIUM, CHROMIUM_ARGS
from dashboard.store import Store
from tests.api.seed import NOW, Seed, seed_store
from tests.signin import session_secret

# Dash loads its bundles and runs two callback rounds before the table fills; generous on
# shared, noisy machines (a wait bound, never a speed assertion).
EXPECT_TIMEOUT_MS = 20_000
# The browser's own time zone differs from the city's, so a clock that followed the browser
# instead of the configured zone would show the wrong hour.
BROWSER_TZ = "America/New_York"


@dataclass(frozen=True)
class LiveApp:
    url: str  # http://127.0.0.1:<port>
    seed: Seed

    @property
    def store(self) -> Store:
        return self.seed.store


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots of every page state go (printed, so a person can look)."""
    folder = tmp_path_factory.mktemp("browser-screenshots")
    print(f"\nbrowser screenshots: {folder}")
    return folder


@pytest.fixture
def shoot(
    page: Page, shots_dir: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], Path]]:
    """`shoot("state")` saves a full-page screenshot named after the test and the state."""

    def save(state: str) -> Path:
        path = shots_dir / f"{request.node.name}-{state}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        return path

    yield save


def sign_in(context: BrowserContext, url: str, app: dash.Dash, role: Role = "admin") -> None:
    """Give the browser `context` a session of a user of `role` on the app served at `url`."""
    secret = session_secret(app.server.extensions[EXTENSION], role)
    context.add_cookies([{"name": COOKIE, "value": secret, "url": url, "httpOnly": True}])


@contextmanager
def served(app: dash.Dash) -> Iterator[str]:
    """`app` served by werkzeug in a thread on a free loopback port: its URL, until exit."""
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-app", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        dash.page_registry.clear()


@pytest.fixture
def live_app(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[LiveApp]:
    """The app served on loopback. When the test also uses `page`, that page comes signed
    in as an admin (tests of signing in use `browser` and a context of their own)."""
    store = Store(f"sqlite:///{tmp_path / 'cityops.db'}")
    store.upgrade()
    seed = seed_store(store)
    app = create_app(seed.config, store, clock=lambda: NOW)
    try:
        with served(app) as url:
            if "page" in request.fixturenames:
                sign_in(request.getfixturevalue("page").context, url, app)
            yield LiveApp(url, seed)
    finally:
        store.dispose()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        timezone_id=BROWSER_TZ, locale="en-US", viewport={"width": 1440, "height": 900}
    )
    page = context.new_page()
    yield page
    context.close()

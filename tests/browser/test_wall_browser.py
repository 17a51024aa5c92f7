"""/wall in headless Chromium at 1920x1080, on the simulated city, refreshing every 2 s.

What an operator relies on: every layer and tile drawn, the tiles saying what the store says,
new data appearing without a reload, a stale feed announced, kiosk mode rotating on its own,
and the wall coming back by itself after the server restarts (and reloading itself when the
server comes back with other code). Each state is saved as a screenshot (paths printed).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import dash
import pytest
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import BaseWSGIServer, make_server

from dashboard.app import create_app
from dashboard.config import AuthConfig, Config
from dashboard.figures.citymap import LAYERS, TRACE
from dashboard.figures.tiles import tile_view
from dashboard.i18n import t
from dashboard.queries.wall import wall_kpis
from dashboard.records import Reading
from dashboard.store import Store
from tests.browser.conftest import BROWSER_TZ
from tests.queries.city import NOW, City, build_city

pytestmark = pytest.mark.browser

REFRESH_S = 2  # the shortest the config allows: each test sees several refreshes


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class WallServer:
    """The app served on a fixed loopback port; `restart()` stops it and starts a new one."""

    city: City
    config: Config
    clock: Clock
    port: int = 0
    server: BaseWSGIServer | None = None
    thread: threading.Thread | None = None
    patches: list[Callable[[], None]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def store(self) -> Store:
        return self.city.store

    def start(self) -> None:
        app = create_app(self.config, self.store, clock=self.clock)
        self.server = make_server("127.0.0.1", self.port, app.server, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.shutdown()
            self.thread.join()
            self.server.server_close()
            self.server = None


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    """One simulated city for the module (read-mostly; tests that write add new readings)."""
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('wall') / 'cityops.db'}")
    store.upgrade()
    yield build_city(store)
    store.dispose()


@pytest.fixture
def served(city: City) -> Iterator[WallServer]:
    # The wall open to anyone ("a lobby screen", [auth] public): these tests are about the
    # wall itself; signing in is tested in test_login_browser.py.
    config = city.config.model_copy(
        update={
            "wall": city.config.wall.model_copy(update={"refresh_s": REFRESH_S}),
            "auth": AuthConfig(public=("/wall",)),
        }
    )
    wall = WallServer(city, config, Clock(NOW))
    wall.start()
    yield wall
    wall.stop()
    dash.page_registry.clear()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        timezone_id=BROWSER_TZ, locale="en-US", viewport={"width": 1920, "height": 1080}
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shot(page: Page, shots_dir: Path, request: pytest.FixtureRequest) -> Callable[[str], Path]:
    def save(state: str) -> Path:
        path = shots_dir / f"{request.node.name}-{state}.png"
        page.screenshot(path=str(path))
        print(f"screenshot: {path}")
        return path

    return save


def tile(page: Page, key: str, part: str = "value") -> Any:
    kind = "wall-tile" if part == "tile" else f"wall-tile-{part}"
    ident = json.dumps({"key": key, "type": kind}, separators=(",", ":"))
    return page.locator(f"[id='{ident}']")


def open_wall(page: Page, url: str) -> None:
    page.goto(url)
    expect(tile(page, "traffic.avg_speed")).not_to_have_text("—")
    expect(page.locator("#wall-map .maplibregl-canvas")).to_have_count(1)


def map_traces(page: Page) -> list[dict[str, Any]]:
    return page.evaluate(
        """() => document.querySelector('#wall-map .js-plotly-plot').data
             .map(t => ({meta: t.meta, visible: t.visible, name: t.name}))"""
    )


def kpis_at(wall: WallServer) -> list[Any]:
    with wall.store.read_session() as session:
        return wall_kpis(session, wall.config, wall.clock.now)


def test_wall_renders_every_layer_and_tile(page: Page, served: WallServer, shot: Any) -> None:
    bodies: list[str] = []
    page.on(
        "request", lambda r: bodies.append(r.post_data or "") if "_dash-update" in r.url else None
    )
    open_wall(page, f"{served.url}/wall?lang=en")
    traces = map_traces(page)
    assert [tr["meta"] for tr in traces] == list(TRACE)
    for layer in LAYERS:  # every layer has a visible trace at the city's zoom
        assert any(tr["visible"] is not False for tr in traces if tr["meta"].startswith(layer))
    for key in ("traffic.avg_speed", "lighting.faulty", "air.worst_aqi", "alerts.active"):
        expect(tile(page, key)).not_to_have_text("—")
    expect(page.locator(".wall-feed-name", has_text="sim")).to_be_visible()
    expect(page.locator(".wall-tick").first).to_be_visible()

    # First load: the router and the first refresh; later requests are interval ticks only.
    def tick(body: str) -> bool:
        inputs = json.loads(body)["inputs"]
        return any(i.get("property") == "n_intervals" and i.get("value") for i in inputs)

    first_load = [b for b in bodies if not tick(b)]
    assert 2 <= len(first_load) <= 3, [json.loads(b)["output"][:60] for b in first_load]
    shot("en")


def test_tile_numbers_equal_the_stores(page: Page, served: WallServer, shot: Any) -> None:
    open_wall(page, f"{served.url}/wall?lang=vi")
    for kpi in kpis_at(served):
        view = tile_view(kpi, "vi")
        expect(tile(page, kpi.key)).to_have_text(view.value)
        expect(tile(page, kpi.key, "unit")).to_have_text(view.unit)
    shot("vi")


def test_new_data_shows_after_one_refresh_without_reload(page: Page, served: WallServer) -> None:
    open_wall(page, f"{served.url}/wall?lang=en")
    page.evaluate("window.__sameDocument = true")
    before = kpis_at(served)
    faulty = next(k for k in before if k.key == "lighting.faulty").value or 0
    # A lamp that works goes faulty; the clock moves on a little.
    with served.store.read_session() as session:
        from dashboard.queries.wall import map_state

        lamps = map_state(session, served.config, served.clock.now).lamps
    lamp = lamps[lamps["fault"] == 0].iloc[0]["id"]
    at = NOW + timedelta(seconds=20)
    served.store.ingest("sim", readings=[Reading(lamp, "lamp_fault", at, 1.0)], now=at)
    served.clock.now = NOW + timedelta(seconds=30)
    expected = tile_view(next(k for k in kpis_at(served) if k.key == "lighting.faulty"), "en")
    assert (
        expected.value
        != tile_view(next(k for k in before if k.key == "lighting.faulty"), "en").value
    )
    expect(tile(page, "lighting.faulty")).to_have_text(expected.value)
    assert float(expected.value.replace(",", "")) == faulty + 1
    assert page.evaluate("window.__sameDocument === true")  # no reload happened
    served.store.ingest(
        "sim", readings=[Reading(lamp, "lamp_fault", at + timedelta(seconds=1), 0.0)], now=at
    )


def test_a_stale_feed_shows_its_banner(page: Page, served: WallServer, shot: Any) -> None:
    open_wall(page, f"{served.url}/wall?lang=en")
    expect(page.locator("#wall-stale")).to_be_hidden()
    served.clock.now = NOW + timedelta(hours=2)  # nothing arrives for two hours
    banner = page.locator("#wall-stale")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(t("wall.stale_banner", "en").split("{")[0])
    expect(banner).to_contain_text("sim")
    expect(tile(page, "traffic.avg_speed", "tile")).to_have_class("wall-tile level-none is-stale")
    expect(page.locator('[id=\'{"key":"sim","type":"wall-feed"}\']')).to_have_class(
        "wall-feed is-stale"
    )
    # The traffic layer is drawn again, grey and named stale (the figure may land a frame later).
    page.wait_for_function(
        """(word) => document.querySelector('#wall-map .js-plotly-plot').data
             .filter(t => t.meta.startsWith('traffic.') && t.name)
             .every(t => t.name.includes(word))""",
        arg=t("map.stale", "en"),
    )
    shot("stale")


def test_the_map_draws_again_after_whole_redraws(page: Page, served: WallServer) -> None:
    # A layer turning stale and fresh again redraws the whole figure (Plotly.react sets the
    # style again): the map must keep drawing, with no "Map error.".
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    page.on("pageerror", lambda e: messages.append(str(e)))
    open_wall(page, f"{served.url}/wall?lang=en")
    stale_word = t("map.stale", "en")
    names = """() => document.querySelector('#wall-map .js-plotly-plot').data
                 .filter(t => t.meta.startsWith('traffic.') && t.name).map(t => t.name)"""
    served.clock.now = NOW + timedelta(hours=2)
    page.wait_for_function(f"() => ({names})().every(n => n.includes({stale_word!r}))")
    served.clock.now = NOW
    page.wait_for_function(f"() => ({names})().every(n => !n.includes({stale_word!r}))")
    page.wait_for_timeout(1000)
    assert not [m for m in messages if "Map error" in m or "sources" in m], messages
    assert page.evaluate(
        """() => document.querySelector('#wall-map .js-plotly-plot')._fullLayout.map._subplot
             .map.getStyle().layers.some(l => l.id.startsWith('plotly-trace-layer-'))"""
    )


@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160)])
def test_the_city_fills_the_map_panel(
    browser: Browser, served: WallServer, size: tuple[int, int]
) -> None:
    from dashboard.basemap import BaseMap

    context = browser.new_context(
        timezone_id=BROWSER_TZ, viewport={"width": size[0], "height": size[1]}
    )
    page = context.new_page()
    try:
        open_wall(page, f"{served.url}/wall?kiosk=1&rotate=600&lang=en")
        page.wait_for_timeout(500)
        west, south, east, north = BaseMap.load(served.config).city_bounds
        box = page.evaluate(
            """([w, s, e, n]) => {
                 const m = document.querySelector('#wall-map .js-plotly-plot')
                   ._fullLayout.map._subplot.map;
                 const a = m.project([w, n]), b = m.project([e, s]), c = m.getContainer();
                 return [b.x - a.x, b.y - a.y, c.clientWidth, c.clientHeight, a.x, a.y];
               }""",
            [west, south, east, north],
        )
        width, height, panel_w, panel_h, left, top = box
        # The city's box fits inside the panel and fills it on its limiting side.
        assert left >= 0 and top >= 0 and left + width <= panel_w and top + height <= panel_h, (
            box,
            page.evaluate(
                "() => [document.getElementById('wall-map').getBoundingClientRect().height, document.querySelector('#wall-map .js-plotly-plot').layout.map.zoom]"
            ),
        )
        assert max(width / panel_w, height / panel_h) > 0.88, box
    finally:
        context.close()


def test_kiosk_hides_controls_and_rotates_scenes(page: Page, served: WallServer, shot: Any) -> None:
    open_wall(page, f"{served.url}/wall?kiosk=1&rotate=5&lang=en")
    expect(page.locator(".shell-header")).to_be_hidden()
    expect(page.locator("#wall-controls")).to_be_hidden()
    expect(page.locator("#wall-scene-name")).to_have_text(t("wall.scene.overview", "en"))
    shot("overview")
    expect(page.locator("#wall-scene-name")).to_have_text(t("wall.scene.traffic", "en"))
    expect(page.locator("#wall")).to_have_class("wall kiosk scene-traffic")
    traces = map_traces(page)
    shown = {tr["meta"].split(".")[0] for tr in traces if tr["visible"] is not False}
    assert shown == {"traffic"}
    # The scene's trend chart stands out like its tiles; the other charts step back.
    cells = page.locator(".wall-trend-cell")
    expect(cells).to_have_count(5)
    looks = cells.evaluate_all(
        """els => els.map(e => [e.dataset.domain, getComputedStyle(e).outlineStyle,
                                getComputedStyle(e).backgroundColor])"""
    )
    assert [(d, o) for d, o, _ in looks if o != "none"] == [("traffic", "solid")]
    assert all(b != "rgba(0, 0, 0, 0)" for d, _, b in looks if d != "traffic")
    assert [b for d, _, b in looks if d == "traffic"] == ["rgba(0, 0, 0, 0)"]
    shot("traffic")
    expect(page.locator("#wall-scene-name")).to_have_text(t("wall.scene.lighting", "en"))
    zoom = page.evaluate(
        "() => document.querySelector('#wall-map .js-plotly-plot').layout.map.zoom"
    )
    assert zoom > served.config.city.zoom


def test_recovers_after_the_server_restarts(page: Page, served: WallServer, shot: Any) -> None:
    open_wall(page, f"{served.url}/wall?lang=vi")
    page.evaluate("window.__sameDocument = true")
    served.stop()
    expect(page.locator("#wall-reconnect")).to_be_visible()
    expect(page.locator("#wall-reconnect")).to_have_text(t("wall.reconnecting", "vi"))
    expect(page.locator("html")).to_have_class("wall-offline")
    shot("reconnecting")
    served.clock.now = NOW + timedelta(minutes=30)
    served.start()  # a new process would do the same: a fresh app on the same port
    expect(page.locator("#wall-reconnect")).to_be_hidden()
    expect(page.locator("html")).not_to_have_class("wall-offline")
    # Refreshing again: the new clock reaches the page (the simulator's data is now stale).
    expect(page.locator("#wall-stale")).to_be_visible()
    assert page.evaluate("window.__sameDocument === true")  # same code: no reload needed
    shot("recovered")


def test_reloads_when_the_server_comes_back_with_other_code(
    page: Page, served: WallServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_wall(page, f"{served.url}/wall?lang=en")
    page.evaluate("window.__sameDocument = true")
    first = page.evaluate("() => document.getElementById('wall').dataset.appVersion")
    served.stop()
    expect(page.locator("#wall-reconnect")).to_be_visible()
    monkeypatch.setattr("layouts.wall.app_version", lambda: "a-new-release")
    served.start()
    expect(page.locator("#wall")).to_have_attribute("data-app-version", "a-new-release")
    assert first != "a-new-release"
    assert page.evaluate("window.__sameDocument === undefined")  # the page was reloaded
    expect(tile(page, "traffic.avg_speed")).not_to_have_text("—")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_tile_title_is_cut_even_with_its_alarm_mark(
    page: Page, served: WallServer, lang: str
) -> None:
    """Every tile's title reads whole at 1920x1080, also with the ▲/◆ a warning or an alarm
    puts before it (read from 5 m, "Average speed …" tells an operator nothing)."""
    open_wall(page, f"{served.url}/wall?lang={lang}")
    cut = page.evaluate(
        """() => [...document.querySelectorAll('.wall-tile')].flatMap(tile => {
            tile.classList.add('level-bad');
            const label = tile.querySelector('.wall-tile-label');
            return label.scrollWidth > label.clientWidth + 1 ? [label.textContent] : [];
        })"""
    )
    assert cut == []


def test_text_grows_with_a_4k_wall(browser: Browser, served: WallServer) -> None:
    """plotly draws text in px and the shell's header is sized in px while the wall sizes by
    the viewport: on a 3840x2160 wall the trend strip's axis labels, the map legend, the
    layer box and the header's menu are drawn twice as tall as on 1920x1080, as the tiles
    are, so they read from as far away."""
    parts = {
        "tick": "#wall-trends .xtick text",
        "legend": ".wall-legend-label",
        "layers": ".wall-layer-label",
        "menu": ".shell-header .nav-link",
        "city": ".shell-header .city-name",
        "header": ".shell-header",
    }

    def heights(size: tuple[int, int]) -> dict[str, float]:
        with wall_at(browser, served, size, "lang=en") as page:
            page.wait_for_selector(parts["tick"])
            return {k: page.locator(v).first.bounding_box()["height"] for k, v in parts.items()}

    hd, uhd = heights((1920, 1080)), heights((3840, 2160))
    assert all(uhd[k] / hd[k] > 1.8 for k in parts), (hd, uhd)


@contextmanager
def wall_at(
    browser: Browser, served: WallServer, size: tuple[int, int], query: str
) -> Iterator[Page]:
    """The wall opened at `size` CSS pixels (a 4K wall at 100 %: 3840x2160)."""
    context = browser.new_context(
        timezone_id=BROWSER_TZ, viewport={"width": size[0], "height": size[1]}
    )
    page = context.new_page()
    try:
        open_wall(page, f"{served.url}/wall?{query}")
        page.wait_for_timeout(500)
        yield page
    finally:
        context.close()


def _box(page: Page, selector: str) -> tuple[float, float, float, float]:
    """left, top, right, bottom of the element's box in page pixels."""
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"]


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160)])
def test_the_legend_and_layer_box_leave_the_city_clear_and_the_map_fills_its_panel(
    browser: Browser, served: WallServer, size: tuple[int, int]
) -> None:
    from dashboard.basemap import BaseMap

    with wall_at(browser, served, size, "lang=vi") as page:
        west, south, east, north = BaseMap.load(served.config).city_bounds
        city = page.evaluate(
            """([w, s, e, n]) => {
                 const m = document.querySelector('#wall-map .js-plotly-plot')
                   ._fullLayout.map._subplot.map;
                 const r = m.getCanvas().getBoundingClientRect();
                 const a = m.project([w, n]), b = m.project([e, s]);
                 return [r.left + a.x, r.top + a.y, r.left + b.x, r.top + b.y];
               }""",
            [west, south, east, north],
        )
        for key in (".wall-controls", ".wall-legend"):
            assert not _overlap(_box(page, key), city), (key, _box(page, key), city)
        # No empty band: the drawn map is the whole panel.
        panel, canvas = _box(page, ".wall-map"), _box(page, "#wall-map .maplibregl-canvas")
        assert all(abs(p - c) <= 1.5 for p, c in zip(panel, canvas, strict=True)), (panel, canvas)


def _legend_paint(page: Page) -> list[str]:
    return page.locator(".wall-legend-swatch").evaluate_all(
        """els => els.map(e => { const s = getComputedStyle(e);
             return [s.backgroundColor, s.backgroundImage, s.borderTopColor].join(' '); })"""
    )


def _rgb(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_the_legend_lists_every_layer_in_the_colours_drawn(page: Page, served: WallServer) -> None:
    from dashboard.aqi import BANDS

    open_wall(page, f"{served.url}/wall?lang=en")
    drawn = page.evaluate(
        """() => document.querySelector('#wall-map .js-plotly-plot').data.map(t => {
             const out = [];
             for (const part of [t.marker || {}, t.line || {}]) {
               const c = part.color;
               if (typeof c === 'string') out.push(c);
               else if (Array.isArray(c)) out.push(...c.filter(x => typeof x === 'string'));
               if (part.colorscale) out.push(...part.colorscale.map(s => s[1]));
             }
             return [t.meta, out.map(c => c.toLowerCase())];
           })"""
    )
    paint = " | ".join(_legend_paint(page))
    colours = {c for _, cs in drawn for c in cs}
    assert colours and not [c for c in colours if _rgb(c) not in paint], (colours, paint)
    by_trace = dict(drawn)
    ring = set(by_trace["reports.overdue_ring"])
    assert not ring & ({b.colour for b in BANDS} | set(by_trace["air.stations"])), ring
    # Stable: the same entries whatever the layers shown.
    legend = page.locator(".wall-legend").inner_text()
    for layer in ("Traffic", "Air quality", "Citizen reports"):
        page.locator(".wall-layer-label", has_text=layer).click()
    page.wait_for_function(
        """() => document.querySelector('#wall-map .js-plotly-plot').data
             .filter(t => t.meta.startsWith('air.')).every(t => t.visible === false)"""
    )
    assert page.locator(".wall-legend").inner_text() == legend
    assert all(t(f"wall.layer.{layer}", "en") in legend for layer in LAYERS)

"""The city map renders offline in headless Chromium: base map, layers, nothing fetched.

A static page on loopback loads the plotly.js that Dash serves (plotly's package_data) and draws
`city_map` of the sample city at 1920x1080. Every request that would leave 127.0.0.1 is aborted
and recorded: a style that names a remote source, a glyph or sprite URL (plotly.js#7742) or a
tile server would show up here and fail the test. The map element's screenshot is decoded by
the browser itself (no imaging library in the venv) to check that land, sea and data are drawn;
the PNGs are saved under tmp_path and their paths printed, to be looked at.
"""

from __future__ import annotations

import base64
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import plotly
import pytest
from playwright.sync_api import Browser, Page, Route

from dashboard.basemap import BaseMap
from dashboard.config import Config
from dashboard.figures.citymap import LAYERS, city_map
from dashboard.figures.mapbase import LAND, SEA, fit_view
from tests.figures.sample import sample_state

pytestmark = pytest.mark.browser

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<style>html,body{margin:0;background:#0b1016}#map{width:1920px;height:1080px}</style>
<script src="/plotly.min.js"></script></head><body><div id="map"></div><script>
window.mapIdle = false;
fetch('/fig.json').then(r => r.json()).then(fig =>
  Plotly.newPlot('map', fig.data, fig.layout, {displayModeBar: false, responsive: false})
).then(gd => {
  const m = gd._fullLayout.map._subplot.map;
  const done = () => { window.mapIdle = true; };
  if (m.loaded() && m.areTilesLoaded()) done(); else m.once('idle', done);
});
</script></body></html>"""

# Counts pixels by colour in a decoded PNG (the screenshot), inside the browser.
COLOUR_STATS = """async (src) => {
  const img = new Image(); img.src = src; await img.decode();
  const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  const px = g.getImageData(0, 0, c.width, c.height).data;
  const counts = {};
  for (let i = 0; i < px.length; i += 4) {
    const key = [px[i] >> 3, px[i + 1] >> 3, px[i + 2] >> 3].join(',');
    counts[key] = (counts[key] || 0) + 1;
  }
  return {total: px.length / 4, counts};
}"""


@pytest.fixture
def map_site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server for the page, the figure JSON (per test) and plotly.min.js."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(PAGE, encoding="utf-8")
    (site / "plotly.min.js").symlink_to(PLOTLY_JS)
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="map-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", site
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _render(browser: Browser, url: str, site: Path, fig_json: str) -> tuple[Page, list[str]]:
    (site / "fig.json").write_text(fig_json, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    left: list[str] = []

    def guard(route: Route) -> None:
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            left.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.on("request", lambda r: None if _local(r.url) else left.append(r.url))
    page.goto(f"{url}/index.html")
    page.wait_for_function("window.mapIdle === true", timeout=30_000)
    return page, left


def _local(url: str) -> bool:
    return url.startswith(("data:", "blob:")) or urlparse(url).hostname == "127.0.0.1"


def _colour_shares(page: Page, png: bytes) -> dict[tuple[int, int, int], float]:
    src = "data:image/png;base64," + base64.b64encode(png).decode()
    stats = page.evaluate(COLOUR_STATS, src)
    total = stats["total"]
    return {
        tuple(int(v) for v in key.split(",")): n / total  # type: ignore[misc]
        for key, n in stats["counts"].items()
    }


def _share_near(shares: dict[tuple[int, int, int], float], hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i : i + 2], 16) >> 3 for i in (1, 3, 5))
    return sum(
        s
        for (x, y, z), s in shares.items()
        if abs(x - r) <= 1 and abs(y - g) <= 1 and abs(z - b) <= 1
    )


SCENES = {
    # name: (lang, layers, zoom or None for the whole city, stale layers)
    "overview-vi": ("vi", LAYERS, None, ()),
    "lighting-en": ("en", ("lighting", "reports"), 15.2, ()),
    "traffic-stale-vi": ("vi", ("traffic", "air"), None, ("traffic",)),
}


@pytest.mark.parametrize("scene", SCENES)
def test_city_map_draws_offline_with_land_sea_and_data(
    browser: Browser, map_site: tuple[str, Path], tmp_path: Path, scene: str
) -> None:
    lang, layers, zoom, stale = SCENES[scene]
    base = BaseMap.load(Config())
    centre, fit = fit_view(base.city_bounds, 1920, 1080)
    if zoom is not None:  # the old town, near the river mouth
        centre = (105.0815, 10.0105)
    fig = city_map(
        base, sample_state(), layers=layers, lang=lang, center=centre, zoom=zoom or fit, stale=stale
    )
    url, site = map_site
    page, left = _render(browser, url, site, fig.to_json())
    try:
        assert page.locator("#map canvas.maplibregl-canvas").count() == 1
        png = page.locator("#map").screenshot()
        shot = tmp_path / f"city-map-{scene}.png"
        shot.write_bytes(png)
        print(f"screenshot: {shot}")
        shares = _colour_shares(page, png)
    finally:
        page.context.close()

    assert left == [], f"requests left loopback: {left[:5]}"
    assert max(shares.values()) < 0.8, "one colour fills the map: blank"
    assert len(shares) > 40, "too few colours for a city"
    assert _share_near(shares, SEA) > 0.03, "no sea"
    assert _share_near(shares, LAND) > 0.1, "no land"

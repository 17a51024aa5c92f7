"""The fixed pieces of /wall: component ids, kiosk scenes, and the skeleton's building blocks.

The wall is refreshed by updating *properties* of a fixed set of components (a tile's value
text, a ticker row's class), never by re-rendering children: Dash 4.2+ re-mounts
callback-rendered children on every update, which a wall refreshing all day cannot afford. So
every tile, ticker row and feed row exists from the first render, with a pattern id, and the
refresh callback fills them (see layouts/_wall/refresh.py and map_patch.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache
from importlib import metadata
from typing import Any

from dash import dcc, html

from dashboard.config import PROJECT_ROOT, SourceConfig
from dashboard.figures.mapkey import KeyEntry, map_key
from dashboard.i18n import t
from dashboard.queries.wall import KPI_KEYS  # the tiles across the top, in reading order

__all__ = [
    "KPI_KEYS",
    "SCENES",
    "TICKER_ROWS",
    "Scene",
    "app_version",
    "feed_table",
    "ids",
    "layer_switch",
    "legend",
    "pid",
    "scene_named",
    "ticker",
    "tiles",
]


class ids:
    root = "wall"
    interval = "wall-interval"
    version = "wall-version"  # the map data version the client holds (max epoch-s ts)
    boot = "wall-boot"  # what the page was built with: app version, scenes, trace indices
    fitted = "wall-fitted"  # set once the boot view is fitted to the real map panel
    server = "wall-server"  # the app version the last refresh came from
    trend_key = "wall-trend-key"  # the 5-minute bucket of the trend strip on screen
    scene = "wall-scene"  # index of the kiosk scene on screen (wall.js advances it)
    scene_name = "wall-scene-name"
    clock = "wall-clock"
    as_of = "wall-as-of"
    reconnect = "wall-reconnect"
    stale = "wall-stale"
    tiles = "wall-tiles"
    map = "wall-map"
    layers = "wall-layers"
    controls = "wall-controls"
    legend = "wall-legend"
    ticker = "wall-ticker"
    alert = "wall-alert"  # the unacknowledged critical alerts, above the ticker
    feeds = "wall-feeds"
    trends = "wall-trends"
    # pattern-id types: {"type": <one of these>, "key": <kpi key | row number | feed name>}
    tile = "wall-tile"
    tile_value = "wall-tile-value"
    tile_unit = "wall-tile-unit"
    tile_delta = "wall-tile-delta"
    tile_detail = "wall-tile-detail"
    tick = "wall-tick"
    tick_time = "wall-tick-time"
    tick_text = "wall-tick-text"
    feed = "wall-feed"
    feed_age = "wall-feed-age"
    feed_on_time = "wall-feed-on-time"
    feed_complete = "wall-feed-complete"
    feed_plausible = "wall-feed-plausible"


def pid(kind: str, key: Any) -> dict[str, Any]:
    """The pattern id of one tile/ticker/feed piece (`key` may be the wildcard ALL)."""
    return {"type": kind, "key": key}


TICKER_ROWS = 12


@dataclass(frozen=True, slots=True)
class Scene:
    """One kiosk scene: the map layers shown, the view, and the domains put forward.

    The view is relative to the city's configured centre and zoom, so a scene fits any city.
    """

    name: str
    layers: tuple[str, ...]
    domains: tuple[str, ...]
    zoom_delta: float = 0.0
    offset: tuple[float, float] = (0.0, 0.0)  # lon, lat degrees from the city's centre


SCENES: tuple[Scene, ...] = (
    Scene("overview", ("traffic", "lighting", "air", "water", "reports"), ()),
    Scene("traffic", ("traffic",), ("traffic",), 0.5),
    # Close enough (citymap.LAMP_ZOOM) to show single lamps, over the old town.
    Scene("lighting", ("lighting",), ("lighting",), 2.5, (-0.01, 0.008)),
    Scene("environment", ("air", "water"), ("air", "water"), 0.0),
    Scene("reports", ("reports",), ("reports", "alerts"), 0.3),
)


def scene_named(name: str | None) -> int:
    """Index of the scene called `name` (the overview for anything unknown)."""
    names = [s.name for s in SCENES]
    return names.index(name) if name in names else 0


def scene_view(
    scene: Scene, center: tuple[float, float], zoom: float
) -> tuple[tuple[float, float], float]:
    """The (lon, lat) centre and zoom of `scene` for a city centred on `center` at `zoom`."""
    return (center[0] + scene.offset[0], center[1] + scene.offset[1]), zoom + scene.zoom_delta


def scenes_data(center: tuple[float, float], zoom: float, lang: str) -> list[dict[str, Any]]:
    """The scenes as the browser gets them (wall.js rotates through these)."""
    out = []
    for scene in SCENES:
        (lon, lat), z = scene_view(scene, center, zoom)
        out.append(
            {
                **asdict(scene),
                "title": t(f"wall.scene.{scene.name}", lang),
                "center": {"lon": lon, "lat": lat},
                "zoom": z,
            }
        )
    return out


@cache
def app_version() -> str:
    """What the browser compares after a reconnect: the package version and the wall's code.

    A server that comes back with other code (a deployment) gives another value, and the wall
    reloads itself instead of talking to callbacks that may no longer match its page.
    """
    try:
        package = metadata.version("cityops")
    except metadata.PackageNotFoundError:
        package = "0"
    digest = hashlib.sha256(package.encode())
    for rel in (
        "layouts/wall.py",
        "layouts/_wall/skeleton.py",
        "layouts/_wall/refresh.py",
        "layouts/_wall/map_patch.py",
        "assets/wall.js",
        "assets/wall.css",
    ):
        path = PROJECT_ROOT / rel
        digest.update(path.read_bytes() if path.exists() else b"")
    return f"{package}+{digest.hexdigest()[:12]}"


def _attrs(values: dict[str, str]) -> dict[str, Any]:
    # data-* attributes go in as keywords; Dash's typed signatures do not list them.
    return values


def _tile(key: str, lang: str) -> html.Div:
    domain = key.split(".", 1)[0]
    return html.Div(
        [
            html.Div(t(f"wall.tile.{key}", lang), className="wall-tile-label"),
            html.Div(
                [
                    html.Span("—", id=pid(ids.tile_value, key), className="wall-tile-value"),
                    html.Span("", id=pid(ids.tile_unit, key), className="wall-tile-unit"),
                ],
                className="wall-tile-main",
            ),
            html.Div("", id=pid(ids.tile_delta, key), className="wall-tile-delta"),
            html.Div("", id=pid(ids.tile_detail, key), className="wall-tile-detail"),
        ],
        id=pid(ids.tile, key),
        className="wall-tile level-none",
        **_attrs({"data-domain": domain, "data-stale-label": t("wall.stale", lang)}),
    )


def tiles(lang: str) -> html.Section:
    """The KPI tiles, empty until the first refresh fills their properties."""
    note = html.Div(t("wall.vs_week_note", lang), className="wall-tiles-note")
    return html.Section(
        [*(_tile(key, lang) for key in KPI_KEYS), note], id=ids.tiles, className="wall-tiles"
    )


def ticker(lang: str) -> html.Section:
    """The newest events, a fixed number of rows (empty rows are hidden by CSS), under the
    banner of the critical alerts no one has acknowledged yet (hidden when there are none)."""
    rows = [
        html.Li(
            [
                html.Time("", id=pid(ids.tick_time, i), className="wall-tick-time"),
                html.Span("", id=pid(ids.tick_text, i), className="wall-tick-text"),
            ],
            id=pid(ids.tick, i),
            className="wall-tick is-empty",
        )
        for i in range(TICKER_ROWS)
    ]
    return html.Section(
        [
            html.H2(t("wall.ticker", lang), className="wall-heading"),
            html.Div("", id=ids.alert, className="wall-alert is-hidden", role="alert"),
            html.Ol(rows, className="wall-tick-list", **_attrs({"aria-live": "polite"})),
        ],
        id=ids.ticker,
        className="wall-panel wall-ticker",
    )


def feed_table(sources: Sequence[SourceConfig], lang: str) -> html.Section:
    """Each enabled feed's age and 24-h quality; the data-as-of time on top."""
    header = html.Div(
        [
            html.Span(""),
            html.Span(""),
            *(
                html.Span(t(f"wall.quality.{q}", lang), className="wall-feed-q")
                for q in ("on_time", "complete", "plausible")
            ),
        ],
        className="wall-feed wall-feed-head",
    )
    rows = [
        html.Div(
            [
                html.Span(s.name, className="wall-feed-name"),
                html.Span("…", id=pid(ids.feed_age, s.name), className="wall-feed-age"),
                html.Span("", id=pid(ids.feed_on_time, s.name), className="wall-feed-q"),
                html.Span("", id=pid(ids.feed_complete, s.name), className="wall-feed-q"),
                html.Span("", id=pid(ids.feed_plausible, s.name), className="wall-feed-q"),
            ],
            id=pid(ids.feed, s.name),
            className="wall-feed",
        )
        for s in sources
        if s.enabled
    ]
    as_of = html.Div(
        [
            html.Span(t("wall.as_of", lang), className="wall-as-of-label"),
            html.Time("…", id=ids.as_of, className="wall-as-of"),
        ],
        className="wall-as-of-line",
    )
    return html.Section(
        [html.H2(t("wall.freshness", lang), className="wall-heading"), as_of, header, *rows],
        id=ids.feeds,
        className="wall-panel wall-feeds",
    )


def layer_switch(layers: Sequence[str], chosen: Sequence[str], lang: str) -> html.Div:
    """The map's layer checkboxes, one above the other (hidden in kiosk mode, where scenes
    choose the layers)."""
    return html.Div(
        [
            html.Span(t("wall.layers", lang), className="wall-controls-label"),
            dcc.Checklist(
                id=ids.layers,
                options=[
                    {"label": t(f"wall.layer.{name}", lang), "value": name} for name in layers
                ],
                value=[name for name in layers if name in chosen],
                className="wall-layer-list",
                inputClassName="wall-layer-input",
                labelClassName="wall-layer-label",
            ),
        ],
        id=ids.controls,
        className="wall-controls",
    )


def _swatch(entry: KeyEntry) -> html.Span:
    # The colours are the entry's own (figures.mapkey): the one thing styled inline here.
    fill = (
        entry.fill[0]
        if len(entry.fill) == 1
        else f"linear-gradient(to right, {', '.join(entry.fill)})"
    )
    if entry.line is not None:
        style = {"background": fill, "height": f"{entry.line / 16:.3f}em"}
        return html.Span(className="wall-legend-swatch is-line", style=style)
    style = {"background": fill, "borderColor": entry.ring or fill}
    return html.Span(
        className="wall-legend-swatch" + (" is-ringed" if entry.ring else ""), style=style
    )


def legend(lang: str) -> html.Div:
    """The map's key: every layer and every entry, always (assets/wall.css places it)."""
    blocks = [
        html.Div(
            [
                html.Div(t(f"wall.layer.{layer}", lang), className="wall-legend-title"),
                html.Ul(
                    [
                        html.Li(
                            [_swatch(e), html.Span(e.label, className="wall-legend-label")],
                            className="wall-legend-item",
                        )
                        for e in entries
                    ],
                    className="wall-legend-items",
                ),
            ],
            className="wall-legend-layer",
            **_attrs({"data-layer": layer}),
        )
        for layer, entries in map_key(lang)
    ]
    return html.Div(blocks, id=ids.legend, className="wall-legend")

"""/wall: the operations wall — KPI tiles, the city map, trends, ticker and feed freshness.

Fed by `dashboard.queries.wall` (the numbers `/api/v1/kpis` serves too) and drawn by
`dashboard.figures.citymap` / `trends` / `tiles`. The page runs itself on a wall screen:

* One `dcc.Interval` drives ONE refresh callback. While a refresh is in flight the interval is
  disabled (`running=`), so slow refreshes never pile up, and none is pruned by a newer one
  (dash#1613); a refresh that fails is noticed by assets/wall.js, never dropped silently.
* The refresh sends what changed: the first one draws the whole map, later ones send a `Patch`
  with only the lamps whose state changed since the version the browser holds (a
  `dcc.Store`), the segment colours and the small layers. Tiles, ticker rows and feed rows are a
  fixed set of components whose text and class are updated; the trend strip is redrawn only
  when a new 5-minute bucket exists.
* Layer switches, kiosk scenes (`?kiosk=1&rotate=30`) and the reconnect banner are clientside
  (assets/wall.js): no server round trip beyond the refresh itself.

URL parameters: `lang` (vi|en), `kiosk` (1), `rotate` (seconds per scene), `layers` (comma list),
`scene` (the first kiosk scene).
"""

from __future__ import annotations

import math
from typing import Any

import dash
from dash import ALL, ClientsideFunction, Input, Output, State, dcc, html

from dashboard.basemap import BaseMap
from dashboard.figures.citymap import LAYERS
from dashboard.figures.mapbase import fit_view
from dashboard.figures.theme import PALETTE
from dashboard.figures.trends import SERIES as TREND_SERIES
from dashboard.i18n import t
from layouts._shared.components import (
    PRINT_PARAM,
    PageMeta,
    app_context,
    page_language,
    print_requested,
)
from layouts._shared.print_mode import print_header
from layouts._wall import refresh as props
from layouts._wall.skeleton import (
    SCENES,
    app_version,
    feed_table,
    ids,
    layer_switch,
    legend,
    pid,
    scene_named,
    scene_view,
    scenes_data,
    ticker,
    tiles,
)

__all__ = ["PAGE", "ids", "layout", "register_callbacks"]

# The operations room's home page: first in the navigation, and "/" (which redirects to the
# first page) opens it.
PAGE = PageMeta(path="/wall", order=10, title_key="wall.nav")
ROTATE_MIN_S = 5
MAP_PANEL_PX = (1415, 600)  # the map panel's CSS pixels on a 1920x1080 screen (assets/wall.css)


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


def _rotate_s(value: str | None, default: int) -> int:
    return max(ROTATE_MIN_S, int(value)) if value and value.isdigit() else default


def _layers(value: str | None, default: tuple[str, ...]) -> list[str]:
    if value is None:
        return list(default)
    asked = {v.strip() for v in value.split(",")}
    return [name for name in LAYERS if name in asked]


def _fit_terms(bounds: tuple[float, float, float, float], zoom: float) -> dict[str, float]:
    """What the browser needs to fit the city to the map panel it really has (FIT_JS).

    fit_view's zoom is min(log2(width) + x, log2(height) + y) for constants x, y of the city's
    box; `zoom` is the one the views were made for (MAP_PANEL_PX)."""
    huge = 1 << 20
    x = fit_view(bounds, MAP_PANEL_PX[0], huge)[1] - math.log2(MAP_PANEL_PX[0])
    y = fit_view(bounds, huge, MAP_PANEL_PX[1])[1] - math.log2(MAP_PANEL_PX[1])
    return {"x": x, "y": y, "zoom": zoom}


# Before the first refresh draws the map: the zoom that fits the city to the panel this
# screen really has (1920x1080, a 4K wall at 100 %, a half-height window), added to the page's
# view and every kiosk scene. The refresh takes `fitted` (set with the boot data) as an input,
# so the renderer runs it after this, with the fitted boot data.
FIT_JS = """
function (_id, boot) {
  var dc = window.dash_clientside;
  var graph = document.getElementById("__MAP_ID__");
  if (!boot || boot.fitted || !boot.fit || !graph) { return [dc.no_update, true]; }
  var box = graph.getBoundingClientRect();
  var out = Object.assign({}, boot, {fitted: true});
  if (box.width > 50 && box.height > 50) {
    var zoom = Math.min(Math.log2(box.width) + boot.fit.x, Math.log2(box.height) + boot.fit.y);
    var dz = Math.round((Math.min(zoom, 18) - boot.fit.zoom) * 100) / 100;
    out.view = Object.assign({}, boot.view, {zoom: boot.view.zoom + dz});
    out.scenes = boot.scenes.map(function (s) { return Object.assign({}, s, {zoom: s.zoom + dz}); });
  }
  return [out, true];
}
""".replace("__MAP_ID__", ids.map)


def layout(
    lang: str | None = None,
    kiosk: str | None = None,
    rotate: str | None = None,
    layers: str | None = None,
    scene: str | None = None,
    **query: Any,
) -> html.Div:
    """The wall's skeleton: every tile, row and graph exists, empty until the first refresh.

    In print mode (`print=1`) the heading is the print header and the wall does not refresh
    itself after the first refresh: the paper shows one moment."""
    config = app_context().config
    lang = page_language(lang)
    is_kiosk = _flag(kiosk)
    first = scene_named(scene) if is_kiosk else 0
    chosen = _layers(None if is_kiosk else layers, SCENES[first].layers)
    # The built-up city fills the map panel of a 1920x1080 wall (a 4K wall at 200 % alike).
    bounds = BaseMap.load(config).city_bounds
    city_view = fit_view(bounds, *MAP_PANEL_PX)
    (lon, lat), zoom = scene_view(SCENES[first], *city_view)
    refresh_ms = config.wall.refresh_s * 1000
    boot = {
        "version": app_version(),
        "kiosk": is_kiosk,
        "rotate_s": _rotate_s(rotate, config.wall.rotate_s),
        "refresh_ms": refresh_ms,
        "scene": first,
        "scenes": scenes_data(*city_view, lang),
        "traces": props.map_traces(),
        "view": {"center": {"lon": lon, "lat": lat}, "zoom": zoom},
        "fit": _fit_terms(bounds, city_view[1]),
        "lang": lang,
    }
    title = t(f"wall.scene.{SCENES[first].name}", lang) if is_kiosk else t("wall.title", lang)
    printing = print_requested(query.get(PRINT_PARAM))
    top = html.Header(
        [
            html.Div(config.city.name, className="wall-city"),
            html.Div(title, id=ids.scene_name, className="wall-scene-name"),
            html.Time(
                "",
                id=ids.clock,
                className="wall-clock",
                **{"data-clock-tz": config.city.timezone, "data-clock-lang": lang},
            ),
        ],
        className="wall-top",
    )
    banners = html.Div(
        [
            html.Div(
                t("wall.reconnecting", lang),
                id=ids.reconnect,
                role="alert",
                className="wall-reconnect",
            ),
            html.Div("", id=ids.stale, role="alert", className="wall-stale is-hidden"),
        ],
        className="wall-banners",
    )
    map_panel = html.Section(
        [
            dcc.Graph(
                id=ids.map,
                figure=props.placeholder_figure(),
                config={"displayModeBar": False, "scrollZoom": not is_kiosk, "responsive": True},
                className="wall-map-graph",
            ),
            legend(lang),
            layer_switch(LAYERS, chosen, lang),
        ],
        className="wall-panel wall-map",
    )
    # One cell over each small chart, in the strip's order: a kiosk scene lights up its
    # domains' charts and dims the others (assets/wall.css), as it does with the tiles.
    trend_cells = html.Div(
        [
            html.Div(className="wall-trend-cell", **{"data-domain": name.split(".", 1)[0]})
            for name in TREND_SERIES
        ],
        className="wall-trend-cells",
        **{"aria-hidden": "true"},
    )
    trends = html.Section(
        [
            dcc.Graph(
                id=ids.trends,
                figure=props.placeholder_figure(),
                config={"displayModeBar": False, "staticPlot": True, "responsive": True},
                className="wall-trends-graph",
            ),
            trend_cells,
        ],
        className="wall-panel wall-trends",
        **{"aria-label": t("wall.trends", lang)},
    )
    side = html.Div([ticker(lang), feed_table(config.sources, lang)], className="wall-side")
    scene_class = f" scene-{SCENES[first].name}" if is_kiosk else ""
    return html.Div(
        [
            dcc.Interval(id=ids.interval, interval=refresh_ms, max_intervals=0 if printing else -1),
            dcc.Store(id=ids.version),
            dcc.Store(id=ids.trend_key),
            dcc.Store(id=ids.boot, data=boot),
            dcc.Store(id=ids.fitted),
            dcc.Store(id=ids.server),
            dcc.Store(id=ids.scene, data=first),
            *([_print_header(title, chosen, lang)] if printing else []),
            top,  # hidden in print mode (assets/print.css): the print header says it all
            banners,
            tiles(lang),
            map_panel,
            side,
            trends,
        ],
        id=ids.root,
        className=("wall kiosk" if is_kiosk else "wall") + scene_class,
        lang=lang,
        **{
            "data-kiosk": "1" if is_kiosk else "0",
            "data-rotate-s": str(boot["rotate_s"]),
            "data-refresh-ms": str(refresh_ms),
            "data-app-version": boot["version"],
            "data-bg": PALETTE["bg"],
        },
    )


def _print_header(title: str, layers: list[str], lang: str) -> html.Header:
    shown = ", ".join(t(f"wall.layer.{name}", lang) for name in layers)
    facts = [
        (t("print.filters", lang), t("print.everywhere", lang)),
        (t("wall.layers", lang), shown or t("sources.none", lang)),
        (t("print.range", lang), t("print.now", lang)),
    ]
    return print_header(title, facts, lang)


_TILE_PROPS = ("children", "children", "children", "children", "className")
_TILE_KINDS = (ids.tile_value, ids.tile_unit, ids.tile_delta, ids.tile_detail, ids.tile)
_TICK_KINDS = ((ids.tick_time, "children"), (ids.tick_text, "children"), (ids.tick, "className"))
_FEED_KINDS = (
    (ids.feed_age, "children"),
    (ids.feed_on_time, "children"),
    (ids.feed_complete, "children"),
    (ids.feed_plausible, "children"),
    (ids.feed, "className"),
)


def _refresh_outputs() -> list[Output]:
    return [
        Output(ids.map, "figure"),
        Output(ids.version, "data"),
        Output(ids.trends, "figure"),
        Output(ids.trend_key, "data"),
        Output(ids.as_of, "children"),
        Output(ids.stale, "children"),
        Output(ids.stale, "className"),
        Output(ids.server, "data"),
        Output(ids.alert, "children"),
        Output(ids.alert, "className"),
        *(
            Output(pid(kind, ALL), prop)
            for kind, prop in zip(_TILE_KINDS, _TILE_PROPS, strict=True)
        ),
        *(Output(pid(kind, ALL), prop) for kind, prop in _TICK_KINDS),
        *(Output(pid(kind, ALL), prop) for kind, prop in _FEED_KINDS),
    ]


def register_callbacks(app: dash.Dash) -> None:
    """Wire the wall's callbacks to `app`: one server refresh, four clientside helpers."""

    @app.callback(
        *_refresh_outputs(),
        Input(ids.interval, "n_intervals"),
        Input(ids.fitted, "data"),  # waits for FIT_JS on first load; changes only then
        State(ids.version, "data"),
        State(ids.trend_key, "data"),
        State(ids.layers, "value"),
        State(ids.scene, "data"),
        State(ids.boot, "data"),
        running=[(Output(ids.interval, "disabled"), True, False)],
    )
    def refresh(
        _n: int | None,
        _fitted: Any,
        held: Any,
        trend_key: Any,
        layers: Any,
        scene: Any,
        boot: Any,
    ) -> Any:
        ctx = app_context()
        request = props.RefreshRequest.parse(held, trend_key, layers, scene, boot, ctx.clock())
        data = props.read_wall(ctx.store, ctx.config, request)
        keys = [[o["id"]["key"] for o in group] for group in dash.ctx.outputs_list[10:]]
        return props.refresh_values(data, request, ctx.config, keys, app_version())

    app.clientside_callback(
        FIT_JS,
        Output(ids.boot, "data"),
        Output(ids.fitted, "data"),
        Input(ids.root, "id"),
        State(ids.boot, "data"),
    )
    app.clientside_callback(
        ClientsideFunction("wall", "applyLayers"),
        Output(ids.map, "figure", allow_duplicate=True),
        Input(ids.layers, "value"),
        Input(ids.map, "relayoutData"),
        State(ids.boot, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("wall", "applyScene"),
        Output(ids.layers, "value"),
        Output(ids.map, "figure", allow_duplicate=True),
        Output(ids.root, "className"),
        Output(ids.scene_name, "children"),
        Input(ids.scene, "data"),
        State(ids.boot, "data"),
        prevent_initial_call=True,
    )
    # No output: a server answering with another app version makes the page reload itself.
    app.clientside_callback(
        ClientsideFunction("wall", "checkVersion"),
        Input(ids.server, "data"),
        State(ids.boot, "data"),
        prevent_initial_call=True,
    )

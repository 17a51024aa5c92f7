"""The city map's ground: an offline MapLibre style, the base layers and the default view.

`map_style()` is a style object with one background layer (the sea), one empty inline GeoJSON
source and no glyphs or sprite, so MapLibre has nothing to download; the shipped GeoJSON (dashboard.basemap) becomes
`layout.map.layers` drawn below the traces: land, canals, streets by class, zones (dashed),
wards. A city's own tile server, when configured, is one raster layer at the bottom.
"""

from __future__ import annotations

import math
from typing import Any, Final

from dashboard.basemap import ROAD_CLASSES, BaseMap

__all__ = ["EMPTY_SOURCE", "LAND", "SEA", "base_layers", "fit_view", "map_style"]

SEA: Final = "#06121d"
LAND: Final = "#18212c"
_SHORE = "#2f3c4d"
_CANAL = "#2a7fc4"
_STREET_WIDTH: Final = {"local": 1.2, "collector": 2.2, "arterial": 3.4}
_STREET_GREY: Final = {"local": "#323d4b", "collector": "#3f4b5b", "arterial": "#4d5a6b"}
_ZONE = "#66788f"
_WARD = "#9db0c8"


EMPTY_SOURCE: Final = "cityops-empty"


def map_style() -> dict[str, Any]:
    """A MapLibre style with nothing remote: no glyphs, no sprite; the sea only.

    Its "sources" holds one empty inline GeoJSON source rather than nothing: plotly.js drops
    empty objects when a later `Plotly.react` sets the style again (every redraw or Patch of
    the figure), MapLibre then rejects a style without "sources" ("Map error.") and the graph
    never draws again. The source names nothing remote, so the map stays offline.
    """
    return {
        "version": 8,
        "id": "cityops-offline",
        "name": "cityops offline",
        "sources": {
            EMPTY_SOURCE: {"type": "geojson", "data": {"type": "FeatureCollection", "features": []}}
        },
        "layers": [{"id": "sea", "type": "background", "paint": {"background-color": SEA}}],
    }


def base_layers(
    base: BaseMap, tile_url: str | None = None, attribution: str = ""
) -> list[dict[str, Any]]:
    """The base map as plotly `layout.map.layers`, all below the traces, bottom first.

    With a tile server its raster replaces the land fill (the tiles draw their own land)."""
    layers: list[dict[str, Any]] = []
    if tile_url:
        layers.append(
            {
                "sourcetype": "raster",
                "source": [tile_url],
                "sourceattribution": attribution,
                "type": "raster",
                "below": "traces",
                "opacity": 0.55,  # tiles are drawn for daylight; dimmed so the data stays on top
            }
        )
    else:
        layers.append(_geo(base.land, "fill", LAND, fill={"outlinecolor": _SHORE}))
    layers.append(_geo(base.canals, "line", _CANAL, line={"width": 3.5}))
    for road_class in ROAD_CLASSES:
        layers.append(
            _geo(
                base.streets[road_class],
                "line",
                _STREET_GREY[road_class],
                line={"width": _STREET_WIDTH[road_class]},
            )
        )
    layers.append(_geo(base.zones, "line", _ZONE, line={"width": 1.3, "dash": [3, 2]}))
    layers.append(_geo(base.wards, "line", _WARD, line={"width": 2.5}))
    return layers


def _geo(source: dict[str, Any], kind: str, colour: str, **paint: Any) -> dict[str, Any]:
    return {
        "sourcetype": "geojson",
        "source": source,
        "type": kind,
        "color": colour,
        "below": "traces",
        **paint,
    }


def fit_view(
    bounds: tuple[float, float, float, float], width_px: int, height_px: int, pad: float = 0.04
) -> tuple[tuple[float, float], float]:
    """The (lon, lat) centre and zoom that fit `bounds` (west, south, east, north) in a map of
    `width_px` x `height_px` CSS pixels (Web Mercator, 512-px tiles as MapLibre counts zoom)."""
    west, south, east, north = bounds

    def merc_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    x_span = math.radians(east - west)
    y_span = merc_y(north) - merc_y(south)
    usable = 1 - 2 * pad
    zoom_x = math.log2(width_px * usable * 2 * math.pi / (512 * x_span)) if x_span > 0 else 18
    zoom_y = math.log2(height_px * usable * 2 * math.pi / (512 * y_span)) if y_span > 0 else 18
    lat_c = math.degrees(2 * math.atan(math.exp((merc_y(north) + merc_y(south)) / 2)) - math.pi / 2)
    return ((west + east) / 2, lat_c), round(min(zoom_x, zoom_y, 18.0), 2)

"""The drill-down pages' map: the offline base map, clickable areas, and a domain's assets.

Built on the wall's ground (`mapbase.map_style` + `mapbase.base_layers`: nothing is fetched).
Areas (wards or zones) are a choropleth coloured by a page's number per area; a click on one
filters the page to it. Assets are points or lines whose `customdata` starts with
["asset", id], so a click opens the asset's detail (see drillcharts' click convention).
Pure: frames in, a figure dict out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from dashboard.basemap import BaseMap
from dashboard.figures.drillcharts import FONT
from dashboard.figures.mapbase import base_layers, map_style
from dashboard.figures.theme import PALETTE

__all__ = ["AREA_SCALE", "AssetLayer", "drill_map", "line_arrays"]

# Sequential, dark to light, so a busier area stands out on the dark ground.
AREA_SCALE: Final = [[0.0, "#1c2a3d"], [0.5, "#2f5d8a"], [1.0, "#5fb4ff"]]


@dataclass(frozen=True, slots=True)
class AssetLayer:
    """One trace of assets: `frame` has id, name, label (hover text) and lon/lat (points)
    or lons/lats lists (lines); `colour` is one colour or one per row."""

    name: str
    frame: pd.DataFrame
    colour: str | Sequence[str]
    size: float = 11.0
    lines: bool = False


def line_arrays(frame: pd.DataFrame) -> tuple[list[float | None], list[float | None], list[Any]]:
    """The rows' lines joined with None breaks, and each vertex's customdata."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    data: list[Any] = []
    for row in frame.itertuples(index=False):
        item = ["asset", row.id, row.name, row.label]
        lons += [*row.lons, None]
        lats += [*row.lats, None]
        data += [item] * (len(row.lons) + 1)
    return lons, lats, data


def _asset_trace(layer: AssetLayer) -> dict[str, Any]:
    frame = layer.frame
    hover = "<b>%{customdata[2]}</b><br>%{customdata[3]}<extra></extra>"
    common = {"type": "scattermap", "name": layer.name, "hovertemplate": hover}
    if layer.lines:
        lons, lats, data = line_arrays(frame)
        line_colour = layer.colour if isinstance(layer.colour, str) else PALETTE["accent"]
        return common | {
            "mode": "lines",
            "lon": lons,
            "lat": lats,
            "customdata": data,
            "line": {"color": line_colour, "width": layer.size},
        }
    colour = layer.colour if isinstance(layer.colour, str) else list(layer.colour)
    return common | {
        "mode": "markers",
        "lon": frame["lon"].to_numpy(np.float64),
        "lat": frame["lat"].to_numpy(np.float64),
        "customdata": [
            ["asset", i, n, lab]
            for i, n, lab in zip(frame["id"], frame["name"], frame["label"], strict=True)
        ],
        "marker": {"color": colour, "size": layer.size},
    }


def _areas(
    geojson: dict[str, Any],
    name_prop: str,
    level: str,
    values: Mapping[str, float],
    value_label: str,
    selected: Sequence[str],
) -> dict[str, Any]:
    names = [str(f["properties"].get(name_prop)) for f in geojson["features"]]
    z = np.array([values.get(n, 0.0) for n in names], dtype=np.float64)
    width = [4.0 if n in selected else 1.0 for n in names]
    return {
        "type": "choroplethmap",
        "geojson": geojson,
        "featureidkey": f"properties.{name_prop}",
        "locations": names,
        "z": z,
        "zmin": 0,
        "colorscale": AREA_SCALE,
        "showscale": False,
        "marker": {"opacity": 0.45, "line": {"color": PALETTE["accent"], "width": width}},
        "customdata": [["area", level, n] for n in names],
        "hovertemplate": f"<b>%{{location}}</b><br>{value_label}: %{{z:,.0f}}<extra></extra>",
        "name": value_label,
        "showlegend": False,
    }


def drill_map(
    base: BaseMap,
    *,
    level: str,
    name_prop: str,
    area_values: Mapping[str, float],
    value_label: str,
    layers: Sequence[AssetLayer],
    selected: Sequence[str],
    center: tuple[float, float],
    zoom: float,
    lang: str,
    uirevision: str = "drill",
) -> dict[str, Any]:
    """The map of a drill-down page: areas of `level` ("ward"/"zone") shaded by
    `area_values`, then each asset layer on top. `center` is (lon, lat)."""
    geojson = base.zones if level == "zone" else base.wards
    traces = [_areas(geojson, name_prop, level, area_values, value_label, selected)]
    traces += [_asset_trace(layer) for layer in layers]
    layout = {
        "template": None,
        "uirevision": uirevision,
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "height": 520,
        "paper_bgcolor": PALETTE["bg"],
        "font": {"color": PALETTE["text"], "size": 14, "family": FONT},
        "hoverlabel": {"bgcolor": PALETTE["panel_2"], "font": {"color": PALETTE["text"]}},
        "legend": {
            "x": 0.01,
            "y": 0.99,
            "bgcolor": "rgba(11,16,22,0.82)",
            "bordercolor": PALETTE["line_strong"],
            "borderwidth": 1,
        },
        "separators": ",." if lang == "vi" else ".,",
        "map": {
            "style": map_style(),
            "center": {"lon": center[0], "lat": center[1]},
            "zoom": zoom,
            "layers": base_layers(base),
            "uirevision": uirevision,
        },
    }
    return {"data": traces, "layout": layout}

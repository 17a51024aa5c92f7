"""The wall's city map: plotly MapLibre traces over the shipped base map; nothing is fetched.

Usage (for layouts/wall.py):

* `city_map(base, state, layers=..., lang=..., center=(lon, lat), zoom=...)` draws everything
  (`mapbase.fit_view(base.city_bounds, w, h)` gives a centre and zoom for a w x h map). Every
  trace is always present, in the order of `TRACE` (key -> index); a layer that is off has its
  traces `visible=False`, so indices never move. A trace's `meta` is its TRACE key and its
  `name` its key text (with "stale"/"dữ liệu cũ" appended when its layer is stale; the key
  itself is drawn beside the map, from `mapkey.map_key`).
* Visibility: `visible_traces(layers, zoom)` is `visible` for every trace in TRACE order. Below
  `LAMP_ZOOM` lighting shows `lighting.cabinets` (one dot per cabinet, sized by its lamps,
  coloured by its share of faulty lamps); from `LAMP_ZOOM` in, the individual `lighting.lamps`.
  Faulty lamps (`lighting.fault_ring` + `lighting.faults`) show at every zoom. Patch
  `data[i].visible` from it when the zoom crosses `LAMP_ZOOM` or a layer is toggled.
* Lamp changes: `lamp_patch_values(lamps, lang, tz)` with the current lamps (MapState.lamps,
  all of them) gives `.updates = {trace index: {attribute path: value}}` for the traces in
  `LAMP_TRACES`: the lamps' switch codes ("marker.color", one uint8 each, a base64 typed
  array; changes when lamps switch) and the fault traces (only the faulty lamps; change when
  a lamp fails or is repaired). Send the entries that differ from those on screen;
  `p.apply(patch)` writes all of them into a `dash.Patch`. No lamp change needs a full
  redraw. Lamps are drawn sorted by id, in the full draw and the patch alike, so the arrays
  line up whatever order the query returns them in.
* Offline: `layout.map.style` is `mapbase.map_style()` (no sources, glyphs or sprite), the base
  map is GeoJSON in `layout.map.layers`, and no trace uses text or symbol markers: MapLibre
  fetches glyphs and sprites for those (plotly.js#7742). Numbers are numpy arrays, so plotly
  sends them as typed arrays (`bdata`).

Colours: congestion uses four bands of the magma scale (perceptually uniform, monotonic in
lightness, legible under the common colour-vision deficiencies): jammed is the saturated dark
end (magenta-red) and drawn widest, free flow the pale end and thinnest, so width repeats the
message for anyone who cannot rely on hue. A faulty lamp is a red ring around a dark centre, a
shape nothing else on the map has; lamps on are warm amber, off dim grey-blue. AQI colours are
the decision's own (dashboard.aqi), on a white ring so maroon and purple show on the dark map.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import tzinfo
from typing import Any, Final

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely

from dashboard.basemap import BaseMap
from dashboard.figures.mapbase import base_layers, map_style
from dashboard.figures.maphover import HOVER, customdata
from dashboard.figures.maplamps import (
    PAIRS_KEY,
    LampPatch,
    cabinet_values,
    fault_patch_values,
    lamp_codes,
    lamp_pairs,
    lamp_patch_values,
    lighting_traces,
)
from dashboard.figures.maplayers import (
    CITY_TZ,
    LAMP_TRACES,
    LAMP_ZOOM,
    LAYER_TRACES,
    LAYERS,
    STALE_COLOUR,
    TRACE,
    TRAFFIC_BANDS,
    MapStateLike,
    air_traces,
    layer_name,
    report_traces,
    visible_traces,
    water_traces,
)
from dashboard.figures.theme import PALETTE

__all__ = [
    "LAMP_TRACES",
    "LAMP_ZOOM",
    "LAYERS",
    "LAYER_TRACES",
    "PAIRS_KEY",
    "TRACE",
    "LampPatch",
    "MapStateLike",
    "cabinet_values",
    "city_map",
    "fault_patch_values",
    "lamp_codes",
    "lamp_pairs",
    "lamp_patch_values",
    "visible_traces",
]

_SIMPLIFY_DEG: Final = 1e-5  # ~1 m


def _traffic(segments: pd.DataFrame, lang: str, tz: tzinfo, stale: bool) -> list[go.Scattermap]:
    band = np.full(len(segments), "nodata", dtype=object)
    if len(segments):
        r = pd.to_numeric(segments["ratio"], errors="coerce").to_numpy(dtype=np.float64)
        band[r >= 0.75] = "free"
        for key, upper, *_ in TRAFFIC_BANDS[2:]:
            band[r < upper] = key
    cd = customdata("traffic", segments, lang, tz) if len(segments) else None
    traces = []
    for key, _, colour, width in TRAFFIC_BANDS:
        lon, lat, rows = _polylines(segments, np.flatnonzero(band == key))
        traces.append(
            go.Scattermap(
                lon=lon,
                lat=lat,
                mode="lines",
                line={"color": STALE_COLOUR if stale else colour, "width": width},
                opacity=0.6 if stale else 1.0,
                customdata=cd[rows] if cd is not None and len(rows) else None,
                hovertemplate=HOVER["traffic"](lang),
                name=layer_name(f"map.traffic.{key}", lang, stale),
                meta=f"traffic.{key}",
                showlegend=key != "nodata",
                legendgroup="traffic",
            )
        )
    return traces


def _polylines(
    segments: pd.DataFrame, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows' lines joined into one array with NaN breaks, and each vertex's row index.

    Lines are simplified to ~1 m first: the hover text rides on every vertex, so vertices a
    screen cannot show would only cost bytes."""
    if not len(rows):
        return np.empty(0), np.empty(0), np.empty(0, dtype=np.int64)
    lons = segments["lons"].to_numpy()[rows]
    lats = segments["lats"].to_numpy()[rows]
    counts = np.fromiter((len(x) for x in lons), dtype=np.int64, count=len(rows))
    flat = np.column_stack([np.concatenate(lons), np.concatenate(lats)]).astype(np.float64)
    lines = shapely.simplify(
        shapely.linestrings(flat, indices=np.repeat(np.arange(len(rows)), counts)), _SIMPLIFY_DEG
    )
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    # A NaN row after each line's last vertex breaks the drawn line between segments.
    ends = np.r_[np.flatnonzero(np.diff(owner)) + 1, len(owner)]
    coords = np.insert(coords, ends, np.nan, axis=0)
    owner = np.insert(owner, ends, owner[ends - 1])
    return coords[:, 0], coords[:, 1], rows[owner]


def city_map(
    base: BaseMap,
    state: MapStateLike,
    *,
    layers: Collection[str],
    lang: str,
    center: tuple[float, float],
    zoom: float,
    tile_url: str | None = None,
    stale: Collection[str] = (),
    tz: tzinfo = CITY_TZ,
    attribution: str = "",
) -> go.Figure:
    """The city map: base layers plus every layer's traces (TRACE order), `center` = (lon, lat).

    Times in hover text are local (`tz`, Asia/Ho_Chi_Minh by default). Layers in `stale` are
    drawn grey with "stale" in their legend names: stale data never looks live."""
    traces = [
        *_traffic(state.segments, lang, tz, "traffic" in stale),
        *lighting_traces(state, lang, tz, "lighting" in stale),
        *water_traces(state.water, lang, tz, "water" in stale),
        *air_traces(state.air, lang, tz, "air" in stale),
        *report_traces(state.reports, lang, tz, "reports" in stale),
    ]
    for trace, visible in zip(traces, visible_traces(layers, zoom), strict=True):
        trace.visible = bool(visible) if trace.visible is not False else False
    fig = go.Figure(data=traces)
    fig.update_layout(_layout(base, center, zoom, tile_url, attribution))
    # Hover numbers formatted in the browser (the cabinets' counts) use the language's marks.
    fig.update_layout(separators=",." if lang == "vi" else ".,")
    return fig


def _layout(
    base: BaseMap, center: tuple[float, float], zoom: float, tile_url: str | None, attribution: str
) -> dict[str, Any]:
    return {
        "template": None,
        "uirevision": "wall",
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "paper_bgcolor": PALETTE["bg"],
        "font": {"color": PALETTE["text"], "size": 16, "family": "Inter, 'Noto Sans', sans-serif"},
        "hoverlabel": {
            "bgcolor": PALETTE["panel_2"],
            "bordercolor": PALETTE["line_strong"],
            "font": {"size": 18, "color": PALETTE["text"]},
        },
        # The key is drawn beside the map, fixed (layouts/wall_parts.map_key, figures.mapkey):
        # plotly's legend drops the entries of empty or hidden traces.
        "showlegend": False,
        "map": {
            "style": map_style(),
            "center": {"lon": center[0], "lat": center[1]},
            "zoom": zoom,
            "layers": base_layers(base, tile_url, attribution),
            "uirevision": "wall",
        },
    }

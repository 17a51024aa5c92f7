"""The wall's city map: plotly MapLibre traces over the shipped base map; nothing is fetched.

Usage (for layouts/wall.py):

* `city_map(base, state, layers=..., lang=..., center=(lon, lat), zoom=...)` draws everything
  (`mapbase.fit_view(base.city_bounds, w, h)` gives a centre and zoom for a w x h map). Every
  trace is always present, in the order of `TRACE` (key -> index); a layer that is off has its
  traces `visible=False`, so indices never move. A trace's `meta` is its TRACE key and its
  `name` its legend text (with "stale"/"dữ liệu cũ" appended when its layer is stale).
* Visibility: `visible_traces(layers, zoom)` is `visible` for every trace in TRACE order. Below
  `LAMP_ZOOM` lighting shows `lighting.cabinets` (one dot per cabinet, sized by its lamps,
  coloured by its share of faulty lamps); from `LAMP_ZOOM` in, the individual `lighting.lamps`.
  Faulty lamps (`lighting.fault_ring` + `lighting.faults`) show at every zoom. Patch
  `data[i].visible` from it when the zoom crosses `LAMP_ZOOM` or a layer is toggled.
* Lamp changes: `lamp_patch_values(lamps, lang)` with the current lamps (MapState.lamps) gives
  `{trace index: {attribute path: value}}`: the lamps' colour codes (one uint8 each, sent as a
  base64 typed array) and the fault traces (only the faulty lamps). `p.apply(patch)` writes them
  into a `dash.Patch` of the figure; nothing else in the figure changes. Lamps are drawn sorted
  by id, in the full draw and in the patch alike, so the arrays line up whatever order the
  query returns.
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
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any, Final, Protocol
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from _plotly_utils.utils import to_typed_array_spec

from dashboard.aqi import band_of
from dashboard.basemap import BaseMap
from dashboard.figures.mapbase import base_layers, map_style
from dashboard.figures.maphover import HOVER, customdata
from dashboard.figures.theme import PALETTE
from dashboard.i18n import t

__all__ = [
    "LAMP_TRACES",
    "LAMP_ZOOM",
    "LAYERS",
    "LAYER_TRACES",
    "TRACE",
    "LampPatch",
    "MapStateLike",
    "city_map",
    "lamp_codes",
    "lamp_patch_values",
    "visible_traces",
]

LAYERS: Final = ("traffic", "lighting", "air", "water", "reports")
LAMP_ZOOM: Final = 14.0  # individual lamps from this zoom in; cabinets below
CITY_TZ: Final = ZoneInfo("Asia/Ho_Chi_Minh")
_SIMPLIFY_DEG: Final = 1e-5  # ~1 m

# (key, ratio upper bound, colour, line width); ratio = speed / free-flow speed.
TRAFFIC_BANDS: Final = (
    ("nodata", None, "#55606e", 2.0),
    ("free", None, "#fcd9a8", 2.5),  # >= 0.75: magma's pale end, recedes
    ("slow", 0.75, "#fc8961", 4.0),
    ("heavy", 0.5, "#e14d66", 5.5),
    ("jammed", 0.25, "#b5367a", 7.5),  # < 0.25: magma's saturated end, widest
)
LAMP_COLOURS: Final = ("#56627a", "#ffc533", "#0b1016", "#2a313c")  # off, on, faulty, unknown
STALE_LAMPS: Final = ("#3b424d", "#8a929e", "#0b1016", "#2a313c")
LAMP_SIZE, FAULT_SIZE, RING_SIZE = 7, 8, 17
FAULT_RING: Final = "#ff3b3b"
CABINET_SCALE: Final = [
    [0.0, "#8696ad"],
    [0.34, "#8696ad"],
    [0.67, PALETTE["warn"]],
    [1.0, FAULT_RING],
]
CABINET_BAD_SHARE: Final = 0.3  # a cabinet with this share of faulty lamps is full red
STALE_COLOUR: Final = "#6b7482"
WATER_COLOURS: Final = {"normal": "#9fdcff", "alert": PALETTE["warn"], "flood": PALETTE["bad"]}
WATER_RING: Final = "#1e8fe0"
REPORT_COLOUR, OVERDUE_RING = "#b99cff", PALETTE["warn"]
HALO: Final = "#f4f7fb"

TRACE: Final[dict[str, int]] = {
    name: i
    for i, name in enumerate(
        [f"traffic.{b[0]}" for b in TRAFFIC_BANDS]
        + [
            "lighting.cabinets",
            "lighting.lamps",
            "lighting.key_on",
            "lighting.key_off",
            "lighting.fault_ring",
            "lighting.faults",
            "water.halo",
            "water.gauges",
            "air.halo",
            "air.stations",
            "reports.open",
            "reports.overdue_ring",
            "reports.overdue",
        ]
    )
}
# The traces `lamp_patch_values` updates; everything else is unchanged by lamp changes.
LAMP_TRACES: Final = ("lighting.lamps", "lighting.fault_ring", "lighting.faults")
LAYER_TRACES: Final[dict[str, tuple[int, ...]]] = {
    layer: tuple(i for name, i in TRACE.items() if name.startswith(f"{layer}.")) for layer in LAYERS
}


class MapStateLike(Protocol):
    """The frames of `dashboard.queries.wall.MapState` (figures never import queries)."""

    @property
    def segments(self) -> pd.DataFrame: ...
    @property
    def lamps(self) -> pd.DataFrame: ...
    @property
    def cabinets(self) -> pd.DataFrame: ...
    @property
    def air(self) -> pd.DataFrame: ...
    @property
    def water(self) -> pd.DataFrame: ...
    @property
    def reports(self) -> pd.DataFrame: ...


def visible_traces(layers: Collection[str], zoom: float) -> list[bool]:
    """`visible` of every trace, in TRACE order, for the chosen layers at `zoom`."""
    lamps = zoom >= LAMP_ZOOM
    out = []
    for name in TRACE:
        on = name.split(".", 1)[0] in layers
        if name == "lighting.cabinets":
            on = on and not lamps
        elif name in ("lighting.lamps", "lighting.key_on", "lighting.key_off"):
            on = on and lamps
        out.append(on)
    return out


def _name(key: str, lang: str, stale: bool) -> str:
    text = t(key, lang)
    return f"{text} — {t('map.stale', lang)}" if stale else text


def _coords(frame: pd.DataFrame, column: str, dtype: type = np.float64) -> np.ndarray:
    return frame[column].to_numpy(dtype=dtype) if len(frame) else np.empty(0, dtype=dtype)


def _points(
    key: str, frame: pd.DataFrame, *, colour: Any, size: Any, name: str = "", **extra: Any
) -> go.Scattermap:
    if not name:  # a ring under a layer's dots: no legend, no hover of its own
        extra = {"hoverinfo": "skip", "showlegend": False, **extra}
    return go.Scattermap(
        lon=_coords(frame, "lon"),
        lat=_coords(frame, "lat"),
        mode="markers",
        marker={"color": colour, "size": size},
        name=name,
        meta=key,
        **extra,
    )


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
                name=_name(f"map.traffic.{key}", lang, stale),
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


def lamp_codes(lamps: pd.DataFrame) -> np.ndarray:
    """Lamp state codes (uint8): 0 off, 1 on, 2 faulty, 3 unknown; the lamps trace's colours."""
    on = pd.to_numeric(lamps["on"], errors="coerce").to_numpy(dtype=np.float64)
    fault = pd.to_numeric(lamps["fault"], errors="coerce").to_numpy(dtype=np.float64)
    codes = np.where(on >= 0.5, 1, 0).astype(np.uint8)
    codes[np.isnan(on)] = 3
    codes[fault >= 0.5] = 2
    return codes


def _by_id(lamps: pd.DataFrame) -> pd.DataFrame:
    return lamps.sort_values("id", kind="stable", ignore_index=True) if len(lamps) else lamps


def _lamp_marker(codes: np.ndarray, stale: bool) -> dict[str, Any]:
    """Colour by state code through a step scale: code k is flat colour k (cmin/cmax centre it)."""
    colours = STALE_LAMPS if stale else LAMP_COLOURS
    edges = (0, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1)
    scale = [[edge, colours[i // 2]] for i, edge in enumerate(edges)]
    return {"color": codes, "size": LAMP_SIZE, "colorscale": scale, "cmin": -0.5, "cmax": 3.5}


def _lighting(state: MapStateLike, lang: str, tz: tzinfo, stale: bool) -> list[go.Scattermap]:
    cab, lamps = state.cabinets, _by_id(state.lamps)
    count = _coords(cab, "lamps")
    share = np.divide(
        _coords(cab, "lamps_faulty"), count, out=np.zeros_like(count), where=count > 0
    )
    codes = lamp_codes(lamps) if len(lamps) else np.empty(0, dtype=np.uint8)
    cabinets = _points(
        "lighting.cabinets",
        cab,
        colour=STALE_COLOUR if stale else share,
        size=np.clip(8 + 2.2 * np.sqrt(count), 8, 34),
        name=_name("map.cabinets", lang, stale),
        customdata=customdata("cabinets", cab, lang, tz) if len(cab) else None,
        hovertemplate=HOVER["cabinets"](lang),
        legendgroup="lighting",
    ).update(marker={"colorscale": CABINET_SCALE, "cmin": 0, "cmax": CABINET_BAD_SHARE})
    lamp_trace = go.Scattermap(
        lon=_coords(lamps, "lon", np.float32),
        lat=_coords(lamps, "lat", np.float32),
        mode="markers",
        marker=_lamp_marker(codes, stale),
        customdata=customdata("lamps", lamps, lang, tz) if len(lamps) else None,
        hovertemplate=HOVER["lamps"](lang),
        name=_name("map.lamps", lang, stale),
        meta="lighting.lamps",
        showlegend=False,
        legendgroup="lighting",
    )
    colours = STALE_LAMPS if stale else LAMP_COLOURS
    # Legend entries for the lamp colours (the lamps trace has one colour per lamp): a single
    # point with no position, which MapLibre does not draw but the legend lists.
    keys = [
        go.Scattermap(
            lon=np.array([np.nan]),
            lat=np.array([np.nan]),
            mode="markers",
            marker={"color": colours[c], "size": LAMP_SIZE},
            name=_name(f"map.lamp.{s}", lang, stale),
            meta=f"lighting.key_{s}",
            hoverinfo="skip",
            legendgroup="lighting",
        )
        for s, c in (("on", 1), ("off", 0))
    ]
    return [cabinets, lamp_trace, *keys, *_fault_traces(lamps, codes, lang, tz, stale)]


def _fault_traces(
    lamps: pd.DataFrame, codes: np.ndarray, lang: str, tz: tzinfo, stale: bool
) -> list[go.Scattermap]:
    faulty = lamps.iloc[np.flatnonzero(codes == 2)] if len(lamps) else lamps
    ring = _points(
        "lighting.fault_ring",
        faulty,
        colour=STALE_COLOUR if stale else FAULT_RING,
        size=RING_SIZE,
        name=_name("map.lamp.fault", lang, stale),
        hoverinfo="skip",
        legendgroup="lighting",
    )
    centre = _points(
        "lighting.faults",
        faulty,
        colour=LAMP_COLOURS[2],
        size=FAULT_SIZE,
        name=_name("map.lamp.fault", lang, stale),
        customdata=customdata("faults", faulty, lang, tz) if len(faulty) else None,
        hovertemplate=HOVER["faults"](lang),
        showlegend=False,
        legendgroup="lighting",
    )
    return [ring, centre]


@dataclass(frozen=True, slots=True)
class LampPatch:
    """Trace updates for lamp changes: `{trace index: {"marker.color": ..., "lon": ...}}`."""

    updates: dict[int, dict[str, Any]]
    faulty: int

    def apply(self, patch: Any) -> None:
        """Write the updates into a `dash.Patch` of the figure (`patch["data"][i][...] = v`)."""
        for index, values in self.updates.items():
            for path, value in values.items():
                node = patch["data"][index]
                *parents, leaf = path.split(".")
                for part in parents:
                    node = node[part]
                node[leaf] = value


def lamp_patch_values(lamps: pd.DataFrame, lang: str = "vi", tz: tzinfo = CITY_TZ) -> LampPatch:
    """What changes in the figure when lamps change: colour codes of every lamp (a base64
    uint8 array, ~1.4 bytes a lamp on the wire) and the faulty lamps' ring and hover.

    `lamps` is the current MapState.lamps, the same lamps as the full draw (sorted here by id,
    as `city_map` does)."""
    lamps = _by_id(lamps)
    codes = lamp_codes(lamps) if len(lamps) else np.empty(0, dtype=np.uint8)
    ring, centre = (tr.to_plotly_json() for tr in _fault_traces(lamps, codes, lang, tz, False))
    spec = to_typed_array_spec
    updates = {
        TRACE["lighting.lamps"]: {"marker.color": spec(codes)},
        TRACE["lighting.fault_ring"]: {"lon": spec(ring["lon"]), "lat": spec(ring["lat"])},
        TRACE["lighting.faults"]: {
            "lon": spec(centre["lon"]),
            "lat": spec(centre["lat"]),
            "customdata": centre.get("customdata", []),
        },
    }
    return LampPatch(updates=updates, faulty=int((codes == 2).sum()))


def _ring(stale: bool) -> str:
    return "#3a4350" if stale else HALO


def _water(water: pd.DataFrame, lang: str, tz: tzinfo, stale: bool) -> list[go.Scattermap]:
    status = _water_status(water)
    return [
        # A blue ring says "water" whatever the level's colour inside it.
        _points("water.halo", water, colour="#3a4350" if stale else WATER_RING, size=24),
        _points(
            "water.gauges",
            water,
            colour=[STALE_COLOUR if stale else WATER_COLOURS[s] for s in status],
            size=16,
            name=_name("map.water", lang, stale),
            customdata=customdata("water", water, lang, tz, status=status) if len(water) else None,
            hovertemplate=HOVER["water"](lang),
        ),
    ]


def _water_status(water: pd.DataFrame) -> list[str]:
    """ "normal", "alert" (at or above the alert stage) or "flood" (at or above flood stage)."""
    if not len(water):
        return []
    level = pd.to_numeric(water["level_cm"], errors="coerce").to_numpy(np.float64)
    alert = pd.to_numeric(water["alert_stage_cm"], errors="coerce").to_numpy(np.float64)
    flood = pd.to_numeric(water["flood_stage_cm"], errors="coerce").to_numpy(np.float64)
    out = np.full(len(water), "normal", dtype=object)
    out[level >= alert] = "alert"
    out[level >= flood] = "flood"
    return [str(s) for s in out]


def _air(air: pd.DataFrame, lang: str, tz: tzinfo, stale: bool) -> list[go.Scattermap]:
    colours = []
    for aqi in pd.to_numeric(air["aqi"], errors="coerce") if len(air) else []:
        band = band_of(round(aqi)) if pd.notna(aqi) else None
        colours.append(STALE_COLOUR if stale or band is None else band.colour)
    return [
        _points("air.halo", air, colour=_ring(stale), size=27),
        _points(
            "air.stations",
            air,
            colour=colours,
            size=21,
            name=_name("map.air", lang, stale),
            customdata=customdata("air", air, lang, tz) if len(air) else None,
            hovertemplate=HOVER["air"](lang),
        ),
    ]


def _reports(reports: pd.DataFrame, lang: str, tz: tzinfo, stale: bool) -> list[go.Scattermap]:
    late_mask = reports["overdue"].fillna(False).to_numpy(dtype=bool) if len(reports) else []
    late, ok = reports[late_mask], reports[~np.asarray(late_mask, dtype=bool)]
    colour = STALE_COLOUR if stale else REPORT_COLOUR
    common = {"hovertemplate": HOVER["reports"](lang), "legendgroup": "reports"}
    return [
        _points(
            "reports.open",
            ok,
            colour=colour,
            size=10,
            name=_name("map.reports", lang, stale),
            customdata=customdata("reports", ok, lang, tz) if len(ok) else None,
            **common,
        ),
        _points(
            "reports.overdue_ring",
            late,
            colour="#3a4350" if stale else OVERDUE_RING,
            size=20,
            name=_name("map.reports.overdue", lang, stale),
            hoverinfo="skip",
            legendgroup="reports",
        ),
        _points(
            "reports.overdue",
            late,
            colour=colour,
            size=12,
            name=_name("map.reports.overdue", lang, stale),
            customdata=customdata("reports", late, lang, tz) if len(late) else None,
            showlegend=False,
            **common,
        ),
    ]


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
        *_lighting(state, lang, tz, "lighting" in stale),
        *_water(state.water, lang, tz, "water" in stale),
        *_air(state.air, lang, tz, "air" in stale),
        *_reports(state.reports, lang, tz, "reports" in stale),
    ]
    for trace, visible in zip(traces, visible_traces(layers, zoom), strict=True):
        trace.visible = bool(visible) if trace.visible is not False else False
    fig = go.Figure(data=traces)
    fig.update_layout(_layout(base, center, zoom, tile_url, attribution))
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
        "legend": {
            "x": 0.005,
            "y": 0.995,
            "xanchor": "left",
            "yanchor": "top",
            "bgcolor": "rgba(11,16,22,0.82)",
            "bordercolor": PALETTE["line_strong"],
            "borderwidth": 1,
            "font": {"size": 18},
            "itemsizing": "constant",
        },
        "map": {
            "style": map_style(),
            "center": {"lon": center[0], "lat": center[1]},
            "zoom": zoom,
            "layers": base_layers(base, tile_url, attribution),
            "uirevision": "wall",
        },
    }

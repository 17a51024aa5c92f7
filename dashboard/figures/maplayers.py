"""The city map's shared vocabulary: layers, the trace order, colours, and the point layers.

`TRACE` fixes the index of every trace of `citymap.city_map`; the builders here and in
maplamps.py each return their traces in that order. Water gauges, air stations and reports
are drawn here (small layers of labelled points on rings); traffic and lighting have modules of
their own. Pure: frames in, plotly traces out.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import tzinfo
from typing import Any, Final, Protocol
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.aqi import band_of
from dashboard.figures.arrays import typed_array
from dashboard.figures.maphover import HOVER, customdata
from dashboard.figures.theme import PALETTE
from dashboard.i18n import t

__all__ = [
    "CITY_TZ",
    "HALO",
    "LAMP_TRACES",
    "LAMP_ZOOM",
    "LAYERS",
    "LAYER_TRACES",
    "OVERDUE_RING",
    "REPORT_COLOUR",
    "STALE_COLOUR",
    "TRACE",
    "TRAFFIC_BANDS",
    "WATER_COLOURS",
    "WATER_RING",
    "MapStateLike",
    "air_traces",
    "coords",
    "layer_name",
    "points",
    "report_traces",
    "typed_array",
    "visible_traces",
    "water_traces",
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
STALE_COLOUR: Final = "#6b7482"
WATER_COLOURS: Final = {"normal": "#9fdcff", "alert": PALETTE["warn"], "flood": PALETTE["bad"]}
WATER_RING: Final = "#1e8fe0"
# Overdue reports ring in pink: no VN_AQI band nor any other layer uses it (an orange ring
# read as an air station of band "poor").
REPORT_COLOUR, OVERDUE_RING = "#b99cff", "#ff5fd2"
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


def layer_name(key: str, lang: str, stale: bool) -> str:
    text = t(key, lang)
    return f"{text} — {t('map.stale', lang)}" if stale else text


def coords(frame: pd.DataFrame, column: str, dtype: type = np.float64) -> np.ndarray:
    return frame[column].to_numpy(dtype=dtype) if len(frame) else np.empty(0, dtype=dtype)


def points(
    key: str, frame: pd.DataFrame, *, colour: Any, size: Any, name: str = "", **extra: Any
) -> go.Scattermap:
    if not name:  # a ring under a layer's dots: no legend, no hover of its own
        extra = {"hoverinfo": "skip", "showlegend": False, **extra}
    return go.Scattermap(
        lon=coords(frame, "lon"),
        lat=coords(frame, "lat"),
        mode="markers",
        marker={"color": colour, "size": size},
        name=name,
        meta=key,
        **extra,
    )


def _ring(stale: bool) -> str:
    return "#3a4350" if stale else HALO


def water_traces(water: pd.DataFrame, lang: str, tz: tzinfo, stale: bool) -> list[go.Scattermap]:
    status = _water_status(water)
    return [
        # A blue ring says "water" whatever the level's colour inside it.
        points("water.halo", water, colour="#3a4350" if stale else WATER_RING, size=24),
        points(
            "water.gauges",
            water,
            colour=[STALE_COLOUR if stale else WATER_COLOURS[s] for s in status],
            size=16,
            name=layer_name("map.water", lang, stale),
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


def air_traces(air: pd.DataFrame, lang: str, tz: tzinfo, stale: bool) -> list[go.Scattermap]:
    colours = []
    for aqi in pd.to_numeric(air["aqi"], errors="coerce") if len(air) else []:
        band = band_of(round(aqi)) if pd.notna(aqi) else None
        colours.append(STALE_COLOUR if stale or band is None else band.colour)
    return [
        points("air.halo", air, colour=_ring(stale), size=27),
        points(
            "air.stations",
            air,
            colour=colours,
            size=21,
            name=layer_name("map.air", lang, stale),
            customdata=customdata("air", air, lang, tz) if len(air) else None,
            hovertemplate=HOVER["air"](lang),
        ),
    ]


def report_traces(reports: pd.DataFrame, lang: str, tz: tzinfo, stale: bool) -> list[go.Scattermap]:
    late_mask = reports["overdue"].fillna(False).to_numpy(dtype=bool) if len(reports) else []
    late, ok = reports[late_mask], reports[~np.asarray(late_mask, dtype=bool)]
    colour = STALE_COLOUR if stale else REPORT_COLOUR
    common = {"hovertemplate": HOVER["reports"](lang), "legendgroup": "reports"}
    return [
        points(
            "reports.open",
            ok,
            colour=colour,
            size=10,
            name=layer_name("map.reports", lang, stale),
            customdata=customdata("reports", ok, lang, tz) if len(ok) else None,
            **common,
        ),
        points(
            "reports.overdue_ring",
            late,
            colour="#3a4350" if stale else OVERDUE_RING,
            size=20,
            name=layer_name("map.reports.overdue", lang, stale),
            hoverinfo="skip",
            legendgroup="reports",
        ),
        points(
            "reports.overdue",
            late,
            colour=colour,
            size=12,
            name=layer_name("map.reports.overdue", lang, stale),
            customdata=customdata("reports", late, lang, tz) if len(late) else None,
            showlegend=False,
            **common,
        ),
    ]

"""Street lights on the city map: cabinets at city zoom, lamps close up, faults always, and
the patch that updates them without redrawing the map.

A lamp's switch state is one uint8 code (`lamp_codes`) in a colour-scaled marker array, so
thousands of lamps cost ~1.4 bytes each on the wire and a refresh re-sends that one array when
lamps switch. Faults are separate small traces over the lamps (a red ring round a dark centre),
re-sent when a lamp fails or is repaired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any, Final

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.maphover import HOVER, customdata
from dashboard.figures.maplayers import (
    CITY_TZ,
    STALE_COLOUR,
    TRACE,
    MapStateLike,
    coords,
    layer_name,
    points,
    typed_array,
)
from dashboard.figures.theme import PALETTE
from dashboard.i18n import t

__all__ = [
    "CABINET_SCALE",
    "FAULT_CENTRE",
    "FAULT_RING",
    "LAMP_COLOURS",
    "PAIRS_KEY",
    "LampPatch",
    "cabinet_values",
    "fault_patch_values",
    "lamp_codes",
    "lamp_pairs",
    "lamp_patch_values",
    "lighting_traces",
]

# A lamps-trace colour value that assets/wall.js expands in the browser: only the changed
# lamps' (index, code) pairs travel, a few bytes each instead of the whole code array.
PAIRS_KEY: Final = "cityops_pairs"

LAMP_COLOURS: Final = ("#56627a", "#ffc533", "#2a313c")  # by lamp_codes: off, on, unknown
STALE_LAMPS: Final = ("#3b424d", "#8a929e", "#2a313c")
FAULT_CENTRE: Final = "#0b1016"
LAMP_SIZE, FAULT_SIZE, RING_SIZE = 7, 8, 17
FAULT_RING: Final = "#ff3b3b"
CABINET_SCALE: Final = [
    [0.0, "#8696ad"],
    [0.34, "#8696ad"],
    [0.67, PALETTE["warn"]],
    [1.0, FAULT_RING],
]
CABINET_BAD_SHARE: Final = 0.3  # a cabinet with this share of faulty lamps is full red


def lamp_codes(lamps: pd.DataFrame) -> np.ndarray:
    """Switch state codes (uint8): 0 off, 1 on, 2 unknown; the lamps trace's colours.

    Faults are the fault traces drawn over the lamp, and a faulty lamp is coded "on" under
    its marker: lamps fail at night, when they are on, so a failure changes only the small
    fault traces and this array changes when lamps switch (dusk, dawn)."""
    on = pd.to_numeric(lamps["on"], errors="coerce").to_numpy(dtype=np.float64)
    fault = pd.to_numeric(lamps["fault"], errors="coerce").to_numpy(dtype=np.float64)
    codes = np.where(on >= 0.5, 1, 0).astype(np.uint8)
    codes[np.isnan(on)] = 2
    codes[fault >= 0.5] = 1
    return codes


def _faulty(lamps: pd.DataFrame) -> pd.DataFrame:
    if not len(lamps):
        return lamps
    fault = pd.to_numeric(lamps["fault"], errors="coerce").to_numpy(dtype=np.float64)
    return lamps.iloc[np.flatnonzero(fault >= 0.5)]


def _by_id(lamps: pd.DataFrame) -> pd.DataFrame:
    # The store hands them out ordered by id already (SQLite's binary collation): then the
    # frame is its own sorted copy (figures never change a frame they are given).
    if not len(lamps):
        return lamps
    index = lamps.index
    plain = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
    if plain and lamps["id"].is_monotonic_increasing:
        return lamps
    return lamps.sort_values("id", kind="stable", ignore_index=True)


def _lamp_marker(codes: np.ndarray, stale: bool) -> dict[str, Any]:
    """Colour by state code through a step scale: code k is flat colour k (cmin/cmax centre it)."""
    colours = STALE_LAMPS if stale else LAMP_COLOURS
    edges = (0, 1 / 3, 1 / 3, 2 / 3, 2 / 3, 1)
    scale = [[edge, colours[i // 2]] for i, edge in enumerate(edges)]
    return {"color": codes, "size": LAMP_SIZE, "colorscale": scale, "cmin": -0.5, "cmax": 2.5}


def cabinet_values(cabinets: pd.DataFrame) -> dict[str, Any]:
    """What a lamp change alters on the cabinets trace, as small typed arrays: "marker.color"
    (each cabinet's share of faulty lamps, float32) and "customdata" (lamps, on, faulty per
    cabinet, uint16 rows). Names and wards ride in `text`/`hovertext`, which never change,
    so a refresh re-sends these two arrays (~1.6 kB for 120 cabinets), never hover rows."""
    count = coords(cabinets, "lamps")
    faulty = coords(cabinets, "lamps_faulty")
    share = np.divide(faulty, count, out=np.zeros_like(count), where=count > 0)
    cols = [coords(cabinets, c) for c in ("lamps", "lamps_on", "lamps_faulty")]
    top = np.iinfo(np.uint32).max
    dtype = np.uint16 if max((c.max() for c in cols if len(c)), default=0) < 65536 else np.uint32
    rows = np.clip(np.column_stack(cols) if len(cabinets) else np.empty((0, 3)), 0, top)
    return {
        "marker.color": typed_array(share.astype(np.float32)),
        "customdata": typed_array(np.ascontiguousarray(rows.astype(dtype))),
    }


def _cabinet_hover(lang: str, stale: bool) -> str:
    """The cabinets' hover: name (text), counts (customdata), share (the colour), ward."""
    share = "" if stale else " (%{marker.color:.1%})"
    return (
        f"<b>{t('map.h.cabinet', lang)} %{{text}}</b><br>"
        f"{t('map.h.lamps', lang)}: %{{customdata[0]:,}} · {t('map.h.on', lang)} "
        f"%{{customdata[1]:,}} · {t('map.h.faulty', lang)} <b>%{{customdata[2]:,}}</b>{share}<br>"
        "%{hovertext}<extra></extra>"
    )


def lighting_traces(state: MapStateLike, lang: str, tz: tzinfo, stale: bool) -> list[go.Scattermap]:
    cab, lamps = state.cabinets, _by_id(state.lamps)
    count = coords(cab, "lamps")
    values = cabinet_values(cab)
    codes = lamp_codes(lamps) if len(lamps) else np.empty(0, dtype=np.uint8)
    named = cab["name"] if "name" in cab else cab["id"]
    cabinets = points(
        "lighting.cabinets",
        cab,
        colour=STALE_COLOUR if stale else values["marker.color"],
        size=np.clip(8 + 2.2 * np.sqrt(count), 8, 34),
        name=layer_name("map.cabinets", lang, stale),
        customdata=values["customdata"] if len(cab) else None,
        text=named.astype(object).where(named.notna(), "—").to_numpy(dtype=object),
        hovertext=cab["ward"].astype(object).where(cab["ward"].notna(), "—").to_numpy(dtype=object),
        hovertemplate=_cabinet_hover(lang, stale),
        legendgroup="lighting",
    ).update(marker={"colorscale": CABINET_SCALE, "cmin": 0, "cmax": CABINET_BAD_SHARE})
    lamp_trace = go.Scattermap(
        lon=coords(lamps, "lon", np.float32),
        lat=coords(lamps, "lat", np.float32),
        mode="markers",
        marker=_lamp_marker(codes, stale),
        customdata=customdata("lamps", lamps, lang, tz) if len(lamps) else None,
        hovertemplate=HOVER["lamps"](lang),
        name=layer_name("map.lamps", lang, stale),
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
            name=layer_name(f"map.lamp.{s}", lang, stale),
            meta=f"lighting.key_{s}",
            hoverinfo="skip",
            legendgroup="lighting",
        )
        for s, c in (("on", 1), ("off", 0))
    ]
    return [cabinets, lamp_trace, *keys, *_fault_traces(lamps, lang, tz, stale)]


def _fault_traces(lamps: pd.DataFrame, lang: str, tz: tzinfo, stale: bool) -> list[go.Scattermap]:
    faulty = _faulty(lamps)
    ring = points(
        "lighting.fault_ring",
        faulty,
        colour=STALE_COLOUR if stale else FAULT_RING,
        size=RING_SIZE,
        name=layer_name("map.lamp.fault", lang, stale),
        hoverinfo="skip",
        legendgroup="lighting",
    )
    centre = points(
        "lighting.faults",
        faulty,
        colour=FAULT_CENTRE,
        size=FAULT_SIZE,
        name=layer_name("map.lamp.fault", lang, stale),
        customdata=customdata("faults", faulty, lang, tz) if len(faulty) else None,
        hovertemplate=HOVER["faults"](lang),
        showlegend=False,
        legendgroup="lighting",
    )
    for trace in (ring, centre):  # positions as float32, like the lamps': half the bytes
        trace.update(lon=coords(faulty, "lon", np.float32), lat=coords(faulty, "lat", np.float32))
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


def fault_patch_values(
    lamps: pd.DataFrame, lang: str = "vi", tz: tzinfo = CITY_TZ
) -> dict[int, dict[str, Any]]:
    """The fault traces' values as `_fault_traces` puts them in the figure (float32 positions,
    the hover rows), without building the traces: `{trace index: {"lon": ..., ...}}`.
    `lamps`: the current MapState.lamps (any order)."""
    faulty = _faulty(_by_id(lamps))
    spec = typed_array
    hover = customdata("faults", faulty, lang, tz).tolist() if len(faulty) else []

    def where() -> dict[str, Any]:
        return {c: spec(coords(faulty, c, np.float32)) for c in ("lon", "lat")}

    return {
        TRACE["lighting.fault_ring"]: where(),
        TRACE["lighting.faults"]: {**where(), "customdata": hover},
    }


def lamp_patch_values(lamps: pd.DataFrame, lang: str = "vi", tz: tzinfo = CITY_TZ) -> LampPatch:
    """The lamp traces' new values: every lamp's switch code (a base64 uint8 array, ~1.4
    bytes a lamp on the wire) and the faulty lamps' rings and hover (fault_patch_values).

    `lamps` is the current MapState.lamps, the same lamps as the full draw (sorted here by id,
    as `city_map` does). Send only the entries that differ from those on screen: the codes
    change when lamps switch (dusk, dawn), the fault traces when a lamp fails or is repaired."""
    lamps = _by_id(lamps)
    codes = lamp_codes(lamps) if len(lamps) else np.empty(0, dtype=np.uint8)
    updates = {
        TRACE["lighting.lamps"]: {"marker.color": typed_array(codes)},
        **fault_patch_values(lamps, lang, tz),
    }
    return LampPatch(updates=updates, faulty=len(_faulty(lamps)))


def lamp_pairs(lamps: pd.DataFrame, changed: pd.DataFrame) -> dict[str, Any]:
    """The changed lamps' switch codes as (index, code) pairs for the lamps trace's
    "marker.color": `{PAIRS_KEY: {"index": typed uint16/32, "code": typed uint8}, "n": lamps}`.

    `lamps` are all the lamps (MapState.lamps: the trace holds them sorted by id), `changed`
    some of them (lamp_changes). assets/wall.js writes the codes into the array on screen and
    hands Dash the whole array, so the figure it keeps stays a plain typed array; `n` lets
    it refuse pairs meant for another array (it then asks for a whole map)."""
    ids = _by_id(lamps)["id"].to_numpy(dtype=object) if len(lamps) else np.empty(0, dtype=object)
    mine = changed[changed["id"].isin(ids)] if len(changed) else changed
    index = np.searchsorted(ids, mine["id"].to_numpy(dtype=object)) if len(mine) else []
    dtype = np.uint16 if len(ids) <= 65536 else np.uint32
    codes = lamp_codes(mine) if len(mine) else np.empty(0, dtype=np.uint8)
    return {
        PAIRS_KEY: {
            "index": typed_array(np.asarray(index, dtype=dtype)),
            "code": typed_array(codes.astype(np.uint8)),
        },
        "n": len(ids),
    }

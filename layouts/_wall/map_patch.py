"""The wall's map on each refresh: the whole figure once, then only what changed.

The map is drawn whole when the page has none, or when a layer turns stale or fresh (which
changes how it is drawn). Otherwise the refresh sends a `Patch`: the lighting traces when
`lamp_changes` reports changed lamps (colour codes and fault marks through
`citymap.lamp_patch_values`, the changed lamps' cabinets row by row), and any other trace
attribute whose digest differs from the one the browser holds. A quiet refresh, whose input
frames equal those the browser's map was drawn from, builds no figure at all.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pandas as pd
from dash import Patch, no_update
from plotly.io.json import to_json_plotly

from dashboard.basemap import ROAD_CLASSES, BaseMap
from dashboard.config import Config
from dashboard.figures import citymap
from dashboard.queries import wall as q

if TYPE_CHECKING:
    from layouts._wall.refresh import RefreshRequest

__all__ = ["PATCHED_TRACES", "MapOutput", "digest", "map_output"]

# The lighting traces change only when `lamp_changes` reports changed lamps: the lamps' colour
# codes and fault marks through `citymap.lamp_patch_values`, and the changed lamps' cabinets
# row by row. Every other trace is compared attribute by attribute with what the browser has.
_LAMP_TRACES = ("lighting.lamps", "lighting.fault_ring", "lighting.faults", "lighting.cabinets")
PATCHED_TRACES: tuple[int, ...] = tuple(
    i for name, i in citymap.TRACE.items() if name not in _LAMP_TRACES
)
_TRACE_KEYS = ("lon", "lat", "marker", "line", "customdata", "name", "opacity")
_EMPTY = {"type": "FeatureCollection", "features": []}


def _no_base(config: Config) -> BaseMap:
    # The base map is drawn once with the whole figure; a refresh's traces need none of it.
    streets = {c: _EMPTY for c in ROAD_CLASSES}
    base = BaseMap.load(config)
    return replace(base, land=_EMPTY, wards=_EMPTY, zones=_EMPTY, streets=streets, canals=_EMPTY)


def digest(value: Any) -> str:
    """A short digest of `value` as plotly would send it (what the browser holds)."""
    return hashlib.blake2b(to_json_plotly(value).encode(), digest_size=8).hexdigest()


def _map_parts(figure: dict[str, Any], lamps: Any) -> dict[str, Any]:
    """ "index.attribute path" -> value of everything a refresh may patch: the attributes of
    the patched traces, and the lamp traces' values from `lamp_patch_values`."""
    data = figure["data"]
    parts = {f"{i}.{k}": data[i][k] for i in PATCHED_TRACES for k in _TRACE_KEYS if k in data[i]}
    for index, values in lamps.updates.items() if lamps is not None else ():
        parts.update({f"{index}.{path}": value for path, value in values.items()})
    return parts


def _assign(patch: Patch, key: str, value: Any) -> None:
    index, *parents, leaf = key.split(".")
    node = patch["data"][int(index)]
    for part in parents:
        node = node[part]
    node[leaf] = value


def _patch_cabinets(
    patch: Patch, figure: dict[str, Any], cabinets: pd.DataFrame, changed: pd.DataFrame
) -> None:
    """The cabinets of the changed lamps: every cabinet's colour (one small typed array) and
    the hover rows of the changed ones only."""
    index = citymap.TRACE["lighting.cabinets"]
    trace = figure["data"][index]
    patch["data"][index]["marker"]["color"] = trace["marker"]["color"]
    rows = trace.get("customdata")
    if rows is None:
        return
    position = {cabinet: k for k, cabinet in enumerate(cabinets["id"])}
    for cabinet in sorted(set(changed["cabinet"].dropna())):
        k = position.get(cabinet)
        if k is not None and k < len(rows):
            row = rows[k]
            patch["data"][index]["customdata"][k] = row.tolist() if hasattr(row, "tolist") else row


@dataclass(frozen=True, slots=True)
class MapOutput:
    figure: Any  # a whole figure, a Patch, or no_update
    held: dict[str, Any]  # what the browser keeps: data version, stale layers, digests
    full: bool


def map_output(
    read: q.MapRead,
    changed: pd.DataFrame | None,
    request: RefreshRequest,
    config: Config,
    stale_layers: tuple[str, ...],
) -> MapOutput:
    """The whole map when none is on screen or its stale layers changed; else a Patch of the
    attributes that changed since the browser's version (often nothing at all)."""
    draw = dict(
        layers=request.layers,
        lang=request.lang,
        center=request.center,
        zoom=request.zoom,
        tile_url=config.map.tile_url,
        attribution=config.map.tile_attribution,
        stale=stale_layers,
        tz=config.city.tz,
    )
    # What the non-lamp traces are drawn from: when it is what the browser's map was drawn
    # from and no lamp changed, nothing needs building at all (the common, quiet refresh).
    inputs = read.inputs
    held = {"v": read.version, "stale": list(stale_layers), "in": inputs}
    full = changed is None or stale_layers != request.stale_drawn
    quiet = changed is not None and not len(changed)
    if not full and quiet and request.held.get("in") == inputs:
        return MapOutput(no_update, {**held, "h": request.digests}, False)
    state = read.state()
    lamps = (
        citymap.lamp_patch_values(state.lamps, request.lang, config.city.tz)
        if full or (changed is not None and len(changed))
        else None
    )
    if full:
        figure = citymap.city_map(BaseMap.load(config), state, **draw).to_plotly_json()
        digests = {k: digest(v) for k, v in _map_parts(figure, lamps).items()}
        return MapOutput(figure, {**held, "h": digests}, True)
    assert changed is not None
    small = replace(state, lamps=state.lamps.iloc[:0])  # type: ignore[type-var]
    figure = citymap.city_map(_no_base(config), small, **draw).to_plotly_json()
    patch, digests = Patch(), dict(request.digests)
    sent = False
    for key, value in _map_parts(figure, lamps).items():
        now_digest = digest(value)
        if digests.get(key) != now_digest:
            _assign(patch, key, value)
            digests[key], sent = now_digest, True
    if len(changed):
        _patch_cabinets(patch, figure, state.cabinets, changed)
        sent = True
    return MapOutput(patch if sent else no_update, {**held, "h": digests}, False)

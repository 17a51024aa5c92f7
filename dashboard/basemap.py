"""The wall's offline base map: land, wards, zones, streets and canals as GeoJSON, from assets/geo.

Nothing is fetched: every layer is a file shipped in the repository (see assets/geo/SOURCES.md)
and named in the config (`[areas] wards/zones`, `[map] land/streets/canals`). The files are read,
repaired, simplified to what a wall screen can show (a few metres in the city, ~20 m for the
province shore) and rounded, once per process per set of files: the map figure embeds them on
every full draw, so their size is the wall's first-load cost.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from dashboard.config import Config

__all__ = ["ROAD_CLASSES", "BaseMap"]

# Drawn bottom to top, so arterials cross over local streets.
ROAD_CLASSES: tuple[str, ...] = ("local", "collector", "arterial")

# Simplification tolerances in degrees (1e-5 deg ~ 1.1 m here).
_TOL_LAND = 2e-4  # the province shore at city zoom: ~20 m is below a pixel at zoom 12
_TOL_AREA = 5e-5  # ward and zone outlines
_TOL_LINE = 2e-5  # streets and canals
_DECIMALS = 5


@dataclass(frozen=True)
class BaseMap:
    """GeoJSON FeatureCollections (lon/lat) of the base layers, ready for `layout.map.layers`.

    `streets` holds one collection per road class (MapLibre layers in plotly take one width
    each, so a class is a layer). `bounds` is the wards' box (west, south, east, north);
    `city_bounds` the streets' box, the built-up city a wall shows by default, and `centre`
    its middle (lon, lat).
    """

    land: dict[str, Any]
    wards: dict[str, Any]
    zones: dict[str, Any]
    streets: Mapping[str, dict[str, Any]]
    canals: dict[str, Any]
    bounds: tuple[float, float, float, float]
    city_bounds: tuple[float, float, float, float]

    @property
    def centre(self) -> tuple[float, float]:
        west, south, east, north = self.city_bounds
        return ((west + east) / 2, (south + north) / 2)

    @classmethod
    def empty(cls) -> BaseMap:
        """A base map with no features: for drawing traces alone (a refresh's patch source)."""
        box = (0.0, 0.0, 0.0, 0.0)
        return cls(
            _empty(), _empty(), _empty(), {c: _empty() for c in ROAD_CLASSES}, _empty(), box, box
        )

    @classmethod
    def load(cls, config: Config) -> BaseMap:
        """The base map named by `config` (cached per process while the files are unchanged;
        their modification times are looked at again after RECHECK_S)."""
        now = time.monotonic()
        held = _CHECKED.get(id(config))
        if held is None or held[0] is not config or now - held[1] > RECHECK_S:
            files = (
                config.path(config.map.land),
                config.path(config.areas.wards),
                config.path(config.areas.zones) if config.areas.zones is not None else None,
                config.path(config.map.streets),
                config.path(config.map.canals),
            )
            held = (config, now, files, tuple(_stamp(p) for p in files))
            if len(_CHECKED) >= 16:  # a test run makes many configs; a server has one
                _CHECKED.clear()
            _CHECKED[id(config)] = held
        return _load(held[2], held[3], config.areas.ward_name_property)


# Every page's filter bar asks for the base map on each callback; looking at five files'
# modification times each time cost more than the rest of building the bar. Keyed by the
# config object (kept, so its id cannot be reused).
RECHECK_S = 2.0
_CHECKED: dict[int, tuple[Config, float, tuple[Path | None, ...], tuple[float | None, ...]]] = {}


def _stamp(path: Path | None) -> float | None:
    return path.stat().st_mtime if path is not None and path.is_file() else None


@lru_cache(maxsize=4)
def _load(
    files: tuple[Path | None, ...], stamps: tuple[float | None, ...], name_prop: str
) -> BaseMap:
    # `stamps` is part of the cache key only: an edited file is read again.
    land_p, wards_p, zones_p, streets_p, canals_p = files
    if land_p is None or wards_p is None or streets_p is None or canals_p is None:
        raise FileNotFoundError("base map: a required layer has no path")
    wards = _read(wards_p, _TOL_AREA)
    streets = _read(streets_p, _TOL_LINE)
    by_class: dict[str, list[dict[str, Any]]] = {c: [] for c in ROAD_CLASSES}
    for feature in streets["features"]:
        road_class = feature["properties"].get("road_class")
        by_class[road_class if road_class in by_class else "local"].append(feature)
    bounds = _box([shape(f["geometry"]) for f in wards["features"]])
    city = (
        _box([shape(f["geometry"]) for f in streets["features"]]) if streets["features"] else bounds
    )
    return BaseMap(
        land=_read(land_p, _TOL_LAND),
        wards=wards,
        zones=_read(zones_p, _TOL_AREA) if zones_p is not None and zones_p.is_file() else _empty(),
        streets={c: {"type": "FeatureCollection", "features": fs} for c, fs in by_class.items()},
        canals=_read(canals_p, _TOL_LINE),
        bounds=bounds,
        city_bounds=city,
    )


def _box(geoms: list[BaseGeometry]) -> tuple[float, float, float, float]:
    b = shapely.total_bounds(geoms)
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))


def _empty() -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": []}


def _read(path: Path, tolerance: float) -> dict[str, Any]:
    """A FeatureCollection with valid, simplified, rounded geometry and its properties kept."""
    if not path.is_file():
        raise FileNotFoundError(f"base map layer not found: {path}")
    data = json.loads(path.read_text(encoding="utf-8"))
    features = []
    for feature in data.get("features", []):
        geom: BaseGeometry = shape(feature["geometry"])
        if not geom.is_valid:
            geom = geom.buffer(0)
        geom = shapely.set_precision(
            geom.simplify(tolerance, preserve_topology=True), 10**-_DECIMALS
        )
        if geom.is_empty:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": dict(feature.get("properties") or {}),
                "geometry": _rounded(mapping(geom)),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _rounded(geometry: Mapping[str, Any]) -> dict[str, Any]:
    """GeoJSON geometry with plain-list coordinates rounded to ~1 m (shapely gives tuples)."""

    def walk(c: Any) -> Any:
        if isinstance(c[0], (int, float)):
            return [round(float(v), _DECIMALS) for v in c]
        return [walk(x) for x in c]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}

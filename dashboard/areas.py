"""Areas: wards and operational zones from boundary files, and placing things in them.

Vietnam's 2025 reform removed the district level and merged wards, so areas are data, never
code: the config names a GeoJSON file of wards (administrative) and optionally one of zones
(operational areas a city draws for itself). Every asset and report is placed by its geometry:
a point by containment, a line by its midpoint. Something outside every polygon keeps no ward
(None) rather than a guessed one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from dashboard.config import Config, ConfigError
from dashboard.geometry import representative_point
from dashboard.records import Asset, CitizenReport

__all__ = ["AreaSet", "Areas", "representative_point"]

T = TypeVar("T", Asset, CitizenReport)


@dataclass(frozen=True)
class AreaSet:
    """One boundary file: names and polygons, with a spatial index for point lookups."""

    names: tuple[str, ...]
    polygons: tuple[BaseGeometry, ...]
    features: tuple[dict[str, Any], ...]

    @classmethod
    def from_file(cls, path: Path, name_property: str) -> AreaSet:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"boundary file {path} does not exist") from None
        except json.JSONDecodeError as exc:
            raise ConfigError(f"boundary file {path} is not valid JSON: {exc}") from None
        features = tuple(data.get("features", []))
        if not features:
            raise ConfigError(f"boundary file {path} has no features")
        names, polygons = [], []
        for i, feature in enumerate(features):
            name = (feature.get("properties") or {}).get(name_property)
            if not name:
                raise ConfigError(f"{path}: feature {i} has no property {name_property!r}")
            names.append(str(name))
            polygons.append(shape(feature["geometry"]))
        for poly in polygons:
            shapely.prepare(poly)
        return cls(tuple(names), tuple(polygons), features)

    def name_at(self, lon: float, lat: float) -> str | None:
        """The name of the area containing (lon, lat), or None outside every area."""
        pt = Point(lon, lat)
        for name, poly in zip(self.names, self.polygons, strict=True):
            if poly.contains(pt):
                return name
        return None

    def names_at(self, lons: list[float], lats: list[float]) -> list[str | None]:
        """Vectorised `name_at` for many points."""
        pts = shapely.points(lons, lats)
        out: list[str | None] = [None] * len(lons)
        for name, poly in zip(self.names, self.polygons, strict=True):
            inside = shapely.contains(poly, pts)
            for i in inside.nonzero()[0]:
                if out[i] is None:
                    out[i] = name
        return out


@dataclass(frozen=True)
class Areas:
    """The configured wards and (optional) zones."""

    wards: AreaSet
    zones: AreaSet | None

    @classmethod
    def from_config(cls, config: Config) -> Areas:
        a = config.areas
        wards = AreaSet.from_file(config.path(a.wards), a.ward_name_property)
        zones = AreaSet.from_file(config.path(a.zones), a.zone_name_property) if a.zones else None
        return cls(wards, zones)

    def ward_of(self, lon: float, lat: float) -> str | None:
        return self.wards.name_at(lon, lat)

    def zone_of(self, lon: float, lat: float) -> str | None:
        return self.zones.name_at(lon, lat) if self.zones else None

    def place_assets(self, assets: list[Asset]) -> list[Asset]:
        """The assets with `ward` and `zone` set from their geometry (bad geometry left as is)."""
        points: list[tuple[int, float, float]] = []
        for i, asset in enumerate(assets):
            try:
                lon, lat = representative_point(asset.geometry)
            except Exception:  # invalid geometry: the store's validation quarantines it
                continue
            points.append((i, lon, lat))
        return self._place(assets, points)

    def place_reports(self, reports: list[CitizenReport]) -> list[CitizenReport]:
        """The reports with `ward` and `zone` set from their location."""
        return self._place(reports, [(i, r.lon, r.lat) for i, r in enumerate(reports)])

    def _place(self, items: list[T], points: list[tuple[int, float, float]]) -> list[T]:
        if not points:
            return list(items)
        lons = [p[1] for p in points]
        lats = [p[2] for p in points]
        wards = self.wards.names_at(lons, lats)
        zones = self.zones.names_at(lons, lats) if self.zones else [None] * len(points)
        out = list(items)
        for (i, _, _), ward, zone in zip(points, wards, zones, strict=True):
            out[i] = replace(out[i], ward=ward, zone=zone)
        return out

"""The simulated city's ground: ward and zone outlines from the boundary files, the coast, canals.

Nothing here is a hard-coded outline. The wards (`config.areas.wards`) and zones
(`config.areas.zones`) GeoJSON files give the land; the coast is read off their western edge:
in a frame whose `u` axis runs along the long side of the city (the coast, NNW-SSE in Rạch Giá)
and whose `v` axis points inland, the coast at `u` is the smallest `v` of land on that line.
Streets, gauges and canals are then laid out as offsets from that coast, so a corrected
boundary file moves the whole city with it. Only the canal mouths are named by latitude: no
waterway data ships with the product, and two approximate anchors are enough for a demo.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from dashboard.config import Config

from .noise import FloatArray

__all__ = [
    "CENTRE_ZONES",
    "Canal",
    "Frame",
    "Geography",
    "load_geography",
]

# The old town: the three former wards around the river mouth and the market.
CENTRE_ZONES = ("Vĩnh Thanh Vân", "Vĩnh Thanh", "Vĩnh Lạc")

# (name, approximate latitude of the mouth, bearing in degrees from north, length in metres).
# The Cái Lớn mouth / Rạch Giá–Long Xuyên canal crosses the city eastwards; the Rạch Sỏi–Hậu
# Giang canal leaves the southern shore towards the east-south-east.
_CANALS: tuple[tuple[str, float, float, float], ...] = (
    ("Kênh Rạch Giá – Long Xuyên", 10.0125, 72.0, 9000.0),
    ("Kênh Rạch Sỏi – Hậu Giang", 9.952, 105.0, 7000.0),
)

_M_PER_DEG_LAT = 110_574.0


@dataclass(frozen=True, slots=True)
class Frame:
    """A local metric frame: `u` along the coast (southwards), `v` inland (eastwards)."""

    lon0: float
    lat0: float
    along: tuple[float, float]
    inland: tuple[float, float]

    @property
    def m_per_deg_lon(self) -> float:
        return 111_320.0 * math.cos(math.radians(self.lat0))

    def to_xy(self, lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
        return (lon - self.lon0) * self.m_per_deg_lon, (lat - self.lat0) * _M_PER_DEG_LAT

    def to_lonlat(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        return self.lon0 + x / self.m_per_deg_lon, self.lat0 + y / _M_PER_DEG_LAT

    def to_uv(self, lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
        x, y = self.to_xy(lon, lat)
        return x * self.along[0] + y * self.along[1], x * self.inland[0] + y * self.inland[1]

    def uv_to_lonlat(self, u: FloatArray, v: FloatArray) -> tuple[FloatArray, FloatArray]:
        x = u * self.along[0] + v * self.inland[0]
        y = u * self.along[1] + v * self.inland[1]
        return self.to_lonlat(x, y)

    def line_uv(self, u: FloatArray, v: FloatArray) -> LineString:
        lon, lat = self.uv_to_lonlat(u, v)
        return LineString(np.column_stack([lon, lat]))

    def length_m(self, geom: BaseGeometry) -> float:
        """Length of a lon/lat line in metres (equirectangular: exact enough over 20 km)."""
        parts = geom.geoms if isinstance(geom, MultiLineString) else [geom]
        total = 0.0
        for part in parts:
            xy = np.asarray(part.coords)
            x, y = self.to_xy(xy[:, 0], xy[:, 1])
            total += float(np.hypot(np.diff(x), np.diff(y)).sum())
        return total


@dataclass(frozen=True, slots=True)
class Canal:
    name: str
    line: LineString  # lon/lat, from the mouth inland
    length_m: float


@dataclass(frozen=True)
class Geography:
    """Land, zones, coast and canals of the simulated city (all geometry in lon/lat)."""

    wards: tuple[tuple[str, BaseGeometry], ...]
    zones: tuple[tuple[str, BaseGeometry], ...]
    frame: Frame
    coast_u: FloatArray  # sample positions along the coast, metres
    coast_v_raw: FloatArray  # the true western edge of the land at each u
    coast_v: FloatArray  # the same, smoothed: what streets run parallel to
    city_u: tuple[float, float]  # u extent of the zones: the built-up city

    @cached_property
    def land(self) -> BaseGeometry:
        return unary_union([g for _, g in self.wards])

    @cached_property
    def centre(self) -> BaseGeometry:
        parts = [g for name, g in self.zones if name in CENTRE_ZONES]
        return unary_union(parts) if parts else unary_union([g for _, g in self.zones])

    @cached_property
    def canals(self) -> tuple[Canal, ...]:
        return tuple(self._canal(*spec) for spec in _CANALS)

    def coast_at(self, u: FloatArray, smooth: bool = True) -> FloatArray:
        """The coast's inland coordinate `v` at positions `u` (metres)."""
        return np.interp(u, self.coast_u, self.coast_v if smooth else self.coast_v_raw)

    def ward_of(self, lon: float, lat: float) -> str | None:
        """The ward containing a point: for addresses and agency names, never the record's ward."""
        p = Point(lon, lat)
        for name, geom in self.wards:
            if geom.covers(p):
                return name
        return None

    def zone_of(self, lon: float, lat: float) -> str | None:
        p = Point(lon, lat)
        for name, geom in self.zones:
            if geom.covers(p):
                return name
        return None

    def inside(self, lon: float, lat: float) -> bool:
        return bool(self.land.covers(Point(lon, lat)))

    def clip(self, line: LineString, min_m: float = 80.0) -> list[LineString]:
        """The parts of `line` on land, each at least `min_m` long."""
        cut = line.intersection(self.land)
        parts = [g for g in getattr(cut, "geoms", [cut]) if isinstance(g, LineString)]
        merged = shapely.line_merge(MultiLineString(parts)) if len(parts) > 1 else None
        if merged is not None:
            parts = list(getattr(merged, "geoms", [merged]))
        return [p for p in parts if not p.is_empty and self.frame.length_m(p) >= min_m]

    def _canal(self, name: str, mouth_lat: float, bearing: float, length_m: float) -> Canal:
        lon_c, lat_c = self.frame.uv_to_lonlat(self.coast_u, self.coast_v_raw)
        i = int(np.nanargmin(np.abs(lat_c - mouth_lat)))
        x0, y0 = self.frame.to_xy(np.array([lon_c[i]]), np.array([lat_c[i]]))
        s = np.arange(-300.0, length_m, 50.0)  # start at sea so the clip finds the real shore
        wiggle = 70 * np.sin(2 * np.pi * s / 2300.0) + 30 * np.sin(2 * np.pi * s / 800.0 + 1.0)
        th = math.radians(bearing)
        dx, dy = math.sin(th), math.cos(th)
        x = x0[0] + s * dx - wiggle * dy
        y = y0[0] + s * dy + wiggle * dx
        lon, lat = self.frame.to_lonlat(x, y)
        line = LineString(np.column_stack([lon, lat]))
        parts = self.clip(line, min_m=200.0)
        mouth = Point(lon_c[i], lat_c[i])
        best = min(parts, key=lambda p: p.distance(mouth)) if parts else line
        if Point(best.coords[0]).distance(mouth) > Point(best.coords[-1]).distance(mouth):
            best = LineString(best.coords[::-1])
        return Canal(name, best, self.frame.length_m(best))


def _read_named(path: Path, prop: str) -> tuple[tuple[str, BaseGeometry], ...]:
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for feature in data["features"]:
        geom = shape(feature["geometry"])
        if not geom.is_valid:
            geom = geom.buffer(0)
        out.append((str(feature["properties"][prop]), geom))
    return tuple(out)


def _smooth(values: FloatArray, window: int) -> FloatArray:
    """Running median then running mean: drops harbour notches, keeps the coast's bend."""
    pad = window // 2
    padded = np.pad(values, pad, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, window)
    med = np.median(windows, axis=1)
    kernel = np.ones(window) / window
    return np.convolve(np.pad(med, pad, mode="edge"), kernel, mode="valid")


def load_geography(config: Config) -> Geography:
    """Read the boundary files named in `config.areas` and derive the frame and the coast."""
    wards = _read_named(config.path(config.areas.wards), config.areas.ward_name_property)
    zones: tuple[tuple[str, BaseGeometry], ...] = ()
    if config.areas.zones is not None and config.path(config.areas.zones).is_file():
        zones = _read_named(config.path(config.areas.zones), config.areas.zone_name_property)
    land = unary_union([g for _, g in wards])
    city = unary_union([g for _, g in zones]) if zones else land
    c = city.centroid
    lat0 = c.y
    frame0 = Frame(c.x, lat0, (1.0, 0.0), (0.0, 1.0))
    # The long side of the city's minimum rectangle runs along the coast.
    rect = np.asarray(city.minimum_rotated_rectangle.exterior.coords)
    rx, ry = frame0.to_xy(rect[:, 0], rect[:, 1])
    edges = np.column_stack([np.diff(rx), np.diff(ry)])[:2]
    long_edge = edges[int(np.argmax(np.hypot(edges[:, 0], edges[:, 1])))]
    ax, ay = long_edge / np.hypot(*long_edge)
    if ay > 0:  # u grows southwards
        ax, ay = -ax, -ay
    bx, by = -ay, ax
    if bx < 0:  # v grows inland, away from the western sea
        bx, by = -bx, -by
    frame = Frame(c.x, lat0, (float(ax), float(ay)), (float(bx), float(by)))

    def u_extent(geom: BaseGeometry) -> tuple[float, float]:
        pts = np.asarray(geom.convex_hull.exterior.coords)
        u, _ = frame.to_uv(pts[:, 0], pts[:, 1])
        return float(u.min()), float(u.max())

    lu0, lu1 = u_extent(land)
    coast_u = np.arange(lu0 + 25.0, lu1, 50.0)
    raw = np.full(coast_u.shape, np.nan)
    for k, u in enumerate(coast_u):
        probe = frame.line_uv(np.array([u, u]), np.array([-40_000.0, 40_000.0]))
        hit = probe.intersection(land)
        if hit.is_empty:
            continue
        pts = np.asarray(shapely.get_coordinates(hit))
        raw[k] = frame.to_uv(pts[:, 0], pts[:, 1])[1].min()
    ok = ~np.isnan(raw)
    coast_u, raw = coast_u[ok], raw[ok]
    return Geography(
        wards=wards,
        zones=zones,
        frame=frame,
        coast_u=coast_u,
        coast_v_raw=raw,
        coast_v=_smooth(raw, 31),
        city_u=u_extent(city),
    )

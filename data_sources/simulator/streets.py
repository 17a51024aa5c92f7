"""A plausible street network for the simulated Rạch Giá, cut into road segments.

No road data ships with cityops, so the network is drawn from the coast (see geography):
arterials run parallel to the shore at fixed distances inland, cross streets run from the shore
inland (every ~250 m in the old centre, ~650 m elsewhere), short local streets fill the old
centre, and streets follow the banks of the canals. Names are real Rạch Giá street names; their
placement is approximate. Everything is clipped to the ward outlines.

The network depends only on the boundary files and the segment count, not on the seed: the
city's map stays put when a demo is re-run with another seed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from shapely.geometry import LineString, Point, mapping
from shapely.ops import substring

from .geography import Geography

__all__ = ["RoadSegment", "Street", "build_segments", "build_streets", "network_geojson"]


@dataclass(frozen=True, slots=True)
class Street:
    name: str
    road_class: str  # arterial, collector, local
    lanes: int
    free_flow_kmh: float
    line: LineString  # lon/lat
    length_m: float


@dataclass(frozen=True, slots=True)
class RoadSegment:
    index: int
    street: str
    part: int  # 1-based position along its street
    road_class: str
    lanes: int
    free_flow_kmh: float
    line: LineString
    length_m: float
    in_centre: bool


# (metres inland, name north of the river mouth, name south of it, class, lanes, km/h)
_ALONG_COAST: tuple[tuple[float, str, str, str, int, float], ...] = (
    (150.0, "Tôn Đức Thắng", "Lạc Hồng", "arterial", 4, 50.0),
    (700.0, "Nguyễn Trung Trực", "Lâm Quang Ky", "arterial", 4, 40.0),
    (1500.0, "Ngô Quyền", "3 Tháng 2", "arterial", 4, 50.0),
    (2600.0, "Nguyễn Bỉnh Khiêm", "Quang Trung", "collector", 2, 40.0),
    (3800.0, "Phạm Hùng", "Phạm Hùng", "arterial", 4, 60.0),
)
# Local streets of the old centre, between the arterials.
_CENTRE_LOCAL: tuple[tuple[float, str], ...] = (
    (420.0, "Hàm Nghi"),
    (1000.0, "Lê Thánh Tôn"),
    (1250.0, "Nguyễn Thái Học"),
)
# Streets inland from the shore, north to south; the important ones first in each block.
_CROSS_NAMES: tuple[str, ...] = (
    "Mai Thị Hồng Hạnh",
    "Nguyễn Hùng Sơn",
    "Lê Lợi",
    "Trần Phú",
    "Lý Thường Kiệt",
    "Mạc Cửu",
    "Nguyễn Trường Tộ",
    "Huỳnh Mẫn Đạt",
    "Trần Hưng Đạo",
    "Hùng Vương",
    "Bạch Đằng",
    "Nguyễn Du",
    "Hai Bà Trưng",
    "Lê Hồng Phong",
    "Trần Quốc Toản",
    "Phan Thị Ràng",
    "Võ Thị Sáu",
    "Cô Bắc",
    "Cô Giang",
    "Chi Lăng",
    "Đống Đa",
    "Mậu Thân",
    "Nguyễn An Ninh",
    "Điện Biên Phủ",
    "Hoàng Hoa Thám",
    "Nguyễn Văn Cừ",
    "Nguyễn Chí Thanh",
    "Lý Tự Trọng",
    "Đinh Tiên Hoàng",
    "Nguyễn Thị Minh Khai",
    "Châu Văn Liêm",
    "Tô Hiến Thành",
    "Lê Quý Đôn",
    "Võ Văn Kiệt",
    "Nguyễn Văn Trỗi",
    "Trần Khánh Dư",
    "Ngô Gia Tự",
    "Phó Cơ Điều",
    "Trần Quý Cáp",
    "Nguyễn Trãi",
    "Nguyễn Huệ",
    "Lê Duẩn",
    "Tự Do",
    "Nguyễn Thiện Thuật",
    "Phan Đình Phùng",
    "Lê Văn Sỹ",
    "Trương Định",
    "Kim Đồng",
)
_CANAL_BANKS: tuple[tuple[int, float, str, float], ...] = (
    # (canal index, metres to the left (+) or right (-) of the canal, name, length)
    (0, 70.0, "Trần Quang Khải", 4500.0),
    (0, -70.0, "Nguyễn Thái Bình", 4500.0),
    (1, 70.0, "Trần Hưng Đạo nối dài", 2800.0),
)


def _along_coast(geo: Geography, offset: float, u0: float, u1: float) -> LineString:
    u = np.arange(u0, u1 + 1.0, 50.0)
    return geo.frame.line_uv(u, geo.coast_at(u) + offset)


def _street(
    geo: Geography, name: str, cls: str, lanes: int, kmh: float, line: LineString
) -> list[Street]:
    return [Street(name, cls, lanes, kmh, p, geo.frame.length_m(p)) for p in geo.clip(line)]


def _offset_along(geo: Geography, line: LineString, offset: float, length: float) -> LineString:
    """A line `offset` metres beside `line` (positive: left), over its first `length` metres."""
    xy = np.asarray(line.coords)
    x, y = geo.frame.to_xy(xy[:, 0], xy[:, 1])
    s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    keep = s <= length
    x, y = x[keep], y[keep]
    tx, ty = np.gradient(x), np.gradient(y)
    n = np.hypot(tx, ty)
    n[n == 0] = 1.0
    lon, lat = geo.frame.to_lonlat(x - offset * ty / n, y + offset * tx / n)
    return LineString(np.column_stack([lon, lat]))


def build_streets(geo: Geography) -> list[Street]:
    """Every street of the simulated city, clipped to the wards (lon/lat lines)."""
    cu0, cu1 = geo.city_u
    river = geo.canals[0].line
    mouth_u = float(
        geo.frame.to_uv(np.array([river.coords[0][0]]), np.array([river.coords[0][1]]))[0][0]
    )
    streets: list[Street] = []
    for offset, north, south, cls, lanes, kmh in _ALONG_COAST:
        start = cu0 - (2500.0 if offset <= 1500 else 0.0)
        if north == south:
            streets += _street(geo, north, cls, lanes, kmh, _along_coast(geo, offset, start, cu1))
            continue
        streets += _street(
            geo, north, cls, lanes, kmh, _along_coast(geo, offset, start, mouth_u - 60)
        )
        streets += _street(
            geo, south, cls, lanes, kmh, _along_coast(geo, offset, mouth_u + 60, cu1)
        )
    centre = geo.centre.buffer(0.001)
    for offset, name in _CENTRE_LOCAL:
        line = _along_coast(geo, offset, cu0, cu1).intersection(centre)
        for part in getattr(line, "geoms", [line]):
            if isinstance(part, LineString) and not part.is_empty:
                streets += _street(geo, name, "local", 2, 30.0, part)
    names = iter(_CROSS_NAMES)
    u = cu0 + 200.0
    major = 0
    while u < cu1 - 300.0:
        lon, lat = geo.frame.uv_to_lonlat(np.array([u]), geo.coast_at(np.array([u])) + 500.0)
        in_centre = geo.centre.covers(Point(float(lon[0]), float(lat[0])))
        depth = 4200.0 if major % 3 == 0 else 2800.0
        if in_centre:
            depth = 2200.0
        v = np.arange(60.0, depth + 1.0, 100.0)
        bend = 40.0 * np.sin(v / 900.0 + u / 500.0)  # no city is a perfect grid
        line = geo.frame.line_uv(u + bend, geo.coast_at(np.full(v.shape, u)) + v)
        name = next(names, None) or f"Đường số {major + 1}"
        cls, lanes, kmh = ("collector", 2, 40.0) if major % 3 == 0 else ("local", 2, 30.0)
        streets += _street(geo, name, cls, lanes, kmh, line)
        major += 1
        u += 260.0 if in_centre else 650.0
    for canal_i, offset, name, length in _CANAL_BANKS:
        canal = geo.canals[canal_i]
        line = _offset_along(geo, canal.line, offset, min(length, canal.length_m))
        streets += _street(geo, name, "local", 2, 30.0, line)
    return streets


def build_segments(geo: Geography, count: int) -> list[RoadSegment]:
    """Cut the streets into exactly `count` road segments, longer streets into more pieces."""
    streets = build_streets(geo)
    if count < len(streets):
        raise ValueError(f"segments={count} is fewer than the {len(streets)} streets of the city")
    lengths = np.array([s.length_m for s in streets])
    pieces = np.maximum(1, np.floor(lengths / (lengths.sum() / count))).astype(int)
    while pieces.sum() < count:  # give the next piece to the street with the longest pieces
        pieces[int(np.argmax(lengths / pieces))] += 1
    while pieces.sum() > count:
        ok = np.where(pieces > 1, lengths / pieces, np.inf)
        pieces[int(np.argmin(ok))] -= 1
    centre = geo.centre
    segments: list[RoadSegment] = []
    # A street's name may come back in several pieces (clipped by the wards or the centre,
    # split at the river mouth): its parts are numbered across all of them, so every
    # segment's "<street> (đoạn <part>)" is a name of its own, citywide.
    parts: Counter[str] = Counter()
    for street, n in zip(streets, pieces.tolist(), strict=True):
        for k in range(n):
            line = substring(street.line, k / n, (k + 1) / n, normalized=True)
            parts[street.name] += 1
            segments.append(
                RoadSegment(
                    index=len(segments),
                    street=street.name,
                    part=parts[street.name],
                    road_class=street.road_class,
                    lanes=street.lanes,
                    free_flow_kmh=street.free_flow_kmh,
                    line=line,
                    length_m=round(geo.frame.length_m(line), 1),
                    in_centre=bool(centre.covers(line.interpolate(0.5, normalized=True))),
                )
            )
    return segments


def network_geojson(geo: Geography, segments: list[RoadSegment]) -> dict[str, Any]:
    """The road segments and canals as a GeoJSON FeatureCollection for the base map."""
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": mapping(s.line),
            "properties": {
                "feature": "road",
                "segment": s.index,
                "name": s.street,
                "road_class": s.road_class,
                "lanes": s.lanes,
                "free_flow_kmh": s.free_flow_kmh,
                "length_m": s.length_m,
            },
        }
        for s in segments
    ]
    features += [
        {
            "type": "Feature",
            "geometry": mapping(c.line),
            "properties": {"feature": "canal", "name": c.name, "length_m": round(c.length_m, 1)},
        }
        for c in geo.canals
    ]
    return {"type": "FeatureCollection", "features": features}

"""Air-quality stations: a daily cycle, the dry season, traffic, and weather that wanders.

Levels are those of a Mekong Delta coastal town: PM2.5 mostly 15-60 µg/m³, higher in the dry
season (December-April) and at night and early morning when the boundary layer is shallow,
lower on breezy afternoons. NO₂, CO and particles rise with traffic (the city demand profile)
more at stations close to arterials; ozone peaks in the early afternoon sun and is titrated by
NO near busy streets. Temperature peaks about 14:00 local and humidity moves against it.
Stations are spread over the street network by farthest-point sampling from the centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from shapely import STRtree, points

from dashboard.records import Asset

from .geography import Geography
from .noise import LOCAL_OFFSET_S, FloatArray, IntArray, local_hour, normal, uniform, value_noise
from .streets import RoadSegment
from .traffic import demand_profile

__all__ = [
    "AIR_METRICS",
    "AirStations",
    "air_assets",
    "air_quality",
    "day_of_year",
    "place_air_stations",
    "station_id",
]

AIR_METRICS = ("pm25_ugm3", "pm10_ugm3", "no2_ugm3", "o3_ugm3", "co_mgm3", "temp_c", "humidity_pct")


@dataclass(frozen=True, slots=True)
class AirStations:
    lon: FloatArray
    lat: FloatArray
    exposure: FloatArray  # 0.3 (quiet street) .. 1.0 (kerbside of an arterial)
    names: tuple[str, ...]


def station_id(prefix: str, i: int) -> str:
    return f"{prefix}air-{i:02d}"


def farthest_points(x: FloatArray, y: FloatArray, start: int, k: int) -> list[int]:
    """Indices of `k` candidates, each the farthest from those already chosen."""
    chosen = [start]
    dist = np.hypot(x - x[start], y - y[start])
    while len(chosen) < min(k, len(x)):
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, np.hypot(x - x[nxt], y - y[nxt]))
    return chosen


def place_air_stations(geo: Geography, segments: list[RoadSegment], count: int) -> AirStations:
    lines = [s.line for s in segments]
    cand = [line.interpolate(f, normalized=True) for line in lines for f in (0.25, 0.75)]
    lon = np.array([p.x for p in cand])
    lat = np.array([p.y for p in cand])
    x, y = geo.frame.to_xy(lon, lat)
    c = geo.centre.centroid
    cx, cy = geo.frame.to_xy(np.array([c.x]), np.array([c.y]))
    picks = farthest_points(x, y, int(np.argmin(np.hypot(x - cx, y - cy))), count)
    arterials = [s.line for s in segments if s.road_class == "arterial"]
    tree = STRtree(arterials)
    pts = points(lon[picks], lat[picks])
    nearest = tree.nearest(pts)
    deg = np.array([pts[i].distance(arterials[int(j)]) for i, j in enumerate(nearest)])
    exposure = 0.3 + 0.7 * np.exp(-deg * 110_000.0 / 250.0)
    names = []
    for k, i in enumerate(picks):
        place = (
            geo.zone_of(float(lon[i]), float(lat[i]))
            or geo.ward_of(float(lon[i]), float(lat[i]))
            or ""
        )
        names.append(f"Trạm quan trắc không khí {k + 1:02d} – {place}".rstrip(" –"))
    return AirStations(lon[picks], lat[picks], exposure, tuple(names))


def air_assets(stations: AirStations, prefix: str) -> list[Asset]:
    return [
        Asset(
            id=station_id(prefix, i),
            domain="environment",
            kind="air_station",
            name=stations.names[i],
            geometry={
                "type": "Point",
                "coordinates": [float(stations.lon[i]), float(stations.lat[i])],
            },
            attributes={"traffic_exposure": round(float(stations.exposure[i]), 2)},
        )
        for i in range(len(stations.lon))
    ]


def day_of_year(t: IntArray) -> FloatArray:
    """Days since local 1 January, within a day or so (enough for seasons)."""
    return ((np.asarray(t, dtype=np.int64) + LOCAL_OFFSET_S) / 86400.0) % 365.2425


def air_quality(seed: int, stations: AirStations, t: IntArray) -> dict[str, np.ndarray]:
    """Each metric of AIR_METRICS as an array (times, stations)."""
    n = len(stations.lon)
    st = np.arange(n)[None, :]
    tt = t[:, None]
    h = local_hour(tt)
    doy = day_of_year(tt)
    exposure = stations.exposure[None, :]
    traffic = demand_profile(t)[:, None] * exposure
    dry = 1.0 + 0.22 * np.cos(2 * np.pi * (doy - 30.0) / 365.2425)  # haze peaks in late January
    mixing = 1.0 + 0.22 * np.cos(2 * np.pi * (h - 5.0) / 24.0)  # shallow boundary layer before dawn
    weather = np.exp(
        0.28 * value_noise(seed, "air-weather", -1, tt, 6 * 3600)
    )  # shared by all stations
    local = np.exp(0.12 * value_noise(seed, "air-local", st, tt, 2 * 3600))
    base = 17.0 + 10.0 * uniform(seed, "air-base", st)
    pm25 = (base * dry * mixing + 18.0 * traffic) * weather * local
    pm25 = pm25 * (1.0 + 0.06 * normal(seed, "pm25", st, tt))
    pm10 = (
        pm25
        * (1.45 + 0.3 * uniform(seed, "pm-ratio", st))
        * (1.0 + 0.05 * normal(seed, "pm10", st, tt))
    )
    no2 = (
        (9.0 + 38.0 * traffic)
        * np.sqrt(weather)
        * local
        * (1.0 + 0.08 * normal(seed, "no2", st, tt))
    )
    sun = np.clip(np.sin(np.pi * (h - 7.5) / 11.5), 0.0, None) ** 1.5  # 07:30-19:00, top ~13:15
    o3 = (22.0 + 62.0 * sun) * (1.0 - 0.3 * traffic) + 4.0 * value_noise(seed, "o3", st, tt, 3600)
    co = (0.35 + 1.3 * traffic) * np.sqrt(weather) * (1.0 + 0.1 * normal(seed, "co", st, tt))
    season_c = 1.0 * np.cos(2 * np.pi * (doy - 110.0) / 365.2425)  # April hottest
    temp = 27.8 + season_c + 3.3 * np.cos(2 * np.pi * (h - 14.0) / 24.0)
    temp = (
        temp
        + 0.8 * value_noise(seed, "temp", -1, tt, 4 * 3600)
        + 0.2 * normal(seed, "temp-fast", st, tt)
    )
    wet = 4.0 * np.cos(2 * np.pi * (doy - 260.0) / 365.2425)  # rainy season peaks in September
    humidity = (
        79.0
        + wet
        - 3.2 * (temp - 27.8 - season_c)
        + 3.0 * value_noise(seed, "rh", -1, tt, 4 * 3600)
    )
    return {
        "pm25_ugm3": np.round(np.clip(pm25, 3.0, 400.0), 1),
        "pm10_ugm3": np.round(np.clip(pm10, 5.0, 800.0), 1),
        "no2_ugm3": np.round(np.clip(no2, 1.0, 400.0), 1),
        "o3_ugm3": np.round(np.clip(o3, 2.0, 400.0), 1),
        "co_mgm3": np.round(np.clip(co, 0.05, 30.0), 2),
        "temp_c": np.round(temp, 1),
        "humidity_pct": np.round(np.clip(humidity, 35.0, 99.0), 1),
    }

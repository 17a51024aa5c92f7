"""Water-level gauges on the coast and the canals: the Gulf of Thailand's small, mostly diurnal tide.

Rạch Giá's tide is mixed and mainly diurnal, with a range of about 0.5-1 m that swells and
shrinks over the fortnight as the K1 and O1 waves drift in and out of phase. The level is the
sum of five harmonic constituents (K1, O1, P1, M2, S2) at fixed phases, plus the seasonal sea
level (higher in the north-east monsoon, October-December), a regional wind surge that wanders
over hours, rain run-off in the canals in the wet season, and sensor noise. Inland along a canal
the tide arrives later and smaller. Levels are centimetres above each gauge's zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dashboard.records import Asset

from .air import day_of_year
from .geography import Geography
from .noise import FloatArray, IntArray, normal, value_noise

__all__ = ["Gauges", "gauge_id", "place_gauges", "water_assets", "water_level"]

# (name, speed in degrees per hour, amplitude in cm, phase in degrees)
_CONSTITUENTS: tuple[tuple[str, float, float, float], ...] = (
    ("K1", 15.0410686, 22.0, 40.0),
    ("O1", 13.9430356, 16.0, 10.0),
    ("P1", 14.9589314, 7.0, 35.0),
    ("M2", 28.9841042, 8.0, 120.0),
    ("S2", 30.0, 3.0, 150.0),
)


@dataclass(frozen=True, slots=True)
class Gauges:
    lon: FloatArray
    lat: FloatArray
    km_inland: FloatArray  # 0 on the coast, distance up the canal otherwise
    on_canal: np.ndarray
    names: tuple[str, ...]
    waterbody: tuple[str, ...]
    alert_cm: FloatArray
    flood_cm: FloatArray


def gauge_id(prefix: str, i: int) -> str:
    return f"{prefix}water-{i:02d}"


def place_gauges(geo: Geography, count: int) -> Gauges:
    """About 3/8 of the gauges on the shore, the rest spread up the canals."""
    n_coast = min(count, max(1, math.ceil(count * 3 / 8)))
    rows: list[tuple[float, float, float, bool, str, str]] = []
    cu0, cu1 = geo.city_u
    for k in range(n_coast):
        u = cu0 + 600.0 + (cu1 - cu0 - 1200.0) * (k + 0.5) / n_coast
        v = float(geo.coast_at(np.array([u]), smooth=False)[0]) + 40.0
        lon, lat = geo.frame.uv_to_lonlat(np.array([u]), np.array([v]))
        while (
            not geo.inside(float(lon[0]), float(lat[0])) and v < 2000.0
        ):  # step off a harbour notch
            v += 20.0
            lon, lat = geo.frame.uv_to_lonlat(np.array([u]), np.array([v]))
        zone = (
            geo.zone_of(float(lon[0]), float(lat[0]))
            or geo.ward_of(float(lon[0]), float(lat[0]))
            or ""
        )
        rows.append(
            (
                float(lon[0]),
                float(lat[0]),
                0.0,
                False,
                f"Mực nước ven biển – {zone}",
                "Vịnh Thái Lan",
            )
        )
    canals = geo.canals
    rest = count - n_coast
    total = sum(min(c.length_m, 6000.0) for c in canals)
    shares = [round(rest * min(c.length_m, 6000.0) / total) for c in canals]
    shares[0] += rest - sum(shares)
    for canal, share in zip(canals, shares, strict=True):
        reach = min(canal.length_m, 6000.0)
        for k in range(share):
            dist = reach * (k + 0.5) / share
            p = canal.line.interpolate(dist / canal.length_m, normalized=True)
            km = dist / 1000.0
            rows.append((p.x, p.y, km, True, f"Mực nước {canal.name} – km {km:.1f}", canal.name))
    cols = list(zip(*rows, strict=True))
    on = np.array(cols[3], dtype=bool)
    names, water = tuple(map(str, cols[4])), tuple(map(str, cols[5]))
    return Gauges(
        lon=np.array(cols[0], dtype=np.float64),
        lat=np.array(cols[1], dtype=np.float64),
        km_inland=np.array(cols[2], dtype=np.float64),
        on_canal=on,
        names=names,
        waterbody=water,
        alert_cm=np.where(on, 165.0, 155.0),
        flood_cm=np.where(on, 185.0, 175.0),
    )


def water_assets(gauges: Gauges, prefix: str) -> list[Asset]:
    return [
        Asset(
            id=gauge_id(prefix, i),
            domain="water",
            kind="water_level",
            name=gauges.names[i],
            geometry={"type": "Point", "coordinates": [float(gauges.lon[i]), float(gauges.lat[i])]},
            attributes={
                "waterbody": gauges.waterbody[i],
                "km_inland": round(float(gauges.km_inland[i]), 2),
                "alert_stage_cm": float(gauges.alert_cm[i]),
                "flood_stage_cm": float(gauges.flood_cm[i]),
                "datum": "gauge zero",
            },
        )
        for i in range(len(gauges.lon))
    ]


def tide_cm(hours: FloatArray) -> FloatArray:
    """Astronomical tide (cm about mean sea level) at `hours` since 1970-01-01 UTC."""
    out = np.zeros_like(hours, dtype=np.float64)
    for _, speed, amp, phase in _CONSTITUENTS:
        out += amp * np.cos(np.radians(speed * hours - phase))
    return out


def water_level(seed: int, gauges: Gauges, t: IntArray) -> FloatArray:
    """Water level in cm above gauge zero, shape (times, gauges)."""
    n = len(gauges.lon)
    g = np.arange(n)[None, :]
    tt = t[:, None]
    km = gauges.km_inland[None, :]
    lag_h = np.where(gauges.on_canal[None, :], 0.15 + 0.4 * km, 0.0)
    damp = np.where(gauges.on_canal[None, :], np.maximum(0.5, 0.9 - 0.07 * km), 1.0)
    tide = tide_cm(tt / 3600.0 - lag_h) * damp
    doy = day_of_year(tt)
    season = 9.0 * np.cos(2 * np.pi * (doy - 320.0) / 365.2425)
    surge = 6.0 * value_noise(seed, "surge", -1, tt, 6 * 3600)
    wet = np.clip(np.cos(2 * np.pi * (doy - 270.0) / 365.2425), 0.0, None)
    runoff = np.where(
        gauges.on_canal[None, :],
        wet * (4.0 + km) * np.clip(value_noise(seed, "runoff", -1, tt, 12 * 3600), 0.0, None) * 3.0,
        0.0,
    )
    mean = 100.0 + np.where(gauges.on_canal[None, :], 3.0 + 2.0 * km, 0.0)
    level = mean + season + tide + surge + runoff + 0.8 * normal(seed, "gauge", g, tt)
    return np.round(level, 1)

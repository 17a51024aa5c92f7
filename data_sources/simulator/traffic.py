"""Traffic on the road segments: rush hours, lighter weekends, and incidents.

Demand follows a local-time profile (Asia/Ho_Chi_Minh): a sharp morning peak around 07:15 when
schools and offices open, a smaller one at the school lunch run, and a broad evening peak around
17:30; weekends are flatter and lighter. Each segment scales the city profile by its class and
by whether it lies in the old centre; speed falls with the volume/capacity ratio (a BPR curve)
and occupancy follows density. An incident (a crash, a stalled truck) jams a segment for 20-90
minutes; whether a segment has one on a given day is a hash of (seed, segment, day).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dashboard.records import Asset

from .noise import (
    LOCAL_OFFSET_S,
    FloatArray,
    IntArray,
    local_day,
    local_hour,
    normal,
    uniform,
    value_noise,
)
from .streets import RoadSegment

__all__ = [
    "INCIDENT_RATE_PER_DAY",
    "TrafficState",
    "demand_profile",
    "road_assets",
    "segment_id",
    "traffic",
]

INCIDENT_RATE_PER_DAY = 0.03  # per segment: a handful of incidents a day across the city
_VEH_PER_LANE_H = {"arterial": 1400.0, "collector": 1100.0, "local": 800.0}
_CLASS_LOAD = {"arterial": 0.92, "collector": 0.8, "local": 0.62}
_VEHICLE_SPACE_KM = 0.0055  # effective detector length of the mostly two-wheeled fleet


@dataclass(frozen=True, slots=True)
class TrafficState:
    """Per metric, an array (times, segments)."""

    speed_kmh: FloatArray
    volume_vph: FloatArray
    occupancy_pct: FloatArray
    incident: np.ndarray  # bool (times, segments)


def segment_id(prefix: str, i: int) -> str:
    return f"{prefix}road-{i:04d}"


def road_assets(segments: list[RoadSegment], prefix: str) -> list[Asset]:
    return [
        Asset(
            id=segment_id(prefix, s.index),
            domain="traffic",
            kind="road_segment",
            name=f"{s.street} (đoạn {s.part})",
            geometry={"type": "LineString", "coordinates": [list(c) for c in s.line.coords]},
            attributes={
                "street": s.street,
                "free_flow_kmh": s.free_flow_kmh,
                "lanes": s.lanes,
                "road_class": s.road_class,
                "length_m": s.length_m,
                "capacity_vph": s.lanes * _VEH_PER_LANE_H[s.road_class],
            },
        )
        for s in segments
    ]


def _bump(h: FloatArray, centre: float, width: float) -> FloatArray:
    return np.exp(-0.5 * ((h - centre) / width) ** 2)


def _sigmoid(x: FloatArray) -> FloatArray:
    return 1.0 / (1.0 + np.exp(-x))


def weekend(t: IntArray) -> np.ndarray:
    """Saturday or Sunday, local time (1970-01-01 was a Thursday)."""
    return (local_day(t) + 3) % 7 >= 5


def demand_profile(t: IntArray) -> FloatArray:
    """City-wide traffic demand, about 0.05 at night and 1.0 at the weekday morning peak."""
    h = local_hour(t)
    awake = _sigmoid((h - 5.5) / 0.5) * _sigmoid((22.0 - h) / 0.7)
    weekday = 0.05 + 0.42 * awake + 0.55 * _bump(h, 7.25, 0.55) + 0.12 * _bump(h, 11.3, 0.5)
    weekday = weekday + 0.5 * _bump(h, 17.5, 0.75)
    rest = 0.05 + 0.36 * awake + 0.12 * _bump(h, 9.5, 1.5) + 0.2 * _bump(h, 18.5, 1.5)
    return np.where(weekend(t), rest, weekday)


def _incidents(seed: int, segments: int, t: IntArray) -> np.ndarray:
    """Bool (times, segments): the segment is blocked by an incident."""
    seg = np.arange(segments)[None, :]
    days = np.unique(local_day(t))
    blocked = np.zeros((len(t), segments), dtype=bool)
    tt = t[:, None]
    for day in days.tolist():
        happens = uniform(seed, "incident", seg, day) < INCIDENT_RATE_PER_DAY
        if not happens.any():
            continue
        midnight = day * 86400 - LOCAL_OFFSET_S
        start = midnight + (
            6 * 3600 + uniform(seed, "incident-start", seg, day) * 16 * 3600
        ).astype(np.int64)
        length = (20 + uniform(seed, "incident-length", seg, day) * 70).astype(np.int64) * 60
        blocked |= happens & (tt >= start) & (tt < start + length)
    return blocked


def traffic(seed: int, segments: list[RoadSegment], t: IntArray) -> TrafficState:
    """Speed, volume and occupancy of every segment at epoch seconds `t`."""
    n = len(segments)
    seg = np.arange(n)[None, :]
    tt = t[:, None]
    cls = [s.road_class for s in segments]
    lanes = np.array([s.lanes for s in segments], dtype=np.float64)[None, :]
    free = np.array([s.free_flow_kmh for s in segments])[None, :]
    capacity = lanes * np.array([_VEH_PER_LANE_H[c] for c in cls])[None, :]
    load = np.array(
        [
            _CLASS_LOAD[c] * (1.12 if s.in_centre else 1.0)
            for c, s in zip(cls, segments, strict=True)
        ]
    )
    load = load[None, :] * (0.88 + 0.2 * uniform(seed, "seg-load", seg))
    day = local_day(tt)
    wobble = 0.07 * value_noise(seed, "seg-flow", seg, tt, 1800) + 0.05 * normal(
        seed, "seg-day", seg, day
    )
    x = (
        demand_profile(t)[:, None]
        * load
        * np.exp(wobble + 0.03 * normal(seed, "seg-fast", seg, tt))
    )
    volume = capacity * x / (1.0 + np.maximum(0.0, x - 1.0))
    speed = free / (1.0 + 0.9 * x**4) * (1.0 + 0.03 * normal(seed, "seg-speed", seg, tt))
    blocked = _incidents(seed, n, t)
    jam = 0.2 + 0.2 * uniform(seed, "incident-speed", seg, tt)
    speed = np.where(blocked, speed * jam, speed)
    volume = np.where(blocked, volume * 0.5, volume)
    occupancy = 100.0 * (volume / lanes) / np.maximum(speed, 1.0) * _VEHICLE_SPACE_KM
    occupancy = np.where(
        blocked,
        np.maximum(occupancy, 55.0 + 30.0 * uniform(seed, "incident-occ", seg, tt)),
        occupancy,
    )
    return TrafficState(
        speed_kmh=np.round(np.clip(speed, 2.0, free * 1.2), 1),
        volume_vph=np.round(np.maximum(volume, 0.0)),
        occupancy_pct=np.round(np.clip(occupancy, 0.0, 97.0), 1),
        incident=blocked,
    )

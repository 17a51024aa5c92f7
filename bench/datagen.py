"""Deterministic readings for the ingest benchmark, shaped like the simulated Rạch Giá.

Series: 300 road segments (speed, volume, occupancy), 30 air stations (PM2.5, PM10, NO₂, O₃,
temperature, humidity) and 1,350 street-light cabinets (power draw): 2,430 series. A size is
a number of rows; the interval (60 s or 300 s) sets how much time they span. Readings come
tick by tick, every series per tick, the way a connector emits them, in two shapes: as Reading
objects sharing one datetime per tick (what a message parser produces), and as one
ReadingBlock of columns per batch (what a connector computing arrays, like the simulator,
produces). Everything is generated before any timing starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from dashboard.records import Asset, Reading, ReadingBlock

__all__ = ["SIZES", "BenchData", "generate"]

SIZES: dict[str, int] = {"S": 700_000, "M": 7_000_000}
START = datetime(2025, 6, 1, tzinfo=UTC)
_CENTRE = (105.08, 10.01)


@dataclass(frozen=True, slots=True)
class BenchData:
    assets: list[Asset]
    series: list[tuple[str, str]]  # (asset id, metric), in a fixed order
    batches: list[list[Reading]]
    blocks: list[ReadingBlock]  # the same rows as `batches`, one block per batch
    interval_s: int

    @property
    def rows(self) -> int:
        return sum(len(b) for b in self.batches)


def _assets(rng: np.random.Generator) -> tuple[list[Asset], list[tuple[str, str]]]:
    assets: list[Asset] = []
    series: list[tuple[str, str]] = []

    def place() -> list[float]:
        return [_CENTRE[0] + rng.uniform(-0.04, 0.04), _CENTRE[1] + rng.uniform(-0.04, 0.04)]

    for i in range(300):
        a, b = place(), place()
        b = [a[0] + (b[0] - a[0]) / 20, a[1] + (b[1] - a[1]) / 20]
        assets.append(Asset(f"seg-{i:04d}", "traffic", "road_segment", f"Đoạn {i}", _line(a, b)))
        series += [(f"seg-{i:04d}", m) for m in ("speed_kmh", "volume_vph", "occupancy_pct")]
    for i in range(30):
        geom = {"type": "Point", "coordinates": place()}
        assets.append(Asset(f"aq-{i:02d}", "environment", "air_station", f"Trạm {i}", geom))
        metrics = ("pm25_ugm3", "pm10_ugm3", "no2_ugm3", "o3_ugm3", "temp_c", "humidity_pct")
        series += [(f"aq-{i:02d}", m) for m in metrics]
    for i in range(1350):
        geom = {"type": "Point", "coordinates": place()}
        assets.append(Asset(f"cab-{i:04d}", "lighting", "cabinet", f"Tủ điện {i}", geom))
        series.append((f"cab-{i:04d}", "power_w"))
    return assets, series


def _line(a: list[float], b: list[float]) -> dict[str, object]:
    return {"type": "LineString", "coordinates": [a, b]}


_SCALE = {
    "speed_kmh": (35.0, 12.0),
    "volume_vph": (900.0, 500.0),
    "occupancy_pct": (25.0, 15.0),
    "pm25_ugm3": (30.0, 12.0),
    "pm10_ugm3": (55.0, 20.0),
    "no2_ugm3": (25.0, 10.0),
    "o3_ugm3": (45.0, 20.0),
    "temp_c": (29.0, 3.0),
    "humidity_pct": (78.0, 10.0),
    "power_w": (2500.0, 2000.0),
}


def generate(size: str, interval_s: int = 300, batch_s: int = 3600, seed: int = 7) -> BenchData:
    """The benchmark rows of `size`, `interval_s` apart, cut into batches of `batch_s`."""
    rng = np.random.default_rng(seed)
    assets, series = _assets(rng)
    ticks = max(1, SIZES[size] // len(series))
    hours = (np.arange(ticks) * interval_s / 3600.0 + 7.0) % 24  # local hour in Rạch Giá
    daily = np.cos((hours - 14.0) / 24.0 * 2 * np.pi)  # +1 at 14:00 local, -1 at 02:00
    metric_of = [m for _, m in series]
    base = np.array([_SCALE[m][0] for m in metric_of])
    swing = np.array([_SCALE[m][1] for m in metric_of])
    noise = rng.normal(0.0, 0.15, size=(ticks, len(series)))
    values = base + swing * (daily[:, None] + noise)
    is_power = np.array([m == "power_w" for m in metric_of])
    values[:, is_power] = np.where(daily[:, None] < 0, 4200.0, 0.0) + 50 * np.abs(
        noise[:, is_power]
    )
    values = np.round(np.clip(values, 0.0, None), 2)
    per_batch = max(1, batch_s // interval_s)
    batches: list[list[Reading]] = []
    blocks: list[ReadingBlock] = []
    names = sorted({a for a, _ in series}), sorted({m for _, m in series})
    asset_of = {a: i for i, a in enumerate(names[0])}
    metric_of_name = {m: i for i, m in enumerate(names[1])}
    s_asset = np.array([asset_of[a] for a, _ in series], dtype=np.int64)
    s_metric = np.array([metric_of_name[m] for _, m in series], dtype=np.int64)
    start = int(START.timestamp())
    for first in range(0, ticks, per_batch):
        batch: list[Reading] = []
        last = min(first + per_batch, ticks)
        for k in range(first, last):
            ts = START + timedelta(seconds=k * interval_s)
            row = values[k].tolist()
            batch += [Reading(a, m, ts, v) for (a, m), v in zip(series, row, strict=True)]
        batches.append(batch)
        n_ticks = last - first
        tick_ts = start + interval_s * np.arange(first, last, dtype=np.int64)
        blocks.append(
            ReadingBlock(
                names[0],
                names[1],
                np.tile(s_asset, n_ticks),
                np.tile(s_metric, n_ticks),
                np.repeat(tick_ts, len(series)),
                values[first:last].ravel(),
            )
        )
    return BenchData(assets, series, batches, blocks, interval_s)

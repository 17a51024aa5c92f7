"""The simulator connector: a believable Rạch Giá, the embedded default feed.

`fetch(since, now)` returns every reading on the step grid in (since, now] — `since=None` means
the current state only, the last step at or before `now`. Every value is a pure function of
(seed, asset, timestamp), so one long fetch equals the union of shorter ones: chunking, restarts
and backfill never change the data. The only thing an instance remembers is whether it has
fetched before: its first batch carries the assets, the state of every lamp and the open
reports, so a fresh store has a latest value for each (repeated on restart; the values agree).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from pydantic import Field

from dashboard.config import Config, SourceConfig
from dashboard.records import Asset, Batch, ReadingBlock

from ..base import ConnectorSettings, Health, SourceConnector
from .air import AirStations, air_assets, air_quality, place_air_stations, station_id
from .geography import Geography, load_geography
from .lighting import (
    POWER_STEP_S,
    LightingPlan,
    build_lighting,
    cabinet_id,
    cabinet_power,
    dusk_days,
    fault_intervals,
    lamp_events,
    lamp_id,
    lighting_assets,
    switch_schedule,
)
from .noise import IntArray
from .reports import LOOKBACK_S, ReportWorld, plan_reports, report_versions
from .streets import RoadSegment, build_segments, network_geojson
from .traffic import road_assets, segment_id, traffic
from .water import Gauges, gauge_id, place_gauges, water_assets, water_level

__all__ = ["City", "SimulatorSettings", "SimulatorSource", "build_city", "street_network_geojson"]


class SimulatorSettings(ConnectorSettings):
    """The simulator's own keys in its `[[sources]]` entry, all defaulted."""

    seed: int = 42
    segments: int = Field(default=160, ge=150)
    lights: int = Field(default=3000, ge=1)
    air_stations: int = Field(default=12, ge=1)
    water_sensors: int = Field(default=8, ge=1)
    reports_per_day: float = Field(default=40.0, ge=0)
    step_s: int = Field(default=300, ge=60, le=3600)


@dataclass(frozen=True)
class City:
    """Everything fixed about the simulated city: geography and the placed assets."""

    geo: Geography
    segments: list[RoadSegment]
    lamps: LightingPlan
    air: AirStations
    gauges: Gauges


def build_city(config: Config, options: SimulatorSettings) -> City:
    geo = load_geography(config)
    segments = build_segments(geo, options.segments)
    return City(
        geo=geo,
        segments=segments,
        lamps=build_lighting(segments, options.lights, options.seed),
        air=place_air_stations(geo, segments, options.air_stations),
        gauges=place_gauges(geo, options.water_sensors),
    )


def street_network_geojson(config: Config, segments: int = 160) -> dict[str, Any]:
    """The simulated road segments (and canals) as a GeoJSON FeatureCollection, lon/lat.

    Pure: depends only on the boundary files in `config.areas` and the segment count, so the
    base map drawn from it matches the simulator's `road_segment` assets.
    """
    geo = load_geography(config)
    return network_geojson(geo, build_segments(geo, segments))


def _grid(since: datetime | None, now: datetime, step: int) -> IntArray:
    last = int(now.timestamp()) // step * step
    if since is None:
        return np.array([last], dtype=np.int64)
    first = int(since.timestamp()) // step * step + step
    return np.arange(first, last + 1, step, dtype=np.int64)


class SimulatorSource(SourceConnector):
    """The simulated city as a connector (see the module docstring for the guarantees)."""

    kind = "simulator"
    Settings = SimulatorSettings
    options: SimulatorSettings

    def __init__(self, settings: SourceConfig, config: Config) -> None:
        super().__init__(settings, config)
        self.prefix = f"{settings.name}:"
        self._city: City | None = None
        self._fetched = False

    @property
    def city(self) -> City:
        if self._city is None:
            self._city = build_city(self.config, self.options)
        return self._city

    def check_health(self) -> Health:
        try:
            city = self.city
        except (OSError, ValueError, KeyError) as exc:
            return Health(ok=False, message=f"cannot build the simulated city: {exc}")
        return Health(ok=True, message=f"{len(city.segments)} segments, {city.lamps.n_lamps} lamps")

    def assets(self) -> list[Asset]:
        city, p = self.city, self.prefix
        return [
            *road_assets(city.segments, p),
            *lighting_assets(city.lamps, p),
            *air_assets(city.air, p),
            *water_assets(city.gauges, p),
        ]

    def fetch(self, since: datetime | None, now: datetime) -> Batch:
        if now.tzinfo is None or (since is not None and since.tzinfo is None):
            raise ValueError("fetch needs aware UTC datetimes")
        opts, city, p = self.options, self.city, self.prefix
        first = not self._fetched
        step = opts.step_s
        t = _grid(since, now, step)
        batch = Batch(cursor=now, assets=self.assets() if first else [])
        if t.size == 0:
            self._fetched = True
            return batch
        lo = int(t[0]) - step  # the window is (lo, t[-1]]
        hi = int(t[-1])
        seed = opts.seed
        blocks = batch.blocks

        road_ids = [segment_id(p, s.index) for s in city.segments]
        flow = traffic(seed, city.segments, t)
        for metric in ("speed_kmh", "volume_vph", "occupancy_pct"):
            blocks.append(ReadingBlock.grid(road_ids, metric, t, getattr(flow, metric)))

        air_ids = [station_id(p, i) for i in range(len(city.air.lon))]
        for metric, values in air_quality(seed, city.air, t).items():
            blocks.append(ReadingBlock.grid(air_ids, metric, t, values))

        gauge_ids = [gauge_id(p, i) for i in range(len(city.gauges.lon))]
        levels = water_level(seed, city.gauges, t)
        blocks.append(ReadingBlock.grid(gauge_ids, "water_level_cm", t, levels))

        day0, day1 = dusk_days(lo - LOOKBACK_S, hi)
        schedule = switch_schedule(seed, city.lamps.n_cabinets, day0, day1, step)
        faults = fault_intervals(seed, city.lamps, schedule, step)
        lamp, metrics, when, value = lamp_events(
            city.lamps, schedule, faults, int(t[0]), hi, step, first
        )
        if len(lamp):
            names, metric_index = np.unique(np.array(metrics), return_inverse=True)
            lamp_ids = [lamp_id(p, i) for i in range(city.lamps.n_lamps)]
            blocks.append(ReadingBlock(lamp_ids, names.tolist(), lamp, metric_index, when, value))
        power_t = _grid(since, now, POWER_STEP_S)
        if power_t.size:
            power = cabinet_power(seed, city.lamps, schedule, faults, power_t)
            cab_ids = [cabinet_id(p, c) for c in range(city.lamps.n_cabinets)]
            blocks.append(ReadingBlock.grid(cab_ids, "power_w", power_t, power))

        world = ReportWorld(city.geo, city.segments, city.lamps, faults)
        planned = plan_reports(seed, world, lo, hi, opts.reports_per_day)
        batch.reports = report_versions(planned, lo, hi, snapshot=first)
        self._fetched = True
        return batch

"""A MapState-shaped sample of the simulated city for figure tests (no store, no clock).

Positions come from the simulator's own city (the assets the wall really draws); states are
drawn from a seeded generator, with a few chosen on purpose: a jammed arterial, faulty lamps,
a gauge above flood stage, a station in every VN_AQI band and overdue reports.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

import numpy as np
import pandas as pd

from dashboard.aqi import BANDS
from dashboard.config import Config
from dashboard.queries.wall import MapState
from data_sources.simulator import SimulatorSettings, build_city

NOW = datetime(2025, 11, 20, 12, 30, tzinfo=UTC)  # 19:30 in Rạch Giá: lights on
NOW_TS = int(NOW.timestamp())


# The figures take the query layer's MapState; the sample is one, built by hand.
SampleState = MapState


@cache
def sample_state(lights: int = 3000, stations: int = 12) -> SampleState:
    city = build_city(Config(), SimulatorSettings(lights=lights, air_stations=stations))
    rng = np.random.default_rng(7)
    ward = city.geo.ward_of
    segs = city.segments
    ratio = np.clip(rng.beta(4, 1.6, len(segs)), 0.05, 1.0)
    ratio[:6] = [0.12, 0.2, 0.35, 0.45, 0.6, 0.7]  # every band present
    ratio[-1] = np.nan  # one segment without data
    ff = np.array([s.free_flow_kmh for s in segs])
    segments = pd.DataFrame(
        {
            "id": [f"sim:road-{s.index:04d}" for s in segs],
            "name": [s.street for s in segs],
            "ward": [ward(*s.line.coords[0]) for s in segs],
            "lons": [[c[0] for c in s.line.coords] for s in segs],
            "lats": [[c[1] for c in s.line.coords] for s in segs],
            "speed_kmh": ratio * ff,
            "free_flow_kmh": ff,
            "ratio": ratio,
            "ts": NOW_TS - 60,
        }
    )
    lp = city.lamps
    n = lp.n_lamps
    fault = (rng.random(n) < 0.006).astype(np.int64)  # ~3 nights of 0.2% awaiting repair
    on = np.where(rng.random(n) < 0.97, 1, 0)
    cab_ids = [f"sim:cab-{c:03d}" for c in range(lp.n_cabinets)]
    lamps = pd.DataFrame(
        {
            "id": [f"sim:lamp-{i:05d}" for i in range(n)],
            "lon": lp.lon,
            "lat": lp.lat,
            "cabinet": [cab_ids[c] for c in lp.cabinet],
            "ward": "Phường Rạch Giá",
            "on": np.where(fault == 1, 0, on),
            "fault": fault,
            "ts": NOW_TS - rng.integers(0, 3600, n),
        }
    )
    g = lamps.assign(c=lp.cabinet).groupby("c")
    cabinets = pd.DataFrame(
        {
            "id": cab_ids,
            "name": cab_ids,
            "lon": lp.cab_lon,
            "lat": lp.cab_lat,
            "ward": "Phường Rạch Giá",
            "lamps": g.size().reindex(range(lp.n_cabinets), fill_value=0).to_numpy(),
            "lamps_on": g["on"].sum().reindex(range(lp.n_cabinets), fill_value=0).to_numpy(),
            "lamps_faulty": g["fault"].sum().reindex(range(lp.n_cabinets), fill_value=0).to_numpy(),
        }
    )
    k = len(city.air.lon)
    aqi = np.array([(b.low + b.high) // 2 for b in BANDS] * (k // len(BANDS) + 1))[:k]
    air = pd.DataFrame(
        {
            "id": [f"sim:air-{i + 1:02d}" for i in range(k)],
            "name": list(city.air.names),
            "lon": city.air.lon,
            "lat": city.air.lat,
            "ward": [ward(x, y) for x, y in zip(city.air.lon, city.air.lat, strict=True)],
            "aqi": aqi.astype(float),
            "band": "",
            "dominant": "pm25",
            "pm25_ugm3": aqi * 0.4,
            "ts": NOW_TS - 1800,
        }
    )
    gw = city.gauges
    level = gw.alert_cm * np.linspace(0.5, 1.3, len(gw.lon))
    level[-1] = gw.flood_cm[-1] + 10
    water = pd.DataFrame(
        {
            "id": [f"sim:water-{i + 1:02d}" for i in range(len(gw.lon))],
            "name": list(gw.names),
            "lon": gw.lon,
            "lat": gw.lat,
            "ward": [ward(x, y) for x, y in zip(gw.lon, gw.lat, strict=True)],
            "level_cm": level,
            "alert_stage_cm": gw.alert_cm,
            "flood_stage_cm": gw.flood_cm,
            "ts": NOW_TS - 300,
        }
    )
    pick = rng.choice(n, 40, replace=False)
    created = [NOW - timedelta(hours=float(h)) for h in rng.uniform(0.5, 100, 40)]
    reports = pd.DataFrame(
        {
            "id": [f"sim:rpt-{i:04d}" for i in range(40)],
            "lon": lp.lon[pick] + 0.0004,
            "lat": lp.lat[pick] + 0.0004,
            "ward": "Phường Rạch Giá",
            "category": rng.choice(["pothole", "streetlight", "flooding", "waste"], 40),
            "status": rng.choice(["open", "acknowledged", "in_progress"], 40),
            "created_at": created,
            "overdue": [c < NOW - timedelta(hours=48) for c in created],
        }
    )
    return SampleState(segments, lamps, cabinets, air, water, reports, NOW_TS)

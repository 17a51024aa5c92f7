"""The operations wall's numbers: KPI tiles, the map's state, lamp changes; the face of the wall's
query modules (trends, ticker and feed quality are re-exported from theirs).

Every function takes a read session and an aware UTC `now` (the clock is data, never read here)
and reads latest values, rollups and the small tables only; the sole raw-readings reads are
the bounded lamp-event queries in `dashboard.queries.events`. `/api/v1/kpis` calls `wall_kpis`
too, so the wall and the API never disagree.

The KPI definitions, as the operators read them (`previous` is the same value one week
earlier, at the start of the 5-minute bucket holding now − 7 d — the rollups' resolution, see
`snapshot` —, None when the store has no data then):

- traffic.avg_speed (km/h): the network's speed now — the latest speed of every segment,
  averaged weighted by segment length (attribute length_m; a segment without it weighs the
  mean length). Not the trend strip's hourly mean (`trends`): the two are labelled "now" and
  "hourly" so an operator never reads two different numbers as one. Level: network
  speed / free-flow speed (same weights) below config.wall.congested_below is bad, below half
  way from there to 1 is warn.
- traffic.congested (segments): segments whose latest speed / free_flow_kmh is below
  config.wall.congested_below. Level: over 15 % of the segments bad, over 5 % warn.
- lighting.on / lighting.faulty (lamps): lamps whose latest lamp_on / lamp_fault is 1. A week
  ago: each lamp's state then (events.lamp_states_at). Faulty level: ≥ 3 % bad, ≥ 1 % warn.
- lighting.energy_today (kWh): since local midnight (config.city.timezone) from the cabinets'
  power_w 5-minute rollups, each bucket's mean W × the time it stands for (snapshot.energy_kwh).
- air.worst_aqi (VN_AQI): the highest hourly VN_AQI of the stations (snapshot.station_aqi);
  detail: that station's name and dominant pollutant. Level: > 150 bad, > 100 warn.
- water.highest (cm): the highest latest water level; detail: that gauge. Level: any gauge
  above its flood_stage_cm is bad, above its alert_stage_cm warn (so a flooding low gauge is
  never hidden behind a higher, safe one).
- reports.open: reports whose status is not closed; reports.overdue: open longer than
  records.REPORT_SLA_HOURS[category]. Overdue level: any warn, over a quarter of the open bad.
- alerts.active: conditions that need someone now — segments jammed (speed below half the
  congestion threshold), stations with VN_AQI > 150, gauges above flood stage, stale feeds,
  overdue reports. Level bad when any. A week ago counts the same minus stale feeds (the store
  keeps no history of feed freshness), and only when every other part is known then.

A comparison needs a basis: `previous` is None when the store holds nothing at that instant
(its history began later, `weekago.WeekAgo.covered`), never a count of what little it knew;
the tiles then say "no data a week ago".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
from sqlalchemy.orm import Session

from dashboard.config import Config
from dashboard.queries import from_epoch, to_epoch
from dashboard.queries.airnow import stations_at
from dashboard.queries.citynow import gauges_now, reports_now, segments_at
from dashboard.queries.events import TickerEvent, ticker_events, ticker_rows
from dashboard.queries.lamps import lamp_counts
from dashboard.queries.mapstate import (
    MapRead,
    MapState,
    lamp_changes,
    lamp_state,
    lamps_changed_since,
    map_read,
    map_state,
)
from dashboard.queries.quality import FeedQuality, feed_quality
from dashboard.queries.snapshot import POLLUTANT_LABEL, energy_kwh
from dashboard.queries.trends import trends_24h
from dashboard.queries.weekago import local_midnight, week_ago, week_ago_s

__all__ = [
    "KPI_KEYS",
    "FeedQuality",
    "Kpi",
    "MapRead",
    "MapState",
    "TickerEvent",
    "feed_quality",
    "lamp_changes",
    "lamp_state",
    "lamps_changed_since",
    "map_read",
    "map_state",
    "ticker_events",
    "ticker_rows",
    "trends_24h",
    "wall_kpis",
]

KPI_KEYS = (
    "traffic.avg_speed",
    "traffic.congested",
    "lighting.on",
    "lighting.faulty",
    "lighting.energy_today",
    "air.worst_aqi",
    "water.highest",
    "reports.open",
    "reports.overdue",
    "alerts.active",
)
CONGESTED_SHARE = (0.05, 0.15)  # warn, bad: share of segments congested
FAULTY_SHARE = (0.01, 0.03)  # warn, bad: share of lamps faulty
AQI_LEVEL = (100, 150)  # warn above, bad above
OVERDUE_BAD_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class Kpi:
    """One tile: value in `unit`, the same hour last week, and what its colour means."""

    key: str
    value: float | None
    unit: str
    previous: float | None
    level: str  # "ok" | "warn" | "bad" | "none"
    detail: str | None = None
    as_of: datetime | None = None


def _none(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _at(seconds: float | None) -> datetime | None:
    return None if seconds is None else from_epoch(int(seconds))


@dataclass(frozen=True, slots=True)
class _Traffic:
    avg_speed: float | None
    network_ratio: float | None
    congested: int
    jammed: int
    segments: int


def _traffic(
    speed: np.ndarray, free_flow: np.ndarray, length: np.ndarray, threshold: float
) -> _Traffic | None:
    """The network's numbers from each segment's speed, free-flow speed and length (float64
    arrays, NaN unknown): a segment without a speed is left out, one without a length
    weighs the mean known length."""
    keep = ~np.isnan(speed)
    speed, free_flow, length = speed[keep], free_flow[keep], length[keep]
    if not len(speed):
        return None
    known = length[~np.isnan(length)]
    weight = np.where(np.isnan(length), known.sum() / len(known) if len(known) else 1.0, length)
    avg = float((speed * weight).sum() / weight.sum())
    ff = ~np.isnan(free_flow)
    ratio = None
    if ff.any():
        w = weight[ff]
        ratio = float((speed[ff] * w).sum() / (free_flow[ff] * w).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        r = speed / free_flow
    return _Traffic(
        avg, ratio, int((r < threshold).sum()), int((r < threshold / 2).sum()), len(speed)
    )


def _share_level(part: float | None, whole: float, bounds: tuple[float, float]) -> str:
    if part is None:
        return "none"
    share = part / whole if whole else 0.0
    return "bad" if share > bounds[1] else "warn" if share > bounds[0] else "ok"


def _aqi_level(value: float | None) -> str:
    if value is None:
        return "none"
    return "bad" if value > AQI_LEVEL[1] else "warn" if value > AQI_LEVEL[0] else "ok"


def _speed_level(ratio: float | None, threshold: float) -> str:
    if ratio is None:
        return "none"
    return "bad" if ratio < threshold else "warn" if ratio < (1 + threshold) / 2 else "ok"


def _part_then(then: int | None, known_now: bool) -> int | None:
    """A part of last week's alert count: unknown (None) only when there is data now."""
    return then if then is not None else None if known_now else 0


def _known_max(values: tuple[float, ...]) -> float | None:
    known = [v for v in values if not math.isnan(v)]
    return max(known) if known else None


def wall_kpis(session: Session, config: Config, now: datetime) -> list[Kpi]:
    """The ten KPI tiles at `now` (aware UTC), in KPI_KEYS order (definitions: module docstring)."""
    now_s = to_epoch(now)
    past = week_ago(session, config, week_ago_s(now))
    threshold = config.wall.congested_below

    segs = segments_at(session, now_s)
    road = _traffic(segs.speed_kmh, segs.free_flow_kmh, segs.length_m, threshold)
    # A week ago: last week's speeds with today's free-flow speeds and lengths.
    then = [i for i, a in enumerate(segs.ids) if a in past.speeds]
    speeds_then = np.array([past.speeds[segs.ids[i]] for i in then], dtype="float64")
    road_then = _traffic(speeds_then, segs.free_flow_kmh[then], segs.length_m[then], threshold)
    road_at = _at(segs.ts.max() if len(segs.ts) else None)

    lamps = lamp_counts(session)
    n_lamps = max((n for n, _, _ in lamps.values()), default=0)
    lamp_at = _at(max((ts for _, _, ts in lamps.values()), default=None))
    on, faulty = lamps.get("lamp_on"), lamps.get("lamp_fault")
    on_then, faulty_then = past.lamps.get("lamp_on"), past.lamps.get("lamp_fault")

    energy = energy_kwh(session, local_midnight(now, config), now_s)

    air = stations_at(session, now_s)
    worst_aqi = detail_air = air_at = None
    if (~np.isnan(air.aqi)).any():
        k = int(np.nanargmax(air.aqi))  # the first station with the highest VN_AQI
        worst_aqi, air_at, dominant = float(air.aqi[k]), _at(air.ts[k]), air.dominants[k]
        detail_air = f"{air.names[k]} ({POLLUTANT_LABEL.get(dominant, dominant)})"  # type: ignore[arg-type]
    worst_then = _known_max(past.aqi)

    water = gauges_now(session, now_s)
    highest = detail_water = water_at = None
    water_level = "none"
    flooding = int((water.level_cm > water.flood_stage_cm).sum())
    if len(water.ids):
        k = int(np.nanargmax(water.level_cm))
        highest, detail_water = float(water.level_cm[k]), str(water.names[k])
        water_at = _at(water.ts[k])
        alerting = bool((water.level_cm > water.alert_stage_cm).any())
        water_level = "bad" if flooding else "warn" if alerting else "ok"
    # A week ago: last week's levels against today's flood stages.
    stages = dict(zip(water.ids, water.flood_stage_cm, strict=True))
    levels_then = [v for v in past.water.values() if not math.isnan(v)]
    highest_then = max(levels_then) if levels_then else None
    flooding_then = sum(1 for a, v in past.water.items() if a in stages and v > stages[a])

    reports = reports_now(session, now)
    n_open, n_overdue = len(reports.rows), sum(reports.overdue)
    open_then, overdue_then = past.reports if past.reports is not None else (None, None)
    overdue_level = (
        "ok" if n_overdue == 0 else "bad" if n_overdue > OVERDUE_BAD_SHARE * n_open else "warn"
    )

    stale = sum(f.stale for f in feed_quality(session, config, now))
    alerts = (
        (road.jammed if road else 0)
        + int((air.aqi > AQI_LEVEL[1]).sum())
        + flooding
        + stale
        + n_overdue
    )
    # Each part a week ago, known when last week has data for it or there is none now either
    # (a city without gauges floods nowhere, then as now); a sum of only some parts is no basis.
    parts_then = [
        _part_then(road_then.jammed if road_then else None, road is not None),
        _part_then(
            sum(1 for v in past.aqi if v > AQI_LEVEL[1]) if worst_then is not None else None,
            worst_aqi is not None,
        ),
        _part_then(flooding_then if highest_then is not None else None, highest is not None),
        overdue_then,
    ]
    known = past.covered and all(p is not None for p in parts_then)
    alerts_then = float(sum(p for p in parts_then if p is not None)) if known else None

    def count(x: tuple[int, ...] | None, i: int) -> float | None:
        return None if x is None else float(x[i])

    tiles = [
        Kpi(
            "traffic.avg_speed",
            road.avg_speed if road else None,
            "km/h",
            road_then.avg_speed if road_then else None,
            _speed_level(road.network_ratio if road else None, threshold),
            as_of=road_at,
        ),
        Kpi(
            "traffic.congested",
            float(road.congested) if road else None,
            "segments",
            float(road_then.congested) if road_then else None,
            _share_level(road.congested, road.segments, CONGESTED_SHARE) if road else "none",
            as_of=road_at,
        ),
        Kpi("lighting.on", count(on, 1), "lamps", count(on_then, 1), "none", as_of=lamp_at),
        Kpi(
            "lighting.faulty",
            count(faulty, 1),
            "lamps",
            count(faulty_then, 1),
            _share_level(count(faulty, 1), n_lamps, FAULTY_SHARE),
            as_of=lamp_at,
        ),
        Kpi("lighting.energy_today", energy, "kWh", past.energy, "none", as_of=now),
        Kpi(
            "air.worst_aqi",
            worst_aqi,
            "VN_AQI",
            worst_then,
            _aqi_level(worst_aqi),
            detail_air,
            air_at,
        ),
        Kpi("water.highest", highest, "cm", highest_then, water_level, detail_water, water_at),
        Kpi("reports.open", float(n_open), "reports", _none(open_then), "none", as_of=now),
        Kpi(
            "reports.overdue",
            float(n_overdue),
            "reports",
            _none(overdue_then),
            overdue_level,
            as_of=now,
        ),
        Kpi(
            "alerts.active",
            float(alerts),
            "alerts",
            alerts_then,
            "bad" if alerts else "ok",
            as_of=now,
        ),
    ]
    return tiles if past.covered else [replace(k, previous=None) for k in tiles]

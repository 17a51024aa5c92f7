"""The operations wall's numbers: KPI tiles, the map's state, lamp changes; the face of the wall's
query modules (trends, ticker and feed quality are re-exported from theirs).

Every function takes a read session and an aware UTC `now` (the clock is data, never read here)
and reads latest values, rollups and the small tables only; the sole raw-readings reads are
the bounded lamp-event queries in `dashboard.queries.events`. `/api/v1/kpis` calls `wall_kpis`
too, so the wall and the API never disagree.

The KPI definitions, as the operators read them (`previous` is the same value one week
earlier, at the start of the 5-minute bucket holding now − 7 d — the rollups' resolution, see
`snapshot` —, None when the store has no data then):

- traffic.avg_speed (km/h): the latest speed of every segment, averaged weighted by segment
  length (attribute length_m; a segment without it weighs the mean length). Level: network
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
  keeps no history of feed freshness).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.config import Config
from dashboard.queries import from_epoch, to_epoch
from dashboard.queries.datacache import cached
from dashboard.queries.events import ticker_events
from dashboard.queries.lamps import lamp_counts, lamp_frame, lamp_signature
from dashboard.queries.quality import FeedQuality, feed_quality
from dashboard.queries.snapshot import (
    POLLUTANT_LABEL,
    cabinet_frame,
    energy_kwh,
    reports_open,
    segment_lines,
    segments_now,
    session_memo,
    station_frame,
    water_frame,
)
from dashboard.queries.trends import trends_24h
from dashboard.queries.weekago import local_midnight, week_ago, week_ago_s
from dashboard.store.models import ReportRow

__all__ = [
    "KPI_KEYS",
    "FeedQuality",
    "Kpi",
    "MapState",
    "feed_quality",
    "lamp_changes",
    "lamp_state",
    "lamps_changed_since",
    "map_state",
    "ticker_events",
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


@dataclass(frozen=True)
class MapState:
    """Everything the city map draws, one row per asset (lon/lat WGS84).

    segments: id, name, ward, lons, lats (lists), speed_kmh, free_flow_kmh, ratio, ts;
    lamps: id, lon, lat, cabinet, ward, on (0/1), fault (0/1), ts (epoch s of the newest state);
    cabinets: id, name, lon, lat, ward, lamps, lamps_on, lamps_faulty;
    air: id, name, lon, lat, ward, aqi, band (aqi.BANDS key), dominant, pm25_ugm3, ts;
    water: id, name, lon, lat, ward, level_cm, alert_stage_cm, flood_stage_cm, ts;
    reports (open ones): id (external id), lon, lat, ward, category, status, created_at, overdue.
    Every `ts` but the lamps' is an aware UTC timestamp. `version`: the newest epoch second of
    any of it (readings' data times, reports' updated_at); ask `lamp_changes(version)` next.
    """

    segments: pd.DataFrame
    lamps: pd.DataFrame
    cabinets: pd.DataFrame
    air: pd.DataFrame
    water: pd.DataFrame
    reports: pd.DataFrame
    version: int


def _none(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _at(seconds: float | None) -> datetime | None:
    return None if seconds is None or pd.isna(seconds) else from_epoch(int(seconds))


@dataclass(frozen=True, slots=True)
class _Traffic:
    avg_speed: float | None
    network_ratio: float | None
    congested: int
    jammed: int
    segments: int


def _traffic(frame: pd.DataFrame, threshold: float) -> _Traffic | None:
    frame = frame[frame["speed_kmh"].notna()]
    if frame.empty:
        return None
    known = frame["length_m"].dropna()
    weight = frame["length_m"].fillna(known.mean() if len(known) else 1.0).fillna(1.0)
    avg = float((frame["speed_kmh"] * weight).sum() / weight.sum())
    ff = frame["free_flow_kmh"].notna()
    ratio = None
    if ff.any():
        w = weight[ff]
        ratio = float((frame["speed_kmh"][ff] * w).sum() / (frame["free_flow_kmh"][ff] * w).sum())
    r = frame["speed_kmh"] / frame["free_flow_kmh"]
    return _Traffic(
        avg, ratio, int((r < threshold).sum()), int((r < threshold / 2).sum()), len(frame)
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


def _previous_water(then: pd.DataFrame, stages: pd.DataFrame) -> tuple[float | None, int]:
    if then.empty:
        return None, 0
    merged = then.merge(stages, left_on="asset_id", right_on="id")
    return float(then["value"].max()), int((merged["value"] > merged["flood_stage_cm"]).sum())


def wall_kpis(session: Session, config: Config, now: datetime) -> list[Kpi]:
    """The ten KPI tiles at `now` (aware UTC), in KPI_KEYS order (definitions: module docstring)."""
    now_s = to_epoch(now)
    then_s = week_ago_s(now)
    past = week_ago(session, config, then_s)
    threshold = config.wall.congested_below

    segs = segments_now(session, now_s)
    road = _traffic(segs, threshold)
    attrs = segs[["id", "free_flow_kmh", "length_m"]]
    road_then = _traffic(attrs.merge(past.speeds, left_on="id", right_on="asset_id"), threshold)
    road_at = _at(segs["ts"].max() if len(segs) else None)
    ratio = road.network_ratio if road else None
    speed_level = (
        "none"
        if ratio is None
        else "bad"
        if ratio < threshold
        else "warn"
        if ratio < (1 + threshold) / 2
        else "ok"
    )

    lamps = lamp_counts(session)
    lamps_then = past.lamps
    n_lamps = max((n for n, _, _ in lamps.values()), default=0)
    lamp_at = _at(max((ts for _, _, ts in lamps.values()), default=None))
    on = lamps.get("lamp_on")
    faulty = lamps.get("lamp_fault")
    on_then, faulty_then = lamps_then.get("lamp_on"), lamps_then.get("lamp_fault")

    energy = energy_kwh(session, local_midnight(now, config), now_s)
    energy_then = past.energy

    air = session_memo(session, ("stations", now_s), lambda: station_frame(session, now_s))
    worst_aqi = detail_air = air_at = None
    if air["aqi"].notna().any():
        top = air.loc[air["aqi"].idxmax()]
        worst_aqi, air_at = float(top["aqi"]), _at(top["ts"])
        detail_air = f"{top['name']} ({POLLUTANT_LABEL.get(top['dominant'], top['dominant'])})"
    aqi_then = past.aqi
    worst_then = _none(aqi_then.max()) if aqi_then.notna().any() else None

    water = session_memo(session, ("gauges", now_s), lambda: water_frame(session))
    highest = detail_water = water_at = None
    water_level = "none"
    if len(water):
        top = water.loc[water["level_cm"].idxmax()]
        highest, detail_water, water_at = float(top["level_cm"]), str(top["name"]), _at(top["ts"])
        flooding = int((water["level_cm"] > water["flood_stage_cm"]).sum())
        alerting = bool((water["level_cm"] > water["alert_stage_cm"]).any())
        water_level = "bad" if flooding else "warn" if alerting else "ok"
    stages = water[["id", "flood_stage_cm"]]
    highest_then, flooding_then = _previous_water(past.water, stages)

    reports = session_memo(session, ("reports", now_s), lambda: reports_open(session, now))
    n_open, n_overdue = len(reports), int(reports["overdue"].sum())
    open_then, overdue_then = past.reports if past.reports is not None else (None, None)
    overdue_level = (
        "ok" if n_overdue == 0 else "bad" if n_overdue > OVERDUE_BAD_SHARE * n_open else "warn"
    )

    stale = sum(f.stale for f in feed_quality(session, config, now))
    alerts = (
        (road.jammed if road else 0)
        + int((air["aqi"] > AQI_LEVEL[1]).sum())
        + int((water["level_cm"] > water["flood_stage_cm"]).sum())
        + stale
        + n_overdue
    )
    parts_then = [
        road_then.jammed if road_then else None,
        int((aqi_then > AQI_LEVEL[1]).sum()) if worst_then is not None else None,
        flooding_then if highest_then is not None else None,
        overdue_then,
    ]
    known_then = [p for p in parts_then if p is not None]
    alerts_then = float(sum(known_then)) if known_then else None

    def count(x: tuple[int, ...] | None, i: int) -> float | None:
        return None if x is None else float(x[i])

    return [
        Kpi(
            "traffic.avg_speed",
            road.avg_speed if road else None,
            "km/h",
            road_then.avg_speed if road_then else None,
            speed_level,
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
        Kpi("lighting.energy_today", energy, "kWh", energy_then, "none", as_of=now),
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


def map_state(session: Session, config: Config, now: datetime) -> MapState:
    """The city map's state at `now` (aware UTC); see MapState for the frames."""
    now_s = to_epoch(now)
    segs = segments_now(session, now_s)
    lines = segment_lines(session)
    empty: tuple[list[float | None], list[float | None]] = ([], [])
    coords = [lines.get(i, empty) for i in segs["id"]]
    segs["lons"] = [list(c[0]) for c in coords]
    segs["lats"] = [list(c[1]) for c in coords]
    lamps, cabinets = lamp_state(session)
    air = session_memo(session, ("stations", now_s), lambda: station_frame(session, now_s))
    water = session_memo(session, ("gauges", now_s), lambda: water_frame(session))
    reports = session_memo(session, ("reports", now_s), lambda: reports_open(session, now))
    updated = session.scalar(select(func.max(ReportRow.updated_at)))
    newest = [
        segs["ts"].max() if len(segs) else None,
        lamps["ts"].max() if len(lamps) else None,
        air["ts"].max() if air["ts"].notna().any() else None,
        water["ts"].max() if len(water) else None,
        to_epoch(updated) if updated is not None else None,
    ]
    version = max((int(v) for v in newest if v is not None and not pd.isna(v)), default=0)
    for frame in (segs, air, water):
        frame["ts"] = pd.to_datetime(frame["ts"].astype("float64"), unit="s", utc=True)
    seg_cols = ["id", "name", "ward", "lons", "lats", "speed_kmh", "free_flow_kmh", "ratio", "ts"]
    return MapState(
        segments=segs[seg_cols],
        lamps=lamps,
        cabinets=cabinets,
        air=air,
        water=water,
        reports=reports,
        version=version,
    )


def lamp_state(session: Session) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(snapshot.lamp_frame, snapshot.cabinet_frame of it): every lamp and cabinet, read only
    when the lamps' state or the assets changed (`datacache`, keyed by
    snapshot.lamp_signature: equal signatures, equal frames). Copies: change them freely."""

    def read() -> tuple[pd.DataFrame, pd.DataFrame]:
        lamps = lamp_frame(session)
        return lamps, cabinet_frame(session, lamps)

    lamps, cabinets = cached(session, "lamp_state", lamp_signature(session), read, keep=2)
    return lamps.copy(), cabinets.copy()


def lamps_changed_since(lamps: pd.DataFrame, since_ts: int) -> pd.DataFrame:
    """`lamp_changes(session, since_ts)` computed from a current MapState.lamps frame."""
    return lamps[lamps["ts"] > since_ts].reset_index(drop=True)


def lamp_changes(session: Session, since_ts: int) -> pd.DataFrame:
    """Lamps whose on/fault state has a reading newer than `since_ts` (epoch s, e.g. the last
    MapState.version), with the same columns as MapState.lamps. Reads latest values only."""
    return lamp_frame(session, changed_after=since_ts)

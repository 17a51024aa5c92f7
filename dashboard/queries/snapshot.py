"""The city at an instant, from latest values, rollups and the reports table (never raw history).

The wall's modules (`wall`, `events`, `quality`) build on these pieces, so a congested segment,
a station's VN_AQI or an overdue report means the same thing on the tiles, the map, the ticker
and in `/api/v1/kpis`. Times inside are epoch seconds (UTC) like the store; frames handed out of
the query layer carry aware UTC datetimes except where the wall's interface says epoch seconds.

"A week ago" reads rollups: for each series the newest 5-minute bucket starting at or before
that instant, at most `PREVIOUS_LOOKBACK_S` earlier (the bucket's mean stands for the value).
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import BindParameter, Integer, bindparam, case, func, or_, select
from sqlalchemy.orm import Session

from dashboard.queries._answer_cache import cached
from dashboard.queries._five_minute import five_minute
from dashboard.queries._statements import attribute, query_frame, rows, session_memo, statement
from dashboard.queries.airnow import STATION_AQI_COLUMNS, station_aqi_rows, stations_at
from dashboard.queries.citynow import (
    HOUR_S,
    ReportsNow,
    asset_latest,
    read_gauges,
    read_segments,
    report_columns,
    reports_now,
    segment_columns,
    segments_at,
)
from dashboard.queries.report_status import effective_reports
from dashboard.store.models import AssetRow, Series

__all__ = [
    "BUCKET_S",
    "EVENT_METRICS",
    "HOUR_S",
    "LAMP_METRICS",
    "POLLUTANT_LABEL",
    "PREVIOUS_LOOKBACK_S",
    "WEEK_S",
    "asset_signature",
    "attribute",
    "bucket_values_at",
    "cabinet_frame",
    "energy_kwh",
    "line_coords",
    "query_frame",
    "reports_open",
    "segment_frame",
    "segment_lines",
    "segments_now",
    "session_memo",
    "station_aqi",
    "station_frame",
    "water_frame",
]

BUCKET_S = 300  # rollup_5m's bucket
WEEK_S = 7 * 86400
PREVIOUS_LOOKBACK_S = 3600
# Lamps report on change only: their series have data in few hours, on purpose.
LAMP_METRICS = ("lamp_on", "lamp_fault")
EVENT_METRICS = frozenset(LAMP_METRICS)
# Longest time one power sample stands for when integrating energy (a silent meter stops counting).
ENERGY_HOLD_MAX_S = 3600
POLLUTANT_LABEL = {"pm25": "PM2.5", "pm10": "PM10", "no2": "NO₂", "o3_1h": "O₃", "co": "CO"}


@statement
def _asset_signature_stmt() -> Any:
    return select(func.count(), func.max(AssetRow.updated_at))


def segment_frame(session: Session, geometry: bool = False) -> pd.DataFrame:
    """Road segments with their latest speed: id, name, ward, free_flow_kmh, length_m,
    speed_kmh, ts (epoch s), ratio (= speed / free-flow speed) [, geometry]. Ordered by id."""
    if not geometry:
        return read_segments(session).frame()
    cols = segment_columns(geometry=True)
    stmt = select(*cols).where(*asset_latest("speed_kmh")).order_by(AssetRow.id)
    frame = query_frame(session, stmt, [c.key for c in cols])
    for col in ("free_flow_kmh", "length_m", "speed_kmh"):
        frame[col] = frame[col].astype("float64")
    frame["ts"] = frame["ts"].astype("int64")
    frame["ratio"] = frame["speed_kmh"] / frame["free_flow_kmh"]
    return frame


def segments_now(session: Session, now_s: int) -> pd.DataFrame:
    """segment_frame, read once per read session and instant (citynow.segments_at)."""
    return segments_at(session, now_s).frame()


def asset_signature(session: Session) -> tuple[Hashable, ...]:
    """The assets' count and newest update: an asset added, moved or changed moves it. Once
    per read session."""
    return session_memo(
        session, ("asset_signature",), lambda: tuple(rows(session, _asset_signature_stmt())[0])
    )


def segment_lines(session: Session) -> dict[str, tuple[list[float | None], list[float | None]]]:
    """Each road segment's line (lons, lats; see line_coords), by asset id: parsed once per
    process while the assets stand still (`_answer_cache`, keyed by asset_signature)."""

    def read() -> dict[str, tuple[list[float | None], list[float | None]]]:
        frame = segment_frame(session, geometry=True)
        return {i: line_coords(g) for i, g in zip(frame["id"], frame["geometry"], strict=True)}

    return cached(session, "segment_lines", asset_signature(session), read, keep=2)


def bucket_values_at(session: Session, metric: str, at: int) -> pd.DataFrame:
    """Per asset, the mean of the newest 5-minute bucket of `metric` starting in
    (at - PREVIOUS_LOOKBACK_S, at]: asset_id, value, max, ts (bucket start, epoch s)."""
    ids = select(Series.id).where(Series.metric == metric).scalar_subquery()
    five = five_minute(at - PREVIOUS_LOOKBACK_S + 1, at + 1, lambda sid: sid.in_(ids)).c
    # The newest bucket per series by row_number: one pass over the 5-minute union (a
    # GROUP BY max joined back to it would read it twice).
    newest = func.row_number().over(partition_by=five.series_id, order_by=five.bucket.desc())
    ranked = select(
        five.series_id, five.sum, five.count, five.max, five.bucket, newest.label("rank")
    ).subquery()
    stmt = (
        select(Series.asset_id, ranked.c.sum, ranked.c.count, ranked.c.max, ranked.c.bucket)
        .join(ranked, ranked.c.series_id == Series.id)
        .where(ranked.c.rank == 1)
    )
    frame = query_frame(session, stmt, ["asset_id", "sum", "count", "max", "ts"])
    frame["value"] = frame["sum"].astype("float64") / frame["count"].astype("float64")
    frame["max"] = frame["max"].astype("float64")
    return frame[["asset_id", "value", "max", "ts"]]


@statement
def _power_meters_stmt() -> Any:
    return select(Series.id).where(Series.metric == "power_w").order_by(Series.id)


@statement
def _energy_stmt() -> Any:
    start, end = bindparam("start", type_=Integer), bindparam("end", type_=Integer)
    # The meters' ids as values, not a subquery: PostgreSQL misjudges `IN (SELECT ...)` on
    # a young store and scans every rollup (31 ms on a 1-day city, 6 ms by the index).
    ids: BindParameter[int] = bindparam("ids", expanding=True)
    five = five_minute(start, end, lambda sid: sid.in_(ids)).c
    buckets = select(
        five.bucket.label("bucket"), (five.sum / five.count).label("watts"), next_bucket(five)
    ).subquery()
    return select(func.sum(held_joules(buckets.c, end)), func.min(buckets.c.bucket))


def next_bucket(five: Any) -> Any:
    """The next 5-minute bucket of the same series (NULL for its newest), labelled "next":
    `five` is `_five_minute.five_minute(...).c`."""
    return (
        func.lead(five.bucket).over(partition_by=five.series_id, order_by=five.bucket).label("next")
    )


def held_joules(buckets: Any, end: Any) -> Any:
    """Joules of each bucket's mean `watts`, held until its `next` bucket (at most
    ENERGY_HOLD_MAX_S), the newest one until `end`: `buckets` has columns bucket, watts and
    next (`next_bucket`)."""
    span = func.coalesce(buckets.next, end) - buckets.bucket
    return buckets.watts * case((span > ENERGY_HOLD_MAX_S, ENERGY_HOLD_MAX_S), else_=span)


def energy_kwh(
    session: Session, start: int, end: int, *, whole_window: bool = False
) -> float | None:
    """kWh drawn by every `power_w` series over [start, end), from 5-minute rollups.

    Each bucket's mean W counts until the series' next bucket with data (its 5 minutes when
    the meter reports every 5 minutes or faster; a 15-minute meter's sample stands for its
    15 minutes), at most ENERGY_HOLD_MAX_S, and the newest one until `end`. None: no data.
    With `whole_window`, also None when the store's data begins well after `start` (a
    comparison value must not be a partial day).
    """
    meters = [sid for (sid,) in rows(session, _power_meters_stmt())]
    if not meters:
        return None
    params = {"start": start, "end": end, "ids": meters}
    joules, first = rows(session, _energy_stmt(), params)[0]
    if joules is None or (whole_window and first > start + ENERGY_HOLD_MAX_S):
        return None
    return float(joules) / 3.6e6


def line_coords(geometry: dict[str, Any]) -> tuple[list[float | None], list[float | None]]:
    """Lons and lats of a LineString; a MultiLineString's parts are joined with None gaps."""
    coords = geometry.get("coordinates") or []
    parts = coords if geometry.get("type") == "MultiLineString" else [coords]
    lons: list[float | None] = []
    lats: list[float | None] = []
    for k, part in enumerate(parts):
        if k:
            lons.append(None)
            lats.append(None)
        lons += [float(c[0]) for c in part]
        lats += [float(c[1]) for c in part]
    return lons, lats


def cabinet_frame(session: Session, lamps: pd.DataFrame) -> pd.DataFrame:
    """Lighting cabinets (kind "cabinet"): id, name, lon, lat, ward, and from `lamps`
    (lamp_frame) the count of their lamps, lamps on and lamps faulty."""
    stmt = (
        select(AssetRow.id, AssetRow.name, AssetRow.lon, AssetRow.lat, AssetRow.ward)
        .where(AssetRow.domain == "lighting", AssetRow.kind == "cabinet")
        .order_by(AssetRow.id)
    )
    cabinets = query_frame(session, stmt, ["id", "name", "lon", "lat", "ward"])
    per = lamps.groupby("cabinet").agg(
        lamps=("id", "size"), lamps_on=("on", "sum"), lamps_faulty=("fault", "sum")
    )
    cabinets = cabinets.merge(per, left_on="id", right_index=True, how="left")
    for col in ("lamps", "lamps_on", "lamps_faulty"):
        cabinets[col] = cabinets[col].fillna(0).astype("int64")
    return cabinets


def station_aqi(session: Session, at: int) -> pd.DataFrame:
    """VN_AQI (hourly, QĐ 1459/QĐ-TCMT via `dashboard.aqi`) of each air station at `at`.

    The hour in progress (the 1-hour bucket holding `at`) is the newest hour c₁. PM2.5 and PM10:
    Nowcast of the hourly means of c₁…c₁₂ (rollup_1h). NO₂, O₃ (1-hour table), CO (mg/m³ ×
    1,000 to µg/m³): the mean of c₁, else of c₂ in the first minutes of an hour. Columns:
    asset_id, aqi (int or NaN), band (key of aqi.BANDS or None), dominant (pollutant or None).
    """
    return pd.DataFrame(station_aqi_rows(session, at), columns=STATION_AQI_COLUMNS)


def station_frame(session: Session, at: int) -> pd.DataFrame:
    """Air stations: id, name, lon, lat, ward, aqi, band, dominant, pm25_ugm3 (latest), ts
    (epoch s of the station's newest pollutant reading). Read once per read session and
    instant (citynow.stations_at)."""
    return stations_at(session, at).frame()


def water_frame(session: Session) -> pd.DataFrame:
    """Water gauges with their latest level: id, name, lon, lat, ward, level_cm, alert_stage_cm,
    flood_stage_cm (attributes; NaN when not given), ts (epoch s). Ordered by id."""
    return read_gauges(session).frame()


def reports_open(session: Session, now: datetime, at: datetime | None = None) -> pd.DataFrame:
    """Reports open at `at` (default: now, effective status != closed) with `overdue` =
    open longer than records.REPORT_SLA_HOURS[category] (unknown category: "other").

    For a past `at` the open set is rebuilt from the effective created_at/closed_at
    (`report_status`: the desk's close or the feed's): created at or before `at`, closed after
    it or not at all. Columns: id (external id), lon, lat, ward, category,
    status, created_at (aware UTC), overdue.
    """
    if at is None:
        return reports_now(session, now).frame()
    reports = effective_reports()
    c = reports.c
    stmt = (
        select(*report_columns(reports))
        .where(c.created_at <= at, or_(c.closed_at.is_(None), c.closed_at > at))
        .order_by(c.created_at, c.id)
    )
    return ReportsNow(tuple(rows(session, stmt)), at).frame()

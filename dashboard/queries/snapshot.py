"""The city at an instant, from latest values, rollups and the reports table (never raw history).

The wall's modules (`wall`, `events`, `quality`) build on these pieces, so a congested segment,
a station's VN_AQI or an overdue report means the same thing on the tiles, the map, the ticker
and in `/api/v1/kpis`. Times inside are epoch seconds (UTC) like the store; frames handed out of
the query layer carry aware UTC datetimes except where the wall's interface says epoch seconds.

"A week ago" reads rollups: for each series the newest 5-minute bucket starting at or before
that instant, at most `PREVIOUS_LOOKBACK_S` earlier (the bucket's mean stands for the value).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from typing import Any, TypeVar, cast

import pandas as pd
from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from dashboard import aqi
from dashboard.queries.datacache import cached
from dashboard.records import REPORT_SLA_HOURS, ReportStatus
from dashboard.store.models import AssetRow, Latest, ReportRow, Rollup1h, Rollup5m, Series

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

HOUR_S = 3600
BUCKET_S = 300  # rollup_5m's bucket
WEEK_S = 7 * 86400
PREVIOUS_LOOKBACK_S = 3600
# Lamps report on change only: their series have data in few hours, on purpose.
LAMP_METRICS = ("lamp_on", "lamp_fault")
EVENT_METRICS = frozenset(LAMP_METRICS)
# Longest time one power sample stands for when integrating energy (a silent meter stops counting).
ENERGY_HOLD_MAX_S = 3600
POLLUTANT_LABEL = {"pm25": "PM2.5", "pm10": "PM10", "no2": "NO₂", "o3_1h": "O₃", "co": "CO"}


T = TypeVar("T")
_MEMO = "cityops.queries.memo"


def session_memo(session: Session, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """`compute()` once per read session and key (frames handed out as copies).

    One wall refresh asks several queries for the same pieces (segments, stations, gauges,
    feed quality) in one session, so they are read once. Keys carry `now`: a session reused
    for a later instant reads afresh.
    """
    memo: dict[tuple[Hashable, ...], Any] = session.info.setdefault(_MEMO, {})
    if key not in memo:
        memo[key] = compute()
    value = memo[key]
    return cast(T, value.copy() if isinstance(value, pd.DataFrame | list) else value)


def query_frame(session: Session, stmt: Any, columns: Sequence[str]) -> pd.DataFrame:
    """The rows of `stmt` as a DataFrame, built column by column (pandas' row-by-row path
    costs more than the query on a few thousand rows).

    Executed on the session's Core connection: the ORM's row loading (entity bookkeeping per
    row) cost more than the driver on the wall's statements, and these are plain column
    selects, so Core rows carry the same values (the same result processors run)."""
    rows = session.connection().execute(stmt).all()
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.DataFrame(dict(zip(columns, map(list, zip(*rows, strict=True)), strict=True)))


def attribute(key: str) -> ColumnElement[float]:
    """A numeric asset attribute read in SQL (SQLite json_extract, PostgreSQL ->>), NULL if absent."""
    return AssetRow.attributes[key].as_float()


def _asset_latest(metric: str) -> list[Any]:
    return [Series.asset_id == AssetRow.id, Latest.series_id == Series.id, Series.metric == metric]


def segment_frame(session: Session, geometry: bool = False) -> pd.DataFrame:
    """Road segments with their latest speed: id, name, ward, free_flow_kmh, length_m,
    speed_kmh, ts (epoch s), ratio (= speed / free-flow speed) [, geometry]. Ordered by id."""
    cols: list[Any] = [
        AssetRow.id,
        AssetRow.name,
        AssetRow.ward,
        attribute("free_flow_kmh").label("free_flow_kmh"),
        attribute("length_m").label("length_m"),
        Latest.value.label("speed_kmh"),
        Latest.ts,
    ]
    if geometry:
        cols.append(AssetRow.geometry)
    stmt = select(*cols).where(*_asset_latest("speed_kmh")).order_by(AssetRow.id)
    frame = query_frame(session, stmt, [c.key for c in cols])
    for col in ("free_flow_kmh", "length_m", "speed_kmh"):
        frame[col] = frame[col].astype("float64")
    frame["ts"] = frame["ts"].astype("int64")
    frame["ratio"] = frame["speed_kmh"] / frame["free_flow_kmh"]
    return frame


def segments_now(session: Session, now_s: int) -> pd.DataFrame:
    """segment_frame, once per read session and instant (the tiles, the ticker and the map
    all ask)."""
    return session_memo(session, ("segments", now_s), lambda: segment_frame(session))


def asset_signature(session: Session) -> tuple[Hashable, ...]:
    """The assets' count and newest update: an asset added, moved or changed moves it. Once
    per read session."""
    stmt = select(func.count(), func.max(AssetRow.updated_at))
    return session_memo(
        session, ("asset_signature",), lambda: tuple(session.connection().execute(stmt).one())
    )


def segment_lines(session: Session) -> dict[str, tuple[list[float | None], list[float | None]]]:
    """Each road segment's line (lons, lats; see line_coords), by asset id: parsed once per
    process while the assets stand still (`datacache`, keyed by asset_signature)."""

    def read() -> dict[str, tuple[list[float | None], list[float | None]]]:
        frame = segment_frame(session, geometry=True)
        return {i: line_coords(g) for i, g in zip(frame["id"], frame["geometry"], strict=True)}

    return cached(session, "segment_lines", asset_signature(session), read, keep=2)


def bucket_values_at(session: Session, metric: str, at: int) -> pd.DataFrame:
    """Per asset, the mean of the newest 5-minute bucket of `metric` starting in
    (at - PREVIOUS_LOOKBACK_S, at]: asset_id, value, max, ts (bucket start, epoch s)."""
    ids = select(Series.id).where(Series.metric == metric).scalar_subquery()
    newest = (
        select(Rollup5m.series_id, func.max(Rollup5m.bucket).label("bucket"))
        .where(Rollup5m.series_id.in_(ids))
        .where(Rollup5m.bucket > at - PREVIOUS_LOOKBACK_S, Rollup5m.bucket <= at)
        .group_by(Rollup5m.series_id)
        .subquery()
    )
    stmt = (
        select(Series.asset_id, Rollup5m.sum, Rollup5m.count, Rollup5m.max, Rollup5m.bucket)
        .join(newest, newest.c.series_id == Series.id)
        .join(
            Rollup5m,
            and_(Rollup5m.series_id == newest.c.series_id, Rollup5m.bucket == newest.c.bucket),
        )
    )
    frame = query_frame(session, stmt, ["asset_id", "sum", "count", "max", "ts"])
    frame["value"] = frame["sum"].astype("float64") / frame["count"].astype("float64")
    frame["max"] = frame["max"].astype("float64")
    return frame[["asset_id", "value", "max", "ts"]]


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
    ids = select(Series.id).where(Series.metric == "power_w").scalar_subquery()
    nxt = func.lead(Rollup5m.bucket).over(partition_by=Rollup5m.series_id, order_by=Rollup5m.bucket)
    rows = (
        select(
            Rollup5m.bucket.label("bucket"),
            (Rollup5m.sum / Rollup5m.count).label("watts"),
            nxt.label("next"),
        )
        .where(Rollup5m.series_id.in_(ids), Rollup5m.bucket >= start, Rollup5m.bucket < end)
        .subquery()
    )
    span = func.coalesce(rows.c.next, end) - rows.c.bucket
    hold = case((span > ENERGY_HOLD_MAX_S, ENERGY_HOLD_MAX_S), else_=span)
    joules, first = session.execute(
        select(func.sum(rows.c.watts * hold), func.min(rows.c.bucket))
    ).one()
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


def _station_assets(session: Session, metrics: Sequence[str]) -> pd.DataFrame:
    stmt = (
        select(AssetRow.id, AssetRow.name, AssetRow.lon, AssetRow.lat, AssetRow.ward)
        .where(AssetRow.id.in_(select(Series.asset_id).where(Series.metric.in_(metrics))))
        .order_by(AssetRow.id)
    )
    return query_frame(session, stmt, ["id", "name", "lon", "lat", "ward"])


def station_aqi(session: Session, at: int) -> pd.DataFrame:
    """VN_AQI (hourly, QĐ 1459/QĐ-TCMT via `dashboard.aqi`) of each air station at `at`.

    The hour in progress (the 1-hour bucket holding `at`) is the newest hour c₁. PM2.5 and PM10:
    Nowcast of the hourly means of c₁…c₁₂ (rollup_1h). NO₂, O₃ (1-hour table), CO (mg/m³ ×
    1,000 to µg/m³): the mean of c₁, else of c₂ in the first minutes of an hour. Columns:
    asset_id, aqi (int or NaN), band (key of aqi.BANDS or None), dominant (pollutant or None).
    """
    h0 = at // HOUR_S * HOUR_S
    stmt = (
        select(Series.asset_id, Series.metric, Rollup1h.bucket, Rollup1h.sum, Rollup1h.count)
        .join(Rollup1h, Rollup1h.series_id == Series.id)
        .where(Series.metric.in_(list(aqi.METRIC_POLLUTANT)))
        .where(Rollup1h.bucket > h0 - 12 * HOUR_S, Rollup1h.bucket <= h0)
    )
    means: dict[str, dict[str, dict[int, float]]] = {}
    for asset_id, metric, bucket, total, n in session.execute(stmt).all():
        means.setdefault(asset_id, {}).setdefault(metric, {})[int(bucket)] = float(total) / n
    rows = []
    for asset_id, by_metric in sorted(means.items()):
        conc: dict[str, float | None] = {}
        for metric, hours in by_metric.items():
            pollutant, factor = aqi.METRIC_POLLUTANT[metric]
            newest = [hours.get(h0 - k * HOUR_S) for k in range(12)]
            if pollutant in ("pm25", "pm10"):
                value = aqi.nowcast(newest)
            else:
                value = newest[0] if newest[0] is not None else newest[1]
            conc[pollutant] = None if value is None else value * factor
        result = aqi.hourly_aqi(conc)
        band = aqi.band_of(result.aqi) if result else None
        rows.append(
            (
                asset_id,
                float(result.aqi) if result else float("nan"),
                band.key if band else None,
                result.dominant if result else None,
            )
        )
    return pd.DataFrame(rows, columns=["asset_id", "aqi", "band", "dominant"])


def station_frame(session: Session, at: int) -> pd.DataFrame:
    """Air stations: id, name, lon, lat, ward, aqi, band, dominant, pm25_ugm3 (latest), ts
    (epoch s of the station's newest pollutant reading)."""
    stations = _station_assets(session, list(aqi.METRIC_POLLUTANT))
    stmt = (
        select(Series.asset_id, func.max(Latest.ts))
        .join(Latest, Latest.series_id == Series.id)
        .where(Series.metric.in_(list(aqi.METRIC_POLLUTANT)))
        .group_by(Series.asset_id)
    )
    newest = dict(session.execute(stmt).all())
    pm = select(Series.asset_id, Latest.value).join(Latest, Latest.series_id == Series.id)
    pm25 = dict(session.execute(pm.where(Series.metric == "pm25_ugm3")).all())
    # The VN_AQI of the hour holding `at` moves only with new pollutant readings, which move
    # the latest table: kept per process while neither the hour nor the stations' latest
    # readings change (a reading arriving late, behind the latest, shows with the next one).
    signature = (
        session.connection()
        .execute(
            select(func.count(), func.sum(Latest.ts), func.max(Latest.ts))
            .join(Series, Series.id == Latest.series_id)
            .where(Series.metric.in_(list(aqi.METRIC_POLLUTANT)))
        )
        .one()
    )
    key = (at // HOUR_S, tuple(signature))
    by_station = cached(session, "station_aqi", key, lambda: station_aqi(session, at))
    frame = stations.merge(by_station, left_on="id", right_on="asset_id", how="left").drop(
        columns="asset_id"
    )
    frame["aqi"] = frame["aqi"].astype("float64")
    frame["pm25_ugm3"] = frame["id"].map(pm25).astype("float64")
    frame["ts"] = frame["id"].map(newest).astype("Int64")
    return frame


def water_frame(session: Session) -> pd.DataFrame:
    """Water gauges with their latest level: id, name, lon, lat, ward, level_cm, alert_stage_cm,
    flood_stage_cm (attributes; NaN when not given), ts (epoch s). Ordered by id."""
    cols: list[Any] = [
        AssetRow.id,
        AssetRow.name,
        AssetRow.lon,
        AssetRow.lat,
        AssetRow.ward,
        Latest.value.label("level_cm"),
        attribute("alert_stage_cm").label("alert_stage_cm"),
        attribute("flood_stage_cm").label("flood_stage_cm"),
        Latest.ts,
    ]
    stmt = select(*cols).where(*_asset_latest("water_level_cm")).order_by(AssetRow.id)
    frame = query_frame(session, stmt, [c.key for c in cols])
    for col in ("lon", "lat", "level_cm", "alert_stage_cm", "flood_stage_cm"):
        frame[col] = frame[col].astype("float64")
    frame["ts"] = frame["ts"].astype("int64")
    return frame


def reports_open(session: Session, now: datetime, at: datetime | None = None) -> pd.DataFrame:
    """Reports open at `at` (default: now, status != closed) with `overdue` =
    open longer than records.REPORT_SLA_HOURS[category] (unknown category: "other").

    For a past `at` the open set is rebuilt from created_at/closed_at (created at or before
    `at`, closed after it or not at all). Columns: id (external id), lon, lat, ward, category,
    status, created_at (aware UTC), overdue.
    """
    cols = (
        ReportRow.external_id,
        ReportRow.lon,
        ReportRow.lat,
        ReportRow.ward,
        ReportRow.category,
        ReportRow.status,
        ReportRow.created_at,
    )
    stmt = select(*cols).order_by(ReportRow.created_at, ReportRow.id)
    if at is None:
        stmt = stmt.where(ReportRow.status != str(ReportStatus.CLOSED))
        at = now
    else:
        closed_later = or_(ReportRow.closed_at.is_(None), ReportRow.closed_at > at)
        never_closed = or_(ReportRow.closed_at.is_not(None), ReportRow.status != "closed")
        stmt = stmt.where(ReportRow.created_at <= at, closed_later, never_closed)
    names = ["id", "lon", "lat", "ward", "category", "status", "created_at"]
    frame = query_frame(session, stmt, names)
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    sla_h = frame["category"].map(lambda c: REPORT_SLA_HOURS.get(c, REPORT_SLA_HOURS["other"]))
    age_h = (pd.Timestamp(at) - frame["created_at"]).dt.total_seconds() / 3600
    frame["overdue"] = (age_h > sla_h.astype("float64")).astype(bool)
    return frame

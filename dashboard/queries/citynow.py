"""The city now, as rows and arrays: road segments, water gauges and open citizen reports with
their latest values, each read once per read session (air stations: `airnow`).

The wall reads these on every refresh, a few seconds apart: its tiles, ticker and map inputs
are computed from them with plain Python and numpy (a DataFrame per piece cost more than the
SQL behind it). The frames the rest of the query layer hands out (`snapshot.segment_frame`,
`station_frame`, `water_frame`, `reports_open`) are built from the same rows (`.frame()`), so
a number means the same on the tiles, the map and in `/api/v1`. Times are epoch seconds (UTC)
like the store's; report times are aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard import aqi
from dashboard.queries._statements import (
    attribute,
    columns_of,
    float_array,
    frame_of,
    int_array,
    rows,
    session_memo,
    statement,
)
from dashboard.queries.report_status import CLOSED, effective_reports
from dashboard.records import REPORT_SLA_HOURS
from dashboard.store.models import AssetRow, Latest, Series

__all__ = [
    "HOUR_S",
    "GaugesNow",
    "ReportsNow",
    "SegmentsNow",
    "gauges_now",
    "read_gauges",
    "read_segments",
    "reports_now",
    "segments_at",
]

HOUR_S = 3600
_POLLUTANT_METRICS = list(aqi.METRIC_POLLUTANT)


def asset_latest(metric: str) -> list[Any]:
    """The join of an asset, its series of `metric` and that series' latest value."""
    return [Series.asset_id == AssetRow.id, Latest.series_id == Series.id, Series.metric == metric]


# -- road segments ------------------------------------------------------------------------

SEGMENT_COLUMNS = ("id", "name", "ward", "free_flow_kmh", "length_m", "speed_kmh", "ts")


def segment_columns(geometry: bool = False) -> list[Any]:
    """The columns of a segment row (SEGMENT_COLUMNS[, geometry])."""
    cols: list[Any] = [
        AssetRow.id,
        AssetRow.name,
        AssetRow.ward,
        attribute("free_flow_kmh").label("free_flow_kmh"),
        attribute("length_m").label("length_m"),
        Latest.value.label("speed_kmh"),
        Latest.ts,
    ]
    return [*cols, AssetRow.geometry] if geometry else cols


@statement
def _segments_stmt() -> Any:
    return select(*segment_columns()).where(*asset_latest("speed_kmh")).order_by(AssetRow.id)


@dataclass(frozen=True)
class SegmentsNow:
    """Road segments with their latest speed, ordered by id: ids, names, wards, and arrays
    free_flow_kmh, length_m, speed_kmh (float64, NaN unknown), ts (int64 epoch s), ratio
    (speed / free-flow speed)."""

    rows: tuple[Any, ...]
    ids: tuple[str, ...] = field(init=False)
    names: tuple[Any, ...] = field(init=False)
    wards: tuple[Any, ...] = field(init=False)
    free_flow_kmh: np.ndarray = field(init=False)
    length_m: np.ndarray = field(init=False)
    speed_kmh: np.ndarray = field(init=False)
    ts: np.ndarray = field(init=False)
    ratio: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        ids, names, wards, ff, length, speed, ts = columns_of(list(self.rows), 7)
        put = object.__setattr__
        put(self, "ids", ids)
        put(self, "names", names)
        put(self, "wards", wards)
        put(self, "free_flow_kmh", float_array(ff))
        put(self, "length_m", float_array(length))
        put(self, "speed_kmh", float_array(speed))
        put(self, "ts", int_array(ts))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = self.speed_kmh / self.free_flow_kmh
        ratio.flags.writeable = False
        put(self, "ratio", ratio)

    def frame(self) -> pd.DataFrame:
        """snapshot.segment_frame's frame (id, name, ward, free_flow_kmh, length_m,
        speed_kmh, ts, ratio)."""
        frame = frame_of(self.rows, SEGMENT_COLUMNS)
        for col in ("free_flow_kmh", "length_m", "speed_kmh"):
            frame[col] = frame[col].astype("float64")
        frame["ts"] = frame["ts"].astype("int64")
        frame["ratio"] = frame["speed_kmh"] / frame["free_flow_kmh"]
        return frame


def read_segments(session: Session) -> SegmentsNow:
    """The segments' latest speeds (no memo)."""
    return SegmentsNow(tuple(rows(session, _segments_stmt())))


def segments_at(session: Session, now_s: int) -> SegmentsNow:
    """The segments' latest speeds, once per read session and instant (the tiles, the ticker
    and the map all ask)."""
    return session_memo(session, ("segments", now_s), lambda: read_segments(session))


# -- water gauges -------------------------------------------------------------------------

GAUGE_COLUMNS = (
    "id",
    "name",
    "lon",
    "lat",
    "ward",
    "level_cm",
    "alert_stage_cm",
    "flood_stage_cm",
    "ts",
)


@statement
def _gauges_stmt() -> Any:
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
    return select(*cols).where(*asset_latest("water_level_cm")).order_by(AssetRow.id)


@dataclass(frozen=True)
class GaugesNow:
    """Water gauges with their latest level, by id: ids, names, wards, and arrays level_cm,
    alert_stage_cm, flood_stage_cm (float64, NaN when not given), ts (int64 epoch s)."""

    rows: tuple[Any, ...]
    ids: tuple[str, ...] = field(init=False)
    names: tuple[Any, ...] = field(init=False)
    wards: tuple[Any, ...] = field(init=False)
    level_cm: np.ndarray = field(init=False)
    alert_stage_cm: np.ndarray = field(init=False)
    flood_stage_cm: np.ndarray = field(init=False)
    ts: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        ids, names, _lon, _lat, wards, level, alert, flood, ts = columns_of(list(self.rows), 9)
        put = object.__setattr__
        put(self, "ids", ids)
        put(self, "names", names)
        put(self, "wards", wards)
        put(self, "level_cm", float_array(level))
        put(self, "alert_stage_cm", float_array(alert))
        put(self, "flood_stage_cm", float_array(flood))
        put(self, "ts", int_array(ts))

    def frame(self) -> pd.DataFrame:
        """snapshot.water_frame's frame."""
        frame = frame_of(self.rows, GAUGE_COLUMNS)
        for col in ("lon", "lat", "level_cm", "alert_stage_cm", "flood_stage_cm"):
            frame[col] = frame[col].astype("float64")
        frame["ts"] = frame["ts"].astype("int64")
        return frame


def read_gauges(session: Session) -> GaugesNow:
    """The water gauges' latest levels (no memo)."""
    return GaugesNow(tuple(rows(session, _gauges_stmt())))


def gauges_now(session: Session, now_s: int) -> GaugesNow:
    """The water gauges' latest levels, once per read session and instant."""
    return session_memo(session, ("gauges", now_s), lambda: read_gauges(session))


# -- open citizen reports -----------------------------------------------------------------

REPORT_COLUMNS = ["id", "lon", "lat", "ward", "category", "status", "created_at"]


def report_columns(reports: Any) -> tuple[Any, ...]:
    """The columns of a report row (REPORT_COLUMNS) of `reports`, the
    `report_status.effective_reports()` selectable (the status is the effective one)."""
    c = reports.c
    return (c.external_id, c.lon, c.lat, c.ward, c.category, c.status, c.created_at)


@statement
def _open_reports_stmt() -> Any:
    reports = effective_reports()
    return (
        select(*report_columns(reports))
        .where(reports.c.status != CLOSED)
        .order_by(reports.c.created_at, reports.c.id)
    )


def overdue_at(category: str, created_at: datetime, at: datetime) -> bool:
    """Open longer than records.REPORT_SLA_HOURS[category] ("other" for an unknown one)."""
    sla_h = REPORT_SLA_HOURS.get(category, REPORT_SLA_HOURS["other"])
    return (at - created_at).total_seconds() / 3600 > float(sla_h)


@dataclass(frozen=True)
class ReportsNow:
    """Reports open at `at` (effective status not closed: `report_status`), oldest first: rows (REPORT_COLUMNS), their
    columns, and each one's `overdue` (see overdue_at)."""

    rows: tuple[Any, ...]
    at: datetime
    columns: dict[str, tuple[Any, ...]] = field(init=False)
    overdue: tuple[bool, ...] = field(init=False)

    def __post_init__(self) -> None:
        columns = dict(zip(REPORT_COLUMNS, columns_of(list(self.rows), 7), strict=True))
        late = tuple(
            overdue_at(category, created, self.at)
            for category, created in zip(columns["category"], columns["created_at"], strict=True)
        )
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "overdue", late)

    def frame(self) -> pd.DataFrame:
        """snapshot.reports_open's frame (REPORT_COLUMNS, created_at aware UTC, overdue)."""
        frame = frame_of(self.rows, REPORT_COLUMNS)
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
        frame["overdue"] = pd.Series(self.overdue, index=frame.index, dtype=bool)
        return frame


def reports_now(session: Session, now: datetime) -> ReportsNow:
    """The open reports at `now` (aware UTC), once per read session and instant."""
    key = ("reports", int(now.timestamp()))
    return session_memo(
        session, key, lambda: ReportsNow(tuple(rows(session, _open_reports_stmt())), now)
    )

"""Readings: the latest value of each series, and one series' history raw or rolled up.

The store keeps readings keyed by series id (asset + metric) with epoch-seconds UTC timestamps;
rollups hold count, sum, min and max per 5-minute or 1-hour bucket (bucket = its start). These
functions return aware UTC timestamps and the metric's unit from `records.METRICS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

import pandas as pd
from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session

from dashboard.queries import to_epoch
from dashboard.queries._areas import area_condition
from dashboard.queries._five_minute import five_minute
from dashboard.records import METRICS
from dashboard.store.models import AssetRow, Latest, ReadingRow, Rollup1h, Series

__all__ = [
    "LATEST_COLUMNS",
    "RESOLUTIONS",
    "LatestPage",
    "Resolution",
    "SeriesWindow",
    "latest_values",
    "series_readings",
]

Resolution = Literal["raw", "5m", "1h"]
RESOLUTIONS: tuple[Resolution, ...] = get_args(Resolution)
LATEST_COLUMNS = ("asset_id", "metric", "ts", "value", "unit")


def _aware(seconds: pd.Series) -> pd.Series:
    return pd.to_datetime(seconds.astype("int64"), unit="s", utc=True)


SeriesKey = tuple[str, str]  # (asset_id, metric): the order of the latest values


@dataclass(frozen=True, slots=True)
class LatestPage:
    """One page of the latest values: `items` (columns LATEST_COLUMNS), `total` matching the
    filters over all pages, and `next_after`, the key to continue after (None: last page)."""

    items: pd.DataFrame
    total: int
    next_after: SeriesKey | None


def latest_values(
    session: Session,
    domain: str | None = None,
    metric: str | None = None,
    areas: tuple[Sequence[str], Sequence[str]] = ((), ()),
    *,
    after: SeriesKey | None = None,
    limit: int | None = None,
) -> LatestPage:
    """The newest reading of every series matching the filters, ordered by asset and metric;
    at most `limit` of them, those after the series key `after` (keyset paging). `areas`
    (wards, zones) filters the assets as the drill pages do (`_areas.area_condition`).

    Columns: asset_id, metric, ts (aware UTC), value (in `unit`), unit (from METRICS).
    """
    stmt = (
        select(Series.asset_id, Series.metric, Latest.ts, Latest.value)
        .join(Latest, Latest.series_id == Series.id)
        .join(AssetRow, AssetRow.id == Series.asset_id)
        .where(area_condition(AssetRow.ward, AssetRow.zone, areas))
    )
    if domain is not None:
        stmt = stmt.where(AssetRow.domain == domain)
    if metric is not None:
        stmt = stmt.where(Series.metric == metric)
    total = int(session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())
    if after is not None:
        stmt = stmt.where(tuple_(Series.asset_id, Series.metric) > tuple_(*after))
    stmt = stmt.order_by(Series.asset_id, Series.metric)
    rows = session.execute(stmt if limit is None else stmt.limit(limit + 1)).all()
    more = limit is not None and len(rows) > limit
    rows = rows[:limit] if more else rows
    frame = pd.DataFrame(rows, columns=["asset_id", "metric", "ts", "value"])
    frame["ts"] = _aware(frame["ts"])
    frame["value"] = frame["value"].astype("float64")
    frame["unit"] = frame["metric"].map(lambda m: METRICS[m].unit if m in METRICS else "")
    next_after = (str(rows[-1][0]), str(rows[-1][1])) if more else None
    return LatestPage(frame[list(LATEST_COLUMNS)], total, next_after)


@dataclass(frozen=True, slots=True)
class SeriesWindow:
    """One series over [start, end): the points and whether the row cap cut them short.

    Raw points have columns ts, value; rollups ts (bucket start), count, mean, min, max.
    `next_start` (aware UTC) is where to continue when `truncated`.
    """

    points: pd.DataFrame
    truncated: bool
    next_start: datetime | None


def series_readings(
    session: Session,
    asset_id: str,
    metric: str,
    start: datetime,
    end: datetime,
    resolution: Resolution = "raw",
    limit: int = 10_000,
) -> SeriesWindow:
    """Readings of one asset's metric with start <= ts < end (aware datetimes), oldest first.

    At most `limit` points; values in the metric's unit; `mean` = sum / count of the bucket.
    """
    lo, hi = to_epoch(start), to_epoch(end)
    stmt: Select[*tuple[Any, ...]]
    if resolution == "raw":
        cols = ["ts", "value"]
        stmt = (
            select(ReadingRow.ts, ReadingRow.value)
            .join(Series, Series.id == ReadingRow.series_id)
            .where(Series.asset_id == asset_id, Series.metric == metric)
            .where(ReadingRow.ts >= lo, ReadingRow.ts < hi)
            .order_by(ReadingRow.ts)
        )
    else:
        cols = ["ts", "count", "sum", "min", "max"]
        one = (
            select(Series.id)
            .where(Series.asset_id == asset_id, Series.metric == metric)
            .scalar_subquery()
        )
        table = (
            five_minute(lo, hi, lambda sid: sid == one).c
            if resolution == "5m"
            else Rollup1h.__table__.c
        )
        stmt = (
            select(table.bucket, table.count, table.sum, table.min, table.max)
            .where(table.series_id == one, table.bucket >= lo, table.bucket < hi)
            .order_by(table.bucket)
        )
    rows = session.execute(stmt.limit(limit + 1)).all()
    truncated = len(rows) > limit
    frame = pd.DataFrame(rows[:limit], columns=cols)
    next_start = None
    if truncated:
        next_start = pd.Timestamp(int(rows[limit][0]), unit="s", tz="UTC").to_pydatetime()
    frame["ts"] = _aware(frame["ts"])
    if resolution != "raw":
        frame["count"] = frame["count"].astype("int64")
        frame["mean"] = frame["sum"].astype("float64") / frame["count"]
        frame = frame[["ts", "count", "mean", "min", "max"]]
    return SeriesWindow(frame, truncated, next_start)

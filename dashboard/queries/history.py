"""One asset's detail: its attributes, and one metric's history with the week before overlaid.

History is read at a resolution fitting the window, so a 90-day chart costs about what a
1-day one does: raw readings for up to 2 days, `rollup_5m` up to 14 days, `rollup_1h` beyond
(`resolution_for`). The week earlier comes from the same statement: one range read on the
series' primary key from start − 7 d to end, split in two (the two windows overlap when the
range is longer than a week). Rollup points carry mean (sum / count), min and max.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, bindparam, select
from sqlalchemy.orm import Session

from dashboard.queries import to_epoch
from dashboard.queries._five_minute import five_minute
from dashboard.queries._statements import driver_rows
from dashboard.queries.readings import Resolution
from dashboard.records import METRICS
from dashboard.store.models import AssetRow, ReadingRow, Rollup1h, Series

__all__ = [
    "FIVE_MINUTE_MAX",
    "METRIC_PREFERENCE",
    "RAW_MAX",
    "AssetInfo",
    "History",
    "Samples",
    "asset_history",
    "asset_info",
    "default_metric",
    "history_statement",
    "resolution_for",
]

RAW_MAX = timedelta(days=2)
FIVE_MINUTE_MAX = timedelta(days=14)
WEEK = timedelta(days=7)
# The metric an asset's detail opens on, by kind of asset: the first of these it has.
METRIC_PREFERENCE = (
    "speed_kmh",
    "power_w",
    "lamp_on",
    "pm25_ugm3",
    "water_level_cm",
    "volume_vph",
)


def resolution_for(start: datetime, end: datetime) -> Resolution:
    """raw up to RAW_MAX, 5-minute rollups up to FIVE_MINUTE_MAX, hourly beyond."""
    span = end - start
    if span <= RAW_MAX:
        return "raw"
    return "5m" if span <= FIVE_MINUTE_MAX else "1h"


@dataclass(frozen=True, slots=True)
class AssetInfo:
    """An asset as its detail panel shows it; `metrics` are its series' metrics, sorted."""

    id: str
    domain: str
    kind: str
    name: str
    ward: str | None
    zone: str | None
    lon: float
    lat: float
    attributes: dict[str, Any]
    metrics: tuple[str, ...]


# Built once: the detail runs it on every change of the view. One row per metric (one row
# with a NULL metric for an asset without series).
_ASSET = (
    select(
        AssetRow.id,
        AssetRow.domain,
        AssetRow.kind,
        AssetRow.name,
        AssetRow.ward,
        AssetRow.zone,
        AssetRow.lon,
        AssetRow.lat,
        AssetRow.attributes,
        Series.metric,
    )
    .outerjoin(Series, Series.asset_id == AssetRow.id)
    .where(AssetRow.id == bindparam("id"))
    .order_by(Series.metric)
)


def asset_info(session: Session, asset_id: str) -> AssetInfo | None:
    """The asset `asset_id` with its metrics, or None when the store does not know it."""
    found = session.connection().execute(_ASSET, {"id": asset_id}).all()
    if not found:
        return None
    row = found[0]
    return AssetInfo(
        row.id,
        row.domain,
        row.kind,
        row.name,
        row.ward,
        row.zone,
        float(row.lon),
        float(row.lat),
        dict(row.attributes or {}),
        tuple(r.metric for r in found if r.metric is not None),
    )


def default_metric(info: AssetInfo, wanted: str | None = None) -> str | None:
    """`wanted` when the asset has it, else its first metric in METRIC_PREFERENCE order."""
    if wanted in info.metrics:
        return wanted
    ranked = sorted(
        info.metrics,
        key=lambda m: METRIC_PREFERENCE.index(m) if m in METRIC_PREFERENCE else len(METRICS),
    )
    return ranked[0] if ranked else None


@dataclass(frozen=True, slots=True)
class Samples:
    """Points of one series, as columns: `ts` (epoch seconds UTC; a rollup point's is its
    bucket's start), `value` (the mean for rollups), `min`, `max` (NaN for raw), `count`."""

    ts: np.ndarray
    value: np.ndarray
    min: np.ndarray
    max: np.ndarray
    count: np.ndarray

    def __len__(self) -> int:
        return len(self.ts)


@dataclass(frozen=True, slots=True)
class History:
    """`current`: the window's points; `previous`: the week before, its ts moved forward 7
    days so the two line up. Values in `unit` (METRICS)."""

    asset_id: str
    metric: str
    unit: str
    resolution: Resolution
    start: datetime
    end: datetime
    current: Samples
    previous: Samples


BUCKET_S: dict[str, int] = {"raw": 1, "5m": 300, "1h": 3600}


def _bucket_floor(seconds: int, resolution: Resolution) -> int:
    """The start of the bucket holding `seconds`: a window starting mid-bucket still shows
    that bucket (a rollup point stands for its whole bucket)."""
    size = BUCKET_S[resolution]
    return seconds // size * size


def _history_stmt(resolution: Resolution) -> Any:
    series = (
        select(Series.id)
        .where(Series.asset_id == bindparam("asset"), Series.metric == bindparam("metric"))
        .scalar_subquery()
    )
    lo, hi = bindparam("lo", type_=BigInteger), bindparam("hi", type_=BigInteger)
    if resolution == "raw":
        return (
            select(ReadingRow.ts, ReadingRow.value)
            .where(ReadingRow.series_id == series, ReadingRow.ts >= lo, ReadingRow.ts < hi)
            .order_by(ReadingRow.ts)
        )
    if resolution == "5m":
        # No ORDER BY: SQLite would sort the union in a temporary b-tree; its two parts come
        # in bucket order each, and `_columns` puts them together.
        five = five_minute(lo, hi, lambda sid: sid == series).c
        return select(five.bucket, five.count, five.sum, five.min, five.max)
    return (
        select(Rollup1h.bucket, Rollup1h.count, Rollup1h.sum, Rollup1h.min, Rollup1h.max)
        .where(Rollup1h.series_id == series, Rollup1h.bucket >= lo, Rollup1h.bucket < hi)
        .order_by(Rollup1h.bucket)
    )


# Built once per resolution: the detail runs one on every change of the view.
_HISTORY: dict[str, Any] = {r: _history_stmt(r) for r in ("raw", "5m", "1h")}


def history_statement(
    asset_id: str, metric: str, start: datetime, end: datetime, resolution: Resolution
) -> tuple[Any, dict[str, Any]]:
    """The one statement `asset_history` runs and its parameters: the window and the week
    before it, whole buckets."""
    lo, hi = _bucket_floor(to_epoch(start - WEEK), resolution), to_epoch(end)
    return _HISTORY[resolution], {"asset": asset_id, "metric": metric, "lo": lo, "hi": hi}


def _matrix(rows: Sequence[Any], width: int) -> np.ndarray:
    # Flatten the rows in C: np.array(rows) would probe each SQLAlchemy Row for the array
    # protocols, a caught exception per row that cost more than the query itself.
    flat = np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=len(rows) * width)
    return flat.reshape(-1, width)


def _columns(rows: Sequence[Any], raw: bool) -> dict[str, np.ndarray]:
    """ts (epoch s), value (the mean for rollups), min, max (NaN for raw), count."""
    if raw:
        arr = _matrix(rows, 2)
        nan = np.full(len(arr), np.nan)
        ones = np.ones(len(arr))
        return {"ts": arr[:, 0], "value": arr[:, 1], "min": nan, "max": nan, "count": ones}
    arr = _matrix(rows, 5)
    if len(arr) > 1 and not bool(np.all(arr[1:, 0] > arr[:-1, 0])):
        arr = arr[np.argsort(arr[:, 0], kind="stable")]
    count = arr[:, 1]
    return {"ts": arr[:, 0], "value": arr[:, 2] / count, "min": arr[:, 3], "max": arr[:, 4],
            "count": count}  # fmt: skip


def _window(cols: dict[str, np.ndarray], lo: int, hi: int, shift_s: int = 0) -> Samples:
    """The points with lo <= ts < hi, ts moved by `shift_s`."""
    keep = (cols["ts"] >= lo) & (cols["ts"] < hi)
    ts = cols["ts"][keep].astype(np.int64) + shift_s
    return Samples(
        ts, cols["value"][keep], cols["min"][keep], cols["max"][keep], cols["count"][keep]
    )


def asset_history(
    session: Session,
    asset_id: str,
    metric: str,
    start: datetime,
    end: datetime,
    resolution: Resolution | None = None,
) -> History:
    """`metric` of `asset_id` over [start, end) (aware) and the same period a week earlier.

    The resolution defaults to `resolution_for(start, end)`; a rollup point's ts is its
    bucket's start, and every bucket overlapping the window is shown (the first may start
    before `start`). Empty frames when the asset has no such series.
    """
    res = resolution or resolution_for(start, end)
    stmt, params = history_statement(asset_id, metric, start, end, res)
    cols = _columns(driver_rows(session, stmt, params), res == "raw")
    lo, hi = _bucket_floor(to_epoch(start), res), to_epoch(end)
    week_s = int(WEEK.total_seconds())
    current = _window(cols, lo, hi)
    previous = _window(cols, lo - week_s, hi - week_s, week_s)
    unit = METRICS[metric].unit if metric in METRICS else ""
    return History(asset_id, metric, unit, res, start, end, current, previous)

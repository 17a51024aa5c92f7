"""/traffic: road segments' speeds over a view's window, from hourly rollups.

Everything here starts from one read: the `speed_kmh` hourly rollups (count, sum) of the
segments in the view's areas, for every hour overlapping the window. From it: each segment's
mean speed (sum / count over the window), its congested hours (hourly mean / free-flow speed
below `congested_below`, the wall's threshold) and jammed hours (below half of it), the
hour-of-week profile (local days and hours), and incidents (runs of consecutive congested
hours of one segment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.queries import to_epoch
from dashboard.queries._areas import area_condition
from dashboard.queries.filters import DrillFilter
from dashboard.queries.snapshot import HOUR_S, attribute, query_frame, segment_lines
from dashboard.store.models import AssetRow, Rollup1h, Series

__all__ = ["SEGMENT_COLUMNS", "TrafficView", "hourly_speeds", "traffic_view"]

SEGMENT_COLUMNS = (
    "id",
    "name",
    "ward",
    "zone",
    "free_flow_kmh",
    "length_m",
    "speed_kmh",
    "ratio",
    "congested_h",
    "jammed_h",
)
INCIDENT_LIMIT = 200


@dataclass(frozen=True)
class TrafficView:
    """segments: SEGMENT_COLUMNS + lons, lats (worst first); heatmap: dow (0 = Monday), hour,
    speed_kmh (local time); incidents: id, name, ward, zone, start, end (aware UTC), hours,
    min_ratio; by_area: area, congested_h."""

    segments: pd.DataFrame
    heatmap: pd.DataFrame
    incidents: pd.DataFrame
    by_area: pd.DataFrame


def hourly_speeds(session: Session, drill: DrillFilter) -> pd.DataFrame:
    """Hourly speed rollups of the segments in the view's areas, hours overlapping the window:
    id, name, ward, zone, free_flow_kmh, length_m, bucket (epoch s), sum, count."""
    lo = to_epoch(drill.start) // HOUR_S * HOUR_S
    cols: list[Any] = [
        AssetRow.id,
        AssetRow.name,
        AssetRow.ward,
        AssetRow.zone,
        attribute("free_flow_kmh").label("free_flow_kmh"),
        attribute("length_m").label("length_m"),
        Rollup1h.bucket,
        Rollup1h.sum,
        Rollup1h.count,
    ]
    stmt = (
        select(*cols)
        .join(Series, Series.asset_id == AssetRow.id)
        .join(Rollup1h, Rollup1h.series_id == Series.id)
        .where(Series.metric == "speed_kmh", AssetRow.domain == "traffic")
        .where(area_condition(AssetRow.ward, AssetRow.zone, drill.areas))
        .where(Rollup1h.bucket >= lo, Rollup1h.bucket < to_epoch(drill.end))
        .order_by(AssetRow.id, Rollup1h.bucket)
    )
    frame = query_frame(session, stmt, [c.key for c in cols])
    for col in ("free_flow_kmh", "length_m", "sum"):
        frame[col] = frame[col].astype("float64")
    frame["bucket"] = frame["bucket"].astype("int64")
    frame["count"] = frame["count"].astype("int64")
    return frame


def _segments(hourly: pd.DataFrame, below: float) -> pd.DataFrame:
    keys = ["id", "name", "ward", "zone", "free_flow_kmh", "length_m"]
    h = hourly.assign(ratio=hourly["sum"] / hourly["count"] / hourly["free_flow_kmh"])
    g = h.groupby("id", sort=True)
    out = g[keys[1:]].first()
    out["speed_kmh"] = g["sum"].sum() / g["count"].sum()
    out["ratio"] = out["speed_kmh"] / out["free_flow_kmh"]
    out["congested_h"] = g["ratio"].apply(lambda r: int((r < below).sum()))
    out["jammed_h"] = g["ratio"].apply(lambda r: int((r < below / 2).sum()))
    out = out.reset_index().sort_values(["ratio", "id"]).reset_index(drop=True)
    return out[list(SEGMENT_COLUMNS)]


def _heatmap(hourly: pd.DataFrame, tz: tzinfo) -> pd.DataFrame:
    local = pd.to_datetime(hourly["bucket"], unit="s", utc=True).dt.tz_convert(tz)
    h = hourly.assign(dow=local.dt.day_of_week, hour=local.dt.hour)
    g = h.groupby(["dow", "hour"])
    out = (g["sum"].sum() / g["count"].sum()).rename("speed_kmh").reset_index()
    return out


def _incidents(hourly: pd.DataFrame, below: float) -> pd.DataFrame:
    h = hourly.assign(ratio=hourly["sum"] / hourly["count"] / hourly["free_flow_kmh"])
    h = h[h["ratio"] < below].sort_values(["id", "bucket"])
    # A new run starts where the segment changes or an hour is skipped.
    new_run = (h["id"] != h["id"].shift()) | (h["bucket"] - h["bucket"].shift() != HOUR_S)
    h = h.assign(run=new_run.cumsum())
    g = h.groupby("run")
    out = g[["id", "name", "ward", "zone"]].first()
    out["start"] = pd.to_datetime(g["bucket"].min(), unit="s", utc=True)
    out["end"] = pd.to_datetime(g["bucket"].max() + HOUR_S, unit="s", utc=True)
    out["hours"] = g.size().astype("int64")
    out["min_ratio"] = g["ratio"].min()
    out = out.sort_values(["hours", "min_ratio", "start"], ascending=[False, True, False])
    return out.head(INCIDENT_LIMIT).reset_index(drop=True)


def traffic_view(
    session: Session, drill: DrillFilter, *, congested_below: float, tz: tzinfo, level: str
) -> TrafficView:
    """The numbers /traffic shows for `drill` (see module doc); `level` ("ward" or "zone")
    groups the congested hours by area. The heatmap is of the open segment when one is open."""
    hourly = hourly_speeds(session, drill)
    segments = _segments(hourly, congested_below)
    lines = segment_lines(session)
    segments["lons"] = [lines.get(i, ([], []))[0] for i in segments["id"]]
    segments["lats"] = [lines.get(i, ([], []))[1] for i in segments["id"]]
    one = hourly[hourly["id"] == drill.asset]
    heat = _heatmap(one if len(one) else hourly, tz)
    by_area = (
        segments.groupby(level)["congested_h"].sum().rename_axis("area").reset_index()
        if len(segments)
        else pd.DataFrame({"area": [], "congested_h": np.array([], dtype=np.int64)})
    )
    return TrafficView(segments, heat, _incidents(hourly, congested_below), by_area)

"""/environment: hourly VN_AQI by station, exceedance hours per pollutant, water levels.

VN_AQI is `dashboard.aqi`'s, hour by hour as the wall computes it (`snapshot.station_aqi`):
PM2.5 and PM10 by Nowcast of the last 12 hourly means, NO₂, O₃ and CO from the hour's mean
(rollup_1h), so the window is read from 11 hours before its first hour. An exceedance hour of
a pollutant is a station-hour whose sub-index is above 100 ("Kém" / poor or worse).

Water: each gauge's hourly mean level (rollup_1h) against its flood stage (attribute), and
the tide as the most seaward gauge records it (the smallest `km_inland`), the reference every
inland gauge is read against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard import aqi
from dashboard.queries import to_epoch
from dashboard.queries._areas import assets_frame
from dashboard.queries.filters import DrillFilter
from dashboard.queries.snapshot import HOUR_S, query_frame
from dashboard.store.models import Rollup1h, Series

__all__ = [
    "EXCEEDANCE_ABOVE",
    "EnvironmentView",
    "environment_view",
    "hourly_aqi_frame",
    "hourly_means",
]

EXCEEDANCE_ABOVE = 100
NOWCAST_HOURS = 12


@dataclass(frozen=True)
class EnvironmentView:
    """aqi: asset_id, ts (hour start, aware UTC), aqi, dominant, and one sub-index column per
    pollutant; stations: id, name, ward, zone, lon, lat, aqi_mean, aqi_max, band, exceed_h;
    exceedance: pollutant, exceed_h; gauges: id, name, ward, zone, lon, lat, level_cm,
    max_level_cm, flood_stage_cm, alert_stage_cm, above_flood_h, km_inland; water: asset_id,
    ts, level_cm (hourly, the shown gauges and the tide reference); tide_id: the reference
    gauge (None without gauges); by_area: area, exceed_h."""

    aqi: pd.DataFrame
    stations: pd.DataFrame
    exceedance: pd.DataFrame
    gauges: pd.DataFrame
    water: pd.DataFrame
    tide_id: str | None
    by_area: pd.DataFrame


def hourly_means(
    session: Session, metrics: list[str], lo: int, hi: int, asset_ids: list[str]
) -> pd.DataFrame:
    """Hourly means (rollup_1h sum / count) of `metrics` of `asset_ids`, buckets in [lo, hi):
    asset_id, metric, bucket (epoch s), mean."""
    stmt = (
        select(Series.asset_id, Series.metric, Rollup1h.bucket, Rollup1h.sum, Rollup1h.count)
        .join(Rollup1h, Rollup1h.series_id == Series.id)
        .where(Series.metric.in_(metrics), Series.asset_id.in_(asset_ids))
        .where(Rollup1h.bucket >= lo, Rollup1h.bucket < hi)
    )
    frame = query_frame(session, stmt, ["asset_id", "metric", "bucket", "sum", "count"])
    frame["bucket"] = frame["bucket"].astype("int64")
    frame["mean"] = frame["sum"].astype("float64") / frame["count"].astype("float64")
    return frame[["asset_id", "metric", "bucket", "mean"]]


def hourly_aqi_frame(means: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """VN_AQI of every station and hour start in [first, last) from `hourly_means` rows
    reaching 11 hours before `first`: asset_id, ts, aqi, dominant, <pollutant> sub-indices."""
    pollutants = [p for p, _ in aqi.METRIC_POLLUTANT.values()]
    rows = []
    table = {
        (a, m): dict(zip(g["bucket"], g["mean"], strict=True))
        for (a, m), g in means.groupby(["asset_id", "metric"])
    }
    stations = sorted(means["asset_id"].unique()) if len(means) else []
    for station in stations:
        for h0 in range(first, last, HOUR_S):
            conc: dict[str, float | None] = {}
            for metric, (pollutant, factor) in aqi.METRIC_POLLUTANT.items():
                hours = table.get((station, metric), {})
                newest = [hours.get(h0 - k * HOUR_S) for k in range(NOWCAST_HOURS)]
                value = aqi.nowcast(newest) if pollutant in ("pm25", "pm10") else newest[0]
                conc[pollutant] = None if value is None else value * factor
            result = aqi.hourly_aqi(conc)
            if result is None:
                continue
            subs = [result.sub_indices.get(p, np.nan) for p in pollutants]
            rows.append((station, h0, float(result.aqi), result.dominant, *subs))
    frame = pd.DataFrame(rows, columns=["asset_id", "ts", "aqi", "dominant", *pollutants])
    frame["ts"] = pd.to_datetime(frame["ts"].astype("int64"), unit="s", utc=True)
    return frame


def _stations(session: Session, drill: DrillFilter, level: str) -> tuple[pd.DataFrame, ...]:
    stations = assets_frame(session, "environment", drill.areas)
    first = to_epoch(drill.start) // HOUR_S * HOUR_S
    hi = to_epoch(drill.end)
    means = hourly_means(
        session, list(aqi.METRIC_POLLUTANT), first - (NOWCAST_HOURS - 1) * HOUR_S, hi,
        list(stations["id"]),
    )  # fmt: skip
    hourly = hourly_aqi_frame(means, first, hi)
    # A station that measures a pollutant is listed even before it has an index (a new feed's
    # first hours: VN_AQI needs two of the last three hours), its VN_AQI shown as "no data".
    stations = stations[stations["id"].isin(means["asset_id"])].drop(columns=["attributes", "kind"])
    pollutants = [p for p, _ in aqi.METRIC_POLLUTANT.values()]
    over = hourly[pollutants].gt(EXCEEDANCE_ABOVE)
    g = hourly.assign(exceed=over.any(axis=1)).groupby("asset_id")
    stations = stations.merge(
        pd.DataFrame(
            {"aqi_mean": g["aqi"].mean(), "aqi_max": g["aqi"].max(), "exceed_h": g["exceed"].sum()}
        ),
        left_on="id", right_index=True, how="left",
    )  # fmt: skip
    stations["exceed_h"] = stations["exceed_h"].fillna(0).astype("int64")
    stations["band"] = [b.key if (b := aqi.band_of(v)) else None for v in stations["aqi_max"]]
    stations = stations.sort_values(["aqi_max", "id"], ascending=[False, True]).reset_index(
        drop=True
    )
    exceed = over.sum().rename_axis("pollutant").reset_index(name="exceed_h")
    by_area = stations.groupby(level)["exceed_h"].sum().rename_axis("area").reset_index()
    return hourly, stations, exceed, by_area


def _water(session: Session, drill: DrillFilter) -> tuple[pd.DataFrame, pd.DataFrame, str | None]:
    everywhere = assets_frame(session, "water", ((), ()))
    inland = [float(a.get("km_inland", np.inf)) for a in everywhere["attributes"]]
    tide_id = str(everywhere["id"].iloc[int(np.argmin(inland))]) if len(everywhere) else None
    gauges = assets_frame(session, "water", drill.areas)
    for key in ("flood_stage_cm", "alert_stage_cm", "km_inland"):
        gauges[key] = [float(a.get(key, np.nan)) for a in gauges["attributes"]]
    shown = sorted({*gauges["id"], *([tide_id] if tide_id else [])})
    lo, hi = to_epoch(drill.start) // HOUR_S * HOUR_S, to_epoch(drill.end)
    water = hourly_means(session, ["water_level_cm"], lo, hi, shown)
    water = water.rename(columns={"mean": "level_cm"}).drop(columns="metric")
    g = water.groupby("asset_id")["level_cm"]
    gauges["level_cm"] = gauges["id"].map(g.mean())
    gauges["max_level_cm"] = gauges["id"].map(g.max())
    stage = water["asset_id"].map(dict(zip(gauges["id"], gauges["flood_stage_cm"], strict=True)))
    above = water.assign(above=water["level_cm"] >= stage).groupby("asset_id")["above"].sum()
    gauges["above_flood_h"] = gauges["id"].map(above).fillna(0).astype("int64")
    water["ts"] = pd.to_datetime(water["bucket"], unit="s", utc=True)
    gauges = gauges.drop(columns=["attributes", "kind"]).reset_index(drop=True)
    return gauges, water[["asset_id", "ts", "level_cm"]].sort_values(["asset_id", "ts"]), tide_id


def environment_view(session: Session, drill: DrillFilter, *, level: str) -> EnvironmentView:
    """The numbers /environment shows for `drill`; `level` ("ward"/"zone") groups by area."""
    hourly, stations, exceed, by_area = _stations(session, drill, level)
    gauges, water, tide_id = _water(session, drill)
    return EnvironmentView(hourly, stations, exceed, gauges, water, tide_id, by_area)

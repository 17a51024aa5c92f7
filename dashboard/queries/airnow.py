"""The air stations now: each one's hourly VN_AQI, latest PM2.5 and newest reading, read once
per read session (see `citynow` for why rows and arrays, not frames).

VN_AQI follows Decision 1459/QĐ-TCMT through `dashboard.aqi`; the answer for an hour is kept
per process while the stations' latest pollutant readings stand still (`_answer_cache`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from dashboard import aqi
from dashboard.queries._answer_cache import cached
from dashboard.queries._statements import (
    columns_of,
    float_array,
    frame_of,
    rows,
    session_memo,
    statement,
)
from dashboard.queries.citynow import HOUR_S
from dashboard.store.models import AssetRow, Latest, Rollup1h, Series

__all__ = ["STATION_AQI_COLUMNS", "StationsNow", "station_aqi_rows", "stations_at"]

_POLLUTANT_METRICS = list(aqi.METRIC_POLLUTANT)


STATION_AQI_COLUMNS = ["asset_id", "aqi", "band", "dominant"]


@statement
def _station_hours_stmt() -> Any:
    return (
        select(Series.asset_id, Series.metric, Rollup1h.bucket, Rollup1h.sum, Rollup1h.count)
        .join(Rollup1h, Rollup1h.series_id == Series.id)
        .where(Series.metric.in_(_POLLUTANT_METRICS))
        .where(Rollup1h.bucket > bindparam("first"), Rollup1h.bucket <= bindparam("last"))
    )


def station_aqi_rows(session: Session, at: int) -> list[tuple[str, float, str | None, str | None]]:
    """(asset_id, aqi (float, NaN unknown), band key, dominant pollutant) of each station
    with pollutant data in the 12 hours to `at`, by asset id (snapshot.station_aqi)."""
    h0 = at // HOUR_S * HOUR_S
    params = {"first": h0 - 12 * HOUR_S, "last": h0}
    means: dict[str, dict[str, dict[int, float]]] = {}
    for asset_id, metric, bucket, total, n in rows(session, _station_hours_stmt(), params):
        means.setdefault(asset_id, {}).setdefault(metric, {})[int(bucket)] = float(total) / n
    out = []
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
        out.append(
            (
                asset_id,
                float(result.aqi) if result else float("nan"),
                band.key if band else None,
                result.dominant if result else None,
            )
        )
    return out


@statement
def _station_assets_stmt() -> Any:
    return (
        select(AssetRow.id, AssetRow.name, AssetRow.lon, AssetRow.lat, AssetRow.ward)
        .where(
            AssetRow.id.in_(select(Series.asset_id).where(Series.metric.in_(_POLLUTANT_METRICS)))
        )
        .order_by(AssetRow.id)
    )


@statement
def _station_newest_stmt() -> Any:
    return (
        select(Series.asset_id, func.max(Latest.ts))
        .join(Latest, Latest.series_id == Series.id)
        .where(Series.metric.in_(_POLLUTANT_METRICS))
        .group_by(Series.asset_id)
    )


@statement
def _station_pm25_stmt() -> Any:
    return (
        select(Series.asset_id, Latest.value)
        .join(Latest, Latest.series_id == Series.id)
        .where(Series.metric == "pm25_ugm3")
    )


@statement
def _pollutant_signature_stmt() -> Any:
    return (
        select(func.count(), func.sum(Latest.ts), func.max(Latest.ts))
        .join(Series, Series.id == Latest.series_id)
        .where(Series.metric.in_(_POLLUTANT_METRICS))
    )


@dataclass(frozen=True)
class StationsNow:
    """Air stations by id: assets (id, name, lon, lat, ward), each one's VN_AQI of the hour
    (aqi float64 with NaN, band, dominant), latest PM2.5 (float64, NaN) and newest pollutant
    reading (ts: epoch s or None)."""

    assets: tuple[Any, ...]
    newest: dict[str, int]
    pm25: dict[str, float]
    by_station: tuple[tuple[str, float, str | None, str | None], ...]
    ids: tuple[str, ...] = field(init=False)
    names: tuple[Any, ...] = field(init=False)
    wards: tuple[Any, ...] = field(init=False)
    aqi: np.ndarray = field(init=False)
    bands: tuple[str | None, ...] = field(init=False)
    dominants: tuple[str | None, ...] = field(init=False)
    pm25_ugm3: np.ndarray = field(init=False)
    ts: tuple[int | None, ...] = field(init=False)

    def __post_init__(self) -> None:
        ids, names, _lon, _lat, wards = columns_of(list(self.assets), 5)
        found = {r[0]: r for r in self.by_station}
        none = (None, math.nan, None, None)
        per = [found.get(i, none) for i in ids]
        put = object.__setattr__
        put(self, "ids", ids)
        put(self, "names", names)
        put(self, "wards", wards)
        put(self, "aqi", float_array(r[1] for r in per))
        put(self, "bands", tuple(r[2] for r in per))
        put(self, "dominants", tuple(r[3] for r in per))
        put(self, "pm25_ugm3", float_array(self.pm25.get(i) for i in ids))
        put(self, "ts", tuple(self.newest.get(i) for i in ids))

    def frame(self) -> pd.DataFrame:
        """snapshot.station_frame's frame (id, name, lon, lat, ward, aqi, band, dominant,
        pm25_ugm3, ts as Int64)."""
        stations = frame_of(self.assets, ["id", "name", "lon", "lat", "ward"])
        by_station = pd.DataFrame(list(self.by_station), columns=STATION_AQI_COLUMNS)
        frame = stations.merge(by_station, left_on="id", right_on="asset_id", how="left").drop(
            columns="asset_id"
        )
        frame["aqi"] = frame["aqi"].astype("float64")
        frame["pm25_ugm3"] = frame["id"].map(self.pm25).astype("float64")
        frame["ts"] = frame["id"].map(self.newest).astype("Int64")
        return frame


def _stations(session: Session, at: int) -> StationsNow:
    assets = tuple(rows(session, _station_assets_stmt()))
    newest = {a: int(ts) for a, ts in rows(session, _station_newest_stmt())}
    pm25 = {a: v for a, v in rows(session, _station_pm25_stmt())}
    # The VN_AQI of the hour holding `at` moves only with new pollutant readings, which move
    # the latest table: kept per process while neither the hour nor the stations' latest
    # readings change (a reading arriving late, behind the latest, shows with the next one).
    signature = tuple(rows(session, _pollutant_signature_stmt())[0])
    key = (at // HOUR_S, signature)
    by_station = cached(session, "station_aqi", key, lambda: station_aqi_rows(session, at))
    return StationsNow(assets, newest, pm25, tuple(by_station))


def stations_at(session: Session, at: int) -> StationsNow:
    """The air stations at `at` (epoch s), once per read session and instant."""
    return session_memo(session, ("stations", at), lambda: _stations(session, at))

"""/lighting: burn hours, energy, faults and time to repair, and lamps on in daylight.

Lamps report on change only (`lamp_on`, `lamp_fault`), so time in a state is integrated from
raw events: each lamp's state at the window's start (its newest reading before it, one index
seek per series) and its readings inside the window, each state held until the next reading
or the window's end. Raw readings are kept `retention.raw_days`: windows reaching further back
count from the oldest kept reading. Daylight is sunrise to sunset at the city's centre
(astral, as the simulator switches lamps), shrunk by `DAYLIGHT_GRACE` at both ends so a
photocell's normal few minutes around dusk and dawn are not waste.

Energy per cabinet comes from `power_w` 5-minute rollups: each bucket's mean W held until the
series' next bucket, at most an hour, the last until the window's end (as the wall's energy
tile counts, `snapshot.energy_kwh`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

import numpy as np
import pandas as pd
from astral import Observer
from astral.sun import sunrise, sunset
from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from dashboard.queries import to_epoch
from dashboard.queries._areas import area_condition, assets_frame
from dashboard.queries._five_minute import five_minute
from dashboard.queries.events import lamp_fault_transitions
from dashboard.queries.filters import DrillFilter
from dashboard.queries.snapshot import held_joules, next_bucket, query_frame
from dashboard.store.models import AssetRow, ReadingRow, Series

__all__ = [
    "DAYLIGHT_GRACE",
    "LightingView",
    "cabinet_energy",
    "daylight_spans",
    "lamp_states",
    "lighting_view",
    "state_seconds",
]

DAYLIGHT_GRACE = timedelta(minutes=30)


@dataclass(frozen=True)
class LightingView:
    """cabinets: id, name, ward, zone, lon, lat, lamps, energy_kwh, burn_h (mean per lamp),
    daylight_h (lamp-hours on in daylight), fault_h, faults; faults: id, name, cabinet, ward,
    zone, lon, lat, failed, repaired (aware UTC or NaT), repair_h; by_area: area, energy_kwh,
    daylight_h; daily: day (local date), faults."""

    cabinets: pd.DataFrame
    faults: pd.DataFrame
    by_area: pd.DataFrame
    daily: pd.DataFrame


def lamp_states(session: Session, drill: DrillFilter, metric: str) -> pd.DataFrame:
    """`metric` events of the lamps in the view's areas: id, ts (epoch s), value; the first
    row of each lamp is its state at the window's start (ts = start) when it had one."""
    lo, hi = to_epoch(drill.start), to_epoch(drill.end)
    lamps = (
        select(Series.id)
        .join(AssetRow, AssetRow.id == Series.asset_id)
        .where(Series.metric == metric, AssetRow.kind == "lamp")
        .where(area_condition(AssetRow.ward, AssetRow.zone, drill.areas))
    )
    ids = list(session.scalars(lamps))
    before = (
        select(ReadingRow.value)
        .where(ReadingRow.series_id == Series.id, ReadingRow.ts < lo)
        .order_by(ReadingRow.ts.desc())
        .limit(1)
        .correlate(Series)
        .scalar_subquery()
    )
    first = select(Series.asset_id, literal(lo).label("ts"), before).where(Series.id.in_(ids))
    inside = (
        select(Series.asset_id, ReadingRow.ts, ReadingRow.value)
        .join(ReadingRow, ReadingRow.series_id == Series.id)
        .where(Series.id.in_(ids), ReadingRow.ts >= lo, ReadingRow.ts < hi)
    )
    frame = pd.concat(
        [
            query_frame(session, first, ["id", "ts", "value"]),
            query_frame(session, inside, ["id", "ts", "value"]),
        ]
    )
    frame = frame.dropna(subset=["value"]).astype({"ts": "int64", "value": "float64"})
    return frame.sort_values(["id", "ts"], kind="stable").reset_index(drop=True)


def daylight_spans(
    start: datetime, end: datetime, lonlat: tuple[float, float], tz: tzinfo
) -> np.ndarray:
    """(n, 2) epoch-second spans of daylight (sunrise + grace to sunset − grace) on every local
    day touching [start, end)."""
    observer = Observer(latitude=lonlat[1], longitude=lonlat[0])
    day: date = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date()
    spans = []
    while day <= last:
        up = sunrise(observer, day, tzinfo=tz) + DAYLIGHT_GRACE
        down = sunset(observer, day, tzinfo=tz) - DAYLIGHT_GRACE
        spans.append((up.timestamp(), down.timestamp()))
        day += timedelta(days=1)
    return np.array(spans, dtype=np.float64).reshape(-1, 2)


def _daylight_before(t: np.ndarray, spans: np.ndarray) -> np.ndarray:
    """Daylight seconds before each instant `t` since the first span (piecewise linear)."""
    edges = spans.reshape(-1)
    lit = np.zeros(len(edges))
    lit[1::2] = spans[:, 1] - spans[:, 0]
    return np.interp(t, edges, np.cumsum(lit))


def state_seconds(events: pd.DataFrame, end: int, spans: np.ndarray | None = None) -> pd.DataFrame:
    """Per lamp, seconds in state 1 (value >= 0.5) until `end`, and of those in daylight
    (`spans`, see daylight_spans): id, on_s, day_s."""
    if not len(events):
        return pd.DataFrame(
            {
                "id": pd.Series(dtype=object),
                "on_s": pd.Series(dtype="float64"),
                "day_s": pd.Series(dtype="float64"),
            }
        )
    nxt = events.groupby("id")["ts"].shift(-1).fillna(end).to_numpy(np.float64)
    ts = events["ts"].to_numpy(np.float64)
    on = events["value"].to_numpy(np.float64) >= 0.5
    held = np.where(on, nxt - ts, 0.0)
    day = np.zeros(len(ts))
    if spans is not None and len(spans):
        day = np.where(on, _daylight_before(nxt, spans) - _daylight_before(ts, spans), 0.0)
    frame = pd.DataFrame({"id": events["id"].to_numpy(), "on_s": held, "day_s": day})
    return frame.groupby("id", as_index=False).sum()


def cabinet_energy(session: Session, drill: DrillFilter) -> pd.DataFrame:
    """kWh per power series' asset over the window: id, energy_kwh (5-minute rollups)."""
    lo, hi = to_epoch(drill.start), to_epoch(drill.end)
    meters = select(Series.id).where(Series.metric == "power_w")
    buckets = five_minute(lo, hi, lambda sid: sid.in_(meters))
    five = buckets.c
    rows = (
        select(
            Series.asset_id.label("id"),
            (five.sum / five.count).label("watts"),
            five.bucket.label("bucket"),
            next_bucket(five),
        )
        .join(buckets, five.series_id == Series.id)
        .join(AssetRow, AssetRow.id == Series.asset_id)
        .where(area_condition(AssetRow.ward, AssetRow.zone, drill.areas))
        .subquery()
    )
    stmt = select(rows.c.id, func.sum(held_joules(rows.c, hi)) / 3.6e6).group_by(rows.c.id)
    frame = query_frame(session, stmt, ["id", "energy_kwh"])
    frame["energy_kwh"] = frame["energy_kwh"].astype("float64")
    return frame


def _faults(session: Session, drill: DrillFilter, lamps: pd.DataFrame) -> pd.DataFrame:
    moves = lamp_fault_transitions(session, to_epoch(drill.start) - 1, to_epoch(drill.end) - 1)
    moves = moves[moves["asset_id"].isin(lamps["id"])].sort_values(["asset_id", "ts"])
    nxt_ts = moves.groupby("asset_id")["ts"].shift(-1)
    nxt_val = moves.groupby("asset_id")["value"].shift(-1)
    failed = moves.assign(repaired=np.where(nxt_val == 0, nxt_ts, np.nan))[moves["value"] == 1]
    out = failed.merge(lamps, left_on="asset_id", right_on="id", suffixes=("_e", ""))
    out["failed"] = pd.to_datetime(out["ts"], unit="s", utc=True)
    out["repair_h"] = (out["repaired"] - out["ts"]) / 3600
    out["repaired"] = pd.to_datetime(out["repaired"], unit="s", utc=True)
    cols = ["id", "name", "cabinet", "ward", "zone", "lon", "lat", "failed", "repaired", "repair_h"]
    return out[cols].sort_values(["failed", "id"], ascending=[False, True]).reset_index(drop=True)


def lighting_view(
    session: Session, drill: DrillFilter, *, lonlat: tuple[float, float], tz: tzinfo, level: str
) -> LightingView:
    """The numbers /lighting shows for `drill`; `lonlat` is the city's centre for sun times,
    `level` ("ward"/"zone") groups by area."""
    assets = assets_frame(session, "lighting", drill.areas)
    lamps = assets[assets["kind"] == "lamp"].copy()
    lamps["cabinet"] = [a.get("cabinet_id") for a in lamps["attributes"]]
    hi = to_epoch(drill.end)
    spans = daylight_spans(drill.start, drill.end, lonlat, tz)
    on = state_seconds(lamp_states(session, drill, "lamp_on"), hi, spans)
    fault = state_seconds(lamp_states(session, drill, "lamp_fault"), hi)
    lamps = lamps.merge(on, on="id", how="left").merge(
        fault.rename(columns={"on_s": "fault_s"})[["id", "fault_s"]], on="id", how="left"
    )
    faults = _faults(session, drill, lamps)
    per = lamps.groupby("cabinet").agg(
        lamps=("id", "size"),
        on_s=("on_s", "sum"),
        day_s=("day_s", "sum"),
        fault_s=("fault_s", "sum"),
    )
    cabinets = assets[assets["kind"] == "cabinet"].drop(columns=["kind", "attributes"])
    per.index = per.index.astype(object)  # an area without lamps groups into a float index
    cabinets = cabinets.merge(per, left_on="id", right_index=True, how="left")
    cabinets = cabinets.merge(cabinet_energy(session, drill), on="id", how="left")
    cabinets["faults"] = (
        cabinets["id"].map(faults["cabinet"].value_counts()).fillna(0).astype("int64")
    )
    cabinets["lamps"] = cabinets["lamps"].fillna(0).astype("int64")
    cabinets["burn_h"] = cabinets["on_s"] / 3600 / cabinets["lamps"].where(cabinets["lamps"] > 0)
    cabinets["daylight_h"] = cabinets["day_s"].fillna(0) / 3600
    cabinets["fault_h"] = cabinets["fault_s"].fillna(0) / 3600
    cabinets["energy_kwh"] = cabinets["energy_kwh"].fillna(0.0)
    cabinets = cabinets.sort_values(["energy_kwh", "id"], ascending=[False, True]).reset_index(
        drop=True
    )
    by_area = (
        cabinets.groupby(level)[["energy_kwh", "daylight_h"]]
        .sum()
        .rename_axis("area")
        .reset_index()
    )
    days = faults["failed"].dt.tz_convert(tz).dt.date
    daily = days.value_counts().sort_index().rename_axis("day").reset_index(name="faults")
    return LightingView(cabinets, faults, by_area, daily)

"""A simulated Rạch Giá stored through the real pipeline, and what it holds, computed apart.

`build_city` runs the real simulator (`SimulatorSource`) through `pipeline.backfill` with the
real boundary files: about 19 hours up to NOW − 7 days (last week's same hour, and last week's
local midnight for energy) and the 24 hours up to NOW, each by a fresh connector so each
window opens with every lamp's state. It records every reading, asset and report the store
was handed; `Truth` recomputes the wall's numbers from those raw records with pandas and
`dashboard.aqi` only — never through the query layer or the rollups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard import aqi
from dashboard.areas import Areas
from dashboard.config import Config, SourceConfig, load_config
from dashboard.pipeline import backfill
from dashboard.records import REPORT_SLA_HOURS, Asset, Batch, CitizenReport
from dashboard.store import Store
from data_sources.simulator import SimulatorSource

# Monday 18:27:30 in Rạch Giá: the evening rush is easing, the lamps have just come on.
NOW = datetime(2025, 6, 9, 11, 27, 30, tzinfo=UTC)
THEN = NOW - timedelta(days=7)
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
CONGESTED_BELOW = 0.8  # above the default, so that hour has congested and jammed segments
SIM = {
    "name": "sim",
    "type": "simulator",
    "interval_s": 60,
    "seed": 7,
    "segments": 150,
    "lights": 1500,
    "air_stations": 3,
    "water_sensors": 3,
    "step_s": 300,
}


class RecordingSimulator(SimulatorSource):
    """The simulator, keeping every batch it handed out."""

    def __init__(self, settings: SourceConfig, config: Config, sink: list[Batch]) -> None:
        super().__init__(settings, config)
        self.sink = sink

    def fetch(self, since: datetime | None, now: datetime) -> Batch:
        batch = super().fetch(since, now)
        self.sink.append(batch)
        return batch


@dataclass
class City:
    store: Store
    config: Config
    readings: pd.DataFrame  # asset_id, metric, ts (epoch s), value; first delivery wins
    assets: dict[str, Asset]
    reports: dict[str, CitizenReport] = field(default_factory=dict)


def city_config(store: Store) -> Config:
    return load_config(
        env={},
        overrides={
            "database": {"url": store.url},
            "sources": [SIM],
            "wall": {"congested_below": CONGESTED_BELOW},
        },
    )


def build_city(store: Store) -> City:
    config = city_config(store)
    areas = Areas.from_config(config)
    batches: list[Batch] = []
    settings = config.source("sim")
    for end, days in ((THEN, 0.8), (NOW, 1.0)):
        sim = RecordingSimulator(settings, config, batches)
        outcome = backfill(store, sim, areas, days=days, now=end)
        assert outcome.status == "ok", outcome.error
    rows = [
        (r.asset_id, r.metric, int(r.ts.timestamp()), r.value)
        for b in batches
        for r in b.all_readings()
    ]
    readings = pd.DataFrame(rows, columns=["asset_id", "metric", "ts", "value"])
    readings = readings.drop_duplicates(["asset_id", "metric", "ts"], keep="first")
    assets = {a.id: a for b in batches for a in b.assets}
    reports: dict[str, CitizenReport] = {}
    for rep in (r for b in batches for r in b.reports):
        seen = reports.get(rep.external_id)
        if seen is None or rep.updated_at > seen.updated_at:
            reports[rep.external_id] = rep
    return City(store, config, readings.reset_index(drop=True), assets, reports)


def epoch(ts: datetime) -> int:
    return int(ts.timestamp())


def local_midnight(at: datetime) -> int:
    day: date = at.astimezone(LOCAL).date()
    return epoch(datetime.combine(day, time(), tzinfo=LOCAL))


class Truth:
    """The wall's numbers recomputed from the raw records of a `City`, at any instant."""

    def __init__(self, city: City) -> None:
        self.city = city
        self.r = city.readings

    def attr(self, asset_id: str, key: str) -> Any:
        return self.city.assets[asset_id].attributes.get(key)

    def metric(self, metric: str) -> pd.DataFrame:
        return self.r[self.r["metric"] == metric]

    def latest(self, metric: str, at: int | None = None) -> pd.Series:
        """Per asset, the value of its newest reading (at or before `at`)."""
        m = self.metric(metric)
        if at is not None:
            m = m[m["ts"] <= at]
        return m.sort_values("ts").groupby("asset_id")["value"].last()

    def bucket_at(self, metric: str, at: int) -> pd.Series:
        """Per asset, the mean of its newest 5-minute bucket starting in (at - 1 h, at]."""
        m = self.metric(metric).assign(bucket=lambda f: f["ts"] // 300 * 300)
        m = m[(m["bucket"] > at - 3600) & (m["bucket"] <= at)]
        newest = m.groupby("asset_id")["bucket"].transform("max")
        return m[m["bucket"] == newest].groupby("asset_id")["value"].mean()

    # -- traffic ---------------------------------------------------------------------------

    def speeds(self, at: int | None = None) -> pd.DataFrame:
        speed = self.latest("speed_kmh") if at is None else self.bucket_at("speed_kmh", at)
        frame = speed.rename("speed").to_frame()
        frame["length"] = [self.attr(a, "length_m") for a in frame.index]
        frame["free_flow"] = [self.attr(a, "free_flow_kmh") for a in frame.index]
        frame["ratio"] = frame["speed"] / frame["free_flow"]
        return frame

    def avg_speed(self, at: int | None = None) -> float:
        f = self.speeds(at)
        return float((f["speed"] * f["length"]).sum() / f["length"].sum())

    def congested(self, at: int | None = None, below: float = CONGESTED_BELOW) -> int:
        return int((self.speeds(at)["ratio"] < below).sum())

    # -- lighting --------------------------------------------------------------------------

    def lamps(self, metric: str, at: int | None = None) -> int:
        return int((self.latest(metric, at) >= 0.5).sum())

    def energy_kwh(self, end: datetime) -> float:
        """Each power sample since local midnight held until the cabinet's next one (≤ 1 h)."""
        start, stop = local_midnight(end), epoch(end)
        p = self.metric("power_w")
        p = p[(p["ts"] >= start) & (p["ts"] < stop)].sort_values(["asset_id", "ts"])
        nxt = p.groupby("asset_id")["ts"].shift(-1).fillna(stop)
        hold = (nxt - p["ts"]).clip(upper=3600)
        return float((p["value"] * hold).sum() / 3.6e6)

    # -- air ---------------------------------------------------------------------------------

    def aqi(self, at: int) -> dict[str, aqi.AqiResult | None]:
        h0 = at // 3600 * 3600
        out: dict[str, aqi.AqiResult | None] = {}
        frame = self.r[self.r["metric"].isin(list(aqi.METRIC_POLLUTANT))]
        frame = frame.assign(hour=frame["ts"] // 3600 * 3600)
        frame = frame[(frame["hour"] > h0 - 12 * 3600) & (frame["hour"] <= h0)]
        means = frame.groupby(["asset_id", "metric", "hour"])["value"].mean()
        for station in sorted(frame["asset_id"].unique()):
            conc: dict[str, float | None] = {}
            for metric, (pollutant, factor) in aqi.METRIC_POLLUTANT.items():
                hourly = [means.get((station, metric, h0 - k * 3600)) for k in range(12)]
                if pollutant in ("pm25", "pm10"):
                    value = aqi.nowcast(hourly)
                else:
                    value = hourly[0] if hourly[0] is not None else hourly[1]
                conc[pollutant] = None if value is None else value * factor
            out[station] = aqi.hourly_aqi(conc)
        return out

    # -- water and reports -------------------------------------------------------------------

    def open_reports(self, at: datetime | None = None) -> list[tuple[CitizenReport, bool]]:
        """(report, overdue) of the reports open at `at` (None: now, by status)."""
        out = []
        for rep in self.city.reports.values():
            if at is None:
                is_open = rep.status != "closed"
            else:
                is_open = rep.created_at <= at and (rep.closed_at is None or rep.closed_at > at)
            if is_open:
                age_h = ((at or NOW) - rep.created_at).total_seconds() / 3600
                out.append((rep, age_h > REPORT_SLA_HOURS[rep.category]))
        return out

"""The wall's trend strip: the last 24 hours of each domain, one value per hour, from rollup_1h.

Hours are the 24 one-hour buckets ending with the hour in progress (its value so far); ts is
the bucket's start, aware UTC. An hour without data has no row (a gap, never a made-up zero),
except new reports, whose count is zero when none arrived.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.config import Config
from dashboard.queries import from_epoch, to_epoch
from dashboard.queries.snapshot import HOUR_S, query_frame, segment_frame
from dashboard.store.models import ReportRow, Rollup1h, Series

__all__ = ["TREND_SERIES", "trends_24h"]

TREND_SERIES = (
    # km/h, each segment's mean speed over the hour, averaged weighted by length_m: not the
    # tile's traffic.avg_speed (the segments' latest speeds now), and labelled so ("hourly").
    "traffic.avg_speed",
    "lighting.power_kw",  # kW, sum over cabinets of their hourly mean power_w / 1000
    "air.pm25",  # µg/m³, mean over stations of their hourly mean PM2.5
    "water.max_level_cm",  # cm, the highest level any gauge reached in the hour
    "reports.new_per_hour",  # reports created in the hour
)


def _speed(session: Session, first: int, last: int) -> pd.DataFrame:
    stmt = (
        select(Rollup1h.bucket, Series.asset_id, Rollup1h.sum, Rollup1h.count)
        .join(Series, Series.id == Rollup1h.series_id)
        .where(Series.metric == "speed_kmh", Rollup1h.bucket >= first, Rollup1h.bucket <= last)
    )
    f = query_frame(session, stmt, ["bucket", "asset_id", "sum", "count"])
    if f.empty:
        return pd.DataFrame({"bucket": [], "value": []})
    lengths = segment_frame(session).set_index("id")["length_m"]
    known = lengths.dropna()
    weight = lengths.fillna(known.mean() if len(known) else 1.0).fillna(1.0)
    f["w"] = f["asset_id"].map(weight).fillna(known.mean() if len(known) else 1.0).astype("float64")
    f["wx"] = f["sum"].astype("float64") / f["count"].astype("float64") * f["w"]
    g = f.groupby("bucket")[["wx", "w"]].sum()
    return pd.DataFrame({"bucket": g.index, "value": (g["wx"] / g["w"]).to_numpy()})


def _per_bucket(session: Session, metric: str, agg: str, first: int, last: int) -> pd.DataFrame:
    mean = Rollup1h.sum / Rollup1h.count
    value = {
        "sum_kw": func.sum(mean) / 1000.0,
        "avg": func.avg(mean),
        "max": func.max(Rollup1h.max),
    }[agg]
    stmt = (
        select(Rollup1h.bucket, value)
        .join(Series, Series.id == Rollup1h.series_id)
        .where(Series.metric == metric, Rollup1h.bucket >= first, Rollup1h.bucket <= last)
        .group_by(Rollup1h.bucket)
    )
    return query_frame(session, stmt, ["bucket", "value"])


def _new_reports(session: Session, first: int, last: int) -> pd.DataFrame:
    created = session.scalars(
        select(ReportRow.created_at).where(
            ReportRow.created_at >= from_epoch(first),
            ReportRow.created_at < from_epoch(last + HOUR_S),
        )
    ).all()
    counts = pd.Series([to_epoch(c) // HOUR_S * HOUR_S for c in created], dtype="int64")
    hours = range(first, last + 1, HOUR_S)
    per = counts.value_counts().reindex(hours, fill_value=0)
    return pd.DataFrame({"bucket": list(hours), "value": per.to_numpy(dtype="float64")})


def trends_24h(session: Session, config: Config, now: datetime) -> pd.DataFrame:
    """Long frame: series (TREND_SERIES), ts (aware UTC hour start), value; 24 hours to `now`.

    Sorted by series (TREND_SERIES order) and ts. `config` is taken for symmetry with the
    other wall queries (the city's settings may shape trends later); nothing depends on it yet.
    """
    last = to_epoch(now) // HOUR_S * HOUR_S
    first = last - 23 * HOUR_S
    parts = {
        "traffic.avg_speed": _speed(session, first, last),
        "lighting.power_kw": _per_bucket(session, "power_w", "sum_kw", first, last),
        "air.pm25": _per_bucket(session, "pm25_ugm3", "avg", first, last),
        "water.max_level_cm": _per_bucket(session, "water_level_cm", "max", first, last),
        "reports.new_per_hour": _new_reports(session, first, last),
    }
    frames = [
        pd.DataFrame(
            {
                "series": name,
                "ts": pd.to_datetime(part["bucket"].astype("int64"), unit="s", utc=True),
                "value": part["value"].astype("float64"),
            }
        )
        for name, part in parts.items()
    ]
    out = pd.concat(frames, ignore_index=True)
    order = {name: k for k, name in enumerate(TREND_SERIES)}
    out = out.sort_values(["series", "ts"], key=lambda c: c.map(order) if c.name == "series" else c)
    return out.reset_index(drop=True)

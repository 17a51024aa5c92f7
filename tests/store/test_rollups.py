"""Rollups agree with aggregates computed independently (pandas) from the raw readings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.records import METRICS, Reading
from dashboard.store import Store
from tests.store.data import T0, five_minute_rows, frame, minutes, segment, station

_METRICS = {"seg": ("speed_kmh", "volume_vph", "occupancy_pct"), "aq": ("pm25_ugm3", "temp_c")}


def _random_days(rng: np.random.Generator, days: int = 3) -> list[Reading]:
    """Irregular readings over several days: random gaps, per-series jitter, late arrivals."""
    out: list[Reading] = []
    assets = [f"seg-{i:03d}" for i in range(4)] + [f"aq-{i:02d}" for i in range(2)]
    for asset in assets:
        for metric in _METRICS[asset.split("-")[0]]:
            m = METRICS[metric]
            n = int(rng.integers(200, 400))
            offsets = np.sort(rng.choice(days * 24 * 60, size=n, replace=False))
            spread = (m.high - m.low) / 20 if m.high < 1000 else 400.0
            centre = {
                "speed_kmh": 35,
                "volume_vph": 900,
                "occupancy_pct": 30,
                "pm25_ugm3": 30,
                "temp_c": 29,
            }[metric]
            values = np.clip(rng.normal(centre, spread, n), m.low, m.high).round(2)
            seconds = rng.integers(0, 60, n)
            out += [
                Reading(
                    asset, metric, T0 + minutes(int(o)) + pd.Timedelta(seconds=int(s)), float(v)
                )
                for o, s, v in zip(offsets, seconds, values, strict=True)
            ]
    return out


def test_rollups_equal_aggregates_of_the_raw_readings(store: Store) -> None:
    rng = np.random.default_rng(20250601)
    readings = _random_days(rng)
    order = rng.permutation(len(readings))
    shuffled = [readings[i] for i in order]
    chunks = np.array_split(np.arange(len(shuffled)), 7)
    assets = [segment(i) for i in range(4)] + [station(i) for i in range(2)]
    store.ingest("mix", assets=assets, now=T0)
    delivered = 0
    for k, idx in enumerate(chunks):
        batch = [shuffled[i] for i in idx]
        if k:  # re-deliver a slice of the previous chunk with changed values: first wins
            prev = [shuffled[i] for i in chunks[k - 1][: len(chunks[k - 1]) // 3]]
            batch += [Reading(r.asset_id, r.metric, r.ts, r.value / 2) for r in prev]
        # the batches arrive after the three days they cover (the store refuses the future)
        result = store.ingest("mix", readings=batch, now=T0 + minutes(3 * 24 * 60 + k))
        delivered += result.readings
    assert delivered == len(readings)

    raw = pd.DataFrame(
        {
            "asset_id": [r.asset_id for r in readings],
            "metric": [r.metric for r in readings],
            "ts": [int(r.ts.timestamp()) for r in readings],
            "value": [r.value for r in readings],
        }
    )
    series = frame(store, "SELECT id AS series_id, asset_id, metric FROM series")
    raw = raw.merge(series, on=["asset_id", "metric"])
    stored = frame(store, "SELECT series_id, ts, value FROM readings")
    pd.testing.assert_frame_equal(
        stored.sort_values(["series_id", "ts"]).reset_index(drop=True),
        raw[["series_id", "ts", "value"]].sort_values(["series_id", "ts"]).reset_index(drop=True),
        check_dtype=False,
    )
    for width, table in ((300, "rollup_5m"), (3600, "rollup_1h")):
        expected = (
            raw.assign(bucket=raw["ts"] // width * width)
            .groupby(["series_id", "bucket"])["value"]
            .agg(["count", "sum", "min", "max"])
            .reset_index()
        )
        got = (
            five_minute_rows(store)
            if width == 300
            else frame(store, f"SELECT series_id, bucket, count, sum, min, max FROM {table}")
        )
        got = got.sort_values(["series_id", "bucket"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False, rtol=1e-9)

    newest = raw.sort_values("ts").groupby("series_id").tail(1).sort_values("series_id")
    latest = frame(store, "SELECT series_id, ts, value FROM latest ORDER BY series_id")
    assert latest.values.tolist() == newest[["series_id", "ts", "value"]].values.tolist()

"""Asset history on both databases: what the detail panel draws equals pandas on the raw rows.

One road segment reports speed every 2 minutes for 40 days (ingested through `Store.ingest`,
so the rollups are the store's own); each window is checked at the resolution the panel picks
against means, minima and maxima computed here from the readings handed to the store.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from dashboard.queries.history import (
    asset_history,
    asset_info,
    default_metric,
    resolution_for,
)
from dashboard.records import Asset, Reading
from dashboard.store import Store

NOW = datetime(2025, 6, 9, 11, 27, 30, tzinfo=UTC)
STEP_S = 120
DAYS = 40
SEGMENT = Asset(
    "sim-road-0001",
    "traffic",
    "road_segment",
    "Nguyễn Trung Trực (đoạn 1)",
    {"type": "LineString", "coordinates": [[105.0801, 10.0123], [105.0832, 10.0141]]},
    attributes={"free_flow_kmh": 40.0, "length_m": 420.0, "street": "Nguyễn Trung Trực"},
)


def speeds() -> pd.DataFrame:
    end = int(NOW.timestamp()) // STEP_S * STEP_S
    ts = np.arange(end - DAYS * 86400, end, STEP_S)
    hour = (ts // 3600 + 7) % 24
    # A rush-hour dip and a deterministic wobble, so buckets differ in mean, min and max.
    value = 38 - 14 * np.isin(hour, (7, 8, 17, 18)) + 3 * np.sin(ts / 997.0)
    return pd.DataFrame({"ts": ts, "value": np.round(value, 3)})


@pytest.fixture
def segment(store: Store) -> pd.DataFrame:
    frame = speeds()
    readings = [
        Reading(SEGMENT.id, "speed_kmh", datetime.fromtimestamp(int(t), UTC), float(v))
        for t, v in zip(frame["ts"], frame["value"], strict=True)
    ]
    store.ingest("sim", assets=[SEGMENT], readings=readings, now=NOW)
    return frame


def expected(frame: pd.DataFrame, lo: int, hi: int, bucket: int | None) -> pd.DataFrame:
    if bucket is None:
        raw = frame[(frame["ts"] >= lo) & (frame["ts"] < hi)].reset_index(drop=True)
        return raw.assign(count=1)
    # A rollup point stands for its whole bucket: every bucket that overlaps the window.
    part = frame[(frame["ts"] >= lo // bucket * bucket) & (frame["ts"] < -(-hi // bucket) * bucket)]
    grouped = part.assign(b=part["ts"] // bucket * bucket).groupby("b")["value"]
    return pd.DataFrame(
        {
            "ts": grouped.mean().index,
            "value": grouped.mean().to_numpy(),
            "min": grouped.min().to_numpy(),
            "max": grouped.max().to_numpy(),
            "count": grouped.count().to_numpy(),
        }
    )


@pytest.mark.parametrize(
    ("days", "resolution", "bucket"), [(1, "raw", None), (7, "5m", 300), (30, "1h", 3600)]
)
def test_history_equals_the_raw_readings_aggregated(
    store: Store, segment: pd.DataFrame, days: int, resolution: str, bucket: int | None
) -> None:
    start, end = NOW - timedelta(days=days), NOW
    assert resolution_for(start, end) == resolution
    with store.read_session() as session:
        hist = asset_history(session, SEGMENT.id, "speed_kmh", start, end)
    assert hist.resolution == resolution and hist.unit == "km/h"
    lo, hi, week = int(start.timestamp()), int(end.timestamp()), 7 * 86400
    for got, (a, b), shift in (
        (hist.current, (lo, hi), 0),
        (hist.previous, (lo - week, hi - week), week),
    ):
        want = expected(segment, a, b, bucket)
        assert len(got) == len(want) > 0
        np.testing.assert_array_equal(got.ts - shift, want["ts"].to_numpy())
        np.testing.assert_allclose(got.value, want["value"].to_numpy(), rtol=1e-9)
        np.testing.assert_array_equal(got.count, want["count"].to_numpy())
        if bucket is not None:
            np.testing.assert_allclose(got.min, want["min"].to_numpy())
            np.testing.assert_allclose(got.max, want["max"].to_numpy())
        else:
            assert np.isnan(got.min).all() and np.isnan(got.max).all()


def test_a_90_day_history_reads_hourly_points_only(store: Store, segment: pd.DataFrame) -> None:
    with store.read_session() as session:
        hist = asset_history(session, SEGMENT.id, "speed_kmh", NOW - timedelta(days=90), NOW)
    assert hist.resolution == "1h"
    # 40 days of data, one point per hour: a long window costs hours, not readings.
    assert len(hist.current) == pytest.approx(DAYS * 24, abs=2)


def test_asset_info_lists_attributes_and_metrics(store: Store, segment: pd.DataFrame) -> None:
    with store.read_session() as session:
        info = asset_info(session, SEGMENT.id)
        missing = asset_info(session, "no-such-asset")
    assert missing is None
    assert info is not None and info.metrics == ("speed_kmh",)
    assert info.attributes["free_flow_kmh"] == 40.0
    assert default_metric(info) == "speed_kmh"
    assert default_metric(info, "volume_vph") == "speed_kmh"  # one it lacks: its own first


def test_unknown_series_gives_empty_history(store: Store, segment: pd.DataFrame) -> None:
    with store.read_session() as session:
        hist = asset_history(session, SEGMENT.id, "pm25_ugm3", NOW - timedelta(days=1), NOW)
    assert len(hist.current) == 0 and len(hist.previous) == 0

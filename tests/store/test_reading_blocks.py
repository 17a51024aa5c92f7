"""Reading blocks (columns) are stored exactly as the same readings as objects would be."""

from __future__ import annotations

import numpy as np
import pytest

from dashboard.records import ReadingBlock
from dashboard.store import IngestResult, Store
from tests.store.data import T0, count, frame, minutes, segment, station
from tests.store.test_ingest import _snapshot

ROADS = [f"seg-{i:03d}" for i in range(3)]


def _traffic_block(hours: int = 2, speed0: float = 20.0) -> ReadingBlock:
    """Speed of three segments every minute for `hours`, time-major like the simulator's."""
    ts = int(T0.timestamp()) + 60 * np.arange(60 * hours)
    speeds = speed0 + (np.arange(len(ts))[:, None] * 7 + np.arange(3)[None, :] * 3) % 25
    return ReadingBlock.grid(ROADS, "speed_kmh", ts, speeds.astype(float))


def test_a_block_stores_what_its_readings_would(store: Store, tmp_path: object) -> None:
    block = _traffic_block()
    assets = [segment(i) for i in range(3)]
    as_block = store.ingest("sim", assets=assets, blocks=[block], now=T0 + minutes(150))
    assert as_block == IngestResult(3, 360, 0, 0, 0)

    twin = Store(f"sqlite:///{tmp_path}/twin.db")  # objects on SQLite: the reference
    twin.upgrade()
    as_objects = twin.ingest("sim", assets=assets, readings=block.readings(), now=T0 + minutes(150))
    assert as_objects == as_block
    assert _snapshot(store) == _snapshot(twin)
    twin.dispose()


def test_reingested_block_stores_nothing_twice(store: Store) -> None:
    block = _traffic_block()
    store.ingest(
        "sim", assets=[segment(i) for i in range(3)], blocks=[block], now=T0 + minutes(150)
    )
    before = _snapshot(store)
    again = store.ingest("sim", blocks=[block, block], now=T0 + minutes(151))
    assert again == IngestResult(0, 0, 720, 0, 0)
    assert _snapshot(store) == before


def test_block_and_objects_in_one_batch_share_duplicates(store: Store) -> None:
    block = _traffic_block(hours=1)
    overlap = block.readings()[:30]
    result = store.ingest(
        "sim",
        assets=[segment(i) for i in range(3)],
        readings=overlap,
        blocks=[block],
        now=T0 + minutes(90),
    )
    assert (result.readings, result.duplicates) == (180, 30)
    assert count(store, "readings") == 180


def test_bad_rows_of_a_block_are_quarantined_with_reasons(store: Store) -> None:
    ts = int(T0.timestamp())
    future = int((T0 + minutes(24 * 60)).timestamp())
    block = ReadingBlock(
        assets=["aq-00", "aq-99"],
        metrics=["pm25_ugm3", "radiation_usv", "co_mgm3"],
        asset=np.array([0, 0, 0, 0, 1, 0, 0]),
        metric=np.array([0, 0, 1, 0, 0, 0, 2]),
        ts=np.array([ts, ts + 60, ts, ts + 120, ts, future, ts]),
        value=np.array([12.0, np.nan, 3.0, 5000.0, 10.0, 11.0, 0.4]),
    )
    result = store.ingest("sim", assets=[station(0)], blocks=[block], now=T0 + minutes(5))
    assert (result.readings, result.quarantined) == (2, 5)
    reasons = frame(store, "SELECT reason FROM quarantine")["reason"].tolist()
    assert set(reasons) >= {"value is not finite", "unknown metric 'radiation_usv'"}
    assert any(r.startswith("unknown asset 'aq-99'") for r in reasons)
    assert any("outside plausible range" in r for r in reasons)
    assert any(r.startswith("timestamp in the future") for r in reasons)
    assert len(reasons) == 5
    stored = frame(
        store, "SELECT s.metric, r.value FROM readings r JOIN series s ON s.id = r.series_id"
    )
    assert sorted(map(tuple, stored.itertuples(index=False))) == [
        ("co_mgm3", 0.4),
        ("pm25_ugm3", 12.0),
    ]
    # no series was made for the unknown metric or the unknown asset
    assert count(store, "series") == 2


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"asset": [0, 1], "metric": [0], "ts": [0, 60], "value": [1.0, 2.0]}, "differ in length"),
        ({"asset": [0, 2], "metric": [0, 0], "ts": [0, 60], "value": [1.0, 2.0]}, "past its 2"),
        ({"asset": [0, 1], "metric": [0, 0], "ts": [0.5, 60], "value": [1.0, 2.0]}, "integer"),
    ],
)
def test_a_malformed_block_fails_at_construction(columns: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ReadingBlock(assets=["a", "b"], metrics=["speed_kmh"], **columns)

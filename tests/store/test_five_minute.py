"""Series whose readings are their own 5-minute buckets (`series.rolled_5m` false).

Whatever way readings arrive (5-minutely, minutely, two in one bucket, late into an old
bucket, re-delivered, across retention), the 5-minute buckets the pages read
(`queries._five_minute`) equal the aggregates of every reading ever stored, and no bucket is
counted twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import BigInteger, bindparam, select, text

from dashboard.queries._five_minute import five_minute
from dashboard.records import Reading
from dashboard.store import Store
from tests.store.data import T0, count, five_minute_rows, frame, minutes, segment, series_id


def _speed(ts: datetime, value: float, asset: str = "seg-000") -> Reading:
    return Reading(asset, "speed_kmh", ts, value)


def _every(step_min: int, n: int, start: datetime = T0, asset: str = "seg-000") -> list[Reading]:
    return [_speed(start + minutes(step_min * k), 20.0 + k % 17, asset) for k in range(n)]


def _rolled(store: Store, asset: str = "seg-000") -> bool:
    sid = series_id(store, asset, "speed_kmh")
    return bool(frame(store, "SELECT rolled_5m FROM series WHERE id = :s", s=sid)["rolled_5m"][0])


def _expected(readings: list[Reading], store: Store) -> pd.DataFrame:
    """The 5-minute aggregates of `readings` (first delivery of each key), by pandas."""
    raw = pd.DataFrame(
        {
            "asset_id": [r.asset_id for r in readings],
            "ts": [int(r.ts.timestamp()) for r in readings],
            "value": [r.value for r in readings],
        }
    ).drop_duplicates(["asset_id", "ts"], keep="first")
    raw["series_id"] = [series_id(store, a, "speed_kmh") for a in raw["asset_id"]]
    raw["bucket"] = raw["ts"] // 300 * 300
    out = raw.groupby(["series_id", "bucket"])["value"].agg(["count", "sum", "min", "max"])
    return out.reset_index()


def _assert_buckets(store: Store, readings: list[Reading]) -> None:
    got = five_minute_rows(store)
    assert not got.duplicated(["series_id", "bucket"]).any()
    pd.testing.assert_frame_equal(got, _expected(readings, store), check_dtype=False)


def test_a_five_minute_series_keeps_no_rollup_rows_and_reads_the_same(store: Store) -> None:
    readings = _every(5, 36)  # three hours, one reading per bucket
    store.ingest("sim", assets=[segment(0)], readings=readings[:12], now=T0 + minutes(60))
    store.ingest("sim", readings=readings[12:], now=T0 + minutes(180))
    assert not _rolled(store)
    assert count(store, "rollup_5m") == 0
    assert count(store, "rollup_1h") == 3
    _assert_buckets(store, readings)
    # a re-delivery changes nothing
    again = store.ingest("sim", readings=readings, now=T0 + minutes(180))
    assert (again.readings, again.duplicates) == (0, 36)
    assert not _rolled(store) and count(store, "rollup_5m") == 0
    _assert_buckets(store, readings)


def test_two_readings_in_one_bucket_of_a_batch_start_the_rollups(store: Store) -> None:
    first = _every(5, 12)
    store.ingest("sim", assets=[segment(0)], readings=first, now=T0 + minutes(60))
    second = [_speed(T0 + minutes(62), 41.0), _speed(T0 + minutes(64), 43.0)]
    store.ingest("sim", readings=second, now=T0 + minutes(65))
    assert _rolled(store)
    assert count(store, "rollup_5m") == 13  # the 12 stored buckets, then the shared one
    _assert_buckets(store, first + second)


def test_minutely_ticks_start_the_rollups_at_the_second_reading_of_a_bucket(
    store: Store,
) -> None:
    ticks = _every(1, 10)
    store.ingest("sim", assets=[segment(0)], readings=ticks[:1], now=T0)
    assert not _rolled(store)
    for k, reading in enumerate(ticks[1:], start=1):
        store.ingest("sim", readings=[reading], now=T0 + minutes(k))
        assert _rolled(store)
        _assert_buckets(store, ticks[: k + 1])


def test_a_late_reading_into_an_old_bucket_starts_the_rollups(store: Store) -> None:
    on_time = _every(5, 24)
    store.ingest("sim", assets=[segment(0)], readings=on_time, now=T0 + minutes(120))
    late = [_speed(T0 + minutes(31), 12.0)]  # the bucket of 30 min holds a reading already
    store.ingest("sim", readings=late, now=T0 + minutes(125))
    assert _rolled(store)
    _assert_buckets(store, on_time + late)


def test_other_series_of_the_batch_keep_their_own_buckets(store: Store) -> None:
    a = _every(5, 12, asset="seg-000")
    b = [*_every(5, 12, asset="seg-001"), _speed(T0 + minutes(7), 30.0, "seg-001")]
    store.ingest("sim", assets=[segment(0), segment(1)], readings=a + b, now=T0 + minutes(60))
    assert not _rolled(store, "seg-000") and _rolled(store, "seg-001")
    rolled = frame(store, "SELECT DISTINCT series_id FROM rollup_5m")["series_id"].tolist()
    assert rolled == [series_id(store, "seg-001", "speed_kmh")]
    _assert_buckets(store, a + b)


def test_retention_writes_own_buckets_to_rollup_5m_before_deleting_them(store: Store) -> None:
    days = [_every(5, 12, start=T0 + timedelta(days=d)) for d in range(3)]
    store.ingest("sim", assets=[segment(0)], readings=days[0], now=T0 + minutes(60))
    for d in (1, 2):
        store.ingest("sim", readings=days[d], now=T0 + timedelta(days=d, minutes=60))
    every = days[0] + days[1] + days[2]
    before = five_minute_rows(store)
    # keep one day of raw readings: the cut falls on the whole hour starting day 2
    store.apply_retention(T0 + timedelta(days=3, minutes=10), raw_days=1, quarantine_days=30,
                          runs_days=30)  # fmt: skip
    assert count(store, "readings") == 12 and count(store, "rollup_5m") == 24
    pd.testing.assert_frame_equal(five_minute_rows(store), before)
    # the series later gets two readings in one bucket: its kept readings join rollup_5m,
    # without touching the buckets retention wrote
    extra = [_speed(T0 + timedelta(days=2, minutes=61), 50.0),
             _speed(T0 + timedelta(days=2, minutes=62), 51.0)]  # fmt: skip
    store.ingest("sim", readings=extra, now=T0 + timedelta(days=2, minutes=65))
    assert _rolled(store) and count(store, "rollup_5m") == 37
    _assert_buckets(store, every + extra)


def test_series_stored_before_the_flag_existed_keep_their_rollup_rows(tmp_path) -> None:  # type: ignore[no-untyped-def]
    old = Store(f"sqlite:///{tmp_path}/old.db")
    old.upgrade("0006")
    with old.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO assets (id, source, domain, kind, name, geometry, lon, lat, attributes,"
                " updated_at) VALUES ('seg-000', 'sim', 'traffic', 'road_segment', 'x', '{}',"
                " 105.07, 10.0, '{}', '2025-06-01 00:00:00')"
            )
        )
        conn.execute(text("INSERT INTO series (asset_id, metric) VALUES ('seg-000', 'speed_kmh')"))
        conn.execute(text("INSERT INTO readings VALUES (1, :t, 30.0)"), {"t": int(T0.timestamp())})
        conn.execute(
            text("INSERT INTO rollup_5m VALUES (1, :t, 1, 30.0, 30.0, 30.0)"),
            {"t": int(T0.timestamp())},
        )
    old.upgrade()
    assert _rolled(old)
    assert five_minute_rows(old)[["count", "sum"]].values.tolist() == [[1, 30.0]]
    old.dispose()


def test_a_window_keeps_the_buckets_starting_inside_it_whatever_its_bounds(store: Store) -> None:
    readings = _every(5, 24)  # buckets at 0, 300, ... 6900 s after T0
    store.ingest("sim", assets=[segment(0)], readings=readings, now=T0 + minutes(120))
    t0 = int(T0.timestamp())
    lo_p, hi_p = bindparam("lo", type_=BigInteger), bindparam("hi", type_=BigInteger)
    as_params = five_minute(lo_p, hi_p).c
    for lo, hi in [(0, 7200), (1, 7200), (299, 601), (300, 600), (301, 900), (-50, 10)]:
        want = [t0 + b for b in range(0, 7200, 300) if t0 + lo <= t0 + b < t0 + hi]
        as_ints = five_minute(t0 + lo, t0 + hi).c
        with store.engine.connect() as conn:
            got = conn.execute(select(as_ints.bucket).order_by(as_ints.bucket)).scalars().all()
            bound = (
                conn.execute(
                    select(as_params.bucket).order_by(as_params.bucket),
                    {"lo": t0 + lo, "hi": t0 + hi},
                )
                .scalars()
                .all()
            )
        assert got == bound == want, (lo, hi)

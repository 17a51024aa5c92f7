"""Ingest: idempotent readings, quarantine with reasons, latest, assets and reports upserts."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from dashboard.records import Reading, Reject
from dashboard.store import IngestResult, Store
from tests.store.data import (
    T0,
    count,
    five_minute_rows,
    frame,
    minutes,
    report,
    segment,
    series_id,
    station,
    traffic,
)


def _day_of_traffic(n_segments: int = 3) -> list[Reading]:
    out: list[Reading] = []
    for k in range(24):
        ts = T0 + minutes(5 * k)
        for i in range(n_segments):
            out += traffic(f"seg-{i:03d}", ts, 20.0 + (k * 7 + i * 3) % 25)
    return out


def _snapshot(store: Store) -> dict[str, list[tuple[object, ...]]]:
    tables = {
        "readings": "series_id, ts",
        "rollup_1h": "series_id, bucket",
        "latest": "series_id",
    }
    out = {
        t: [tuple(r) for r in frame(store, f"SELECT * FROM {t} ORDER BY {k}").itertuples(False)]
        for t, k in tables.items()
    }
    out["five_minute"] = [tuple(r) for r in five_minute_rows(store).itertuples(False)]
    return out


def test_reingest_stores_nothing_twice(store: Store) -> None:
    assets = [segment(i) for i in range(3)]
    readings = _day_of_traffic()
    first = store.ingest("sim", assets=assets, readings=readings, now=T0 + minutes(120))
    assert first == IngestResult(assets=3, readings=144, duplicates=0, reports=0, quarantined=0)
    before = _snapshot(store)

    again = store.ingest("sim", assets=assets, readings=readings, now=T0 + minutes(121))
    assert again == IngestResult(assets=3, readings=0, duplicates=144, reports=0, quarantined=0)
    assert _snapshot(store) == before
    assert count(store, "series") == 6


def test_redelivered_reading_keeps_the_first_value(store: Store) -> None:
    store.ingest("sim", assets=[segment(0)], readings=traffic("seg-000", T0, 31.0), now=T0)
    late = [Reading("seg-000", "speed_kmh", T0, 12.0), Reading("seg-000", "speed_kmh", T0, 13.0)]
    result = store.ingest("sim", readings=late, now=T0 + minutes(1))
    assert (result.readings, result.duplicates) == (0, 2)
    sid = series_id(store, "seg-000", "speed_kmh")
    df = frame(store, "SELECT value FROM readings WHERE series_id = :s", s=sid)
    assert df["value"].tolist() == [31.0]
    r5 = five_minute_rows(store)
    assert r5[r5["series_id"] == sid][["count", "sum"]].values.tolist() == [[1, 31.0]]


def test_duplicates_inside_one_batch_count_once(store: Store) -> None:
    twice = [Reading("aq-00", "pm25_ugm3", T0, 35.2), Reading("aq-00", "pm25_ugm3", T0, 99.0)]
    result = store.ingest("aq", assets=[station(0)], readings=twice, now=T0)
    assert (result.readings, result.duplicates) == (1, 1)
    assert frame(store, "SELECT value FROM latest")["value"].tolist() == [35.2]


BAD = [
    (Reading("aq-00", "pm1_ugm3", T0, 12.0), "unknown metric 'pm1_ugm3'"),
    (Reading("aq-00", "pm25_ugm3", T0.replace(tzinfo=None), 12.0), "timestamp has no time zone"),
    (Reading("aq-00", "pm25_ugm3", T0, math.nan), "value is not finite"),
    (Reading("aq-00", "pm25_ugm3", T0, 4000.0), "outside plausible range"),
    (Reading("aq-00", "humidity_pct", T0, True), "not a number"),
    (
        Reading("aq-00", "temp_c", T0.astimezone(timezone(timedelta(hours=7))), 29.5),
        "not in UTC",
    ),
    (Reading("aq-99", "pm25_ugm3", T0, 12.0), "unknown asset 'aq-99'"),
]


@pytest.mark.parametrize("bad,reason", BAD, ids=lambda x: x if isinstance(x, str) else "")
def test_bad_reading_is_quarantined_with_its_reason_and_the_rest_stored(
    store: Store, bad: Reading, reason: str
) -> None:
    good = [Reading("aq-00", "pm25_ugm3", T0 + minutes(1), 18.4)]
    result = store.ingest("aq", assets=[station(0)], readings=[bad, *good], now=T0)
    assert (result.readings, result.quarantined) == (1, 1)
    q = frame(store, "SELECT source, record_kind, reason, payload FROM quarantine")
    assert q["source"].tolist() == ["aq"] and q["record_kind"].tolist() == ["reading"]
    assert reason in q["reason"][0]
    payload = json.loads(q["payload"][0])
    assert payload["asset_id"] == bad.asset_id and payload["metric"] == bad.metric
    assert payload["ts"] == bad.ts.isoformat()


def test_redelivered_bad_records_are_quarantined_once(store: Store) -> None:
    rejects = [Reject("missing dateObserved", {"id": "urn:ngsi-ld:AirQualityObserved:7"})]
    bad = [Reading("aq-00", "pm25_ugm3", T0, -3.0)]
    for k in range(3):
        result = store.ingest(
            "aq", assets=[station(0)], readings=bad, rejects=rejects, now=T0 + minutes(k)
        )
        assert result.quarantined == 2
    q = frame(store, "SELECT record_kind, reason, payload FROM quarantine ORDER BY record_kind")
    assert q["record_kind"].tolist() == ["payload", "reading"]
    assert q["reason"][0] == "missing dateObserved"
    assert json.loads(q["payload"][0]) == {"id": "urn:ngsi-ld:AirQualityObserved:7"}


def test_unusual_but_valid_readings_are_stored(store: Store) -> None:
    import numpy as np

    odd = [
        Reading("aq-00", "temp_c", T0.astimezone(ZoneInfo("UTC")), 29.0),
        Reading("aq-00", "humidity_pct", T0, np.float64(81.5)),
        Reading("aq-00", "noise_dba", T0, 62),
    ]
    result = store.ingest("aq", assets=[station(0)], readings=odd, now=T0)
    assert (result.readings, result.quarantined) == (3, 0)
    assert sorted(frame(store, "SELECT value FROM latest")["value"]) == [29.0, 62.0, 81.5]


def test_invalid_asset_is_quarantined_and_its_readings_refused(store: Store) -> None:
    broken = replace(segment(1), id="seg-bad", geometry={"type": "Blob"})
    readings = [*traffic("seg-bad", T0, 30.0), *traffic("seg-000", T0, 30.0)]
    result = store.ingest("sim", assets=[broken, segment(0)], readings=readings, now=T0)
    assert (result.assets, result.readings, result.quarantined) == (1, 2, 3)
    kinds = frame(store, "SELECT record_kind, reason FROM quarantine ORDER BY record_kind")
    assert kinds["record_kind"].tolist() == ["asset", "reading", "reading"]
    assert "geometry type 'Blob'" in kinds["reason"][0]


def test_latest_is_the_newest_even_when_late_readings_arrive(store: Store) -> None:
    store.ingest(
        "sim",
        assets=[segment(0)],
        readings=traffic("seg-000", T0 + minutes(30), 42.0),
        now=T0 + minutes(30),
    )
    late = traffic("seg-000", T0 + minutes(10), 11.0) + traffic("seg-000", T0 + minutes(20), 22.0)
    result = store.ingest("sim", readings=late, now=T0 + minutes(31))
    assert result.readings == 4
    sid_of = {m: series_id(store, "seg-000", m) for m in ("speed_kmh", "volume_vph")}
    latest = frame(
        store, "SELECT series_id, ts, value FROM latest WHERE series_id = :s", s=sid_of["speed_kmh"]
    )
    assert latest[["ts", "value"]].values.tolist() == [[int((T0 + minutes(30)).timestamp()), 42.0]]
    newer = traffic("seg-000", T0 + minutes(40), 50.0)
    store.ingest("sim", readings=newer, now=T0 + minutes(41))
    latest = frame(store, "SELECT value FROM latest WHERE series_id = :s", s=sid_of["speed_kmh"])
    assert latest["value"].tolist() == [50.0]


def test_assets_upsert_with_a_representative_point(store: Store) -> None:
    store.ingest("sim", assets=[segment(0), station(1)], now=T0)
    renamed = replace(segment(0), name="Lê Lợi", ward="Vĩnh Thanh")
    store.ingest("sim", assets=[renamed], now=T0 + minutes(5))
    a = frame(store, "SELECT id, name, ward, lon, lat FROM assets ORDER BY id")
    assert a["name"].tolist() == ["Trạm quan trắc 1", "Lê Lợi"]
    assert a["ward"].tolist()[1] == "Vĩnh Thanh"
    (x0, y0), (x1, y1) = segment(0).geometry["coordinates"]
    assert a.loc[1, ["lon", "lat"]].tolist() == pytest.approx([(x0 + x1) / 2, (y0 + y1) / 2])
    assert a.loc[0, ["lon", "lat"]].tolist() == pytest.approx([105.09, 10.01])


def test_reports_upsert_and_the_newer_update_wins(store: Store) -> None:
    opened = report("SR-1", "open", T0)
    store.ingest("open311", reports=[opened, report("SR-2", "open", T0)], now=T0)
    closed = report("SR-1", "closed", T0 + minutes(90), closed_at=T0 + minutes(90))
    stale = report("SR-2", "acknowledged", T0 - minutes(5))
    result = store.ingest("open311", reports=[closed, stale], now=T0 + minutes(91))
    assert result.reports == 2
    r = frame(store, "SELECT external_id, status FROM reports ORDER BY external_id")
    assert r.values.tolist() == [["SR-1", "closed"], ["SR-2", "open"]]
    assert count(store, "reports") == 2
    with store.read_session() as s:
        from sqlalchemy import select

        from dashboard.store.models import ReportRow

        row = s.scalars(select(ReportRow).where(ReportRow.external_id == "SR-1")).one()
        assert row.closed_at == T0 + minutes(90) and row.closed_at.tzinfo is not None


def test_a_new_store_on_the_same_database_reuses_series(store: Store) -> None:
    store.ingest("sim", assets=[segment(0)], readings=traffic("seg-000", T0, 30.0), now=T0)
    other = Store(store.url)
    try:
        result = other.ingest("sim", readings=traffic("seg-000", T0 + minutes(1), 31.0), now=T0)
        assert result.readings == 2
        assert count(other, "series") == 2
    finally:
        other.dispose()


def test_a_failed_ingest_stores_nothing(store: Store) -> None:
    with pytest.raises(ValueError):
        store.ingest(
            "sim",
            assets=[segment(0)],
            readings=traffic("seg-000", T0, 30.0),
            now=datetime(2025, 6, 1),
        )
    assert count(store, "assets") == count(store, "readings") == 0

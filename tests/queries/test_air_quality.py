"""A station's VN_AQI on the wall is dashboard.aqi's on a Nowcast computed here by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard import aqi
from dashboard.config import Config
from dashboard.queries import to_epoch
from dashboard.queries.snapshot import station_aqi
from dashboard.queries.wall import map_state, wall_kpis
from dashboard.records import Asset, Reading
from dashboard.store import Store

NOW = datetime(
    2025, 6, 2, 3, 20, tzinfo=UTC
)  # 10:20 in Rạch Giá; the hour in progress is 03:00 UTC
STATION = Asset(
    id="aq-01",
    domain="environment",
    kind="air_station",
    name="Trạm quan trắc Công viên An Hòa",
    geometry={"type": "Point", "coordinates": [105.0951, 9.9987]},
)
# PM2.5 hourly means, newest hour first (c1 … c12); None: no reading that hour.
PM25 = [60.0, 40.0, 35.0, None, 30.0, 28.0, 25.0, 22.0, 20.0, 18.0, 16.0, 15.0]


def hour(k: int) -> datetime:
    """The start of the k-th hour before the hour in progress (k = 0: the hour in progress)."""
    return NOW.replace(minute=0) - timedelta(hours=k)


def readings() -> list[Reading]:
    out = []
    for k, mean in enumerate(PM25):
        if mean is not None:  # two readings an hour whose mean is `mean`
            out.append(Reading("aq-01", "pm25_ugm3", hour(k) + timedelta(minutes=5), mean - 5))
            out.append(Reading("aq-01", "pm25_ugm3", hour(k) + timedelta(minutes=15), mean + 5))
    out.append(Reading("aq-01", "pm25_ugm3", hour(12) + timedelta(minutes=5), 400.0))  # too old
    out.append(Reading("aq-01", "pm10_ugm3", hour(0) + timedelta(minutes=5), 90.0))  # 1 of 3 hours
    out += [
        Reading("aq-01", "no2_ugm3", hour(0) + timedelta(minutes=m), v)
        for m, v in ((5, 110.0), (15, 130.0))
    ]
    out.append(
        Reading("aq-01", "no2_ugm3", hour(1) + timedelta(minutes=5), 900.0)
    )  # not the newest hour
    out.append(Reading("aq-01", "co_mgm3", hour(0) + timedelta(minutes=5), 5.0))
    out.append(Reading("aq-01", "o3_ugm3", hour(1) + timedelta(minutes=30), 180.0))  # c1 empty: c2
    return out


def hand_nowcast(hourly: list[float | None]) -> float:
    present = [(i, c) for i, c in enumerate(hourly) if c is not None]
    values = [c for _, c in present]
    w_star = min(values) / max(values)  # 15 / 60 = 0.25
    w = 0.5 if w_star <= 0.5 else w_star
    return sum(w**i * c for i, c in present) / sum(w**i for i, _ in present)


def test_station_aqi_is_hourly_aqi_of_the_hand_computed_nowcast(store: Store) -> None:
    store.ingest("sim", assets=[STATION], readings=readings(), now=NOW)
    nowcast = hand_nowcast(PM25)
    # w* = 15 / 60 ≤ 0.5, so w = 0.5: (60 + 40/2 + 35/4 + 30/16 + … + 15/2048) / (1 + 1/2 + 1/4 + 1/16 + …)
    assert nowcast == pytest.approx(49.18546, abs=1e-5)
    expected = aqi.hourly_aqi(
        {"pm25": nowcast, "pm10": None, "no2": 120.0, "co": 5000.0, "o3_1h": 180.0}
    )
    assert expected is not None and expected.aqi == 98 and expected.dominant == "pm25"
    with store.read_session() as session:
        found = station_aqi(session, to_epoch(NOW)).set_index("asset_id")
        state = map_state(session, Config(), NOW)
        tiles = {k.key: k for k in wall_kpis(session, Config(), NOW)}
    assert found.loc["aq-01", "aqi"] == expected.aqi
    assert found.loc["aq-01", "dominant"] == "pm25"
    assert found.loc["aq-01", "band"] == aqi.band_of(expected.aqi).key  # type: ignore[union-attr]
    assert state.air.set_index("id").loc["aq-01", "aqi"] == expected.aqi
    assert state.air.set_index("id").loc["aq-01", "pm25_ugm3"] == PM25[0] + 5
    assert tiles["air.worst_aqi"].value == expected.aqi
    assert tiles["air.worst_aqi"].detail == "Trạm quan trắc Công viên An Hòa (PM2.5)"


def test_a_pollutant_missing_this_hour_uses_the_previous_hour(store: Store) -> None:
    pm = [Reading("aq-01", "pm25_ugm3", hour(k) + timedelta(minutes=5), 10.0) for k in (0, 1)]
    o3 = Reading("aq-01", "o3_ugm3", hour(1) + timedelta(minutes=30), 350.0)  # none at hour 0
    store.ingest("sim", assets=[STATION], readings=[*pm, o3], now=NOW)
    expected = aqi.hourly_aqi({"pm25": 10.0, "o3_1h": 350.0})
    assert expected is not None and (expected.aqi, expected.dominant) == (175, "o3_1h")
    with store.read_session() as session:
        found = station_aqi(session, to_epoch(NOW)).set_index("asset_id")
    assert (found.loc["aq-01", "aqi"], found.loc["aq-01", "dominant"]) == (175, "o3_1h")
    assert found.loc["aq-01", "band"] == "bad"


def test_pm_alone_needs_two_of_the_three_newest_hours(store: Store) -> None:
    only_old = [
        Reading("aq-01", "pm25_ugm3", hour(k) + timedelta(minutes=5), 30.0) for k in (2, 3, 4)
    ]
    store.ingest("sim", assets=[STATION], readings=only_old, now=NOW)
    with store.read_session() as session:
        found = station_aqi(session, to_epoch(NOW))
        tiles = {k.key: k for k in wall_kpis(session, Config(), NOW)}
    assert found["aqi"].isna().all() and found["band"].isna().all()
    assert tiles["air.worst_aqi"].value is None
    assert tiles["air.worst_aqi"].level == "none"

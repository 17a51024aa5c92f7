"""The map's state equals the latest raw readings per asset; lamp_changes sends only what changed."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from dashboard import aqi
from dashboard.queries.wall import MapState, lamp_changes, map_state
from dashboard.records import Asset, Reading
from dashboard.store import Store
from tests.queries.city import NOW, City, Truth, epoch


def state_of(city: City) -> MapState:
    with city.store.read_session() as session:
        return map_state(session, city.config, NOW)


def test_map_state_equals_the_latest_readings(city: City, truth: Truth) -> None:
    state = state_of(city)
    segs = state.segments.set_index("id")
    speeds = truth.speeds()
    assert sorted(segs.index) == sorted(speeds.index)
    assert (segs["speed_kmh"] == speeds["speed"]).all()
    assert (segs["ratio"] - speeds["ratio"]).abs().max() < 1e-12
    first = segs.index[0]
    coords = city.assets[first].geometry["coordinates"]
    assert segs.loc[first, "lons"] == [c[0] for c in coords]
    assert segs.loc[first, "lats"] == [c[1] for c in coords]
    speed_ts = truth.metric("speed_kmh")["ts"].max()
    assert segs["ts"].max() == pd.Timestamp(speed_ts, unit="s", tz="UTC")

    lamps = state.lamps.set_index("id")
    on, fault = truth.latest("lamp_on"), truth.latest("lamp_fault")
    assert len(lamps) == len(on) == 1500
    assert (lamps["on"] == on.reindex(lamps.index).astype(int)).all()
    assert (lamps["fault"] == fault.reindex(lamps.index).astype(int)).all()
    newest = truth.r[truth.r["metric"].isin(["lamp_on", "lamp_fault"])].groupby("asset_id")["ts"]
    assert (lamps["ts"] == newest.max().reindex(lamps.index)).all()
    cabinet = {a: city.assets[a].attributes["cabinet_id"] for a in lamps.index}
    assert (lamps["cabinet"] == pd.Series(cabinet)).all()

    cabs = state.cabinets.set_index("id")
    by_cab = lamps.groupby("cabinet")
    assert (cabs["lamps"] == by_cab.size().reindex(cabs.index)).all()
    assert (cabs["lamps_on"] == by_cab["on"].sum().reindex(cabs.index)).all()
    assert (cabs["lamps_faulty"] == by_cab["fault"].sum().reindex(cabs.index)).all()
    assert cabs["lamps"].sum() == 1500

    air = state.air.set_index("id")
    expected = truth.aqi(epoch(NOW))
    for station, result in expected.items():
        assert result is not None
        assert air.loc[station, "aqi"] == result.aqi
        assert air.loc[station, "dominant"] == result.dominant
        assert air.loc[station, "band"] == aqi.band_of(result.aqi).key  # type: ignore[union-attr]
        assert air.loc[station, "pm25_ugm3"] == truth.latest("pm25_ugm3")[station]

    water = state.water.set_index("id")
    levels = truth.latest("water_level_cm")
    assert (water["level_cm"] == levels.reindex(water.index)).all()
    stage = {g: truth.attr(g, "flood_stage_cm") for g in water.index}
    assert (water["flood_stage_cm"] == pd.Series(stage)).all()

    reports = state.reports.set_index("id")
    open_now = {rep.external_id: overdue for rep, overdue in truth.open_reports()}
    assert reports["overdue"].to_dict() == open_now

    updated = max(epoch(r.updated_at) for r in city.reports.values())
    assert state.version == max(int(truth.r["ts"].max()), updated)


def test_lamp_changes_on_the_city_are_the_lamps_with_newer_readings(
    city: City, truth: Truth
) -> None:
    since = epoch(NOW - timedelta(minutes=30))
    lamps = truth.r[truth.r["metric"].isin(["lamp_on", "lamp_fault"])]
    changed = sorted(lamps[lamps["ts"] > since]["asset_id"].unique())
    assert 0 < len(changed) < 1500  # dusk: some cabinets switched on in the last half hour
    with city.store.read_session() as session:
        found = lamp_changes(session, since)
    assert list(found["id"]) == changed
    full = state_of(city).lamps.set_index("id")
    assert list(found.columns) == list(state_of(city).lamps.columns)
    assert found.set_index("id").equals(full.loc[changed])


def lamp(i: int) -> Asset:
    return Asset(
        id=f"lamp-{i}",
        domain="lighting",
        kind="lamp",
        name=f"Đèn Mạc Cửu #{i}",
        geometry={"type": "Point", "coordinates": [105.08 + i / 1000, 10.01]},
        attributes={"cabinet_id": "cab-1", "wattage": 100.0},
    )


def test_lamp_changes_returns_only_lamps_changed_after_since(store: Store) -> None:
    t0 = NOW - timedelta(hours=1)
    state = [Reading(f"lamp-{i}", m, t0, 0.0) for i in (1, 2, 3) for m in ("lamp_on", "lamp_fault")]
    store.ingest("sim", assets=[lamp(1), lamp(2), lamp(3)], readings=state, now=t0)
    store.ingest(
        "sim", readings=[Reading("lamp-2", "lamp_on", t0 + timedelta(minutes=10), 1.0)], now=NOW
    )
    store.ingest(
        "sim", readings=[Reading("lamp-3", "lamp_fault", t0 + timedelta(minutes=20), 1.0)], now=NOW
    )
    s0 = epoch(t0)
    with store.read_session() as session:
        assert list(lamp_changes(session, s0 - 1)["id"]) == ["lamp-1", "lamp-2", "lamp-3"]
        after_t0 = lamp_changes(session, s0)
        assert list(after_t0["id"]) == ["lamp-2", "lamp-3"]
        assert list(after_t0["on"]) == [1, 0] and list(after_t0["fault"]) == [0, 1]
        assert list(after_t0["ts"]) == [s0 + 600, s0 + 1200]
        assert list(lamp_changes(session, s0 + 600)["id"]) == ["lamp-3"]
        assert lamp_changes(session, s0 + 1200).empty

"""The numbers /traffic, /lighting and /environment show equal aggregates computed here with
pandas from the raw records the simulator handed the store (tests/queries/city.py), on SQLite
and PostgreSQL. Nothing here reads the rollups or calls the query layer for the expected side.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.areas import Areas
from dashboard.geometry import representative_point
from dashboard.queries.environment import environment_view
from dashboard.queries.filters import FilterSpec, parse_filter
from dashboard.queries.lighting import lighting_view
from dashboard.queries.traffic import traffic_view
from tests.queries.city import CONGESTED_BELOW, LOCAL, NOW, City, Truth

HOUR = 3600


def view_filter(city: City, **params: object) -> object:
    areas = Areas.from_config(city.config)
    zones = areas.zones.names if areas.zones else ()
    spec = FilterSpec(areas.wards.names, zones, {"severity": ("all", "bad", "warn", "info")})
    parsed = parse_filter(params, spec, now=NOW, tz=LOCAL)
    assert parsed.problems == ()
    return parsed.filter


def zone_of(city: City) -> dict[str, str | None]:
    areas = Areas.from_config(city.config)
    return {a.id: areas.zone_of(*representative_point(a.geometry)) for a in city.assets.values()}


def window(drill: object) -> tuple[int, int]:
    return int(drill.start.timestamp()), int(drill.end.timestamp())  # type: ignore[attr-defined]


def test_traffic_speeds_and_congested_hours_equal_the_raw_readings(
    city: City, truth: Truth
) -> None:
    drill = view_filter(city)
    with city.store.read_session() as session:
        tv = traffic_view(session, drill, congested_below=CONGESTED_BELOW, tz=LOCAL, level="zone")
    lo, hi = window(drill)
    speed = truth.metric("speed_kmh")
    speed = speed[(speed["ts"] >= lo // HOUR * HOUR) & (speed["ts"] < hi)]
    speed = speed.assign(hour=speed["ts"] // HOUR * HOUR)
    hourly = speed.groupby(["asset_id", "hour"])["value"].mean().reset_index()
    hourly["ratio"] = hourly["value"] / hourly["asset_id"].map(
        lambda a: truth.attr(a, "free_flow_kmh")
    )
    want_speed = speed.groupby("asset_id")["value"].mean()
    want_congested = hourly[hourly["ratio"] < CONGESTED_BELOW].groupby("asset_id").size()
    got = tv.segments.set_index("id")
    assert set(got.index) == set(want_speed.index) and len(got) == 150
    np.testing.assert_allclose(got["speed_kmh"], want_speed[got.index], rtol=1e-9)
    congested = want_congested.reindex(got.index, fill_value=0)
    assert (got["congested_h"] == congested).all()
    assert congested.sum() > 0  # the evening rush gives the check something to count
    # Worst first, and the areas' congested hours add up to the segments'.
    assert tv.segments["ratio"].is_monotonic_increasing
    assert tv.by_area["congested_h"].sum() == got.loc[got["zone"].notna(), "congested_h"].sum()
    # Incidents are runs of consecutive congested hours: their hours add up to the same total.
    assert tv.incidents["hours"].sum() == congested.sum()


def test_traffic_filtered_to_a_zone_keeps_only_its_segments(city: City) -> None:
    zones = zone_of(city)
    chosen = "Vĩnh Thanh Vân"
    drill = view_filter(city, zone=chosen, range="7d")
    with city.store.read_session() as session:
        tv = traffic_view(session, drill, congested_below=CONGESTED_BELOW, tz=LOCAL, level="zone")
    want = {a for a, z in zones.items() if z == chosen and a.startswith("sim:road")}
    assert set(tv.segments["id"]) == want and want
    assert list(tv.by_area["area"]) == [chosen]


def test_lighting_energy_and_burn_hours_equal_the_raw_readings(city: City, truth: Truth) -> None:
    drill = view_filter(city)
    with city.store.read_session() as session:
        lv = lighting_view(session, drill, lonlat=city.config.city.center, tz=LOCAL, level="zone")
    lo, hi = window(drill)
    # Energy: each power sample held until the cabinet's next one (at most 1 h), the last to the end.
    p = truth.metric("power_w")
    p = p[(p["ts"] >= lo) & (p["ts"] < hi)].sort_values(["asset_id", "ts"])
    hold = (p.groupby("asset_id")["ts"].shift(-1).fillna(hi) - p["ts"]).clip(upper=HOUR)
    want_kwh = (p["value"] * hold).groupby(p["asset_id"]).sum() / 3.6e6
    got = lv.cabinets.set_index("id")
    np.testing.assert_allclose(got["energy_kwh"], want_kwh[got.index], rtol=1e-9)
    # Burn hours: each lamp's state at the start, then its events, held to the next or the end.
    on = truth.metric("lamp_on").sort_values(["asset_id", "ts"])
    burn: dict[str, float] = {}
    for lamp, rows in on.groupby("asset_id"):
        before = rows[rows["ts"] < lo]
        inside = rows[(rows["ts"] >= lo) & (rows["ts"] < hi)]
        state = before["value"].iloc[-1] if len(before) else 0.0
        t, total = lo, 0.0
        for ts, value in zip(inside["ts"], inside["value"], strict=True):
            total += (ts - t) if state >= 0.5 else 0.0
            t, state = ts, value
        burn[lamp] = total + ((hi - t) if state >= 0.5 else 0.0)
    cabinet = {a.id: a.attributes.get("cabinet_id") for a in city.assets.values()}
    per_cab = pd.Series(burn).groupby(lambda lamp: cabinet[lamp]).sum() / HOUR
    lamps = pd.Series(cabinet).dropna().value_counts()
    np.testing.assert_allclose(got["burn_h"], per_cab[got.index] / lamps[got.index], rtol=1e-9)
    assert got["burn_h"].between(8, 16).all()  # one night in 24 h, dusk to dawn


def test_environment_hourly_aqi_equals_the_decision_on_raw_readings(
    city: City, truth: Truth
) -> None:
    drill = view_filter(city)
    with city.store.read_session() as session:
        ev = environment_view(session, drill, level="zone")
    now_s = int(NOW.timestamp())
    checked = 0
    for back in (0, 3, 7, 15):
        h0 = (now_s // HOUR - back) * HOUR
        want = truth.aqi(h0)
        rows = ev.aqi[ev.aqi["ts"] == pd.Timestamp(h0, unit="s", tz="UTC")].set_index("asset_id")
        for station, result in want.items():
            if result is None:
                continue
            assert rows.loc[station, "aqi"] == result.aqi
            assert rows.loc[station, "dominant"] == result.dominant
            checked += 1
    assert checked >= 8
    # Exceedance hours per pollutant count station-hours whose sub-index is above 100.
    subs = ev.aqi[["pm25", "pm10", "no2", "o3_1h", "co"]]
    assert ev.exceedance.set_index("pollutant")["exceed_h"].to_dict() == {
        p: int((subs[p] > 100).sum()) for p in subs
    }


def test_water_levels_against_flood_stage_equal_the_raw_readings(city: City, truth: Truth) -> None:
    drill = view_filter(city, range="7d")
    with city.store.read_session() as session:
        ev = environment_view(session, drill, level="zone")
    lo, hi = window(drill)
    w = truth.metric("water_level_cm")
    w = w[(w["ts"] >= lo // HOUR * HOUR) & (w["ts"] < hi)]
    hourly = w.groupby(["asset_id", w["ts"] // HOUR])["value"].mean()
    got = ev.gauges.set_index("id")
    np.testing.assert_allclose(got["max_level_cm"], hourly.groupby(level=0).max()[got.index])
    stage = {g: truth.attr(g, "flood_stage_cm") for g in got.index}
    above = {g: int((hourly[g] >= stage[g]).sum()) for g in got.index}
    assert got["above_flood_h"].to_dict() == above
    # The tide is the most seaward gauge's level.
    inland = {g: truth.attr(g, "km_inland") for g in got.index}
    assert ev.tide_id == min(inland, key=lambda g: inland[g])


@pytest.mark.parametrize("range_key", ["24h", "7d"])
def test_empty_area_gives_empty_frames_not_errors(city: City, range_key: str) -> None:
    drill = view_filter(city, zone="Vĩnh Thanh Vân", ward="Phường Vĩnh Thông", range=range_key)
    with city.store.read_session() as session:
        tv = traffic_view(session, drill, congested_below=CONGESTED_BELOW, tz=LOCAL, level="zone")
        lv = lighting_view(session, drill, lonlat=(105.08, 10.01), tz=LOCAL, level="zone")
        ev = environment_view(session, drill, level="zone")
    assert tv.segments.empty and lv.cabinets.empty and ev.stations.empty

"""The ticker lists the events found in the raw simulated records, newest first; the trend strip
equals hourly aggregates of the raw readings."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from dashboard.queries.wall import ticker_events, trends_24h
from tests.queries.city import CONGESTED_BELOW, NOW, City, Truth, epoch


def expected_lamp_events(truth: Truth) -> set[tuple[str, int, str]]:
    faults = truth.metric("lamp_fault").sort_values(["asset_id", "ts"])
    previous = faults.groupby("asset_id")["value"].shift(1)
    changed = (previous.isna() & (faults["value"] == 1)) | (
        previous.notna() & (previous != faults["value"])
    )
    window = (faults["ts"] > epoch(NOW - timedelta(hours=24))) & (faults["ts"] <= epoch(NOW))
    return {
        (a, int(ts), "lamp_failed" if v else "lamp_repaired")
        for a, ts, v in faults[changed & window][["asset_id", "ts", "value"]].itertuples(
            index=False
        )
    }


def test_ticker_events_are_the_days_events_and_conditions(city: City, truth: Truth) -> None:
    with city.store.read_session() as session:
        events = ticker_events(session, city.config, NOW, limit=10_000)
        top = ticker_events(session, city.config, NOW)
    assert list(events.columns) == ["ts", "kind", "severity", "asset_id", "name", "ward", "value"]
    assert events["ts"].is_monotonic_decreasing
    assert top.equals(events.head(30))

    lamps = events[events["kind"].isin(["lamp_failed", "lamp_repaired"])]
    found = {
        (a, int(ts.timestamp()), k)
        for a, ts, k in lamps[["asset_id", "ts", "kind"]].itertuples(index=False)
    }
    assert found == expected_lamp_events(truth) != set()

    jammed = events[events["kind"] == "segment_jammed"].set_index("asset_id")
    speeds = truth.speeds()
    assert set(jammed.index) == set(speeds.index[speeds["ratio"] < CONGESTED_BELOW])
    assert (jammed["value"] == speeds["speed"].reindex(jammed.index)).all()
    half = speeds["ratio"].reindex(jammed.index) < CONGESTED_BELOW / 2
    assert (jammed["severity"] == half.map({True: "bad", False: "warn"})).all()

    new = events[events["kind"] == "report_new"]
    since = NOW - timedelta(hours=24)
    created = {r.external_id for r in city.reports.values() if since < r.created_at <= NOW}
    assert set(new["asset_id"]) == created != set()
    assert events[events["kind"] == "feed_stale"].empty  # the backfill's data is as of NOW

    stations = truth.aqi(epoch(NOW))
    bad_air = {s for s, r in stations.items() if r is not None and r.aqi > 150}
    assert set(events[events["kind"] == "aqi_bad"]["asset_id"]) == bad_air
    levels = truth.latest("water_level_cm")
    high = {g for g, v in levels.items() if v > truth.attr(g, "alert_stage_cm")}
    assert set(events[events["kind"] == "water_high"]["asset_id"]) == high


def test_a_stale_feed_is_on_the_ticker_since_it_went_stale(city: City) -> None:
    # The sim feed's newest reading is 11:25 (a 5-minute grid): stale after 3 x 300 s, 11:40.
    later = NOW + timedelta(minutes=20)
    with city.store.read_session() as session:
        events = ticker_events(session, city.config, later, limit=10_000)
    stale = events[events["kind"] == "feed_stale"]
    assert list(stale["asset_id"]) == ["sim"]
    assert stale["ts"].iloc[0] == pd.Timestamp(NOW + timedelta(seconds=750))
    assert stale["severity"].iloc[0] == "bad" and stale["value"].iloc[0] == 1350.0


def hourly(truth: Truth, metric: str) -> pd.DataFrame:
    m = truth.metric(metric)
    last = epoch(NOW) // 3600 * 3600
    m = m.assign(hour=m["ts"] // 3600 * 3600)
    return m[(m["hour"] > last - 24 * 3600) & (m["hour"] <= last)]


def test_trends_are_hourly_aggregates_of_the_raw_readings(city: City, truth: Truth) -> None:
    with city.store.read_session() as session:
        trends = trends_24h(session, city.config, NOW)
    got = {
        name: part.set_index(part["ts"].map(lambda t: int(t.timestamp())))["value"]
        for name, part in trends.groupby("series")
    }

    speed = hourly(truth, "speed_kmh").groupby(["hour", "asset_id"])["value"].mean().reset_index()
    speed["length"] = speed["asset_id"].map(lambda a: truth.attr(a, "length_m"))
    speed["wx"] = speed["value"] * speed["length"]
    sums = speed.groupby("hour")[["wx", "length"]].sum()
    expected = {
        "traffic.avg_speed": sums["wx"] / sums["length"],
        "lighting.power_kw": hourly(truth, "power_w")
        .groupby(["hour", "asset_id"])["value"]
        .mean()
        .groupby("hour")
        .sum()
        / 1000,
        "air.pm25": hourly(truth, "pm25_ugm3")
        .groupby(["hour", "asset_id"])["value"]
        .mean()
        .groupby("hour")
        .mean(),
        "water.max_level_cm": hourly(truth, "water_level_cm").groupby("hour")["value"].max(),
    }
    for name, series in expected.items():
        assert len(series) == 24, name
        assert list(got[name].index) == list(series.index), name
        assert got[name].to_numpy() == pytest.approx(series.to_numpy(), rel=1e-9), name

    last = epoch(NOW) // 3600 * 3600
    counts = pd.Series(0, index=range(last - 23 * 3600, last + 1, 3600))
    for rep in city.reports.values():
        h = epoch(rep.created_at) // 3600 * 3600
        if h in counts.index:
            counts[h] += 1
    assert got["reports.new_per_hour"].to_dict() == {k: float(v) for k, v in counts.items()}
    assert list(dict.fromkeys(trends["series"])) == [
        "traffic.avg_speed",
        "lighting.power_kw",
        "air.pm25",
        "water.max_level_cm",
        "reports.new_per_hour",
    ]

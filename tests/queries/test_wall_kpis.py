"""The KPI tiles equal aggregates recomputed from the raw simulated readings, now and a week ago;
/api/v1/kpis says the same as wall_kpis."""

from __future__ import annotations

from datetime import timedelta

import dash
import pytest

from dashboard.app import create_app
from dashboard.queries.wall import KPI_KEYS, Kpi, wall_kpis
from tests.queries.city import CONGESTED_BELOW, NOW, THEN, City, Truth, epoch


def kpis(city: City) -> dict[str, Kpi]:
    with city.store.read_session() as session:
        found = wall_kpis(session, city.config, NOW)
    assert [k.key for k in found] == list(KPI_KEYS)
    return {k.key: k for k in found}


def test_kpis_equal_independent_aggregates(city: City, truth: Truth) -> None:
    k = kpis(city)
    assert truth.congested() > 0  # the chosen hour has congestion, so the count means something
    assert k["traffic.avg_speed"].value == pytest.approx(truth.avg_speed(), rel=1e-9)
    assert k["traffic.congested"].value == truth.congested()
    assert k["lighting.on"].value == truth.lamps("lamp_on") > 0
    assert k["lighting.faulty"].value == truth.lamps("lamp_fault") > 0
    assert k["lighting.energy_today"].value == pytest.approx(truth.energy_kwh(NOW), rel=1e-9)
    stations = truth.aqi(epoch(NOW))
    worst = max(stations, key=lambda s: stations[s].aqi)  # type: ignore[union-attr]
    assert k["air.worst_aqi"].value == stations[worst].aqi  # type: ignore[union-attr]
    assert k["air.worst_aqi"].detail.startswith(city.assets[worst].name)  # type: ignore[union-attr]
    levels = truth.latest("water_level_cm")
    assert k["water.highest"].value == levels.max()
    assert k["water.highest"].detail == city.assets[levels.idxmax()].name
    open_now = truth.open_reports()
    assert k["reports.open"].value == len(open_now) > 0
    assert k["reports.overdue"].value == sum(overdue for _, overdue in open_now)
    jammed = truth.congested(below=CONGESTED_BELOW / 2)
    assert jammed > 0
    bad_air = sum(r is not None and r.aqi > 150 for r in stations.values())
    flooding = sum(v > truth.attr(a, "flood_stage_cm") for a, v in levels.items())
    stale = 0  # the backfill's cursor is NOW
    overdue = k["reports.overdue"].value
    assert k["alerts.active"].value == jammed + bad_air + flooding + stale + overdue


def test_previous_is_the_same_hour_last_week(city: City, truth: Truth) -> None:
    k = kpis(city)
    # `previous` describes the start of the 5-minute bucket holding now - 7 d.
    then_at = THEN - timedelta(seconds=epoch(THEN) % 300)
    assert then_at < THEN
    then = epoch(then_at)
    assert k["traffic.avg_speed"].previous == pytest.approx(truth.avg_speed(then), rel=1e-9)
    assert k["traffic.congested"].previous == truth.congested(then)
    assert k["lighting.on"].previous == truth.lamps("lamp_on", then)
    assert k["lighting.faulty"].previous == truth.lamps("lamp_fault", then)
    assert k["lighting.energy_today"].previous == pytest.approx(truth.energy_kwh(then_at), rel=1e-9)
    stations = truth.aqi(then)
    assert k["air.worst_aqi"].previous == max(r.aqi for r in stations.values() if r)
    assert k["water.highest"].previous == pytest.approx(
        truth.bucket_at("water_level_cm", then).max()
    )
    open_then = truth.open_reports(then_at)
    assert k["reports.open"].previous == len(open_then)
    assert k["reports.overdue"].previous == sum(overdue for _, overdue in open_then)
    # Last week's numbers differ from this week's somewhere: the lookup really moved in time.
    assert any(k[key].previous != k[key].value for key in KPI_KEYS)


def test_previous_is_none_when_the_store_has_nothing_a_week_ago(city: City) -> None:
    with city.store.read_session() as session:
        found = wall_kpis(session, city.config, NOW + timedelta(days=6))
    by_key = {k.key: k for k in found}
    # Six days later, "a week ago" falls in the gap between the two stored windows.
    for key in ("traffic.avg_speed", "traffic.congested", "air.worst_aqi", "water.highest"):
        assert by_key[key].previous is None, key
    assert by_key["lighting.energy_today"].previous is None


def test_levels_follow_their_definitions(city: City, truth: Truth) -> None:
    k = kpis(city)
    worst = k["air.worst_aqi"].value
    assert worst is not None
    assert k["air.worst_aqi"].level == ("bad" if worst > 150 else "warn" if worst > 100 else "ok")
    share = truth.congested() / len(truth.speeds())
    expected = "bad" if share > 0.15 else "warn" if share > 0.05 else "ok"
    assert k["traffic.congested"].level == expected
    assert k["alerts.active"].level == ("bad" if k["alerts.active"].value else "ok")
    assert {kpi.level for kpi in k.values()} <= {"ok", "warn", "bad", "none"}


def test_api_kpis_equals_wall_kpis(city: City) -> None:
    app = create_app(city.config, city.store, clock=lambda: NOW)
    try:
        body = app.server.test_client().get("/api/v1/kpis").get_json()
    finally:
        dash.page_registry.clear()
    expected = kpis(city)
    assert body["count"] == len(expected)
    assert body["time"] == "2025-06-09T11:27:30Z"
    for item in body["items"]:
        kpi = expected[item["key"]]
        assert (item["value"], item["previous"], item["unit"]) == (
            kpi.value,
            kpi.previous,
            kpi.unit,
        )
        assert (item["level"], item["detail"]) == (kpi.level, kpi.detail)
        assert item["as_of"] == (kpi.as_of.strftime("%Y-%m-%dT%H:%M:%SZ") if kpi.as_of else None)

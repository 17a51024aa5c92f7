"""The default rules over simulated scenarios: each opens exactly one alert at the right
time, escalates when left unacknowledged, and resolves when its condition clears."""

from __future__ import annotations

from dashboard.queries import to_epoch
from dashboard.queries.airnow import station_aqi_rows
from dashboard.records import Reading
from dashboard.store import Store
from tests.alerts.scenario import (
    T0,
    alerts,
    asset,
    at,
    config,
    engine,
    recorder,
    run,
    series,
)


def test_a_jam_opens_once_escalates_and_resolves(store: Store) -> None:
    seg = asset("seg-001", "traffic", "road_segment", free_flow_kmh=50.0)
    # free flowing, then 10 km/h (20% of free flow) from minute 30 to 85, then free again
    speeds = series("seg-001", "speed_kmh", lambda m: 10.0 if 30 <= m < 90 else 40.0, 150)
    store.ingest("sim", assets=[seg], now=at(0))
    e = engine(store, config(), ["traffic-jam"])
    run(e, 0, 150, readings=speeds)
    assert recorder(e).events() == [
        ("opened", "asset:seg-001", 45.0),  # under 30% held for 15 minutes (30..45)
        ("escalated", "asset:seg-001", 75.0),  # unacknowledged 30 minutes
        ("resolved", "asset:seg-001", 95.0),  # back over 50% for 5 minutes (90..95)
    ]
    (alert,) = alerts(store)
    assert (alert.status, alert.base_severity, alert.severity) == (
        "resolved",
        "warning",
        "critical",
    )
    assert alert.value == 10.0 and alert.threshold == 15.0 and alert.unit == "km/h"


def test_a_cabinet_failure_opens_one_alert_for_the_cabinet(store: Store) -> None:
    lamps = [asset(f"lamp-{i:02d}", "lighting", "lamp", cabinet_id="cab-07") for i in range(40)]
    store.ingest(
        "sim",
        assets=lamps,
        readings=[Reading(lamp.id, "lamp_fault", T0, 0.0) for lamp in lamps],
        now=at(0),
    )
    e = engine(store, config(), ["cabinet-lamps-faulty"])
    run(e, 0, 5)
    # six lamps of the cabinet fail at minute 10: one alert, for the cabinet
    store.ingest(
        "sim",
        readings=[Reading(f"lamp-{i:02d}", "lamp_fault", at(10), 1.0) for i in range(6)],
        now=at(10),
    )
    run(e, 10, 20)
    # two are repaired: four faulty, still at or above the clear bound (3): still open
    store.ingest(
        "sim",
        readings=[Reading(f"lamp-{i:02d}", "lamp_fault", at(60), 0.0) for i in range(2)],
        now=at(60),
    )
    run(e, 60, 65)
    # two more: two faulty, under 3: resolved
    store.ingest(
        "sim",
        readings=[Reading(f"lamp-{i:02d}", "lamp_fault", at(90), 0.0) for i in range(2, 4)],
        now=at(90),
    )
    run(e, 90, 95)
    assert recorder(e).events() == [
        ("opened", "cabinet_id:cab-07", 10.0),
        ("resolved", "cabinet_id:cab-07", 90.0),
    ]
    (alert,) = alerts(store)
    assert alert.asset_id == "cab-07" and alert.value == 6.0


def test_a_tide_surge_opens_rising_and_flood_stage_alerts_once(store: Store) -> None:
    gauge = asset("wl-01", "water", "water_level", alert_stage_cm=90.0, flood_stage_cm=120.0)

    def level(m: float) -> float:  # 60 cm, rising 10 cm per 15 min from minute 60 to 150
        rise = min(max(m - 60, 0), 90) / 15 * 10  # peak 120 + 5 = 125 cm at minute 150..
        fall = max(m - 240, 0) / 15 * 10
        return max(60.0 + rise + (5 if m >= 150 else 0) - fall, 60.0)

    levels = series("wl-01", "water_level_cm", level, 420)
    store.ingest("sim", assets=[gauge], now=at(0))
    e = engine(store, config(), ["water-flood-stage", "water-rising"])
    run(e, 0, 420, readings=levels)
    assert e.store.alerts.claim_untold(at(999)) == []  # every change was told
    by_rule = {a.rule: a for a in alerts(store)}
    assert set(by_rule) == {"water-flood-stage", "water-rising"}
    assert len(alerts(store)) == 2  # each opened exactly once
    # 20 cm within an hour: the level is 60 + 20 = 80 cm at minute 90 (min 60 at 30..60)
    assert by_rule["water-rising"].opened_at == at(90)
    # over 120 cm from minute 150 (125 cm), held 5 minutes
    assert by_rule["water-flood-stage"].opened_at == at(155)
    assert by_rule["water-flood-stage"].severity == "critical"
    # falls under 95% of flood stage (114 cm) at minute 255 (115 - 10/15*... ) and stays
    flood_resolved = by_rule["water-flood-stage"].resolved_at
    assert flood_resolved is not None
    first_safe = next(m for m in range(150, 420, 5) if level(m) <= 114)
    assert flood_resolved == at(first_safe + 15)


def test_a_pollution_episode_opens_on_vn_aqi_held_half_an_hour(store: Store) -> None:
    station = asset("aq-01", "environment", "air_station")

    # clean air for 12 hours, then PM2.5 at 180 µg/m³ for 6 hours, then clean again
    def pm25(m: float) -> float:
        return 180.0 if 720 <= m < 1080 else 15.0

    store.ingest("sim", assets=[station], now=at(0))
    e = engine(store, config(), ["air-bad"])
    run(e, 0, 1800, every=15, readings=series("aq-01", "pm25_ugm3", pm25, 1800))
    (alert,) = alerts(store)
    with store.read_session() as session:

        def aqi(m: float) -> float:
            return dict((a, v) for a, v, _, _ in station_aqi_rows(session, to_epoch(at(m))))[
                "aq-01"
            ]

        opened = (alert.opened_at - T0).total_seconds() / 60
        assert aqi(opened) > 150 and aqi(opened - 30) > 150
        assert not (aqi(opened - 15) > 150 and aqi(opened - 45) > 150)  # not one step sooner
    assert alert.status == "resolved"
    assert [n.event for n in recorder(e).notices] == ["opened", "escalated", "resolved"]


def test_a_dead_feed_opens_one_no_data_alert_and_resolves_when_data_returns(
    store: Store,
) -> None:
    seg = asset("seg-001", "traffic", "road_segment", free_flow_kmh=50.0)
    store.ingest(
        "sim", assets=[seg], readings=series("seg-001", "speed_kmh", lambda m: 40.0, 30), now=at(30)
    )
    e = engine(store, config(), ["feed-silent-sim"])
    for m in range(30, 45):
        e.tick(at(m))
    # three intervals of 60 s: silent from minute 30, so past 33 minutes
    store.ingest(
        "sim",
        readings=series("seg-001", "speed_kmh", lambda m: 40.0 if m >= 45 else None, 45),
        now=at(45),
    )
    e.tick(at(46))
    assert recorder(e).events() == [
        ("opened", "source:sim", 34.0),
        ("resolved", "source:sim", 46.0),  # data again (before the 30-minute escalation)
    ]


def test_a_feed_of_five_minute_readings_polled_every_minute_is_not_silent_between_them(
    store: Store,
) -> None:
    """The simulated city's cadence: a 60-s source whose sensors report every 5 minutes is
    silent after three of its data's periods, as /sources calls it stale, not three minutes
    (its period known from the hour of data it already delivered, as after the demo's
    backfill)."""
    seg = asset("seg-001", "traffic", "road_segment", free_flow_kmh=50.0)
    readings = series("seg-001", "speed_kmh", lambda m: 40.0, 120)
    store.ingest("sim", assets=[seg], readings=readings[:13], now=at(60))
    e = engine(store, config(), ["feed-silent-sim"])
    run(e, 60, 120, every=1, readings=readings[13:])
    assert recorder(e).events() == []
    run(e, 121, 140, every=1)  # then the feed falls silent after its reading at minute 120
    assert recorder(e).events() == [("opened", "source:sim", 136.0)]

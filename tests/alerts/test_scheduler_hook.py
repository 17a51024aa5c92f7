"""The scheduler's alert hook: a source job that stores a crossing reading opens its alert,
only the rules reading what the job carried are evaluated, pushed batches open theirs
(throttled), and a no-data rule opens on the clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dashboard.alerts.throttle import Throttle
from dashboard.areas import Areas
from dashboard.config import Config, load_config
from dashboard.queries.alert_list import unresolved
from dashboard.records import Asset, Batch, Fed, Reading
from dashboard.scheduler import CityScheduler
from dashboard.store import AlertView, Store
from data_sources import base
from data_sources.base import SourceConnector
from tests.alerts.scenario import rule
from tests.core.fakes import AnySettings, ScriptedPush
from tests.core.test_scheduler import wait_for

NOW = datetime(2025, 11, 12, 10, 7, tzinfo=UTC)
_POINT = {"type": "Point", "coordinates": [105.08, 10.01]}
GAUGE = Asset("gauge-1", "water", "water_level", "Gauge 1", _POINT)
ROAD = Asset("road-1", "traffic", "road_segment", "Road 1", _POINT)


class GaugeSource(SourceConnector):
    """A tide gauge reading 150 cm at every fetch."""

    kind = "gauge"
    Settings = AnySettings

    def fetch(self, since: datetime | None, now: datetime) -> Batch:
        return Batch(assets=[GAUGE], readings=[Reading(GAUGE.id, "water_level_cm", now, 150.0)])


@pytest.fixture(autouse=True)
def kinds(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    found = dict(base.BUILTIN_KINDS)
    found["gauge"] = f"{__name__}:GaugeSource"
    found["failing"] = "tests.core.fakes:FailingSource"
    found["scripted-push"] = "tests.core.fakes:ScriptedPush"
    monkeypatch.setattr(base, "BUILTIN_KINDS", found)
    ScriptedPush.reset()
    yield


def _config(store: Store, sources: list[dict[str, Any]], rules: list[dict[str, Any]]) -> Config:
    return load_config(
        env={},
        overrides={
            "database": {"url": store.url},
            "scheduler": {"lease_s": 6, "housekeeping_interval_s": 3600},
            "sources": sources,
            "alerts": {"rules": rules, "evaluate_s": 3600},
        },
    )


def _open(store: Store) -> dict[str, AlertView]:
    with store.read_session() as session:
        return {a.rule: a for a in unresolved(session)}


@contextmanager
def _leading(config: Config, store: Store) -> Iterator[CityScheduler]:
    """A scheduler on the fixed clock that took the lease (its jobs added, push sources
    subscribed), its jobs run by the test: APScheduler fires on the wall clock, which a
    fixed clock would leave a year behind."""
    scheduler = CityScheduler(config, store, Areas.from_config(config), clock=lambda: NOW)
    scheduler._lease_tick()
    assert scheduler.leader
    try:
        yield scheduler
    finally:
        scheduler._remove_jobs()


HIGH = rule(name="gauge-high", kind="threshold", domain="water", metric="water_level_cm", above=100)
SLOW = rule(name="road-slow", kind="threshold", domain="traffic", metric="speed_kmh", below=10)


def test_a_source_job_storing_a_crossing_reading_opens_its_alert_and_only_its_rules(
    store: Store,
) -> None:
    # A road already crawls (another feed's data), but the gauge's runs never carry speeds:
    # they evaluate the water rule only.
    store.ingest(
        "roads",
        assets=[ROAD],
        readings=[Reading(ROAD.id, "speed_kmh", NOW - timedelta(minutes=1), 4.0)],
        now=NOW,
    )
    config = _config(store, [{"name": "tide", "type": "gauge", "interval_s": 60}], [HIGH, SLOW])
    with _leading(config, store) as scheduler:
        outcome = scheduler.jobs["tide"]()
        assert outcome is not None and outcome.fed == Fed(frozenset({"water_level_cm"}))
        alert = _open(store)["gauge-high"]
        assert (alert.scope, alert.value, alert.threshold) == ("asset:gauge-1", 150.0, 100.0)
        assert "road-slow" not in _open(store)
        scheduler.alert_tick()  # the clock reads no-data rules only
        assert "road-slow" not in _open(store)
        # The roads' own feed carries speeds: its rule is evaluated and opens.
        assert scheduler.alerts is not None
        scheduler.alerts.after_ingest("roads", NOW, Fed(frozenset({"speed_kmh"})))
        assert set(_open(store)) == {"gauge-high", "road-slow"}


def test_a_silent_feed_opens_its_no_data_alert_on_the_clock(store: Store) -> None:
    store.ingest(
        "tide",
        assets=[GAUGE],
        readings=[Reading(GAUGE.id, "water_level_cm", NOW - timedelta(minutes=10), 80.0)],
        now=NOW,
    )
    silent = rule(name="tide-silent", kind="no_data", domain="feeds", source="tide", intervals=2)
    config = _config(store, [{"name": "tide", "type": "failing", "interval_s": 60}], [silent])
    with _leading(config, store) as scheduler:
        assert scheduler.jobs["tide"]() is not None  # the feed is down: nothing stored
        assert "tide-silent" not in _open(store)
        scheduler.alert_tick()
    alert = _open(store)["tide-silent"]
    assert (alert.scope, alert.value, alert.threshold) == ("source:tide", 600.0, 120.0)


def test_a_pushed_batch_opens_its_alert_without_the_clock(store: Store) -> None:
    # The clock's evaluation is an hour away and reads no-data rules only: the subscription's
    # own hook opens it. ScriptedPush delivers pm25 12.5 at 10:01.
    pm = rule(name="pm-high", kind="threshold", domain="environment", metric="pm25_ugm3", above=10)
    config = _config(store, [{"name": "air", "type": "scripted-push"}], [pm])
    with _leading(config, store):
        wait_for(lambda: "pm-high" in _open(store))
    assert _open(store)["pm-high"].value == 12.5


def test_pushed_batches_are_evaluated_once_per_gap_what_they_carried_gathered() -> None:
    calls: list[tuple[str, Fed, datetime]] = []
    throttle = Throttle(lambda s, f, t: calls.append((s, f, t)), gap_s=5)
    pm, no2 = Fed(frozenset({"pm25_ugm3"})), Fed(frozenset({"no2_ugm3"}))
    floods = Fed(categories=frozenset({"flooding"}))
    throttle.stored("air", pm, NOW)  # the first at once
    throttle.stored("air", no2, NOW + timedelta(seconds=1))  # gathered
    throttle.stored("reports", floods, NOW + timedelta(seconds=2))  # another source: at once
    throttle.stored("air", pm, NOW + timedelta(seconds=3))
    assert calls == [("air", pm, NOW), ("reports", floods, NOW + timedelta(seconds=2))]
    throttle.stored("air", pm, NOW + timedelta(seconds=6))  # past the gap: all gathered
    assert calls[-1] == ("air", pm | no2, NOW + timedelta(seconds=6))
    throttle.stored("air", no2, NOW + timedelta(seconds=7))
    throttle.flush(NOW + timedelta(seconds=8))  # the clock takes what is left
    throttle.flush(NOW + timedelta(seconds=9))  # nothing left
    assert calls[3:] == [("air", no2, NOW + timedelta(seconds=8))]

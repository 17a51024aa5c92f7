"""A reading far ahead of the ingest's clock is quarantined: it would pin `latest` forever."""

from __future__ import annotations

from datetime import timedelta

from dashboard.records import FUTURE_TOLERANCE, Reading
from dashboard.store import Store
from tests.store.data import T0, count, frame, minutes, station


def test_a_reading_years_ahead_is_quarantined_and_latest_keeps_moving(store: Store) -> None:
    glitch = Reading("aq-00", "pm25_ugm3", T0 + timedelta(days=3650), 1.0)
    first = store.ingest("aq", assets=[station(0)], readings=[glitch], now=T0)
    assert (first.readings, first.quarantined) == (0, 1)
    q = frame(store, "SELECT record_kind, reason FROM quarantine")
    assert q["record_kind"].tolist() == ["reading"]
    assert q["reason"][0].startswith("timestamp in the future")

    store.ingest("aq", readings=[Reading("aq-00", "pm25_ugm3", T0, 42.0)], now=T0)
    assert frame(store, "SELECT value FROM latest")["value"].tolist() == [42.0]
    assert count(store, "readings") == 1


def test_a_reading_within_the_tolerance_is_stored(store: Store) -> None:
    """Sensor clocks drift: up to FUTURE_TOLERANCE ahead is taken, a second more is not."""
    edge = Reading("aq-00", "pm25_ugm3", T0 + FUTURE_TOLERANCE, 20.0)
    beyond = Reading("aq-00", "pm10_ugm3", T0 + FUTURE_TOLERANCE + timedelta(seconds=1), 30.0)
    near = Reading("aq-00", "o3_ugm3", T0 + minutes(5), 40.0)
    result = store.ingest("aq", assets=[station(0)], readings=[edge, beyond, near], now=T0)
    assert (result.readings, result.quarantined) == (2, 1)
    assert sorted(frame(store, "SELECT value FROM latest")["value"]) == [20.0, 40.0]
    assert frame(store, "SELECT reason FROM quarantine")["reason"][0].startswith(
        "timestamp in the future"
    )

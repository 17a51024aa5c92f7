"""Readings older than the raw retention cut are refused: their rollups must not count twice.

Retention deletes raw readings but keeps rollups and latest, so once it ran, `readings` can no
longer tell that a re-delivered old reading was stored already.
"""

from __future__ import annotations

from datetime import timedelta

from dashboard.records import Reading
from dashboard.store import Store
from tests.store.data import T0, count, five_minute_rows, frame, minutes, segment

NOW = T0 + timedelta(days=40)
OLD = [Reading("seg-000", "speed_kmh", T0 + minutes(i), 30.0 + i) for i in range(5)]


def _rollup_counts(store: Store) -> tuple[int, int]:
    return (
        int(five_minute_rows(store)["count"].sum()),
        int(frame(store, "SELECT sum(count) AS n FROM rollup_1h")["n"][0]),
    )


def test_a_redelivery_after_retention_is_quarantined_not_counted_again(store: Store) -> None:
    store.ingest("sim", assets=[segment(0)], readings=OLD, now=T0 + minutes(5))
    store.ingest("sim", readings=[Reading("seg-000", "speed_kmh", NOW, 40.0)], now=NOW)
    store.apply_retention(NOW, raw_days=35, quarantine_days=90, runs_days=30)
    assert count(store, "readings") == 1 and _rollup_counts(store) == (6, 6)

    again = store.ingest("sim", readings=OLD, now=NOW)  # e.g. `backfill --days 45`
    assert (again.readings, again.duplicates, again.quarantined) == (0, 0, 5)
    assert _rollup_counts(store) == (6, 6)
    assert count(store, "readings") == 1
    reasons = set(frame(store, "SELECT reason FROM quarantine")["reason"])
    assert len(reasons) == 1 and reasons.pop().startswith("older than the raw retention horizon")
    assert frame(store, "SELECT value FROM latest")["value"].tolist() == [40.0]


def test_readings_from_the_cut_on_are_still_deduplicated_and_stored(store: Store) -> None:
    cut = NOW - timedelta(days=35)
    store.ingest("sim", assets=[segment(0)], readings=OLD, now=T0 + minutes(5))
    store.apply_retention(NOW, raw_days=35, quarantine_days=90, runs_days=30)
    at_cut = [Reading("seg-000", "speed_kmh", cut, 20.0)]
    first = store.ingest("sim", readings=at_cut, now=NOW)
    second = store.ingest("sim", readings=at_cut, now=NOW)
    assert (first.readings, first.quarantined) == (1, 0)
    assert (second.readings, second.duplicates) == (0, 1)
    assert _rollup_counts(store) == (6, 6)


def test_the_horizon_never_moves_back(store: Store) -> None:
    """A later retention with a longer `raw_days` cannot bring back what was deleted."""
    store.ingest("sim", assets=[segment(0)], readings=OLD, now=T0 + minutes(5))
    store.apply_retention(NOW, raw_days=35, quarantine_days=90, runs_days=30)
    store.apply_retention(NOW, raw_days=90, quarantine_days=90, runs_days=30)
    again = store.ingest("sim", readings=OLD, now=NOW)
    assert (again.readings, again.quarantined) == (0, 5)
    assert _rollup_counts(store) == (5, 5)

"""Runs and source state round-trip; the lease has one holder; retention keeps rollups."""

from __future__ import annotations

import threading
from datetime import timedelta

from dashboard.records import Reading
from dashboard.store import SourceStateView, Store
from tests.store.data import T0, count, five_minute_rows, frame, minutes, segment, traffic


def test_runs_and_state_round_trip(store: Store) -> None:
    assert store.source_state("sim") is None
    run = store.start_run("sim", T0)
    runs = frame(store, "SELECT id, source, status, rows FROM source_runs")
    assert runs.values.tolist() == [[run, "sim", "running", 0]]
    store.finish_run(run, ended_at=T0 + timedelta(seconds=3), status="ok", rows=144, rejected=2)
    store.set_cursor("sim", T0 + minutes(5), T0 + timedelta(seconds=3))
    store.record_error("sim", T0 + minutes(1), "timeout after 10 s")
    store.set_paused("sim", True)
    assert store.source_state("sim") == SourceStateView(
        source="sim",
        cursor=T0 + minutes(5),
        last_success_at=T0 + timedelta(seconds=3),
        last_error_at=T0 + minutes(1),
        last_error="timeout after 10 s",
        paused=True,
    )
    store.set_paused("sim", False)
    state = store.source_state("sim")
    assert state is not None and not state.paused and state.cursor == T0 + minutes(5)
    assert state.cursor is not None and state.cursor.tzinfo is not None

    failed = store.start_run("sim", T0 + minutes(10))
    store.finish_run(
        failed, ended_at=T0 + minutes(11), status="error", rows=0, rejected=0, error="HTTP 503"
    )
    done = frame(store, "SELECT status, rows, rejected, error FROM source_runs ORDER BY id")
    assert done.astype(object).where(done.notna(), None).values.tolist() == [
        ["ok", 144, 2, None],
        ["error", 0, 0, "HTTP 503"],
    ]


def test_lease_has_one_holder_until_it_expires(store: Store) -> None:
    assert store.try_lease("scheduler", "host-a", T0, ttl_s=30)
    assert not store.try_lease("scheduler", "host-b", T0 + timedelta(seconds=10), ttl_s=30)
    assert store.try_lease("scheduler", "host-a", T0 + timedelta(seconds=20), ttl_s=30)  # renew
    # still held thanks to the renewal (expires at T0+50 s)
    assert not store.try_lease("scheduler", "host-b", T0 + timedelta(seconds=40), ttl_s=30)
    assert store.try_lease("scheduler", "host-b", T0 + timedelta(seconds=51), ttl_s=30)  # takeover
    assert not store.try_lease("scheduler", "host-a", T0 + timedelta(seconds=52), ttl_s=30)
    store.release_lease("scheduler", "host-a")  # not ours: no effect
    assert not store.try_lease("scheduler", "host-a", T0 + timedelta(seconds=53), ttl_s=30)
    store.release_lease("scheduler", "host-b")
    assert store.try_lease("scheduler", "host-a", T0 + timedelta(seconds=54), ttl_s=30)


def test_racing_holders_never_both_win(store: Store) -> None:
    """Two stores (two processes' worth of connections) race for an expired lease."""
    store.try_lease("scheduler", "old", T0, ttl_s=5)
    stores = [Store(store.url) for _ in range(4)]
    wins: list[str] = []
    barrier = threading.Barrier(len(stores))

    def contend(i: int) -> None:
        barrier.wait()
        for k in range(20):
            now = T0 + timedelta(seconds=10 + k * 0.001)
            if stores[i].try_lease("scheduler", f"host-{i}", now, ttl_s=60):
                wins.append(f"host-{i}")

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.dispose()
    assert len(set(wins)) == 1, wins
    holder = frame(store, "SELECT holder FROM leases")["holder"].tolist()
    assert holder == [wins[0]]


def test_retention_deletes_old_raw_rows_and_keeps_rollups(store: Store) -> None:
    old, recent = T0, T0 + timedelta(days=40)
    store.ingest("sim", assets=[segment(0)], readings=traffic("seg-000", old, 20.0), now=old)
    store.ingest("sim", readings=traffic("seg-000", recent, 30.0), now=recent)
    store.ingest("sim", readings=[Reading("seg-000", "speed_kmh", old, -5.0)], now=old)
    store.ingest("sim", readings=[Reading("seg-000", "speed_kmh", recent, -6.0)], now=recent)
    store.start_run("sim", old)
    store.start_run("sim", recent)
    rollups_before = five_minute_rows(store)
    latest_before = frame(store, "SELECT * FROM latest ORDER BY series_id")

    now = recent + timedelta(hours=1)
    deleted = store.apply_retention(now, raw_days=35, quarantine_days=30, runs_days=30)
    assert deleted == {"readings": 2, "quarantine": 1, "source_runs": 1}
    assert count(store, "readings") == 2
    assert count(store, "quarantine") == count(store, "source_runs") == 1
    rollups_after = five_minute_rows(store)
    assert len(rollups_after) == 4 and rollups_after.equals(rollups_before)
    # The old readings were their own 5-minute buckets: retention wrote them to rollup_5m.
    assert count(store, "rollup_5m") == 2
    assert frame(store, "SELECT * FROM latest ORDER BY series_id").equals(latest_before)

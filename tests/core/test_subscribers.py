"""Push sources under supervision: restarted with backoff, stored, paused, stopped with the lease."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from dashboard.areas import Areas
from dashboard.config import Config, load_config
from dashboard.scheduler import LEASE_NAME, CityScheduler
from dashboard.store import Store
from dashboard.store.models import SourceRun
from dashboard.subscribers import Backoff, Supervisor
from data_sources import base
from tests.core.fakes import ScriptedPush
from tests.store.data import frame

FAST = Backoff(first_s=0.2, max_s=0.5, stable_s=60, poll_s=0.05)


@pytest.fixture(autouse=True)
def scripted(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(base.BUILTIN_KINDS, "scripted-push", "tests.core.fakes:ScriptedPush")
    ScriptedPush.reset()
    yield
    ScriptedPush.reset()


def make_config(tmp_path: Path, **options: object) -> Config:
    return load_config(
        env={},
        overrides={
            "database": {"url": f"sqlite:///{tmp_path}/city.db"},
            "scheduler": {"lease_s": 6, "housekeeping_interval_s": 3600},
            "sources": [{"name": "air", "type": "scripted-push", **options}],
        },
    )


def supervisor(store: Store, config: Config) -> Supervisor:
    connector = base.create(config.sources[0], config)
    assert isinstance(connector, ScriptedPush)
    return Supervisor(connector, store, Areas.from_config(config), backoff=FAST, rand=lambda: 1.0)


def wait_for(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[Store]:
    """A SQLite store (the supervision is the same on both; one test runs on both)."""
    s = Store(f"sqlite:///{tmp_path}/city.db")
    s.upgrade()
    yield s
    s.dispose()


def link(store: Store) -> str | None:
    state = store.source_state("air")
    return state.link if state else None


def runs(store: Store) -> list[tuple[str, int, str | None]]:
    with store.read_session() as session:
        stmt = select(SourceRun).where(SourceRun.source == "air").order_by(SourceRun.id)
        return [(r.status, r.rows, r.error) for r in session.scalars(stmt)]


def stored(store: Store) -> list[tuple[str, int, float]]:
    sql = "SELECT s.asset_id, r.ts, r.value FROM readings r JOIN series s ON s.id = r.series_id"
    return sorted(frame(store, sql).itertuples(index=False, name=None))


def test_backoff_doubles_up_to_its_cap_with_jitter_below_the_step() -> None:
    backoff = Backoff(first_s=1, max_s=8)
    assert [backoff.delay(n, lambda: 1.0) for n in range(1, 7)] == [1, 2, 4, 8, 8, 8]
    assert backoff.delay(3, lambda: 0.0) == 2  # never less than half the step
    assert backoff.delay(10_000, lambda: 1.0) == 8


def test_a_dying_subscriber_is_restarted_with_backoff_and_shows_failing_then_connected(
    tmp_path: Path, lite: Store
) -> None:
    store = lite
    sup = supervisor(store, make_config(tmp_path, die_times=3))
    sup.start()
    try:
        wait_for(lambda: len(ScriptedPush.calls.get("air", [])) == 4)
        wait_for(lambda: link(store) == "connected")
    finally:
        sup.stop()
    gaps = [b - a for a, b in itertools.pairwise(ScriptedPush.calls["air"])]
    assert [round(g, 1) >= want for g, want in zip(gaps, (0.2, 0.4, 0.5), strict=True)] == [
        True
    ] * 3
    assert gaps[2] < 1.0  # capped at max_s, not 0.8
    # one run per session: three broken ones with why, the held one ended "ok" by the stop
    assert [r[0] for r in runs(store)] == ["error", "error", "error", "ok"]
    assert runs(store)[0][2] == "ConnectionError: broker went away (session 1)"
    assert [r[1] for r in runs(store)] == [2, 2, 2, 2]  # the station and its reading, each
    state = store.source_state("air")
    assert state is not None and state.link is None  # stopped: no link held
    assert state.cursor is None and state.last_success_at is not None


def test_the_link_shows_failing_with_the_error_after_repeated_breaks(
    tmp_path: Path, lite: Store
) -> None:
    store = lite
    sup = supervisor(store, make_config(tmp_path, die_times=100))
    sup.start()
    try:
        wait_for(lambda: link(store) == "failing")
        state = store.source_state("air")
    finally:
        sup.stop()
    assert state is not None and state.link_since is not None
    assert (state.link_detail or "").startswith("ConnectionError: broker went away")
    assert sup.failures >= 3


def test_delivered_batches_land_in_the_store_once_across_sessions(
    store: Store, tmp_path: Path
) -> None:
    """On both databases: what each session delivered is stored, re-deliveries once."""
    sup = supervisor(store, make_config(tmp_path, die_times=2))
    sup.start()
    try:
        wait_for(lambda: len(ScriptedPush.acked.get("air", [])) == 3)
    finally:
        sup.stop()
    assert [(a, v) for a, _, v in stored(store)] == [("aq-1", 12.5)] * 3
    assert len({ts for _, ts, _ in stored(store)}) == 3


def test_pausing_a_push_source_ends_its_subscription_and_resuming_starts_it(
    tmp_path: Path, lite: Store
) -> None:
    store = lite
    sup = supervisor(store, make_config(tmp_path))
    sup.start()
    try:
        wait_for(lambda: len(ScriptedPush.calls.get("air", [])) == 1)
        store.set_paused("air", True)
        wait_for(lambda: ScriptedPush.stopped.get("air") == 1)
        wait_for(lambda: link(store) is None)
        time.sleep(0.3)
        assert len(ScriptedPush.calls["air"]) == 1  # nothing subscribes while paused
        store.set_paused("air", False)
        wait_for(lambda: len(ScriptedPush.calls.get("air", [])) == 2)
    finally:
        sup.stop()
    assert sup.failures == 0
    assert [r[0] for r in runs(store)] == ["ok", "ok"]


def test_a_failing_store_leaves_the_batch_unacknowledged_and_it_is_stored_on_the_next_session(
    tmp_path: Path, lite: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = lite
    real_ingest = store.ingest
    down = {"calls": 0}

    def ingest_while_down(*args: object, **kwargs: object) -> object:
        down["calls"] += 1
        if down["calls"] == 1:
            raise OperationalError("INSERT", {}, Exception("database is down"))
        return real_ingest(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "ingest", ingest_while_down)
    sup = supervisor(store, make_config(tmp_path))
    sup.start()
    try:
        wait_for(lambda: len(ScriptedPush.calls.get("air", [])) == 2)
        wait_for(lambda: len(ScriptedPush.acked.get("air", [])) == 2)
    finally:
        sup.stop()
    first = runs(store)[0]
    assert first[0] == "error" and "database is down" in (first[2] or "")
    # the batch the store refused was not acknowledged, so the "broker" gave it again
    assert ScriptedPush.acked["air"][0].readings[0].ts.minute == 1
    assert len(stored(store)) == 2


def test_the_scheduler_supervises_push_sources_only_while_it_leads(
    tmp_path: Path, lite: Store
) -> None:
    store = lite
    config = make_config(tmp_path)
    scheduler = CityScheduler(
        config, store, Areas.from_config(config), holder="first", push_backoff=FAST
    )
    scheduler.start()
    try:
        wait_for(lambda: len(ScriptedPush.calls.get("air", [])) == 1)
        assert set(scheduler.next_runs()) == set()  # no interval job for a push source
        # another scheduler takes the lease over (ours expired while, say, the host hung)
        store.release_lease(LEASE_NAME, "first")
        assert store.try_lease(LEASE_NAME, "second", datetime.now(UTC), 600)
        wait_for(lambda: ScriptedPush.stopped.get("air") == 1)
        assert not scheduler.leader and scheduler.supervisors == {}
    finally:
        scheduler.shutdown()
    assert len(ScriptedPush.calls["air"]) == 1

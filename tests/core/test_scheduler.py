"""The scheduler records every run, isolates failures, never overlaps a source, has one leader."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from dashboard.areas import Areas
from dashboard.config import Config, load_config
from dashboard.scheduler import CityScheduler
from dashboard.store import Store
from dashboard.store.models import SourceRun
from data_sources import base
from tests.core.fakes import SlowSource


@pytest.fixture(autouse=True)
def test_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    kinds = dict(base.BUILTIN_KINDS)
    kinds["failing"] = "tests.core.fakes:FailingSource"
    kinds["slow"] = "tests.core.fakes:SlowSource"
    kinds["broken-init"] = "tests.core.fakes:BrokenInitSource"
    monkeypatch.setattr(base, "BUILTIN_KINDS", kinds)


def make_config(tmp_path: Path, sources: list[dict[str, object]], lease_s: int = 6) -> Config:
    return load_config(
        env={},
        overrides={
            "database": {"url": f"sqlite:///{tmp_path}/city.db"},
            "scheduler": {"lease_s": lease_s, "housekeeping_interval_s": 3600},
            "sources": sources,
        },
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path}/city.db")
    s.upgrade()
    yield s
    s.dispose()


@dataclass(frozen=True)
class Run:
    status: str
    rows: int
    started_at: datetime
    ended_at: datetime | None
    error: str | None


def runs(store: Store, source: str) -> list[Run]:
    with store.read_session() as session:
        stmt = select(SourceRun).where(SourceRun.source == source).order_by(SourceRun.id)
        return [
            Run(r.status, r.rows, r.started_at, r.ended_at, r.error) for r in session.scalars(stmt)
        ]


def wait_for(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def test_runs_are_recorded_and_a_failing_source_does_not_stop_another(
    tmp_path: Path, store: Store
) -> None:
    config = make_config(
        tmp_path,
        [
            {"name": "sim", "type": "simulator", "interval_s": 1, "seed": 7},
            {"name": "broken", "type": "failing", "interval_s": 1},
        ],
    )
    scheduler = CityScheduler(config, store, Areas.from_config(config))
    scheduler.start()
    try:
        wait_for(lambda: len([r for r in runs(store, "sim") if r.status == "ok"]) >= 2)
        wait_for(lambda: any(r.status == "error" for r in runs(store, "broken")))
    finally:
        scheduler.shutdown()
    sim_runs = [r for r in runs(store, "sim") if r.status == "ok"]
    assert sim_runs[0].rows > 3000  # first run: every asset and the current state
    assert all(r.ended_at and r.ended_at >= r.started_at for r in sim_runs)
    failed = [r for r in runs(store, "broken") if r.status == "error"]
    assert "ConnectionError: feed server refused the connection" in (failed[0].error or "")
    state = store.source_state("broken")
    assert state is not None and "refused" in (state.last_error or "")
    assert store.source_state("sim").cursor is not None  # type: ignore[union-attr]


def test_runs_of_one_source_never_overlap(tmp_path: Path, store: Store) -> None:
    SlowSource.active = SlowSource.max_active = 0
    config = make_config(
        tmp_path, [{"name": "slow", "type": "slow", "interval_s": 1, "delay_s": 1.5}]
    )
    scheduler = CityScheduler(config, store, Areas.from_config(config))
    scheduler.start()
    try:
        wait_for(lambda: len([r for r in runs(store, "slow") if r.status == "ok"]) >= 3)
    finally:
        scheduler.shutdown()
    assert SlowSource.max_active == 1
    done = [r for r in runs(store, "slow") if r.ended_at is not None]
    for earlier, later in itertools.pairwise(done):
        assert later.started_at >= earlier.ended_at  # type: ignore[operator]


def test_only_one_scheduler_drives_a_store_and_another_takes_over(
    tmp_path: Path, store: Store
) -> None:
    config = make_config(
        tmp_path, [{"name": "sim", "type": "simulator", "interval_s": 2}], lease_s=5
    )
    first = CityScheduler(config, store, Areas.from_config(config), holder="first")
    second = CityScheduler(config, store, Areas.from_config(config), holder="second")
    first.start()
    wait_for(lambda: first.leader)
    second.start()
    try:
        time.sleep(2.5)  # several lease ticks of the second one
        assert first.leader and not second.leader
        assert set(second.next_runs()) == set()
        first.shutdown()  # releases the lease
        wait_for(lambda: second.leader)
        assert set(second.next_runs()) == {"sim"}
    finally:
        second.shutdown()


def test_housekeeping_drops_old_raw_readings_keeps_rollups_and_is_recorded(
    tmp_path: Path, store: Store
) -> None:
    from datetime import UTC, timedelta

    from sqlalchemy import func

    from dashboard.pipeline import backfill
    from dashboard.scheduler import HOUSEKEEPING
    from dashboard.store.models import ReadingRow, Rollup1h
    from data_sources.base import create

    config = make_config(tmp_path, [{"name": "sim", "type": "simulator", "seed": 5}])
    config = config.model_copy(
        update={"retention": config.retention.model_copy(update={"raw_days": 1})}
    )
    now = datetime(2026, 11, 20, tzinfo=UTC)
    areas = Areas.from_config(config)
    backfill(store, create(config.sources[0], config), areas, days=2, now=now)

    def counts() -> tuple[int, int, int]:
        with store.read_session() as s:
            cutoff = int((now - timedelta(days=1)).timestamp())
            old = s.scalar(select(func.count()).where(ReadingRow.ts < cutoff)) or 0
            raw = s.scalar(select(func.count()).select_from(ReadingRow)) or 0
            rollups = s.scalar(select(func.sum(Rollup1h.count))) or 0
        return old, raw, rollups

    old, raw, rollups = counts()
    assert old > 0
    scheduler = CityScheduler(config, store, areas, clock=lambda: now)
    deleted = scheduler.housekeeping()
    assert deleted["readings"] == old
    assert counts() == (0, raw - old, rollups)
    [run] = runs(store, HOUSEKEEPING)
    assert (run.status, run.rows) == ("ok", sum(deleted.values()))


def test_run_now_from_another_process_runs_a_paused_source_once(
    tmp_path: Path, store: Store
) -> None:
    config = make_config(
        tmp_path, [{"name": "sim", "type": "simulator", "interval_s": 3600, "seed": 2}], lease_s=6
    )
    scheduler = CityScheduler(config, store, Areas.from_config(config))
    scheduler.start()
    try:
        wait_for(lambda: len(runs(store, "sim")) == 1 and runs(store, "sim")[0].status == "ok")
        store.set_paused("sim", True)
        web = Store(store.url)  # the web process has its own engine on the same database
        web.request_run("sim", datetime.now(UTC))
        web.dispose()
        wait_for(lambda: len(runs(store, "sim")) == 2 and runs(store, "sim")[1].status == "ok")
        state = store.source_state("sim")
        assert state is not None and state.run_requested_at is None and state.paused
        time.sleep(2.5)  # a lease tick or two later: no further run (paused, hourly interval)
        assert len(runs(store, "sim")) == 2
    finally:
        scheduler.shutdown()


def test_a_source_that_cannot_start_is_recorded_and_the_others_run(
    tmp_path: Path, store: Store
) -> None:
    config = make_config(
        tmp_path,
        [
            {"name": "broken", "type": "broken-init", "interval_s": 1},
            {"name": "sim", "type": "simulator", "interval_s": 1, "seed": 7},
        ],
    )
    scheduler = CityScheduler(config, store, Areas.from_config(config))
    scheduler.start()
    try:
        wait_for(lambda: any(r.status == "ok" for r in runs(store, "sim")))
    finally:
        scheduler.shutdown()
    state = store.source_state("broken")
    assert state is not None and "driver library not installed" in (state.last_error or "")


def test_busy_source_jobs_never_let_a_standby_take_over(tmp_path: Path, store: Store) -> None:
    sources = [
        {"name": f"slow{i}", "type": "slow", "interval_s": 1, "delay_s": 4.0} for i in range(5)
    ]
    config = make_config(tmp_path, sources, lease_s=5)
    first = CityScheduler(config, store, Areas.from_config(config), holder="first")
    second = CityScheduler(config, store, Areas.from_config(config), holder="second")
    first.start()
    wait_for(lambda: first.leader)
    second.start()
    try:
        deadline = time.monotonic() + 9  # the pool is saturated by 4-second fetches all along
        while time.monotonic() < deadline:
            assert not (first.leader and second.leader)
            assert first.leader
            time.sleep(0.2)
    finally:
        second.shutdown()
        first.shutdown()


def test_a_command_holding_the_lease_keeps_schedulers_standing_by(
    tmp_path: Path, store: Store
) -> None:
    from dashboard.scheduler import HeldLease

    config = make_config(
        tmp_path, [{"name": "sim", "type": "simulator", "interval_s": 1}], lease_s=5
    )
    scheduler = CityScheduler(config, store, Areas.from_config(config), holder="standby")
    with HeldLease(store, config, "cli-backfill") as held:
        assert held
        scheduler.start()
        time.sleep(7)  # longer than the lease: the command renews it
        assert not scheduler.leader
        assert runs(store, "sim") == []
    try:
        wait_for(lambda: scheduler.leader)
    finally:
        scheduler.shutdown()


def test_housekeeping_forgets_old_exports_and_removes_their_pdfs(
    tmp_path: Path, store: Store
) -> None:
    from datetime import UTC, timedelta

    from dashboard.queries.exports import recent_exports

    config = make_config(tmp_path, [{"name": "sim", "type": "simulator", "enabled": False}])
    config = config.model_copy(
        update={"exports": config.exports.model_copy(update={"folder": tmp_path / "pdf"})}
    )
    now = datetime(2026, 11, 20, tzinfo=UTC)
    folder = config.exports_folder
    folder.mkdir()

    def export(days_ago: int, finish: bool = True) -> int:
        at = now - timedelta(days=days_ago)
        eid = store.exports.enqueue(
            requested_by="lan", username="lan", path="/wall", paper="A4", landscape=True,
            lang="vi", at=at,
        )  # fmt: skip
        if finish:
            assert store.exports.claim("w", at) is not None
            (folder / f"{eid}.pdf").write_bytes(b"%PDF-1.7")
            store.exports.finish(eid, at=at, status="done", file=f"{eid}.pdf", size_bytes=8)
        return eid

    export(91), export(400)  # finished past the 90 days kept by default
    recent = export(10)
    waiting = export(200, finish=False)  # still queued: never purged, however old
    deleted = CityScheduler(
        config, store, Areas.from_config(config), clock=lambda: now
    ).housekeeping()
    assert deleted["exports"] == 2
    assert sorted(p.name for p in folder.iterdir()) == [f"{recent}.pdf"]
    with store.read_session() as s:
        assert sorted(e.id for e in recent_exports(s)) == sorted([recent, waiting])


def test_a_leader_cut_off_from_its_lease_stands_down_before_a_standby_may_take_it(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from dashboard.lease import Leadership

    settings = make_config(tmp_path, [], lease_s=6).scheduler  # looked at every 2 s
    t = [0.0]  # seconds since the start, on both the monotonic and the wall clock

    def at() -> datetime:
        return datetime(2026, 11, 20, tzinfo=UTC) + timedelta(seconds=t[0])

    def since() -> float:
        return t[0]

    standby = Leadership(store, "standby", settings, clock=at, monotonic=since, standby=True)
    leader = Leadership(store, "leader", settings, clock=at, monotonic=since)
    assert not standby.tick()  # in its first lease period a standby only watches
    assert leader.tick() and leader.holds()
    reachable = store.try_lease

    def unreachable(*_: object) -> bool:
        raise ConnectionError("connection refused")

    monkeypatch.setattr(store, "try_lease", unreachable)
    t[0] = 2.0
    assert leader.tick()  # one renewal failed: 4 s of its lease left
    t[0] = 4.0
    assert not leader.tick() and not leader.holds()  # 2 s left: it stops acting as leader
    monkeypatch.setattr(store, "try_lease", reachable)
    t[0] = 5.9
    assert not standby.tick()  # the lease is still the (silent) leader's
    t[0] = 6.0
    assert standby.tick() and standby.holds()

"""One scheduler, many hosts: a standby takes over a killed leader, and a scheduler rides out
a PostgreSQL restart — no source run skipped or repeated, no reading lost or stored twice.

Both run deterministic ticker feeds (`tests.core.fakes.TickerSource`: one reading per station
per second), so what the store must hold afterwards is known exactly.
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dashboard.areas import Areas
from dashboard.config import load_config
from dashboard.lease import LEASE_NAME
from dashboard.scheduler import CityScheduler
from dashboard.store import Store
from dashboard.store.models import ReadingRow, Rollup5m, Series, SourceRun
from data_sources import base
from tests.conftest import _fresh_pg_url
from tests.core.fakes import ticker_value
from tests.pgcluster import private_cluster

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
LEASE_S, RENEW_S = 3.0, 1.0
TAKEOVER_S = LEASE_S + RENEW_S  # the bound the README states: lease_s + renew_s
SLACK_S = 1.0  # polling, and a loaded machine's thread wake-ups
# A ticker run every second, one every 2 s, and one every 8 s: the last has just run when
# its leader is killed, so a new leader running it at once (not 8 s after that last run)
# would be caught repeating it.
INTERVALS = {"tick1": 1, "tick2": 2, "tick8": 8}


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout:g} s: {what}")


def ticker_sources(intervals: dict[str, int]) -> list[dict[str, object]]:
    return [
        {"name": name, "type": "ticker", "interval_s": every, "series": 3}
        for name, every in intervals.items()
    ]


def settings(url: str, intervals: dict[str, int]) -> dict[str, object]:
    return {
        "database": {"url": url},
        "scheduler": {"lease_s": LEASE_S, "renew_s": RENEW_S, "housekeeping_interval_s": 3600},
        "alerts": {"enabled": False},
        "sources": ticker_sources(intervals),
    }


@dataclass(frozen=True)
class Run:
    status: str
    started_at: datetime
    ended_at: datetime | None


def runs(store: Store, source: str) -> list[Run]:
    with store.read_session() as session:
        stmt = select(SourceRun).where(SourceRun.source == source).order_by(SourceRun.started_at)
        return [Run(r.status, r.started_at, r.ended_at) for r in session.scalars(stmt)]


def ok_since(store: Store, source: str, since: datetime) -> int:
    return sum(1 for r in runs(store, source) if r.status == "ok" and r.started_at >= since)


def assert_runs_continue(store: Store, source: str, interval: float) -> None:
    """Consecutive runs of `source`: never overlapping, never closer than its interval
    (a repeat), never further apart than its interval and a take-over (a skip)."""
    done = runs(store, source)
    assert len(done) >= 2
    for earlier, later in itertools.pairwise(done):
        gap = (later.started_at - earlier.started_at).total_seconds()
        assert gap >= interval - 0.5, f"{source} ran twice: {gap:.2f} s apart"
        assert gap <= interval + TAKEOVER_S + SLACK_S, f"{source} skipped: {gap:.2f} s apart"
        assert earlier.ended_at is not None and earlier.ended_at <= later.started_at


def assert_readings_exact(store: Store, source: str) -> None:
    """Every station of ticker `source` holds each second from its first reading to the
    source's cursor once, with the ticker's value, and its 5-minute rollups count each once."""
    state = store.source_state(source)
    assert state is not None and state.cursor is not None
    last = int(state.cursor.timestamp())
    with store.read_session() as session:
        for i in range(3):
            series = session.scalar(select(Series.id).where(Series.asset_id == f"{source}:aq-{i}"))
            stored = session.execute(
                select(ReadingRow.ts, ReadingRow.value)
                .where(ReadingRow.series_id == series)
                .order_by(ReadingRow.ts)
            ).all()
            first = stored[0].ts
            assert [ts for ts, _ in stored] == list(range(first, last + 1)), "a reading is lost"
            assert all(value == ticker_value(i, ts) for ts, value in stored)
            rolled = session.scalar(
                select(func.sum(Rollup5m.count)).where(Rollup5m.series_id == series)
            )
            assert rolled == len(stored), "a reading is counted twice (or not at all)"


def launch(config: Path, log: Path, *flags: str) -> subprocess.Popen[bytes]:
    """`cityops --config CONFIG scheduler FLAGS` as a process of its own (test kinds added)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tests.core.fake_cli", "--config", str(config)]
    with log.open("wb") as out:
        return subprocess.Popen(
            [*command, "scheduler", *flags], cwd=ROOT, env=env, stdout=out, stderr=out
        )


def leader_pid(store: Store) -> int | None:
    lease = store.lease_holder(LEASE_NAME)
    if lease is None or lease.expires_at <= datetime.now(UTC):
        return None
    return int(lease.holder.split(":")[1])  # host:pid:instance


def toml(url: str) -> str:
    lines = [
        f'[database]\nurl = "{url}"',
        f"[scheduler]\nlease_s = {LEASE_S}\nrenew_s = {RENEW_S}\nhousekeeping_interval_s = 3600",
        "[alerts]\nenabled = false",
    ]
    for source in ticker_sources(INTERVALS):
        keys = "\n".join(f"{k} = {v!r}".replace("'", '"') for k, v in source.items())
        lines.append(f"[[sources]]\n{keys}")
    return "\n\n".join(lines) + "\n"


@pytest.fixture
def schedulers() -> Iterator[list[subprocess.Popen[bytes]]]:
    """The scheduler processes a test starts, stopped (killed if need be) after it."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def test_a_standby_takes_over_a_killed_leader_without_skipping_or_repeating_a_run(
    tmp_path: Path, pg_schema: str, schedulers: list[subprocess.Popen[bytes]]
) -> None:
    url = _fresh_pg_url(pg_schema)
    store = Store(url)
    store.upgrade()
    config = tmp_path / "cityops.toml"
    config.write_text(toml(url))
    leader = launch(config, tmp_path / "leader.log")
    schedulers.append(leader)
    wait_for(lambda: leader_pid(store) == leader.pid, 30, "the first scheduler leads")
    standby = launch(config, tmp_path / "standby.log", "--standby")
    schedulers.append(standby)
    standby_log = tmp_path / "standby.log"
    wait_for(
        lambda: (
            f"standing by, leader is {store.lease_holder(LEASE_NAME).holder}"  # type: ignore[union-attr]
            in standby_log.read_text()
        ),
        30,
        "the standby says who leads",
    )
    began = datetime.now(UTC)

    def tick8_just_ran() -> bool:
        return ok_since(store, "tick8", datetime.now(UTC) - timedelta(seconds=1.5)) > 0

    wait_for(
        lambda: ok_since(store, "tick1", began) >= 3 and tick8_just_ran(),
        20,
        "the leader runs the sources, tick8 a moment ago",
    )
    assert leader_pid(store) == leader.pid  # the standby waited

    leader.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    wait_for(lambda: leader_pid(store) == standby.pid, TAKEOVER_S + 5, "the standby takes over")
    assert time.monotonic() - killed <= TAKEOVER_S + SLACK_S
    assert "took over at" in standby_log.read_text()
    took = datetime.now(UTC)
    wait_for(
        lambda: (
            all(ok_since(store, name, took) >= 1 for name in INTERVALS)
            and ok_since(store, "tick1", took) >= 3
        ),
        INTERVALS["tick8"] + SLACK_S * 3,
        "the new leader runs every source",
    )
    standby.send_signal(signal.SIGTERM)
    assert standby.wait(20) == 0
    assert store.lease_holder(LEASE_NAME) is None  # released on the way out

    for name, interval in INTERVALS.items():
        assert_runs_continue(store, name, interval)
        assert_readings_exact(store, name)
    store.dispose()


def test_ingest_resumes_by_itself_after_a_database_restart_losing_and_doubling_nothing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(base.BUILTIN_KINDS, "ticker", "tests.core.fakes:TickerSource")
    caplog.set_level(logging.INFO, logger="dashboard")
    with private_cluster() as pg:
        store = Store(pg.url)
        store.upgrade()
        config = load_config(env={}, overrides=settings(pg.url, {"tick1": 1}))
        scheduler = CityScheduler(config, store, Areas.from_config(config))
        scheduler.start()
        try:
            began = datetime.now(UTC)
            wait_for(lambda: ok_since(store, "tick1", began) >= 2, 20, "the scheduler ingests")
            pg.stop()  # fast: every session is cut, as when the server restarts
            stopped = time.monotonic()
            wait_for(lambda: not scheduler.leader, TAKEOVER_S, "the leader stands down")
            # ... before its lease would have expired, so no standby could have overlapped it
            assert time.monotonic() - stopped < LEASE_S
            pg.start()
            back = datetime.now(UTC)
            wait_for(lambda: scheduler.leader, 10, "the scheduler leads again")
            wait_for(lambda: ok_since(store, "tick1", back) >= 2, 10, "ingest resumes")
        finally:
            scheduler.shutdown()
        after = [r for r in runs(store, "tick1") if r.started_at >= back]
        assert after[0].status == "ok"  # the pool's dead connections broke no run
        assert all(r.status != "running" for r in runs(store, "tick1"))
        assert_readings_exact(store, "tick1")  # the outage's seconds were fetched afterwards
        store.dispose()
    said = caplog.text
    assert "cannot reach the lease" in said and "not the leader any more" in said

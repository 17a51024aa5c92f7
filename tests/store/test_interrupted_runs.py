"""A run left "running" (process or database stopped mid-run) is closed at the source's next
start, so the sources page never shows a run that will not end; until then it shows what the
run committed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.exc import OperationalError

from dashboard.areas import Areas
from dashboard.config import Config, load_config
from dashboard.pipeline import backfill, run_source
from dashboard.records import Batch, Reject
from dashboard.store import Store
from data_sources.base import SourceConnector
from tests.core.fakes import AnySettings, FailingSource
from tests.store.data import T0, count, frame, minutes, segment, traffic

INTERRUPTED = "interrupted (process or database stopped)"


class QuietSource(SourceConnector):
    """A feed with nothing new."""

    kind = "quiet"
    Settings = AnySettings

    def fetch(self, since: datetime | None, now: datetime) -> Batch:
        return Batch(cursor=now)


class KilledMidBackfill(SourceConnector):
    """Two chunks of one road's readings (and a reject each), then the process is stopped."""

    kind = "killed"
    Settings = AnySettings
    fetched = 0

    def fetch(self, since: datetime | None, now: datetime) -> Batch:
        self.fetched += 1
        if self.fetched > 2:
            raise KeyboardInterrupt  # SIGINT/SIGTERM: the run is never finished
        return Batch(
            assets=[segment(1)],
            readings=[r for k in range(6) for r in traffic("seg-001", now - minutes(k), 30 + k)],
            rejects=[Reject("speed_kmh=-4 outside plausible range", {"v": -4})],
            cursor=now,
        )


def _runs(store: Store) -> list[list[object]]:
    df = frame(store, "SELECT source, status, error FROM source_runs ORDER BY id")
    return df.astype(object).where(df.notna(), None).values.tolist()


def test_stale_running_runs_of_the_source_are_closed_as_interrupted(store: Store) -> None:
    died = store.start_run("sim", T0)
    store.start_run("aq", T0)  # another source's run is left alone
    done = store.start_run("sim", T0 + minutes(1))
    store.finish_run(done, ended_at=T0 + minutes(2), status="ok", rows=1, rejected=0)
    store.start_run("sim", T0 + minutes(10))  # the run that found them

    assert store.close_stale_runs("sim", T0 + minutes(10)) == 1
    assert _runs(store) == [
        ["sim", "error", INTERRUPTED],
        ["aq", "running", None],
        ["sim", "ok", None],
        ["sim", "running", None],
    ]
    ended = frame(store, "SELECT ended_at FROM source_runs WHERE id = :i", i=died)
    assert len(ended) == 1 and ended["ended_at"].notna().all()
    assert store.close_stale_runs("sim", T0 + minutes(10)) == 0


def _config(store: Store) -> Config:
    return load_config(
        env={},
        overrides={
            "database": {"url": store.url},
            "sources": [{"name": "sim", "type": "simulator", "seed": 3}],
        },
    )


def test_a_run_whose_failure_could_not_be_recorded_is_closed_by_the_next_run(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(store)
    areas = Areas.from_config(config)
    ticks = iter(T0 + timedelta(seconds=k) for k in range(1000))

    def clock() -> datetime:
        return next(ticks)

    def database_gone(*_: object, **__: object) -> None:
        raise OperationalError("UPDATE source_runs", {}, ConnectionError("server closed"))

    with monkeypatch.context() as m:  # the database drops between start_run and the end
        m.setattr(store, "record_error", database_gone)
        m.setattr(store, "finish_run", database_gone)
        with pytest.raises(OperationalError):
            run_source(store, FailingSource(config.sources[0], config), areas, clock=clock)
    assert _runs(store) == [["sim", "running", None]]

    outcome = run_source(store, QuietSource(config.sources[0], config), areas, clock=clock)
    assert outcome.status == "ok"
    assert _runs(store) == [["sim", "error", INTERRUPTED], ["sim", "ok", None]]


def test_a_killed_backfill_shows_the_rows_it_committed_on_its_run(store: Store) -> None:
    config = _config(store)
    source = KilledMidBackfill(config.sources[0], config)
    with pytest.raises(KeyboardInterrupt):
        backfill(store, source, Areas.from_config(config), days=1, now=T0)
    assert count(store, "readings") == 2 * 12  # two batches committed
    run = frame(store, "SELECT status, rows, rejected FROM source_runs").to_dict("records")
    assert run == [{"status": "running", "rows": 2 * (1 + 12), "rejected": 2}]  # asset + readings

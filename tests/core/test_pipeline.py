"""A run stores the good part of a batch, quarantines the bad with reasons, and is recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dashboard.areas import Areas
from dashboard.config import Config, SourceConfig, load_config
from dashboard.pipeline import MAX_BATCHES_PER_RUN, backfill, run_source
from dashboard.records import Batch
from dashboard.store import Store
from dashboard.store.models import AssetRow, QuarantineRow, ReadingRow, SourceRun
from data_sources.base import ConnectorSettings, SourceConnector
from tests.core.fakes import FailingSource, FlakySimulator


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(
        env={},
        overrides={
            "database": {"url": f"sqlite:///{tmp_path}/p.db"},
            "sources": [{"name": "sim", "type": "simulator", "seed": 3}],
        },
    )


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    s = Store(config.database_url)
    s.upgrade()
    yield s
    s.dispose()


def count(store: Store, model: type) -> int:
    with store.read_session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_bad_records_are_quarantined_and_the_rest_stored(config: Config, store: Store) -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    flaky = FlakySimulator(config.sources[0], config)
    outcome = run_source(store, flaky, Areas.from_config(config), clock=lambda: now)
    assert outcome.status == "ok"
    assert outcome.rejected == 3
    assert count(store, AssetRow) == len(flaky.inner.assets())
    assert count(store, ReadingRow) > 3000
    with store.read_session() as s:
        reasons = sorted(s.scalars(select(QuarantineRow.reason)))
    assert reasons == ["payload is not JSON", "timestamp has no time zone", "value is not finite"]
    # the same batch again: nothing stored twice, the bad records not quarantined twice
    readings = count(store, ReadingRow)
    again = run_source(
        store,
        FlakySimulator(config.sources[0], config),
        Areas.from_config(config),
        clock=lambda: now,
    )
    assert again.status == "ok"
    assert count(store, ReadingRow) == readings
    assert count(store, QuarantineRow) == 3


def test_assets_are_stored_with_their_ward_and_zone(config: Config, store: Store) -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    sim = FlakySimulator(config.sources[0], config).inner
    run_source(store, sim, Areas.from_config(config), clock=lambda: now)
    with store.read_session() as s:
        rows = s.execute(
            select(AssetRow.ward, AssetRow.zone, func.count()).group_by(
                AssetRow.ward, AssetRow.zone
            )
        ).all()
    wards = {w for w, _, _ in rows}
    zones = {z for _, z, _ in rows if z}
    assert wards <= {"Phường Rạch Giá", "Phường Vĩnh Thông"} and None not in wards
    assert len(zones) == 9


def test_a_failing_fetch_is_recorded_with_its_error(config: Config, store: Store) -> None:
    outcome = run_source(store, FailingSource(config.sources[0], config), Areas.from_config(config))
    assert outcome.status == "error" and "ConnectionError" in (outcome.error or "")
    with store.read_session() as s:
        run = s.scalars(select(SourceRun)).one()
        assert (run.status, run.error) == ("error", outcome.error)
    state = store.source_state("sim")
    assert state is not None and state.cursor is None and state.last_error == outcome.error


def test_backfill_then_live_run_continues_from_the_cursor(config: Config, store: Store) -> None:
    now = datetime(2026, 11, 20, 12, 2, tzinfo=UTC)
    sim = FlakySimulator(config.sources[0], config).inner
    areas = Areas.from_config(config)
    done = backfill(store, sim, areas, days=0.5, now=now, chunk=timedelta(hours=2))
    assert done.status == "ok"
    readings = count(store, ReadingRow)
    later = now + timedelta(minutes=10)
    live = run_source(store, sim, areas, clock=lambda: later)
    assert live.status == "ok"
    # two 5-minute steps of traffic, air and water readings arrived, nothing twice
    assert count(store, ReadingRow) > readings
    state = store.source_state("sim")
    assert state is not None and state.cursor == later


def test_backfill_of_an_older_window_never_moves_the_cursor_back(
    config: Config, store: Store
) -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    sim = FlakySimulator(config.sources[0], config).inner
    areas = Areas.from_config(config)
    assert run_source(store, sim, areas, clock=lambda: now).status == "ok"
    earlier = now - timedelta(days=1)
    assert backfill(store, sim, areas, days=0.25, now=earlier).status == "ok"
    state = store.source_state("sim")
    assert state is not None and state.cursor == now


def test_a_run_asks_again_while_the_connector_has_more_but_not_forever(
    config: Config, store: Store
) -> None:
    class AlwaysMore(SourceConnector):
        kind = "always_more"
        Settings = ConnectorSettings
        fetches = 0

        def fetch(self, since: datetime | None, now: datetime) -> Batch:
            self.fetches += 1
            return Batch(more=True)

    connector = AlwaysMore(SourceConfig(name="endless", type="always_more"), config)
    outcome = run_source(store, connector, Areas.from_config(config))
    assert outcome.status == "ok" and connector.fetches == MAX_BATCHES_PER_RUN

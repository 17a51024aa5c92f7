"""The connector conformance suite: every registered built-in kind must pass all of it.

Parametrised over `BUILTIN_KINDS`, so a new connector is picked up the day it is registered;
its case (keys, window, feed) lives in `cases.py`. What each kind promises: building it from
config is pure, a wrong key is named, a fetch returns valid records inside its window, a
re-fetch stores nothing twice, a malformed item costs only itself, health can be asked and
closing twice is harmless.
"""

from __future__ import annotations

import dataclasses
import socket
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from dashboard.config import Config, ConfigError, SourceConfig, load_config
from dashboard.records import Batch, validate_asset, validate_reading, validate_report
from dashboard.store import Store
from dashboard.store.ingest import IngestResult
from data_sources.base import (
    BUILTIN_KINDS,
    ConnectorSettings,
    Health,
    SourceConnector,
    connector_class,
    create,
)
from tests.sources.cases import CASES, Case, Feed
from tests.sources.noio import no_io
from tests.store.data import count, frame

NAME = "conf"
Make = Callable[[], SourceConnector]


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(env={})


@pytest.fixture(params=sorted(BUILTIN_KINDS))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def case(kind: str) -> Case:
    if kind not in CASES:
        pytest.fail(f"connector kind {kind!r} has no conformance case in tests/sources/cases.py")
    return CASES[kind]


def source(kind: str, options: Mapping[str, Any]) -> SourceConfig:
    return SourceConfig.model_validate({"name": NAME, "type": kind, **options})


def _builder(kind: str, case: Case, config: Config, feed: Feed) -> Iterator[Make]:
    built: list[SourceConnector] = []
    with feed() as where:

        def make() -> SourceConnector:
            built.append(create(source(kind, {**case.options, **where}), config))
            return built[-1]

        yield make
        for connector in built:
            connector.close()


@pytest.fixture
def make(kind: str, case: Case, config: Config) -> Iterator[Make]:
    """Builds connectors of `kind` reading the case's running feed; closes them afterwards."""
    yield from _builder(kind, case, config, case.feed)


def records(batch: Batch) -> tuple[dict[tuple[str, str, Any], float], set[Any], dict[str, Any]]:
    """A batch's readings by key, its reports and its assets by id, to compare batches."""
    readings = {(r.asset_id, r.metric, r.ts): r.value for r in batch.all_readings()}
    return readings, set(batch.reports), {a.id: a for a in batch.assets}


def ingest(store: Store, batch: Batch, now: datetime) -> IngestResult:
    return store.ingest(
        NAME,
        assets=batch.assets,
        readings=batch.readings,
        blocks=batch.blocks,
        reports=batch.reports,
        rejects=batch.rejects,
        now=now,
    )


def test_the_io_guard_sees_files_and_sockets(tmp_path: Path) -> None:
    with no_io() as seen:
        with pytest.raises(PermissionError):
            (tmp_path / "feed.json").write_text("{}")
        with pytest.raises(PermissionError):
            socket.create_connection(("127.0.0.1", 9))
    assert len(seen) == 2 and seen[0].startswith("open") and seen[1].startswith("socket")


def test_the_kind_is_registered_under_its_name_with_typed_settings(kind: str) -> None:
    cls = connector_class(kind)
    assert cls.kind == kind
    assert issubclass(cls.Settings, ConnectorSettings)


def test_building_from_config_does_no_io(kind: str, case: Case, config: Config) -> None:
    connector_class(kind)  # the module's import reads code, before the guard
    with no_io() as seen:
        connector = create(source(kind, case.options), config)
        connector.close()
    assert seen == []


@pytest.mark.parametrize("wrong", ["value", "unknown-key"])
def test_a_wrong_key_is_named_with_its_source_and_nothing_is_read(
    kind: str, case: Case, config: Config, wrong: str
) -> None:
    key, value = case.bad if wrong == "value" else ("no_such_key", 1)
    connector_class(kind)
    with no_io() as seen, pytest.raises(ConfigError) as raised:
        create(source(kind, {**case.options, key: value}), config)
    assert f"sources[{NAME}].{key}" in str(raised.value)
    assert seen == []


def test_a_fetch_returns_valid_records_inside_its_window(case: Case, make: Make) -> None:
    batch = case.deliver(make(), case.since, case.now)
    assert isinstance(batch, Batch) and batch.rejects == []
    readings = batch.all_readings()
    assert readings or batch.reports, "the case's window must hold readings or reports"
    # the first fetch of a fresh connector carries every asset its readings name
    known = {a.id for a in batch.assets}
    assert Counter(validate_asset(a) for a in batch.assets) == Counter({None: len(batch.assets)})
    reasons = Counter(validate_reading(r, known, case.now) for r in readings)
    assert reasons == Counter({None: len(readings)})  # vocabulary, aware UTC, assets known
    outside = [r for r in readings if not case.since < r.ts <= case.now]
    assert outside == []
    assert Counter(validate_report(r) for r in batch.reports) == Counter({None: len(batch.reports)})
    # a report's current version may predate the window (restated); none is from the future
    assert all(r.created_at <= r.updated_at <= case.now for r in batch.reports)
    assert batch.cursor is None or batch.cursor <= case.now


def test_a_first_run_returns_valid_records_up_to_now(case: Case, make: Make) -> None:
    batch = case.deliver(make(), None, case.now)
    known = {a.id for a in batch.assets}
    readings = batch.all_readings()
    assert [r for r in readings if validate_reading(r, known, case.now) is not None] == []
    assert all(r.ts <= case.now for r in readings)


def test_fetching_a_window_again_stores_nothing_twice(case: Case, make: Make, store: Store) -> None:
    """Again on the same connector: nothing new nor different; on a fresh one (a restart):
    the same records. Ingesting the re-deliveries changes nothing in the store."""
    connector = make()
    first = case.deliver(connector, case.since, case.now)
    again = case.deliver(connector, case.since, case.now)
    restarted = case.deliver(make(), case.since, case.now)
    assert records(restarted) == records(first)
    readings, reports, _ = records(first)
    again_readings, again_reports, _ = records(again)
    assert {k: readings.get(k) for k in again_readings} == again_readings
    assert again_reports <= reports

    ingest(store, first, case.now)
    tables = ("assets", "readings", "reports", "quarantine", "latest")
    stored = {t: count(store, t) for t in tables}
    assert stored["readings"] + stored["reports"] > 0
    for batch in (again, restarted):
        result = ingest(store, batch, case.now)
        assert result.readings == 0 and result.quarantined == 0
        assert {t: count(store, t) for t in tables} == stored


def test_a_malformed_item_in_the_feed_is_rejected_with_a_reason(
    kind: str, case: Case, config: Config
) -> None:
    if case.malformed is None:
        pytest.skip(f"{kind} parses no feed: its records are computed")
    for make in _builder(kind, case, config, case.malformed):
        batch = case.deliver(make(), case.since, case.now)
        assert batch.rejects and all(r.reason.strip() for r in batch.rejects)
        assert batch.all_readings() or batch.reports, "the good items are kept"


def test_a_malformed_record_in_its_batch_is_quarantined_and_the_rest_stored(
    case: Case, make: Make, store: Store
) -> None:
    batch = case.deliver(make(), case.since, case.now)
    good = batch.all_readings()
    if good:
        batch.readings.append(dataclasses.replace(good[0], ts=good[0].ts.replace(tzinfo=None)))
        why = "timestamp has no time zone"
    else:  # a kind that delivers citizen reports only
        report = batch.reports[0]
        naive = report.created_at.replace(tzinfo=None)
        batch.reports.append(dataclasses.replace(report, external_id="broken", created_at=naive))
        why = "created_at: timestamp has no time zone"
    result = ingest(store, batch, case.now)
    assert result.quarantined == 1
    assert result.readings + result.duplicates == len(good)
    assert good or result.reports == len(batch.reports) - 1
    reasons = frame(store, "SELECT reason FROM quarantine")["reason"].tolist()
    assert reasons == [why]


def test_health_can_be_asked_and_close_is_idempotent(case: Case, make: Make) -> None:
    unused = make()
    unused.close()
    unused.close()
    connector = make()
    health = connector.check_health()
    assert isinstance(health, Health) and health.ok, health.message
    case.deliver(connector, case.since, case.now)
    connector.close()
    connector.close()

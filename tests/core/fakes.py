"""Test connectors for scheduler behaviour: one that always fails, one that is slow."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from pydantic import ConfigDict

from dashboard.records import Batch, Reading, Reject
from data_sources.base import ConnectorSettings, SourceConnector


class AnySettings(ConnectorSettings):
    """The fakes stand in for whatever source they are given: its keys pass through."""

    model_config = ConfigDict(extra="allow", frozen=True)
    delay_s: float = 1.5


class FailingSource(SourceConnector):
    """A feed whose server is down: every fetch raises."""

    kind = "failing"
    Settings = AnySettings

    def fetch(self, since: datetime | None, now: datetime) -> Batch:
        raise ConnectionError("feed server refused the connection")


class SlowSource(SourceConnector):
    """A feed that answers slower than its interval; records how many fetches ran at once."""

    kind = "slow"
    Settings = AnySettings
    options: AnySettings
    active = 0
    max_active = 0

    def fetch(self, since: datetime | None, now: datetime) -> Batch:
        cls = type(self)
        cls.active += 1
        cls.max_active = max(cls.max_active, cls.active)
        try:
            time.sleep(self.options.delay_s)
            return Batch(cursor=now)
        finally:
            cls.active -= 1


class FlakySimulator(SourceConnector):
    """The simulated city with a broken record in every batch, as real feeds send them."""

    kind = "flaky"
    Settings = AnySettings

    def __init__(self, settings: Any, config: Any) -> None:
        super().__init__(settings, config)
        from data_sources.simulator import SimulatorSource

        self.inner = SimulatorSource(settings, config)

    def fetch(self, since: datetime | None, now: datetime) -> Batch:
        batch = self.inner.fetch(since, now)
        batch.rejects.append(Reject("payload is not JSON", "{'speed': 41"))
        road = next(a.id for a in self.inner.assets() if a.kind == "road_segment")
        batch.readings.append(Reading(road, "speed_kmh", now.replace(tzinfo=None), 40.0))
        batch.readings.append(Reading(road, "speed_kmh", now, float("nan")))
        return batch


class BrokenInitSource(SourceConnector):
    """A connector whose construction fails (its driver is missing, its host unresolvable)."""

    kind = "broken-init"

    def __init__(self, settings: Any, config: Any) -> None:
        raise RuntimeError("driver library not installed")

    def fetch(self, since: datetime | None, now: datetime) -> Batch:  # pragma: no cover
        raise AssertionError("never built")

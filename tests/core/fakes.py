"""Test connectors for scheduler behaviour: one that always fails, one that is slow, a
scripted push feed, a deterministic ticker."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from pydantic import ConfigDict

from dashboard.records import Asset, Batch, Reading, Reject
from data_sources.base import ConnectorSettings, Link, PushConnector, SourceConnector


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


class ScriptedPush(PushConnector):
    """A push feed a test scripts, standing in for a broker subscription.

    Each `subscribe` re-delivers what the "broker" still holds unacknowledged, then one new
    reading of one station; the first `die_times` sessions then raise, later ones hold until
    stopped. A batch counts as acknowledged only once `link.deliver` returned, as a broker
    counts a PUBACK. Its class-level logs are by source name, so tests read them after the
    scheduler built the connector.
    """

    kind = "scripted-push"
    Settings = AnySettings
    calls: ClassVar[dict[str, list[float]]] = {}
    acked: ClassVar[dict[str, list[Batch]]] = {}
    held: ClassVar[dict[str, list[Batch]]] = {}  # kept by the "broker": never acknowledged
    stopped: ClassVar[dict[str, int]] = {}

    @classmethod
    def reset(cls) -> None:
        cls.calls, cls.acked, cls.held, cls.stopped = {}, {}, {}, {}

    def subscribe(self, link: Link) -> None:
        name = self.settings.name
        calls = self.calls.setdefault(name, [])
        calls.append(time.monotonic())
        link.connected()
        held = self.held.setdefault(name, [])
        ts = datetime(2025, 11, 12, 10, 0, tzinfo=UTC) + timedelta(minutes=len(calls))
        station = Asset("aq-1", "environment", "air_station", "Station 1", _POINT)
        held.append(Batch(assets=[station], readings=[Reading("aq-1", "pm25_ugm3", ts, 12.5)]))
        while held:
            link.deliver(held[0])  # raises: nothing acknowledged, the broker keeps it
            self.acked.setdefault(name, []).append(held.pop(0))
        if len(calls) <= int(self.options.model_extra.get("die_times", 0)):  # type: ignore[union-attr]
            raise ConnectionError(f"broker went away (session {len(calls)})")
        link.stop.wait()
        self.stopped[name] = self.stopped.get(name, 0) + 1


_POINT = {"type": "Point", "coordinates": [105.08, 10.01]}


class TickerSource(SourceConnector):
    """A deterministic feed: `series` air stations, one PM2.5 reading each per whole second
    in (since, now] (the last whole second on a first fetch), its value a pure function of
    (station, second) — `ticker_value`. So what a store should hold is known exactly: every
    second from the first stored one to the source's cursor, once."""

    kind = "ticker"
    Settings = AnySettings

    def __init__(self, settings: Any, config: Any) -> None:
        super().__init__(settings, config)
        self._fetched = False

    def station_ids(self) -> list[str]:
        count = int(self.options.model_extra.get("series", 3))  # type: ignore[union-attr]
        return [f"{self.settings.name}:aq-{i}" for i in range(count)]

    def fetch(self, since: datetime | None, now: datetime) -> Batch:
        ids = self.station_ids()
        last = int(now.timestamp())
        first = last if since is None else int(since.timestamp()) + 1
        readings = [
            Reading(asset, "pm25_ugm3", datetime.fromtimestamp(t, UTC), ticker_value(i, t))
            for t in range(first, last + 1)
            for i, asset in enumerate(ids)
        ]
        first_batch, self._fetched = not self._fetched, True
        assets = [Asset(a, "environment", "air_station", a, _POINT) for a in ids]
        return Batch(
            cursor=datetime.fromtimestamp(last, UTC),
            assets=assets if first_batch else [],
            readings=readings,
        )


def ticker_value(station: int, second: int) -> float:
    """What `TickerSource` reads at station number `station` in epoch second `second`."""
    return float(5 + (station * 7 + second) % 90)

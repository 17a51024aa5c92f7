"""One conformance case per built-in connector kind: how the suite drives it.

The suite (`test_conformance.py`) runs over every kind in `data_sources.base.BUILTIN_KINDS`
and fails for a kind with no case here, so a new connector is tested the day it is registered.
A case names valid keys for the kind's `[[sources]]` entry, one key with a value its settings
refuse, a window its feed has records in, and how to start that feed: a loopback server, a
broker topic or a folder for the kinds that read one (the simulator reads nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dashboard.records import Batch
from data_sources.base import SourceConnector
from tests.sources.fiware_fakes import case_feed

__all__ = ["CASES", "Case", "Deliver", "Feed"]

# Inside the NGSI cases' window: when the fake brokers' copies of the SDM examples observed.
_NGSI_AT = datetime(2025, 11, 12, 11, 0, tzinfo=UTC)
# Among good entities: one not an object, one without a location, one with an unknown unit.
_NGSI_BAD: list[Any] = [
    "not an entity",
    {"id": "rg-lamp-x", "type": "Streetlight", "status": "ok"},
    {
        "id": "rg-air-x",
        "type": "AirQualityObserved",
        "dateObserved": "2025-11-12T11:00:00Z",
        "location": {"type": "Point", "coordinates": [105.08, 10.01]},
        "pm25": {"value": 12, "unitCode": "XYZ"},
    },
]


def _ngsi_feed(kind: str, encoding: str, bad: bool = False) -> Feed:
    return lambda: case_feed(kind, encoding, _NGSI_AT, _NGSI_BAD if bad else None)


# Starts what a connector reads and yields the keys pointing it there (merged over `options`).
Feed = Callable[[], AbstractContextManager[Mapping[str, Any]]]


# How the suite gets the batch a connector delivers for the window (since, now].
Deliver = Callable[[SourceConnector, datetime | None, datetime], Batch]


def pull(connector: SourceConnector, since: datetime | None, now: datetime) -> Batch:
    return connector.fetch(since, now)


@contextmanager
def nothing_to_start() -> Iterator[Mapping[str, Any]]:
    yield {}


@dataclass(frozen=True)
class Case:
    """How the conformance suite builds and feeds one connector kind."""

    options: Mapping[str, Any]  # the kind's own keys: valid, small enough to be fast
    bad: tuple[str, Any]  # one of those keys with a value the kind's Settings refuses
    since: datetime  # a window (since, now] in which the feed has readings
    now: datetime
    feed: Feed = nothing_to_start
    # Like `feed`, with malformed items among good ones; None only for a kind that parses
    # nothing (the simulator computes its records).
    malformed: Feed | None = None
    # A pull kind is asked (`fetch`); a push kind's case would subscribe, publish the window's
    # messages and return what the subscriber handed over, through the same checks.
    deliver: Deliver = pull


CASES: dict[str, Case] = {
    "simulator": Case(
        options={"seed": 7, "lights": 300, "air_stations": 3, "water_sensors": 3},
        bad=("step_s", 30),
        # 17:00 to 19:00 in Rạch Giá: lamps switch on, reports come in
        since=datetime(2025, 11, 12, 10, 0, tzinfo=UTC),
        now=datetime(2025, 11, 12, 12, 0, tzinfo=UTC),
    ),
    **{
        kind: Case(
            options={"url": "http://127.0.0.1:9", "page_size": 5},
            bad=("page_size", 0),
            since=datetime(2025, 11, 12, 10, 0, tzinfo=UTC),
            now=datetime(2025, 11, 12, 12, 0, tzinfo=UTC),
            feed=_ngsi_feed(kind, encoding),
            malformed=_ngsi_feed(kind, encoding, bad=True),
        )
        for kind, encoding in (("ngsi-v2", "v2-normalized"), ("ngsi-ld", "ld-normalized"))
    },
}

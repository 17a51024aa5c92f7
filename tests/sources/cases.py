"""One conformance case per built-in connector kind: how the suite drives it.

The suite (`test_conformance.py`) runs over every kind in `data_sources.base.BUILTIN_KINDS`
and fails for a kind with no case here, so a new connector is tested the day it is registered.
A case names valid keys for the kind's `[[sources]]` entry, one key with a value its settings
refuse, a window its feed has records in, and how to start that feed: a loopback server, a
broker topic or a folder for the kinds that read one (the simulator reads nothing).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dashboard.records import Batch
from data_sources.base import PushConnector, SourceConnector
from tests.sources import drops
from tests.sources import fake_open311 as o311
from tests.sources.fake_sensorthings import FIRST, STEP, FrostLike
from tests.sources.fiware_fakes import case_feed
from tests.sources.loopback import serve
from tests.sources.mqtt_broker import Collect, publish, publisher, subscribed, unique

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


# Retries that never make a test wait (a Retry-After is capped by backoff_cap).
FAST_HTTP = {"backoff_base": 0.001, "backoff_cap": 0.01, "read_timeout": 2.0}


def open311_city(requests: Callable[[], list[dict[str, Any]]]) -> Feed:
    """A feed serving a city's real requests (fake_open311.City), paged."""

    @contextmanager
    def feed() -> Iterator[Mapping[str, Any]]:
        with serve(o311.City(requests())) as server:
            yield {"url": server.url}

    return feed


# The MQTT case: assets described by retained messages, readings in three payload forms, on
# topics under a prefix of the test's own ("+/+" in the templates: cityops-test/<id>).
MQTT_MAPPING = [
    {"payload": "asset", "topic": "+/+/assets/{asset_id}"},
    {"payload": "value", "topic": "+/+/env/{asset_id}/{metric}"},
    {
        "payload": "fields",
        "topic": "+/+/air/{asset_id}",
        "fields": {
            "pm25": "pm25_ugm3",
            "co": {"metric": "co_mgm3", "unit": "ug/m3"},
            "t": "temp_c",
        },
    },
    {
        "payload": "sensorthings",
        "topic": "+/+/v1.1/Datastreams({datastream})/Observations",
        "datastreams": {"7": {"asset": "aq-2", "metric": "no2_ugm3"}},
    },
]
_STATION = {"domain": "environment", "kind": "air_station", "name": "Station"}


def _mqtt_feed(malformed: bool) -> Feed:
    @contextmanager
    def feed() -> Iterator[Mapping[str, Any]]:
        prefix = unique()
        assets = [
            (f"{prefix}/assets/aq-1", {**_STATION, "lon": 105.08, "lat": 10.01}),
            (f"{prefix}/assets/aq-2", {**_STATION, "lon": 105.09, "lat": 10.02}),
        ]
        bad = [
            (f"{prefix}/env/aq-1/pm25_ugm3", b"{not json"),
            (f"{prefix}/junk/1", {"x": 1}),
            (f"{prefix}/air/aq-2", {"ts": "2025-11-12T10:30:00", "pm25": 3}),
            (f"{prefix}/env/aq-1/no2_ugm3", {"value": "high", "ts": 1762941600}),
        ]
        retained = assets + (bad if malformed else [])
        with publisher() as pub:
            publish(pub, retained, retain=True)  # every subscription gets them first
            try:
                yield {
                    "topics": [f"{prefix}/#"],
                    "client_id": prefix.replace("/", "-"),
                    "session_expiry_s": 60,
                }
            finally:
                publish(pub, [(topic, b"") for topic, _ in retained], retain=True)

    return feed


def frost(broken: bool = False) -> Feed:
    """A feed serving the spec's SensorThings examples (fake_sensorthings.FrostLike)."""

    @contextmanager
    def feed() -> Iterator[Mapping[str, Any]]:
        app = FrostLike(broken=broken)
        with serve(app) as server:
            app.url = server.url
            yield {"url": f"{server.url}/v1.1"}

    return feed


def _folder_with(text: str) -> Feed:
    @contextmanager
    def feed() -> Iterator[Mapping[str, Any]]:
        with tempfile.TemporaryDirectory() as folder:
            drops.drop(Path(folder), "water_levels.csv", text)
            yield {"path": folder}

    return feed


def mqtt_deliver(connector: SourceConnector, since: datetime | None, now: datetime) -> Batch:
    """Subscribe, publish three instants of the window (five readings each), and return
    what the subscription delivered once all of it (and both assets) arrived."""
    assert isinstance(connector, PushConnector)
    prefix = connector.options.topics[0].removesuffix("/#")  # type: ignore[attr-defined]
    start = since or now - timedelta(hours=1)
    messages: list[tuple[str, Any]] = []
    for k in (1, 2, 3):
        ts = start + (now - start) * k / 4
        iso = ts.isoformat().replace("+00:00", "Z")
        messages += [
            (f"{prefix}/env/aq-1/pm25_ugm3", {"value": 10.0 + k, "ts": iso}),
            (f"{prefix}/air/aq-2", {"ts": int(ts.timestamp()), "pm25": 20 + k, "co": 900, "t": 31}),
            (f"{prefix}/v1.1/Datastreams(7)/Observations", {"phenomenonTime": iso, "result": 40}),
        ]
    link = Collect()
    with subscribed(connector, link), publisher() as pub:
        publish(pub, messages)
        link.wait(lambda: len(link.readings()) >= 15 and len(link.merged().assets) == 2)
    return link.merged()


CASES: dict[str, Case] = {
    "mqtt": Case(
        options={
            "host": "127.0.0.1",
            "port": 1883,
            "topics": ["cityops-test/#"],
            "mapping": MQTT_MAPPING,
        },
        bad=("qos", 3),
        since=datetime(2025, 11, 12, 10, 0, tzinfo=UTC),
        now=datetime(2025, 11, 12, 12, 0, tzinfo=UTC),
        feed=_mqtt_feed(malformed=False),
        malformed=_mqtt_feed(malformed=True),
        deliver=mqtt_deliver,
    ),
    "simulator": Case(
        options={"seed": 7, "lights": 300, "air_stations": 3, "water_sensors": 3},
        bad=("step_s", 30),
        # 17:00 to 19:00 in Rạch Giá: lamps switch on, reports come in
        since=datetime(2025, 11, 12, 10, 0, tzinfo=UTC),
        now=datetime(2025, 11, 12, 12, 0, tzinfo=UTC),
    ),
    "open311": Case(
        options={"url": "http://127.0.0.1:9/open311/v2", "page_size": 5, "http": FAST_HTTP},
        bad=("categories", {"Weeds": "garden"}),
        # Bloomington's 2012-05-22/23 requests, those with a real location (13 of 21)
        since=datetime(2012, 5, 22, 0, 0, tzinfo=UTC),
        now=datetime(2012, 5, 24, 0, 0, tzinfo=UTC),
        feed=open311_city(lambda: o311.located(o311.bloomington())),
        malformed=open311_city(o311.bloomington),  # 6 at 0,0 and 2 without lat/long
    ),
    "sensorthings": Case(
        options={"url": "http://127.0.0.1:9/v1.1", "page_size": 5, "http": FAST_HTTP},
        bad=("metrics", {"Temperature": "temperature_k"}),
        since=FIRST,
        now=FIRST + 8 * STEP,
        feed=frost(),
        malformed=frost(broken=True),
    ),
    "files": Case(
        options={**drops.WATER_OPTIONS, "path": "drops/water"},
        bad=("settle_s", -1),
        # the export's 17:00 to 17:30 local readings (10:00 to 10:30 UTC)
        since=datetime(2025, 11, 12, 9, 0, tzinfo=UTC),
        now=datetime(2025, 11, 12, 12, 0, tzinfo=UTC),
        feed=_folder_with(drops.WATER_CSV),
        malformed=_folder_with(drops.WATER_CSV + drops.WATER_BAD_ROWS),
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

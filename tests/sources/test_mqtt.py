"""MQTT into the store through the real Mosquitto: values, units, times, once each, and
nothing the broker kept lost across a connector or broker restart."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from dashboard.areas import Areas
from dashboard.cli import main
from dashboard.config import Config, ConfigError, SourceConfig, load_config
from dashboard.records import Reading, validate_reading
from dashboard.store import Store
from dashboard.subscribers import Backoff, Supervisor
from data_sources.base import create
from data_sources.mqtt import MqttSource
from data_sources.mqtt.mapping import Parsed, Router, TopicTemplate, ValueMapping, convert
from tests.sources.mqtt_broker import (
    PORT,
    private_broker,
    publish,
    publisher,
    subscribed,
    unique,
)
from tests.store.data import frame

NAME = "city-mqtt"
FAST = Backoff(first_s=0.1, max_s=0.5, poll_s=0.05)
T0 = datetime(2025, 11, 12, 10, 0, tzinfo=UTC)
MAPPING: list[dict[str, Any]] = [
    {"payload": "asset", "topic": "+/+/assets/{asset_id}"},
    {
        "payload": "value",
        "topic": "+/+/{domain}/{asset_id}/{metric}",
        "metrics": {"pm25": "pm25_ugm3"},
    },
    {
        "payload": "fields",
        "topic": "+/+/air/{asset_id}",
        "fields": {
            "co": {"metric": "co_mgm3", "unit": "ug/m3"},
            "t": {"metric": "temp_c", "unit": "°F"},
        },
    },
]


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(env={})


def connector(config: Config, prefix: str, port: int = PORT, **extra: Any) -> MqttSource:
    options = {
        "host": "127.0.0.1",
        "port": port,
        "topics": [f"{prefix}/#"],
        "mapping": MAPPING,
        "client_id": prefix.replace("/", "-"),
        "session_expiry_s": 300,
        "reconnect_min_s": 0.1,
        "reconnect_max_s": 0.5,
        **extra,
    }
    built = create(SourceConfig.model_validate({"name": NAME, "type": "mqtt", **options}), config)
    assert isinstance(built, MqttSource)
    return built


@pytest.fixture
def supervised(config: Config, store: Store) -> Iterator[Any]:
    """Starts supervisors of MQTT connectors into `store`; stops them at the end."""
    started: list[Supervisor] = []

    def start(source: MqttSource) -> Supervisor:
        sup = Supervisor(source, store, Areas.from_config(config), backoff=FAST)
        sup.start()
        started.append(sup)
        wait(lambda: (store.source_state(NAME) or _NONE).link == "connected")
        return sup

    yield start
    for sup in started:
        sup.stop()


class _NONE:
    link = None


def wait(condition: Any, timeout: float = 20, what: Any = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in time: {what() if what else ''}")
        time.sleep(0.05)


def readings(store: Store) -> list[tuple[str, str, int, float]]:
    sql = (
        "SELECT s.asset_id, s.metric, r.ts, r.value FROM readings r "
        "JOIN series s ON s.id = r.series_id ORDER BY s.asset_id, s.metric, r.ts"
    )
    return [tuple(r) for r in frame(store, sql).itertuples(index=False)]  # type: ignore[misc]


def station(prefix: str, asset: str) -> tuple[str, dict[str, Any]]:
    body = {
        "domain": "environment",
        "kind": "air_station",
        "name": asset,
        "lon": 105.08,
        "lat": 10.0,
    }
    return f"{prefix}/assets/{asset}", body


def pm25(prefix: str, k: int) -> tuple[str, dict[str, Any]]:
    return f"{prefix}/environment/aq-1/pm25", {
        "value": float(k),
        "ts": int(T0.timestamp()) + 60 * k,
    }


# -- the mapping, pure ---------------------------------------------------------------------


def test_topic_templates_capture_named_parts_and_subscribe_with_plus() -> None:
    t = TopicTemplate("city/{domain}/+/Datastreams({ds})/#")
    assert t.filter == "city/+/+/+/#"
    assert t.match("city/air/x/Datastreams(42)/Observations/a") == {"domain": "air", "ds": "42"}
    assert t.match("city/air/x/Things(42)") is None
    assert TopicTemplate("a/{asset_id}").match("a/b/c") is None


def test_units_convert_to_ours_and_an_impossible_one_is_refused_at_start() -> None:
    assert convert("ug/m3", "co_mgm3") == (0.001, 0.0)
    factor, offset = convert("°F", "temp_c")
    assert round(212 * factor + offset, 9) == 100
    with pytest.raises(ValidationError, match="cannot convert 'mph' to temp_c"):
        ValueMapping(
            payload="value", topic="x/{asset_id}", metric="temp_c", units={"temp_c": "mph"}
        )


def test_a_wrong_mapping_is_named_with_its_key(config: Config) -> None:
    bad = [{"payload": "value", "topic": "city/{metric}"}]
    with pytest.raises(ConfigError, match=r"sources\[city-mqtt\]\.mapping\.0\.value.*asset_id"):
        connector(config, "x/y", mapping=bad)


def test_payload_times_are_utc_and_a_message_without_one_gets_its_receive_time() -> None:
    router = Router([ValueMapping(payload="value", topic="c/{asset_id}/{metric}")])
    got = Parsed()
    received = datetime(2025, 11, 12, 11, 0, tzinfo=UTC)
    router.parse("c/a/temp_c", b'{"value": 30, "ts": "2025-11-12T17:00:00+07:00"}', received, got)
    router.parse("c/a/temp_c", b'{"value": 31, "ts": 1762945200000}', received, got)  # epoch ms
    router.parse("c/a/temp_c", b"32.5", received, got)
    router.parse("c/a/temp_c", b'{"value": 33, "ts": "2025-11-12T17:00:00"}', received, got)
    assert got.readings == [
        Reading("a", "temp_c", datetime(2025, 11, 12, 10, 0, tzinfo=UTC), 30.0),
        Reading("a", "temp_c", datetime(2025, 11, 12, 11, 0, tzinfo=UTC), 31.0),
        Reading("a", "temp_c", received, 32.5),
    ]
    assert [r.reason for r in got.rejects] == ["time '2025-11-12T17:00:00' has no time zone"]


# -- through the broker into the store ---------------------------------------------------------


def test_published_readings_land_in_the_store_in_our_units_and_the_bad_are_quarantined(
    config: Config, store: Store, supervised: Any
) -> None:
    prefix = unique()
    supervised(connector(config, prefix))
    with publisher() as pub:
        publish(pub, [station(prefix, "aq-1"), pm25(prefix, 1), pm25(prefix, 2)])
        air = {"ts": "2025-11-12T17:03:00+07:00", "co": 900, "t": 86}
        bad = (f"{prefix}/air/aq-1", b"{truncated")
        publish(pub, [(f"{prefix}/air/aq-1", air), bad, (f"{prefix}/nothing/here", {"v": 1})])
    wait(lambda: len(readings(store)) == 4 and len(frame(store, "SELECT * FROM quarantine")) == 2)
    base = int(T0.timestamp())
    assert readings(store) == [
        ("aq-1", "co_mgm3", base + 180, 0.9),
        ("aq-1", "pm25_ugm3", base + 60, 1.0),
        ("aq-1", "pm25_ugm3", base + 120, 2.0),
        ("aq-1", "temp_c", base + 180, 30.0),
    ]
    quarantined = frame(store, "SELECT reason, payload FROM quarantine ORDER BY reason")
    assert quarantined["reason"].tolist() == [
        f"no mapping for topic '{prefix}/nothing/here'",
        "payload is not JSON",
    ]
    assert "{truncated" in quarantined["payload"].iloc[1]  # the raw message, kept
    state = store.source_state(NAME)
    assert state is not None and state.cursor == datetime.fromtimestamp(base + 180, UTC)
    runs = frame(store, "SELECT status, rows, rejected FROM source_runs")
    assert len(runs) == 1 and runs["status"].tolist() == ["running"]  # one run per session


def test_a_message_the_store_could_not_take_is_redelivered_and_stored_once(
    config: Config, store: Store, supervised: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = unique()
    real, calls = store.ingest, []

    def down_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("database is down")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "ingest", down_once)
    with publisher() as pub:
        publish(pub, [station(prefix, "aq-1")], retain=True)
        supervised(connector(config, prefix))
        publish(pub, [pm25(prefix, 1), pm25(prefix, 1)])  # a sensor that sent it twice
        wait(lambda: len(readings(store)) == 1 and len(calls) >= 2)
        publish(pub, [(station(prefix, "aq-1")[0], b"")], retain=True)
    time.sleep(0.3)
    assert readings(store) == [("aq-1", "pm25_ugm3", int(T0.timestamp()) + 60, 1.0)]
    runs = frame(store, "SELECT status, error FROM source_runs ORDER BY id")
    assert runs["status"].iloc[0] == "error" and "database is down" in runs["error"].iloc[0]


def test_nothing_the_broker_kept_is_lost_across_connector_and_broker_restarts(
    config: Config, store: Store, supervised: Any, tmp_path: Path
) -> None:
    prefix = unique()
    sent: list[int] = []

    def send(port: int, ks: range) -> None:
        with publisher(port) as pub:
            publish(pub, [pm25(prefix, k) for k in ks])
        sent.extend(ks)

    with private_broker(tmp_path) as broker:
        with publisher(broker.port) as pub:
            publish(pub, [station(prefix, "aq-1")], retain=True)
        first = supervised(connector(config, prefix, broker.port))
        send(broker.port, range(1, 11))
        wait(lambda: len(readings(store)) == 10)
        first.stop()  # the connector is down: the broker queues for its session
        send(broker.port, range(11, 21))
        broker.stop()
        broker.start()  # the broker restarts with what it persisted
        send(broker.port, range(21, 31))
        supervised(connector(config, prefix, broker.port))
        wait(lambda: len(readings(store)) == 30, what=lambda: readings(store))
        broker.stop()  # now a broker restart under a connected connector
        broker.start()
        send(broker.port, range(31, 41))
        wait(lambda: len(readings(store)) == 40)
    base = int(T0.timestamp())
    assert readings(store) == [("aq-1", "pm25_ugm3", base + 60 * k, float(k)) for k in sent]


def test_the_simulated_city_publishes_what_the_connector_reads(
    config: Config, tmp_path: Path
) -> None:
    prefix = unique()
    toml = tmp_path / "cityops.toml"
    toml.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path}/c.db"\n[[sources]]\nname = "sim"\n'
        'type = "simulator"\nlights = 20\nair_stations = 2\nwater_sensors = 2\n',
        encoding="utf-8",
    )
    # The README's mapping: retained assets, then value-form readings.
    city_mapping = [
        {"payload": "asset", "topic": "+/+/assets/{asset_id}"},
        {"payload": "value", "topic": "+/+/{domain}/{asset_id}/{metric}"},
    ]
    source = connector(config, prefix, mapping=city_mapping, batch_ms=50)
    with subscribed(source) as running:
        args = ["--config", str(toml), "simulate", "--publish", "mqtt", "--once"]
        result = CliRunner().invoke(main, [*args, "--prefix", prefix])
        assert result.exit_code == 0, result.output
        sent = int(re.search(r"published ([\d,]+) messages", result.output)[1].replace(",", ""))  # type: ignore[index]
        link = running.link
        link.wait(lambda: len(link.merged().assets) + len(link.readings()) >= sent)
        batch = link.merged()
    with publisher() as pub:  # leave no retained messages behind
        publish(pub, [(f"{prefix}/assets/{a.id}", b"") for a in batch.assets], retain=True)
    assert batch.rejects == []
    known = {a.id for a in batch.assets}
    assert {a.domain for a in batch.assets} == {"traffic", "lighting", "environment", "water"}
    assert [r for r in batch.readings if validate_reading(r, known) is not None] == []
    assert {r.metric for r in batch.readings} >= {"speed_kmh", "pm25_ugm3", "water_level_cm"}


def test_a_city_larger_than_the_brokers_queue_reaches_a_late_subscriber_whole(
    config: Config, tmp_path: Path
) -> None:
    """The machine's Mosquitto as installed (at most 1,000 queued for a client): a new
    subscription is handed every retained asset at once, and none may be dropped."""
    prefix = unique()
    toml = tmp_path / "cityops.toml"
    toml.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path}/c.db"\n[[sources]]\nname = "sim"\n'
        'type = "simulator"\n',  # the demo city: 3,000 lamps
        encoding="utf-8",
    )
    args = ["--config", str(toml), "simulate", "--publish", "mqtt", "--once", "--prefix", prefix]
    result = CliRunner().invoke(main, args)  # before anyone subscribes: only what is retained
    assert result.exit_code == 0, result.output
    sim = load_config(toml).source("sim")
    described = {a.id for a in create(sim, config).fetch(None, datetime.now(UTC)).assets}
    assert len(described) > 2100  # beyond 1,000 in flight (our Receive Maximum) + 1,000 queued
    mapping = [{"payload": "asset", "topic": "+/+/assets/{asset_id}"}]
    try:
        with subscribed(connector(config, prefix, mapping=mapping, batch_ms=50)) as running:
            link = running.link
            link.wait(lambda: len(link.merged().assets) >= len(described))
            assert {a.id for a in link.merged().assets} == described
    finally:
        with publisher() as pub:  # leave no retained messages behind
            publish(pub, [(f"{prefix}/assets/{a}", b"") for a in described], retain=True)


def test_an_mqtt_3_1_1_session_delivers_and_persists_too(config: Config) -> None:
    prefix = unique()
    with subscribed(connector(config, prefix, protocol="3.1.1")) as running, publisher() as pub:
        publish(pub, [pm25(prefix, 1)])
        running.link.wait(lambda: len(running.link.readings()) == 1)
    with publisher() as pub:  # while it is away, the broker keeps the message for its session
        publish(pub, [pm25(prefix, 2)])
    with subscribed(connector(config, prefix, protocol="3.1.1")) as again:
        again.link.wait(lambda: len(again.link.readings()) == 1)
    assert [r.value for r in running.link.readings() + again.link.readings()] == [1.0, 2.0]

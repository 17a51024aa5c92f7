"""The MQTT connector: a persistent QoS 1 subscription, acknowledged only once stored.

MQTT 5 (or 3.1.1) through paho-mqtt 2 (`CallbackAPIVersion.VERSION2`). Nothing the broker
kept is lost across a connector or a broker restart:

- the session persists: a stable client id (default `cityops-<source name>`), clean start off
  and a session expiry (`session_expiry_s`; 3.1.1: clean session off), so the broker queues
  the feed's QoS 1 messages while cityops is away and hands them over when it is back;
- every message is acknowledged by hand (`manual_ack`), in order, and only after
  `link.deliver` returned: the batch it was in is committed. A batch the store refused is
  never acknowledged; the subscription ends, the supervisor subscribes again, and the broker
  re-delivers it (the store keeps each reading once);
- messages are gathered into batches: delivered at `batch_messages` messages, or when the
  socket falls quiet, or `batch_ms` after the first one waiting, whichever comes first. The
  broker must let that many messages be in flight (Mosquitto: `max_inflight_messages`; the
  connector asks for it with MQTT 5's Receive Maximum);
- a dropped connection is retried with exponential backoff and jitter between
  `reconnect_min_s` and `reconnect_max_s`, reported on /sources as retrying with why.

The mapping from topics and payloads to readings is `data_sources.mqtt.mapping`.
"""

from __future__ import annotations

import logging
import random
import socket
import ssl
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions
from pydantic import Field, field_validator, model_validator

from dashboard.records import Batch
from data_sources.base import ConnectorSettings, Health, Link, PushConnector
from data_sources.credentials import Secret
from data_sources.mqtt.mapping import Mapping, Parsed, Router

__all__ = ["MqttSettings", "MqttSource", "MqttTls"]

log = logging.getLogger(__name__)


class MqttTls(ConnectorSettings):
    """TLS to the broker: the CA that signs its certificate (default: the system's), and a
    client certificate where the broker asks for one."""

    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None


def _valid_filter(topic: str) -> str:
    levels = topic.split("/")
    if not topic or "#" in topic[:-1] or any(("+" in x and x != "+") for x in levels):
        raise ValueError(f"{topic!r} is not an MQTT topic filter ('+' a whole level, '#' last)")
    if "#" in levels[-1] and levels[-1] != "#":
        raise ValueError(f"{topic!r} is not an MQTT topic filter ('#' a whole level)")
    return topic


class MqttSettings(ConnectorSettings):
    host: str
    port: int = Field(default=1883, ge=1, le=65535)
    topics: list[str] = Field(min_length=1)  # subscription filters, + and # wildcards
    mapping: list[Mapping] = Field(min_length=1)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)
    username: str | None = None
    password: Secret | None = None
    tls: MqttTls | None = None
    qos: Literal[0, 1, 2] = 1
    protocol: Literal["5", "3.1.1"] = "5"
    keepalive_s: int = Field(default=60, ge=5, le=65535)
    session_expiry_s: int = Field(default=7 * 86400, ge=0)  # how long the broker keeps us
    reconnect_min_s: float = Field(default=1, gt=0)
    reconnect_max_s: float = Field(default=60, gt=0)
    batch_messages: int = Field(default=1000, ge=1, le=65535)
    batch_ms: int = Field(default=200, ge=1)

    @field_validator("topics")
    @classmethod
    def _filters(cls, topics: list[str]) -> list[str]:
        return [_valid_filter(t) for t in topics]

    @model_validator(mode="after")
    def _consistent(self) -> MqttSettings:
        if self.password is not None and self.username is None:
            raise ValueError("a password needs a username")
        if self.reconnect_max_s < self.reconnect_min_s:
            raise ValueError("reconnect_max_s is below reconnect_min_s")
        return self


class _Broken(Exception):
    """The broker refused us or our subscription; ends `subscribe` (the supervisor retries)."""


class MqttSource(PushConnector):
    """Subscribes to `topics`, maps each message with `mapping`, delivers them in batches."""

    kind = "mqtt"
    Settings = MqttSettings
    options: MqttSettings

    @property
    def client_id(self) -> str:
        return self.options.client_id or f"cityops-{self.settings.name}"

    def check_health(self) -> Health:
        """Whether the broker accepts a TCP connection (the session is the subscription's)."""
        try:
            with socket.create_connection(
                (self.options.host, self.options.port), timeout=self.settings.timeout_s
            ):
                return Health(ok=True)
        except OSError as exc:
            return Health(
                ok=False, message=f"broker {self.options.host}:{self.options.port}: {exc}"
            )

    def _client(self) -> paho.Client:
        o = self.options
        v5 = o.protocol == "5"
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            clean_session=None if v5 else False,
            protocol=MQTTProtocolVersion.MQTTv5 if v5 else MQTTProtocolVersion.MQTTv311,
            manual_ack=True,
        )
        if o.username is not None:
            client.username_pw_set(o.username, o.password.read() if o.password else None)
        if o.tls is not None:
            client.tls_set(
                ca_certs=str(o.tls.ca_file) if o.tls.ca_file else None,
                certfile=str(o.tls.cert_file) if o.tls.cert_file else None,
                keyfile=str(o.tls.key_file) if o.tls.key_file else None,
                cert_reqs=ssl.CERT_REQUIRED,
            )
        return client

    def _connect(self, client: paho.Client) -> None:
        o = self.options
        if o.protocol == "5":
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = o.session_expiry_s
            props.ReceiveMaximum = o.batch_messages
            client.connect(o.host, o.port, o.keepalive_s, clean_start=False, properties=props)
        else:
            client.connect(o.host, o.port, o.keepalive_s)

    def subscribe(self, link: Link) -> None:
        """Hold the subscription until `link.stop` (see the module docstring)."""
        _Subscription(self, link).run()


class _Subscription:
    """One `subscribe` call: its client, the messages waiting, and the reconnect backoff."""

    def __init__(self, source: MqttSource, link: Link) -> None:
        self.source, self.link, self.o = source, link, source.options
        self.router = Router(list(self.o.mapping))
        self.client = source._client()
        self.inbox: list[tuple[paho.MQTTMessage, datetime]] = []
        self.first_at = 0.0  # monotonic time the oldest waiting message arrived
        self.failures = 0
        self.broken: str | None = None
        c = self.client
        c.on_connect = self._on_connect
        c.on_subscribe = self._on_subscribe
        c.on_disconnect = self._on_disconnect
        c.on_message = self._on_message

    # -- paho callbacks (run inside client.loop, on this thread) -------------------------------

    def _on_connect(self, client: paho.Client, _u: Any, flags: Any, rc: Any, _p: Any) -> None:
        if rc.is_failure:
            self.broken = f"the broker refused the connection: {rc}"
            return
        if self.o.protocol == "5":
            client.subscribe([(t, SubscribeOptions(qos=self.o.qos)) for t in self.o.topics])
        else:  # MQTT 3.1.1 has no subscribe options
            client.subscribe([(t, int(self.o.qos)) for t in self.o.topics])

    def _on_subscribe(self, _c: paho.Client, _u: Any, _mid: int, codes: Any, _p: Any) -> None:
        refused = [f"{t}: {c}" for t, c in zip(self.o.topics, codes, strict=False) if c.is_failure]
        if refused:
            self.broken = f"the broker refused the subscription ({'; '.join(refused)})"
            return
        self.failures = 0
        self.link.connected()

    def _on_disconnect(self, _c: paho.Client, _u: Any, _f: Any, rc: Any, _p: Any) -> None:
        # Unacknowledged messages belong to the dropped connection: the broker sends them
        # again on the next one, so they are dropped here, never acknowledged late.
        self.inbox.clear()
        if not self.link.stop.is_set():
            self.link.retrying(f"disconnected from {self.o.host}:{self.o.port}: {rc}")

    def _on_message(self, _c: paho.Client, _u: Any, message: paho.MQTTMessage) -> None:
        if not self.inbox:
            self.first_at = time.monotonic()
        self.inbox.append((message, datetime.now(UTC)))

    # -- the loop --------------------------------------------------------------------------

    def run(self) -> None:
        try:
            self._hold()
            self._flush()  # what arrived before the stop, delivered and acknowledged
        finally:
            try:
                self.client.disconnect()
                self.client.loop(0.1)  # send the DISCONNECT (and any last acknowledgements)
            except Exception:
                log.debug("disconnect from %s failed", self.o.host, exc_info=True)

    def _hold(self) -> None:
        connected = False
        while not self.link.stop.is_set():
            if not connected:
                connected = self._reconnect()
                continue
            rc = self.client.loop(timeout=0.005 if self.inbox else 0.1)
            if self.broken:
                raise _Broken(self.broken)
            if rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
                connected = False
                continue
            before = -1
            while (
                self.inbox and len(self.inbox) != before and len(self.inbox) < self.o.batch_messages
            ):
                before = len(self.inbox)  # drain what the socket holds without a select each
                if self.client.loop_read() != MQTTErrorCode.MQTT_ERR_SUCCESS:
                    break
            if self.inbox:
                full = len(self.inbox) >= self.o.batch_messages
                late = time.monotonic() - self.first_at >= self.o.batch_ms / 1000
                if full or late or len(self.inbox) == before:
                    self._flush()

    def _reconnect(self) -> bool:
        """Connect (or again after a drop); on failure wait the backoff and say why."""
        try:
            self.source._connect(self.client)  # a session that persists: again, not anew
            return True
        except (OSError, ssl.SSLError) as exc:  # refused, unreachable, TLS handshake
            self.failures += 1
            why = f"cannot reach {self.o.host}:{self.o.port}: {exc}"
            self.link.retrying(why)
            step = self.o.reconnect_min_s * 2 ** min(self.failures - 1, 30)
            delay = min(self.o.reconnect_max_s, step) * (0.5 + 0.5 * random.random())
            self.link.stop.wait(delay)
            return False

    def _flush(self) -> None:
        """Deliver the waiting messages as one batch, then acknowledge them, in order."""
        if not self.inbox:
            return
        messages, self.inbox = self.inbox, []
        parsed = Parsed()
        for message, received in messages:
            self.router.parse(message.topic, message.payload, received, parsed)
        newest = max((r.ts for r in parsed.readings), default=None)
        batch = Batch(
            assets=parsed.assets, readings=parsed.readings, rejects=parsed.rejects, cursor=newest
        )
        self.link.deliver(batch)  # raises: nothing is acknowledged, the broker keeps them
        for message, _ in messages:
            self.client.ack(message.mid, message.qos)

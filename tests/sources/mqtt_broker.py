"""MQTT test helpers: the machine's Mosquitto or a private one, a publisher, a collecting link.

Tests on the machine's broker (127.0.0.1:1883) each use a topic prefix and a client id of
their own, and a short session expiry, so they never see each other's messages nor leave
sessions behind for long. A test that restarts a broker starts its own (`private_broker`:
`mosquitto -c` on a free port, persistence in a temporary folder); the machine's is never
restarted.
"""

from __future__ import annotations

import getpass
import json
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from dashboard.records import Asset, Batch, Reading
from data_sources.base import PushConnector

HOST, PORT = "127.0.0.1", 1883


def unique() -> str:
    """A prefix of topics (and client ids) no other test uses."""
    return f"cityops-test/{uuid.uuid4().hex[:12]}"


class Collect:
    """A `Link` that keeps what it is handed; `fail` makes the next deliveries raise (the
    store is down)."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.batches: list[Batch] = []
        self.states: list[str] = []
        self.fail = 0
        self.lock = threading.Condition()

    def deliver(self, batch: Batch) -> None:
        with self.lock:
            if self.fail:
                self.fail -= 1
                raise ConnectionError("the store is down")
            self.batches.append(batch)
            self.lock.notify_all()

    def connected(self) -> None:
        with self.lock:
            self.states.append("connected")
            self.lock.notify_all()

    def retrying(self, why: str) -> None:
        with self.lock:
            self.states.append(f"retrying: {why}")

    def readings(self) -> list[Reading]:
        with self.lock:
            return [r for b in self.batches for r in b.readings]

    def wait(self, what: Any, timeout: float = 20) -> None:
        """Until `what()` is true (called under the lock), or AssertionError."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while not what():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"not reached in {timeout} s; link states {self.states}")
                self.lock.wait(min(left, 0.1))

    def merged(self) -> Batch:
        with self.lock:
            assets: dict[str, Asset] = {a.id: a for b in self.batches for a in b.assets}
            return Batch(
                assets=list(assets.values()),
                readings=[r for b in self.batches for r in b.readings],
                rejects=[x for b in self.batches for x in b.rejects],
                cursor=max((b.cursor for b in self.batches if b.cursor), default=None),
            )


@dataclass
class Running:
    link: Collect
    thread: threading.Thread
    errors: list[BaseException] = field(default_factory=list)


@contextmanager
def subscribed(connector: PushConnector, link: Collect | None = None) -> Iterator[Running]:
    """`connector.subscribe(link)` in a thread, from its first subscription to the stop."""
    link = link or Collect()
    running = Running(link, threading.Thread(target=lambda: None))

    def hold() -> None:
        try:
            connector.subscribe(link)
        except BaseException as exc:
            running.errors.append(exc)
            with link.lock:
                link.lock.notify_all()

    running.thread = threading.Thread(target=hold, daemon=True)
    n = len(link.states)
    running.thread.start()
    try:
        link.wait(lambda: "connected" in link.states[n:] or running.errors)
        yield running
    finally:
        link.stop.set()
        running.thread.join(20)


@contextmanager
def publisher(port: int = PORT) -> Iterator[paho.Client]:
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}")
    client.connect(HOST, port)
    client.loop_start()
    try:
        yield client
    finally:
        client.disconnect()
        client.loop_stop()


def publish(client: paho.Client, messages: list[tuple[str, Any]], retain: bool = False) -> None:
    """Publish at QoS 1 and wait until the broker has them (JSON unless bytes)."""
    infos = []
    for topic, body in messages:
        payload = body if isinstance(body, bytes) else json.dumps(body)
        infos.append(client.publish(topic, payload, qos=1, retain=retain))
    for info in infos:
        info.wait_for_publish(10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class PrivateBroker:
    """A Mosquitto of this test's own: persistence in `folder`, restartable."""

    def __init__(self, folder: Path, extra: str = "") -> None:
        self.folder, self.port = folder, free_port()
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} {HOST}\nallow_anonymous true\npersistence true\n"
            f"persistence_location {folder}/\nautosave_interval 1\n"
            # run as root, Mosquitto drops to its own user, which cannot write our folder
            f"user {getpass.getuser()}\n{extra}\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.process = subprocess.Popen(
            [binary, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection((HOST, self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the private mosquitto did not start")

    def stop(self) -> None:
        """SIGTERM: Mosquitto writes its persistence file, as a service stop does."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@contextmanager
def private_broker(folder: Path, extra: str = "") -> Iterator[PrivateBroker]:
    broker = PrivateBroker(folder, extra)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()

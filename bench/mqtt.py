"""MQTT ingest end to end (publisher -> Mosquitto -> the mqtt connector -> the store) against the
bare `Store.ingest` of the same readings, in the same run.

    python -m bench.mqtt [--rate 5000] [--seconds 10] [--runs 3] [--db sqlite|postgres]

Each run starts a private Mosquitto (a free port, persistence in a temporary folder, configured
as the README asks: `max_inflight_messages 1000`, a queue large enough for the backlog) and a
fresh store, and measures:

- sustained: a publisher process sends `--rate` messages a second (value form, QoS 1, 500
  sensors, one reading each per message) for `--seconds`, to the connector supervised as the
  scheduler does it (`dashboard.subscribers.Supervisor`, batches through `PushSession`).
  Figures: messages/s stored while publishing, and the backlog when publishing stopped
  (published - stored) and how long it took to clear. Goal: no backlog (≤ 1 s of messages,
  cleared within 2 s).
- drain: the same number of messages queued in the broker while the connector is down, then
  the connector started: messages/s end to end at full speed, against the bare
  `Store.ingest` of the same readings (Reading objects, the connector's batch size) into a
  fresh store. Goal: end to end within 2x of bare.
- paho floor: the same number queued again for a bare paho-mqtt client (the same protocol,
  QoS 1, manual acknowledgement, nothing else: no mapping, no store), drained at full speed.
  What the library itself costs a message, the floor under any connector built on it:
  `drain_vs_paho` is the connector against that floor, `paho_vs_bare` the floor against the
  bare store ingest.

Medians over runs. Results: bench/results/<date>-<sha>-mqtt.{json,md}.
"""

from __future__ import annotations

import argparse
import getpass
import json
import multiprocessing as mp
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.ingest import _git_sha
from bench.stores import fresh_store
from dashboard.areas import Areas
from dashboard.config import Config, SourceConfig, load_config
from dashboard.records import Asset, Reading
from dashboard.store import Store
from dashboard.subscribers import Backoff, Supervisor
from data_sources.base import create

RESULTS = Path(__file__).parent / "results"
SENSORS = 500
BATCH = 1000
T0 = int(datetime(2025, 11, 12, tzinfo=UTC).timestamp())
HOST = "127.0.0.1"
PROTOCOL = ["5"]  # the connector's MQTT version (--protocol)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Broker:
    """A private Mosquitto, tuned as the README says a busy feed's broker must be."""

    def __init__(self, folder: Path) -> None:
        self.port = _free_port()
        conf = folder / "mosquitto.conf"
        conf.write_text(
            f"listener {self.port} {HOST}\nallow_anonymous true\npersistence true\n"
            f"persistence_location {folder}/\nuser {getpass.getuser()}\n"
            "max_inflight_messages 1000\nmax_queued_messages 1000000\n"
        )
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.process = subprocess.Popen([binary, "-c", str(conf)], stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                socket.create_connection((HOST, self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def _message(k: int) -> tuple[str, str]:
    """The k-th message: sensor k % SENSORS, its (k // SENSORS)-th reading."""
    sensor, n = k % SENSORS, k // SENSORS
    return f"bench/environment/aq-{sensor}/pm25_ugm3", f'{{"value": {n % 500}.5, "ts": {T0 + n}}}'


def _reading(k: int) -> Reading:
    sensor, n = k % SENSORS, k // SENSORS
    return Reading(f"aq-{sensor}", "pm25_ugm3", datetime.fromtimestamp(T0 + n, UTC), n % 500 + 0.5)


def _publish(port: int, first: int, count: int, rate: float, done: Any) -> None:
    """A producer process: `count` messages from `first`, `rate` a second (0: at once)."""
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{first}")
    client.max_inflight_messages_set(1000)
    client.connect(HOST, port)
    client.loop_start()
    start = time.monotonic()
    info = None
    for i in range(count):
        if rate and i % 50 == 0:
            lag = start + i / rate - time.monotonic()
            if lag > 0:
                time.sleep(lag)
        topic, payload = _message(first + i)
        info = client.publish(topic, payload, qos=1)
    if info is not None:
        info.wait_for_publish(120)
    done.put((start, time.monotonic()))
    client.disconnect()
    client.loop_stop()


def _paho_floor(port: int, total: int, *, subscribe_only: bool = False) -> float:
    """Drain `total` queued messages with a bare paho client (see the module docstring);
    `subscribe_only`: just open its persistent session, so the broker queues for it."""
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    v5 = PROTOCOL[0] == "5"
    client = paho.Client(
        CallbackAPIVersion.VERSION2,
        client_id="bench-floor",
        clean_session=None if v5 else False,
        protocol=MQTTProtocolVersion.MQTTv5 if v5 else MQTTProtocolVersion.MQTTv311,
        manual_ack=True,
    )
    got = [0]

    def on_message(c: Any, _u: Any, message: Any) -> None:
        got[0] += 1
        c.ack(message.mid, message.qos)

    client.on_message = on_message
    if v5:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 3600
        props.ReceiveMaximum = BATCH
        client.connect(HOST, port, clean_start=False, properties=props)
    else:
        client.connect(HOST, port)
    client.subscribe("bench/#", qos=1)
    start = time.monotonic()
    deadline = start + (0.5 if subscribe_only else 300)
    while subscribe_only or got[0] < total:
        client.loop(0.1)
        if subscribe_only and time.monotonic() > deadline:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"the bare paho client got only {got[0]} of {total}")
    elapsed = time.monotonic() - start
    client.disconnect()
    client.loop(0.1)
    return total / elapsed


def _stored(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM readings").scalar_one())


def _assets() -> list[Asset]:
    point = {"type": "Point", "coordinates": [105.08, 10.01]}
    return [
        Asset(f"aq-{i}", "environment", "air_station", f"AQ {i}", point) for i in range(SENSORS)
    ]


def _supervisor(config: Config, store: Store, port: int) -> Supervisor:
    options = {
        "host": HOST,
        "port": port,
        "topics": ["bench/#"],
        "client_id": "cityops-bench",
        "batch_messages": BATCH,
        "protocol": PROTOCOL[0],
        "mapping": [{"payload": "value", "topic": "bench/{domain}/{asset_id}/{metric}"}],
    }
    source = SourceConfig.model_validate({"name": "bench", "type": "mqtt", **options})
    connector = create(source, config)
    return Supervisor(connector, store, Areas.from_config(config), backoff=Backoff(poll_s=0.2))  # type: ignore[arg-type]


def _wait(store: Store, total: int, timeout: float = 300) -> float:
    deadline = time.monotonic() + timeout
    while _stored(store) < total:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {_stored(store)} of {total} stored")
        time.sleep(0.02)
    return time.monotonic()


def one_run(db: str, rate: int, seconds: float, workdir: Path, run: int) -> dict[str, float]:
    config = load_config(env={})
    total = int(rate * seconds)
    ctx = mp.get_context("spawn")
    broker = Broker(workdir)
    store = fresh_store(db, workdir, f"mqtt{run}")
    store.ingest("bench", assets=_assets(), now=datetime.now(UTC))
    out: dict[str, float] = {}
    try:
        sup = _supervisor(config, store, broker.port)
        sup.start()
        time.sleep(1.0)  # subscribed
        done: Any = ctx.Queue()
        producer = ctx.Process(target=_publish, args=(broker.port, 0, total, rate, done))
        producer.start()
        start, ended = done.get(timeout=seconds * 10 + 60)
        backlog = total - _stored(store)
        cleared = _wait(store, total)
        producer.join()
        out["sustained_msgs_s"] = total / (ended - start)
        out["backlog_at_end"] = backlog
        out["backlog_cleared_s"] = max(0.0, cleared - ended)
        sup.stop()  # drain: the next messages queue in the broker for our session
        producer = ctx.Process(target=_publish, args=(broker.port, total, total, 0, done))
        producer.start()
        done.get(timeout=300)
        producer.join()
        sup = _supervisor(config, store, broker.port)
        start = time.monotonic()
        sup.start()
        drained = _wait(store, 2 * total)
        sup.stop()
        out["drain_msgs_s"] = total / (drained - start)
        _paho_floor(broker.port, total, subscribe_only=True)
        producer = ctx.Process(target=_publish, args=(broker.port, 2 * total, total, 0, done))
        producer.start()
        done.get(timeout=300)
        producer.join()
        out["paho_floor_msgs_s"] = _paho_floor(broker.port, total)
    finally:
        broker.stop()
        store.dispose()
    bare = fresh_store(db, workdir, f"bare{run}")
    bare.ingest("bench", assets=_assets(), now=datetime.now(UTC))
    readings = [_reading(k) for k in range(total, 2 * total)]  # built before timing
    now = datetime.now(UTC)
    start = time.monotonic()
    for i in range(0, total, BATCH):
        bare.ingest("bench", readings=readings[i : i + BATCH], now=now)
    out["bare_msgs_s"] = total / (time.monotonic() - start)
    bare.dispose()
    out["drain_vs_bare"] = out["bare_msgs_s"] / out["drain_msgs_s"]
    out["drain_vs_paho"] = out["paho_floor_msgs_s"] / out["drain_msgs_s"]
    out["paho_vs_bare"] = out["bare_msgs_s"] / out["paho_floor_msgs_s"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--protocol", choices=["5", "3.1.1"], default="5")
    args = parser.parse_args()
    PROTOCOL[0] = args.protocol
    runs = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="bench-mqtt-") as tmp:
            runs.append(one_run(args.db, args.rate, args.seconds, Path(tmp), run))
        print(f"run {run + 1}: " + ", ".join(f"{k} {v:,.2f}" for k, v in runs[-1].items()))
    median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    no_backlog = median["backlog_at_end"] <= args.rate and median["backlog_cleared_s"] <= 2
    goals = {"no_backlog": no_backlog, "within_2x_of_bare": median["drain_vs_bare"] <= 2}
    result = {
        "harness": "bench.mqtt",
        "protocol": args.protocol,
        "db": args.db,
        "rate": args.rate,
        "seconds": args.seconds,
        "messages_per_phase": int(args.rate * args.seconds),
        "sha": _git_sha(),
        "runs": runs,
        "median": median,
        "goals": goals,
    }
    table = "\n".join(
        [
            f"# MQTT {args.protocol} ingest, {args.db}, {args.rate:,} msg/s for {args.seconds:g} s, "
            f"median of {args.runs} runs ({_git_sha()})",
            "",
            "| figure | median |",
            "|---|---|",
            *(f"| {k} | {v:,.2f} |" for k, v in median.items()),
            "",
            f"goals: {goals}",
        ]
    )
    print(table)
    RESULTS.mkdir(exist_ok=True)
    stem = f"{datetime.now(UTC):%Y-%m-%d}-{_git_sha()}-mqtt{args.protocol.replace('.', '')}"
    (RESULTS / f"{stem}.md").write_text(table + "\n", encoding="utf-8")
    (RESULTS / f"{stem}.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    if not all(goals.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()

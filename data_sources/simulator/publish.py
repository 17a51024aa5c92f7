"""The simulated city publishing itself over MQTT, as a city's sensors and gateways would.

`cityops simulate --publish mqtt` runs this, so the demo can take the real path: simulator ->
broker -> the `mqtt` connector -> the store. It publishes in the forms that connector reads
(`data_sources.mqtt.mapping`):

- each asset once, retained, on `<prefix>/assets/<asset id>` (the `asset` form: domain, kind,
  name, geometry, attributes), so a subscriber that connects later still learns every asset.
  At QoS 0: a broker hands a new subscription all its retained messages at once, and caps how
  many QoS 1 messages it holds for one client (Mosquitto's defaults: 20 in flight, 1,000
  queued; the rest are dropped), so a city of 3,000 lamps described at QoS 1 would reach a
  QoS 1 subscriber a thousand assets short. A retained description is state, sent again whole
  to every new subscription: QoS 0 loses nothing that matters;
- each reading on `<prefix>/<domain>/<asset id>/<metric>` as `{"value": v, "ts": epoch s}`
  (the `value` form; the metric is our own name, the time the simulated observation's).

Readings at QoS 1. Citizen reports are not published: they come through Open311, not MQTT.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import paho.mqtt.client as paho

from dashboard.records import METRICS, Batch

__all__ = ["messages", "publish_batch"]


def messages(batch: Batch, prefix: str) -> Iterator[tuple[str, str, bool]]:
    """(topic, JSON payload, retained) of every asset and reading of `batch`."""
    for a in batch.assets:
        body = {
            "domain": a.domain,
            "kind": a.kind,
            "name": a.name,
            "geometry": a.geometry,
            "attributes": a.attributes,
        }
        yield f"{prefix}/assets/{a.id}", json.dumps(body, ensure_ascii=False), True
    for r in batch.readings:
        body_r = {"value": r.value, "ts": int(r.ts.timestamp())}
        yield (
            f"{prefix}/{METRICS[r.metric].domain}/{r.asset_id}/{r.metric}",
            json.dumps(body_r),
            False,
        )
    for block in batch.blocks:
        topics = [
            [f"{prefix}/{METRICS[m].domain}/{asset}/{m}" for m in block.metrics]
            for asset in block.assets
        ]
        for a, m, ts, v in zip(
            block.asset.tolist(),
            block.metric.tolist(),
            block.ts.tolist(),
            block.value.tolist(),
            strict=True,
        ):
            yield topics[a][m], f'{{"value": {v!r}, "ts": {ts}}}', False


def publish_batch(client: paho.Client, batch: Batch, prefix: str, qos: int = 1) -> int:
    """Publish `batch` through `client` (its network loop running): readings at `qos`, the
    retained asset descriptions at QoS 0 (see the module docstring); returns once the broker
    has every message. How many were published."""
    last = None
    n = 0
    for topic, payload, retain in messages(batch, prefix):
        last = client.publish(topic, payload, qos=0 if retain else qos, retain=retain)
        n += 1
    if last is not None:
        last.wait_for_publish(timeout=120)
    return n

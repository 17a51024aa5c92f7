"""`cityops simulate --publish mqtt|ngsi-v2`: the simulated city speaking as a real city's systems.

So an operator can try a connector end to end on one machine: `mqtt` publishes the city's
assets (retained) and readings to a broker in the form the README's `mqtt` mapping reads;
`ngsi-v2` serves the city's current state as a read-only Orion for an `ngsi-v2` source.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import click
from rich.console import Console

from dashboard.config import Config, SourceConfig
from dashboard.pipeline import utcnow
from data_sources.base import create

__all__ = ["simulate_cmd"]

console = Console(highlight=False)
DEFAULT_PORTS = {"mqtt": 1883, "ngsi-v2": 1026}


def _simulator(config: Config, name: str | None) -> SourceConfig:
    sims = [s for s in config.sources if s.type == "simulator" and s.name == (name or s.name)]
    if not sims:
        raise click.ClickException(f"no simulator source {name or ''} in the configuration")
    return sims[0]


@click.command("simulate")
@click.option("--publish", "target", type=click.Choice(sorted(DEFAULT_PORTS)), required=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="mqtt: the broker.")
@click.option("--port", type=int, default=None, help="Default: 1883 (mqtt), 1026 (ngsi-v2).")
@click.option("--prefix", default="rachgia", show_default=True, help="mqtt: the topics' root.")
@click.option("--source", default=None, help="The simulator source (default: the first one).")
@click.option("--every", type=click.FloatRange(min=1), default=None, help="mqtt: seconds a step.")
@click.option("--once", is_flag=True, help="mqtt: publish the current state once, then stop.")
@click.pass_obj
def simulate_cmd(
    cx: Any,
    target: str,
    host: str,
    port: int | None,
    prefix: str,
    source: str | None,
    every: float | None,
    once: bool,
) -> None:
    """Publish the simulated city as a city's systems would: to MQTT, or as an NGSI-v2 broker."""
    port = port or DEFAULT_PORTS[target]
    sim = _simulator(cx.config, source)
    if target == "mqtt":
        _publish_mqtt(cx.config, sim, host, port, prefix, every, once)
    else:
        _serve_ngsi(cx.config, sim, host, port)


def _publish_mqtt(
    config: Config,
    sim: SourceConfig,
    host: str,
    port: int,
    prefix: str,
    every: float | None,
    once: bool,
) -> None:
    """Assets retained on <prefix>/assets/<id>, readings on <prefix>/<domain>/<id>/<metric> as
    {"value", "ts"}: what an `mqtt` source with the README's mapping reads."""
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    from data_sources.simulator.publish import publish_batch

    connector = create(sim, config)
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"cityops-simulate-{prefix}")
    client.max_inflight_messages_set(1000)
    try:
        client.connect(host, port)
    except OSError as exc:
        raise click.ClickException(
            f"cannot reach the MQTT broker at {host}:{port}: {exc}"
        ) from None
    client.loop_start()
    since: datetime | None = None
    try:
        while True:
            now = utcnow()
            n = publish_batch(client, connector.fetch(since, now), prefix)
            console.print(f"published {n:,} messages to {host}:{port} under {prefix}/")
            since = now
            if once:
                break
            time.sleep(every or sim.interval_s)
    except KeyboardInterrupt:
        pass
    finally:
        client.disconnect()
        client.loop_stop()
        connector.close()


def _serve_ngsi(config: Config, sim: SourceConfig, host: str, port: int) -> None:
    """The city's current state as a read-only Orion (GET /v2/entities, /v2/entities/<id>)."""
    from data_sources.fiware.publisher import CityState, make_server
    from data_sources.simulator import SimulatorSource

    # Its own name, so its asset ids ("orion:...") never meet the embedded simulator's.
    settings = SourceConfig.model_validate({**sim.model_dump(), "name": "orion"})
    source = SimulatorSource(settings, config)
    server = make_server(CityState(source, source.options.step_s), host, port)
    console.print(
        f"publishing the simulated city as NGSI-v2 on http://{host}:{port}/v2/entities "
        "(Ctrl-C stops)"
    )
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()

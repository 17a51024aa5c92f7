"""`cityops simulate --publish ngsi-v2`: the simulated city read back through the connector."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from dashboard.config import Config, SourceConfig, load_config
from data_sources.base import create
from data_sources.fiware.publisher import CityState, make_server
from data_sources.simulator import SimulatorSource

NOW = datetime(2025, 11, 12, 12, 0, tzinfo=UTC)  # 19:00 in Rạch Giá: lamps on
SIM = {"seed": 7, "lights": 200, "air_stations": 3, "water_sensors": 3}


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(env={})


@pytest.fixture(scope="module")
def published(config: Config) -> Iterator[str]:
    settings = SourceConfig.model_validate({"name": "orion", "type": "simulator", **SIM})
    source = SimulatorSource(settings, config)
    server = make_server(CityState(source, 300, clock=lambda: NOW), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_connector_reads_back_the_simulators_current_values(
    config: Config, published: str
) -> None:
    reader = create(
        SourceConfig.model_validate(
            {"name": "fw", "type": "ngsi-v2", "url": published, "page_size": 100}
        ),
        config,
    )
    batch = reader.fetch(None, NOW)
    assert batch.rejects == []
    sim = SimulatorSource(
        SourceConfig.model_validate({"name": "orion", "type": "simulator", **SIM}), config
    ).fetch(None, NOW)
    expected = {(r.asset_id, r.metric, r.ts): r.value for r in sim.all_readings()}
    got = {(r.asset_id, r.metric, r.ts): r.value for r in batch.readings}
    assert got.keys() <= expected.keys() and len(got) > 500
    assert got == pytest.approx({k: expected[k] for k in got}, abs=1e-3)
    metrics = {m for _, m, _ in got}
    assert {
        "speed_kmh",
        "volume_vph",
        "pm25_ugm3",
        "lamp_on",
        "power_w",
        "water_level_cm",
    } <= metrics
    assert {a.kind for a in batch.assets} == {
        "road_segment",
        "lamp",
        "cabinet",
        "air_station",
        "water_level",
    }
    # What the pages need besides readings: a segment's free-flow speed, a gauge's stages.
    kept = {a.id: a.attributes for a in sim.assets}
    static = ("free_flow_kmh", "length_m", "alert_stage_cm", "flood_stage_cm")
    pairs = [
        (a.attributes.get(k), kept[a.id][k])
        for a in batch.assets
        for k in static
        if k in kept[a.id]
    ]
    assert len(pairs) > 100 and all(got == pytest.approx(want, abs=0.1) for got, want in pairs)


def test_it_pages_counts_and_answers_one_entity_like_orion(published: str) -> None:
    import httpx

    page = httpx.get(
        f"{published}/v2/entities",
        params={"type": "WaterObserved", "limit": 2, "offset": 1, "options": "count,keyValues"},
    )
    assert page.headers["Fiware-Total-Count"] == "3"
    assert [e["type"] for e in page.json()] == ["WaterObserved"] * 2
    one = page.json()[0]
    assert isinstance(one["waterLevel"], float)  # keyValues: bare values
    single = httpx.get(f"{published}/v2/entities/{one['id']}")
    assert single.json()["waterLevel"]["metadata"]["unitCode"]["value"] == "MTR"
    assert httpx.get(f"{published}/v2/entities/nope").status_code == 404
    assert httpx.get(f"{published}/v2/entities", params={"limit": 5000}).status_code == 400

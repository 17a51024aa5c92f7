"""A city fed by NGSI-v2 only: what an Orion served shows on /wall and /environment.

The simulated city is published as a read-only Orion on loopback (data_sources.fiware.publisher,
what `cityops simulate --publish ngsi-v2` serves) and the app's only source is an `ngsi-v2`
source pointed at it: no simulator source. The feed is polled three times an hour apart through
the real pipeline (`run_source`: the connector's paging and `q=dateModified>=` cursor, the
store), so the hourly VN_AQI has the hours its Nowcast needs. The browser then reads what an
operator sees: the wall's tiles against what the Orion served (converted to our units) and
against /api/v1/kpis, the map's markers, and /environment's stations and gauges.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from dashboard import aqi
from dashboard.app import create_app
from dashboard.areas import Areas
from dashboard.config import Config, SourceConfig, load_config
from dashboard.figures.tiles import tile_view
from dashboard.pipeline import run_source
from dashboard.queries.wall import Kpi
from dashboard.store import Store
from data_sources.base import create
from data_sources.fiware.publisher import CityState, make_server
from data_sources.simulator import SimulatorSource
from tests.browser.conftest import served, sign_in
from tests.browser.test_wall_browser import map_traces, open_wall, tile

pytestmark = pytest.mark.browser

NOW = datetime(2025, 11, 12, 12, 0, 30, tzinfo=UTC)  # 19:00 in Rạch Giá: the lamps are on
POLLS = (NOW - timedelta(hours=2), NOW - timedelta(hours=1), NOW)
CITY = {"seed": 7, "segments": 150, "lights": 300, "air_stations": 3, "water_sensors": 3}
POLLUTANTS = {"pm25": "pm25_ugm3", "pm10": "pm10_ugm3", "no2": "no2_ugm3", "o3": "o3_ugm3"}


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Fed:
    url: str
    config: Config
    served: list[dict[str, list[dict[str, Any]]]]  # per poll: entities (keyValues) by type

    @property
    def last(self) -> dict[str, list[dict[str, Any]]]:
        return self.served[-1]


@contextmanager
def _orion(state: CityState) -> Iterator[str]:
    server = make_server(state, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _served(orion: str) -> dict[str, list[dict[str, Any]]]:
    """Every entity the Orion holds now, by type, as an operator's curl would read them."""
    rows = httpx.get(f"{orion}/v2/entities", params={"limit": 1000, "options": "keyValues"}).json()
    out: dict[str, list[dict[str, Any]]] = {}
    for e in rows:
        out.setdefault(e["type"], []).append(e)
    return out


@pytest.fixture
def fed(tmp_path: Path, page: Page) -> Iterator[Fed]:
    clock = Clock(POLLS[0])
    store = Store(f"sqlite:///{tmp_path / 'cityops.db'}")
    store.upgrade()
    city = load_config(env={}, overrides={"database": {"url": store.url}})
    published = SimulatorSource(
        SourceConfig.model_validate({"name": "orion", "type": "simulator", **CITY}), city
    )
    with _orion(CityState(published, published.options.step_s, 0, clock)) as orion:
        source = {"name": "orion", "type": "ngsi-v2", "url": orion, "page_size": 200}
        config = load_config(
            env={}, overrides={"database": {"url": store.url}, "sources": [source]}
        )
        connector = create(config.source("orion"), config)
        polls = []
        for at in POLLS:
            clock.now = at
            outcome = run_source(store, connector, Areas.from_config(config), clock=clock)
            assert (outcome.status, outcome.rejected) == ("ok", 0), outcome
            polls.append(_served(orion))
        app = create_app(config, store, clock=lambda: NOW)
        with served(app) as url:
            sign_in(page.context, url, app)
            yield Fed(url, config, polls)
    store.dispose()


def _vn_aqi(polls: list[dict[str, list[dict[str, Any]]]]) -> dict[str, int]:
    """Each station's VN_AQI in the hour of the last of `polls`, from the served values alone
    (one poll an hour, so each poll's value is its hour's mean; PM as Nowcast of the hours)."""
    out = {}
    for station in polls[-1]["AirQualityObserved"]:
        hours = [
            next(e for e in p["AirQualityObserved"] if e["id"] == station["id"]) for p in polls
        ]
        newest = hours[::-1]
        conc: dict[str, float | None] = {}
        for attr, metric in POLLUTANTS.items():
            pollutant, factor = aqi.METRIC_POLLUTANT[metric]
            values = [h[attr] for h in newest]
            value = aqi.nowcast(values) if attr.startswith("pm") else values[0]
            conc[pollutant] = None if value is None else value * factor
        co, factor = aqi.METRIC_POLLUTANT["co_mgm3"]
        conc[co] = newest[0]["co"] * factor
        result = aqi.hourly_aqi(conc)
        assert result is not None
        out[station["name"]] = result.aqi
    return out


def _shown(kpi: dict[str, Any]) -> str:
    return tile_view(Kpi(**{**kpi, "as_of": None}), "en").value


def test_an_ngsi_v2_feed_fills_the_wall_and_environment_like_the_simulator(
    fed: Fed, page: Page, shoot: Any
) -> None:
    served = fed.last
    lamps, gauges = served["Streetlight"], served["WaterObserved"]
    kpis = {k["key"]: k for k in page.request.get(f"{fed.url}/api/v1/kpis").json()["items"]}
    # What the Orion served, in our units, is what the API says ...
    segments = served["TrafficFlowObserved"]
    length_m = [s["length"] * 1000 for s in segments]
    speed = sum(s["averageVehicleSpeed"] * m for s, m in zip(segments, length_m, strict=True))
    expected = {
        "traffic.avg_speed": speed / sum(length_m),
        "lighting.on": sum(lamp["powerState"] == "on" for lamp in lamps),
        "lighting.faulty": sum(lamp["status"] != "ok" for lamp in lamps),
        "air.worst_aqi": max(_vn_aqi(fed.served).values()),
        "water.highest": max(g["waterLevel"] for g in gauges) * 100,  # m -> cm
    }
    for key, value in expected.items():
        assert kpis[key]["value"] == pytest.approx(value, abs=0.05), key
    assert 0 < expected["lighting.on"] < len(lamps) and expected["lighting.faulty"] > 0

    # ... and what the wall's tiles show.
    open_wall(page, f"{fed.url}/wall?lang=en")
    for key, kpi in kpis.items():
        expect(tile(page, key)).to_have_text(_shown(kpi))
    expect(page.locator(".wall-feed-name", has_text="orion")).to_be_visible()
    expect(page.locator("#wall-stale")).to_be_hidden()
    # The map has every asset's marker, the segments coloured by their share of free flow.
    counts = page.evaluate(
        """() => Object.fromEntries(document.querySelector('#wall-map .js-plotly-plot').data
             .map(t => [t.meta, !t.lat ? 0 : t.lat.bdata === undefined ? t.lat.length
                        : atob(t.lat.bdata).length / Number(t.lat.dtype.slice(1))]))"""
    )  # a trace's points (plotly sends long arrays base64-typed: dtype "f8" = 8 bytes each)
    assert counts["lighting.lamps"] == len(lamps), counts
    assert counts["air.stations"] == len(served["AirQualityObserved"]) == CITY["air_stations"]
    assert counts["water.gauges"] == len(gauges) == CITY["water_sensors"]
    assert counts["traffic.nodata"] == 0
    assert sum(n for k, n in counts.items() if k.startswith("traffic.")) >= len(segments)
    assert {tr["meta"] for tr in map_traces(page)} >= {"air.stations", "water.gauges"}
    shoot("wall")

    # /environment: every station with its VN_AQI from the served PM2.5, PM10, NO2, O3, CO;
    # every gauge with its level (the hours' mean, m -> cm) and its flood stage.
    page.goto(f"{fed.url}/environment?lang=en")
    by_hour = [_vn_aqi(fed.served[: i + 1]) for i in (1, 2)]  # the first hour has no Nowcast
    worst = {name: max(h[name] for h in by_hour) for name in by_hour[-1]}
    stations = page.locator("#environment-stations td[data-dash-column='name']")
    expect(stations).to_have_count(len(worst))
    names = stations.all_inner_texts()
    assert sorted(names) == sorted(worst)
    highest = page.locator("#environment-stations td[data-dash-column='aqi_max']")
    assert [float(v) for v in highest.all_inner_texts()] == [worst[n] for n in names]
    gauge_names = page.locator("#environment-gauges td[data-dash-column='name']")
    expect(gauge_names).to_have_count(len(gauges))
    levels = dict(
        zip(
            gauge_names.all_inner_texts(),
            page.locator("#environment-gauges td[data-dash-column='level_cm']").all_inner_texts(),
            strict=True,
        )
    )
    stages = page.locator("#environment-gauges td[data-dash-column='flood_stage_cm']")
    for g in gauges:
        hours = [next(e for e in p["WaterObserved"] if e["id"] == g["id"]) for p in fed.served]
        mean_cm = sum(h["waterLevel"] for h in hours) / len(hours) * 100
        assert float(levels[g["name"]].replace(",", "")) == pytest.approx(mean_cm, abs=0.05)
    assert sorted(float(s) for s in stages.all_inner_texts()) == sorted(
        round(g["dangerLevel"] * 100, 1) for g in gauges
    )
    expect(page.locator("#environment-aqi .js-plotly-plot")).to_be_visible()
    shoot("environment")

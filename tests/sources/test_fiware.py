"""The FIWARE connectors against fake brokers serving the Smart Data Models' own examples.

Stored values are the examples' values in our units; paging, tenants and the @context Link
are what a broker sees; faults are retried, then recorded on the run; the published examples'
quirks (NOTES.md §1.3) are asserted one by one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dashboard.areas import Areas
from dashboard.config import Config, SourceConfig, load_config
from dashboard.pipeline import run_source
from dashboard.store import Store
from data_sources.base import create
from data_sources.fiware.connector import NgsiConnector, NgsiSettings, map_entities
from tests.sources.fiware_fakes import Broker, fixtures, rach_gia, rach_gia_city, serve_broker
from tests.sources.loopback import Fault, Server
from tests.store.data import count, frame

AT = datetime(2025, 11, 12, 11, 0, tzinfo=UTC)
NOW = AT + timedelta(minutes=30)
FAST = {"backoff_base": 0.01, "backoff_cap": 0.05, "max_retries": 2, "read_timeout": 0.3}
KIND = {"v2-normalized": "ngsi-v2", "v2-keyValues": "ngsi-v2"}
ENC_OPTIONS = {"v2-keyValues": {"options": "keyValues"}, "ld-concise": {"options": "concise"}}


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(env={})


@pytest.fixture(scope="module")
def areas(config: Config) -> Areas:
    return Areas.from_config(config)


def connector(config: Config, kind: str, url: str, **options: Any) -> NgsiConnector:
    raw = {"name": "fw", "type": kind, "url": url, "http": FAST, **options}
    made = create(SourceConfig.model_validate(raw), config)
    assert isinstance(made, NgsiConnector)
    return made


def settings(**options: Any) -> NgsiSettings:
    return NgsiSettings(url="http://127.0.0.1:9", **options)


@pytest.fixture
def city() -> Iterator[tuple[Broker, Server]]:
    broker = Broker()
    broker.put(rach_gia_city("v2-normalized", AT, copies=2), AT)
    with serve_broker("ngsi-v2", broker) as server:
        yield broker, server


def stored(store: Store, entities: list[dict[str, Any]]) -> dict[tuple[str, str], float]:
    """The stored readings by (entity type, metric)."""
    types = {e["id"]: e["type"] for e in entities}
    rows = frame(
        store,
        "SELECT s.asset_id, s.metric, r.value FROM readings r JOIN series s ON s.id = r.series_id",
    )
    return {(types[a], m): v for a, m, v in rows.itertuples(index=False)}


# What each encoding's examples state, in our units (the copies' co is 500 µg/m³ = 0.5 mg/m³).
COMMON = {
    ("TrafficFlowObserved", "speed_kmh"): 52.6,
    ("TrafficFlowObserved", "volume_vph"): 197 * 12,  # 197 vehicles in the 5-minute interval
    ("TrafficFlowObserved", "occupancy_pct"): 76.0,
    ("AirQualityObserved", "temp_c"): 12.2,
    ("AirQualityObserved", "humidity_pct"): 54.0,
    ("Streetlight", "lamp_on"): 0.0,
    ("Streetlight", "lamp_fault"): 0.0,
    ("Streetlight", "power_w"): 10.0,
    ("StreetlightControlCabinet", "energy_kwh"): 162456.0,
}
AIR = "AirQualityObserved"
EXPECTED = {
    "v2-normalized": {
        **COMMON,
        (AIR, "no2_ugm3"): 69.0,
        (AIR, "co_mgm3"): 0.5,
        ("WaterObserved", "water_level_cm"): 240.0,
        ("FloodMonitoring", "water_level_cm"): 198.0,
    },
    # keyValues: no unitCode (co 500 is read as mg/m³ and quarantined), co2 instead of no2
    "v2-keyValues": {
        **COMMON,
        ("WaterObserved", "water_level_cm"): 240.0,
        ("FloodMonitoring", "water_level_cm"): 98.0,
    },
    "ld-normalized": {
        **COMMON,
        (AIR, "no2_ugm3"): 69.0,
        (AIR, "co_mgm3"): 0.5,
        ("FloodMonitoring", "water_level_cm"): 198.0,
    },
    # the LD WaterObserved examples carry no waterLevel at all
    "ld-concise": {
        **COMMON,
        (AIR, "no2_ugm3"): 69.0,
        ("FloodMonitoring", "water_level_cm"): 98.0,
    },
}


@pytest.mark.parametrize("encoding", list(EXPECTED))
def test_every_encoding_stores_the_examples_values_in_our_units(
    encoding: str, config: Config, areas: Areas, store: Store
) -> None:
    kind = KIND.get(encoding, "ngsi-ld")
    broker, entities = Broker(), rach_gia_city(encoding, AT)
    broker.put(entities, AT)
    with serve_broker(kind, broker) as server:
        source = connector(config, kind, server.url, **ENC_OPTIONS.get(encoding, {}))
        outcome = run_source(store, source, areas, clock=lambda: NOW)
    assert outcome.status == "ok", outcome.error
    got = stored(store, entities)
    assert got == pytest.approx(EXPECTED[encoding])
    # the citizen request, in UTC (-08:00 in the example), closed; IssueReporting placed too
    reports = frame(store, "SELECT external_id, status, category, ward FROM reports")
    assert sorted(reports["external_id"]) == ["21645", "638344"]
    assert set(reports["ward"]) == {"Phường Rạch Giá"}
    assets = frame(store, "SELECT id, ward FROM assets")
    assert set(assets["ward"]) == {"Phường Rạch Giá"}  # every copy placed in its ward
    if encoding == "v2-keyValues":
        reasons = frame(store, "SELECT reason FROM quarantine")["reason"].tolist()
        assert any("co_mgm3=500.0 outside plausible range" in r for r in reasons)


def test_pages_with_limit_and_offset_up_to_the_total_count(
    city: tuple[Broker, Server], config: Config
) -> None:
    _, server = city
    batch = connector(config, "ngsi-v2", server.url, page_size=5).fetch(None, NOW)
    assert len(batch.assets) == 12 and len(batch.reports) == 4  # 2 copies of 6 + 2 models
    offsets = [(r.arg("limit"), r.arg("offset")) for r in server.requests]
    assert offsets == [("5", "0"), ("5", "5"), ("5", "10"), ("5", "15")]
    first = server.requests[0]
    assert first.path == "/v2/entities" and first.arg("options") == "count"
    assert first.arg("attrs") == "dateModified,*" and first.arg("q") is None


def test_orion_tenant_headers_are_sent_and_another_tenant_sees_nothing(config: Config) -> None:
    broker = Broker()
    broker.put(rach_gia_city("v2-normalized", AT), AT, tenant="rachgia")
    with serve_broker("ngsi-v2", broker) as server:
        mine = connector(
            config, "ngsi-v2", server.url, service="rachgia", service_path="/traffic"
        ).fetch(None, NOW)
        other = connector(config, "ngsi-v2", server.url, service="hatien").fetch(None, NOW)
    assert len(mine.readings) > 10 and other.readings == [] and other.assets == []
    sent = server.requests[0].headers
    assert sent["fiware-service"] == "rachgia" and sent["fiware-servicepath"] == "/traffic"


def test_ngsi_ld_sends_tenant_and_context_link_and_reads_ld_json(config: Config) -> None:
    broker = Broker(content_type="application/ld+json")
    broker.put(rach_gia_city("ld-normalized", AT), AT, tenant="rg")
    context = "https://example.org/rg/context.jsonld"
    with serve_broker("ngsi-ld", broker) as server:
        batch = connector(config, "ngsi-ld", server.url, tenant="rg", context=context).fetch(
            None, NOW
        )
    assert len(batch.readings) > 10 and batch.rejects == []
    req = server.requests[0]
    assert req.headers["ngsild-tenant"] == "rg" and req.arg("count") == "true"
    assert req.headers["link"] == (
        f'<{context}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
    )
    assert "application/ld+json" in req.headers["accept"]


def test_a_refetch_stores_nothing_twice_and_asks_only_for_changes(
    city: tuple[Broker, Server], config: Config, areas: Areas, store: Store
) -> None:
    broker, server = city
    source = connector(config, "ngsi-v2", server.url)
    assert run_source(store, source, areas, clock=lambda: NOW).status == "ok"
    readings, reports = count(store, "readings"), count(store, "reports")
    again = run_source(store, source, areas, clock=lambda: NOW + timedelta(minutes=5))
    assert again.status == "ok"
    assert (count(store, "readings"), count(store, "reports")) == (readings, reports)
    # the cursor is the newest observation; the next query asks from it less the overlap
    assert server.requests[-1].arg("q") == "dateModified>=2025-11-12T10:55:00.000Z"
    later = AT + timedelta(minutes=10)
    broker.put(
        [rach_gia(fixtures("v2-normalized")["WaterObserved"], "v2-normalized", 7, later)], later
    )
    run_source(store, source, areas, clock=lambda: NOW + timedelta(minutes=10))
    assert count(store, "readings") == readings + 1


@pytest.mark.parametrize(
    ("faults", "status"),
    [
        ([Fault(status=500), Fault(status=429, retry_after="0")], "ok"),
        ([Fault(delay=1.0)], "ok"),  # slower than read_timeout once: retried
        ([Fault(status=503)] * 3, "error"),
        ([Fault(truncate=40)], "error"),
        ([Fault(content_type="text/html")], "error"),
    ],
    ids=["500-then-429", "slow", "503-thrice", "truncated-json", "wrong-content-type"],
)
def test_faults_are_retried_then_recorded_on_the_run(
    city: tuple[Broker, Server],
    config: Config,
    areas: Areas,
    store: Store,
    faults: list[Fault],
    status: str,
) -> None:
    _, server = city
    server.faults += faults
    outcome = run_source(store, connector(config, "ngsi-v2", server.url), areas, clock=lambda: NOW)
    assert outcome.status == status
    if status == "ok":
        assert count(store, "readings") > 10
    else:
        assert outcome.error and "/v2/entities" in outcome.error
        assert count(store, "readings") == 0
        runs = frame(store, "SELECT status, error FROM source_runs")
        assert runs["status"].tolist() == ["error"] and runs["error"][0] == outcome.error


# -- the published examples' quirks (NOTES.md §1.3) ------------------------------------------


def test_a_naive_timestamp_is_rejected_unless_the_source_names_its_zone() -> None:
    air = fixtures("v2-normalized")["AirQualityObserved"]  # dateObserved 2016-03-15T11:00:00
    refused = map_entities([air], settings())
    assert refused.readings == [] and len(refused.assets) == 1
    assert "has no time zone" in refused.rejects[0].reason
    assert "naive_timezone" in refused.rejects[0].reason and refused.rejects[0].payload == air
    madrid = map_entities([air], settings(naive_timezone="Europe/Madrid"))
    assert {r.ts for r in madrid.readings} == {datetime(2016, 3, 15, 10, 0, tzinfo=UTC)}


def test_an_interval_date_observed_dates_the_reading_at_its_end_and_rates_the_count() -> None:
    for encoding in ("v2-normalized", "ld-normalized"):  # LD: a zone-less start + From/To pair
        flow = map_entities([fixtures(encoding)["TrafficFlowObserved"]], settings())
        by_metric = {r.metric: r for r in flow.readings}
        assert by_metric["volume_vph"].ts == datetime(2016, 12, 7, 11, 15, tzinfo=UTC)
        assert by_metric["volume_vph"].value == 197 * 3600 / 300
    instant = dict(fixtures("v2-keyValues")["TrafficFlowObserved"])
    for key in ("dateObservedFrom", "dateObservedTo"):
        instant.pop(key)
    instant["dateObserved"] = "2016-12-07T11:15:00Z"
    alone = map_entities([instant], settings())
    assert {r.metric for r in alone.readings} == {"speed_kmh", "occupancy_pct"}
    assert "is an instant, not an interval" in alone.rejects[0].reason


def test_swapped_water_observed_is_kept_where_it_says_and_an_impossible_point_refused(
    config: Config, areas: Areas
) -> None:
    water = fixtures("v2-keyValues")["WaterObserved"]  # [43.66481, 7.196545]: lat/lon swapped
    batch = map_entities([water], settings())
    assert batch.assets[0].geometry["coordinates"] == [43.66481, 7.196545]
    placed = areas.place_assets(batch.assets)[0]
    assert placed.ward is None and placed.zone is None  # outside the city, never guessed
    swapped = {**water, "location": {"type": "Point", "coordinates": [10.01, 105.08]}}
    refused = map_entities([swapped], settings())
    assert refused.assets == [] and "swapped?" in refused.rejects[0].reason


def test_unmapped_attributes_are_ignored_and_a_wrong_unit_code_is_named() -> None:
    ld = fixtures("ld-normalized")
    # the LD service request's expected_datetime "…-08:00Z" is malformed, and not mapped
    request = map_entities([ld["service_requests"]], settings())
    assert request.rejects == [] and request.reports[0].created_at == datetime(
        2010, 4, 14, 14, 37, 38, tzinfo=UTC
    )
    # FloodMonitoring LD's "type": "string" attributes still read; it has no location though
    flood = map_entities([ld["FloodMonitoring"]], settings())
    assert flood.rejects[0].reason.endswith("has no location")
    air = {**ld["AirQualityObserved"], "dateObserved": "2016-03-15T11:00:00Z"}
    air["no2"] = {"type": "Property", "value": 69, "unitCode": "PPB"}
    mixed = map_entities([air], settings())
    assert [r.reason for r in mixed.rejects] == [
        "AirQualityObserved.no2 has unitCode 'PPB', not a known UN/CEFACT code"
    ]
    assert {r.metric for r in mixed.readings} == {"co_mgm3", "temp_c", "humidity_pct"}


def test_report_categories_come_from_the_map_then_a_sensible_default() -> None:
    v2 = fixtures("v2-normalized")
    issue = rach_gia(v2["IssueReporting"], "v2-normalized", 0, AT)  # "Road Repair"
    request = rach_gia(v2["service_requests"], "v2-normalized", 0, AT)  # 234 "Aceras"
    default = map_entities([issue, request], settings())
    assert [r.category for r in default.reports] == ["pothole", "other"]
    assert default.reports[0].status == "acknowledged"  # resolutionStatus "Assigned"
    mapped = map_entities([request], settings(category_map={"234": "encroachment"}))
    assert mapped.reports[0].category == "encroachment"
    with pytest.raises(ValueError, match="not our categories"):
        settings(category_map={"234": "sidewalks"})

"""/api/v1 answers with exactly what was stored (both databases), in the documented shapes."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from shapely.geometry import shape

from dashboard.records import METRICS
from tests.api.seed import ASSETS, NOW, REPORTS, WARD_A, WARD_B, Seed


def iso(ts) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_assets_are_a_valid_geojson_feature_collection(client: FlaskClient) -> None:
    r = client.get("/api/v1/assets")
    assert r.status_code == 200
    assert r.mimetype == "application/geo+json"
    body = r.get_json(force=True)
    assert body["type"] == "FeatureCollection"
    assert [f["id"] for f in body["features"]] == sorted(a.id for a in ASSETS)
    by_id = {a.id: a for a in ASSETS}
    for feature in body["features"]:
        asset = by_id[feature["id"]]
        assert feature["type"] == "Feature"
        assert shape(feature["geometry"]).is_valid
        assert feature["geometry"] == asset.geometry
        assert feature["properties"] == {
            "id": asset.id,
            "domain": asset.domain,
            "kind": asset.kind,
            "name": asset.name,
            "ward": asset.ward,
            "zone": asset.zone,
        }


def test_assets_filter_by_domain_and_ward(client: FlaskClient) -> None:
    def ids(query: str) -> list[str]:
        return [
            f["id"] for f in client.get(f"/api/v1/assets?{query}").get_json(force=True)["features"]
        ]

    assert ids("domain=lighting") == ["light-00001"]
    assert ids(f"ward={WARD_B}") == ["air-station-01"]
    assert ids(f"domain=traffic&ward={WARD_A}") == ["traffic-seg-0001"]
    assert ids(f"domain=traffic&ward={WARD_B}") == []


def test_latest_is_the_newest_stored_value_with_its_unit(client: FlaskClient, seeded: Seed) -> None:
    body = client.get("/api/v1/latest?metric=pm25_ugm3").get_json()
    newest = seeded.pm25[-1]
    assert body["items"] == [
        {
            "asset_id": "air-station-01",
            "metric": "pm25_ugm3",
            "ts": iso(newest.ts),
            "value": newest.value,
            "unit": METRICS["pm25_ugm3"].unit,
        }
    ]
    every = client.get("/api/v1/latest").get_json()["items"]
    assert {(i["asset_id"], i["metric"]) for i in every} == {
        ("air-station-01", "pm25_ugm3"),
        ("traffic-seg-0001", "speed_kmh"),
        ("light-00001", "lamp_on"),
    }
    assert all(i["unit"] == METRICS[i["metric"]].unit for i in every)
    in_ward = client.get(f"/api/v1/latest?ward={WARD_A}&domain=traffic").get_json()["items"]
    assert [(i["asset_id"], i["value"]) for i in in_ward] == [
        ("traffic-seg-0001", seeded.speed[-1].value)
    ]


def test_raw_readings_are_the_stored_values(client: FlaskClient, seeded: Seed) -> None:
    start, end = seeded.pm25[0].ts, seeded.pm25[-1].ts + timedelta(seconds=1)
    r = client.get(
        "/api/v1/readings",
        query_string={
            "asset": "air-station-01",
            "metric": "pm25_ugm3",
            "start": iso(start),
            "end": iso(end),
        },
    )
    body = r.get_json()
    assert r.status_code == 200
    assert body["unit"] == "µg/m³" and body["resolution"] == "raw" and not body["truncated"]
    assert body["items"] == [{"ts": iso(x.ts), "value": x.value} for x in seeded.pm25]
    assert body["count"] == len(seeded.pm25)


def test_default_window_is_the_last_day_up_to_now(client: FlaskClient, seeded: Seed) -> None:
    body = client.get("/api/v1/readings?asset=traffic-seg-0001&metric=speed_kmh").get_json()
    assert body["end"] == iso(NOW)
    assert body["start"] == iso(NOW - timedelta(hours=24))
    assert [i["value"] for i in body["items"]] == [x.value for x in seeded.speed]


@pytest.mark.parametrize("resolution,width", [("5m", 300), ("1h", 3600)])
def test_rollup_mean_is_sum_over_count(
    client: FlaskClient, seeded: Seed, resolution: str, width: int
) -> None:
    buckets: dict[int, list[float]] = defaultdict(list)
    for x in seeded.pm25:
        t = int(x.ts.timestamp())
        buckets[t - t % width].append(x.value)
    body = client.get(
        "/api/v1/readings",
        query_string={"asset": "air-station-01", "metric": "pm25_ugm3", "resolution": resolution},
    ).get_json()
    got = {i["ts"]: i for i in body["items"]}
    assert len(got) == len(buckets)
    for start, values in buckets.items():
        item = got[iso(NOW.fromtimestamp(start, NOW.tzinfo))]
        assert item["count"] == len(values)
        assert item["mean"] == pytest.approx(sum(values) / len(values))
        assert (item["min"], item["max"]) == (min(values), max(values))


def test_row_cap_truncates_and_next_start_continues(client: FlaskClient, seeded: Seed) -> None:
    q = {"asset": "air-station-01", "metric": "pm25_ugm3", "limit": "50"}
    first = client.get("/api/v1/readings", query_string=q).get_json()
    assert first["truncated"] and first["count"] == 50
    assert first["next_start"] == iso(seeded.pm25[50].ts)
    rest = client.get(
        "/api/v1/readings", query_string={**q, "start": first["next_start"], "limit": "1000"}
    )
    values = [i["value"] for i in first["items"]] + [i["value"] for i in rest.get_json()["items"]]
    assert values == [x.value for x in seeded.pm25]


def test_times_with_an_offset_or_none_mean_the_same_instant(client: FlaskClient) -> None:
    q = {"asset": "air-station-01", "metric": "pm25_ugm3"}
    utc = client.get(
        "/api/v1/readings", query_string={**q, "start": "2025-06-02T02:00:00Z"}
    ).get_json()
    local = client.get("/api/v1/readings", query_string={**q, "start": "2025-06-02T09:00:00+07:00"})
    naive = client.get("/api/v1/readings", query_string={**q, "start": "2025-06-02T09:00:00"})
    assert (
        utc["start"]
        == local.get_json()["start"]
        == naive.get_json()["start"]
        == "2025-06-02T02:00:00Z"
    )
    assert utc["count"] == 60


def test_reports_filter_by_status_ward_and_since(client: FlaskClient) -> None:
    def ext_ids(query: str) -> list[str]:
        return [
            i["external_id"] for i in client.get(f"/api/v1/reports?{query}").get_json()["items"]
        ]

    assert ext_ids("") == [
        r.external_id for r in sorted(REPORTS, key=lambda r: r.updated_at, reverse=True)
    ]
    assert ext_ids("status=in_progress") == ["RG-2025-00002"]
    assert ext_ids(f"ward={WARD_B}") == ["RG-2025-00003"]
    assert ext_ids("since=2025-06-02T05:00:00%2B07:00") == ["RG-2025-00001", "RG-2025-00002"]
    one = client.get("/api/v1/reports?status=closed").get_json()["items"][0]
    stored = REPORTS[2]
    assert one["closed_at"] == iso(stored.closed_at)
    assert (one["category"], one["lon"], one["lat"]) == (stored.category, stored.lon, stored.lat)
    assert client.get("/api/v1/reports?limit=1").get_json()["truncated"] is True


def test_sources_lists_every_configured_feed(client: FlaskClient, seeded: Seed) -> None:
    items = client.get("/api/v1/sources").get_json()["items"]
    assert [i["name"] for i in items] == [s.name for s in seeded.config.sources]
    sim = items[0]
    # Its age is its newest reading's (a minute old), not its last run's (40 s).
    assert (sim["rows"], sim["rejected"], sim["age_s"]) == (144, 1, 60.0)
    assert sim["next_run"] == iso(NOW + timedelta(seconds=20))


@pytest.mark.parametrize(
    "query,parameter",
    [
        ("/api/v1/assets?domain=sewage", "domain"),
        ("/api/v1/latest?domain=Traffic", "domain"),
        ("/api/v1/latest?metric=pm2.5", "metric"),
        ("/api/v1/readings?metric=pm25_ugm3", "asset"),
        ("/api/v1/readings?asset=air-station-01", "metric"),
        ("/api/v1/readings?asset=air-station-01&metric=pm25_ugm3&resolution=15m", "resolution"),
        ("/api/v1/readings?asset=air-station-01&metric=pm25_ugm3&start=yesterday", "start"),
        ("/api/v1/readings?asset=air-station-01&metric=pm25_ugm3&end=2025-13-01", "end"),
        (
            "/api/v1/readings?asset=air-station-01&metric=pm25_ugm3"
            "&start=2025-06-02T03:00:00Z&end=2025-06-02T02:00:00Z",
            "start",
        ),
        ("/api/v1/readings?asset=air-station-01&metric=pm25_ugm3&limit=0", "limit"),
        ("/api/v1/reports?status=resolved", "status"),
        ("/api/v1/reports?since=02/06/2025", "since"),
        ("/api/v1/reports?limit=many", "limit"),
        ("/api/v1/reports?limit=%C2%B2", "limit"),  # "²" passes str.isdigit
        ("/api/v1/readings?asset=air-station-01&metric=pm25_ugm3&limit=%C2%B2", "limit"),
        (
            "/api/v1/readings?asset=air-station-01&metric=pm25_ugm3&start=0001-01-01T00:00:00",
            "start",
        ),
        (
            "/api/v1/readings?asset=air-station-01&metric=pm25_ugm3&end=9999-12-31T23:59:59-05:00",
            "end",
        ),
        ("/api/v1/reports?since=0001-01-01", "since"),
    ],
)
def test_bad_parameter_is_a_400_naming_it(client: FlaskClient, query: str, parameter: str) -> None:
    r = client.get(query)
    assert r.status_code == 400
    body = r.get_json()
    assert body["error"] == "bad_parameter"
    assert body["parameter"] == parameter
    assert parameter in body["message"] or "before" in body["message"]


def test_unknown_asset_is_a_404(client: FlaskClient) -> None:
    r = client.get("/api/v1/readings?asset=no-such-asset&metric=pm25_ugm3")
    assert r.status_code == 404
    assert r.get_json()["parameter"] == "asset"

"""/api/v1/alerts: the engine's alerts, filtered and paged, for signed-in users only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from dashboard.auth import Role
from dashboard.store.alerts import AlertView
from tests.api.alert_seed import open_alerts
from tests.api.seed import WARD_A, WARD_B, Seed


@pytest.fixture
def alerts(seeded: Seed) -> dict[str, AlertView]:
    return open_alerts(seeded.store)


def _ids(client: FlaskClient, query: str = "") -> list[int]:
    r = client.get(f"/api/v1/alerts?{query}")
    assert r.status_code == 200, r.get_json()
    return [a["id"] for a in r.get_json()["items"]]


def test_alerts_newest_first_in_the_documented_shape(
    client: FlaskClient, alerts: dict[str, AlertView]
) -> None:
    body = client.get("/api/v1/alerts").get_json()
    assert [a["rule"] for a in body["items"]] == ["water-flood-stage", "air-bad", "traffic-jam"]
    assert (body["count"], body["total"], body["truncated"], body["next_offset"]) == (
        3,
        3,
        False,
        None,
    )
    flood = body["items"][0]
    assert flood["severity"] == "critical" and flood["status"] == "open"
    assert flood["opened_at"] == "2025-06-02T02:30:00Z"
    assert flood["value"] == 152.0 and flood["threshold"] == 140.0 and flood["unit"] == "cm"
    assert flood["acknowledged_at"] is None and flood["resolved_at"] is None
    air = body["items"][1]
    assert air["status"] == "acknowledged" and air["acknowledged_by"] == "op1"
    assert air["ack_comment"] == "đã báo Sở TN&MT"
    assert air["acknowledged_at"] == "2025-06-02T01:30:00Z"
    doc = client.get("/api/v1/openapi.json").get_json()
    schema = doc["paths"]["/api/v1/alerts"]["get"]["responses"]["200"]["content"]
    item = schema["application/json"]["schema"]["properties"]["items"]["items"]
    assert set(item["properties"]) == set(flood)


def test_alerts_filter_by_status_severity_domain_ward_since(
    client: FlaskClient, alerts: dict[str, AlertView]
) -> None:
    flood, air, jam = alerts["flood"].id, alerts["air"].id, alerts["jam"].id
    assert _ids(client, "status=open") == [flood]
    assert _ids(client, "status=unresolved") == [flood, air]
    assert _ids(client, "status=resolved") == [jam]
    assert _ids(client, "severity=warning") == [air, jam]
    assert _ids(client, "domain=traffic") == [jam]
    assert _ids(client, f"ward={WARD_A}") == [flood, jam]
    assert _ids(client, f"ward={WARD_B}&status=resolved") == []
    # without an offset, since is city time: 08:00 in Rạch Giá is 01:00 UTC
    assert _ids(client, "since=2025-06-02T08:00") == [flood, air]
    assert _ids(client, "since=2025-06-02T02:00:00Z") == [flood]


def test_alerts_page_by_offset(client: FlaskClient, alerts: dict[str, AlertView]) -> None:
    first = client.get("/api/v1/alerts?limit=2").get_json()
    assert [a["id"] for a in first["items"]] == [alerts["flood"].id, alerts["air"].id]
    assert first["truncated"] is True and first["next_offset"] == 2 and first["total"] == 3
    rest = client.get(f"/api/v1/alerts?limit=2&offset={first['next_offset']}").get_json()
    assert [a["id"] for a in rest["items"]] == [alerts["jam"].id]
    assert rest["truncated"] is False and rest["next_offset"] is None


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("offset=-1", "offset"),
        ("since=yesterday", "since"),
        (f"ward={WARD_A}&ward={WARD_B}", "ward"),
    ],
)
def test_alerts_bad_parameters_are_400(client: FlaskClient, query: str, parameter: str) -> None:
    r = client.get(f"/api/v1/alerts?{query}")
    assert r.status_code == 400
    assert r.get_json()["parameter"] == parameter


def test_alerts_need_a_signed_in_user(
    client_as: Callable[[Role | None], FlaskClient], alerts: dict[str, AlertView]
) -> None:
    assert client_as(None).get("/api/v1/alerts").status_code == 401
    assert len(client_as("viewer").get("/api/v1/alerts").get_json()["items"]) == 3

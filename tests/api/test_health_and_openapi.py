"""/healthz (200 with every source's health; 503 when the database is gone) and the OpenAPI doc."""

from __future__ import annotations

import shutil
from pathlib import Path

import dash
import pytest
from flask.testing import FlaskClient

from dashboard.api import ROUTES
from dashboard.app import create_app
from dashboard.config import Config
from dashboard.open311 import PREFIX as OPEN311
from dashboard.store import Store
from tests.api.seed import EXPECTED_HEALTH, NOW, SOURCES, Seed


def test_healthz_reports_each_source(client: FlaskClient, seeded: Seed) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.get_json()
    assert body["database"]["reachable"] is True
    assert body["database"]["dialect"] == seeded.store.dialect
    assert {s["name"]: s["health"] for s in body["sources"]} == EXPECTED_HEALTH
    assert body["status"] == "degraded"  # ngsi-city fails, open311 is stale
    assert {s["name"]: s["stale"] for s in body["sources"]}["open311"] is True
    assert body["time"] == "2025-06-02T03:00:00Z"


def _health_of(store: Store) -> tuple[int, dict]:
    app = create_app(Config(sources=SOURCES), store, clock=lambda: NOW)
    try:
        r = app.server.test_client().get("/healthz")
        return r.status_code, r.get_json()
    finally:
        dash.page_registry.clear()
        store.dispose()


def test_healthz_is_503_when_the_sqlite_folder_is_gone(tmp_path: Path) -> None:
    folder = tmp_path / "gone"
    store = Store(f"sqlite:///{folder / 'cityops.db'}")  # creates the folder...
    shutil.rmtree(folder)  # ...which then disappears
    code, body = _health_of(store)
    assert code == 503
    assert body["status"] == "unavailable"
    assert body["database"]["reachable"] is False
    assert [s["name"] for s in body["sources"]] == [s.name for s in SOURCES]
    assert {s["health"] for s in body["sources"]} == {"unknown"}


def test_healthz_is_503_when_no_postgres_server_listens() -> None:
    code, body = _health_of(Store("postgresql://postgres@127.0.0.1:9/test?connect_timeout=2"))
    assert code == 503
    assert body["database"] == {
        "reachable": False,
        "dialect": "postgresql",
        "error": "the database does not answer",
    }


def test_healthz_is_503_when_the_schema_is_missing(tmp_path: Path) -> None:
    code, body = _health_of(Store(f"sqlite:///{tmp_path / 'empty.db'}"))
    assert code == 503
    assert body["database"]["reachable"] is True
    assert "OperationalError" in body["database"]["error"]


def test_openapi_documents_every_route(client: FlaskClient, app: dash.Dash) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    api_paths = {p: item for p, item in doc["paths"].items() if not p.startswith(OPEN311)}
    assert set(api_paths) == set(ROUTES)  # the Open311 part: tests/open311
    served = {r.rule for r in app.server.url_map.iter_rules()}
    assert set(ROUTES) <= served
    for item in api_paths.values():
        op = item["get"]
        assert op["summary"]
        assert "schema" in next(iter(op["responses"]["200"]["content"].values()))
        assert op["responses"]["400"] == {"$ref": "#/components/responses/BadParameter"}
    params = {p["name"]: p for p in doc["paths"]["/api/v1/readings"]["get"]["parameters"]}
    assert params["asset"]["required"] and params["metric"]["required"]
    assert params["resolution"]["schema"]["enum"] == ["raw", "5m", "1h"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/assets", "/api/v1/latest", "/api/v1/readings", "/api/v1/reports", "/api/v1/alerts"],
)
def test_every_documented_enum_is_enforced(client: FlaskClient, path: str) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    base = {"asset": "air-station-01", "metric": "pm25_ugm3"} if path.endswith("readings") else {}
    for p in doc["paths"][path]["get"]["parameters"]:
        if "enum" not in p["schema"]:
            continue
        r = client.get(path, query_string={**base, p["name"]: "not-a-value"})
        assert r.status_code == 400, p["name"]
        assert r.get_json()["parameter"] == p["name"]

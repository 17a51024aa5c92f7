"""While the database is down, the API and callbacks say so with a JSON 503 (as /healthz
does), never an HTML 500."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import dash
import pytest
from flask.testing import FlaskClient

from dashboard.api import ROUTES
from dashboard.app import create_app
from dashboard.auth.sessions import COOKIE
from dashboard.context import current_context
from dashboard.store import Store
from tests.api.seed import NOW, seed_store
from tests.signin import session_secret

API_ROUTES = [path for path in ROUTES if path.startswith("/api/v1/")]


@pytest.fixture
def signed_in_then_down(tmp_path: Path) -> Iterator[FlaskClient]:
    """A client signed in on a seeded SQLite store whose file then disappears."""
    folder = tmp_path / "db"
    store = Store(f"sqlite:///{folder / 'cityops.db'}")
    store.upgrade()
    seed = seed_store(store)
    app = create_app(seed.config, store, clock=lambda: NOW)
    client = app.server.test_client(role=None)
    with app.server.app_context():
        secret = session_secret(current_context(), "admin")
    client.set_cookie(COOKIE, secret)
    assert client.get("/api/v1/kpis").status_code == 200
    store.dispose()
    shutil.rmtree(folder)  # the database is gone; new connections fail
    yield client
    dash.page_registry.clear()
    store.dispose()


@pytest.mark.parametrize("path", API_ROUTES)
def test_api_answers_json_503_while_the_database_is_down(
    signed_in_then_down: FlaskClient, path: str
) -> None:
    r = signed_in_then_down.get(path)
    assert r.status_code == 503
    assert r.mimetype == "application/json"
    assert r.get_json()["error"] == "database_unavailable"
    assert r.headers["Retry-After"]


def test_the_503_is_documented(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in API_ROUTES:
        assert doc["paths"][path]["get"]["responses"]["503"] == {
            "$ref": "#/components/responses/Unavailable"
        }
    assert "Unavailable" in doc["components"]["responses"]


def test_callbacks_answer_json_503_while_the_database_is_down(
    signed_in_then_down: FlaskClient,
) -> None:
    body = {
        "output": "sources-history.data",
        "outputs": {"id": "sources-history", "property": "data"},
        "inputs": [
            {"id": "sources-pick", "property": "value", "value": "sim"},
            {"id": "sources-interval", "property": "n_intervals", "value": 1},
        ],
        "state": [{"id": "sources-lang", "property": "data", "value": "vi"}],
        "changedPropIds": ["sources-pick.value"],
    }
    r = signed_in_then_down.post("/_dash-update-component", json=body)
    assert r.status_code == 503
    assert r.get_json()["error"] == "database_unavailable"

"""Fixtures for page tests: the seeded store of tests.api.seed, an app on it, and a way to
call a callback the way the Dash renderer does (POST /_dash-update-component)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient

from dashboard.app import create_app
from dashboard.store import Store
from tests.api.seed import NOW, Seed, seed_store


@pytest.fixture
def seeded(store: Store) -> Seed:
    return seed_store(store)


@pytest.fixture
def app(seeded: Seed) -> Iterator[dash.Dash]:
    yield create_app(seeded.config, seeded.store, clock=lambda: NOW)
    dash.page_registry.clear()


@pytest.fixture
def client(app: dash.Dash) -> FlaskClient:
    client = app.server.test_client()
    assert client.get("/sources").status_code == 200  # the first request sets up routing
    return client


def _spec(ref: str) -> dict[str, str]:
    ident, prop = ref.rsplit(".", 1)
    return {"id": ident, "property": prop}


def call_callback(
    client: FlaskClient,
    output: str,
    inputs: dict[str, Any],
    state: dict[str, Any] | None = None,
    changed: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, dict[str, Any]]:
    """POST the body the renderer sends for the callback whose output key is `output`.

    `inputs`/`state` map "id.property" to values, in the callback's order (as listed by
    /_dash-dependencies, which is checked). Returns {component id: {property: value}}.
    """
    deps = {d["output"]: d for d in client.get("/_dash-dependencies").get_json()}
    dep = deps[output]
    assert [f"{i['id']}.{i['property']}" for i in dep["inputs"]] == list(inputs)
    assert [f"{s['id']}.{s['property']}" for s in dep["state"]] == list(state or {})
    outs = [_spec(o) for o in output.strip(".").split("...")] if output.startswith("..") else None
    body = {
        "output": output,
        "outputs": outs if outs is not None else _spec(output),
        "inputs": [{**_spec(k), "value": v} for k, v in inputs.items()],
        "state": [{**_spec(k), "value": v} for k, v in (state or {}).items()],
        "changedPropIds": [changed or next(iter(inputs))],
    }
    r = client.post("/_dash-update-component", json=body, headers=headers or {})
    assert r.status_code == 200, r.data[:500]
    return r.get_json()["response"]

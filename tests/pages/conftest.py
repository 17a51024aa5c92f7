"""Fixtures for page tests: the seeded store of tests.api.seed, an app on it, and a way to
call a callback the way the Dash renderer does (POST /_dash-update-component)."""

from __future__ import annotations

import json
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse


@pytest.fixture
def client(app: dash.Dash) -> FlaskClient:
    client = app.server.test_client()
    assert client.get("/sources").status_code == 200  # the first request sets up routing
    return client


def _spec(ref: str) -> dict[str, Any]:
    ident, prop = ref.rsplit(".", 1)
    return {"id": json.loads(ident) if ident.startswith("{") else ident, "property": prop}


def prop_key(ident: str | dict[str, Any], prop: str) -> str:
    """The "id.property" key the renderer uses (a pattern id as compact JSON, keys sorted)."""
    if isinstance(ident, dict):
        ident = json.dumps(ident, sort_keys=True, separators=(",", ":"))
    return f"{ident}.{prop}"


def post_callback(
    client: FlaskClient,
    output: str,
    inputs: list[Any],
    state: list[Any],
    changed: str,
    headers: dict[str, str] | None = None,
) -> TestResponse:
    """POST the renderer's body for the callback whose output key is `output`, as given.

    `inputs`/`state` are the renderer's lists: {id, property, value} for a plain dependency,
    a list of them for an ALL wildcard; `changed` is the "id.property" key that fired.
    Returns the raw response (200 with outputs, or 204 when the callback prevented an update).
    """
    deps = {d["output"]: d for d in client.get("/_dash-dependencies").get_json()}
    assert output in deps, sorted(deps)
    refs = output.strip(".").split("...") if output.startswith("..") else [output]
    outs = [_spec(ref) for ref in refs]
    body = {
        "output": output,
        "outputs": outs if output.startswith("..") else outs[0],
        "inputs": inputs,
        "state": state,
        "changedPropIds": [changed],
    }
    return client.post("/_dash-update-component", json=body, headers=headers or {})


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
    dep = {d["output"]: d for d in client.get("/_dash-dependencies").get_json()}[output]
    assert [f"{i['id']}.{i['property']}" for i in dep["inputs"]] == list(inputs)
    assert [f"{s['id']}.{s['property']}" for s in dep["state"]] == list(state or {})
    r = post_callback(
        client,
        output,
        [{**_spec(k), "value": v} for k, v in inputs.items()],
        [{**_spec(k), "value": v} for k, v in (state or {}).items()],
        changed or next(iter(inputs)),
        headers,
    )
    assert r.status_code == 200, r.data[:500]
    return r.get_json()["response"]

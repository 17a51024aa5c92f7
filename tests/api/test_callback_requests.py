"""Callback requests that do not fit their callback are a 400, never a 500: every callback of
the app, posted with its inputs missing or without values, and the page router asked for an
address without its leading slash."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient

from dashboard.auth import Role

CALLBACK = "/_dash-update-component"


def _wire(declared: dict[str, Any]) -> Any:
    """A declared input, state or output as the browser sends it when no component has a
    value for it: no `value`; a pattern matching ALL is a list (here of no components)."""
    ident, prop = declared["id"], declared["property"]
    if not ident.startswith("{"):
        return {"id": ident, "property": prop}
    return [] if '["ALL' in ident else {"id": json.loads(ident), "property": prop}


def _outputs(app: dash.Dash, output: str) -> Any:
    spec = app.callback_map[output]
    if spec.get("no_output"):
        return []
    outs = spec["output"]
    return [_wire(o.to_dict()) for o in outs] if isinstance(outs, list) else _wire(outs.to_dict())


def _dependencies(client: FlaskClient) -> list[dict[str, Any]]:
    deps = client.get("/_dash-dependencies").get_json()
    assert len(deps) > 40
    return deps


def test_every_callback_with_its_inputs_missing_is_a_400(
    client: FlaskClient, app: dash.Dash
) -> None:
    answers = {}
    for dep in _dependencies(client):
        body: dict[str, Any] = {"output": dep["output"], "changedPropIds": []}
        if dep["output"] in app.callback_map and not dep.get("clientside_function"):
            body["outputs"] = _outputs(app, dep["output"])
        answers[dep["output"]] = client.post(CALLBACK, json=body).status_code
    declared = {d["output"]: d["inputs"] for d in _dependencies(client)}
    assert {o: c for o, c in answers.items() if c >= 500} == {}
    assert {o: c for o, c in answers.items() if declared[o] and c != 400} == {}


def test_every_callback_with_inputs_that_have_no_value_never_5xx(
    client: FlaskClient, app: dash.Dash
) -> None:
    answers = {}
    for dep in _dependencies(client):
        body = {
            "output": dep["output"],
            "inputs": [_wire(i) for i in dep["inputs"]],
            "state": [_wire(s) for s in dep["state"]],
            "changedPropIds": [],
        }
        if dep["output"] in app.callback_map:
            body["outputs"] = _outputs(app, dep["output"])
        answers[dep["output"]] = client.post(CALLBACK, json=body).status_code
    assert {o: c for o, c in answers.items() if c >= 500} == {}
    clientside = [d["output"] for d in _dependencies(client) if d.get("clientside_function")]
    assert clientside and {answers[o] for o in clientside} == {400}
    refresh = next(o for o in answers if o.startswith("..wall-map.figure...wall-version.data"))
    assert answers[refresh] == 400  # no boot data: the wall refresh cannot place its map


@pytest.mark.parametrize("role", ["viewer", "admin"])
@pytest.mark.parametrize("pathname", ["admin", "", "wall"])
def test_the_page_router_without_a_leading_slash_is_a_400(
    client_as: Callable[[Role | None], FlaskClient], role: Role, pathname: str
) -> None:
    router = ".._pages_content.children..._pages_store.data.."
    body = {
        "output": router,
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": pathname},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "changedPropIds": ["_pages_location.pathname"],
    }
    r = client_as(role).post(CALLBACK, json=body)
    assert 400 <= r.status_code < 500
    assert r.is_json

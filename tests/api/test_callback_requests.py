"""Callback requests that do not fit their callback are a 400, never a 500: every callback of
the app, posted with its inputs missing or without values, and the page router asked for an
address without its leading slash."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
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


# Values of the wrong type, as a browser never sends them but anyone can: where a string, a
# number, a list or a dict belongs (and one of each shape with the wrong things inside).
WRONG_TYPES: dict[str, Any] = {
    "dict": {"x": 1},
    "int": 5,
    "float": -1.5,
    "list": [1],
    "str": "x",
    "bool": True,
    "list-of-dicts": [{"x": 1}],
    "list-of-lists": [["x"]],
    "dict-of-wrong": {"points": "x", "row": "x", "column_id": 1, "row_id": {}, "name": 1},
}
ONE_AT_A_TIME = ("dict", "int", "list", "str", "bool")  # the slow test: the plain kinds
ROUTER = ".._pages_content.children..._pages_store.data.."
# An input's type is checked before the store is read: SQLite alone keeps the tests fast.
on_sqlite = pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)


def _id_key(ident: Any) -> str:
    return (
        json.dumps(ident, sort_keys=True, separators=(",", ":"))
        if isinstance(ident, dict)
        else ident
    )


def _components(node: Any) -> Iterator[dict[str, Any]]:
    """Every component (its props) in a layout as Dash serialises it."""
    if isinstance(node, list):
        for item in node:
            yield from _components(item)
    elif isinstance(node, dict):
        if "type" in node and isinstance(node.get("props"), dict):
            yield node["props"]
        for value in (node.get("props") or node).values():
            yield from _components(value)


def _page_values(client: FlaskClient) -> list[dict[str, Any]]:
    """The components of every page's layout (with an id), as the browser holds them."""
    found = []
    for path in (
        "/wall",
        "/traffic",
        "/lighting",
        "/environment",
        "/alerts",
        "/reports",
        "/sources",
        "/admin",
    ):
        body = {
            "output": ROUTER,
            "outputs": [
                {"id": "_pages_content", "property": "children"},
                {"id": "_pages_store", "property": "data"},
            ],
            "inputs": [
                {"id": "_pages_location", "property": "pathname", "value": path},
                {"id": "_pages_location", "property": "search", "value": ""},
            ],
            "changedPropIds": ["_pages_location.pathname"],
        }
        layout = client.post(CALLBACK, json=body).get_json()["response"]["_pages_content"]
        found += [c for c in _components(layout) if "id" in c]
    return found


def _shown(components: list[dict[str, Any]], declared: dict[str, Any]) -> Any:
    """A declared input or state holding what the pages' layouts gave it (a click count of
    1 where none did, so that buttons act); a pattern: the layouts' components it matches."""
    ident, prop = declared["id"], declared["property"]
    default = 1 if prop in ("n_clicks", "n_intervals") else None
    if not ident.startswith("{"):
        value = next((c.get(prop) for c in components if c["id"] == ident), default)
        return {"id": ident, "property": prop, "value": value}
    pattern = json.loads(ident)
    matched = [
        {"id": c["id"], "property": prop, "value": c.get(prop, default)}
        for c in components
        if isinstance(c["id"], dict)
        and c["id"].keys() == pattern.keys()
        and all(isinstance(v, list) or c["id"][k] == v for k, v in pattern.items())
    ]
    return matched if '["ALL' in ident else (matched[0] if matched else _valued(declared, default))


def _valued(declared: dict[str, Any], value: Any) -> Any:
    """A declared input or state as the browser would send it holding `value`; a pattern
    matching ALL is a list of one component (its wildcards named "x")."""
    ident, prop = declared["id"], declared["property"]
    if not ident.startswith("{"):
        return {"id": ident, "property": prop, "value": value}
    named = {k: "x" if isinstance(v, list) else v for k, v in json.loads(ident).items()}
    item = {"id": named, "property": prop, "value": value}
    return [item] if '["ALL' in ident else item


def _post_with(
    client: FlaskClient,
    app: dash.Dash,
    dep: dict[str, Any],
    sent: list[Any],
    changed: int | None = None,
) -> int:
    """POST `dep` with its inputs then its state as `sent`; the input numbered `changed` (or
    every input holding a value) is the one that fired."""
    n_inputs = len(dep["inputs"])
    fired = [
        f"{_id_key(item['id'])}.{item['property']}"
        for n, s in enumerate(sent[:n_inputs])
        for item in (s if isinstance(s, list) else [s])
        if (changed is None and item.get("value") is not None) or n == changed
    ]
    body = {
        "output": dep["output"],
        "inputs": sent[:n_inputs],
        "state": sent[n_inputs:],
        "changedPropIds": fired,
    }
    if dep["output"] in app.callback_map:
        body["outputs"] = _outputs(app, dep["output"])
    return int(client.post(CALLBACK, json=body).status_code)


def _server_errors(answers: dict[str, int]) -> dict[str, int]:
    return {o: c for o, c in answers.items() if c >= 500}


@on_sqlite
@pytest.mark.parametrize("kind", list(WRONG_TYPES))
def test_every_callback_with_every_input_of_the_wrong_type_never_5xx(
    client: FlaskClient, app: dash.Dash, kind: str
) -> None:
    answers = {}
    for dep in _dependencies(client):
        sent = [_valued(d, WRONG_TYPES[kind]) for d in dep["inputs"] + dep["state"]]
        answers[dep["output"]] = _post_with(client, app, dep, sent)
    assert _server_errors(answers) == {}


@on_sqlite
@pytest.mark.parametrize("kind", ONE_AT_A_TIME)
def test_every_callback_with_one_input_of_the_wrong_type_never_5xx(
    client: FlaskClient, app: dash.Dash, kind: str
) -> None:
    # The others hold what the pages gave them, so the wrong one is read past the guards.
    components = _page_values(client)
    answers = {}
    for dep in _dependencies(client):
        declared = dep["inputs"] + dep["state"]
        shown = [_shown(components, d) for d in declared]
        for wrong, d in enumerate(declared):
            sent = [*shown[:wrong], _valued(d, WRONG_TYPES[kind]), *shown[wrong + 1 :]]
            fired = wrong if wrong < len(dep["inputs"]) else 0
            answers[f"{dep['output']} <- {d['id']}.{d['property']}"] = _post_with(
                client, app, dep, sent, fired
            )
    assert _server_errors(answers) == {}
    assert client.get("/admin").status_code == 200  # still signed in as an admin throughout

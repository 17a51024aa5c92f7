"""Callback requests checked against the callback map before Dash runs them.

Dash trusts the body of `/_dash-update-component`: inputs missing or not the callback's, an
output of a callback that runs in the browser, or a page address without its leading slash
each end in an exception inside Dash, answered as an HTML 500. `install(app)` wraps Dash's
dispatch view so that such a body is a JSON 400 naming what is wrong, and nothing runs: its
output, outputs, inputs and state must be the ones the callback declared (the same ids and
properties, in order; a list for an ALL pattern), and the page router's pathname and search
must be strings, the pathname starting with the app's path prefix. Input *values* may still
be absent (Dash sends none for a property never set); a callback that finds one it cannot
use raises `BadCallbackInput`, answered the same way. Values of the wrong type (a dict where
a string belongs, a number for a list...) are anyone's to send: callbacks read what arrives through the typed readers here (`as_str`,
`as_int`, `as_dict`, `as_list`, `as_str_list`, `as_dict_list`), which pass None (never set)
and the right type through and refuse anything else with `BadCallbackInput` naming the input.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import dash
import flask

__all__ = [
    "BadCallbackInput",
    "as_dict",
    "as_dict_list",
    "as_int",
    "as_list",
    "as_str",
    "as_str_list",
    "install",
    "request_problem",
]

ROUTER_LOCATION = "_pages_location"  # the dcc.Location of Dash's page router
MULTI_WILDCARDS = (["ALL"], ["ALLSMALLER"])  # patterns that stand for a list of components


class BadCallbackInput(ValueError):
    """A callback's input (or state) value it cannot use: answered with HTTP 400."""


def _checked(value: Any, name: str, fits: bool, what: str) -> Any:
    if value is None or fits:
        return value
    raise BadCallbackInput(f"{name} must be {what}")


def as_str(value: Any, name: str) -> str | None:
    """`value` if it is a string or None, else BadCallbackInput("`name` must be a string")."""
    return _checked(value, name, isinstance(value, str), "a string")


def as_int(value: Any, name: str) -> int | None:
    """`value` if it is an integer (not a bool) or None, else BadCallbackInput."""
    fits = isinstance(value, int) and not isinstance(value, bool)
    return _checked(value, name, fits, "an integer")


def as_dict(value: Any, name: str) -> dict[str, Any] | None:
    """`value` if it is a JSON object (a dict) or None, else BadCallbackInput."""
    return _checked(value, name, isinstance(value, dict), "an object")


def as_list(value: Any, name: str) -> list[Any] | None:
    """`value` if it is a JSON array (a list) or None, else BadCallbackInput."""
    return _checked(value, name, isinstance(value, list), "a list")


def as_str_list(value: Any, name: str) -> list[str] | None:
    """A multi-choice dropdown's value: a list of strings (a lone string is a list of one,
    as Dash allows), or None; else BadCallbackInput."""
    if isinstance(value, str):
        return [value]
    fits = isinstance(value, list) and all(isinstance(item, str) for item in value)
    return _checked(value, name, fits, "a list of strings")


def as_dict_list(value: Any, name: str) -> list[dict[str, Any]] | None:
    """`value` if it is a list of JSON objects (a table's rows, columns, sort) or None."""
    fits = isinstance(value, list) and all(isinstance(item, dict) for item in value)
    return _checked(value, name, fits, "a list of objects")


def _property(item: Mapping[str, Any]) -> Any:
    prop = item.get("property")
    return prop.split("@", 1)[0] if isinstance(prop, str) else prop  # allow_duplicate's @hash


def _fits(sent: Any, declared: Mapping[str, str]) -> bool:
    """Does one sent input, state or output stand for the `declared` one ({id, property})?"""
    prop, ident = declared["property"], declared["id"]
    if not ident.startswith("{"):
        return isinstance(sent, dict) and sent.get("id") == ident and _property(sent) == prop
    pattern: dict[str, Any] = json.loads(ident)
    many = any(value in MULTI_WILDCARDS for value in pattern.values())
    if many != isinstance(sent, list):
        return False
    return all(
        isinstance(item, dict)
        and _property(item) == prop
        and isinstance(item.get("id"), dict)
        and item["id"].keys() == pattern.keys()
        and all(isinstance(v, list) or item["id"][k] == v for k, v in pattern.items())
        for item in (sent if many else [sent])
    )


def _all_fit(sent: Any, declared: list[dict[str, str]]) -> bool:
    return isinstance(sent, list) and len(sent) == len(declared) and all(map(_fits, sent, declared))


def _outputs_problem(body: Mapping[str, Any], spec: Mapping[str, Any]) -> str | None:
    if spec.get("no_output"):
        return None
    output = spec["output"]
    declared = [o.to_dict() for o in output] if isinstance(output, list) else [output.to_dict()]
    sent = body.get("outputs")
    fits = _all_fit(sent, declared) if isinstance(output, list) else _fits(sent, declared[0])
    return None if fits else "outputs are not the callback's"


def _router_problem(body: Mapping[str, Any], prefix: str) -> str | None:
    for item in body.get("inputs") or []:
        if not isinstance(item, dict):
            continue
        if item.get("id") != ROUTER_LOCATION:
            continue
        value = item.get("value")  # None (not known yet) is the home page to Dash
        if value is not None and not isinstance(value, str):
            return f"{item.get('property')} must be a string"
        if (
            item.get("property") == "pathname"
            and value is not None
            and not value.startswith(prefix)
        ):
            return f"pathname must start with {prefix!r}"
    return None


def request_problem(body: Any, app: dash.Dash) -> str | None:
    """What is wrong with a callback request `body` for `app`; None when Dash can run it."""
    if not isinstance(body, dict):
        return "a callback request is a JSON object"
    output = body.get("output")
    spec = app.callback_map.get(output) if isinstance(output, str) else None
    if spec is None:
        return "no such callback"
    if "callback" not in spec:
        return "this callback runs in the browser"
    for key in ("inputs", "state"):
        if not _all_fit(body.get(key, []), spec[key]):
            return f"{key} are not the callback's"
    changed = body.get("changedPropIds", [])
    if not (isinstance(changed, list) and all(isinstance(c, str) for c in changed)):
        return "changedPropIds must be a list of property ids"
    return _outputs_problem(body, spec) or _router_problem(
        body, app.config.requests_pathname_prefix
    )


def _bad_request(message: str) -> flask.Response:
    response = flask.jsonify({"error": "bad_callback_request", "message": message})
    response.status_code = 400
    return response


def install(app: dash.Dash) -> None:
    """Check every callback request of `app` before Dash dispatches it (see the docstring)."""
    server = app.server
    endpoint = app.config.routes_pathname_prefix + "_dash-update-component"
    dispatch: Callable[..., Any] = server.view_functions[endpoint]

    def checked_dispatch(*args: Any, **kwargs: Any) -> Any:
        problem = request_problem(flask.request.get_json(silent=True), app)
        if problem is not None:
            return _bad_request(problem)
        try:
            return dispatch(*args, **kwargs)
        except BadCallbackInput as exc:
            return _bad_request(str(exc))

    server.view_functions[endpoint] = checked_dispatch

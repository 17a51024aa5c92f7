"""The OpenAPI description of the Open311 server's routes (`routes.ROUTES`), merged into the
document at `/api/v1/openapi.json` by `dashboard.openapi`.

Bodies are described for the JSON spelling; the XML one carries the same fields under the
spec's element names. Pure data.
"""

from __future__ import annotations

from typing import Any, Final

from dashboard.open311.routes import PREFIX
from dashboard.records import REPORT_CATEGORIES

__all__ = ["open311_paths"]

_STR: Final = {"type": "string"}
_STR_NULL: Final = {"type": ["string", "null"]}
_NUM_NULL: Final = {"type": ["number", "null"]}
_TS: Final = {"type": "string", "format": "date-time", "description": "W3C, city's offset"}


def _q(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema or _STR}


def _path(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema or _STR,
    }


_FORMAT: Final = _path("format", "json or xml", {"enum": ["json", "xml"]})
_JURISDICTION: Final = _q("jurisdiction_id", "checked when [open311] jurisdiction_id is set")
_LANG: Final = _q(
    "lang", "vi or en (else Accept-Language, else the city's)", {"enum": ["vi", "en"]}
)
_KEY: Final = _q("api_key", "an Open311 key; reads need one when [open311] public_reads = false")
_ERRORS: Final = {
    "description": "the spec's error list",
    "content": {
        "application/json": {
            "schema": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"code": {"type": "integer"}, "description": _STR},
                    "required": ["code", "description"],
                },
            }
        }
    },
}


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": "OK (text/xml when the format is xml)",
        "content": {"application/json": {"schema": schema}},
    }


def _array(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "object", "properties": props}}


def _get(summary: str, params: list[dict[str, Any]], schema: dict[str, Any]) -> dict[str, Any]:
    errors = {code: _ERRORS for code in ("400", "403", "404")}
    return {"summary": summary, "parameters": params, "responses": {"200": _ok(schema), **errors}}


def open311_paths() -> dict[str, Any]:
    """The OpenAPI path items of every route in `routes.ROUTES`, prefixed (a test holds the
    two together)."""
    request = {
        **{k: _STR for k in ("service_request_id", "service_code", "service_name")},
        "status": {"enum": ["open", "closed"]},
        **{k: _STR_NULL for k in ("status_notes", "description", "agency_responsible")},
        **{k: _STR_NULL for k in ("service_notice", "address", "address_id", "zipcode")},
        "requested_datetime": _TS,
        "updated_datetime": _TS,
        "expected_datetime": _TS,
        "lat": _NUM_NULL,
        "long": _NUM_NULL,
        "media_url": _STR_NULL,
    }
    service = {
        "service_code": {"enum": list(REPORT_CATEGORIES)},
        **{k: _STR for k in ("service_name", "description", "keywords", "group")},
        "metadata": {"type": "boolean"},
        "type": {"const": "realtime"},
    }
    reads = [_FORMAT, _JURISDICTION, _LANG, _KEY]
    listing = [
        _q("service_request_id", "comma list; overrides every other filter"),
        _q("service_code", "comma list"),
        _q("start_date", "W3C datetime (requested_datetime >=)"),
        _q("end_date", "W3C datetime; at most 90 days after start_date"),
        _q("status", "open, closed or both (comma list)"),
    ]
    form = {
        "type": "object",
        "required": ["api_key", "service_code"],
        "properties": {
            **{k: _STR for k in ("api_key", "jurisdiction_id", "service_code")},
            "lat": {"type": "number"},
            "long": {"type": "number"},
            "address_string": _STR,
            "description": {"type": "string", "maxLength": 4000},
            "media_url": {"type": "string", "format": "uri"},
        },
        "description": "a location is lat+long or address_string; attribute[code]=value for "
        "a service's attributes; contact fields are accepted and not kept",
    }
    post = {
        "summary": "Post a service request (needs an Open311 api_key)",
        "parameters": [_FORMAT, _LANG],
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": form},
                "text/xml": {"schema": {"type": "string"}},
            },
        },
        "responses": {
            "200": _ok(
                _array(
                    {
                        "service_request_id": _STR,
                        "service_notice": _STR,
                        "account_id": {"type": "null"},
                    }
                )
            ),
            **{code: _ERRORS for code in ("400", "403", "404", "413")},
        },
    }
    operations: dict[str, dict[str, Any]] = {
        "/discovery.{format}": {"get": _get("Service discovery", [_FORMAT], {"type": "object"})},
        "/services.{format}": {"get": _get("The services", reads, _array(service))},
        "/services/{service_code}.{format}": {
            "get": _get(
                "A service's definition (its attributes)",
                [_path("service_code", "a service's code"), *reads],
                {"type": "object"},
            )
        },
        "/requests.{format}": {
            "get": _get(
                "Service requests, newest first (default: the last 90 days, at most 1000)",
                [*reads, *listing],
                _array(request),
            ),
            "post": post,
        },
        "/requests/{service_request_id}.{format}": {
            "get": _get(
                "One service request",
                [_path("service_request_id", "as the list gives it"), *reads],
                _array(request),
            )
        },
    }
    return {PREFIX + path: item for path, item in operations.items()}

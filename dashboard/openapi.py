"""The OpenAPI 3.1 document of `/healthz`, `/api/v1` and the Open311 server `/open311/v2`
(served at `/api/v1/openapi.json`; the Open311 part is `dashboard.open311.openapi`).

Kept apart from the routes (dashboard/api.py) because it is long and changes for a different
reason: the routes change when behaviour does, this when the published description does. The row
caps and default windows live here, as part of the published contract, and api.py enforces them;
tests/api checks that every route in `api.ROUTES` is documented and every documented enum is
enforced, so the two cannot drift apart silently.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dashboard.config_alerts import ALERT_SEVERITIES
from dashboard.open311.openapi import open311_paths
from dashboard.queries import readings, sources
from dashboard.queries.filters import OUTSIDE
from dashboard.queries.wall import KPI_KEYS
from dashboard.records import DOMAINS, METRICS, ReportStatus

__all__ = [
    "ALERTS_LIMIT",
    "ALERT_STATUSES",
    "DEFAULT_WINDOW",
    "LATEST_LIMIT",
    "READINGS_LIMIT",
    "REPORTS_LIMIT",
    "openapi_document",
]

# Default window of /readings per resolution, and the row caps.
DEFAULT_WINDOW = {"raw": timedelta(hours=24), "5m": timedelta(days=3), "1h": timedelta(days=30)}
READINGS_LIMIT = (10_000, 50_000)  # default, maximum
REPORTS_LIMIT = (500, 5_000)
LATEST_LIMIT = (1_000, 10_000)
ALERTS_LIMIT = (100, 1_000)
# an alert's status, and "unresolved" (open or acknowledged) as a filter
ALERT_STATUSES = ("open", "acknowledged", "resolved", "unresolved")

_TS = {"type": "string", "format": "date-time", "description": "ISO 8601, UTC, `Z` suffix"}
_TS_NULL = {**_TS, "type": ["string", "null"]}
_STR_NULL = {"type": ["string", "null"]}
_NUM = {"type": "number"}
_INT = {"type": "integer"}


def _obj(props: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        **({"required": list(props)} if required else {}),
    }


def _list_of(item: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return _obj({"items": {"type": "array", "items": item}, "count": _INT, **extra})


def _param(name: str, desc: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    p = {"name": name, "in": "query", "description": desc, "schema": schema}
    return {**p, "required": True} if required else p


def _op(summary: str, params: list[dict[str, Any]], schema: dict[str, Any], ctype: str = "") -> Any:
    ok = {"description": "OK", "content": {ctype or "application/json": {"schema": schema}}}
    err = {"$ref": "#/components/responses/BadParameter"}
    down = {"$ref": "#/components/responses/Unavailable"}
    responses = {"200": ok, "400": err, "503": down}
    return {"get": {"summary": summary, "parameters": params, "responses": responses}}


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of every route in `api.ROUTES` (parameters, responses)."""
    source = _obj(
        {
            "name": {"type": "string"},
            "type": {"type": "string"},
            "interval_s": _INT,
            "enabled": {"type": "boolean"},
            "paused": {"type": "boolean"},
            "health": {"enum": [str(h) for h in sources.Health]},
            "stale": {
                "type": "boolean",
                "description": "data older than [wall] stale_factor intervals",
            },
            "last_run_status": {"enum": ["running", "ok", "error", None]},
            "last_run_started": _TS_NULL,
            "last_run_ended": _TS_NULL,
            "rows": {"type": ["integer", "null"]},
            "rejected": {"type": ["integer", "null"]},
            "data_as_of": _TS_NULL,
            "age_s": {"type": ["number", "null"], "description": "seconds since data_as_of"},
            "next_run": _TS_NULL,
            "due": {"type": "boolean"},
            "last_error": _STR_NULL,
            "last_error_at": _TS_NULL,
        }
    )
    domain = _param("domain", "asset domain", {"enum": list(DOMAINS)})
    metric = {"enum": list(METRICS)}
    names = {"type": "array", "items": {"type": "string"}}
    ward = _param("ward", "ward name, as in the boundary file; repeat for several", names)
    zone = _param(
        "zone",
        f"zone name, as in the zones file, or {OUTSIDE!r} (in no zone); repeat for several. "
        "With wards too, a row must match both (as the drill pages filter)",
        names,
    )
    time = {"type": "string", "description": "ISO 8601; without offset: city time zone"}
    feature = _obj(
        {
            "type": {"const": "Feature"},
            "id": {"type": "string"},
            "geometry": {"type": "object", "description": "GeoJSON geometry, WGS84"},
            "properties": _obj(
                {k: {"type": "string"} for k in ("id", "domain", "kind", "name")}
                | {"ward": _STR_NULL, "zone": _STR_NULL}
            ),
        }
    )
    point = {
        "oneOf": [
            _obj({"ts": _TS, "value": _NUM}),
            _obj({"ts": _TS, "count": _INT, "mean": _NUM, "min": _NUM, "max": _NUM}),
        ],
        "description": "raw: ts, value; 5m/1h: bucket start ts, count, mean (= sum/count), min, max",
    }
    report_props = {k: _STR_NULL for k in ("address", "ward", "zone", "agency", "media_url")}
    report = _obj(
        {
            "source": {"type": "string"},
            "external_id": {"type": "string"},
            "category": {"type": "string"},
            "description": {"type": "string"},
            "status": {"enum": [str(s) for s in ReportStatus]},
            "lon": _NUM,
            "lat": _NUM,
            "created_at": _TS,
            "updated_at": _TS,
            "closed_at": _TS_NULL,
            **report_props,
        }
    )
    health = _obj(
        {
            "status": {"enum": ["ok", "degraded", "unavailable"]},
            "time": _TS,
            "database": _obj({"reachable": {"type": "boolean"}, "dialect": {"type": "string"}}),
            "sources": {"type": "array", "items": {"type": "object"}},
        }
    )
    error = _obj(
        {
            "error": {"type": "string"},
            "parameter": {"type": "string"},
            "message": {"type": "string"},
        }
    )
    readings_body = _obj(
        {
            "asset_id": {"type": "string"},
            "metric": metric,
            "unit": {"type": "string"},
            "resolution": {"enum": list(readings.RESOLUTIONS)},
            "start": _TS,
            "end": _TS,
            "truncated": {"type": "boolean"},
            "next_start": _TS_NULL,
            "count": _INT,
            "items": {"type": "array", "items": point},
        }
    )
    latest = _obj(
        {
            "asset_id": {"type": "string"},
            "metric": metric,
            "ts": _TS,
            "value": _NUM,
            "unit": {"type": "string"},
        }
    )
    limit = {"type": "integer", "minimum": 1}
    kpi = _obj(
        {
            "key": {"enum": list(KPI_KEYS)},
            "value": {"type": ["number", "null"]},
            "unit": {"type": "string"},
            "previous": {
                "type": ["number", "null"],
                "description": "the same hour one week earlier; null when not known",
            },
            "level": {"enum": ["ok", "warn", "bad", "none"]},
            "detail": _STR_NULL,
            "as_of": _TS_NULL,
        }
    )
    severity = {"enum": list(ALERT_SEVERITIES)}
    alert = _obj(
        {
            "id": _INT,
            "rule": {"type": "string"},
            "scope": {"type": "string", "description": "asset:<id>, ward:<name>, feed:<name>, ..."},
            "domain": {"type": "string"},
            "title_vi": {"type": "string"},
            "title_en": {"type": "string"},
            "base_severity": severity,
            "severity": {**severity, "description": "after escalation"},
            "status": {"enum": list(ALERT_STATUSES[:3])},
            "ward": _STR_NULL,
            "zone": _STR_NULL,
            "asset_id": _STR_NULL,
            "lon": {"type": ["number", "null"]},
            "lat": {"type": ["number", "null"]},
            "value": {"type": ["number", "null"], "description": "the value that opened it"},
            "threshold": {"type": ["number", "null"]},
            "unit": _STR_NULL,
            "silenced": {"type": "boolean", "description": "opened in a maintenance window"},
            "opened_at": _TS,
            "acknowledged_at": _TS_NULL,
            "acknowledged_by": _STR_NULL,
            "ack_comment": _STR_NULL,
            "escalated_at": _TS_NULL,
            "resolved_at": _TS_NULL,
            "resolved_value": {"type": ["number", "null"]},
        }
    )
    paths = {
        "/healthz": _op(
            "Database reachability and every source's health (503: database down)", [], health
        ),
        "/api/v1/assets": _op(
            "Assets as a GeoJSON FeatureCollection",
            [domain, ward, zone],
            _obj(
                {
                    "type": {"const": "FeatureCollection"},
                    "features": {"type": "array", "items": feature},
                }
            ),
            "application/geo+json",
        ),
        "/api/v1/latest": _op(
            "Newest value of each series, by asset and metric, a page at a time",
            [
                domain,
                _param("metric", "metric name", metric),
                ward,
                zone,
                _param(
                    "limit",
                    "page size",
                    {**limit, "maximum": LATEST_LIMIT[1], "default": LATEST_LIMIT[0]},
                ),
                _param(
                    "cursor",
                    "where to continue: the next_cursor of the page before, same filters",
                    {"type": "string"},
                ),
            ],
            _list_of(
                latest,
                total={**_INT, "description": "series matching the filters, over all pages"},
                truncated={"type": "boolean", "description": "more pages follow"},
                next_cursor={**_STR_NULL, "description": "cursor of the next page; null: last"},
            ),
        ),
        "/api/v1/readings": _op(
            "One asset's metric over a window, raw or rolled up (start <= ts < end, oldest first)",
            [
                _param("asset", "asset id", {"type": "string"}, required=True),
                _param("metric", "metric name", metric, required=True),
                _param(
                    "start", "window start (default: end minus 24 h raw, 3 d 5m, 30 d 1h)", time
                ),
                _param("end", "window end (default: now)", time),
                _param(
                    "resolution",
                    "raw, 5m or 1h rollups",
                    {"enum": list(readings.RESOLUTIONS), "default": "raw"},
                ),
                _param(
                    "limit",
                    "row cap",
                    {**limit, "maximum": READINGS_LIMIT[1], "default": READINGS_LIMIT[0]},
                ),
            ],
            readings_body,
        ),
        "/api/v1/reports": _op(
            "Citizen reports, newest update first",
            [
                _param("status", "report status", {"enum": [str(s) for s in ReportStatus]}),
                ward,
                zone,
                _param("since", "only reports updated at or after this time", time),
                _param(
                    "limit",
                    "row cap",
                    {**limit, "maximum": REPORTS_LIMIT[1], "default": REPORTS_LIMIT[0]},
                ),
            ],
            _list_of(report, truncated={"type": "boolean"}),
        ),
        "/api/v1/sources": _op("Every configured source's health", [], _list_of(source)),
        "/api/v1/kpis": _op(
            "The operations wall's KPI tiles (definitions: dashboard.queries.wall)",
            [],
            _list_of(kpi, time=_TS),
        ),
        "/api/v1/alerts": _op(
            "The alert engine's alerts, newest opened first, a page at a time",
            [
                _param(
                    "status",
                    "alert status; unresolved: open or acknowledged",
                    {"enum": list(ALERT_STATUSES)},
                ),
                _param("severity", "current severity", severity),
                domain,
                _param("ward", "ward name, as in the boundary file (one)", {"type": "string"}),
                _param("since", "only alerts opened at or after this time", time),
                _param(
                    "limit",
                    "page size",
                    {**limit, "maximum": ALERTS_LIMIT[1], "default": ALERTS_LIMIT[0]},
                ),
                _param(
                    "offset",
                    "where the page starts: the next_offset of the page before",
                    {"type": "integer", "minimum": 0, "default": 0},
                ),
            ],
            _list_of(
                alert,
                total={**_INT, "description": "alerts matching the filters, over all pages"},
                truncated={"type": "boolean", "description": "more pages follow"},
                next_offset={"type": ["integer", "null"], "description": "null: last page"},
            ),
        ),
        "/api/v1/openapi.json": _op("This document", [], {"type": "object"}),
        # the Open311 GeoReport v2 server, served when [open311] enabled
        **open311_paths(),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "cityops IOC read API",
            "version": "1.0.0",
            "description": "Timestamps are ISO 8601 in UTC with a Z suffix. "
            "A bad parameter answers 400 with the parameter's name.",
        },
        "paths": paths,
        "components": {
            "responses": {
                "BadParameter": {
                    "description": "a parameter is missing, unknown or unparsable",
                    "content": {"application/json": {"schema": error}},
                },
                "Unavailable": {
                    "description": "the database does not answer (error database_unavailable)",
                    "content": {"application/json": {"schema": error}},
                },
            }
        },
    }

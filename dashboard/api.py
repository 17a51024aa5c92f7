"""`/healthz` and the read API `/api/v1/`: what the provincial data platform reads from the IOC.

Stable and documented (`/api/v1/openapi.json`, built by `openapi_document()`): every answer is
JSON, timestamps are ISO 8601 in UTC with a `Z` suffix (inputs may carry any offset; an input
without one is read in the city's time zone). A bad parameter gets HTTP 400 with
`{"error": "bad_parameter", "parameter": <name>, "message": <why>}`. The numbers come from
`dashboard.queries`, the same functions the pages call.

`AppContext` (config, store, clock) is what create_app attaches to the Flask server; routes and
page callbacks reach it through `current_context()`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import flask
import pandas as pd

from dashboard.config import Config
from dashboard.queries import assets, readings, reports, sources
from dashboard.records import DOMAINS, METRICS, ReportStatus
from dashboard.store import Store

__all__ = [
    "EXTENSION",
    "AppContext",
    "BadParameter",
    "api_blueprint",
    "current_context",
    "iso_utc",
]

EXTENSION = "cityops"  # key of AppContext in flask_app.extensions
# Default window of /readings per resolution, and the row caps.
DEFAULT_WINDOW = {"raw": timedelta(hours=24), "5m": timedelta(days=3), "1h": timedelta(days=30)}
READINGS_LIMIT = (10_000, 50_000)  # default, maximum
REPORTS_LIMIT = (500, 5_000)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AppContext:
    """The per-app objects: configuration, store, and the clock (tests pass a fixed one)."""

    config: Config
    store: Store
    clock: Callable[[], datetime] = field(default=_utc_now)


def current_context() -> AppContext:
    """The AppContext of the app serving the current request."""
    return cast(AppContext, flask.current_app.extensions[EXTENSION])


class BadParameter(ValueError):
    """A request parameter that cannot be used; answered with HTTP 400 naming it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


def iso_utc(ts: datetime | pd.Timestamp | None) -> str | None:
    """ISO 8601 in UTC with `Z` (seconds precision); None and NaT give None."""
    if ts is None or pd.isna(ts):
        return None
    return pd.Timestamp(ts).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


# -- parameter parsing -----------------------------------------------------------------------


def _choice(args: Mapping[str, str], name: str, allowed: tuple[str, ...] | list[str]) -> str | None:
    value = args.get(name) or None
    if value is not None and value not in allowed:
        raise BadParameter(name, f"unknown {name} {value!r}; one of: {', '.join(allowed)}")
    return value


def _time(args: Mapping[str, str], name: str, ctx: AppContext) -> datetime | None:
    raw = args.get(name) or None
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.strip().replace(" ", "+"))
    except ValueError:
        raise BadParameter(name, f"{name}={raw!r} is not an ISO 8601 date or time") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ctx.config.city.tz)
    return value.astimezone(UTC)


def _limit(args: Mapping[str, str], bounds: tuple[int, int]) -> int:
    raw = args.get("limit") or None
    if raw is None:
        return bounds[0]
    if not raw.isdigit() or not 1 <= int(raw) <= bounds[1]:
        raise BadParameter("limit", f"limit must be an integer from 1 to {bounds[1]}")
    return int(raw)


def _json(body: Any, status: int = 200, mimetype: str = "application/json") -> flask.Response:
    text = json.dumps(body, ensure_ascii=False, allow_nan=False)
    return flask.Response(text, status=status, mimetype=mimetype)


def _records(frame: pd.DataFrame, time_columns: tuple[str, ...]) -> list[dict[str, Any]]:
    # Per record, not per column: pandas 3 would store a column of str/None as `str`, NaN.
    records = cast(
        list[dict[str, Any]], frame.astype(object).where(frame.notna(), None).to_dict("records")
    )
    for record in records:
        for col in time_columns:
            record[col] = iso_utc(record[col])
    return records


# -- routes ----------------------------------------------------------------------------------


def healthz() -> flask.Response:
    """Database reachable? and each configured source's health; 503 when the store is down."""
    ctx = current_context()
    now = ctx.clock()
    db: dict[str, Any] = {"reachable": ctx.store.ping(), "dialect": ctx.store.dialect}
    items: list[dict[str, Any]] = []
    if db["reachable"]:
        try:
            with ctx.store.read_session() as session:
                health = sources.source_health(session, ctx.config.sources, now)
            items = [_source_json(h) for h in health]
        except Exception as exc:  # the schema is missing or broken: say so, answer 503
            db["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    else:
        db["error"] = "the database does not answer"
    if "error" in db:
        items = [
            {"name": s.name, "type": s.type, "enabled": s.enabled, "health": "unknown"}
            for s in ctx.config.sources
        ]
        status, code = "unavailable", 503
    else:
        bad = {"error", "stale"}
        status = "degraded" if any(i["health"] in bad for i in items) else "ok"
        code = 200
    body = {"status": status, "time": iso_utc(now), "database": db, "sources": items}
    return _json(body, code)


def _source_json(h: sources.SourceHealth) -> dict[str, Any]:
    out = dataclasses.asdict(h)
    out["health"] = str(h.health)
    out["age_s"] = None if h.age_s is None else round(h.age_s, 3)
    for key, value in out.items():
        if isinstance(value, datetime):
            out[key] = iso_utc(value)
    return out


def api_sources() -> flask.Response:
    ctx = current_context()
    with ctx.store.read_session() as session:
        health = sources.source_health(session, ctx.config.sources, ctx.clock())
    return _json({"items": [_source_json(h) for h in health], "count": len(health)})


def api_assets() -> flask.Response:
    args = flask.request.args
    domain = _choice(args, "domain", DOMAINS)
    with current_context().store.read_session() as session:
        found = assets.list_assets(session, domain=domain, ward=args.get("ward") or None)
    features = [
        {
            "type": "Feature",
            "id": a.id,
            "geometry": a.geometry,
            "properties": {
                "id": a.id,
                "domain": a.domain,
                "kind": a.kind,
                "name": a.name,
                "ward": a.ward,
            },
        }
        for a in found
    ]
    body = {"type": "FeatureCollection", "features": features}
    return _json(body, mimetype="application/geo+json")


def api_latest() -> flask.Response:
    args = flask.request.args
    domain = _choice(args, "domain", DOMAINS)
    metric = _choice(args, "metric", list(METRICS))
    with current_context().store.read_session() as session:
        frame = readings.latest_values(session, domain, metric, args.get("ward") or None)
    items = _records(frame, ("ts",))
    return _json({"items": items, "count": len(items)})


def api_readings() -> flask.Response:
    ctx = current_context()
    args = flask.request.args
    asset_id = args.get("asset") or None
    if asset_id is None:
        raise BadParameter("asset", "asset is required")
    if not args.get("metric"):
        raise BadParameter("metric", "metric is required")
    metric = cast(str, _choice(args, "metric", list(METRICS)))
    resolution = cast(
        readings.Resolution, _choice(args, "resolution", readings.RESOLUTIONS) or "raw"
    )
    end = _time(args, "end", ctx) or ctx.clock()
    start = _time(args, "start", ctx) or end - DEFAULT_WINDOW[resolution]
    if start >= end:
        raise BadParameter("start", "start must be before end")
    limit = _limit(args, READINGS_LIMIT)
    with ctx.store.read_session() as session:
        if not assets.asset_exists(session, asset_id):
            body = {"error": "not_found", "parameter": "asset", "message": f"no asset {asset_id!r}"}
            return _json(body, 404)
        window = readings.series_readings(session, asset_id, metric, start, end, resolution, limit)
    return _json(
        {
            "asset_id": asset_id,
            "metric": metric,
            "unit": METRICS[metric].unit,
            "resolution": resolution,
            "start": iso_utc(start),
            "end": iso_utc(end),
            "truncated": window.truncated,
            "next_start": iso_utc(window.next_start),
            "count": len(window.points),
            "items": _records(window.points, ("ts",)),
        }
    )


def api_reports() -> flask.Response:
    ctx = current_context()
    args = flask.request.args
    status = _choice(args, "status", [str(s) for s in ReportStatus])
    since = _time(args, "since", ctx)
    limit = _limit(args, REPORTS_LIMIT)
    with ctx.store.read_session() as session:
        frame = reports.list_reports(session, status, args.get("ward") or None, since, limit + 1)
    truncated = len(frame) > limit
    frame = frame.head(limit).drop(columns=["id"])
    items = _records(frame, ("created_at", "updated_at", "closed_at"))
    return _json({"items": items, "count": len(items), "truncated": truncated})


def api_openapi() -> flask.Response:
    return _json(openapi_document())


def _bad_parameter(exc: BadParameter) -> flask.Response:
    return _json(
        {"error": "bad_parameter", "parameter": exc.parameter, "message": exc.message}, 400
    )


# Path -> view: the one list of routes (the OpenAPI test checks every one is documented).
ROUTES: dict[str, Callable[[], flask.Response]] = {
    "/healthz": healthz,
    "/api/v1/assets": api_assets,
    "/api/v1/latest": api_latest,
    "/api/v1/readings": api_readings,
    "/api/v1/reports": api_reports,
    "/api/v1/sources": api_sources,
    "/api/v1/openapi.json": api_openapi,
}


def api_blueprint() -> flask.Blueprint:
    """A fresh blueprint with every route (one per app: blueprints keep registration state)."""
    bp = flask.Blueprint("cityops_api", __name__)
    for path, view in ROUTES.items():
        bp.add_url_rule(path, endpoint=view.__name__, view_func=view, methods=["GET"])
    bp.register_error_handler(BadParameter, _bad_parameter)
    return bp


# -- OpenAPI 3.1 -----------------------------------------------------------------------------

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
    return {"get": {"summary": summary, "parameters": params, "responses": {"200": ok, "400": err}}}


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of every route in ROUTES (parameters and response schemas)."""
    source = _obj(
        {
            "name": {"type": "string"},
            "type": {"type": "string"},
            "interval_s": _INT,
            "enabled": {"type": "boolean"},
            "paused": {"type": "boolean"},
            "health": {"enum": [str(h) for h in sources.Health]},
            "stale": {"type": "boolean", "description": "data older than 3 intervals"},
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
    ward = _param("ward", "ward name, as in the boundary file", {"type": "string"})
    time = {"type": "string", "description": "ISO 8601; without offset: city time zone"}
    feature = _obj(
        {
            "type": {"const": "Feature"},
            "id": {"type": "string"},
            "geometry": {"type": "object", "description": "GeoJSON geometry, WGS84"},
            "properties": _obj(
                {k: {"type": "string"} for k in ("id", "domain", "kind", "name")}
                | {"ward": _STR_NULL}
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
    paths = {
        "/healthz": _op(
            "Database reachability and every source's health (503: database down)", [], health
        ),
        "/api/v1/assets": _op(
            "Assets as a GeoJSON FeatureCollection",
            [domain, ward],
            _obj(
                {
                    "type": {"const": "FeatureCollection"},
                    "features": {"type": "array", "items": feature},
                }
            ),
            "application/geo+json",
        ),
        "/api/v1/latest": _op(
            "Newest value of each series",
            [domain, _param("metric", "metric name", metric), ward],
            _list_of(latest),
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
        "/api/v1/openapi.json": _op("This document", [], {"type": "object"}),
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
                }
            }
        },
    }

"""`/healthz` and the read API `/api/v1/`: what the provincial data platform reads from the IOC.

Stable and documented (`/api/v1/openapi.json`, built by `dashboard.openapi`): every answer is
JSON, timestamps are ISO 8601 in UTC with a `Z` suffix (inputs may carry any offset; an input
without one is read in the city's time zone). A bad parameter gets HTTP 400 with
`{"error": "bad_parameter", "parameter": <name>, "message": <why>}`. The numbers come from
`dashboard.queries`, the same functions the pages call.

Routes reach the app's config, store and clock through `dashboard.context.current_context()`.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, cast

import flask
import pandas as pd
from werkzeug.datastructures import MultiDict

from dashboard.config_alerts import ALERT_SEVERITIES
from dashboard.context import AppContext, current_context
from dashboard.openapi import (
    ALERT_STATUSES,
    ALERTS_LIMIT,
    DEFAULT_WINDOW,
    LATEST_LIMIT,
    READINGS_LIMIT,
    REPORTS_LIMIT,
    openapi_document,
)
from dashboard.queries import alert_list, assets, readings, reports, sources, wall
from dashboard.records import DOMAINS, METRICS, ReportStatus
from dashboard.store import DBAPIError
from dashboard.store.alerts import AlertView

__all__ = ["BadParameter", "alert_json", "api_blueprint", "iso_utc"]

log = logging.getLogger(__name__)


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
    # Epoch seconds in the store: keep to years whose UTC value and epoch both exist.
    if not 1970 < value.year < 9999:
        raise BadParameter(name, f"{name}={raw!r} is outside the years 1971 to 9998")
    return value.astimezone(UTC)


def _limit(args: Mapping[str, str], bounds: tuple[int, int]) -> int:
    raw = args.get("limit") or None
    if raw is None:
        return bounds[0]
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= bounds[1]:
        raise BadParameter("limit", f"limit must be an integer from 1 to {bounds[1]}")
    return int(raw)


def _offset(args: Mapping[str, str]) -> int:
    raw = args.get("offset") or None
    if raw is None:
        return 0
    if not (raw.isascii() and raw.isdigit()):
        raise BadParameter("offset", "offset must be a non-negative integer")
    return int(raw)


def _areas(args: MultiDict[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(wards, zones) of `ward=` and `zone=`, each repeatable, for the drill pages' area
    condition (`_areas.area_condition`: `zone=outside` is in no zone); an unknown name
    matches nothing."""

    def names(name: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.strip() for v in args.getlist(name) if v.strip()))

    return names("ward"), names("zone")


def _series_cursor(args: Mapping[str, str]) -> tuple[str, str] | None:
    """The series key a `cursor` stands for (the last one of the page before)."""
    raw = args.get("cursor") or None
    if raw is None:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError):
        key = None
    if not (isinstance(key, list) and len(key) == 2 and all(isinstance(k, str) for k in key)):
        raise BadParameter("cursor", "cursor must be a next_cursor of an earlier answer")
    return key[0], key[1]


def _cursor_of(key: tuple[str, str] | None) -> str | None:
    if key is None:
        return None
    text = json.dumps(list(key), ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


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
                health = sources.source_health(session, ctx.config, now)
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
        health = sources.source_health(session, ctx.config, ctx.clock())
    return _json({"items": [_source_json(h) for h in health], "count": len(health)})


def api_assets() -> flask.Response:
    args = flask.request.args
    domain = _choice(args, "domain", DOMAINS)
    with current_context().store.read_session() as session:
        found = assets.list_assets(session, domain=domain, areas=_areas(args))
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
                "zone": a.zone,
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
    after = _series_cursor(args)
    limit = _limit(args, LATEST_LIMIT)
    areas = _areas(args)
    with current_context().store.read_session() as session:
        page = readings.latest_values(session, domain, metric, areas, after=after, limit=limit)
    items = _records(page.items, ("ts",))
    return _json(
        {
            "items": items,
            "count": len(items),
            "total": page.total,
            "truncated": page.next_after is not None,
            "next_cursor": _cursor_of(page.next_after),
        }
    )


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
        frame = reports.list_reports(session, status, _areas(args), since, limit + 1)
    truncated = len(frame) > limit
    frame = frame.head(limit).drop(columns=["id"])
    items = _records(frame, ("created_at", "updated_at", "closed_at"))
    return _json({"items": items, "count": len(items), "truncated": truncated})


def alert_json(alert: AlertView) -> dict[str, Any]:
    """One alert as the API publishes it (times ISO 8601 UTC)."""
    out = dataclasses.asdict(alert)
    for key, value in out.items():
        if isinstance(value, datetime):
            out[key] = iso_utc(value)
    return out


def api_alerts() -> flask.Response:
    """The engine's alerts, newest opened first, a page (`limit` from `offset`) at a time."""
    ctx = current_context()
    args = flask.request.args
    wards = _areas(args)[0]
    if len(wards) > 1:
        raise BadParameter("ward", "one ward at a time")
    f = alert_list.AlertFilter(
        status=_choice(args, "status", ALERT_STATUSES),
        severity=_choice(args, "severity", ALERT_SEVERITIES),
        domain=_choice(args, "domain", DOMAINS),
        ward=wards[0] if wards else None,
        since=_time(args, "since", ctx),
    )
    limit, offset = _limit(args, ALERTS_LIMIT), _offset(args)
    with ctx.store.read_session() as session:
        found, total = alert_list.list_alerts(session, f, offset=offset, limit=limit)
    more = offset + len(found) < total
    return _json(
        {
            "items": [alert_json(a) for a in found],
            "count": len(found),
            "total": total,
            "truncated": more,
            "next_offset": offset + len(found) if more else None,
        }
    )


def _kpi_json(kpi: wall.Kpi) -> dict[str, Any]:
    """One KPI tile as the API publishes it (as_of ISO 8601 UTC)."""
    out = dataclasses.asdict(kpi)
    out["as_of"] = iso_utc(kpi.as_of)
    return out


def api_kpis() -> flask.Response:
    """The wall's KPI tiles, from the same `wall_kpis` the wall draws."""
    ctx = current_context()
    now = ctx.clock()
    with ctx.store.read_session() as session:
        kpis = wall.wall_kpis(session, ctx.config, now)
    items = [_kpi_json(k) for k in kpis]
    return _json({"time": iso_utc(now), "items": items, "count": len(items)})


def api_openapi() -> flask.Response:
    return _json(openapi_document())


def _database_down(exc: DBAPIError) -> flask.Response:
    """Any request (API, callback, page) that meets a database error while the database does
    not answer: a JSON 503, as /healthz says. Any other database error is a bug: a 500."""
    if current_context().store.ping():
        raise exc
    request = flask.request
    log.warning("%s %s: the database does not answer (%s)", request.method, request.path, exc.orig)
    body = {"error": "database_unavailable", "message": "the database does not answer"}
    response = _json(body, 503)
    response.headers["Retry-After"] = "30"
    return response


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
    "/api/v1/kpis": api_kpis,
    "/api/v1/alerts": api_alerts,
    "/api/v1/openapi.json": api_openapi,
}


def api_blueprint() -> flask.Blueprint:
    """A fresh blueprint with every route (one per app: blueprints keep registration state)."""
    bp = flask.Blueprint("cityops_api", __name__)
    for path, view in ROUTES.items():
        bp.add_url_rule(path, endpoint=view.__name__, view_func=view, methods=["GET"])
    bp.register_error_handler(BadParameter, _bad_parameter)
    bp.app_errorhandler(DBAPIError)(_database_down)  # the guard's and the pages' requests too
    return bp

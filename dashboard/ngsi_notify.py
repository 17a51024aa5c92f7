"""Where FIWARE brokers push: `POST /ngsi/v2/notify/<source>` and `/ngsi-ld/v1/notify/<source>`.

An Orion subscription posts `{"subscriptionId": ..., "data": [entities]}`, an NGSI-LD one
`{"type": "Notification", "data": [entities], ...}`; either is read with its source's mapping
(the same as its pulls) and stored through `pipeline.store_pushed`, so a pushed entity gets the
pull's validation, quarantine and idempotent ingest, and a run row on /sources.

Authentication is the source's own, not a person's: the subscription sends
`Authorization: Bearer <token>` and the source names where that token lives
(`notify_token = { env = "..." }`); compared in constant time. Without a configured token the
route does not exist for the source (404, as for a source that is not of the path's kind);
a missing or wrong token is 401. The app registers this blueprint with the guard's
`authenticates_itself`, so no person's sign-in is asked for. The body is bounded by the
source's `notify_max_kb` (413 beyond).
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

import flask

from dashboard.areas import Areas
from dashboard.context import current_context
from dashboard.pipeline import store_pushed
from data_sources.base import create
from data_sources.credentials import CredentialError
from data_sources.fiware.connector import NgsiConnector

__all__ = ["NOTIFY_PREFIXES", "notify_blueprint"]

log = logging.getLogger(__name__)

# path prefix -> the source kind it serves
_KINDS = {"/ngsi/v2/notify/": "ngsi-v2", "/ngsi-ld/v1/notify/": "ngsi-ld"}
NOTIFY_PREFIXES = tuple(_KINDS)
_AREAS = "cityops_areas"


def _answer(status: int, error: str, message: str) -> flask.Response:
    body = json.dumps({"error": error, "message": message}, ensure_ascii=False)
    return flask.Response(body, status=status, mimetype="application/json")


def _areas() -> Areas:
    """The app's area sets, read from the boundary files at the first notification."""
    app = flask.current_app
    if _AREAS not in app.extensions:
        app.extensions[_AREAS] = Areas.from_config(current_context().config)
    found: Areas = app.extensions[_AREAS]
    return found


def _authorized(connector: NgsiConnector) -> bool | None:
    """Whether the request carries the source's token; None when the source takes none."""
    secret = connector.options.notify_token
    if secret is None:
        return None
    header = flask.request.headers.get("Authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else ""
    try:
        expected = secret.read()
    except CredentialError as exc:
        log.error("source %s: notify token unreadable: %s", connector.settings.name, exc)
        return False
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def _body(limit: int) -> Any:
    """The request's JSON; ValueError (with the HTTP status as `args[1]`) when refused."""
    if (flask.request.content_length or 0) > limit:
        raise ValueError(f"the body is over {limit} bytes", 413)
    raw = flask.request.stream.read(limit + 1)
    if len(raw) > limit:
        raise ValueError(f"the body is over {limit} bytes", 413)
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"the body is not JSON: {exc}", 400) from None


def notify(source: str) -> flask.Response:
    ctx = current_context()
    kind = next(k for p, k in _KINDS.items() if flask.request.path.startswith(p))
    found = [s for s in ctx.config.sources if s.name == source and s.enabled]
    if not found or found[0].type != kind:
        return _answer(404, "not_found", f"no {kind} source {source!r}")
    connector = create(found[0], ctx.config)
    assert isinstance(connector, NgsiConnector)
    allowed = _authorized(connector)
    if allowed is None:
        return _answer(404, "not_found", f"source {source!r} takes no notifications")
    if not allowed:
        return _answer(401, "unauthorized", "a bearer token this source knows is needed")
    try:
        body = _body(connector.options.notify_max_kb * 1024)
        batch = connector.notification(body)
    except ValueError as exc:  # fiware's MappingError is one too: not a notification
        status = exc.args[1] if len(exc.args) > 1 else 400
        return _answer(status, "bad_notification", str(exc.args[0]))
    outcome = store_pushed(ctx.store, source, batch, _areas(), clock=ctx.clock)
    if outcome.status != "ok":
        return _answer(503, "not_stored", outcome.error or "the batch was not stored")
    body = {"stored": outcome.rows, "rejected": outcome.rejected}
    return flask.Response(json.dumps(body), status=200, mimetype="application/json")


def notify_blueprint() -> flask.Blueprint:
    """A fresh blueprint with both notification routes (one per app)."""
    bp = flask.Blueprint("cityops_ngsi_notify", __name__)
    for prefix in NOTIFY_PREFIXES:
        bp.add_url_rule(
            prefix + "<source>",
            endpoint=f"notify_{_KINDS[prefix]}",
            view_func=notify,
            methods=["POST"],
        )
    return bp

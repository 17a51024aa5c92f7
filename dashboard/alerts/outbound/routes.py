"""The CAP 1.2 feed: `/cap/alerts.atom` (Atom index) and `/cap/alerts/<id>.xml` (one CAP
document per alert), read from the alert outbox (`dashboard.queries.alert_outbox`).

A province's warning system reads it without a user account: open to anyone when `[alerts.cap]
public = true` (the default), else it needs an API token with scope read:api
(`Authorization: Bearer ...`). It checks its own callers (`authenticates_itself`), reads no
cookie and writes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import flask
from shapely.geometry import MultiPolygon, Polygon

from dashboard.alerts.outbound.cap import CapSettings, cap_document, feed_document
from dashboard.alerts.outbound.payload import notice_from_json
from dashboard.areas import AreaSet
from dashboard.auth.keys import digest
from dashboard.config import Config
from dashboard.context import current_context
from dashboard.queries import alert_outbox

__all__ = ["cap_blueprint", "cap_settings"]

ATOM_MIME = "application/atom+xml; charset=utf-8"
CAP_MIME = "application/cap+xml; charset=utf-8"


def cap_settings(config: Config, base_url: str | None) -> CapSettings:
    """What the CAP documents say of their sender, from `[alerts.cap]` and `[city]`."""
    cap = config.alerts.cap
    return CapSettings(
        sender=cap.sender,
        sender_name=cap.sender_name or f"IOC {config.city.name}",
        city=config.city.name,
        tz=config.city.tz,
        radius_km=cap.radius_km,
        base_url=base_url,
    )


def _ring(wards: AreaSet, name: str | None) -> Sequence[tuple[float, float]]:
    if name is None or name not in wards.names:
        return ()
    geometry = wards.polygons[wards.names.index(name)]
    if isinstance(geometry, MultiPolygon):
        geometry = max(geometry.geoms, key=lambda g: g.area)
    if not isinstance(geometry, Polygon):
        return ()
    simple = geometry.simplify(0.0002, preserve_topology=True)
    return [(float(x), float(y)) for x, y in simple.exterior.coords]


def _refusal() -> flask.Response | None:
    ctx = current_context()
    if ctx.config.alerts.cap.public:
        return None
    header = flask.request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        token = ctx.store.accounts.token_by_hash(digest(header[7:].strip()))
        if token and token.active and token.kind == "api" and "read:api" in token.scopes:
            return None
    body = {"error": "unauthorized", "message": "an API token (scope read:api) reads this feed"}
    return flask.Response(flask.json.dumps(body), 401, mimetype="application/json")


def cap_blueprint(config: Config) -> flask.Blueprint:
    """A fresh blueprint of the feed's routes (register with `authenticates_itself`)."""
    bp = flask.Blueprint("cityops_cap", __name__)

    @functools.cache
    def wards() -> AreaSet:
        return AreaSet.from_file(config.path(config.areas.wards), config.areas.ward_name_property)

    def base() -> str:
        return config.exports.base_url or flask.request.host_url.rstrip("/")

    @bp.get("/cap/alerts.atom")
    def cap_index() -> flask.Response:
        refused = _refusal()
        if refused is not None:
            return refused
        ctx = current_context()
        now = ctx.clock()
        with ctx.store.read_session() as session:
            alerts = alert_outbox.current_alert_notices(
                session, now, config.alerts.cap.resolved_hours
            )
        notices = [[notice_from_json(p) for p in payloads] for payloads in alerts]
        updated = max((n[-1].at for n in notices if n), default=now)
        body = feed_document(
            notices,
            cap_settings(config, base()),
            updated=updated,
            self_url=f"{base()}/cap/alerts.atom",
            lang=config.city.language,
        )
        return flask.Response(body, 200, content_type=ATOM_MIME)

    @bp.get("/cap/alerts/<int:alert_id>.xml")
    def cap_alert(alert_id: int) -> flask.Response:
        refused = _refusal()
        if refused is not None:
            return refused
        ctx = current_context()
        with ctx.store.read_session() as session:
            payloads = alert_outbox.notices_of(session, alert_id)
        notices = [notice_from_json(p) for p in payloads]
        try:
            ring = _ring(wards(), notices[-1].ward) if notices else ()
            body = cap_document(notices, cap_settings(config, base()), ring)
        except ValueError:
            flask.abort(404)
        return flask.Response(body, 200, content_type=CAP_MIME)

    return bp

"""The Flask blueprint of the Open311 GeoReport v2 server under `/open311/v2/`.

Each view reads its arguments, calls `desk` or the query layer, and hands a `render.Document`
to `_answer`, which spells it as `.json` or `.xml` (the path's suffix). Every refusal is an
`Open311Error`, answered with the spec's error list in the same format and its HTTP code;
an unknown path under the prefix gets that too (404), never the dashboard's sign-in page.

Authentication is the server's own (the auth guard lets this blueprint's requests through,
bounding only their size): a post needs an Open311 key (`api_key`); reads are open when
`[open311] public_reads` says so, else they need an Open311 key or an API token (`Bearer`,
scope `read:api`). No cookie is read, so a cross-site post can do nothing a key cannot.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final, cast

import flask
from werkzeug.exceptions import RequestEntityTooLarge

from dashboard.areas import Areas
from dashboard.auth.keys import digest
from dashboard.config import Config
from dashboard.context import current_context
from dashboard.open311 import desk
from dashboard.open311.errors import Open311Error
from dashboard.open311.parse import parse_body
from dashboard.open311.render import Document, Format, errors_document, render
from dashboard.open311.services import ATTRIBUTES, CHANGESET, service, services
from dashboard.queries.open311 import MAX_REQUESTS, OpenClosed, RequestFilter, service_requests

__all__ = ["BLUEPRINT", "PREFIX", "ROUTES", "open311_blueprint"]

BLUEPRINT: Final = "open311"
PREFIX: Final = "/open311/v2"
SPECIFICATION: Final = "http://wiki.open311.org/GeoReport_v2"
MAX_WINDOW: Final = timedelta(days=90)  # the spec's longest start_date..end_date range
FMT: Final = "<any(json, xml):fmt>"


def _lang() -> desk.Lang:
    asked = flask.request.args.get("lang")
    if asked in ("vi", "en"):
        return cast(desk.Lang, asked)
    best = flask.request.accept_languages.best_match(["vi", "en"])
    if best is not None:
        return cast(desk.Lang, best)
    return current_context().config.city.language


def _format() -> Format:
    fmt = (flask.request.view_args or {}).get("fmt")
    return "json" if fmt == "json" else "xml"  # XML is the spec's required format


def _answer(doc: Document, status: int = 200) -> flask.Response:
    body, content_type = render(doc, _format())
    return flask.Response(body, status=status, content_type=content_type)


def _refused(exc: Open311Error) -> flask.Response:
    return _answer(errors_document([(exc.status, exc.description)]), exc.status)


def _too_large(_exc: RequestEntityTooLarge) -> flask.Response:
    limit = current_context().config.open311.max_body_kb
    return _answer(errors_document([(413, f"the body is over {limit} KiB")]), 413)


def _check_read() -> None:
    """Reads are open, or need an Open311 key (`api_key`) or an API token (Bearer)."""
    ctx = current_context()
    if ctx.config.open311.public_reads:
        return
    now = ctx.clock()
    if desk.key_of(ctx.store, flask.request.args.get("api_key"), now) is not None:
        return
    header = flask.request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        token = ctx.store.accounts.token_by_hash(digest(header[7:].strip()))
        if token and token.active and token.kind == "api" and "read:api" in token.scopes:
            return
    raise Open311Error(403, "an api_key (or an API token) is required to read this server")


def _jurisdiction() -> None:
    desk.check_jurisdiction(current_context().config, flask.request.args.get("jurisdiction_id"))


def discovery(fmt: str) -> flask.Response:
    """Where this server is and what it speaks (Service Discovery)."""
    settings = current_context().config.open311
    endpoint = {
        "specification": SPECIFICATION,
        "url": flask.request.host_url.rstrip("/") + PREFIX,
        "changeset": CHANGESET,
        "type": "production",
        "formats": ["text/xml", "application/json"],
    }
    body = {
        "changeset": CHANGESET,
        "contact": settings.contact or None,
        "key_service": settings.key_service or None,
        "endpoints": [endpoint],
    }
    return _answer(Document("discovery", body))


def service_list(fmt: str) -> flask.Response:
    _check_read()
    _jurisdiction()
    items = [
        {
            "service_code": s.service_code,
            "service_name": s.service_name,
            "description": s.description,
            "metadata": s.metadata,
            "type": s.type,
            "keywords": s.keywords,
            "group": s.group,
        }
        for s in services(_lang())
    ]
    return _answer(Document("services", items, "service"))


def service_definition(code: str, fmt: str) -> flask.Response:
    _check_read()
    _jurisdiction()
    lang = _lang()
    if service(code, lang) is None:
        raise Open311Error(404, f"service_code {code[:64]!r} is not a service of this city")
    attributes = [
        {
            "variable": a.variable,
            "code": a.code,
            "datatype": a.datatype,
            "required": a.required,
            "datatype_description": None,
            "order": a.order,
            "description": a.text(lang),
            "values": [{"key": v[0], "name": a.value_name(v[0], lang)} for v in a.values],
        }
        for a in ATTRIBUTES.get(code, ())
    ]
    body = {"service_code": code, "attributes": attributes}
    return _answer(Document("service_definition", body))


def _time(name: str) -> datetime | None:
    raw = (flask.request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace(" ", "+").replace("z", "Z"))
    except ValueError:
        raise Open311Error(400, f"{name} {raw[:40]!r} is not a W3C datetime") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=current_context().config.city.tz)
    if not 1970 < value.year < 9999:
        raise Open311Error(400, f"{name} is outside the years 1971 to 9998")
    return value.astimezone(UTC)


def _listed(name: str) -> tuple[str, ...]:
    raw = flask.request.args.get(name) or ""
    return tuple(dict.fromkeys(v.strip() for v in raw.split(",") if v.strip()))


def _request_filter(now: datetime) -> RequestFilter:
    """The filter of GET requests: the spec's arguments, its 90-day bound, its defaults."""
    own = current_context().config.open311.source
    ids = _listed("service_request_id")
    if ids:
        if len(ids) > MAX_REQUESTS:
            raise Open311Error(400, f"at most {MAX_REQUESTS} service_request_id values")
        return RequestFilter(keys=tuple(desk.request_key(i, own) for i in ids))
    statuses = _listed("status")
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, "status takes open, closed or both (comma-separated)")
    start, end = _time("start_date"), _time("end_date")
    if start is not None and end is not None:
        if end < start:
            raise Open311Error(400, "end_date is before start_date")
        if end - start > MAX_WINDOW:
            raise Open311Error(400, "start_date to end_date spans more than 90 days")
    elif start is not None:
        end = start + MAX_WINDOW
    else:
        start = (end or now) - MAX_WINDOW
    return RequestFilter(
        categories=_listed("service_code"),
        since=start,
        until=end,
        statuses=cast(tuple[OpenClosed, ...], statuses),
    )


def _requests_document(filt: RequestFilter) -> Document:
    ctx = current_context()
    lang = _lang()
    with ctx.store.read_session() as session:
        found = service_requests(session, filt)
    items = [desk.request_fields(r, ctx.config, lang) for r in found]
    return Document("service_requests", items, "request")


def request_list(fmt: str) -> flask.Response:
    _check_read()
    _jurisdiction()
    return _answer(_requests_document(_request_filter(current_context().clock())))


def one_request(rid: str, fmt: str) -> flask.Response:
    _check_read()
    _jurisdiction()
    key = desk.request_key(rid, current_context().config.open311.source)
    doc = _requests_document(RequestFilter(keys=(key,), limit=1))
    if not doc.body:
        raise Open311Error(404, f"no service request {rid[:64]!r}")
    return _answer(doc)


def post_request(fmt: str, areas: Callable[[], Areas]) -> flask.Response:
    """Create a service request from a form (or XML) body with a valid api_key."""
    ctx = current_context()
    settings = ctx.config.open311
    request = flask.request
    request.max_content_length = settings.max_body_kb * 1024
    posted = parse_body(request.content_type, request.get_data(cache=False))
    now = ctx.clock()
    secret = posted.get("api_key") or request.args.get("api_key")
    if desk.key_of(ctx.store, secret, now) is None:
        raise Open311Error(403, "a valid api_key is required to post a service request")
    taken = desk.take_post(ctx.store, ctx.config, areas(), posted, now, _lang())
    body = [
        {
            "service_request_id": taken.service_request_id,
            "service_notice": taken.service_notice,
            "account_id": None,
        }
    ]
    return _answer(Document("service_requests", body, "request"))


def unknown(rest: str) -> flask.Response:
    raise Open311Error(404, "no such Open311 resource (see discovery.xml)")


# Path (under PREFIX) -> methods: every route, for the OpenAPI document and its test.
ROUTES: Final[dict[str, tuple[str, ...]]] = {
    "/discovery.{format}": ("GET",),
    "/services.{format}": ("GET",),
    "/services/{service_code}.{format}": ("GET",),
    "/requests.{format}": ("GET", "POST"),
    "/requests/{service_request_id}.{format}": ("GET",),
}


def open311_blueprint(config: Config) -> flask.Blueprint:
    """A fresh blueprint of the server (one per app); the areas load at the first post."""
    areas = functools.cache(lambda: Areas.from_config(config))
    bp = flask.Blueprint(BLUEPRINT, __name__, url_prefix=PREFIX)
    bp.add_url_rule(f"/discovery.{FMT}", view_func=discovery)
    bp.add_url_rule(f"/services.{FMT}", view_func=service_list)
    bp.add_url_rule(f"/services/<code>.{FMT}", view_func=service_definition)
    bp.add_url_rule(f"/requests.{FMT}", view_func=request_list, methods=["GET"])
    bp.add_url_rule(
        f"/requests.{FMT}",
        endpoint="post_request",
        view_func=functools.partial(post_request, areas=areas),
        methods=["POST"],
    )
    bp.add_url_rule(f"/requests/<path:rid>.{FMT}", view_func=one_request)
    bp.add_url_rule("/<path:rest>", view_func=unknown, methods=["GET", "POST"])
    bp.add_url_rule("/", endpoint="index", view_func=unknown, defaults={"rest": ""})
    bp.register_error_handler(Open311Error, _refused)
    bp.register_error_handler(RequestEntityTooLarge, _too_large)
    return bp

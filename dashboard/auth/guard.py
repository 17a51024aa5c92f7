"""The guard: one `before_request` hook deciding every request before any view runs.

Open to anyone: `/healthz`, `/assets/`, Dash's bundles and favicon, and the sign-in page.
Everything else needs a principal, taken from (in order) a wall token in `?token=` on a page
address (exchanged for a session cookie, then the address is loaded again without it), an
`Authorization: Bearer` API token, or the session cookie; with none, the paths listed in
`[auth] public` are served to a "public" principal and nothing else is.

- pages (Dash's index routes): the page's role (`PageMeta.roles`); anonymous -> the sign-in page;
- `/_dash-update-component`: the callback named by the body's `output` is looked up in the
  app's `AccessMap`: its page's role, plus the role of its `requires` mark when it writes (only
  people write); Dash's page router is checked against the page it is asked for;
- `/api/v1/`: a signed-in person, or an API token with scope `read:api` (which reads the API
  and nothing else: 403 anywhere else);
- `/metrics` (Prometheus): as the API, and an API token with scope `read:metrics` too (a
  scraper's token that reads nothing else);
- any other route: a signed-in person, with the role of its view's `requires` mark if any.

A page's address is taken the way Dash's router takes it (`page_path`: slashes stripped at
both ends), so `/admin/` or `//admin` is the page `/admin` here too. A body is never read
before the principal is known (nobody signed in: 401 unread), never past `[server]
max_request_mb` (413), and one nested too deep for the parser is a 400.

A blueprint registered with `authenticates_itself` checks its own callers (the Open311
server's keys, the FIWARE notification routes' source tokens): the guard only bounds its
bodies. That is the one way to declare such a route; any other needs a principal here.

Refusals are 401 (nobody signed in), 403 (not allowed) or 400/413 (a body refused), JSON
except for pages, and nothing runs; a refused write by someone signed in is recorded in the
audit log. A state-changing request whose Origin is another site's is refused outright (the
cookies are SameSite=Lax as well).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import dash
import flask
from werkzeug.wrappers import Response as WerkzeugResponse

from dashboard.auth import auditlog as audit
from dashboard.auth.access import ROUTER_OUTPUT, AccessMap
from dashboard.auth.keys import digest
from dashboard.auth.principal import G_PRINCIPAL, Principal, can_write, write_rule
from dashboard.auth.sessions import COOKIE, load_session, open_session, set_cookie
from dashboard.context import current_context

__all__ = [
    "ACCESS",
    "API_SCOPE",
    "METRICS_PATH",
    "METRICS_SCOPE",
    "PUBLIC",
    "access_map",
    "authenticates_itself",
    "guard",
    "page_path",
]

ACCESS = "cityops_access"  # key of the AccessMap in flask_app.extensions
FORBIDDEN = "cityops_forbidden"  # key of the 403 page's renderer
DASH_APP = "cityops_dash"  # the Dash app (its callback map)
SELF_AUTHENTICATED = "cityops_self_authenticated"  # blueprints that check their own callers
API_SCOPE = "read:api"
METRICS_SCOPE = "read:metrics"
METRICS_PATH = "/metrics"  # served by dashboard.metrics, guarded like the API
PUBLIC = Principal("public", "viewer", "public")
OPEN_PREFIXES = ("/assets/", "/_dash-component-suites/")
OPEN_PATHS = frozenset({"/healthz", "/_favicon.ico", "/login", "/logout", "/favicon.ico"})
SHELL_PATHS = frozenset({"/_dash-layout", "/_dash-dependencies", "/_reload-hash"})
CALLBACK_PATH = "/_dash-update-component"
PAGE_ENDPOINTS = frozenset({"/", "/<path:path>"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Refusal = WerkzeugResponse | flask.Response


def page_path(path: str) -> str:
    """The page Dash's router serves for the address `path`: it strips the slashes at both
    ends (`Dash.strip_relative_path`; this app's `requests_pathname_prefix` is "/")."""
    return "/" + path.strip("/")


def access_map() -> AccessMap:
    """The AccessMap of the app serving this request."""
    found: AccessMap = flask.current_app.extensions[ACCESS]
    return found


def _json(status: int, error: str, message: str) -> flask.Response:
    response = flask.jsonify({"error": error, "message": message})
    response.status_code = status
    if status == 401 and _reads_api(flask.request.path):
        response.headers["WWW-Authenticate"] = 'Bearer realm="cityops"'
    return response


def _reads_api(path: str) -> bool:
    """A route an API token may call: the API's, and the metrics a scraper reads."""
    return path.startswith("/api/") or path == METRICS_PATH


def _login_redirect(reason: str | None = None) -> WerkzeugResponse:
    request = flask.request
    target = request.full_path.rstrip("?") if request.query_string else request.path
    query = {"next": target, **({"reason": reason} if reason else {})}
    return flask.redirect("/login?" + urlencode(query))


def _forbidden_page() -> flask.Response:
    # The page itself is the sign-in page module's (layouts.login), given to `install`.
    render: Callable[[], flask.Response] = flask.current_app.extensions[FORBIDDEN]
    return render()


def _same_origin() -> bool:
    origin = flask.request.headers.get("Origin")
    return origin is None or origin == flask.request.host_url.rstrip("/")


def _authenticate(activity: Callable[[], bool]) -> tuple[Principal | None, Refusal | None]:
    ctx = current_context()
    header = flask.request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        token = ctx.store.accounts.token_by_hash(digest(header[7:].strip()))
        if token is None or not token.active or token.kind != "api":
            return None, _json(401, "unauthorized", "unknown or revoked API token")
        now = ctx.clock()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ctx.store.accounts.touch_token(token.id, now)
        return Principal(token.name, "viewer", "api_token", scopes=token.scopes), None
    secret = flask.request.cookies.get(COOKIE)
    if not secret:
        return None, None
    auth = ctx.config.auth
    return load_session(ctx.store, secret, ctx.clock(), auth, activity), None


def _wall_sign_in(token_secret: str) -> WerkzeugResponse:
    """Exchange `?token=` for a session cookie, then load the page again without the token
    (so it stays out of the address bar, the history and any Referer)."""
    ctx = current_context()
    request = flask.request
    token = ctx.store.accounts.token_by_hash(digest(token_secret))
    if (
        token is None
        or not token.active
        or token.kind != "wall"
        or token.bound_path != request.path
    ):
        name = None if token is None else token.name
        audit.record("wall.sign_in", target=name, outcome="failed", actor=name)
        return _login_redirect("token")
    address = audit.client_address()
    secret = open_session(ctx.store, ctx.clock(), token_id=token.id, address=address)
    principal = Principal(token.name, "viewer", "wall_token", bound_path=token.bound_path)
    audit.record("wall.sign_in", target=token.bound_path, principal=principal)
    args = {k: v for k, v in request.args.items() if k != "token"}
    response = flask.redirect(request.path + (f"?{urlencode(args)}" if args else ""))
    set_cookie(response, secret, ctx.config.auth, persistent=True)
    return response


def _callback_body() -> tuple[dict[str, Any], Refusal | None]:
    """The callback request's JSON object (Flask keeps it parsed for Dash's dispatch)."""
    try:
        parsed = flask.request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes
        return {}, _json(400, "bad_request", "the request is nested too deeply")
    if not isinstance(parsed, dict):
        return {}, _json(400, "bad_request", "a callback request is a JSON object")
    return parsed, None


def _too_large() -> Refusal | None:
    # By the announced length, before anything is read; a body without one (chunked) is cut
    # off at the same limit by Werkzeug as it is read (MAX_CONTENT_LENGTH).
    limit = flask.request.max_content_length
    if limit is not None and (flask.request.content_length or 0) > limit:
        return _json(413, "too_large", f"the request body is over {limit} bytes")
    return None


def _periodic(body: dict[str, Any]) -> bool:
    # A callback fired only by a timer (dcc.Interval) is not the person's activity.
    changed = body.get("changedPropIds") or []
    return bool(changed) and all(str(c).endswith(".n_intervals") for c in changed)


def _check_callback(principal: Principal | None, body: dict[str, Any]) -> Refusal | None:
    access = access_map()
    output = body.get("output")
    callback_map = flask.current_app.extensions[DASH_APP].callback_map
    entry = access.callback(output, callback_map) if isinstance(output, str) else None
    if entry is None:
        return _json(404 if principal else 401, "unknown_callback", "no such callback")
    if entry.output == ROUTER_OUTPUT:
        allowed = access.page_allows(principal, page_path(AccessMap.router_path(body) or ""))
    elif entry.page is not None:
        allowed = access.page_allows(principal, entry.page)
    else:  # not a page's: people only
        allowed = principal is not None and principal.kind == "user"
    if allowed and entry.write is not None:
        allowed = can_write(principal, entry.write.role)
    if allowed:
        return None
    if entry.write is not None and principal is not None:
        audit.record(entry.write.action, outcome="denied", target=entry.page)
    if principal is None:
        return _json(401, "unauthorized", "sign in first")
    return _json(403, "forbidden", "not allowed for this account")


def _resolve(path: str, principal: Principal | None, body: dict[str, Any]) -> Refusal | None:
    request = flask.request
    access = access_map()
    if principal is not None and principal.kind == "api_token" and not _reads_api(path):
        return _json(403, "forbidden", "an API token reads the API only")
    if path == CALLBACK_PATH:
        return _check_callback(principal, body)
    if path in SHELL_PATHS:
        if principal is None and not access.public:
            return _json(401, "unauthorized", "sign in first")
        return None
    if _reads_api(path):
        if principal is None:
            return None if path in access.public else _json(401, "unauthorized", "sign in first")
        scopes = {API_SCOPE, METRICS_SCOPE} if path == METRICS_PATH else {API_SCOPE}
        if principal.kind == "user" or (
            principal.kind == "api_token" and not scopes.isdisjoint(principal.scopes)
        ):
            return None
        return _json(403, "forbidden", "this credential cannot read the API")
    if request.endpoint in PAGE_ENDPOINTS:
        if path == "/":
            return None  # the home redirect names the real page, which is checked then
        if access.page_allows(principal, page_path(path)):
            return None
        return _login_redirect() if principal is None else _forbidden_page()
    view = flask.current_app.view_functions.get(request.endpoint or "")
    rule = write_rule(view)
    if principal is None or principal.kind != "user":
        return _json(401 if principal is None else 403, "unauthorized", "sign in first")
    if rule is not None and not can_write(principal, rule.role):
        audit.record(rule.action, outcome="denied", target=path)
        return _json(403, "forbidden", "not allowed for this account")
    return None


def authenticates_itself(server: flask.Flask, blueprint: flask.Blueprint) -> None:
    """Register `blueprint` on `server` with its requests let through unjudged, their body
    size aside: it checks its own callers (the Open311 server's keys, a FIWARE source's
    notification token) and reads no cookie, so no cross-site request can borrow a session
    through it."""
    server.register_blueprint(blueprint)
    server.extensions.setdefault(SELF_AUTHENTICATED, set()).add(blueprint.name)


def guard() -> Refusal | None:
    """The before_request hook (see the module docstring)."""
    request = flask.request
    path = request.path
    if request.blueprint in flask.current_app.extensions.get(SELF_AUTHENTICATED, ()):
        return _too_large()
    if request.method not in SAFE_METHODS and not _same_origin():
        return _json(403, "cross_origin", "requests from another site are refused")
    refusal = _too_large()
    if refusal is not None or path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
        return refusal
    token = request.args.get("token")
    if token and request.method == "GET" and request.endpoint in PAGE_ENDPOINTS:
        return _wall_sign_in(token)
    is_callback = path == CALLBACK_PATH
    read_body = functools.cache(_callback_body if is_callback else lambda: ({}, None))
    # A session is touched by a person's doing only; the body says so, read once it is live.
    principal, refusal = _authenticate(activity=lambda: not _periodic(read_body()[0]))
    if refusal is not None:
        return refusal
    if is_callback and principal is None and not access_map().public:
        return _json(401, "unauthorized", "sign in first")  # the body is not read
    body, refusal = read_body()
    if refusal is not None:
        return refusal
    if principal is not None:
        flask.g.setdefault(G_PRINCIPAL, principal)
    refusal = _resolve(path, principal, body)
    if refusal is None and principal is None and G_PRINCIPAL not in flask.g:
        flask.g.setdefault(G_PRINCIPAL, PUBLIC)
    return refusal


def install(
    app: dash.Dash, access: AccessMap, forbidden_page: Callable[[], flask.Response]
) -> None:
    """Put `access` on the app and the guard in front of every request; `forbidden_page`
    renders the 403 page of a page address."""
    server = app.server
    server.extensions[ACCESS] = access
    server.extensions[FORBIDDEN] = forbidden_page
    server.extensions[DASH_APP] = app
    server.before_request(guard)

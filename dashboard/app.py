"""The app factory: `create_app(config)` composes the Dash app, its pages and the API routes.

Nothing happens at import. Every call builds a fresh Dash app on its own store, so tests (and
several workers) each get their own. One Dash limitation shapes this: `dash.page_registry` is
a module-level dict, so the factory clears it and registers `layouts.PAGES` again; two apps in
one process therefore share the page *list* (the same modules), but never callbacks, config or
store, which live on each app (`server.extensions["cityops"]`, `app.callback`).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from datetime import datetime
from types import ModuleType
from typing import Any

import dash
import flask
from werkzeug.wrappers import Response as WerkzeugResponse

from dashboard import callback_requests, metrics
from dashboard.api import ROUTES, api_blueprint
from dashboard.auth.access import AccessMap
from dashboard.auth.guard import authenticates_itself
from dashboard.auth.setup import install as install_auth
from dashboard.config import PROJECT_ROOT, Config
from dashboard.context import EXTENSION, AppContext
from dashboard.exports.download import download_blueprint
from dashboard.i18n import LANG_COOKIE, LANGUAGES, t
from dashboard.ngsi_notify import notify_blueprint
from dashboard.store import Store

__all__ = ["create_app"]

LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def _remember_language(response: flask.Response) -> flask.Response:
    """Keep `?lang=` of a page request in a cookie, so the choice survives navigation."""
    request = flask.request
    lang = request.args.get("lang")
    is_page = request.method == "GET" and not request.path.startswith(
        ("/api/", "/_dash", "/assets", "/open311/")
    )
    if is_page and lang in LANGUAGES and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=LANG_COOKIE_MAX_AGE, samesite="Lax")
    return response


def _title(title_key: str, city: str) -> Callable[..., str]:
    def title(**_: Any) -> str:
        from layouts._shared.components import page_language

        return f"{t(title_key, page_language(None))} · {city}"

    return title


def _register_pages(app: dash.Dash, config: Config, access: AccessMap) -> str | None:
    """Register `layouts.PAGES` (their callbacks noted in `access`, so the guard knows which
    page each callback serves); returns the path "/" should redirect to (no home page yet)."""
    from layouts import PAGES
    from layouts._shared.shell import not_found_layout

    dash.page_registry.clear()
    modules: list[ModuleType] = [importlib.import_module(name) for name in PAGES]
    for module in modules:
        meta = module.PAGE
        dash.register_page(
            module.__name__,
            path=meta.path,
            order=meta.order,
            name=meta.title_key,
            title=_title(meta.title_key, config.city.name),
            layout=module.layout,
            title_key=meta.title_key,
            roles=meta.roles,
        )
        access.register_page(app, module)
    # Dash shows the page of a module whose name ends in "not_found_404" for unknown paths.
    dash.register_page("cityops.not_found_404", path="/404", layout=not_found_layout)
    paths = [m.PAGE.path for m in sorted(modules, key=lambda m: m.PAGE.order)]
    return None if "/" in paths or not paths else paths[0]


def _redirect_home(target: str) -> Callable[[], WerkzeugResponse | None]:
    # Dash owns the "/" route, so a page-less home is redirected before it is served.
    def redirect() -> WerkzeugResponse | None:
        if flask.request.path != "/":
            return None
        query = flask.request.query_string.decode()
        return flask.redirect(target + (f"?{query}" if query else ""))

    return redirect


def create_app(
    config: Config, store: Store | None = None, *, clock: Callable[[], datetime] | None = None
) -> dash.Dash:
    """A Dash app serving the pages of `layouts.PAGES`, `/healthz`, `/api/v1`, `/metrics`
    and (when `[open311] enabled`) the Open311 server `/open311/v2/` on `store`.

    `store` defaults to one on `config.database_url` (its schema is the CLI's business);
    `clock` (aware UTC) defaults to the system clock; tests pass a fixed one.
    """
    from layouts._shared.shell import shell_layout

    store = store if store is not None else Store(config.database_url, config.database.echo)
    context = AppContext(config, store) if clock is None else AppContext(config, store, clock)
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(PROJECT_ROOT / "assets"),
        assets_ignore=r"geo/.*",
        title=config.city.name,
        update_title=None,  # type: ignore[arg-type]  # keep the tab title steady on a wall screen
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        # gzip on the wire (the wall's first map is ~0.5 MB of JSON, ~0.1 MB gzipped); Dash
        # needs flask-compress for it, so a deployment without it still serves, uncompressed.
        compress=importlib.util.find_spec("flask_compress") is not None,
    )
    server = app.server
    # Callback answers are compressed per request: the fastest level of each algorithm keeps
    # most of the saving (a 250 KB history figure: 32 KB at gzip 1, 27 KB at 6) for a fifth of
    # the time, which at the default level exceeded the rest of the callback's work.
    server.config.update(
        COMPRESS_LEVEL=1, COMPRESS_DEFLATE_LEVEL=1, COMPRESS_BR_LEVEL=1, COMPRESS_ZSTD_LEVEL=1
    )
    server.extensions[EXTENSION] = context
    metrics.install(app)  # request and callback latencies, and /metrics
    server.register_blueprint(api_blueprint())
    authenticates_itself(server, notify_blueprint())  # each source's own token
    if config.open311.enabled:
        from dashboard.open311 import open311_blueprint

        authenticates_itself(server, open311_blueprint(config))  # the server's API keys
    if config.alerts.cap.enabled:
        from dashboard.alerts.outbound.routes import cap_blueprint

        authenticates_itself(server, cap_blueprint(config))  # open, or an API token
    server.after_request(_remember_language)
    access = AccessMap()
    home = _register_pages(app, config, access)
    from layouts._shared.pdf_export import register_pdf_export

    register_pdf_export(app)  # the chrome's "Export PDF": before the guard notes callbacks
    server.register_blueprint(download_blueprint())
    from layouts.login import forbidden_page, register_routes

    register_routes(server)
    api_routes = [*ROUTES, metrics.METRICS_PATH]  # /metrics: guarded like the API
    install_auth(app, config, access, api_routes, forbidden_page)  # before the home redirect
    callback_requests.install(app)  # after the guard: refusals come before any 400
    if home is not None:
        server.before_request(_redirect_home(home))
    with server.app_context():  # Dash calls the layout once here to validate it
        app.layout = shell_layout
    return app

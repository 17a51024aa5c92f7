"""Wiring the auth layer into one app (called by `dashboard.app.create_app`)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

import dash
import flask
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard.auth import guard, headers
from dashboard.auth.access import AccessMap
from dashboard.config import Config

__all__ = ["install"]

log = logging.getLogger(__name__)


def install(
    app: dash.Dash,
    config: Config,
    access: AccessMap,
    api_routes: list[str],
    forbidden_page: Callable[[], flask.Response],
) -> None:
    """Guard every request of `app`, add the security headers, and key its forms."""
    server = app.server
    key = config.secret_key()
    if key is None:
        # Fine for one process (tests, a trial run): sign-in forms are keyed per process.
        # `cityops serve` and `demo` always pass a configured or kept key.
        log.warning("no [auth] secret_key configured: using a random key for this process")
        key = secrets.token_urlsafe(32)
    server.secret_key = key
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.auth.secure_cookies,
        MAX_CONTENT_LENGTH=int(config.server.max_request_mb * 1024 * 1024),
    )
    if config.auth.proxy_hops:
        hops = config.auth.proxy_hops
        server.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            server.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    access.note_other_callbacks(app)
    access.set_public(config.auth.public, api_routes)
    guard.install(app, access, forbidden_page)
    headers.install(app, config.map.tile_url)

"""Security headers on every response, with a Content-Security-Policy the Dash app runs under.

Scripts: only this origin's files plus Dash's own inline scripts by their hashes (the renderer
start-up and the clientside callbacks, `Dash.csp_hashes()`, computed once the app has served
its first request and so registered all of them). Styles allow inline: plotly.js and MapLibre
insert <style> elements and style attributes at run time. MapLibre runs its workers from
blob: URLs, and the map draws images from data:/blob: URLs. A city's own tile server
(`[map] tile_url`) is added to the origins images and data may come from.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import dash
import flask

__all__ = ["content_security_policy", "install"]

_STATIC = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def content_security_policy(script_hashes: list[str], tile_url: str | None) -> str:
    """The CSP header value for the app's pages."""
    tiles = ""
    if tile_url:
        parts = urlsplit(tile_url)
        tiles = f" {parts.scheme}://{parts.netloc}"
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(["'self'", *script_hashes]),
        "style-src": "'self' 'unsafe-inline'",
        "img-src": f"'self' data: blob:{tiles}",
        "font-src": "'self' data:",
        "connect-src": f"'self'{tiles}",
        "worker-src": "'self' blob:",
        "child-src": "'self' blob:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{k} {v}" for k, v in directives.items())


def install(app: dash.Dash, tile_url: str | None) -> None:
    """Add the headers to every response of `app`."""
    policy: dict[tuple[str, ...], str] = {}

    def add_headers(response: flask.Response) -> flask.Response:
        for key, value in _STATIC.items():
            response.headers.setdefault(key, value)
        # Inline scripts appear as the app sets itself up (the page router's clientside
        # callback is added on the first request): the policy follows them.
        scripts = (*app._inline_scripts, app.renderer)
        if scripts not in policy:
            policy.clear()
            policy[scripts] = content_security_policy(list(app.csp_hashes()), tile_url)
        response.headers.setdefault("Content-Security-Policy", policy[scripts])
        return response

    app.server.after_request(add_headers)

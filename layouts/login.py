"""The sign-in page (`/login`), signing out (`POST /logout`; `GET /logout` too, unless another
site sent the browser there) and the "not allowed" page.

Plain server-rendered HTML, not a Dash page: it works before any script loads, and the
password never passes through a Dash callback. The form carries a token bound to a cookie
(HMAC with the app's secret key), so another site cannot sign a browser in or out; failed
sign-ins are counted per account and per address (`dashboard.auth.ratelimit`) and every
outcome is audited. Texts in `dashboard.texts.auth`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from urllib.parse import urlencode

import flask
from markupsafe import Markup, escape
from werkzeug.wrappers import Response as WerkzeugResponse

from dashboard import commands
from dashboard.auth import auditlog
from dashboard.auth.principal import current_principal
from dashboard.auth.sessions import COOKIE, clear_cookie, load_session, set_cookie
from dashboard.i18n import LANG_COOKIE, LANGUAGES, Lang, resolve_language, t
from layouts._shared.components import app_context

__all__ = ["forbidden_page", "register_routes", "safe_next"]

FORM_COOKIE = "cityops_login"
REASONS = {"signed_out": "auth.login.signed_out", "expired": "auth.login.expired"}
REASONS["token"] = "auth.login.token"


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never //host or a URL, nor
    one with control characters, which no header may carry)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return "/"
    return target if not target.startswith("/login") else "/"


def _lang() -> Lang:
    request = flask.request
    default = app_context().config.city.language
    return resolve_language(request.args.get("lang"), request.cookies.get(LANG_COOKIE), default)


def _form_token(nonce: str) -> str:
    key = str(flask.current_app.secret_key).encode()
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()


def _page(title: str, body: Markup, lang: Lang, status: int = 200) -> flask.Response:
    switch = Markup(" ").join(
        Markup('<a class="lang-link{}" href="?{}" lang="{}">{}</a>').format(
            " active" if code == lang else "",
            urlencode({**flask.request.args.to_dict(), "lang": code}),
            code,
            t(f"lang.{code}", lang),
        )
        for code in LANGUAGES
    )
    city = app_context().config.city.name
    html = Markup(
        '<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>{title} · {city}</title>"
        '<link rel="stylesheet" href="/assets/theme.css">'
        '<link rel="stylesheet" href="/assets/login.css"></head>'
        '<body class="auth-page"><main class="auth-box">'
        '<div class="auth-brand"><div class="city-name">{city}</div>'
        '<div class="app-title">{app}</div></div>'
        '<div class="lang-switch auth-lang">{switch}</div>{body}</main></body></html>'
    ).format(lang=lang, title=title, city=city, app=t("app.title", lang), switch=switch, body=body)
    response = flask.Response(str(html), status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def _login_form(
    lang: Lang, message: str | None, name: str = "", status: int = 200
) -> flask.Response:
    nonce = secrets.token_urlsafe(24)
    notice = Markup("")
    if message:
        kind = "auth-error" if status >= 400 else "auth-note"
        notice = Markup('<p class="{}" role="alert">{}</p>').format(kind, message)
    body = Markup(
        '<h1 class="page-title">{title}</h1><p class="page-intro">{intro}</p>{notice}'
        '<form class="auth-form" method="post" action="/login?{query}">'
        '<input type="hidden" name="csrf" value="{csrf}">'
        '<input type="hidden" name="next" value="{next}">'
        '<label for="login-name">{name_label}</label>'
        '<input id="login-name" name="name" autocomplete="username" required '
        'autocapitalize="none" spellcheck="false" value="{name}" autofocus>'
        '<label for="login-password">{password_label}</label>'
        '<input id="login-password" name="password" type="password" '
        'autocomplete="current-password" required>'
        '<button type="submit" class="auth-submit">{submit}</button></form>'
    ).format(
        title=t("auth.login.title", lang),
        intro=t("auth.login.intro", lang),
        notice=notice,
        query=urlencode({"lang": lang}),
        csrf=_form_token(nonce),
        next=safe_next(flask.request.values.get("next")),
        name_label=t("auth.login.name", lang),
        name=name,
        password_label=t("auth.login.password", lang),
        submit=t("auth.login.submit", lang),
    )
    response = _page(t("auth.login.title", lang), body, lang, status)
    auth = app_context().config.auth
    response.set_cookie(
        FORM_COOKIE, nonce, httponly=True, secure=auth.secure_cookies, samesite="Strict"
    )
    return response


def login_get() -> WerkzeugResponse:
    lang = _lang()
    ctx = app_context()
    secret = flask.request.cookies.get(COOKIE)
    if secret and load_session(ctx.store, secret, ctx.clock(), ctx.config.auth, False):
        return flask.redirect(safe_next(flask.request.args.get("next")))
    reason = REASONS.get(flask.request.args.get("reason", ""))
    return _login_form(lang, t(reason, lang) if reason else None)


def _refuse(lang: Lang, name: str, until: datetime | None, status: int) -> flask.Response:
    if until is None:
        return _login_form(lang, t("auth.login.failed", lang), name, status)
    seconds = max(1, int((until - app_context().clock()).total_seconds()))
    response = _login_form(lang, t("auth.login.locked", lang).format(seconds=seconds), name, 429)
    response.headers["Retry-After"] = str(seconds)
    return response


def login_post() -> WerkzeugResponse:
    lang = _lang()
    ctx = app_context()
    form = flask.request.form
    name = form.get("name", "").strip().lower()[:64]
    nonce = flask.request.cookies.get(FORM_COOKIE, "")
    if not nonce or not hmac.compare_digest(_form_token(nonce), form.get("csrf", "")):
        return _login_form(lang, t("auth.login.stale_form", lang), name, 400)
    response = flask.redirect(safe_next(form.get("next")))  # before a session exists
    password, address = form.get("password", ""), auditlog.client_address()
    signed_in = commands.sign_in(ctx, name, password, address)
    if signed_in.secret is None:
        return _refuse(lang, name, signed_in.locked_until, signed_in.status)
    set_cookie(response, signed_in.secret, ctx.config.auth)
    response.delete_cookie(FORM_COOKIE)
    return response


def logout_post() -> WerkzeugResponse:
    ctx = app_context()
    secret = flask.request.cookies.get(COOKIE)
    if secret:
        commands.sign_out(ctx, secret)
    response = flask.redirect("/login?reason=signed_out")
    clear_cookie(response, ctx.config.auth)
    return response


def logout_get() -> WerkzeugResponse:
    """The address typed or followed on this site signs out; a link from another site, or a
    browser fetching ahead (prefetch, HEAD), only leads to the sign-in page (which sends a
    signed-in person straight on). Never the page shell."""
    headers = flask.request.headers
    ahead = "prefetch" in headers.get("Sec-Purpose", "") + headers.get("Purpose", "")
    same_site = headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")
    if flask.request.method == "GET" and same_site and not ahead:
        return logout_post()
    return flask.redirect("/login")


def forbidden_page() -> flask.Response:
    """The 403 page of a page address the principal may not see."""
    lang = _lang()
    who = current_principal()
    body = Markup(
        '<h1 class="page-title">{title}</h1><p class="page-intro">{text}</p>'
        '<p class="auth-who">{who}</p><p><a href="/">{home}</a></p>'
    ).format(
        title=t("auth.forbidden.title", lang),
        text=t("auth.forbidden.body", lang),
        who=escape(who.name) if who else "",
        home=t("auth.forbidden.home", lang),
    )
    return _page(t("auth.forbidden.title", lang), body, lang, 403)


def register_routes(server: flask.Flask) -> None:
    """Add /login and /logout (GET, POST) to `server`."""
    server.add_url_rule("/login", "cityops_login", login_get, methods=["GET"])
    server.add_url_rule("/login", "cityops_login_post", login_post, methods=["POST"])
    server.add_url_rule("/logout", "cityops_logout", logout_post, methods=["POST"])
    server.add_url_rule("/logout", "cityops_logout_get", logout_get, methods=["GET"])

"""The frame around every page: city name, live local clock, language switch, navigation, and
who is signed in (with "Export PDF", layouts/_shared/pdf_export.py, and the sign-out button).

The navigation is built from `dash.page_registry` (whatever pages the app factory registered),
never from a hand-kept list. The clock ticks in the browser (assets/shell.js reads the
`data-clock-tz` attribute), so a wall screen left open for days costs the server nothing. The
language switch is a plain link with `?lang=`: the app remembers the choice in a cookie.
"""

from __future__ import annotations

from typing import Any

import dash
import flask
from dash import dcc, html

from dashboard.auth.principal import current_principal
from dashboard.i18n import LANGUAGES, Lang, t
from layouts._shared.components import app_context, local_time, page_language
from layouts._shared.pdf_export import export_control

__all__ = ["ids", "not_found_layout", "shell_layout"]


class ids:
    header = "shell-header"
    clock = "shell-clock"
    nav = "shell-nav"
    lang = "shell-lang"
    account = "shell-account"


def _attrs(values: dict[str, str]) -> dict[str, Any]:
    # data-* and aria-* attributes go in as keywords; Dash's typed signatures do not list them.
    return values


def _nav(lang: str) -> html.Nav:
    # Only the pages this account may open (the guard refuses the others anyway).
    links = [
        dcc.Link(t(page["title_key"], lang), href=page["relative_path"], className="nav-link")
        for page in dash.page_registry.values()
        if page.get("title_key") and may_see(page["path"])
    ]
    return html.Nav(
        links, id=ids.nav, className="shell-nav", **_attrs({"aria-label": t("shell.nav", lang)})
    )


def _language_switch(lang: str) -> html.Div:
    # Full-page links: the server sets the cookie and renders the shell in the new language.
    links = [
        html.A(
            t(f"lang.{code}", lang),
            href=f"?lang={code}",
            lang=code,
            className="lang-link active" if code == lang else "lang-link",
            **_attrs({"aria-current": "true" if code == lang else "false"}),
        )
        for code in LANGUAGES
    ]
    return html.Div(
        links,
        id=ids.lang,
        className="lang-switch",
        **_attrs({"aria-label": t("shell.language", lang)}),
    )


def shell_layout() -> html.Div:
    """The whole app layout (called per page load, so it follows the language cookie)."""
    ctx = app_context()
    lang = page_language(None)
    city = ctx.config.city
    clock = html.Div(
        [
            html.Span(t("shell.clock_label", lang), className="clock-label"),
            html.Time(
                local_time(ctx.clock(), city.tz, "%H:%M:%S %d/%m/%Y"),
                id=ids.clock,
                className="clock",
                **_attrs({"data-clock-tz": city.timezone, "data-clock-lang": lang}),
            ),
        ],
        className="clock-box",
    )
    brand = html.Div(
        [
            html.Div(city.name, className="city-name"),
            html.Div(t("app.title", lang), className="app-title"),
        ],
        className="brand",
    )
    header = html.Header(
        [brand, _nav(lang), clock, _language_switch(lang), account_box(lang)],
        id=ids.header,
        className="shell-header",
    )
    return html.Div(
        [header, html.Main(dash.page_container, className="shell-main")],
        className="shell",
        lang=lang,
    )


def not_found_layout(**_: Any) -> html.Div:
    """The page for an unknown path, in the page's language."""
    lang = page_language(None)
    return html.Div([html.H1(t("page.not_found", lang), className="page-title")], className="page")


def may_see(path: str) -> bool:
    """May the current principal open the page at `path`? (For the navigation.)"""
    from dashboard.auth.guard import access_map

    if not flask.has_request_context() or "cityops_access" not in flask.current_app.extensions:
        return True
    return access_map().page_allows(current_principal(), path)


def account_box(lang: Lang) -> html.Div:
    """Who is signed in, "Export PDF" (for those who may export) and the sign-out button (a
    plain form POST: works without scripts); a sign-in link for public visitors."""
    who = current_principal()
    pdf = export_control(lang)  # an empty, hidden box for those who may not export
    if who is None or who.kind == "public":
        link = html.A(t("auth.sign_in_link", lang), href="/login", className="nav-link")
        return html.Div([link, pdf], id=ids.account, className="shell-account")
    if who.kind == "wall_token":
        return html.Div(
            [t("auth.wall_screen", lang).format(name=who.name), pdf],
            id=ids.account,
            className="shell-account",
        )
    label = t("auth.signed_in_as", lang).format(
        name=who.name, role=t(f"auth.role.{who.role}", lang)
    )
    logout = html.Form(
        html.Button(t("auth.logout", lang), type="submit", className="shell-logout"),
        action="/logout",
        method="POST",
    )
    actions = html.Div([pdf, logout], className="shell-account-actions")
    return html.Div([html.Span(label), actions], id=ids.account, className="shell-account")

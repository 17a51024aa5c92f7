"""/admin (admins only): accounts, wall-screen and API tokens, Open311 keys, the audit log.

Accounts are listed with disable/enable; adding users and setting passwords stay on the
console (`cityops user add|passwd`), where a password is typed without passing through a web
form. Tokens are created here (the secret is shown once, then only its first characters) and
revoked here: a wall screen using a revoked token is signed out at its next refresh, a
citizen app's Open311 key (`api_key` of /open311/v2/) is refused from then on. The
audit log is paged on the server, newest first. Every change goes through
`dashboard.commands`, the same commands as the console, and is audited there.
"""

from __future__ import annotations

from typing import Any

import dash
import flask
from dash import ALL, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import commands
from dashboard.auth import current_principal, requires
from dashboard.callback_requests import as_int, as_str
from dashboard.i18n import t
from layouts._shared.components import (
    PageMeta,
    action_button,
    app_context,
    control_row,
    data_table,
    local_time,
    page_heading,
    page_language,
    refreshed_by,
)

PAGE = PageMeta(path="/admin", order=95, title_key="admin.nav", roles=("admin",))
AUDIT_PAGE_SIZE = 50
REFRESH_MS = 30_000


class ids:
    lang = "admin-lang"
    interval = "admin-interval"
    acted = "admin-acted"
    notice = "admin-notice"
    users = "admin-users"
    user_toggle = "admin-user-toggle"  # pattern id {"type": ..., "name": <user>}
    token_name = "admin-token-name"
    create_wall = "admin-create-wall"
    create_api = "admin-create-api"
    create_open311 = "admin-create-open311"
    tokens = "admin-tokens"
    revoke = "admin-revoke"  # pattern id {"type": ..., "name": <token>}
    audit = "admin-audit"
    audit_page = "admin-audit-page"
    audit_label = "admin-audit-label"
    prev = "admin-prev"
    next = "admin-next"


AUDIT_COLUMNS = ("at", "actor", "action", "target", "outcome", "address")


def layout(lang: str | None = None, **_: Any) -> html.Div:
    """The page skeleton: lists are filled by callbacks (the layout never queries)."""
    lang = page_language(lang)
    columns = [{"id": k, "name": t(f"admin.col.{k}", lang)} for k in AUDIT_COLUMNS]
    return html.Div(
        [
            dcc.Store(id=ids.lang, data=lang),
            dcc.Store(id=ids.acted),
            dcc.Store(id=ids.audit_page, data=0),
            dcc.Interval(id=ids.interval, interval=REFRESH_MS),
            page_heading(t("admin.title", lang), t("admin.intro", lang)),
            html.Div(id=ids.notice, role="status", className="updated-line admin-notice"),
            html.H2(t("admin.users", lang), className="section-title"),
            html.P(t("admin.users_cli", lang), className="page-intro"),
            html.Div(id=ids.users, className="source-controls"),
            html.H2(t("admin.tokens", lang), className="section-title"),
            html.Div(
                [
                    html.Label(t("admin.token_name", lang), htmlFor=ids.token_name),
                    dcc.Input(id=ids.token_name, type="text", maxLength=64, debounce=False),
                    action_button(ids.create_wall, t("admin.create_wall", lang)),
                    action_button(ids.create_api, t("admin.create_api", lang)),
                    action_button(ids.create_open311, t("admin.create_open311", lang)),
                ],
                className="source-actions admin-new-token",
            ),
            html.Div(id=ids.tokens, className="source-controls"),
            html.H2(t("admin.audit", lang), className="section-title"),
            html.Div(
                [
                    action_button(ids.prev, t("admin.prev", lang)),
                    html.Span(id=ids.audit_label),
                    action_button(ids.next, t("admin.next", lang)),
                ],
                className="source-actions",
            ),
            data_table(ids.audit, columns, page_size=AUDIT_PAGE_SIZE, lang=lang),
        ],
        className="page page-admin",
    )


def user_rows(lang: str) -> list[Any]:
    """One control row per account: role, state, and its disable/enable button."""
    rows = []
    for u in app_context().store.accounts.users():
        state = t("admin.state.disabled" if u.disabled else "admin.state.active", lang)
        label = t("admin.enable" if u.disabled else "admin.disable", lang)
        button = action_button({"type": ids.user_toggle, "name": u.name}, label)
        text = f"{t(f'auth.role.{u.role}', lang)} · {state}"
        rows.append(control_row(u.name, html.Div([html.Span(text), button])))
    return rows


def token_rows(lang: str) -> list[Any]:
    """One row per token: kind, start of the secret, scope or page, last use, revoke."""
    tz = app_context().config.city.tz
    rows = []
    for tk in app_context().store.accounts.tokens():
        scope = tk.bound_path or " ".join(sorted(tk.scopes))
        used = local_time(tk.last_used_at, tz) or "—"
        state = t("admin.state.active" if tk.active else "admin.state.revoked", lang)
        text = f"{t(f'admin.kind.{tk.kind}', lang)} · {tk.prefix}… · {scope} · {used} · {state}"
        parts: list[Any] = [html.Span(text)]
        if tk.active:
            parts.append(
                action_button({"type": ids.revoke, "name": tk.name}, t("admin.revoke", lang))
            )
        rows.append(control_row(tk.name, html.Div(parts)))
    return rows


def audit_rows(page: int) -> tuple[list[dict[str, Any]], int]:
    """Page `page` of the audit log (newest first) as table rows, and the number of pages."""
    ctx = app_context()
    entries, total = ctx.store.audit_log.page(page * AUDIT_PAGE_SIZE, AUDIT_PAGE_SIZE)
    tz = ctx.config.city.tz
    rows = [
        {
            "at": local_time(e.at, tz, "%d/%m/%Y %H:%M:%S"),
            "actor": f"{e.actor or '—'} ({e.actor_kind})",
            "action": e.action,
            "target": e.target or "",
            "outcome": e.outcome,
            "address": e.address or "",
        }
        for e in entries
    ]
    return rows, max(1, -(-total // AUDIT_PAGE_SIZE))


def _refused(exc: commands.AccountError, lang: str) -> str:
    """Why an account change was refused, in the page's language (never the console's
    English sentence inside a Vietnamese message)."""
    return t("admin.error", lang).format(
        message=t(f"admin.error.{exc.code}", lang).format(**exc.params)
    )


def _clicked_name() -> str:
    trigger = dash.ctx.triggered_id
    if not isinstance(trigger, dict) or not dash.ctx.triggered[0]["value"]:
        raise PreventUpdate
    return str(trigger["name"])


def register_callbacks(app: dash.Dash) -> None:
    """Wire this page's callbacks to `app`; each writing one is marked with its role."""

    @app.callback(
        Output(ids.users, "children"),
        Output(ids.tokens, "children"),
        *refreshed_by(ids),
    )
    def refresh_lists(_n: Any, _acted: Any, lang: str) -> tuple[list[Any], list[Any]]:
        return user_rows(lang), token_rows(lang)

    @app.callback(
        Output(ids.audit, "data"),
        Output(ids.audit_label, "children"),
        Output(ids.audit_page, "data"),
        Input(ids.prev, "n_clicks"),
        Input(ids.next, "n_clicks"),
        Input(ids.acted, "data"),
        State(ids.audit_page, "data"),
        State(ids.lang, "data"),
    )
    def show_audit(_p: Any, _n: Any, _a: Any, page: Any, lang: str) -> Any:
        step = {ids.prev: -1, ids.next: 1}.get(str(dash.ctx.triggered_id), 0)
        _, pages = audit_rows(0)
        page = min(max(0, (as_int(page, "the audit page") or 0) + step), pages - 1)
        rows, pages = audit_rows(page)
        return rows, t("admin.page", lang).format(page=page + 1, pages=pages), page

    @app.callback(
        Output(ids.acted, "data"),
        Output(ids.notice, "children"),
        Input({"type": ids.user_toggle, "name": ALL}, "n_clicks"),
        State(ids.lang, "data"),
        prevent_initial_call=True,
    )
    @requires("admin", action="user.disable")
    def toggle_user(_clicks: Any, lang: str) -> tuple[Any, str]:
        name = _clicked_name()
        ctx, who = app_context(), current_principal()
        assert who is not None  # `requires` let a signed-in admin through
        user = ctx.store.accounts.user(name)
        if user is None:
            raise PreventUpdate
        try:
            set_disabled = commands.enable_user if user.disabled else commands.disable_user
            set_disabled(ctx.store, ctx.clock(), who, name)
        except commands.AccountError as exc:
            return dash.no_update, _refused(exc, lang)
        return {"user": name, "click": dash.ctx.triggered[0]["value"]}, ""

    @app.callback(
        Output(ids.acted, "data", allow_duplicate=True),
        Output(ids.notice, "children", allow_duplicate=True),
        Output(ids.token_name, "value"),
        Input(ids.create_wall, "n_clicks"),
        Input(ids.create_api, "n_clicks"),
        Input(ids.create_open311, "n_clicks"),
        State(ids.token_name, "value"),
        State(ids.lang, "data"),
        prevent_initial_call=True,
    )
    @requires("admin", action="token.create")
    def create_token(_w: Any, _a: Any, _o: Any, name: Any, lang: str) -> tuple[Any, str, str]:
        name = as_str(name, "the token's name")
        kinds = {ids.create_wall: "wall", ids.create_open311: "open311"}
        kind = kinds.get(str(dash.ctx.triggered_id), "api")
        ctx, who = app_context(), current_principal()
        assert who is not None
        try:
            made = commands.create_token(ctx.store, ctx.clock(), who, kind, (name or "").strip())
        except commands.AccountError as exc:
            return dash.no_update, _refused(exc, lang), dash.no_update
        if kind == "wall":
            link = (
                f"{flask.request.host_url.rstrip('/')}{made.token.bound_path}?token={made.secret}"
            )
            return {"token": made.token.name}, t("admin.created_wall", lang).format(link=link), ""
        created = "admin.created_open311" if kind == "open311" else "admin.created_api"
        return {"token": made.token.name}, t(created, lang).format(secret=made.secret), ""

    @app.callback(
        Output(ids.acted, "data", allow_duplicate=True),
        Output(ids.notice, "children", allow_duplicate=True),
        Input({"type": ids.revoke, "name": ALL}, "n_clicks"),
        State(ids.lang, "data"),
        prevent_initial_call=True,
    )
    @requires("admin", action="token.revoke")
    def revoke_token(_clicks: Any, lang: str) -> tuple[Any, str]:
        name = _clicked_name()
        ctx, who = app_context(), current_principal()
        assert who is not None
        try:
            commands.revoke_token(ctx.store, ctx.clock(), who, name)
        except commands.AccountError as exc:
            return dash.no_update, _refused(exc, lang)
        return {"revoked": name}, t("admin.revoked", lang).format(name=name)

"""A report's detail on /reports and its workflow: acknowledge, start work, assign to an
agency, comment, close with a resolution.

The open report is the URL's `asset` (a link opens it). The detail shows what the citizen
wrote, where (a small map), the times, the agency, the public comments and the desk's audit
trail. Each action is its own callback, marked with the role it needs
(`dashboard.auth.requires`: operators acknowledge, start and comment; managers assign and
close), so the auth guard and the decorator refuse a caller without it whatever the browser
sends; the store then checks the move against the report's state (`DeskRefused`: nothing
changes, the page says why). The actor is the signed-in principal, never a browser value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import commands
from dashboard.auth import Principal, Role, current_principal, has_role, requires
from dashboard.basemap import BaseMap
from dashboard.callback_requests import as_str, as_str_list
from dashboard.figures.drillcharts import empty_figure
from dashboard.figures.locale import graph_config
from dashboard.figures.reportcharts import place_map
from dashboard.i18n import category_labels, t
from dashboard.queries import report_desk as q
from dashboard.store import DeskRefused
from layouts._drill.filter_bar import read_filter
from layouts._reports.common import DRILL, ids, open_report, report_spec
from layouts._shared.components import app_context, local_time

__all__ = ["ACTION_ROLES", "act", "detail_body", "detail_section", "register"]

# Who may do what (dashboard.auth roles; each includes the ones below it).
ACTION_ROLES: Final[dict[str, Role]] = {
    "acknowledge": "operator",
    "start": "operator",
    "comment": "operator",
    "assign": "manager",
    "close": "manager",
}
_TIME_FMT = "%d/%m/%Y %H:%M"


def _place(ward: str | None, zone: str | None, lang: str) -> str:
    """ "Ward / zone"; a report placed in a ward but in no zone says it is outside them."""
    outside = t("drill.zone.outside", lang) if ward else None
    return " / ".join(x for x in (ward, zone or outside) if x)


def _button(action: str, lang: str) -> html.Button:
    return html.Button(
        t(f"desk.action.{action}", lang),
        id=getattr(ids, action),
        type="button",
        className=f"desk-action desk-action-{action}",
    )


def _row(children: list[Any], allowed: bool) -> html.Div:
    # Every control is always in the page (the callbacks name them); those the principal may
    # not use are hidden, and the server refuses them anyway.
    return html.Div(children, className="desk-row", hidden=not allowed)


def _actions(lang: str, who: Principal | None) -> list[Any]:
    """The workflow controls, those this principal may use shown (the server checks again)."""
    may = {a: has_role(who, role) for a, role in ACTION_ROLES.items()}
    agency = dcc.Dropdown(
        id=ids.agency, options=[], placeholder=t("desk.agency_pick", lang), className="desk-agency"
    )
    comment = dcc.Textarea(
        id=ids.comment_text,
        maxLength=2000,
        className="desk-text",
        placeholder=t("desk.comment_text", lang),
    )
    public = dcc.Checklist(
        id=ids.public,
        options=[{"label": t("desk.public", lang), "value": "public"}],
        value=["public"],
        className="desk-public",
    )
    resolution = dcc.Textarea(
        id=ids.resolution,
        maxLength=2000,
        className="desk-text",
        placeholder=t("desk.resolution_text", lang),
    )
    rows = [
        _row(
            [_button("acknowledge", lang), _button("start", lang)],
            may["acknowledge"] or may["start"],
        ),
        _row([agency, _button("assign", lang)], may["assign"]),
        _row([comment, public, _button("comment", lang)], may["comment"]),
        _row([resolution, _button("close", lang)], may["close"]),
    ]
    if not any(may.values()):
        role = who.role if who is not None else "—"
        rows.append(html.P(t("desk.role_note", lang).format(role=role), className="desk-note"))
    return rows


def detail_section(lang: str) -> html.Section:
    """The detail panel (hidden until a report is open) with the workflow controls."""
    head = html.Div(
        [
            html.H2(t("desk.detail", lang)),
            html.Button(
                t("desk.close_detail", lang), id=DRILL.close, type="button", className="drill-close"
            ),
        ],
        className="drill-detail-head",
    )
    return html.Section(
        [
            head,
            html.Div(
                html.P(t("desk.pick", lang)), id=ids.detail_body, className="desk-detail-body"
            ),
            dcc.Graph(
                id=ids.place,
                figure=empty_figure("", lang=lang, height=260),
                config=graph_config(lang, responsive=True),
                style={"height": "260px"},
                className="desk-place",
            ),
            html.Div(_actions(lang, current_principal()), id=ids.actions, className="desk-actions"),
        ],
        id=ids.detail,
        className="drill-panel desk-detail",
    )


def _field(key: str, value: Any, lang: str) -> list[Any]:
    return [html.Dt(t(key, lang)), html.Dd("—" if value in (None, "") else value)]


def _trail(trail: pd.DataFrame, lang: str, tz: Any) -> html.Table | html.P:
    if trail.empty:
        return html.P(t("desk.no_trail", lang), className="desk-note")
    head = html.Tr(
        [html.Th(t(f"desk.trail.{k}", lang)) for k in ("at", "actor", "action", "change", "detail")]
    )
    rows = []
    for r in trail.to_dict("records"):
        before, after = r["status_from"], r["status_to"]
        change = ""
        if before != after:
            change = f"{t('reports.status.' + before, lang)} → {t('reports.status.' + after, lang)}"
        detail = r["agency"] or r["detail"] or ""
        if r["action"] == "comment" and not r["public"]:
            detail = f"{t('desk.internal', lang)} {detail}"
        rows.append(
            html.Tr(
                [
                    html.Td(local_time(r["at"].to_pydatetime(), tz, _TIME_FMT)),
                    html.Td(r["actor"]),
                    html.Td(t(f"desk.action.{r['action']}", lang)),
                    html.Td(change),
                    html.Td(detail),
                ],
                className=f"desk-trail-{r['action']}",
            )
        )
    return html.Table([html.Thead(head), html.Tbody(rows)], className="desk-trail")


def detail_body(d: q.ReportDetail, lang: str, tz: Any) -> list[Any]:
    """What the panel says about report `d`: text, fields, public comments, audit trail."""
    when = lambda ts: local_time(ts, tz, _TIME_FMT)  # noqa: E731
    status = t(f"reports.status.{d.status}", lang)
    badge = [html.Span(t("desk.overdue_badge", lang), className="desk-badge")] if d.overdue else []
    fields = [
        *_field("desk.f.created", when(d.created_at), lang),
        *_field("desk.f.due", when(d.due_at), lang),
        *_field("desk.f.acknowledged", when(d.acknowledged_at), lang),
        *_field("desk.f.started", when(d.started_at), lang),
        *_field("desk.f.closed", when(d.closed_at), lang),
        *_field("desk.f.agency", d.agency, lang),
        *_field("desk.f.address", d.address, lang),
        *_field("desk.f.ward", _place(d.ward, d.zone, lang), lang),
        *_field("desk.f.source", d.source, lang),
        *_field(
            "desk.f.feed_status",
            t(f"reports.status.{d.feed_status}", lang)
            if d.feed_status in q.STATUS_ORDER
            else d.feed_status,
            lang,
        ),
        *_field("desk.f.resolution", d.resolution, lang),
    ]
    public = d.trail[(d.trail["action"] == "comment") & d.trail["public"].astype(bool)]
    comments = [
        html.Li([html.Strong(f"{when(r['at'].to_pydatetime())} · {r['actor']}: "), r["detail"]])
        for r in public.to_dict("records")
    ]
    return [
        html.H3(
            [
                f"{d.external_id} · {category_labels(lang).get(d.category, d.category)} · ",
                html.Span(
                    status,
                    className=f"desk-status desk-status-{d.status}",
                    **{"data-status": d.status},
                ),
                *badge,
            ]
        ),
        html.Blockquote(d.description, className="desk-description"),
        html.Dl(fields, className="drill-attrs"),
        html.H4(t("desk.comments", lang)),
        html.Ul(comments, className="desk-comments")
        if comments
        else html.P(t("desk.no_comments", lang)),
        html.H4(t("desk.trail", lang)),
        _trail(d.trail, lang, tz),
    ]


def act(action: str, query: str | None, lang: str, **inputs: Any) -> tuple[Any, str]:
    """Apply `action` to the view's open report as the signed-in user: (acted, notice)."""
    context = app_context()
    who = current_principal()
    if who is None or not has_role(who, ACTION_ROLES[action]):  # the decorator refused already
        raise PreventUpdate
    report = open_report(read_filter(query, report_spec(context.config)).filter)
    if report is None:
        raise PreventUpdate
    try:
        done = commands.desk_action(context.store, context.clock(), who, report, action, **inputs)
    except DeskRefused as refused:
        why = t(f"desk.refused.{refused.reason}", lang)
        return dash.no_update, t("desk.refused", lang).format(why=why)
    with context.store.read_session() as session:
        detail = q.report_detail(session, report, context.clock())
    name = detail.external_id if detail else str(report)
    notice = t(f"desk.done.{action}", lang).format(id=name, agency=inputs.get("agency") or "")
    return {"report": report, "event": done.event_id}, notice


def _register_action(
    app: dash.Dash, action: str, states: list[State], inputs_of: Callable[..., dict[str, Any]]
) -> None:
    @app.callback(
        Output(ids.acted, "data", allow_duplicate=True),
        Output(ids.notice, "children", allow_duplicate=True),
        Input(getattr(ids, action), "n_clicks"),
        State(DRILL.state, "data"),
        State(ids.lang, "data"),
        *states,
        prevent_initial_call=True,
    )
    @requires(ACTION_ROLES[action], action=f"report.{action}")
    def run(clicks: int | None, query: str | None, lang: str, *values: Any) -> tuple[Any, str]:
        if not clicks:
            raise PreventUpdate
        return act(action, query, lang, **inputs_of(*values))


def register(app: dash.Dash) -> None:
    """The detail's callback and one callback per workflow action."""

    @app.callback(
        Output(ids.detail_body, "children"),
        Output(ids.place, "figure"),
        Output(ids.detail, "className"),
        Output(ids.agency, "options"),
        Input(DRILL.state, "data"),
        Input(ids.acted, "data"),
        State(ids.lang, "data"),
    )
    def show_detail(query: str | None, _acted: Any, lang: str) -> tuple[Any, ...]:
        return detail_outputs(query, lang)

    _register_action(app, "acknowledge", [], lambda: {})
    _register_action(app, "start", [], lambda: {})
    _register_action(
        app, "assign", [State(ids.agency, "value")], lambda a: {"agency": as_str(a, "the agency")}
    )
    _register_action(
        app,
        "comment",
        [State(ids.comment_text, "value"), State(ids.public, "value")],
        lambda text, public: {
            "text": as_str(text, "the comment"),
            "public": "public" in (as_str_list(public, "public") or []),
        },
    )
    _register_action(
        app,
        "close",
        [State(ids.resolution, "value")],
        lambda t: {"text": as_str(t, "the resolution")},
    )


def detail_outputs(query: str | None, lang: str) -> tuple[Any, ...]:
    """(body, place map, panel class, agency options) of the view's open report."""
    context = app_context()
    config = context.config
    asked = read_filter(query, report_spec(config)).filter
    report = open_report(asked)
    if report is None and asked.asset:  # named on the page, never ignored silently
        return (
            [html.P(t("desk.not_found", lang).format(id=asked.asset))],
            empty_figure("", lang=lang, height=260),
            "drill-panel desk-detail is-empty",
            [],
        )
    if report is None:
        return (
            [html.P(t("desk.pick", lang))],
            empty_figure("", lang=lang, height=260),
            "drill-panel desk-detail is-empty",
            [],
        )
    with context.store.read_session() as session:
        detail = q.report_detail(session, report, context.clock())
        agencies = q.agencies(session)
    if detail is None:
        return (
            [html.P(t("desk.not_found", lang).format(id=report))],
            empty_figure("", lang=lang, height=260),
            "drill-panel desk-detail is-empty",
            [],
        )
    figure = place_map(
        BaseMap.load(config),
        detail.lon,
        detail.lat,
        label=detail.external_id,
        overdue=detail.overdue,
        lang=lang,
        name_prop=config.areas.ward_name_property,
    )
    return (
        detail_body(detail, lang, config.city.tz),
        figure,
        "drill-panel desk-detail is-open",
        agencies,
    )

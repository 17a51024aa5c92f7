"""/alerts: the alert engine's alerts, to filter, share, acknowledge and download.

Fed by `dashboard.queries.alerts` (`alerts_page`): a map of the open and acknowledged alerts
over areas shaded by how many alerts the view holds; those alerts by area; then the current
alerts (open and acknowledged, most severe first), the history (resolved), and the mean time
to acknowledge and to resolve by rule and ward, each table with its CSV. Filters (areas, days,
status, severity, domain) are the URL's. Operators and above acknowledge an open alert with
a comment here (`dashboard.commands.acknowledge_alert`, audited); the server refuses anyone
else.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import commands
from dashboard.auth import current_principal, has_role, requires
from dashboard.callback_requests import as_dict_list, as_int, as_str
from dashboard.figures.drillmap import AssetLayer
from dashboard.i18n import t
from dashboard.queries.alerts import (
    DOMAIN_CHOICES,
    SEVERITY_CHOICES,
    STATUS_CHOICES,
    alerts_page,
)
from dashboard.store.alerts import AlertRefused
from layouts._drill.filter_bar import page_lang
from layouts._drill.frame import Chart, DrillPage, Table, View
from layouts._shared.components import PageMeta, app_context

PAGE = PageMeta(path="/alerts", order=60, title_key="alerts.nav", roles=("viewer",))
SEVERITY_COLOURS = {"critical": "#ff5a5f", "warning": "#ffb020", "info": "#4cc3ff"}


class panels:
    areas = "alerts-areas"
    current = "alerts-current"
    history = "alerts-history"
    timings = "alerts-timings"


class ids:
    alert = "alerts-ack-alert"
    comment = "alerts-ack-comment"
    button = "alerts-ack-button"
    notice = "alerts-ack-notice"
    acked = "alerts-acked"


CURRENT = (
    "alert", "severity", "title", "status", "ward", "zone", "asset_id", "value", "threshold",
    "unit", "opened", "escalated", "acknowledged", "acknowledged_by", "ack_comment",
)  # fmt: skip
HISTORY = (
    "alert", "severity", "title", "ward", "zone", "asset_id", "value", "unit", "opened",
    "acknowledged_by", "resolved", "resolve_min",
)  # fmt: skip
TIMINGS = ("rule", "ward", "alerts", "acked_count", "ack_min", "resolved_count", "resolve_min")


def _severity_words(lang: str) -> dict[str, dict[Any, str]]:
    return {"severity": {s: t(f"alerts.severity.{s}", lang) for s in SEVERITY_CHOICES}}


def _words(lang: str) -> dict[str, dict[Any, str]]:
    status = {s: t(f"alerts.status.{s}", lang) for s in STATUS_CHOICES}
    return _severity_words(lang) | {"status": status}


def _shown(alerts: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The alerts as the tables and the map show them (`id`: the asset, a click opens it)."""
    minutes = (alerts["resolved_at"] - alerts["opened_at"]).dt.total_seconds() / 60
    title = alerts[f"title_{'en' if lang == 'en' else 'vi'}"]
    return alerts.assign(
        alert=alerts["id"].astype(str),
        id=alerts["asset_id"],
        title=title,
        name=title,
        label=title,
        opened=alerts["opened_at"],
        escalated=alerts["escalated_at"],
        acknowledged=alerts["acknowledged_at"],
        resolved=alerts["resolved_at"],
        resolve_min=minutes,
    )


def build(view: View) -> tuple[Any, ...]:
    """Every panel's value for one view (one query, then figures)."""
    lang = view.lang
    page = alerts_page(view.session, view.filter, level=view.level)
    current = _shown(page.current, lang)
    placed = current.dropna(subset=["lon", "lat", "id"])
    layers = [
        AssetLayer(t(f"alerts.severity.{s}", lang), rows, colour, 14)
        for s, colour in SEVERITY_COLOURS.items()
        if len(rows := placed[placed["severity"] == s])
    ]
    label = t("alerts.count", lang)
    counts = dict(zip(page.by_area["area"], page.by_area["alerts"], strict=True))
    figure = view.area_map(counts, label, layers)
    bars = view.area_bars(page.by_area, "alerts", label)
    timings = page.timings.assign(id=None)
    return figure, bars, current, _shown(page.history, lang), timings


def _extra_labels(lang: str) -> dict[str, dict[str, str]]:
    return {
        "status": {v: t(f"alerts.status.{v}", lang) for v in STATUS_CHOICES},
        "severity": {v: t(f"alerts.severity.{v}", lang) for v in SEVERITY_CHOICES},
        "domain": {v: t(f"alerts.domain.{v}", lang) for v in DOMAIN_CHOICES},
    }


def ack_section(lang: str) -> list[Any]:
    """Acknowledge an open alert with a comment: shown to operators and above (the server
    checks again); always in the page, as the callbacks name its controls."""
    allowed = has_role(current_principal(), commands.ACK_ROLE)
    controls = html.Div(
        [
            dcc.Dropdown(
                id=ids.alert, options=[], placeholder=t("alerts.ack.pick", lang),
                className="alerts-ack-pick",
            ),
            dcc.Textarea(
                id=ids.comment, maxLength=2000, className="desk-text",
                placeholder=t("alerts.ack.comment", lang),
            ),
            html.Button(
                t("alerts.ack.button", lang), id=ids.button, type="button",
                className="desk-action alerts-ack-button",
            ),
        ],
        className="desk-row",
        hidden=not allowed,
    )  # fmt: skip
    note = html.P(t("alerts.ack.role_note", lang), className="desk-note", hidden=allowed)
    notice = html.P(id=ids.notice, className="alerts-ack-notice", role="status")
    section = html.Section(
        [html.H2(t("alerts.ack.title", lang)), controls, note, notice, dcc.Store(id=ids.acked)],
        className="drill-panel alerts-ack",
    )
    return [section]


DRILL = DrillPage(
    "alerts",
    side=Chart(panels.areas, "alerts.by_area"),
    charts=(),
    tables=(
        Table(panels.current, "alerts.current", CURRENT, text=("alert",), words=_words),
        Table(panels.history, "alerts.history", HISTORY, text=("alert",), words=_severity_words),
        Table(panels.timings, "alerts.timings", TIMINGS),
    ),
    build=build,
    extras={"status": STATUS_CHOICES, "severity": SEVERITY_CHOICES, "domain": DOMAIN_CHOICES},
    extra_labels=_extra_labels,
    more=ack_section,
    refresh=(ids.acked,),
)
layout = DRILL.layout  # layout(lang=None, **query): the skeleton, no query runs


def register_callbacks(app: Any) -> None:
    """The drill frame's callbacks, the choice of open alerts, and the acknowledgement."""
    DRILL.register(app)

    @app.callback(Output(ids.alert, "options"), Input(panels.current, "data"))
    def open_alerts(data: Any) -> list[dict[str, str]]:
        rows = as_dict_list(data, f"{panels.current}.data") or []
        return [
            {"label": f"#{r['alert']} {r.get('title') or ''}", "value": str(r["alert"])}
            for r in rows
            if r.get("alert") is not None and r.get("acknowledged_by") is None
        ]

    @app.callback(
        Output(ids.acked, "data"),
        Output(ids.notice, "children"),
        Output(ids.comment, "value"),
        Input(ids.button, "n_clicks"),
        State(ids.alert, "value"),
        State(ids.comment, "value"),
        State(DRILL.ids.url, "search"),
        prevent_initial_call=True,
    )
    @requires(commands.ACK_ROLE, action="alert.acknowledge")
    def acknowledge(
        clicks: int | None, alert: Any, comment: Any, search: str | None
    ) -> tuple[Any, str, Any]:
        if not clicks:
            raise PreventUpdate
        lang = page_lang(search)
        alert_id = as_int(int(alert) if str(alert or "").isdigit() else None, ids.alert)
        text = (as_str(comment, ids.comment) or "").strip()
        who = current_principal()
        if who is None or alert_id is None:
            return None, t("alerts.ack.none", lang), comment
        if not text:
            return None, t("alerts.ack.need_comment", lang), comment
        context = app_context()
        try:
            done = commands.acknowledge_alert(context.store, context.clock(), who, alert_id, text)
        except AlertRefused:
            return None, t("alerts.ack.refused", lang).format(id=alert_id), comment
        return {"alert": done.id}, t("alerts.ack.done", lang).format(id=done.id), ""

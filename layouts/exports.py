"""/exports: every PDF made (status, who, view, when, size, why it failed) with its download,
and a PDF made now: of any view, or a run of a scheduled report.

Fed by `dashboard.queries.exports` (the store's export queue) and the configured
`[[reports]]`; queues through `dashboard.commands` (`request_export`, `run_report_now`). The
PDFs are made by the render workers of the scheduler's process (`dashboard.exports.worker`),
so the list refreshes itself (every 3 s) to show them move from queued to done. Managers only:
the page's role, the marks on its writing callbacks, and the download route's own check.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State, dcc, html

from dashboard import commands
from dashboard.auth import current_principal, requires
from dashboard.callback_requests import as_str
from dashboard.config import ScheduledReport
from dashboard.config_exports import EXPORTABLE_VIEWS
from dashboard.exports import EXPORT_ROLE
from dashboard.exports.deliver import download_path
from dashboard.figures.theme import STATUS_ROW
from dashboard.i18n import Lang, t
from dashboard.queries.exports import recent_exports
from dashboard.store import ExportView
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
from layouts._shared.pdf_export import queue_export

__all__ = ["PAGE", "ids", "layout", "register_callbacks"]

PAGE = PageMeta(path="/exports", order=80, title_key="exports.nav", roles=("manager",))
REFRESH_MS = 3000
LISTED = 200


class ids:
    lang = "exports-lang"
    interval = "exports-interval"
    acted = "exports-acted"
    table = "exports-table"
    view = "exports-view"
    query = "exports-query"
    paper = "exports-paper"
    orientation = "exports-orientation"
    language = "exports-language"
    make = "exports-make"
    run = "exports-run"  # pattern id {"type": run, "report": <name>}
    notice = "exports-notice"


COLUMNS = (
    "id",
    "status",
    "who",
    "view",
    "schedule",
    "paper",
    "asked_at",
    "finished_at",
    "size",
    "error",
    "file",
)
LOOKS = (("exports.status.failed", "bad"), ("exports.status.running", "busy"))


def _columns(lang: Lang) -> list[dict[str, Any]]:
    return [
        {
            "id": k,
            "name": t(f"exports.col.{k}", lang),
            **({"presentation": "markdown"} if k == "file" else {}),
        }
        for k in COLUMNS
    ]


def _row_styles(lang: Lang) -> list[dict[str, Any]]:
    return [
        {
            "if": {"filter_query": f'{{status}} = "{t(key, lang)}"'},
            "backgroundColor": STATUS_ROW[meaning][0],
            "color": STATUS_ROW[meaning][1],
        }
        for key, meaning in LOOKS
    ]


def _radio(control_id: str, options: list[tuple[str, str]], value: str) -> dcc.RadioItems:
    return dcc.RadioItems(
        [{"label": label, "value": v} for v, label in options],
        value,
        id=control_id,
        inline=True,
        className="pdfx-choice",
    )


def _make_now(lang: Lang) -> list[Any]:
    views = [(v, t(f"{v.strip('/')}.nav", lang)) for v in EXPORTABLE_VIEWS]
    form = html.Div(
        [
            html.Label(t("exports.view", lang), htmlFor=ids.view, className="control-label"),
            dcc.Dropdown(
                id=ids.view,
                options=[{"label": f"{name} ({v})", "value": v} for v, name in views],
                value=EXPORTABLE_VIEWS[0],
                clearable=False,
                className="source-pick",
            ),
            html.Label(t("exports.filters", lang), htmlFor=ids.query, className="control-label"),
            dcc.Input(id=ids.query, type="text", placeholder="range=7d&ward=…", debounce=False),
            html.Div(
                [
                    _radio(ids.paper, [("A4", "A4"), ("A3", "A3")], "A4"),
                    _radio(
                        ids.orientation,
                        [
                            ("landscape", t("exports.landscape", lang)),
                            ("portrait", t("exports.portrait", lang)),
                        ],
                        "landscape",
                    ),
                    _radio(ids.language, [("vi", "Tiếng Việt"), ("en", "English")], lang),
                    action_button(ids.make, t("exports.make", lang)),
                ],
                className="source-actions exports-options",
            ),
        ],
        className="exports-make",
    )
    return [html.H2(t("exports.make_now", lang), className="section-title"), form]


def _destinations(report: ScheduledReport) -> str:
    places = [str(report.folder)] if report.folder else []
    places += list(report.email)
    if report.webhook is not None:
        places.append(f"webhook ({report.webhook.send})")
    return ", ".join(places) or "—"


def _reports(reports: list[ScheduledReport], lang: Lang) -> list[Any]:
    rows = [
        control_row(
            r.name,
            html.Div(
                [
                    html.Span(f"{r.view} · {r.cron} · {r.user} · {r.paper}"),
                    html.Span(_destinations(r), className="exports-to"),
                    action_button({"type": ids.run, "report": r.name}, t("exports.run_now", lang)),
                ],
                className="source-actions",
            ),
        )
        for r in reports
    ]
    empty = html.P(t("exports.no_reports", lang), className="page-intro")
    return [html.H2(t("exports.reports", lang), className="section-title"), *(rows or [empty])]


def layout(lang: str | None = None, **_: Any) -> html.Div:
    """The page skeleton: the list (filled by its refresh), making one now, the reports."""
    lang = page_language(lang)
    return html.Div(
        [
            dcc.Store(id=ids.lang, data=lang),
            dcc.Store(id=ids.acted),
            dcc.Interval(id=ids.interval, interval=REFRESH_MS),
            page_heading(t("exports.title", lang), t("exports.intro", lang)),
            *_make_now(lang),
            *_reports(list(app_context().config.reports), lang),
            html.Div(id=ids.notice, role="status", className="updated-line"),
            html.H2(t("exports.title", lang), className="section-title"),
            data_table(ids.table, _columns(lang), _row_styles(lang), lang=lang),
        ],
        className="page exports-page",
    )


def _size(n: int | None) -> str:
    return "" if n is None else f"{n / 1024:,.0f} KB"


def table_row(export: ExportView, lang: Lang, tz: Any) -> dict[str, Any]:
    """One export as a row of the list (times local, the PDF a download link)."""
    who = export.requested_by
    if export.username != who:
        who = f"{who} ({export.username})"
    link = f"[{t('exports.download', lang)}]({download_path(export.id)})" if export.file else ""
    return {
        "id": export.id,
        "status": t(f"exports.status.{export.status}", lang),
        "who": who,
        "view": export.path,
        "schedule": export.schedule or "",
        "paper": " · ".join(
            [export.paper, t(f"exports.{'landscape' if export.landscape else 'portrait'}", lang)]
            + [export.lang] * bool(export.lang)
        ),
        "asked_at": local_time(export.requested_at, tz, "%d/%m/%Y %H:%M:%S"),
        "finished_at": local_time(export.finished_at, tz, "%d/%m/%Y %H:%M:%S"),
        "size": _size(export.size_bytes),
        "error": export.error or export.delivery or "",
        "file": link,
    }


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(Output(ids.table, "data"), *refreshed_by(ids))
    def refresh(_: Any, __: Any, lang: Any) -> list[dict[str, Any]]:
        ctx = app_context()
        lang = page_language(as_str(lang, ids.lang))
        with ctx.store.read_session() as session:
            exports = recent_exports(session, LISTED)
        return [table_row(e, lang, ctx.config.city.tz) for e in exports]

    @app.callback(
        Output(ids.notice, "children"),
        Output(ids.acted, "data"),
        Input(ids.make, "n_clicks"),
        State(ids.view, "value"),
        State(ids.query, "value"),
        State(ids.paper, "value"),
        State(ids.orientation, "value"),
        State(ids.language, "value"),
        prevent_initial_call=True,
    )
    @requires(EXPORT_ROLE, action="export.pdf")
    def make(_: Any, view: Any, query: Any, paper: Any, orient: Any, lang: Any) -> Any:
        lang = page_language(as_str(lang, ids.language))
        query = (as_str(query, ids.query) or "").strip().lstrip("?")
        path = (as_str(view, ids.view) or "") + (f"?{query}" if query else "")
        export_id, said = queue_export(path, paper, orient != "portrait", lang)
        return said, dash.no_update if export_id is None else export_id

    @app.callback(
        Output(ids.notice, "children", allow_duplicate=True),
        Output(ids.acted, "data", allow_duplicate=True),
        Input({"type": ids.run, "report": ALL}, "n_clicks"),
        State(ids.lang, "data"),
        prevent_initial_call=True,
    )
    @requires(EXPORT_ROLE, action="export.report_now")
    def run_now(clicks: Any, lang: Any) -> Any:
        trigger = dash.ctx.triggered_id
        if not isinstance(trigger, dict) or not any(clicks or []):
            raise dash.exceptions.PreventUpdate
        lang = page_language(as_str(lang, ids.lang))
        ctx, who = app_context(), current_principal()
        assert who is not None
        name = str(trigger.get("report"))
        if name not in {r.name for r in ctx.config.reports}:
            raise dash.exceptions.PreventUpdate
        export_id = commands.run_report_now(ctx.store, ctx.config, ctx.clock(), who, name)
        if export_id is None:
            return t("exports.report_busy", lang).format(name=name), dash.no_update
        return t("exports.asked", lang).format(id=export_id), export_id

"""The "Export PDF" control of the page chrome: paper and orientation, then a PDF of exactly
the page on screen (its address: filters, time range, open asset; its language), made
outside the request by the render workers (`dashboard.exports.worker`).

Shown to those who may export (managers and admins) on the pages that export
(`EXPORTABLE_VIEWS`; hidden on the others as the address changes). A click sends the
browser's address (`location.pathname + search`) to the server, which checks it again: the
`requires("manager")` mark (the guard answers anyone else 403, audited), a page that exports,
and one this account may see; then it queues the export for the signed-in user, rendered
with that user's rights and no more. The control then polls the queue each second while its
export is pending: place in the queue, progress, and the download link or why it failed.

Ids are prefixed `pdfx-`; the control carries the `pdf-export` class, hidden in print mode.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import commands
from dashboard.auth import current_principal, has_role, requires
from dashboard.callback_requests import BadCallbackInput, as_str
from dashboard.config_exports import EXPORTABLE_VIEWS, exportable_view
from dashboard.exports import EXPORT_ROLE
from dashboard.exports.deliver import download_path
from dashboard.i18n import Lang, t
from dashboard.queries.exports import export_by_id, queued_ahead
from dashboard.store import ExportView
from layouts._shared.components import app_context, page_language

__all__ = [
    "export_control",
    "export_status",
    "ids",
    "may_export_here",
    "queue_export",
    "refusal",
    "register_pdf_export",
]

ROUTER_LOCATION = "_pages_location"  # Dash pages' own dcc.Location (the address)
POLL_MS = 1000


class ids:
    root = "pdfx-root"
    paper = "pdfx-paper"
    orientation = "pdfx-orientation"
    submit = "pdfx-submit"
    asked = "pdfx-asked"  # the browser's address at the click (clientside)
    job = "pdfx-job"  # the export id being followed
    status = "pdfx-status"
    poll = "pdfx-poll"


def may_export_here() -> bool:
    """Does the signed-in principal hold the right to export (a person, manager or above)?"""
    who = current_principal()
    return who is not None and who.kind == "user" and has_role(who, EXPORT_ROLE)


def export_control(lang: Lang) -> html.Div:
    """The control for the page chrome (an empty, hidden box for those who may not export)."""
    if not may_export_here():
        return html.Div(id=ids.root, hidden=True, className="pdf-export")
    panel = html.Div(
        [
            html.Label(t("exports.paper", lang), className="control-label"),
            dcc.RadioItems(["A4", "A3"], "A4", id=ids.paper, className="pdfx-choice", inline=True),
            html.Label(t("exports.orientation", lang), className="control-label"),
            dcc.RadioItems(
                [
                    {"label": t("exports.portrait", lang), "value": "portrait"},
                    {"label": t("exports.landscape", lang), "value": "landscape"},
                ],
                "landscape",
                id=ids.orientation,
                className="pdfx-choice",
                inline=True,
            ),
            html.Button(
                t("exports.button", lang), id=ids.submit, type="button", className="pdfx-submit"
            ),
            html.Div(id=ids.status, className="pdfx-status", role="status"),
        ],
        className="pdfx-panel",
    )
    return html.Div(
        [
            html.Details([html.Summary(t("exports.button", lang)), panel], className="pdfx"),
            dcc.Store(id=ids.asked),
            dcc.Store(id=ids.job),
            dcc.Interval(id=ids.poll, interval=POLL_MS, disabled=True),
        ],
        id=ids.root,
        className="pdf-export",
    )


def _size(n: int | None) -> str:
    if n is None:
        return ""
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def export_status(export: ExportView, ahead: int, lang: Lang) -> Any:
    """What the control (and /exports) says of `export`: its place or progress, its
    download link when done, why when it failed."""
    if export.status == "queued":
        return html.Span(t("exports.queued", lang).format(ahead=ahead), className="pdfx-queued")
    if export.status == "running":
        return html.Div(
            [
                html.Span(t("exports.running", lang).format(progress=export.progress)),
                html.Progress(value=str(export.progress), max="100", className="pdfx-progress"),
            ],
            className="pdfx-running",
        )
    link = (
        html.A(
            t("exports.download", lang),
            href=download_path(export.id),
            className="pdfx-download",
            download=f"cityops-{export.id}.pdf",
        )
        if export.file
        else None
    )
    if export.status == "done":
        label = html.Span(t("exports.done", lang).format(size=_size(export.size_bytes)))
        return html.Div([label, link], className="pdfx-done")
    why = html.Span(t("exports.failed", lang).format(error=export.error or "?"))
    return html.Div([why, link], className="pdfx-failed")


def _asked(value: Any) -> tuple[str, Lang]:
    """The page address the browser sent (checked), and the language it shows."""
    if not isinstance(value, dict):
        raise BadCallbackInput(f"{ids.asked}: expected an object")
    href = as_str(value.get("href"), f"{ids.asked}.href") or ""
    if not href.startswith("/") or href.startswith("//") or len(href) > 2000:
        raise BadCallbackInput(f"{ids.asked}.href: expected a page address")
    parts = urlsplit(href)
    url_lang = parse_qs(parts.query).get("lang", [None])[0]
    # The page as Dash's router takes the address (slashes stripped at both ends).
    path = "/" + parts.path.strip("/") + (f"?{parts.query}" if parts.query else "")
    return path, page_language(url_lang)


ASK_JS = """
function (n) {
    if (!n) { return window.dash_clientside.no_update; }
    return {href: window.location.pathname + window.location.search, n: n};
}
"""
# Hidden on a page that does not export (the address changes without a new layout).
SHOW_JS = f"""
function (path) {{
    var page = (path || "/").replace(/\\/+$/, "") || "/";
    return {json.dumps(list(EXPORTABLE_VIEWS))}.indexOf(page) < 0;
}}
"""


def register_pdf_export(app: Any) -> None:
    """Wire the control (chrome callbacks, registered once per app)."""
    app.clientside_callback(SHOW_JS, Output(ids.root, "hidden"), Input(ROUTER_LOCATION, "pathname"))
    app.clientside_callback(
        ASK_JS, Output(ids.asked, "data"), Input(ids.submit, "n_clicks"), prevent_initial_call=True
    )

    @app.callback(
        Output(ids.job, "data"),
        Output(ids.status, "children"),
        Output(ids.poll, "disabled"),
        Input(ids.asked, "data"),
        State(ids.paper, "value"),
        State(ids.orientation, "value"),
        prevent_initial_call=True,
    )
    @requires(EXPORT_ROLE, action="export.pdf")
    def ask(asked: Any, paper: Any, orientation: Any) -> tuple[Any, Any, bool]:
        href, lang = _asked(asked)
        export_id, said = queue_export(href, paper, orientation != "portrait", lang)
        if export_id is None:
            return None, html.Span(said, className="pdfx-failed"), True
        return export_id, said, False

    @app.callback(
        Output(ids.status, "children", allow_duplicate=True),
        Output(ids.poll, "disabled", allow_duplicate=True),
        Input(ids.poll, "n_intervals"),
        State(ids.job, "data"),
        prevent_initial_call=True,
    )
    def follow(_: Any, export_id: Any) -> tuple[Any, bool]:
        if not isinstance(export_id, int) or not may_export_here():
            raise PreventUpdate
        ctx = app_context()
        with ctx.store.read_session() as session:
            export = export_by_id(session, export_id)
            ahead = queued_ahead(session, export_id) if export is not None else 0
        if export is None or export.requested_by != current_principal().name:  # type: ignore[union-attr]
            raise PreventUpdate
        return export_status(export, ahead, page_language(None)), not export.pending


def queue_export(href: str, paper: Any, landscape: bool, lang: Lang) -> tuple[int | None, str]:
    """Queue a PDF of the page at `href` for the signed-in manager, in `lang`, unless
    `refusal` says no: (its export id, or None; what to tell them)."""
    why = refusal(href, lang)
    if why is not None:
        return None, why
    ctx, who = app_context(), current_principal()
    assert who is not None  # the callbacks' `requires` mark lets only signed-in people in
    export_id = commands.request_export(
        ctx.store,
        ctx.clock(),
        who,
        href,
        paper="A3" if paper == "A3" else "A4",
        landscape=landscape,
        lang=lang,
    )
    return export_id, t("exports.asked", lang).format(id=export_id)


def refusal(href: str, lang: Lang) -> str | None:
    """Why the signed-in manager may not export the page at `href` (None: they may): not a
    page that exports, or one this account may not see."""
    from layouts._shared.shell import may_see

    path = urlsplit(href).path
    if not exportable_view(path):
        return t("exports.bad_view", lang).format(view=path)
    if not may_see(path):
        return t("exports.refused", lang)
    return None

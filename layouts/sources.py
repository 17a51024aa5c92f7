"""/sources: every configured feed's health, pause/resume of each feed, and one feed's runs.

Fed by `dashboard.queries.sources` (the same numbers as /healthz and /api/v1/sources). The table
refreshes every 10 s by replacing its `data`; a stale or failing feed is coloured, never hidden.

Pausing writes `source_state.paused` through `Store.set_paused`, never calls the scheduler: the
scheduler may run in another process, and it reads the flag before every run. The toggles carry
the action they showed (pause or resume), so two operators clicking at once both get what they
asked for instead of undoing each other. "Run now" likewise only leaves a request in the store
(`Store.request_run`); the scheduler that leads takes it within one lease tick.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import dash
import pandas as pd
from dash import ALL, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import commands
from dashboard.auth import current_principal, requires
from dashboard.callback_requests import BadCallbackInput, as_dict_list, as_str
from dashboard.config import SourceConfig
from dashboard.figures.theme import STATUS_ROW
from dashboard.i18n import format_duration, t
from dashboard.queries import dropped_files as qf
from dashboard.queries import sources as q
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

log = logging.getLogger(__name__)

PAGE = PageMeta(path="/sources", order=90, title_key="sources.nav")
REFRESH_MS = 10_000
HISTORY_RUNS = 20


class ids:
    lang = "sources-lang"
    interval = "sources-interval"
    table = "sources-table"
    updated = "sources-updated"
    pick = "sources-pick"
    history = "sources-history"
    toggle = "sources-toggle"  # pattern id {"type": toggle, "source": <name>}, one per feed
    run = "sources-run"  # pattern id {"type": run, "source": <name>}
    acted = "sources-acted"
    notice = "sources-notice"
    files = "sources-files"  # a file-drop source's files (shown when one is picked)
    files_section = "sources-files-section"


PAUSE, RESUME = "pause", "resume"


def run_id(source: Any) -> dict[str, Any]:
    """The id of `source`'s run-now button (`source` may be a wildcard such as ALL)."""
    return {"type": ids.run, "source": source}


def toggle_id(source: Any) -> dict[str, Any]:
    """The id of `source`'s pause/resume toggle (`source` may be a wildcard such as ALL)."""
    return {"type": ids.toggle, "source": source}


TABLE_COLUMNS = (
    "name",
    "type",
    "state",
    "last_run",
    "health",
    "link",
    "rows",
    "rejected",
    "age",
    "next_run",
    "error",
)
HISTORY_COLUMNS = ("started", "run_status", "rows", "rejected", "duration", "run_error")
RUN_STATUSES = ("ok", "error", "running")
FILE_COLUMNS = ("file_name", "taken_at", "file_status", "rows", "quarantined", "why")
FILE_STATUSES = ("done", "failed")
FILE_KINDS = ("files",)  # source types whose picked view shows the files they took in


# Counts are numbers (they sort as numbers) shown with the language's thousands separator.
COUNT_COLUMNS = ("rows", "rejected", "quarantined")


def _columns(keys: tuple[str, ...], lang: str) -> list[dict[str, Any]]:
    count = {"type": "numeric", "format": {"specifier": ",d"}}
    return [
        {"id": k, "name": t(f"sources.col.{k}", lang), **(count if k in COUNT_COLUMNS else {})}
        for k in keys
    ]


# Row colours by the status word shown (i18n key -> meaning in theme.STATUS_ROW): failing red,
# stale or never-run amber, paused and disabled dimmed. Matched on the shown word, per language.
HEALTH_LOOKS = (
    ("health.error", "bad"),
    ("health.stale", "warn"),
    ("health.never", "attention"),
    ("health.paused", "muted"),
    ("health.disabled", "off"),
)
RUN_LOOKS = (("run.error", "bad"), ("run.running", "busy"))
FILE_LOOKS = (("file.failed", "bad"),)


def _row_styles(lang: str, column: str, looks: tuple[tuple[str, str], ...]) -> list[Any]:
    return [
        {
            "if": {"filter_query": f'{{{column}}} = "{t(key, lang)}"'},
            "backgroundColor": STATUS_ROW[meaning][0],
            "color": STATUS_ROW[meaning][1],
        }
        for key, meaning in looks
    ] + [{"if": {"column_id": column}, "fontWeight": "700"}]


def _controls(sources: Sequence[SourceConfig], lang: str) -> list[Any]:
    # Labels arrive with the first health refresh (the layout never queries).
    rows = [
        control_row(
            s.name,
            html.Div(
                [
                    action_button(toggle_id(s.name), "…"),
                    action_button(run_id(s.name), t("sources.run_now", lang)),
                ],
                className="source-actions",
            )
            if s.enabled
            else html.Span(t("sources.disabled_note", lang)),
        )
        for s in sources
    ]
    return [
        html.H2(t("sources.controls", lang), className="section-title"),
        html.P(t("sources.controls_intro", lang), className="page-intro"),
        html.Div(rows, className="source-controls"),
        html.Div(id=ids.notice, role="status", className="updated-line"),
    ]


def layout(lang: str | None = None, source: str | None = None, **_: Any) -> html.Div:
    """The page skeleton: heading, empty health table, feed controls, picker, empty history."""
    lang = page_language(lang)
    configured = app_context().config.sources
    names = [s.name for s in configured]
    chosen = source if source in names else (names[0] if names else None)
    return html.Div(
        [
            dcc.Store(id=ids.lang, data=lang),
            dcc.Interval(id=ids.interval, interval=REFRESH_MS),
            dcc.Store(id=ids.acted),
            page_heading(t("sources.title", lang), t("sources.intro", lang)),
            html.Div(
                [html.Span(t("sources.updated", lang) + ": "), html.Span("…", id=ids.updated)],
                className="updated-line",
            ),
            data_table(
                ids.table,
                _columns(TABLE_COLUMNS, lang),
                _row_styles(lang, "health", HEALTH_LOOKS),
                lang=lang,
            ),
            *_controls(configured, lang),
            html.H2(t("sources.history", lang), className="section-title"),
            html.Label(t("sources.pick", lang), htmlFor=ids.pick, className="control-label"),
            dcc.Dropdown(
                id=ids.pick,
                options=[{"label": n, "value": n} for n in names],
                value=chosen,
                clearable=False,
                className="source-pick",
            ),
            data_table(
                ids.history,
                _columns(HISTORY_COLUMNS, lang),
                _row_styles(lang, "run_status", RUN_LOOKS),
                HISTORY_RUNS,
                lang=lang,
            ),
            _files_section(lang),
        ],
        className="page page-sources",
    )


def _files_section(lang: str) -> html.Div:
    # Hidden until a file-drop source is picked (`refresh_files`).
    return html.Div(
        [
            html.H2(t("sources.files", lang), className="section-title"),
            html.P(t("sources.files_intro", lang), className="page-intro"),
            data_table(
                ids.files,
                _columns(FILE_COLUMNS, lang),
                _row_styles(lang, "file_status", FILE_LOOKS),
                HISTORY_RUNS,
                lang=lang,
            ),
        ],
        id=ids.files_section,
        hidden=True,
    )


def link_text(h: q.SourceHealth, lang: str, tz: Any) -> str:
    """A push source's link in words: connected since…, retrying since…: why, failing…."""
    if h.link is None:
        return t("sources.none", lang)
    since = local_time(h.link_since, tz) or t("sources.none", lang)
    return t(f"sources.link.{h.link}", lang).format(since=since, why=h.link_detail or "")


def health_rows(health: list[q.SourceHealth], lang: str, tz: Any) -> list[dict[str, Any]]:
    """The table rows of `health`: words in `lang`, times local in `tz`."""
    none = t("sources.none", lang)
    rows = []
    for h in health:
        state = "disabled" if not h.enabled else "paused" if h.paused else "enabled"
        next_run = t("sources.due", lang) if h.due else local_time(h.next_run, tz) or none
        error = h.last_error or none
        if h.last_error and h.last_error_at:
            error = f"{local_time(h.last_error_at, tz)} · {h.last_error}"
        age = format_duration(h.age_s, lang)
        rows.append(
            {
                "name": h.name,
                "type": h.type,
                "state": t(f"state.{state}", lang),
                "last_run": local_time(h.last_run_started, tz) or none,
                "health": t(f"health.{h.health}", lang),
                "health_code": str(h.health),
                "link": link_text(h, lang, tz),
                "paused": h.paused,
                "rows": none if h.rows is None else h.rows,
                "rejected": none if h.rejected is None else h.rejected,
                "age": f"⚠ {age}" if h.stale else age,
                "next_run": next_run,
                "error": error,
            }
        )
    return rows


def _seconds(value: float, lang: str) -> str:
    text = f"{value:.1f} s"
    return text.replace(".", ",") if lang == "vi" else text


def history_rows(runs: pd.DataFrame, lang: str, tz: Any) -> list[dict[str, Any]]:
    """Rows of the run-history table from `queries.sources.run_history`'s frame."""
    none = t("sources.none", lang)
    return [
        {
            "started": local_time(r.started_at.to_pydatetime(), tz),
            "run_status": t(f"run.{r.status}", lang) if r.status in RUN_STATUSES else r.status,
            "rows": r.rows,
            "rejected": r.rejected,
            "duration": none if pd.isna(r.duration_s) else _seconds(r.duration_s, lang),
            "run_error": r.error or none,
        }
        for r in runs.itertuples()
    ]


def file_rows(files: pd.DataFrame, lang: str, tz: Any) -> list[dict[str, Any]]:
    """Rows of the files table from `queries.dropped_files.recent_files`'s frame."""
    none = t("sources.none", lang)
    return [
        {
            "file_name": f.file_name,
            "taken_at": local_time(f.ingested_at.to_pydatetime(), tz),
            "file_status": t(f"file.{f.status}", lang) if f.status in FILE_STATUSES else f.status,
            "rows": f.rows,
            "quarantined": f.quarantined,
            "why": f.detail or none,
        }
        for f in files.itertuples()
    ]


def toggle_states(
    rows: list[dict[str, Any]], names: list[str], lang: str
) -> tuple[list[str], list[str | None]]:
    """Label and action of each feed's toggle, from the health table's rows.

    A feed missing from the rows keeps "…" and no action, so a click on it does nothing.
    """
    paused = {r["name"]: bool(r.get("paused")) for r in rows}
    actions = [None if n not in paused else RESUME if paused[n] else PAUSE for n in names]
    labels = ["…" if a is None else t(f"sources.{a}", lang) for a in actions]
    return labels, actions


def pause_request(source: str, action: str | None, sources: Sequence[SourceConfig]) -> bool | None:
    """The paused flag to store for a toggle click, or None when the click must be ignored.

    The browser can send anything: only a configured, enabled feed can be paused or resumed.
    """
    if action not in (PAUSE, RESUME):
        return None
    if not any(s.name == source and s.enabled for s in sources):
        return None
    return action == PAUSE


def _clicked(states: list[dict[str, Any]]) -> tuple[str, str | None]:
    # The feed whose toggle fired, and the action its button showed when it was clicked.
    trigger = dash.ctx.triggered_id
    if not isinstance(trigger, dict) or not dash.ctx.triggered[0]["value"]:
        raise PreventUpdate
    action = next((s.get("value") for s in states if s["id"] == trigger), None)
    return trigger["source"], action


def register_callbacks(app: dash.Dash) -> None:
    """Wire this page's callbacks to `app` (per app, so two apps never share them)."""

    @app.callback(
        Output(ids.table, "data"),
        Output(ids.updated, "children"),
        *refreshed_by(ids),
    )
    def refresh_health(_n: int | None, _acted: Any, lang: str) -> tuple[list[dict[str, Any]], str]:
        ctx = app_context()
        now = ctx.clock()
        with ctx.store.read_session() as session:
            health = q.source_health(session, ctx.config, now)
        tz = ctx.config.city.tz
        return health_rows(health, lang, tz), local_time(now, tz, "%H:%M:%S") or ""

    @app.callback(
        Output(ids.history, "data"),
        Input(ids.pick, "value"),
        Input(ids.interval, "n_intervals"),
        State(ids.lang, "data"),
    )
    def refresh_history(source: Any, _n: int | None, lang: str) -> list[dict[str, Any]]:
        source = as_str(source, "the feed picked")
        if not source:
            return []
        ctx = app_context()
        with ctx.store.read_session() as session:
            runs = q.run_history(session, source, HISTORY_RUNS)
        return history_rows(runs, lang, ctx.config.city.tz)

    @app.callback(
        Output(ids.files, "data"),
        Output(ids.files_section, "hidden"),
        Input(ids.pick, "value"),
        Input(ids.interval, "n_intervals"),
        State(ids.lang, "data"),
    )
    def refresh_files(source: Any, _n: int | None, lang: str) -> tuple[list[dict[str, Any]], bool]:
        source = as_str(source, "the feed picked")
        ctx = app_context()
        if not any(s.name == source and s.type in FILE_KINDS for s in ctx.config.sources):
            return [], True
        with ctx.store.read_session() as session:
            files = qf.recent_files(session, source, HISTORY_RUNS)
        return file_rows(files, lang, ctx.config.city.tz), False

    @app.callback(
        Output(toggle_id(ALL), "children"),
        Output(toggle_id(ALL), "value"),
        Input(ids.table, "data"),
        State(ids.lang, "data"),
    )
    def sync_toggles(rows: Any, lang: str) -> Any:
        rows = as_dict_list(rows, "the health table") or []
        if not all(isinstance(r.get("name"), str) for r in rows):
            raise BadCallbackInput("each row of the health table needs a feed name")
        names = [o["id"]["source"] for o in dash.ctx.outputs_list[0]]
        return toggle_states(rows, names, lang)

    @app.callback(
        Output(ids.acted, "data"),
        Output(ids.notice, "children"),
        Input(toggle_id(ALL), "n_clicks"),
        State(toggle_id(ALL), "value"),
        State(ids.lang, "data"),
        prevent_initial_call=True,
    )
    @requires("admin", action="source.pause")
    def toggle_pause(_clicks: Any, _actions: Any, lang: str) -> tuple[dict[str, Any], str]:
        # Server-side on purpose: only admins reach here (`requires`), whatever the browser.
        source, action = _clicked(dash.ctx.states_list[0])
        ctx, who = app_context(), current_principal()
        assert who is not None  # `requires` let a signed-in admin through
        paused = pause_request(source, action, ctx.config.sources)
        if paused is None:
            log.warning("ignored toggle %r on feed %r", action, source)
            raise PreventUpdate
        set_paused = commands.pause_source if paused else commands.resume_source
        set_paused(ctx.store, ctx.clock(), who, source)
        log.info("feed %s %s from /sources", source, "paused" if paused else "resumed")
        notice = t("sources.paused_notice" if paused else "sources.resumed_notice", lang)
        acted = {"source": source, "paused": paused, "click": dash.ctx.triggered[0]["value"]}
        return acted, notice.format(name=source)

    @app.callback(
        Output(ids.notice, "children", allow_duplicate=True),
        Input(run_id(ALL), "n_clicks"),
        State(ids.lang, "data"),
        prevent_initial_call=True,
    )
    @requires("admin", action="source.run_now")
    def run_now(_clicks: Any, lang: str) -> str:
        # Server-side: only admins (`requires`), only a configured, enabled feed.
        trigger = dash.ctx.triggered_id
        if not isinstance(trigger, dict) or not dash.ctx.triggered[0]["value"]:
            raise PreventUpdate
        ctx, who, source = app_context(), current_principal(), trigger["source"]
        if who is None or not any(s.name == source and s.enabled for s in ctx.config.sources):
            raise PreventUpdate
        commands.run_source_now(ctx.store, ctx.clock(), who, source)
        log.info("run of %s requested from /sources", source)
        return t("sources.run_notice", lang).format(name=source)

"""/sources: every configured feed's health, and the run history of one feed.

Fed by `dashboard.queries.sources` (the same numbers as /healthz and /api/v1/sources). The table
refreshes every 10 s by replacing its `data`; a stale or failing feed is coloured, never hidden.
"""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard.figures.theme import STATUS_ROW
from dashboard.i18n import format_duration, t
from dashboard.queries import sources as q
from layouts.components import (
    PageMeta,
    app_context,
    data_table,
    local_time,
    page_heading,
    page_language,
)

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


TABLE_COLUMNS = (
    "name",
    "type",
    "state",
    "last_run",
    "health",
    "rows",
    "rejected",
    "age",
    "next_run",
    "error",
)
HISTORY_COLUMNS = ("started", "run_status", "rows", "rejected", "duration", "run_error")
RUN_STATUSES = ("ok", "error", "running")


def _columns(keys: tuple[str, ...], lang: str) -> list[dict[str, Any]]:
    return [{"id": k, "name": t(f"sources.col.{k}", lang)} for k in keys]


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


def _row_styles(lang: str, column: str, looks: tuple[tuple[str, str], ...]) -> list[Any]:
    return [
        {
            "if": {"filter_query": f'{{{column}}} = "{t(key, lang)}"'},
            "backgroundColor": STATUS_ROW[meaning][0],
            "color": STATUS_ROW[meaning][1],
        }
        for key, meaning in looks
    ] + [{"if": {"column_id": column}, "fontWeight": "700"}]


def layout(lang: str | None = None, source: str | None = None, **_: Any) -> html.Div:
    """The page skeleton: heading, empty health table, source picker, empty history table."""
    lang = page_language(lang)
    names = [s.name for s in app_context().config.sources]
    chosen = source if source in names else (names[0] if names else None)
    return html.Div(
        [
            dcc.Store(id=ids.lang, data=lang),
            dcc.Interval(id=ids.interval, interval=REFRESH_MS),
            page_heading(t("sources.title", lang), t("sources.intro", lang)),
            html.Div(
                [html.Span(t("sources.updated", lang) + ": "), html.Span("…", id=ids.updated)],
                className="updated-line",
            ),
            data_table(
                ids.table, _columns(TABLE_COLUMNS, lang), _row_styles(lang, "health", HEALTH_LOOKS)
            ),
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
            ),
        ],
        className="page page-sources",
    )


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


def register_callbacks(app: dash.Dash) -> None:
    """Wire this page's callbacks to `app` (per app, so two apps never share them)."""

    @app.callback(
        Output(ids.table, "data"),
        Output(ids.updated, "children"),
        Input(ids.interval, "n_intervals"),
        State(ids.lang, "data"),
    )
    def refresh_health(_n: int | None, lang: str) -> tuple[list[dict[str, Any]], str]:
        ctx = app_context()
        now = ctx.clock()
        with ctx.store.read_session() as session:
            health = q.source_health(session, ctx.config.sources, now)
        tz = ctx.config.city.tz
        return health_rows(health, lang, tz), local_time(now, tz, "%H:%M:%S") or ""

    @app.callback(
        Output(ids.history, "data"),
        Input(ids.pick, "value"),
        Input(ids.interval, "n_intervals"),
        State(ids.lang, "data"),
    )
    def refresh_history(source: str | None, _n: int | None, lang: str) -> list[dict[str, Any]]:
        if not source:
            return []
        ctx = app_context()
        with ctx.store.read_session() as session:
            runs = q.run_history(session, source, HISTORY_RUNS)
        return history_rows(runs, lang, ctx.config.city.tz)

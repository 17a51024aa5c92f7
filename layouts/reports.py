"""/reports: citizen reports for managers, and the desk where staff work them.

Fed by `dashboard.queries.report_stats` (the overview: volume by category and area, hotspots,
time to acknowledge and to close against each category's service level) and
`dashboard.queries.report_desk` (the list, a report's detail and audit trail). The view is in
the URL like every drill-down page's (layouts/_drill/filter_bar.py): areas, range, status,
category and the open report (`asset=<report id>`). A click on a category bar filters to the
category, on an area to the area, on a report (map or list) opens it.

The desk (list, CSV) is layouts/_reports/desk.py; the detail and the workflow
layouts/_reports/detail.py.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.basemap import BaseMap
from dashboard.figures.drillcharts import area_bars, pending_figure
from dashboard.figures.locale import graph_config
from dashboard.figures.mapbase import fit_view
from dashboard.figures.reportcharts import category_bars, hotspot_map, time_bars
from dashboard.i18n import category_labels, format_duration, t
from dashboard.queries import report_stats as q
from layouts._drill.filter_bar import area_level, filter_bar, read_filter
from layouts._drill.print_words import view_heading
from layouts._drill.url_sync import clicked_customdata, register_filter_sync
from layouts._reports import desk as report_desk
from layouts._reports import detail as report_detail
from layouts._reports.common import (
    DRILL,
    desk_filter,
    extra_labels,
    ids,
    report_spec,
)
from layouts._shared.components import (
    PageMeta,
    app_context,
    data_table,
    page_language,
)
from layouts._shared.table_export import export_button, register_csv_export

__all__ = ["PAGE", "ids", "layout", "register_callbacks"]

PAGE = PageMeta(path="/reports", order=50, title_key="reports.nav", roles=("viewer",))
MAP_PX = (1100, 520)
TIME_TABLE = (
    "key",
    "reports",
    "acknowledged",
    "ack_median_h",
    "closed",
    "close_median_h",
    "close_p90_h",
    "sla_h",
    "within_sla_share",
)


def _graph(graph_id: str, lang: str, height: int = 340, **config: Any) -> dcc.Graph:
    # A fixed height: a responsive graph takes its container's, and a grid row of graphs
    # alone has none of its own.
    return dcc.Graph(
        id=graph_id,
        figure=pending_figure(lang=lang, height=height),
        config=graph_config(lang, responsive=True, **config),
        style={"height": f"{height}px"},
    )


def _panel(title: str, *children: Any) -> html.Section:
    return html.Section([html.H2(title), *children], className="drill-panel")


def _time_columns(lang: str) -> list[dict[str, Any]]:
    number = {"type": "numeric", "format": {"specifier": ",.1f"}}
    count = {"type": "numeric", "format": {"specifier": ",d"}}
    cols: list[dict[str, Any]] = []
    for key in TIME_TABLE:
        fmt = (
            {}
            if key == "key"
            else count
            if key in ("reports", "acknowledged", "closed")
            else number
        )
        cols.append({"id": key, "name": t(f"reports.col.{key}", lang), **fmt})
    cols[0]["name"] = t("reports.col.category", lang)
    return cols


def layout(lang: str | None = None, **query: Any) -> html.Div:
    """The page skeleton, controls prefilled from the URL (no query runs here)."""
    lang = page_language(lang)
    spec = report_spec(app_context().config)
    parsed = read_filter(query, spec)
    overview = [
        html.Div(id=ids.summary, className="desk-summary", role="status"),
        html.Div(
            [
                _panel(
                    t("reports.chart.hotspots", lang),
                    _graph(ids.hotspots, lang, MAP_PX[1], scrollZoom=True),
                ),
                _panel(t("reports.chart.by_category", lang), _graph(ids.by_category, lang, 420)),
            ],
            className="drill-grid",
        ),
        html.Div(
            [
                _panel(t("reports.chart.times", lang), _graph(ids.times, lang, 420)),
                _panel(t("reports.chart.by_area", lang), _graph(ids.by_area, lang, 420)),
            ],
            className="drill-grid-2",
        ),
        html.Div(
            [
                _panel(t("reports.chart.times_area", lang), _graph(ids.times_area, lang, 420)),
                html.Section(
                    [
                        html.Div(
                            [
                                html.H2(t("reports.times_table", lang)),
                                export_button(ids.times_table, lang),
                            ],
                            className="drill-table-head",
                        ),
                        data_table(ids.times_table, _time_columns(lang), page_size=12, lang=lang),
                    ],
                    className="drill-panel",
                ),
            ],
            className="drill-grid-2",
        ),
    ]
    return html.Div(
        [
            dcc.Store(id=ids.lang, data=lang),
            dcc.Store(id=ids.acted),
            view_heading("reports", parsed.filter, spec, lang, query, extra_labels(lang)),
            filter_bar(DRILL, parsed, spec, lang, extra_labels(lang)),
            *overview,
            html.Div(
                [report_desk.desk_section(lang), report_detail.detail_section(lang)],
                className="desk-grid",
            ),
        ],
        className="page page-drill page-reports",
    )


def _hours(value: float | None, lang: str) -> str:
    return "—" if value is None else format_duration(value * 3600, lang)


def summary_tiles(s: q.ReportSummary, lang: str) -> list[html.Div]:
    """The headline numbers as tiles."""
    share = "—" if s.within_sla_share is None else f"{100 * s.within_sla_share:.0f} %"
    values = (
        ("received", f"{s.received:,}".replace(",", "." if lang == "vi" else ",")),
        ("open", f"{s.open:,}".replace(",", "." if lang == "vi" else ",")),
        ("overdue", f"{s.overdue:,}".replace(",", "." if lang == "vi" else ",")),
        ("ack", _hours(s.ack_median_h, lang)),
        ("close", _hours(s.close_median_h, lang)),
        ("within", share),
    )
    return [
        html.Div(
            [
                html.Div(t(f"reports.kpi.{k}", lang), className="desk-kpi-label"),
                html.Div(v, className="desk-kpi-value", **{"data-kpi": k}),
            ],
            className="desk-kpi" + (" is-bad" if k == "overdue" and s.overdue else ""),
        )
        for k, v in values
    ]


def overview(query: str | None, lang: str) -> tuple[Any, ...]:
    """Every overview panel's value for the view `query` (one read, then figures)."""
    context = app_context()
    config, now = context.config, context.clock()
    drill = read_filter(query, report_spec(config)).filter
    level, name_prop = area_level(config)
    with context.store.read_session() as session:
        facts = q.report_facts(session, desk_filter(drill), now)
    labels = category_labels(lang)
    outside = {"": t("drill.zone.outside" if level == "zone" else "reports.outside", lang)}
    by_cat, by_area = q.volume_by(facts, "category"), q.volume_by(facts, level)
    times = q.response_times(facts, "category")
    times_area = q.response_times(facts, level)
    base = BaseMap.load(config)
    center, zoom = fit_view(base.city_bounds, *MAP_PX)
    selected = drill.zones if level == "zone" else drill.wards
    counts = dict(zip(by_area["key"], by_area["reports"].astype(float), strict=True))
    return (
        summary_tiles(q.summary(facts), lang),
        hotspot_map(
            base,
            facts,
            level=level,
            name_prop=name_prop,
            area_counts=counts,
            labels=labels,
            selected=selected,
            center=center,
            zoom=zoom,
            lang=lang,
        ),
        category_bars(by_cat, labels=labels, title="", lang=lang),
        time_bars(times, labels=labels, title="", lang=lang),
        area_bars(
            [outside.get(k, k) for k in by_area["key"]],
            list(by_area["reports"]),
            level=level,
            title="",
            value_label=t("reports.series.reports", lang),
            lang=lang,
            selected=selected,
        ),
        time_bars(times_area, labels=outside, title="", lang=lang, click=level),
        time_rows(times, labels),
    )


def time_rows(times: Any, labels: dict[str, str]) -> list[dict[str, Any]]:
    """The response-time table's rows (share as a percentage)."""
    rows = []
    for r in times.to_dict("records"):
        share = r["within_sla_share"]
        rows.append(
            {
                **r,
                "key": labels.get(r["key"], r["key"]),
                "within_sla_share": None if share != share else round(100 * share, 1),
            }
        )
    return [
        {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in rows
    ]


def register_callbacks(app: dash.Dash) -> None:
    """Wire the page: URL sync, overview, category clicks, the desk and the detail."""
    spec_of = lambda: report_spec(app_context().config)  # noqa: E731 - the sync's spec, per request
    register_filter_sync(
        app, DRILL, spec_of, clicks=[ids.hotspots, ids.by_area], tables=[ids.table]
    )
    register_csv_export(app, ids.times_table, "report-times.csv")

    @app.callback(
        Output(ids.summary, "children"),
        Output(ids.hotspots, "figure"),
        Output(ids.by_category, "figure"),
        Output(ids.times, "figure"),
        Output(ids.by_area, "figure"),
        Output(ids.times_area, "figure"),
        Output(ids.times_table, "data"),
        Input(DRILL.state, "data"),
        Input(ids.acted, "data"),
        State(ids.lang, "data"),
    )
    def refresh_overview(query: str | None, _acted: Any, lang: str) -> tuple[Any, ...]:
        return overview(query, lang)

    # The URL sync writes this control too (back/forward); this click only proposes a value.
    @app.callback(
        Output(DRILL.extras["category"], "value", allow_duplicate=True),
        Input(ids.by_category, "clickData"),
        Input(ids.times, "clickData"),
        State(DRILL.extras["category"], "value"),
        prevent_initial_call=True,
    )
    def pick_category(bars: Any, times: Any, current: str | None) -> str:
        # A category bar toggles that category (the URL sync then follows the control).
        by_category = dash.ctx.triggered_id == ids.by_category
        target = click_target_category(bars if by_category else times, str(dash.ctx.triggered_id))
        if target is None:
            raise PreventUpdate
        return "all" if target == current else target

    report_desk.register(app)
    report_detail.register(app)


def click_target_category(click: Any, name: str = "clickData") -> str | None:
    """The category a chart click points at (customdata ["category", code]), else None."""
    data = clicked_customdata(click, name)
    if isinstance(data, list) and len(data) == 2 and data[0] == "category":
        return str(data[1])
    return None

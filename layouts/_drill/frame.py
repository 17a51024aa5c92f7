"""The frame every drill-down page shares: heading, filter bar, map and chart panels, ranking
tables with CSV download, and the asset detail panel; plus the wiring of all of them.

A page module (layouts/traffic.py, lighting.py, environment.py, alerts.py) says what is
specific to its domain: its extras, its panels, and one `build(view)` function that runs its
queries and figure builders for a view. `register_drill_page` registers the filter sync, the
detail panel, the CSV downloads and one callback that calls `build` whenever the view changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from dash import Input, Output, State, dcc, html

from dashboard.basemap import BaseMap
from dashboard.config import Config
from dashboard.figures.drillcharts import empty_figure
from dashboard.figures.locale import graph_config
from dashboard.figures.mapbase import fit_view
from dashboard.i18n import t
from dashboard.queries.filters import DrillFilter, FilterSpec, ParsedFilter
from layouts._drill.asset_detail import detail_panel, register_detail
from layouts._drill.filters import (
    DrillIds,
    area_level,
    filter_bar,
    page_lang,
    read_filter,
    register_filter_sync,
)
from layouts._drill.tables import column_help
from layouts._shared.components import app_context, data_table, page_heading, page_language
from layouts._shared.table_export import export_button, register_csv_export

__all__ = [
    "MAP_PX",
    "View",
    "drill_layout",
    "graph",
    "map_graph",
    "page_layout",
    "panel",
    "register_drill_page",
    "table_panel",
]

MAP_PX = (1100, 520)  # the map panel of a 1920x1080 screen


@dataclass(frozen=True)
class View:
    """What a page's `build` gets: the view's filter, a read session, and how to show it."""

    filter: DrillFilter
    session: Any  # a read session of the store (dashboard.store.Store.read_session)
    config: Config
    lang: str
    tz: tzinfo
    now: Any  # aware UTC datetime (the app's clock)
    level: str  # "zone" or "ward": what the map and bars group by
    name_prop: str
    base: BaseMap
    center: tuple[float, float]
    zoom: float

    @property
    def selected(self) -> tuple[str, ...]:
        """The chosen areas of the grouping level (drawn highlighted)."""
        return self.filter.zones if self.level == "zone" else self.filter.wards


def graph(graph_id: str, lang: str, height: int = 340) -> dcc.Graph:
    """An empty chart, filled by the page's callback."""
    return dcc.Graph(
        id=graph_id,
        figure=empty_figure("…", lang=lang, height=height),
        config=graph_config(lang),
    )


def map_graph(graph_id: str, lang: str) -> dcc.Graph:
    """The page's map (scroll zoom on, no mode bar)."""
    return dcc.Graph(
        id=graph_id,
        figure=empty_figure("…", lang=lang, height=MAP_PX[1]),
        config=graph_config(lang, scrollZoom=True),
        className="drill-map",
    )


def panel(title: str, *children: Any, **extra: Any) -> html.Section:
    return html.Section([html.H2(title), *children], className="drill-panel", **extra)


def table_panel(
    table_id: str, title: str, columns: list[dict[str, Any]], lang: str, page_size: int = 15
) -> html.Section:
    """A ranking table with its CSV button; a click on a row opens that row's asset."""
    head = html.Div([html.H2(title), export_button(table_id, lang)], className="drill-table-head")
    table = data_table(table_id, columns, page_size=page_size, lang=lang, selectable=True)
    notes = [html.P(text, className="drill-table-help") for text in column_help(columns, lang)]
    return html.Section([head, table, *notes], className="drill-panel")


def drill_layout(
    ids: DrillIds,
    parsed: ParsedFilter,
    spec: FilterSpec,
    lang: str,
    *,
    title: str,
    intro: str,
    body: Sequence[Any],
    extra_labels: Mapping[str, Mapping[str, str]] | None = None,
) -> html.Div:
    """The page: heading, filter bar (from the URL), hint, the page's body, the detail panel."""
    return html.Div(
        [
            page_heading(title, intro),
            filter_bar(ids, parsed, spec, lang, extra_labels),
            html.P(t("drill.hint", lang), className="drill-hint"),
            *body,
            detail_panel(ids, lang),
        ],
        className=f"page page-drill page-{ids.prefix}",
    )


def standard_body(
    lang: str,
    *,
    map_id: str,
    side: tuple[str, str],
    charts: Sequence[tuple[str, str]],
    tables: Sequence[tuple[str, str, list[dict[str, Any]]]],
) -> list[Any]:
    """The usual arrangement: the map beside one chart (`side` = (graph id, title)), then the
    other charts and the ranking tables two by two. Titles are already translated."""
    cells: list[Any] = [panel(title, graph(graph_id, lang)) for graph_id, title in charts]
    cells += [table_panel(table_id, title, cols, lang) for table_id, title, cols in tables]
    rows = [
        html.Div(
            [
                panel(t("drill.map", lang), map_graph(map_id, lang)),
                panel(side[1], graph(side[0], lang)),
            ],
            className="drill-grid",
        )
    ]
    rows += [html.Div(cells[i : i + 2], className="drill-grid-2") for i in range(0, len(cells), 2)]
    return rows


def page_layout(
    ids: DrillIds,
    spec: FilterSpec,
    key: str,
    lang: str | None,
    query: Mapping[str, Any],
    *,
    extra_labels: Mapping[str, Mapping[str, str]] | None = None,
    **body: Any,
) -> html.Div:
    """A page's whole layout: `<key>.title` and `<key>.intro`, the filter bar from the URL's
    `query`, then `standard_body(**body)` with its titles already translated."""
    shown = page_language(lang)
    return drill_layout(
        ids,
        read_filter(query, spec),
        spec,
        shown,
        title=t(f"{key}.title", shown),
        intro=t(f"{key}.intro", shown),
        body=standard_body(shown, **body),
        extra_labels=extra_labels,
    )


def _view(query: str | None, spec: FilterSpec, lang: str, session: Any) -> View:
    context = app_context()
    config = context.config
    level, name_prop = area_level(config)
    base = BaseMap.load(config)
    center, zoom = fit_view(base.city_bounds, *MAP_PX)
    return View(
        read_filter(query, spec).filter,
        session,
        config,
        lang,
        config.city.tz,
        context.clock(),
        level,
        name_prop,
        base,
        center,
        zoom,
    )


def register_drill_page(
    app: Any,
    ids: DrillIds,
    spec_of: Callable[[], FilterSpec],
    *,
    outputs: Sequence[Output],
    build: Callable[[View], tuple[Any, ...]],
    clicks: Sequence[str],
    tables: Mapping[str, str],
) -> None:
    """Wire a drill-down page: URL sync, detail, CSV per table (`tables`: id -> file name),
    and `build(view)` -> the values of `outputs` whenever the view changes."""
    register_filter_sync(app, ids, spec_of, clicks=clicks, tables=list(tables))
    register_detail(app, ids, spec_of)
    for table_id, filename in tables.items():
        register_csv_export(app, table_id, filename)

    @app.callback(*outputs, Input(ids.state, "data"), State(ids.url, "search"))
    def panels(query: str | None, search: str | None) -> tuple[Any, ...]:
        with app_context().store.read_session() as session:
            return build(_view(query, spec_of(), page_lang(search), session))

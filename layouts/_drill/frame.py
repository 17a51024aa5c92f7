"""The frame every drill-down page shares: heading, filter bar, map and chart panels, ranking
tables with CSV download, and the asset detail panel; plus the wiring of all of them.

A page module (layouts/traffic.py, lighting.py, environment.py, alerts.py) declares what is
specific to its domain as one `DrillPage`: its extras, its charts and tables, and one
`build(view)` function that runs its queries and figure builders for a view. The `DrillPage`
lays the page out and registers the filter sync, the detail panel, the CSV downloads and one
callback that calls `build` whenever the view changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard.basemap import BaseMap
from dashboard.config import Config
from dashboard.figures.drillcharts import area_bars, pending_figure
from dashboard.figures.drillmap import AssetLayer, drill_map
from dashboard.figures.locale import graph_config
from dashboard.figures.mapbase import fit_view
from dashboard.i18n import t
from dashboard.queries.filters import DrillFilter, FilterSpec
from layouts._drill.asset_detail import detail_panel, register_detail
from layouts._drill.filter_bar import (
    DrillIds,
    area_level,
    drill_ids,
    filter_bar,
    filter_spec,
    page_lang,
    read_filter,
)
from layouts._drill.print_words import view_heading
from layouts._drill.tables import column_help, columns, records, zone_words
from layouts._drill.url_sync import register_filter_sync
from layouts._shared.components import app_context, data_table, page_language
from layouts._shared.table_export import export_button, register_csv_export

__all__ = ["MAP_PX", "Chart", "DrillPage", "Table", "View", "graph", "map_graph", "panel"]

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

    def area_map(
        self, values: Mapping[str, float], label: str, layers: Sequence[AssetLayer]
    ) -> dict[str, Any]:
        """The view's map: its areas shaded by `values` (named `label`), `layers` on top."""
        return drill_map(
            self.base, level=self.level, name_prop=self.name_prop, area_values=values,
            value_label=label, layers=layers, selected=self.selected, center=self.center,
            zoom=self.zoom, lang=self.lang,
        )  # fmt: skip

    def area_bars(self, by_area: Any, column: str, label: str, decimals: int = 0) -> dict[str, Any]:
        """Bars of `by_area[column]` per area (a frame with an `area` column), largest on top."""
        return area_bars(
            list(by_area["area"]), list(by_area[column]), level=self.level, title="",
            value_label=label, lang=self.lang, selected=self.selected, decimals=decimals,
        )  # fmt: skip


def graph(graph_id: str, lang: str, height: int = 340) -> dcc.Graph:
    """An empty chart, filled by the page's callback."""
    return dcc.Graph(
        id=graph_id,
        figure=pending_figure(lang=lang, height=height),
        config=graph_config(lang),
    )


def map_graph(graph_id: str, lang: str) -> dcc.Graph:
    """The page's map (scroll zoom on, no mode bar)."""
    return dcc.Graph(
        id=graph_id,
        figure=pending_figure(lang=lang, height=MAP_PX[1]),
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


@dataclass(frozen=True)
class Chart:
    """A chart panel: its graph id and the text key of its title."""

    id: str
    title: str


@dataclass(frozen=True)
class Table:
    """A ranking table: its id (its CSV file is `<id>.csv`), the text key of its title, its
    columns (`drill.col.<field>`) and those whose cells come written with their unit."""

    id: str
    title: str
    fields: tuple[str, ...]
    text: tuple[str, ...] = ()
    words: Callable[[str], Mapping[str, Mapping[Any, str]]] | None = None

    def rows(self, frame: pd.DataFrame, view: View) -> list[dict[str, Any]]:
        """`frame`'s rows as this table's records: times local, codes as the page's words
        (`words(lang)`; a blank zone says the row lies outside every zone)."""
        words = dict(zone_words(view.lang)) if "zone" in self.fields else {}
        words |= self.words(view.lang) if self.words else {}
        return records(frame, self.fields, view.tz, words)


@dataclass(frozen=True)
class DrillPage:
    """One drill-down page as data: the frame builds its layout and wires its callbacks.

    The page shows `<key>.title` and `<key>.intro`, the filter bar (with `extras`, labelled by
    `extra_labels(lang)`), the map (`<key>-map`) beside `side`, then `charts` and `tables` two
    by two, and the asset detail. `build(view)` returns, in this order, the map's figure, the
    side chart's, each chart's, and each table's rows. A click on the map, on `side` or on a
    chart of `clicks` filters to an area or opens an asset. `more(lang)` adds sections
    below the tables (a page's own controls); a change of a store in `refresh` (its `data`)
    builds the view again (after the page acted on it).
    """

    key: str
    side: Chart
    charts: tuple[Chart, ...]
    tables: tuple[Table, ...]
    build: Callable[[View], tuple[Any, ...]]
    clicks: tuple[str, ...] = ()
    extras: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    extra_labels: Callable[[str], Mapping[str, Mapping[str, str]]] | None = None
    more: Callable[[str], list[Any]] | None = None
    refresh: tuple[str, ...] = ()

    @property
    def ids(self) -> DrillIds:
        return drill_ids(self.key, tuple(self.extras))

    @property
    def map_id(self) -> str:
        return f"{self.key}-map"

    def spec(self) -> FilterSpec:
        """The page's filter on the configured areas."""
        return filter_spec(app_context().config, self.extras)

    def outputs(self) -> list[Output]:
        figures = [self.map_id, self.side.id, *(chart.id for chart in self.charts)]
        return [Output(i, "figure") for i in figures] + [
            Output(table.id, "data") for table in self.tables
        ]

    def layout(self, lang: str | None = None, **query: Any) -> html.Div:
        """The page skeleton, controls prefilled from the URL's `query` (no query runs)."""
        shown = page_language(lang)
        spec = self.spec()
        parsed = read_filter(query, spec)
        labels = self.extra_labels(shown) if self.extra_labels else None
        return html.Div(
            [
                view_heading(self.key, parsed.filter, spec, shown, query, labels),
                filter_bar(self.ids, parsed, spec, shown, labels),
                html.P(t("drill.hint", shown), className="drill-hint"),
                *self._body(shown),
                *(self.more(shown) if self.more else []),
                detail_panel(self.ids, shown),
            ],
            className=f"page page-drill page-{self.key}",
        )

    def _body(self, lang: str) -> list[Any]:
        cells: list[Any] = [panel(t(c.title, lang), graph(c.id, lang)) for c in self.charts]
        cells += [
            table_panel(tb.id, t(tb.title, lang), columns(tb.fields, lang, text=tb.text), lang)
            for tb in self.tables
        ]
        top = [
            panel(t("drill.map", lang), map_graph(self.map_id, lang)),
            panel(t(self.side.title, lang), graph(self.side.id, lang)),
        ]
        rows = [html.Div(top, className="drill-grid")]
        rows += [
            html.Div(cells[i : i + 2], className="drill-grid-2") for i in range(0, len(cells), 2)
        ]
        return rows

    def register(self, app: Any) -> None:
        """Wire the page: URL sync, the detail, a CSV per table, and `build` on every view."""
        ids, spec_of, build = self.ids, self.spec, self.build
        tables = [table.id for table in self.tables]
        clicks = [self.map_id, self.side.id, *self.clicks]
        register_filter_sync(app, ids, spec_of, clicks=clicks, tables=tables)
        register_detail(app, ids, spec_of)
        for table_id in tables:
            register_csv_export(app, table_id, f"{table_id}.csv")

        @app.callback(
            *self.outputs(),
            Input(ids.state, "data"),
            State(ids.url, "search"),
            *(Input(store, "data") for store in self.refresh),
        )
        def panels(query: str | None, search: str | None, *_: Any) -> tuple[Any, ...]:
            with app_context().store.read_session() as session:
                view = _view(query, spec_of(), page_lang(search), session)
                values = build(view)
            figures = len(values) - len(self.tables)
            frames = values[figures:]
            rows = [tb.rows(f, view) for tb, f in zip(self.tables, frames, strict=True)]
            return (*values[:figures], *rows)


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

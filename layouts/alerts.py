"""/alerts: the wall's events and tiles as a list to filter and share, until the alerts engine.

Fed by `dashboard.queries.alerts` (the wall's `ticker_events` and `wall_kpis`): a map of the
events with a place, over areas shaded by their count; events by kind and by area (a bar
filters to that area); the events list (filterable by severity) and the tiles city-wide.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import Output, html

from dashboard.figures.drillcharts import area_bars
from dashboard.figures.drillmap import AssetLayer, drill_map
from dashboard.figures.tiles import format_quantity
from dashboard.i18n import category_labels, t
from dashboard.queries.alerts import SEVERITIES, alerts_view
from dashboard.queries.filters import FilterSpec
from layouts._drill.filters import drill_ids, filter_spec
from layouts._drill.frame import View, page_layout, register_drill_page
from layouts._drill.tables import columns, records, zone_words
from layouts._shared.components import PageMeta, app_context, page_language

PAGE = PageMeta(path="/alerts", order=60, title_key="alerts.nav", roles=("viewer",))
EXTRAS = {"severity": SEVERITIES}
ids = drill_ids("alerts", tuple(EXTRAS))
SEVERITY_COLOURS = {"bad": "#ff5a5f", "warn": "#ffb020", "info": "#4cc3ff"}


class panels:
    map = "alerts-map"
    areas = "alerts-areas"
    kinds = "alerts-kinds"
    events = "alerts-events"
    tiles = "alerts-tiles"


EVENT_TABLE = ("ts", "kind", "severity", "name", "ward", "zone", "value")
TILE_TABLE = ("tile", "value", "previous", "level")


def spec() -> FilterSpec:
    return filter_spec(app_context().config, EXTRAS)


def layout(lang: str | None = None, **query: Any) -> html.Div:
    """The page skeleton, controls prefilled from the URL (no query runs here)."""
    lang = page_language(lang)
    labels = {"severity": {v: t(f"alerts.severity.{v}", lang) for v in SEVERITIES}}
    return page_layout(
        ids,
        spec(),
        "alerts",
        lang,
        query,
        extra_labels=labels,
        map_id=panels.map,
        side=(panels.areas, t("alerts.by_area", lang)),
        charts=[(panels.kinds, t("alerts.by_kind", lang))],
        tables=[
            (panels.tiles, t("alerts.tiles", lang), columns(TILE_TABLE, lang, text=TILE_TABLE)),
            (panels.events, t("alerts.events", lang), columns(EVENT_TABLE, lang)),
        ],
    )


def _shown(events: pd.DataFrame, lang: str) -> pd.DataFrame:
    # A new report's name is its category code: shown as the category's name.
    categories = category_labels(lang)
    names = events["name"].fillna(events["id"])
    reports = events["kind"] == "report_new"
    return events.assign(
        kind=[t(f"wall.event.{k}", lang) for k in events["kind"]],
        severity=[t(f"alerts.severity.{s}", lang) for s in events["severity"]],
        label=[t(f"wall.event.{k}", lang) for k in events["kind"]],
        name=names.where(~reports, names.map(lambda c: categories.get(c, c))),
        # A feed has no place (no zone, blank); a placed thing in no zone is outside them.
        zone=events["zone"].where(events["lon"].notna(), ""),
    )


def _tiles(tiles: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The wall's tiles as the wall writes them: "24 đèn", "1 segment", "32,4 km/h"."""
    units = tiles["unit"]
    return tiles.assign(
        tile=[t(f"wall.tile.{k}", lang) for k in tiles["id"]],
        value=[format_quantity(v, u, lang) for v, u in zip(tiles["value"], units, strict=True)],
        previous=[
            format_quantity(v, u, lang) for v, u in zip(tiles["previous"], units, strict=True)
        ],
        level=[t(f"alerts.level.{v}", lang) for v in tiles["level"]],
    )


def build(view: View) -> tuple[Any, ...]:
    """Every panel's value for one view (one query, then figures)."""
    lang = view.lang
    av = alerts_view(view.session, view.config, view.now, view.filter, level=view.level)
    placed = av.events.dropna(subset=["lon", "lat"])
    layers = [
        AssetLayer(t(f"alerts.severity.{s}", lang), _shown(rows, lang), colour, 13)
        for s, colour in SEVERITY_COLOURS.items()
        if len(rows := placed[placed["severity"] == s])
    ]
    label = t("alerts.count", lang)
    counts = dict(zip(av.by_area["area"], av.by_area["events"], strict=True))
    figure = drill_map(
        view.base, level=view.level, name_prop=view.name_prop, area_values=counts,
        value_label=label, layers=layers, selected=view.selected, center=view.center,
        zoom=view.zoom, lang=lang,
    )  # fmt: skip
    bars = area_bars(
        list(av.by_area["area"]), list(av.by_area["events"]), level=view.level, title="",
        value_label=label, lang=lang, selected=view.selected,
    )  # fmt: skip
    kind_names = [t(f"wall.event.{k}", lang) for k in av.by_kind["kind"]]
    kinds = area_bars(
        kind_names, list(av.by_kind["events"]), level="kind", title="", value_label=label,
        lang=lang,
    )  # fmt: skip
    return (
        figure,
        bars,
        kinds,
        records(_shown(av.events, lang), EVENT_TABLE, view.tz, zone_words(lang)),
        records(_tiles(av.tiles, lang), TILE_TABLE, view.tz),
    )


def register_callbacks(app: Any) -> None:
    register_drill_page(
        app,
        ids,
        spec,
        outputs=[
            Output(panels.map, "figure"),
            Output(panels.areas, "figure"),
            Output(panels.kinds, "figure"),
            Output(panels.events, "data"),
            Output(panels.tiles, "data"),
        ],
        build=build,
        clicks=[panels.map, panels.areas],
        tables={panels.events: "alerts-events.csv", panels.tiles: "alerts-tiles.csv"},
    )

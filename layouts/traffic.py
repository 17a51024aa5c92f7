"""/traffic: where and when the city's roads are slow, for the view's areas and window.

Fed by `dashboard.queries.traffic` (hourly speed rollups): a map of segments by congestion
over areas shaded by congested hours, congested hours by area (a bar filters to it), the
hour-of-week speed heatmap (of the open segment, else of the areas), the worst segments and
the congestion incidents. The frame, filters and detail are layouts/_drill/frame.py's.
"""

from __future__ import annotations

from typing import Any

from dash import Output, html

from dashboard.figures.drillcharts import area_bars
from dashboard.figures.drillmap import drill_map
from dashboard.figures.drilltraffic import segment_layers, speed_heatmap
from dashboard.i18n import t
from dashboard.queries.filters import FilterSpec
from dashboard.queries.traffic import traffic_view
from layouts._drill.filters import drill_ids, filter_spec
from layouts._drill.frame import View, page_layout, register_drill_page
from layouts._drill.tables import columns, records, zone_words
from layouts._shared.components import PageMeta, app_context, page_language

PAGE = PageMeta(path="/traffic", order=20, title_key="traffic.nav", roles=("viewer",))
ids = drill_ids("traffic")


class panels:
    map = "traffic-map"
    areas = "traffic-areas"
    heatmap = "traffic-heatmap"
    segments = "traffic-segments"
    incidents = "traffic-incidents"


SEGMENT_TABLE = ("name", "ward", "zone", "speed_kmh", "free_flow_kmh", "ratio", "congested_h")
INCIDENT_TABLE = ("name", "zone", "start", "end", "hours", "min_ratio")


def spec() -> FilterSpec:
    return filter_spec(app_context().config)


def layout(lang: str | None = None, **query: Any) -> html.Div:
    """The page skeleton, controls prefilled from the URL (no query runs here)."""
    lang = page_language(lang)
    return page_layout(
        ids,
        spec(),
        "traffic",
        lang,
        query,
        map_id=panels.map,
        side=(panels.areas, t("traffic.by_area", lang)),
        charts=[(panels.heatmap, t("traffic.heatmap", lang))],
        tables=[
            (panels.incidents, t("traffic.incidents", lang), columns(INCIDENT_TABLE, lang)),
            (panels.segments, t("traffic.worst", lang), columns(SEGMENT_TABLE, lang)),
        ],
    )


def build(view: View) -> tuple[Any, ...]:
    """Every panel's value for one view (one query, then figures)."""
    lang = view.lang
    below = view.config.wall.congested_below
    tv = traffic_view(
        view.session, view.filter, congested_below=below, tz=view.tz, level=view.level
    )
    label = t("drill.col.congested_h", lang)
    area_values = dict(zip(tv.by_area["area"], tv.by_area["congested_h"], strict=True))
    figure = drill_map(
        view.base,
        level=view.level,
        name_prop=view.name_prop,
        area_values=area_values,
        value_label=label,
        layers=segment_layers(tv.segments, lang),
        selected=view.selected,
        center=view.center,
        zoom=view.zoom,
        lang=lang,
    )
    bars = area_bars(
        list(tv.by_area["area"]),
        list(tv.by_area["congested_h"]),
        level=view.level,
        title="",
        value_label=label,
        lang=lang,
        selected=view.selected,
    )
    heat = speed_heatmap(tv.heatmap, lang=lang, title=view.filter.asset or "")
    return (
        figure,
        bars,
        heat,
        records(tv.segments, SEGMENT_TABLE, view.tz, zone_words(lang)),
        records(tv.incidents, INCIDENT_TABLE, view.tz, zone_words(lang)),
    )


def register_callbacks(app: Any) -> None:
    register_drill_page(
        app,
        ids,
        spec,
        outputs=[
            Output(panels.map, "figure"),
            Output(panels.areas, "figure"),
            Output(panels.heatmap, "figure"),
            Output(panels.segments, "data"),
            Output(panels.incidents, "data"),
        ],
        build=build,
        clicks=[panels.map, panels.areas],
        tables={panels.segments: "traffic-segments.csv", panels.incidents: "traffic-incidents.csv"},
    )

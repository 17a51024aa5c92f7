"""/traffic: where and when the city's roads are slow, for the view's areas and window.

Fed by `dashboard.queries.traffic` (hourly speed rollups): a map of segments by congestion
over areas shaded by congested hours, congested hours by area (a bar filters to it), the
hour-of-week speed heatmap (of the open segment, else of the areas), the worst segments and
the congestion incidents. The frame, filters and detail are layouts/_drill/frame.py's.
"""

from __future__ import annotations

from typing import Any

from dashboard.figures.drilltraffic import segment_layers, speed_heatmap
from dashboard.i18n import t
from dashboard.queries.traffic import traffic_view
from layouts._drill.frame import Chart, DrillPage, Table, View
from layouts._shared.components import PageMeta

PAGE = PageMeta(path="/traffic", order=20, title_key="traffic.nav", roles=("viewer",))


class panels:
    areas = "traffic-areas"
    heatmap = "traffic-heatmap"
    segments = "traffic-segments"
    incidents = "traffic-incidents"


SEGMENT_TABLE = ("name", "ward", "zone", "speed_kmh", "free_flow_kmh", "ratio", "congested_h")
INCIDENT_TABLE = ("name", "zone", "start", "end", "hours", "min_ratio")


def build(view: View) -> tuple[Any, ...]:
    """Every panel's value for one view (one query, then figures)."""
    lang = view.lang
    below = view.config.wall.congested_below
    tv = traffic_view(
        view.session, view.filter, congested_below=below, tz=view.tz, level=view.level
    )
    label = t("drill.col.congested_h", lang)
    area_values = dict(zip(tv.by_area["area"], tv.by_area["congested_h"], strict=True))
    figure = view.area_map(area_values, label, segment_layers(tv.segments, lang))
    bars = view.area_bars(tv.by_area, "congested_h", label)
    heat = speed_heatmap(tv.heatmap, lang=lang, title=view.filter.asset or "")
    return (
        figure,
        bars,
        heat,
        tv.incidents,
        tv.segments,
    )


DRILL = DrillPage(
    "traffic",
    side=Chart(panels.areas, "traffic.by_area"),
    charts=(Chart(panels.heatmap, "traffic.heatmap"),),
    tables=(
        Table(panels.incidents, "traffic.incidents", INCIDENT_TABLE),
        Table(panels.segments, "traffic.worst", SEGMENT_TABLE),
    ),
    build=build,
)
layout = DRILL.layout  # layout(lang=None, **query): the skeleton, no query runs
register_callbacks = DRILL.register

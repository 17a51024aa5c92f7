"""/environment: air quality as VN_AQI and water levels, for the view's areas and window.

Fed by `dashboard.queries.environment`: a map of air stations (coloured by the band of their
highest hourly VN_AQI) and water gauges over areas shaded by exceedance hours; VN_AQI over time
by station on the decision's bands; exceedance hours per pollutant; water levels against the
tide and flood stage; the stations and gauges ranked.
"""

from __future__ import annotations

from typing import Any

from dashboard.aqi import band_labels
from dashboard.figures.drillenv import (
    aqi_over_time,
    environment_layers,
    exceedance_bars,
    water_levels,
)
from dashboard.i18n import t
from dashboard.queries.environment import environment_view
from dashboard.queries.snapshot import POLLUTANT_LABEL
from layouts._drill.frame import Chart, DrillPage, Table, View
from layouts._shared.components import PageMeta

PAGE = PageMeta(path="/environment", order=40, title_key="environment.nav", roles=("viewer",))


class panels:
    aqi = "environment-aqi"
    exceedance = "environment-exceedance"
    water = "environment-water"
    stations = "environment-stations"
    gauges = "environment-gauges"


STATION_TABLE = ("name", "zone", "aqi_mean", "aqi_max", "band", "exceed_h")
GAUGE_TABLE = ("name", "zone", "level_cm", "max_level_cm", "flood_stage_cm", "above_flood_h")


def build(view: View) -> tuple[Any, ...]:
    """Every panel's value for one view (one query, then figures)."""
    lang, tz = view.lang, view.tz
    ev = environment_view(view.session, view.filter, level=view.level)
    names = dict(zip(ev.stations["id"], ev.stations["name"], strict=True))
    names |= dict(zip(ev.gauges["id"], ev.gauges["name"], strict=True))
    exceed = dict(zip(ev.by_area["area"], ev.by_area["exceed_h"], strict=True))
    figure = view.area_map(
        exceed,
        t("drill.col.exceed_station_h", lang),
        environment_layers(ev.stations, ev.gauges, lang),
    )
    return (
        figure,
        aqi_over_time(ev.aqi, names, lang=lang, tz=tz),
        exceedance_bars(ev.exceedance, POLLUTANT_LABEL, lang=lang),
        water_levels(ev.water, ev.gauges, names, ev.tide_id, lang=lang, tz=tz),
        ev.stations,
        ev.gauges,
    )


DRILL = DrillPage(
    "environment",
    side=Chart(panels.aqi, "environment.aqi"),
    charts=(
        Chart(panels.exceedance, "environment.exceedance"),
        Chart(panels.water, "environment.water"),
    ),
    tables=(
        Table(
            panels.stations,
            "environment.station_table",
            STATION_TABLE,
            words=lambda lang: {"band": band_labels(lang)},
        ),
        Table(panels.gauges, "environment.gauge_table", GAUGE_TABLE),
    ),
    build=build,
    clicks=(panels.water,),
)
layout = DRILL.layout  # layout(lang=None, **query): the skeleton, no query runs
register_callbacks = DRILL.register

"""/environment: air quality as VN_AQI and water levels, for the view's areas and window.

Fed by `dashboard.queries.environment`: a map of air stations (coloured by the band of their
highest hourly VN_AQI) and water gauges over areas shaded by exceedance hours; VN_AQI over time
by station on the decision's bands; exceedance hours per pollutant; water levels against the
tide and flood stage; the stations and gauges ranked.
"""

from __future__ import annotations

from typing import Any

from dash import Output, html

from dashboard.aqi import band_labels
from dashboard.figures.drillenv import (
    aqi_over_time,
    environment_layers,
    exceedance_bars,
    water_levels,
)
from dashboard.figures.drillmap import drill_map
from dashboard.i18n import t
from dashboard.queries.environment import environment_view
from dashboard.queries.filters import FilterSpec
from dashboard.queries.snapshot import POLLUTANT_LABEL
from layouts._drill.filters import drill_ids, filter_spec
from layouts._drill.frame import View, page_layout, register_drill_page
from layouts._drill.tables import columns, records, zone_words
from layouts._shared.components import PageMeta, app_context, page_language

PAGE = PageMeta(path="/environment", order=40, title_key="environment.nav", roles=("viewer",))
ids = drill_ids("environment")


class panels:
    map = "environment-map"
    aqi = "environment-aqi"
    exceedance = "environment-exceedance"
    water = "environment-water"
    stations = "environment-stations"
    gauges = "environment-gauges"


STATION_TABLE = ("name", "zone", "aqi_mean", "aqi_max", "band", "exceed_h")
GAUGE_TABLE = ("name", "zone", "level_cm", "max_level_cm", "flood_stage_cm", "above_flood_h")


def spec() -> FilterSpec:
    return filter_spec(app_context().config)


def layout(lang: str | None = None, **query: Any) -> html.Div:
    """The page skeleton, controls prefilled from the URL (no query runs here)."""
    lang = page_language(lang)
    return page_layout(
        ids,
        spec(),
        "environment",
        lang,
        query,
        map_id=panels.map,
        side=(panels.aqi, t("environment.aqi", lang)),
        charts=[
            (panels.exceedance, t("environment.exceedance", lang)),
            (panels.water, t("environment.water", lang)),
        ],
        tables=[
            (panels.stations, t("environment.station_table", lang), columns(STATION_TABLE, lang)),
            (panels.gauges, t("environment.gauge_table", lang), columns(GAUGE_TABLE, lang)),
        ],
    )


def build(view: View) -> tuple[Any, ...]:
    """Every panel's value for one view (one query, then figures)."""
    lang, tz = view.lang, view.tz
    ev = environment_view(view.session, view.filter, level=view.level)
    names = dict(zip(ev.stations["id"], ev.stations["name"], strict=True))
    names |= dict(zip(ev.gauges["id"], ev.gauges["name"], strict=True))
    exceed = dict(zip(ev.by_area["area"], ev.by_area["exceed_h"], strict=True))
    figure = drill_map(
        view.base, level=view.level, name_prop=view.name_prop, area_values=exceed,
        value_label=t("drill.col.exceed_station_h", lang), selected=view.selected,
        layers=environment_layers(ev.stations, ev.gauges, lang),
        center=view.center, zoom=view.zoom, lang=lang,
    )  # fmt: skip
    return (
        figure,
        aqi_over_time(ev.aqi, names, lang=lang, tz=tz),
        exceedance_bars(ev.exceedance, POLLUTANT_LABEL, lang=lang),
        water_levels(ev.water, ev.gauges, names, ev.tide_id, lang=lang, tz=tz),
        records(ev.stations, STATION_TABLE, tz, {"band": band_labels(lang), **zone_words(lang)}),
        records(ev.gauges, GAUGE_TABLE, tz, zone_words(lang)),
    )


def register_callbacks(app: Any) -> None:
    register_drill_page(
        app,
        ids,
        spec,
        outputs=[
            Output(panels.map, "figure"),
            Output(panels.aqi, "figure"),
            Output(panels.exceedance, "figure"),
            Output(panels.water, "figure"),
            Output(panels.stations, "data"),
            Output(panels.gauges, "data"),
        ],
        build=build,
        clicks=[panels.map, panels.aqi, panels.water],
        tables={
            panels.stations: "environment-stations.csv",
            panels.gauges: "environment-gauges.csv",
        },
    )

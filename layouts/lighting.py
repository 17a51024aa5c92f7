"""/lighting: what the street lights cost and where they fail, for the view's areas and window.

Fed by `dashboard.queries.lighting`: a map of cabinets (coloured by the window's faults) and of
the lamps that failed, over areas shaded by energy; energy by area (a bar filters to it);
faults per day; the cabinets ranked by energy with burn hours, lamp-hours on in daylight
(waste) and fault hours; every fault with its time to repair.
"""

from __future__ import annotations

from typing import Any

from dash import Output, html

from dashboard.figures.drillcharts import area_bars
from dashboard.figures.drilllighting import faults_per_day, lighting_layers
from dashboard.figures.drillmap import drill_map
from dashboard.i18n import t
from dashboard.queries.filters import FilterSpec
from dashboard.queries.lighting import lighting_view
from layouts._drill.filters import drill_ids, filter_spec
from layouts._drill.frame import View, page_layout, register_drill_page
from layouts._drill.tables import columns, records, zone_words
from layouts._shared.components import PageMeta, app_context, page_language

PAGE = PageMeta(path="/lighting", order=30, title_key="lighting.nav", roles=("viewer",))
ids = drill_ids("lighting")


class panels:
    map = "lighting-map"
    areas = "lighting-areas"
    daily = "lighting-daily"
    cabinets = "lighting-cabinets"
    faults = "lighting-faults"


CABINET_TABLE = ("name", "zone", "lamps", "energy_kwh", "burn_h", "daylight_h", "fault_h", "faults")
FAULT_TABLE = ("name", "cabinet", "zone", "failed", "repaired", "repair_h")


def spec() -> FilterSpec:
    return filter_spec(app_context().config)


def layout(lang: str | None = None, **query: Any) -> html.Div:
    """The page skeleton, controls prefilled from the URL (no query runs here)."""
    lang = page_language(lang)
    return page_layout(
        ids,
        spec(),
        "lighting",
        lang,
        query,
        map_id=panels.map,
        side=(panels.areas, t("lighting.by_area", lang)),
        charts=[(panels.daily, t("lighting.daily", lang))],
        tables=[
            (panels.faults, t("lighting.faults", lang), columns(FAULT_TABLE, lang)),
            (panels.cabinets, t("lighting.cabinet_table", lang), columns(CABINET_TABLE, lang)),
        ],
    )


def build(view: View) -> tuple[Any, ...]:
    """Every panel's value for one view (one query, then figures)."""
    lang, centre = view.lang, view.config.city.center
    lv = lighting_view(view.session, view.filter, lonlat=centre, tz=view.tz, level=view.level)
    label = t("drill.col.energy_kwh", lang)
    energy = dict(zip(lv.by_area["area"], lv.by_area["energy_kwh"], strict=True))
    figure = drill_map(
        view.base, level=view.level, name_prop=view.name_prop, area_values=energy,
        value_label=label, layers=lighting_layers(lv.cabinets, lv.faults, lang),
        selected=view.selected, center=view.center, zoom=view.zoom, lang=lang,
    )  # fmt: skip
    bars = area_bars(
        list(lv.by_area["area"]), list(lv.by_area["energy_kwh"]), level=view.level, title="",
        value_label=label, lang=lang, selected=view.selected, decimals=1,
    )  # fmt: skip
    return (
        figure,
        bars,
        faults_per_day(lv.daily, lang=lang),
        records(lv.cabinets, CABINET_TABLE, view.tz, zone_words(lang)),
        records(lv.faults, FAULT_TABLE, view.tz, zone_words(lang)),
    )


def register_callbacks(app: Any) -> None:
    register_drill_page(
        app,
        ids,
        spec,
        outputs=[
            Output(panels.map, "figure"),
            Output(panels.areas, "figure"),
            Output(panels.daily, "figure"),
            Output(panels.cabinets, "data"),
            Output(panels.faults, "data"),
        ],
        build=build,
        clicks=[panels.map, panels.areas],
        tables={panels.cabinets: "lighting-cabinets.csv", panels.faults: "lighting-faults.csv"},
    )

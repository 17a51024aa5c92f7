"""/lighting: what the street lights cost and where they fail, for the view's areas and window.

Fed by `dashboard.queries.lighting`: a map of cabinets (coloured by the window's faults) and of
the lamps that failed, over areas shaded by energy; energy by area (a bar filters to it);
faults per day; the cabinets ranked by energy with burn hours, lamp-hours on in daylight
(waste) and fault hours; every fault with its time to repair.
"""

from __future__ import annotations

from typing import Any

from dashboard.figures.drilllighting import faults_per_day, lighting_layers
from dashboard.i18n import t
from dashboard.queries.lighting import lighting_view
from layouts._drill.frame import Chart, DrillPage, Table, View
from layouts._shared.components import PageMeta

PAGE = PageMeta(path="/lighting", order=30, title_key="lighting.nav", roles=("viewer",))


class panels:
    areas = "lighting-areas"
    daily = "lighting-daily"
    cabinets = "lighting-cabinets"
    faults = "lighting-faults"


CABINET_TABLE = ("name", "zone", "lamps", "energy_kwh", "burn_h", "daylight_h", "fault_h", "faults")
FAULT_TABLE = ("name", "cabinet", "zone", "failed", "repaired", "repair_h")


def build(view: View) -> tuple[Any, ...]:
    """Every panel's value for one view (one query, then figures)."""
    lang, centre = view.lang, view.config.city.center
    lv = lighting_view(view.session, view.filter, lonlat=centre, tz=view.tz, level=view.level)
    label = t("drill.col.energy_kwh", lang)
    energy = dict(zip(lv.by_area["area"], lv.by_area["energy_kwh"], strict=True))
    figure = view.area_map(energy, label, lighting_layers(lv.cabinets, lv.faults, lang))
    bars = view.area_bars(lv.by_area, "energy_kwh", label, decimals=1)
    return (
        figure,
        bars,
        faults_per_day(lv.daily, lang=lang),
        lv.faults,
        lv.cabinets,
    )


DRILL = DrillPage(
    "lighting",
    side=Chart(panels.areas, "lighting.by_area"),
    charts=(Chart(panels.daily, "lighting.daily"),),
    tables=(
        Table(panels.faults, "lighting.faults", FAULT_TABLE),
        Table(panels.cabinets, "lighting.cabinet_table", CABINET_TABLE),
    ),
    build=build,
)
layout = DRILL.layout  # layout(lang=None, **query): the skeleton, no query runs
register_callbacks = DRILL.register

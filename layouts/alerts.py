"""/alerts: the wall's events and tiles as a list to filter and share, until the alerts engine.

Fed by `dashboard.queries.alerts` (the wall's `ticker_events` and `wall_kpis`): a map of the
events with a place, over areas shaded by their count; events by kind and by area (a bar
filters to that area); the events list (filterable by severity) and the tiles city-wide.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from dashboard.figures.drillcharts import area_bars
from dashboard.figures.drillmap import AssetLayer
from dashboard.figures.tiles import format_quantity
from dashboard.i18n import category_labels, t
from dashboard.queries.alerts import SEVERITIES, alerts_view
from layouts._drill.frame import Chart, DrillPage, Table, View
from layouts._shared.components import PageMeta

PAGE = PageMeta(path="/alerts", order=60, title_key="alerts.nav", roles=("viewer",))
SEVERITY_COLOURS = {"bad": "#ff5a5f", "warn": "#ffb020", "info": "#4cc3ff"}


class panels:
    areas = "alerts-areas"
    kinds = "alerts-kinds"
    events = "alerts-events"
    tiles = "alerts-tiles"


EVENT_TABLE = ("ts", "kind", "severity", "name", "ward", "zone", "value")
TILE_TABLE = ("tile", "value", "previous", "level")


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
    figure = view.area_map(counts, label, layers)
    bars = view.area_bars(av.by_area, "events", label)
    kind_names = [t(f"wall.event.{k}", lang) for k in av.by_kind["kind"]]
    kinds = area_bars(
        kind_names, list(av.by_kind["events"]), level="kind", title="", value_label=label,
        lang=lang,
    )  # fmt: skip
    return (
        figure,
        bars,
        kinds,
        _tiles(av.tiles, lang),
        _shown(av.events, lang),
    )


def _severity_labels(lang: str) -> dict[str, dict[str, str]]:
    return {"severity": {v: t(f"alerts.severity.{v}", lang) for v in SEVERITIES}}


DRILL = DrillPage(
    "alerts",
    side=Chart(panels.areas, "alerts.by_area"),
    charts=(Chart(panels.kinds, "alerts.by_kind"),),
    tables=(
        Table(panels.tiles, "alerts.tiles", TILE_TABLE, text=TILE_TABLE),
        Table(panels.events, "alerts.events", EVENT_TABLE),
    ),
    build=build,
    extras={"severity": SEVERITIES},
    extra_labels=_severity_labels,
)
layout = DRILL.layout  # layout(lang=None, **query): the skeleton, no query runs
register_callbacks = DRILL.register

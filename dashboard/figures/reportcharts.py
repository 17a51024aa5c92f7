"""Charts of the /reports page: reports by category, time to acknowledge and to close against
each category's service level, the hotspot map and a report's place.

Pure functions: frames of `dashboard.queries.report_stats` in, plotly figure dicts out, in the
drill-down pages' house layout (`drillcharts.chart_layout`, `drillmap.drill_map`). Click
conventions: a category bar carries customdata ["category", code] (the page filters to it), a
report on a map ["asset", report id, …] (the page opens it), an area ["area", level, name].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from dashboard.basemap import BaseMap
from dashboard.figures.drillcharts import chart_layout, empty_figure
from dashboard.figures.drillmap import AssetLayer, drill_map
from dashboard.figures.maplayers import OVERDUE_RING, REPORT_COLOUR
from dashboard.figures.theme import PALETTE
from dashboard.i18n import t

__all__ = ["category_bars", "hotspot_map", "place_map", "time_bars"]

CLOSED_COLOUR: Final = "#4f6479"
OPEN_COLOUR: Final = REPORT_COLOUR
OVERDUE_COLOUR: Final = OVERDUE_RING
ACK_COLOUR: Final = "#5b8def"
CLOSE_COLOUR: Final = "#3ddc84"
DENSITY_SCALE: Final = [
    [0.0, "rgba(185,156,255,0)"],
    [0.3, "rgba(185,156,255,0.35)"],
    [0.7, "rgba(255,176,32,0.6)"],
    [1.0, "rgba(255,90,95,0.85)"],
]


def _labels(keys: Sequence[str], labels: Mapping[str, str]) -> list[str]:
    return [labels.get(k, k) for k in keys]


def category_bars(
    volume: pd.DataFrame, *, labels: Mapping[str, str], title: str, lang: str
) -> dict[str, Any]:
    """Reports per category (report_stats.volume_by's frame), most on top, stacked as overdue,
    open within time, and closed; a click on a bar filters the page to its category."""
    if not len(volume):
        return empty_figure(t("reports.empty", lang), lang=lang)
    ordered = volume.iloc[::-1]
    keys = list(ordered["key"])
    ys = _labels(keys, labels)
    data = [["category", k] for k in keys]
    on_time = ordered["open"] - ordered["overdue"]
    parts = (
        ("reports.series.overdue", ordered["overdue"], OVERDUE_COLOUR),
        ("reports.series.open", on_time, OPEN_COLOUR),
        ("reports.status.closed", ordered["closed"], CLOSED_COLOUR),
    )
    traces = [
        {
            "type": "bar",
            "orientation": "h",
            "name": t(key, lang),
            "x": values.to_numpy(np.float64),
            "y": ys,
            "customdata": data,
            "marker": {"color": colour},
            "hovertemplate": f"%{{y}}<br>{t(key, lang)}: %{{x:,.0f}}<extra></extra>",
        }
        for key, values, colour in parts
    ]
    layout = chart_layout(title, lang=lang, height=420, barmode="stack")
    layout["margin"]["l"] = 180
    return {"data": traces, "layout": layout}


def time_bars(
    times: pd.DataFrame,
    *,
    labels: Mapping[str, str],
    title: str,
    lang: str,
    acknowledge: bool = True,
    click: str = "category",
) -> dict[str, Any]:
    """Median hours to acknowledge (when `acknowledge`) and to close per group
    (report_stats.response_times' frame), with each category's service level as a tick.
    `click` is what a bar's customdata names: "category" or an area level ("ward"/"zone")."""
    if not len(times):
        return empty_figure(t("reports.empty", lang), lang=lang)
    ordered = times.iloc[::-1]
    keys = list(ordered["key"])
    ys = _labels(keys, labels)
    hours = t("reports.hours", lang)
    data = [["category", k] if click == "category" else ["area", click, k] for k in keys]
    series = [("reports.series.close", "close_median_h", CLOSE_COLOUR)]
    if acknowledge:
        series.insert(0, ("reports.series.ack", "ack_median_h", ACK_COLOUR))
    traces: list[dict[str, Any]] = [
        {
            "type": "bar",
            "orientation": "h",
            "name": t(key, lang),
            "x": ordered[col].to_numpy(np.float64),
            "y": ys,
            "customdata": data,
            "marker": {"color": colour},
            "hovertemplate": f"%{{y}}<br>{t(key, lang)}: %{{x:,.1f}} {hours}<extra></extra>",
        }
        for key, col, colour in series
    ]
    if ordered["sla_h"].notna().any():
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": t("reports.series.sla", lang),
                "x": ordered["sla_h"].to_numpy(np.float64),
                "y": ys,
                "marker": {
                    "symbol": "line-ns",
                    "size": 22,
                    "line": {"width": 3, "color": PALETTE["bad"]},
                },
                "hovertemplate": f"%{{y}}<br>{t('reports.series.sla', lang)}: "
                f"%{{x:,.0f}} {hours}<extra></extra>",
            }
        )
    layout = chart_layout(
        title,
        lang=lang,
        height=420,
        barmode="group",
        xaxis={"title": {"text": hours}},
    )
    layout["margin"]["l"] = 180
    return {"data": traces, "layout": layout}


def _hover(frame: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    names = frame["external_id"].astype(str)
    cats = frame["category"].map(lambda c: labels.get(c, c))
    return pd.DataFrame(
        {
            "id": frame["id"].astype(str),
            "name": names,
            "label": cats,
            "lon": frame["lon"],
            "lat": frame["lat"],
        }
    )


def hotspot_map(
    base: BaseMap,
    facts: pd.DataFrame,
    *,
    level: str,
    name_prop: str,
    area_counts: Mapping[str, float],
    labels: Mapping[str, str],
    selected: Sequence[str],
    center: tuple[float, float],
    zoom: float,
    lang: str,
) -> dict[str, Any]:
    """Where reports come from: areas shaded by their count, a density layer of every
    matching report, and the reports not yet closed as points (overdue ones in amber); a
    click on a point opens that report, on an area filters to it."""
    active = facts[facts["status"] != "closed"]
    late = active[active["overdue"]]
    on_time = active[~active["overdue"]]
    layers = [
        AssetLayer(t("reports.series.points", lang), _hover(on_time, labels), OPEN_COLOUR, 9),
        AssetLayer(t("reports.series.overdue", lang), _hover(late, labels), OVERDUE_COLOUR, 11),
    ]
    fig = drill_map(
        base,
        level=level,
        name_prop=name_prop,
        area_values=area_counts,
        value_label=t("reports.series.reports", lang),
        layers=layers,
        selected=selected,
        center=center,
        zoom=zoom,
        lang=lang,
        uirevision="reports",
    )
    density = {
        "type": "densitymap",
        "name": t("reports.series.density", lang),
        "lon": facts["lon"].to_numpy(np.float64),
        "lat": facts["lat"].to_numpy(np.float64),
        "radius": 18,
        "colorscale": DENSITY_SCALE,
        "showscale": False,
        "hoverinfo": "skip",
    }
    fig["data"].insert(1, density)
    return fig


def place_map(
    base: BaseMap,
    lon: float,
    lat: float,
    *,
    label: str,
    overdue: bool,
    lang: str,
    name_prop: str = "name",
) -> dict[str, Any]:
    """A small map centred on one report's place."""
    point = pd.DataFrame({"id": ["report"], "name": [label], "label": [""], "lon": [lon]})
    point["lat"] = [lat]
    colour = OVERDUE_COLOUR if overdue else OPEN_COLOUR
    fig = drill_map(
        base,
        level="ward",
        name_prop=name_prop,
        area_values={},
        value_label="",
        layers=[AssetLayer(label, point, colour, 16)],
        selected=(),
        center=(lon, lat),
        zoom=15.5,
        lang=lang,
        uirevision=f"place-{lon:.5f}-{lat:.5f}",
    )
    fig["layout"]["height"] = 260
    fig["layout"]["showlegend"] = False
    fig["data"][0]["hoverinfo"] = "skip"
    return fig

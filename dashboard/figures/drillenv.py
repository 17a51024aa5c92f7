"""/environment's figures: VN_AQI over time on its bands, exceedance hours, water against tide.

AQI colours and band limits are `dashboard.aqi.BANDS` (the decision's own), drawn as faint
horizontal bands behind each station's line; stations on the map are coloured by the band of
their highest hourly index in the window.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

import numpy as np
import pandas as pd

from dashboard.aqi import BANDS, band_of
from dashboard.figures.drillcharts import (
    BAR_COLOUR,
    PREVIOUS_COLOUR,
    chart_layout,
    empty_figure,
    local_axis,
    one_hour_readable,
)
from dashboard.figures.drillmap import AssetLayer
from dashboard.figures.maplayers import WATER_RING
from dashboard.figures.theme import PALETTE
from dashboard.i18n import t

__all__ = ["aqi_over_time", "environment_layers", "exceedance_bars", "water_levels"]

LINE_COLOURS = (
    "#4cc3ff",
    "#ff9f43",
    "#a29bfe",
    "#55efc4",
    "#fd79a8",
    "#ffeaa7",
    "#74b9ff",
    "#e17055",
)


def _band_shapes(top: float) -> list[dict[str, Any]]:
    return [
        {
            "type": "rect", "xref": "paper", "x0": 0, "x1": 1, "yref": "y",
            "y0": band.low, "y1": min(band.high, top), "fillcolor": band.colour,
            "opacity": 0.13, "line": {"width": 0}, "layer": "below",
        }
        for band in BANDS
        if band.low < top
    ]  # fmt: skip


def aqi_over_time(
    hourly: pd.DataFrame, names: dict[str, str], *, lang: str, tz: tzinfo
) -> dict[str, Any]:
    """Hourly VN_AQI, one line per station, over the VN_AQI bands."""
    if not len(hourly):
        return empty_figure(t("drill.no_data", lang), lang=lang)
    traces = []
    for i, (station, rows) in enumerate(hourly.groupby("asset_id", sort=True)):
        traces.append(
            {
                "type": "scatter", "mode": "lines", "name": names.get(station, station),
                "x": local_axis(rows["ts"], tz), "y": rows["aqi"].to_numpy(np.float64),
                "line": {"color": LINE_COLOURS[i % len(LINE_COLOURS)], "width": 2},
                "customdata": [["asset", station]] * len(rows),
                "hovertemplate": "%{x|%d/%m %H:%M} · VN_AQI %{y:.0f}<extra>%{fullData.name}</extra>",
            }
        )  # fmt: skip
    top = max(110.0, float(hourly["aqi"].max()) * 1.15)
    # Many stations: a tall chart with the legend beneath it, never over the lines.
    legend = {"orientation": "h", "y": -0.12, "yanchor": "top", "x": 0, "xanchor": "left"}
    layout = chart_layout(
        "", lang=lang, height=520, yaxis={"title": "VN_AQI", "range": [0, top]}, legend=legend
    )
    layout["shapes"] = _band_shapes(top)
    return one_hour_readable({"data": traces, "layout": layout})


def exceedance_bars(exceed: pd.DataFrame, labels: dict[str, str], *, lang: str) -> dict[str, Any]:
    """Station-hours above sub-index 100, per pollutant."""
    if not len(exceed) or not exceed["exceed_h"].any():
        return empty_figure(t("environment.no_exceedance", lang), lang=lang)
    trace = {
        "type": "bar",
        "x": [labels.get(p, p) for p in exceed["pollutant"]],
        "y": exceed["exceed_h"].to_numpy(np.int64),
        "marker": {"color": BAR_COLOUR},
        "hovertemplate": "%{x}: %{y}<extra></extra>",
    }
    layout = chart_layout(
        "", lang=lang, yaxis={"title": t("drill.col.exceed_station_h", lang), "rangemode": "tozero"}
    )
    return {"data": [trace], "layout": layout}


def water_levels(
    water: pd.DataFrame, gauges: pd.DataFrame, names: dict[str, str], tide_id: str | None,
    *, lang: str, tz: tzinfo,
) -> dict[str, Any]:  # fmt: skip
    """Each gauge's hourly level, the tide (the seaward gauge) dashed, flood stages dotted."""
    if not len(water):
        return empty_figure(t("drill.no_data", lang), lang=lang)
    traces = []
    for i, (gauge, rows) in enumerate(water.groupby("asset_id", sort=True)):
        tide = gauge == tide_id
        name = (
            f"{t('environment.tide', lang)} ({names.get(gauge, gauge)})"
            if tide
            else names.get(gauge, gauge)
        )
        traces.append(
            {
                "type": "scatter", "mode": "lines", "name": name,
                "x": local_axis(rows["ts"], tz), "y": rows["level_cm"].to_numpy(np.float64),
                "line": {"color": PREVIOUS_COLOUR if tide else LINE_COLOURS[i % len(LINE_COLOURS)],
                         "width": 2, "dash": "dash" if tide else "solid"},
                "customdata": [["asset", gauge]] * len(rows),
                "hovertemplate": "%{x|%d/%m %H:%M} · %{y:.0f} cm<extra>%{fullData.name}</extra>",
            }
        )  # fmt: skip
    layout = chart_layout("", lang=lang, yaxis={"title": t("drill.col.level_cm", lang)})
    stages = sorted({float(s) for s in gauges["flood_stage_cm"].dropna()})
    layout["shapes"] = [
        {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": s, "y1": s,
         "line": {"color": PALETTE["bad"], "width": 1.5, "dash": "dot"}}
        for s in stages
    ]  # fmt: skip
    layout["annotations"] = [
        {"xref": "paper", "x": 1, "y": s, "xanchor": "right", "yanchor": "bottom", "showarrow": False,
         "text": f"{t('environment.flood_stage', lang)} {s:.0f} cm", "font": {"color": PALETTE["bad"], "size": 12}}
        for s in stages
    ]  # fmt: skip
    return one_hour_readable({"data": traces, "layout": layout})


def environment_layers(stations: pd.DataFrame, gauges: pd.DataFrame, lang: str) -> list[AssetLayer]:
    """Stations coloured by the band of their highest hourly VN_AQI; gauges in water blue."""
    colours = [b.colour if (b := band_of(v)) else PREVIOUS_COLOUR for v in stations["aqi_max"]]
    label = [
        f"VN_AQI max {m:.0f} · {t('drill.col.exceed_h', lang)}: {e}"
        if m == m  # NaN: a station measuring before its first index
        else t("environment.no_index", lang)
        for m, e in zip(stations["aqi_max"], stations["exceed_h"], strict=True)
    ]
    layers = [
        AssetLayer(t("environment.stations", lang), stations.assign(label=label), colours, 16)
    ]
    water_label = [
        f"{t('drill.col.max_level_cm', lang)}: {m:.0f} · {t('drill.col.flood_stage_cm', lang)}: {f:.0f}"
        for m, f in zip(gauges["max_level_cm"], gauges["flood_stage_cm"], strict=True)
    ]
    layers.append(
        AssetLayer(t("environment.gauges", lang), gauges.assign(label=water_label), WATER_RING, 14)
    )
    return layers

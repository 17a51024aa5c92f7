"""/traffic's figures: the hour-of-week speed heatmap and the segments drawn by congestion.

Congestion colours and widths are the wall's (`maplayers.TRAFFIC_BANDS`, magma bands: jammed
is saturated and widest), so a jammed road looks the same on both screens.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from plotly.colors import sequential

from dashboard.figures.drillcharts import chart_layout, empty_figure
from dashboard.figures.drillmap import AssetLayer
from dashboard.figures.maplayers import TRAFFIC_BANDS
from dashboard.i18n import t

__all__ = ["DAY_KEYS", "segment_layers", "speed_heatmap"]

# Magma without its near-black end (it would vanish into the dark panel): slow is deep
# purple, free flow pale yellow, as the map's congestion bands run. Given as stops because a
# figure dict reaches plotly.js unvalidated, and plotly.js does not know the name "Magma".
SPEED_SCALE = [[i / (len(sequential.Magma[2:]) - 1), c] for i, c in enumerate(sequential.Magma[2:])]
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def speed_heatmap(heat: pd.DataFrame, *, lang: str, title: str) -> dict[str, Any]:
    """Mean speed (km/h) by local day of week (rows, Monday on top) and hour (columns)."""
    if not len(heat):
        return empty_figure(t("drill.no_data", lang), lang=lang)
    z = np.full((7, 24), np.nan)
    z[heat["dow"].to_numpy(int), heat["hour"].to_numpy(int)] = heat["speed_kmh"].to_numpy(float)
    days = [t(f"drill.day.{d}", lang) for d in DAY_KEYS]
    trace = {
        "type": "heatmap",
        "z": z,
        "x": list(range(24)),
        "y": days,
        "colorscale": SPEED_SCALE,
        "colorbar": {"title": {"text": "km/h"}, "thickness": 12},
        "hovertemplate": "%{y} %{x}:00<br>%{z:.1f} km/h<extra></extra>",
        "xgap": 1,
        "ygap": 1,
    }
    layout = chart_layout(
        title,
        lang=lang,
        xaxis={"title": t("drill.hour", lang), "dtick": 2},
        yaxis={"autorange": "reversed"},
    )
    return {"data": [trace], "layout": layout}


def _band(ratio: np.ndarray) -> np.ndarray:
    band = np.full(len(ratio), "nodata", dtype=object)
    band[ratio >= 0.75] = "free"
    for key, upper, *_ in TRAFFIC_BANDS[2:]:
        band[ratio < upper] = key
    return band


def segment_layers(segments: pd.DataFrame, lang: str) -> list[AssetLayer]:
    """One line layer per congestion band of the segments' mean ratio over the window."""
    ratio = segments["ratio"].to_numpy(np.float64) if len(segments) else np.empty(0)
    band = _band(ratio)
    label = [
        f"{t('drill.col.speed_kmh', lang)}: {s:.1f} km/h · {t('drill.col.congested_h', lang)}: {h}"
        for s, h in zip(segments["speed_kmh"], segments["congested_h"], strict=True)
    ]
    frame = segments.assign(label=label)
    layers = []
    for key, _, colour, width in TRAFFIC_BANDS:
        rows = frame[band == key]
        if len(rows):
            layers.append(
                AssetLayer(t(f"map.traffic.{key}", lang), rows, colour, size=width, lines=True)
            )
    return layers

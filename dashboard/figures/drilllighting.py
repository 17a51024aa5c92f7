"""/lighting's figures: cabinets and failed lamps on the map, faults per day.

Cabinets are dots sized by their lamps and coloured by the faults of the window (none: the
lamps' warm amber; some: warn; many: bad); lamps that failed in the window are red points.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dashboard.figures.drillcharts import BAR_COLOUR, chart_layout, empty_figure
from dashboard.figures.drillmap import AssetLayer
from dashboard.figures.theme import PALETTE
from dashboard.i18n import t

__all__ = ["faults_per_day", "lighting_layers"]

LAMP_ON = "#ffc861"
MAX_DAY_TICKS = 10


def lighting_layers(cabinets: pd.DataFrame, faults: pd.DataFrame, lang: str) -> list[AssetLayer]:
    """Cabinets (coloured by faults in the window) and the lamps that failed in it."""
    n = cabinets["faults"].to_numpy(np.int64) if len(cabinets) else np.empty(0, np.int64)
    colours = np.where(n == 0, LAMP_ON, np.where(n < 3, PALETTE["warn"], PALETTE["bad"]))
    label = [
        f"{t('drill.col.lamps', lang)}: {lamps} · {t('drill.col.energy_kwh', lang)}: {e:,.1f}"
        f" · {t('drill.col.faults', lang)}: {f}"
        for lamps, e, f in zip(cabinets["lamps"], cabinets["energy_kwh"], n, strict=True)
    ]
    layers = [
        AssetLayer(t("lighting.cabinets", lang), cabinets.assign(label=label), list(colours), 14)
    ]
    if len(faults):
        hours = faults["repair_h"].to_numpy(np.float64)
        fault_label = [
            f"{t('drill.col.repair_h', lang)}: {h:,.1f}"
            if np.isfinite(h)
            else t("lighting.unrepaired", lang)
            for h in hours
        ]
        layers.append(
            AssetLayer(
                t("lighting.failed", lang), faults.assign(label=fault_label), PALETTE["bad"], 9
            )
        )
    return layers


def faults_per_day(daily: pd.DataFrame, *, lang: str) -> dict[str, Any]:
    """Lamps failed per local day of the window."""
    if not len(daily):
        return empty_figure(t("lighting.no_faults", lang), lang=lang)
    days = [d.isoformat() for d in daily["day"]]
    trace = {
        "type": "bar",
        "x": days,
        "y": daily["faults"].to_numpy(np.int64),
        "marker": {"color": BAR_COLOUR},
        "hovertemplate": "%{x|%d/%m}: %{y}<extra></extra>",
    }
    layout = chart_layout("", lang=lang, yaxis={"title": t("drill.col.faults", lang)})
    # Ticks at the bars' days, never between them: plotly's own ticks on a day or two of
    # bars fall every few hours, and "%d/%m" then shows each date twice or more.
    step = -(-len(days) // MAX_DAY_TICKS)
    ticks = days[::-1][::step][::-1]  # counted back from the newest day, which always shows
    labels = [f"{d[8:10]}/{d[5:7]}" for d in ticks]
    layout["xaxis"] |= {"type": "date", "tickvals": ticks, "ticktext": labels}
    return {"data": [trace], "layout": layout}

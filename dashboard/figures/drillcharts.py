"""Charts shared by the drill-down pages: the house chart layout, bars by area, asset history.

Pure functions: frames in, plotly figure dicts out (no clock, no query). Figures are plain
dicts rather than `go.Figure`: the asset history is the drill-down's hot path, and plotly's
per-property validation cost more than the query behind it. Times are shown in the city's
zone (`tz`); numbers use the language's separators.

Click-to-filter convention (read by layouts/_drill/url_sync.py): a point's `customdata` starts
with ["area", "ward" | "zone", name] for an area or ["asset", asset id] for an asset.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import Any, Final

import numpy as np
import pandas as pd

from dashboard.figures.arrays import local_ms, typed_array
from dashboard.figures.theme import PALETTE
from dashboard.i18n import t

__all__ = [
    "FONT",
    "PREVIOUS_COLOUR",
    "area_bars",
    "chart_layout",
    "empty_figure",
    "history_figure",
    "local_axis",
    "one_hour_readable",
    "pending_figure",
]

FONT: Final = "Inter, 'Noto Sans', sans-serif"
PREVIOUS_COLOUR: Final = "#8d99ab"
SELECTED_COLOUR: Final = PALETTE["accent"]
BAR_COLOUR: Final = "#5b8def"
STEP_METRICS: Final = frozenset({"lamp_on", "lamp_fault"})


def chart_layout(title: str = "", *, lang: str, height: int = 340, **extra: Any) -> dict[str, Any]:
    """The dark layout every drill-down chart uses (axes, fonts, legend above the plot)."""
    axis = {
        "gridcolor": PALETTE["line"],
        "zerolinecolor": PALETTE["line_strong"],
        "linecolor": PALETTE["line_strong"],
        "tickfont": {"size": 13, "color": PALETTE["muted"]},
        "automargin": True,
    }
    layout: dict[str, Any] = {
        "template": None,
        "height": height,
        "margin": {"l": 56, "r": 16, "t": 48 if title else 16, "b": 40},
        "paper_bgcolor": PALETTE["panel"],
        "plot_bgcolor": PALETTE["panel"],
        "font": {"color": PALETTE["text"], "size": 14, "family": FONT},
        "title": {"text": title, "x": 0.01, "font": {"size": 17}},
        "xaxis": dict(axis),
        "yaxis": dict(axis),
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
        "hoverlabel": {"bgcolor": PALETTE["panel_2"], "font": {"color": PALETTE["text"]}},
        "separators": ",." if lang == "vi" else ".,",
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    for axis_key in ("xaxis", "yaxis"):
        axis_layout = layout.get(axis_key)
        axis_title = axis_layout.get("title") if isinstance(axis_layout, dict) else None
        if isinstance(axis_title, str):  # plotly.js 3+ draws only {"text": ...}, not a string
            layout[axis_key]["title"] = {"text": axis_title}
    return layout


def empty_figure(message: str, *, lang: str, height: int = 340) -> dict[str, Any]:
    """A chart with no data: the message in the middle, no axes (never a blank box)."""
    layout = chart_layout(lang=lang, height=height)
    layout["xaxis"] = {"visible": False}
    layout["yaxis"] = {"visible": False}
    layout["annotations"] = [
        {
            "text": message,
            "showarrow": False,
            "xref": "paper",
            "yref": "paper",
            "x": 0.5,
            "y": 0.5,
            "font": {"size": 16, "color": PALETTE["muted"]},
        }
    ]
    return {"data": [], "layout": layout}


def pending_figure(*, lang: str, height: int = 340) -> dict[str, Any]:
    """A page skeleton's chart before its callback has answered: "…", marked pending in
    `layout.meta`, so print mode (assets/print.js) waits for the real figure."""
    figure = empty_figure("…", lang=lang, height=height)
    figure["layout"]["meta"] = {"pending": True}
    return figure


def local_axis(ts: pd.Series, tz: tzinfo) -> np.ndarray:
    """Aware UTC timestamps as the city's wall-clock times (naive datetime64, what plotly
    draws as given)."""
    if not len(ts):
        return np.array([], dtype="datetime64[s]")
    return pd.DatetimeIndex(ts).tz_convert(tz).tz_localize(None).to_numpy()


def one_hour_readable(figure: dict[str, Any]) -> dict[str, Any]:
    """`figure` (lines over local times) readable when every line is one and the same hour, as
    a new feed's first: a line of one point draws nothing and plotly zooms its axis to a
    millisecond, so the points get markers and the axis the hour either side."""
    hours = {pd.Timestamp(x) for trace in figure["data"] for x in trace["x"]}
    if len(hours) != 1:
        return figure
    (at,) = hours
    for trace in figure["data"]:
        trace["mode"] = "lines+markers"
    span = [str(at - pd.Timedelta(hours=1)), str(at + pd.Timedelta(hours=1))]
    figure["layout"]["xaxis"] = {**figure["layout"]["xaxis"], "range": span}
    return figure


def area_bars(
    names: Sequence[str],
    values: Sequence[float],
    *,
    level: str,
    title: str,
    value_label: str,
    lang: str,
    selected: Sequence[str] = (),
    decimals: int = 0,
) -> dict[str, Any]:
    """Horizontal bars, one per area (ward or zone, `level`), largest on top; a click on a
    bar filters the page to that area. Selected areas are drawn in the accent colour."""
    if not len(names):
        return empty_figure(t("drill.no_data", lang), lang=lang)
    order = np.argsort(np.asarray(values, dtype=np.float64), kind="stable")
    ys = [names[i] for i in order]
    xs = np.asarray(values, dtype=np.float64)[order]
    colours = [SELECTED_COLOUR if n in selected else BAR_COLOUR for n in ys]
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": xs,
        "y": ys,
        "marker": {"color": colours},
        "customdata": [["area", level, n] for n in ys],
        "hovertemplate": f"%{{y}}<br>{value_label}: %{{x:,.{decimals}f}}<extra></extra>",
    }
    height = max(220, 60 + 30 * len(ys))
    layout = chart_layout(title, lang=lang, height=height, xaxis={"title": value_label})
    layout["margin"]["l"] = 140
    return {"data": [trace], "layout": layout}


def history_figure(
    history: Any,
    *,
    lang: str,
    tz: tzinfo,
    title: str,
    metric_label: str,
) -> dict[str, Any]:
    """One metric of one asset over its window, the week before dashed beneath it, and for
    rollups a min-max band. `history` is a `queries.history.History` (ts epoch s UTC)."""
    cur, prev = history.current, history.previous
    if not len(cur) and not len(prev):
        return empty_figure(t("drill.no_history", lang), lang=lang)
    # An on/off metric has no unit: the axis says what its 1 and 0 mean.
    unit = history.unit if history.unit != "bool" else t("drill.unit.bool", lang)
    shape = "hv" if history.metric in STEP_METRICS else "linear"
    # One zone conversion for both periods, each x encoded once (the band shares the line's).
    x_all = local_ms(np.concatenate([cur.ts, prev.ts]), tz)
    x_cur, x_prev = x_axis(x_all[: len(cur)]), x_axis(x_all[len(cur) :])
    fmt = "%{y:,.2f}" + (f" {history.unit}" if history.unit not in ("", "bool") else "")
    traces: list[dict[str, Any]] = []
    if history.resolution != "raw" and len(cur):
        band = "rgba(76,195,255,0.18)"
        traces.append(_line(x_cur, cur.max, "", band, shape, showlegend=False, width=0))
        traces.append(
            _line(x_cur, cur.min, t("drill.history.range", lang), band, shape, width=0)
            | {"fill": "tonexty", "fillcolor": band}
        )
    traces.append(
        _line(x_prev, prev.value, t("drill.history.previous", lang), PREVIOUS_COLOUR, shape)
        | {"line": {"color": PREVIOUS_COLOUR, "width": 2, "dash": "dash", "shape": shape}}
    )
    traces.append(
        _line(x_cur, cur.value, t("drill.history.current", lang), PALETTE["accent"], shape)
        | {"hovertemplate": f"%{{x|%d/%m %H:%M}}<br>{fmt}<extra></extra>"}
    )
    y_title = f"{metric_label} ({unit})" if unit else metric_label
    layout = chart_layout(
        title, lang=lang, xaxis={"type": "date"}, yaxis={"title": y_title}, hovermode="x unified"
    )
    layout["meta"] = {"resolution": history.resolution, "points": len(cur)}
    return {"data": traces, "layout": layout}


def x_axis(ms: np.ndarray) -> dict[str, Any]:
    """A trace's x: a start and a step (`x0`, `dx`) when the points are evenly spaced on the
    wall clock (rollups and a meter's regular samples: a third of the history's bytes was
    its three copies of x), else the times themselves as a typed array."""
    if len(ms) > 2:
        step = ms[1] - ms[0]
        if step > 0 and bool(np.all(np.diff(ms) == step)):
            return {"x0": float(ms[0]), "dx": float(step)}
    return {"x": typed_array(ms)}


def _line(
    x: dict[str, Any],
    y: np.ndarray,
    name: str,
    colour: str,
    shape: str,
    *,
    width: float = 2.5,
    showlegend: bool = True,
) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "lines",
        **x,
        "y": typed_array(np.asarray(y, dtype=np.float64)),
        "name": name,
        "line": {"color": colour, "width": width, "shape": shape},
        "showlegend": showlegend and bool(name),
        "hoverinfo": "skip" if not name else None,
    }

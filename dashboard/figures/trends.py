"""The trend strip: the last 24 hours of each domain as small multiples, read from metres away.

One panel per series, side by side, each with its name, its latest value in large type and a
plain line: no legend, no markers, three or four ticks per axis. Times are shown in the city's
zone (Asia/Ho_Chi_Minh) whatever the browser's; the frame's `ts` are aware UTC datetimes as
`dashboard.queries.wall.trends_24h` returns them. Pure: the same frame gives the same figure.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import tzinfo
from typing import Final
from zoneinfo import ZoneInfo

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.figures.theme import PALETTE
from dashboard.figures.tiles import format_number
from dashboard.i18n import TEXT, t

__all__ = ["SERIES", "trend_strip"]

CITY_TZ: Final = ZoneInfo("Asia/Ho_Chi_Minh")

# series -> (unit, decimals of the latest value, colour). The colours repeat the map's.
SERIES: Final[dict[str, tuple[str, int, str]]] = {
    "traffic.avg_speed": ("km/h", 1, "#fc8961"),
    "lighting.power_kw": ("kW", 1, "#ffc533"),
    "air.pm25": ("µg/m³", 1, "#7fd6a0"),
    "water.max_level_cm": ("cm", 0, "#4cc3ff"),
    "reports.new_per_hour": ("/h", 0, "#b99cff"),
}
_STALE = "#6b7482"


def _fill(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},0.16)"


def trend_strip(
    frame: pd.DataFrame, lang: str, *, tz: tzinfo = CITY_TZ, stale: Collection[str] = ()
) -> go.Figure:
    """Small multiples of `frame` (long: series, ts aware UTC, value), one panel per series.

    Every series in `SERIES` has a panel, in that order; others follow by name. A series whose
    domain (the part before the dot) is in `stale` is drawn grey with "stale" in its title."""
    present = list(dict.fromkeys(frame["series"])) if len(frame) else []
    # Every known series always has its panel (a missing one says so): the strip never
    # reflows on a wall because one feed is late.
    names = list(SERIES) + sorted(s for s in present if s not in SERIES)
    fig = make_subplots(rows=1, cols=len(names), horizontal_spacing=0.035)
    empty: list[int] = []
    for col, name in enumerate(names, start=1):
        unit, decimals, colour = SERIES.get(name, ("", 1, PALETTE["accent"]))
        is_stale = name.split(".", 1)[0] in stale
        colour = _STALE if is_stale else colour
        rows = frame[frame["series"] == name].sort_values("ts") if len(frame) else frame
        local = pd.to_datetime(rows["ts"], utc=True).dt.tz_convert(tz).dt.tz_localize(None)
        values = pd.to_numeric(rows["value"], errors="coerce")
        fig.add_trace(
            go.Scatter(
                x=local.to_numpy(),
                y=values.to_numpy(dtype="float64"),
                mode="lines",
                line={"color": colour, "width": 3},
                fill="tozeroy",
                fillcolor=_fill(colour),
                name=_title(name, lang),
                hovertemplate=f"%{{x|%H:%M}} · %{{y}} {unit}<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=col,
        )
        last = values.dropna()
        shown = format_number(float(last.iloc[-1]), lang, decimals) if len(last) else "—"
        title = _title(name, lang) + (f" · {t('map.stale', lang)}" if is_stale else "")
        value_colour = colour if len(last) else PALETTE["dim"]
        _label(fig, col, f"<b>{title}</b>", 1.0, 46, 18, PALETTE["muted"])
        _label(fig, col, f"<b>{shown}</b> {unit}" if len(last) else shown, 1.0, 6, 30, value_colour)
        if not len(last):
            empty.append(col)
            _label(fig, col, t("trend.no_data", lang), 0.5, 0, 18, PALETTE["dim"])
    fig.update_xaxes(
        tickformat="%H:%M",
        nticks=4,
        showgrid=False,
        linecolor=PALETTE["line_strong"],
        tickfont={"size": 15, "color": PALETTE["muted"]},
    )
    fig.update_yaxes(
        nticks=3,
        rangemode="tozero",
        gridcolor=PALETTE["line"],
        zeroline=False,
        tickfont={"size": 15, "color": PALETTE["muted"]},
    )
    for col in empty:  # no axes drawn around nothing
        fig.update_xaxes(visible=False, row=1, col=col)
        fig.update_yaxes(visible=False, row=1, col=col)
    fig.update_layout(
        template=None,
        paper_bgcolor=PALETTE["panel"],
        plot_bgcolor=PALETTE["panel"],
        font={"color": PALETTE["text"], "size": 16, "family": "Inter, 'Noto Sans', sans-serif"},
        margin={"l": 44, "r": 16, "t": 84, "b": 34},
        separators=",." if lang == "vi" else ".,",
        hoverlabel={"bgcolor": PALETTE["panel_2"], "font": {"size": 18}},
        showlegend=False,
    )
    return fig


def _title(series: str, lang: str) -> str:
    key = f"trend.{series}"
    return t(key, lang) if key in TEXT else series


def _label(
    fig: go.Figure, col: int, text: str, y: float, shift: int, size: int, colour: str
) -> None:
    """Text at the left edge of panel `col`, `y` in the panel's height (1 = its top) moved up
    `shift` pixels: the title and the latest value sit above the plot, not on the line."""
    suffix = "" if col == 1 else str(col)
    fig.add_annotation(
        text=text,
        x=0,
        xref=f"x{suffix} domain",
        xanchor="left",
        y=y,
        yref=f"y{suffix} domain",
        yanchor="bottom",
        yshift=shift,
        showarrow=False,
        font={"size": size, "color": colour},
        align="left",
    )

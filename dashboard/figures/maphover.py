"""Hover text of the city map: what an operator needs about one asset, in vi or en.

Each layer has a `customdata` builder (rows of preformatted strings, so numbers follow the
reader's number style and times are local) and a `hovertemplate` reading those columns. Kept
apart from citymap.py so the map's drawing and its wording can change independently.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any, Final

import numpy as np
import pandas as pd

from dashboard.aqi import band_of
from dashboard.figures.tiles import format_number
from dashboard.i18n import TEXT, t
from dashboard.records import REPORT_CATEGORIES

__all__ = ["HOVER", "customdata", "local_times"]

_NONE = "—"
_FEW = 500


def local_times(values: pd.Series, tz: tzinfo, fmt: str = "%H:%M") -> np.ndarray:
    """Epoch seconds or aware datetimes as local clock strings ("—" when missing)."""
    if pd.api.types.is_integer_dtype(values) and len(values) <= _FEW:
        # A few whole seconds (a refresh's faulty lamps): datetime is quicker than a pandas
        # round trip, and gives the same text.
        at = datetime.fromtimestamp
        return np.array([at(int(v), tz).strftime(fmt) for v in values], dtype=object)
    if pd.api.types.is_numeric_dtype(values):
        stamps = pd.to_datetime(values, unit="s", utc=True)
    else:
        stamps = pd.to_datetime(values, utc=True)
    text = stamps.dt.tz_convert(tz).dt.strftime(fmt)
    return text.fillna(_NONE).to_numpy(dtype=object)


def _num(values: pd.Series, lang: str, decimals: int = 0) -> list[str]:
    return [
        format_number(float(v), lang, decimals) if pd.notna(v) else _NONE
        for v in pd.to_numeric(values, errors="coerce")
    ]


def _text(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), _NONE, dtype=object)
    return frame[column].astype(object).where(frame[column].notna(), _NONE).to_numpy(dtype=object)


def _label(prefix: str, values: Any, lang: str) -> list[str]:
    out = []
    for v in values:
        key = f"{prefix}{v}"
        out.append(t(key, lang) if key in TEXT else str(v))
    return out


def _traffic(f: pd.DataFrame, lang: str, tz: tzinfo, **_: Any) -> list[list[Any]]:
    pct = pd.to_numeric(f["ratio"], errors="coerce") * 100
    return _columns(
        _text(f, "name"),
        _num(f["speed_kmh"], lang),
        _num(f["free_flow_kmh"], lang),
        [f"{p}%" if p != _NONE else p for p in _num(pct, lang)],
        _text(f, "ward"),
        local_times(f["ts"], tz),
    )


def _cabinets(f: pd.DataFrame, lang: str, tz: tzinfo, **_: Any) -> list[list[Any]]:
    share = pd.to_numeric(f["lamps_faulty"], errors="coerce") / f["lamps"].where(f["lamps"] > 0)
    name = _text(f, "name") if "name" in f else _text(f, "id")
    return _columns(
        name,
        _num(f["lamps"], lang),
        _num(f["lamps_on"], lang),
        _num(f["lamps_faulty"], lang),
        [f"{p}%" if p != _NONE else p for p in _num(share * 100, lang, 1)],
        _text(f, "ward"),
    )


def _lamps(f: pd.DataFrame, lang: str, tz: tzinfo, **_: Any) -> list[list[Any]]:
    # No state here: the colour says it, and lamp changes then only patch the colours.
    return _columns(_text(f, "id"), _text(f, "cabinet"))


def _faults(f: pd.DataFrame, lang: str, tz: tzinfo, **_: Any) -> list[list[Any]]:
    return _columns(_text(f, "id"), _text(f, "cabinet"), local_times(f["ts"], tz))


def _water(f: pd.DataFrame, lang: str, tz: tzinfo, status: list[str], **_: Any) -> list[list[Any]]:
    return _columns(
        _text(f, "name"),
        _num(f["level_cm"], lang),
        _num(f["alert_stage_cm"], lang),
        _num(f["flood_stage_cm"], lang),
        [t(f"map.water.{s}", lang) for s in status],
        _text(f, "ward"),
        local_times(f["ts"], tz),
    )


def _air(f: pd.DataFrame, lang: str, tz: tzinfo, **_: Any) -> list[list[Any]]:
    bands = []
    for aqi in pd.to_numeric(f["aqi"], errors="coerce"):
        band = band_of(int(aqi)) if pd.notna(aqi) else None
        bands.append(_NONE if band is None else band.label_en if lang == "en" else band.label_vi)
    return _columns(
        _text(f, "name"),
        _num(f["aqi"], lang),
        bands,
        [
            str(d).upper().replace("PM25", "PM2.5") if d != _NONE else d
            for d in _text(f, "dominant")
        ],
        _num(f["pm25_ugm3"], lang, 1),
        _text(f, "ward"),
        local_times(f["ts"], tz),
    )


def _reports(f: pd.DataFrame, lang: str, tz: tzinfo, **_: Any) -> list[list[Any]]:
    cats = [
        REPORT_CATEGORIES[c][0 if lang == "en" else 1] if c in REPORT_CATEGORIES else str(c)
        for c in f["category"]
    ]
    overdue = [t("map.h.overdue", lang) if bool(o) else "" for o in f["overdue"].fillna(False)]
    return _columns(
        cats,
        _label("report.status.", f["status"], lang),
        local_times(f["created_at"], tz, "%d/%m %H:%M"),
        _text(f, "ward"),
        _text(f, "id"),
        overdue,
    )


def _columns(*cols: Any) -> list[list[Any]]:
    return [list(row) for row in zip(*cols, strict=True)]


_BUILDERS: Final[dict[str, Callable[..., list[list[Any]]]]] = {
    "traffic": _traffic,
    "cabinets": _cabinets,
    "lamps": _lamps,
    "faults": _faults,
    "water": _water,
    "air": _air,
    "reports": _reports,
}


def customdata(kind: str, frame: pd.DataFrame, lang: str, tz: tzinfo, **extra: Any) -> np.ndarray:
    """Rows of display strings for the `kind` layer's hovertemplate (object array, rows = assets)."""
    rows = _BUILDERS[kind](frame, lang, tz, **extra)
    out = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
    for i, row in enumerate(rows):
        out[i, :] = row
    return out


def _h(key: str, lang: str) -> str:
    return t(f"map.h.{key}", lang)


HOVER: Final[dict[str, Callable[[str], str]]] = {
    "traffic": lambda lang: (
        "<b>%{customdata[0]}</b><br>"
        f"{_h('speed', lang)}: <b>%{{customdata[1]}} km/h</b> / %{{customdata[2]}} km/h "
        f"{_h('free_flow', lang)} (%{{customdata[3]}})<br>"
        "%{customdata[4]} · %{customdata[5]}<extra></extra>"
    ),
    "cabinets": lambda lang: (
        f"<b>{_h('cabinet', lang)} %{{customdata[0]}}</b><br>"
        f"{_h('lamps', lang)}: %{{customdata[1]}} · {_h('on', lang)} %{{customdata[2]}} · "
        f"{_h('faulty', lang)} <b>%{{customdata[3]}}</b> (%{{customdata[4]}})<br>"
        "%{customdata[5]}<extra></extra>"
    ),
    "lamps": lambda lang: (
        f"<b>%{{customdata[0]}}</b><br>{_h('cabinet', lang)} %{{customdata[1]}}<extra></extra>"
    ),
    "faults": lambda lang: (
        f"<b>%{{customdata[0]}}</b>: <b>{t('map.lamp.fault', lang)}</b><br>"
        f"{_h('cabinet', lang)} %{{customdata[1]}} · {_h('updated', lang)} %{{customdata[2]}}"
        "<extra></extra>"
    ),
    "water": lambda lang: (
        "<b>%{customdata[0]}</b>: %{customdata[4]}<br>"
        f"{_h('level', lang)}: <b>%{{customdata[1]}} cm</b> "
        f"({_h('alert_stage', lang)} %{{customdata[2]}}, {_h('flood_stage', lang)} %{{customdata[3]}})<br>"
        "%{customdata[5]} · %{customdata[6]}<extra></extra>"
    ),
    "air": lambda lang: (
        "<b>%{customdata[0]}</b><br>VN_AQI <b>%{customdata[1]}</b> · %{customdata[2]}<br>"
        f"{_h('dominant', lang)}: %{{customdata[3]}} · PM2.5 %{{customdata[4]}} µg/m³<br>"
        "%{customdata[5]} · %{customdata[6]}<extra></extra>"
    ),
    "reports": lambda lang: (
        "<b>%{customdata[0]}</b> <b>%{customdata[5]}</b><br>"
        f"{_h('status', lang)}: %{{customdata[1]}} · {_h('created', lang)} %{{customdata[2]}}<br>"
        "%{customdata[3]} · %{customdata[4]}<extra></extra>"
    ),
}

"""A KPI tile as text and colour: the value in the reader's number style, the change against the
same hour last week, and the colour of its level.

Pure presentation of a `dashboard.queries.wall.Kpi` (any object with its fields): no query, no
clock. Vietnamese writes 1.234,5 and English 1,234.5, so a number is never formatted by `f"{x}"`
on a page. The delta is an absolute difference for levels that have a natural unit (speed, AQI,
water level: "▼ 3 km/h" reads better than "▼ 7%") and a percentage for counts and energy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from dashboard.figures.theme import PALETTE
from dashboard.i18n import TEXT, count_key, t

__all__ = [
    "LEVEL_COLOURS",
    "KpiLike",
    "TileView",
    "format_delta",
    "format_number",
    "format_quantity",
    "level_colour",
    "tile_view",
]

LEVEL_COLOURS: Final[dict[str, str]] = {
    "ok": PALETTE["ok"],
    "warn": PALETTE["warn"],
    "bad": PALETTE["bad"],
    "none": PALETTE["muted"],
    "stale": PALETTE["dim"],
}

# Decimals shown per unit (a unit not listed shows integers).
_DECIMALS: Final[dict[str, int]] = {"km/h": 1, "kWh": 1, "kW": 1, "µg/m³": 1}
# Units whose change is shown as a difference in the unit, not as a percentage.
_ABSOLUTE_DELTA: Final[frozenset[str]] = frozenset({"km/h", "VN_AQI", "cm", "µg/m³"})
# Whether a rise is good news, per KPI; a KPI not listed has no good direction.
_HIGHER_IS_BETTER: Final[dict[str, bool]] = {
    "traffic.avg_speed": True,
    "traffic.congested": False,
    "lighting.faulty": False,
    "air.worst_aqi": False,
    "water.highest": False,
    "reports.open": False,
    "reports.overdue": False,
    "alerts.active": False,
}

Direction = Literal["up", "down", "flat", "none"]


class KpiLike(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def value(self) -> float | None: ...
    @property
    def unit(self) -> str: ...
    @property
    def previous(self) -> float | None: ...
    @property
    def level(self) -> str: ...
    @property
    def detail(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class TileView:
    """What a tile shows. `colour` is the level's colour (grey when stale)."""

    key: str
    label: str
    value: str
    unit: str
    delta: str  # "▲ 12%", "▼ 3 km/h", "no data a week ago"; "" when there is no value
    direction: Direction
    delta_colour: str  # ok when the change is good news, bad when it is bad news, muted else
    colour: str
    level: str
    detail: str
    stale: bool


def _known(x: float | None) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def format_number(value: float | None, lang: str, decimals: int = 0) -> str:
    """`value` with thousands and decimal separators of `lang` (vi "1.234,5", en "1,234.5").

    None or NaN gives "—", the house mark for "no value"."""
    if value is None or not _known(value):
        return t("sources.none", lang)
    text = f"{value:,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # no "-0"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def unit_label(unit: str, lang: str, count: float | None = None) -> str:
    """The unit as printed after a value; count units are translated (in the singular for a
    `count` of 1: "1 segment"), symbols kept."""
    key = f"tile.unit.{unit}"
    return t(count_key(key, count), lang) if key in TEXT else unit


def format_quantity(value: float | None, unit: str, lang: str) -> str:
    """`value` with its unit as a tile shows it: "24 đèn", "1 segment", "32,4 km/h"; a count
    is a whole number. None gives "—"."""
    if not _known(value):
        return t("sources.none", lang)
    decimals = _DECIMALS.get(unit, 0)
    label = unit_label(unit, lang, _as_shown(value, decimals))
    return f"{format_number(value, lang, decimals)} {label}".rstrip()


def _as_shown(value: float | None, decimals: int) -> float | None:
    """`value` as rounded on screen (what "1 segment" or "2 segments" depends on)."""
    return round(value, decimals) if value is not None and _known(value) else None


def format_delta(
    value: float | None, previous: float | None, unit: str, lang: str
) -> tuple[str, Direction]:
    """The change from `previous` to `value`: ("▲ 12%", "up"), ("▼ 3 km/h", "down"), ("", "none").

    Percent for counts; an absolute difference for units in `_ABSOLUTE_DELTA`, and also when
    last week was zero (a percentage of nothing means nothing)."""
    if not (_known(value) and _known(previous)):
        return "", "none"
    assert value is not None and previous is not None
    diff = value - previous
    decimals = _DECIMALS.get(unit, 0)
    if unit in _ABSOLUTE_DELTA or previous == 0:
        amount = format_number(abs(diff), lang, decimals)
        shown = f"{amount} {unit_label(unit, lang, round(abs(diff), decimals))}"
        zero = round(abs(diff), decimals) == 0
    else:
        pct = abs(diff) / abs(previous) * 100
        shown = f"{format_number(pct, lang, 0)}%"
        zero = round(pct) == 0
    if zero:
        return f"= {shown}", "flat"
    return (f"▲ {shown}", "up") if diff > 0 else (f"▼ {shown}", "down")


def level_colour(level: str, stale: bool = False) -> str:
    """The colour that means `level` ("ok", "warn", "bad", "none"); grey when stale."""
    return LEVEL_COLOURS["stale" if stale else level if level in LEVEL_COLOURS else "none"]


def _delta_colour(key: str, direction: Direction, stale: bool) -> str:
    better = _HIGHER_IS_BETTER.get(key)
    if stale or better is None or direction in ("flat", "none"):
        return PALETTE["muted"]
    good = (direction == "up") == better
    return PALETTE["ok"] if good else PALETTE["bad"]


def tile_view(kpi: KpiLike, lang: str, *, stale: bool = False) -> TileView:
    """The tile of `kpi` in `lang`; a stale tile keeps its numbers but loses its colour."""
    decimals = _DECIMALS.get(kpi.unit, 0)
    delta, direction = format_delta(kpi.value, kpi.previous, kpi.unit, lang)
    if _known(kpi.value) and not _known(kpi.previous):
        delta = t("tile.no_week_ago", lang)  # no comparable period: say so, never a number
    label_key = f"wall.tile.{kpi.key}"
    return TileView(
        key=kpi.key,
        label=t(label_key, lang) if label_key in TEXT else kpi.key,
        value=format_number(kpi.value, lang, decimals),
        unit=unit_label(kpi.unit, lang, _as_shown(kpi.value, decimals)),
        delta=delta,
        direction=direction,
        delta_colour=_delta_colour(kpi.key, direction, stale),
        colour=level_colour(kpi.level, stale),
        level="stale" if stale else kpi.level,
        detail=kpi.detail or "",
        stale=stale,
    )

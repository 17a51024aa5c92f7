"""Vietnam's air quality index, VN_AQI (Quyết định 1459/QĐ-TCMT, 12 Nov 2019): the one place.

Hourly AQI (AQIʰ): SO₂, CO, NO₂, O₃ from their 1-hour means; PM2.5 and PM10 from the Nowcast
of the last 12 hourly means. The index of a station is the highest sub-index, and that
pollutant is "dominant". All concentrations in µg/m³ as the decision tabulates them (CO too:
cityops stores CO in mg/m³, so `co_mgm3` is multiplied by 1,000 here). Bands and colours are
Bảng 1 of the decision; pages, PDFs and the API import them from here and never restate them.

Rounding: sub-indices are rounded half up to integers. The decision's hourly worked example
prints NO₂ 118.7 µg/m³ as 60 where the formula gives 59.35; every other worked value agrees
with rounding half up, so we keep the formula and the test says so.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "BANDS",
    "BREAKPOINTS",
    "INDEX_STEPS",
    "METRIC_POLLUTANT",
    "AqiResult",
    "Band",
    "band_labels",
    "band_of",
    "hourly_aqi",
    "nowcast",
    "sub_index",
]


@dataclass(frozen=True, slots=True)
class Band:
    low: int
    high: int
    key: str
    label_vi: str
    label_en: str
    colour: str  # the decision's RGB as hex
    text_colour: str  # legible on `colour`


BANDS: tuple[Band, ...] = (
    Band(0, 50, "good", "Tốt", "Good", "#00e400", "#000000"),
    Band(51, 100, "moderate", "Trung bình", "Moderate", "#ffff00", "#000000"),
    Band(101, 150, "poor", "Kém", "Poor", "#ff7e00", "#000000"),
    Band(151, 200, "bad", "Xấu", "Bad", "#ff0000", "#ffffff"),
    Band(201, 300, "very_bad", "Rất xấu", "Very bad", "#8f3f97", "#ffffff"),
    Band(301, 500, "hazardous", "Nguy hại", "Hazardous", "#7e0023", "#ffffff"),
)

INDEX_STEPS: tuple[int, ...] = (0, 50, 100, 150, 200, 300, 400, 500)

# Bảng 2, µg/m³, for hourly use (O₃ with its 1-hour column). None: no breakpoint at that step.
BREAKPOINTS: dict[str, tuple[float | None, ...]] = {
    "o3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "o3_8h": (0, 100, 120, 170, 210, 400, None, None),
    "co": (0, 10_000, 30_000, 45_000, 60_000, 90_000, 120_000, 150_000),
    "so2": (0, 125, 350, 550, 800, 1600, 2100, 2630),
    "no2": (0, 100, 200, 700, 1200, 2350, 3100, 3850),
    "pm10": (0, 50, 150, 250, 350, 420, 500, 600),
    "pm25": (0, 25, 50, 80, 150, 250, 350, 500),
}

# cityops metric -> (VN_AQI pollutant, factor to µg/m³)
METRIC_POLLUTANT: dict[str, tuple[str, float]] = {
    "pm25_ugm3": ("pm25", 1.0),
    "pm10_ugm3": ("pm10", 1.0),
    "no2_ugm3": ("no2", 1.0),
    "o3_ugm3": ("o3_1h", 1.0),
    "co_mgm3": ("co", 1000.0),
}


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def sub_index(pollutant: str, concentration: float) -> int | None:
    """The sub-index of one pollutant at `concentration` µg/m³ (None when not computable)."""
    bps = BREAKPOINTS[pollutant]
    if concentration is None or math.isnan(concentration) or concentration < 0:
        return None
    steps = [(bp, i) for bp, i in zip(bps, INDEX_STEPS, strict=True) if bp is not None]
    if concentration >= steps[-1][0]:
        return steps[-1][1]
    for (bp_lo, i_lo), (bp_hi, i_hi) in itertools.pairwise(steps):
        if concentration <= bp_hi:
            return _round_half_up((i_hi - i_lo) / (bp_hi - bp_lo) * (concentration - bp_lo) + i_lo)
    return None  # unreachable: covered by the last step


def nowcast(hourly: Sequence[float | None]) -> float | None:
    """Nowcast of PM from up to 12 hourly means, newest first (c₁ … c₁₂); None = missing.

    Needs data in at least two of the three newest hours; missing hours get weight 0.
    """
    values = list(hourly[:12])
    if sum(v is not None for v in values[:3]) < 2:
        return None
    present = [v for v in values if v is not None]
    c_min, c_max = min(present), max(present)
    w_star = c_min / c_max if c_max > 0 else 1.0
    w = 0.5 if w_star <= 0.5 else w_star
    num = sum(w**i * v for i, v in enumerate(values) if v is not None)
    den = sum(w**i for i, v in enumerate(values) if v is not None)
    return num / den


@dataclass(frozen=True, slots=True)
class AqiResult:
    aqi: int
    dominant: str  # the pollutant key of BREAKPOINTS
    sub_indices: dict[str, int]


def hourly_aqi(concentrations: Mapping[str, float | None]) -> AqiResult | None:
    """AQIʰ from pollutant concentrations keyed like BREAKPOINTS (PM already Nowcast).

    None when neither PM2.5 nor PM10 is present (the decision makes one of them mandatory).
    """
    subs = {
        p: s
        for p, c in concentrations.items()
        if c is not None and (s := sub_index(p, c)) is not None
    }
    if "pm25" not in subs and "pm10" not in subs:
        return None
    dominant = max(subs, key=lambda p: subs[p])
    return AqiResult(subs[dominant], dominant, subs)


def band_labels(lang: str) -> dict[str, str]:
    """Band key -> its name in `lang` ("en", else Vietnamese), for tables and legends."""
    return {b.key: b.label_en if lang == "en" else b.label_vi for b in BANDS}


def band_of(aqi: float | None) -> Band | None:
    """The band an index falls in (None for no index)."""
    if aqi is None or math.isnan(aqi):
        return None
    for band in BANDS:
        if aqi <= band.high:
            return band
    return BANDS[-1]

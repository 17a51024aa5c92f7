"""Units as feeds write them, converted to the units of our metrics (`dashboard.records.METRICS`).

A feed names a unit by a symbol (`µg/m³`, `°C`, `mg/m3`), a name (`degree Celsius`) or a code
(UCUM `Cel`, QUDT `DEG_C`); `unit_converter` takes any of them and gives the function that
turns a value into the metric's unit, or None when it cannot (the connector rejects the series
naming the unit: a guessed unit is a wrong number on the wall). Gas mixing ratios (ppb, ppm)
convert to mass concentration at 25 °C and 1 atm (molar volume 24.45 L), the convention of
air-quality agencies (US EPA, EEA).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from dashboard.records import METRICS

__all__ = ["Convert", "unit_converter"]

Convert = Callable[[float], float]

# token -> (dimension, scale, offset): a value v is v * scale + offset in the dimension's base
# (µg/m³, °C, %, cm, dB, km/h, W, kWh, ppb).
_FEED_UNITS: dict[str, tuple[str, float, float]] = {}


def _add(dimension: str, scale: float, offset: float, *tokens: str) -> None:
    for token in tokens:
        _FEED_UNITS[_norm(token)] = (dimension, scale, offset)


def _norm(token: str) -> str:
    t = token.strip().casefold().replace("μ", "u").replace("µ", "u").replace("³", "3")
    t = t.replace("°", "deg").replace("metre", "meter").replace("^", "")
    return re.sub(r"\s+", "", t)


_add("mass", 1.0, 0.0, "µg/m³", "ug/m3", "ug.m-3", "microgram per cubic meter", "MicroGM-PER-M3")
_add("mass", 1e3, 0.0, "mg/m³", "mg/m3", "mg.m-3", "milligram per cubic meter", "MilliGM-PER-M3")
_add("mass", 1e-3, 0.0, "ng/m³", "ng/m3", "nanogram per cubic meter", "NanoGM-PER-M3")
_add("temp", 1.0, 0.0, "°C", "degC", "Cel", "degree Celsius", "DEG_C", "celsius")
_add("temp", 1.0, -273.15, "K", "kelvin")
_add("temp", 5 / 9, -160 / 9, "°F", "degF", "[degF]", "degree Fahrenheit", "DEG_F")
_add("ratio", 1.0, 0.0, "%", "percent", "PERCENT", "percentage")
_add("length", 100.0, 0.0, "m", "meter", "M")
_add("length", 1.0, 0.0, "cm", "centimeter", "CentiM")
_add("length", 0.1, 0.0, "mm", "millimeter", "MilliM")
_add("sound", 1.0, 0.0, "dB", "dBA", "dB(A)", "dB[A]", "decibel", "DeciB", "A-weighted decibel")
_add("speed", 1.0, 0.0, "km/h", "kilometer per hour", "KiloM-PER-HR")
_add("speed", 3.6, 0.0, "m/s", "meter per second", "M-PER-SEC")
_add("power", 1.0, 0.0, "W", "watt")
_add("power", 1e3, 0.0, "kW", "kilowatt", "KiloW")
_add("energy", 1.0, 0.0, "kWh", "kW.h", "kilowatt hour", "KiloW-HR")
_add("energy", 1e-3, 0.0, "Wh", "W.h", "watt hour", "W-HR")
_add("ppb", 1.0, 0.0, "ppb", "[ppb]", "parts per billion", "PPB")
_add("ppb", 1e3, 0.0, "ppm", "[ppm]", "parts per million", "PPM")

# our unit -> (dimension, how many base units one of ours is)
_OURS: dict[str, tuple[str, float]] = {
    "µg/m³": ("mass", 1.0),
    "mg/m³": ("mass", 1e3),
    "°C": ("temp", 1.0),
    "%": ("ratio", 1.0),
    "cm": ("length", 1.0),
    "dB(A)": ("sound", 1.0),
    "km/h": ("speed", 1.0),
    "W": ("power", 1.0),
    "kWh": ("energy", 1.0),
}
_MOLAR_VOLUME_L = 24.45  # 25 °C, 1 atm
_MOLAR_MASS = {"no2_ugm3": 46.0055, "o3_ugm3": 47.9982, "co_mgm3": 28.0101}


def unit_converter(tokens: Iterable[str | None], metric: str) -> Convert | None:
    """The conversion into `metric`'s unit from the first of `tokens` (symbol, name, code)
    that names a known unit of the same dimension; None when none does."""
    dimension, ours = _OURS.get(METRICS[metric].unit, (None, 1.0))
    for token in tokens:
        known = _FEED_UNITS.get(_norm(token)) if token else None
        if known is None or dimension is None:
            continue
        dim, scale, offset = known
        if dim == "ppb" and dimension == "mass" and metric in _MOLAR_MASS:
            # ppb -> µg/m³ is ppb * M / Vm; then into ours (mg/m³ for CO)
            scale, offset = scale * _MOLAR_MASS[metric] / _MOLAR_VOLUME_L, 0.0
            dim = "mass"
        if dim != dimension:
            continue
        return _linear(scale / ours, offset / ours)
    return None


def _linear(a: float, b: float) -> Convert:
    def convert(value: float) -> float:
        return value * a + b

    return convert

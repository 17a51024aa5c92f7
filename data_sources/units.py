"""The one unit vocabulary: units as feeds write them, converted to our metrics' units.

A feed names a unit by a symbol (`µg/m³`, `°C`, `mg/m3`), a name (`degree Celsius`), a code
(UCUM `Cel`, QUDT `DEG_C`, UN/CEFACT Recommendation 20 `CEL`) or, in SensorThings, a
`unitOfMeasurement` object holding some of them. Every unit is one row below: its quantity,
how a value in it becomes the quantity's base (base = value * scale + offset; the base is our
metric's unit where we have one), its UN/CEFACT code, and every spelling we accept.

Spellings are matched after folding the typography feeds vary in (spaces, `µ`/`μ`/`u`, `³`,
`^`, `°`, metre/meter); case counts when it has to ("mW" is not "MW"): a spelling matching no
unit as written is matched case-blind only when that names a single unit. A UN/CEFACT code is
also looked up strictly (`cefact`), for the standards whose `unitCode` is a code and nothing
else. Gas mixing ratios (ppb, ppm) convert to mass concentration at 25 °C and 1 atm (molar
volume 24.45 L/mol), the reference of air-quality agencies (US EPA, EEA, Vietnam's QCVN 05).

What a connector does with a unit it cannot convert is its own (refuse the series, the field,
the config key), always with a reason: a guessed unit is a wrong number on the wall.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from dashboard.records import METRICS

__all__ = [
    "Convert",
    "Linear",
    "Unit",
    "cefact",
    "describe_uom",
    "find",
    "linear",
    "spellings_for",
    "to_metric",
    "unit_converter",
    "uom_converter",
]

Convert = Callable[[float], float]
Linear = tuple[float, float]  # ours = theirs * factor + offset


@dataclass(frozen=True, slots=True)
class Unit:
    """One unit: its quantity, its place on the quantity's base, its symbol and codes."""

    quantity: str
    scale: float  # base = value * scale + offset
    offset: float
    symbol: str  # the spelling we name it by in messages
    code: str | None  # UN/CEFACT Recommendation 20


_UNITS: list[tuple[Unit, tuple[str, ...]]] = []


def _unit(
    quantity: str, scale: float, offset: float, *spellings: str, code: str | None = None
) -> None:
    unit = Unit(quantity, scale, offset, spellings[0], code)
    _UNITS.append((unit, (*spellings, *([code] if code else []))))


# concentration, base µg/m³
_unit("concentration", 1.0, 0.0, "µg/m³", "ug/m3", "ug.m-3", "microgram per cubic meter",
      "MicroGM-PER-M3", code="GQ")  # fmt: skip
_unit("concentration", 1e3, 0.0, "mg/m³", "mg/m3", "mg.m-3", "milligram per cubic meter",
      "MilliGM-PER-M3", code="GP")  # fmt: skip
_unit("concentration", 1e-3, 0.0, "ng/m³", "nanogram per cubic meter", "NanoGM-PER-M3")
# gas mixing ratio, base ppb (into concentration by molar mass, below)
_unit("mixing", 1.0, 0.0, "ppb", "[ppb]", "ppbv", "parts per billion", "PPB")
_unit("mixing", 1e3, 0.0, "ppm", "[ppm]", "ppmv", "parts per million", "PPM")
# temperature, base °C
_unit("temperature", 1.0, 0.0, "°C", "C", "Cel", "degree Celsius", "DEG_C", "celsius", code="CEL")
_unit("temperature", 1.0, -273.15, "K", "kelvin", code="KEL")
_unit("temperature", 5 / 9, -32 * 5 / 9, "°F", "F", "[degF]", "degree Fahrenheit", "DEG_F",
      code="FAH")  # fmt: skip
# ratio, base %
_unit("ratio", 1.0, 0.0, "%", "percent", "percentage", code="P1")
_unit("ratio", 100.0, 0.0, "fraction", code="C62")  # "one": 0.54 is 54 %
# length, base cm
_unit("length", 1.0, 0.0, "cm", "centimeter", "CentiM", code="CMT")
_unit("length", 100.0, 0.0, "m", "meter", "M", code="MTR")
_unit("length", 0.1, 0.0, "mm", "millimeter", "MilliM", code="MMT")
_unit("length", 1e5, 0.0, "km", code="KMT")
_unit("length", 30.48, 0.0, "ft")
_unit("length", 2.54, 0.0, "in")
# sound level, base dB(A)
_unit("sound", 1.0, 0.0, "dB(A)", "dB", "dBA", "dB[A]", "decibel", "DeciB", "A-weighted decibel")
# speed, base km/h
_unit("speed", 1.0, 0.0, "km/h", "kmh", "kilometer per hour", "KiloM-PER-HR", code="KMH")
_unit("speed", 3.6, 0.0, "m/s", "meter per second", "M-PER-SEC", code="MTS")
_unit("speed", 1.609344, 0.0, "mph")
# traffic flow, base veh/h
_unit("flow", 1.0, 0.0, "veh/h")
_unit("flow", 60.0, 0.0, "veh/min")
# switch state
_unit("state", 1.0, 0.0, "bool")
# power, base W
_unit("power", 1.0, 0.0, "W", "watt", code="WTT")
_unit("power", 1e-3, 0.0, "mW")  # so that "mW" is never read as "MW"
_unit("power", 1e3, 0.0, "kW", "kilowatt", "KiloW", code="KWT")
_unit("power", 1e6, 0.0, "MW", code="MAW")
# energy, base kWh
_unit("energy", 1.0, 0.0, "kWh", "kW.h", "kilowatt hour", "KiloW-HR", code="KWH")
_unit("energy", 1e-6, 0.0, "mWh")  # so that "mWh" is never read as "MWh"
_unit("energy", 1e-3, 0.0, "Wh", "W.h", "watt hour", "W-HR", code="WHR")
_unit("energy", 1e3, 0.0, "MWh", code="MWH")


def _fold(spelling: str) -> str:
    text = spelling.strip().replace("μ", "u").replace("µ", "u").replace("³", "3")
    text = re.sub("metre", "meter", text.replace("°", "deg").replace("^", ""), flags=re.I)
    return re.sub(r"\s+", "", text)


_EXACT: dict[str, Unit] = {}
_BLIND: dict[str, Unit | None] = {}  # None: two units differ only by case ("mW", "MW")
_CODES: dict[str, Unit] = {}
for _u, _spellings in _UNITS:
    for _s in _spellings:
        _EXACT[_fold(_s)] = _u
        _key = _fold(_s).casefold()
        _BLIND[_key] = _u if _BLIND.get(_key, _u) == _u else None
    if _u.code:
        _CODES[_u.code] = _u

_MOLAR_VOLUME_L = 24.45  # L/mol at 25 °C, 1 atm
_MOLAR_MASS = {"no2_ugm3": 46.0055, "o3_ugm3": 47.9982, "co_mgm3": 28.0101}  # g/mol


def find(spelling: str) -> Unit | None:
    """The unit `spelling` names (symbol, name, UCUM, QUDT or UN/CEFACT code), or None."""
    key = _fold(spelling)
    return _EXACT.get(key) or _BLIND.get(key.casefold())


def cefact(code: Any) -> Unit | None:
    """The unit of a UN/CEFACT Recommendation 20 code (exactly as written), or None."""
    return _CODES.get(code) if isinstance(code, str) else None


def _ours(metric: str) -> Unit:
    unit = find(METRICS[metric].unit)
    assert unit is not None, metric  # every metric's unit is in the vocabulary
    return unit


def linear(unit: Unit, metric: str) -> Linear | None:
    """(factor, offset) taking a value in `unit` into `metric`'s unit; None across quantities
    (a gas's ppb or ppm do convert, by its molar mass)."""
    ours = _ours(metric)
    scale, offset = unit.scale, unit.offset
    if unit.quantity == "mixing" and metric in _MOLAR_MASS:
        # 1 ppb = M / Vm µg/m³
        scale, offset = scale * _MOLAR_MASS[metric] / _MOLAR_VOLUME_L, 0.0
    elif unit.quantity != ours.quantity:
        return None
    return scale / ours.scale, (offset - ours.offset) / ours.scale


def to_metric(spelling: str, metric: str) -> Linear | None:
    """(factor, offset) taking a value in the unit `spelling` names into `metric`'s unit;
    None when it names no unit, or one of another quantity."""
    unit = find(spelling)
    return linear(unit, metric) if unit is not None else None


def spellings_for(metric: str) -> list[str]:
    """The symbols of the units that convert into `metric`'s (for a message)."""
    return [u.symbol for u, _ in _UNITS if linear(u, metric) is not None]


def unit_converter(tokens: Iterable[str | None], metric: str) -> Convert | None:
    """The conversion into `metric`'s unit from the first of `tokens` (symbol, name, code)
    that names a known unit of the same quantity; None when none does."""
    for token in tokens:
        if token and (got := to_metric(token, metric)) is not None:
            return _apply(*got)
    return None


def uom_converter(uom: Any, metric: str) -> Convert | None:
    """From a SensorThings unitOfMeasurement: its symbol, then its name, then its definition's
    last part (UCUM's `#para-30` anchors name no unit and are never matched)."""
    if not isinstance(uom, dict):
        return None
    definition = str(uom.get("definition") or "")
    tail = re.split(r"[/#]", definition.rstrip("/"))[-1] if definition else None
    return unit_converter((_str(uom.get("symbol")), _str(uom.get("name")), tail), metric)


def describe_uom(uom: Any) -> str:
    """A unitOfMeasurement as a message names it: `'°C' (degree Celsius, <definition>)`."""
    if not isinstance(uom, dict):
        return repr(uom)
    return f"{uom.get('symbol')!r} ({uom.get('name')}, {uom.get('definition')})"


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _apply(a: float, b: float) -> Convert:
    def convert(value: float) -> float:
        return value * a + b

    return convert

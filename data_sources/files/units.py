"""Units a spreadsheet may write, converted into our metric's unit (`dashboard.records.METRICS`).

A conversion is linear, ours = theirs x factor + offset, found by the spelling the file's
header or the config uses (case kept: "mW" is not "MW"; spaces, "°", "³" and the Greek mu
are normalised, so "µg/m³", "ug/m3" and "μg/m3" are one unit). Gas concentrations in ppb or
ppm are converted at 25 °C and 1 atm (molar volume 24.45 L/mol), the reference of Vietnam's
air-quality standard QCVN 05 and of the US AQI.
"""

from __future__ import annotations

from collections.abc import Callable

from dashboard.records import METRICS

__all__ = ["converter", "normal_unit"]

Linear = tuple[float, float]  # factor, offset

# Our unit (normalised) -> their unit (normalised) -> (factor, offset).
_SAME: Linear = (1.0, 0.0)
_TO_OURS: dict[str, dict[str, Linear]] = {
    "cm": {"cm": _SAME, "m": (100.0, 0.0), "mm": (0.1, 0.0), "ft": (30.48, 0.0), "in": (2.54, 0.0)},
    "km/h": {"km/h": _SAME, "kmh": _SAME, "m/s": (3.6, 0.0), "mph": (1.609344, 0.0)},
    "veh/h": {"veh/h": _SAME, "veh/min": (60.0, 0.0)},
    "%": {"%": _SAME, "fraction": (100.0, 0.0)},
    "bool": {"bool": _SAME},
    "W": {"W": _SAME, "kW": (1000.0, 0.0)},
    "kWh": {"kWh": _SAME, "Wh": (0.001, 0.0), "MWh": (1000.0, 0.0)},
    "µg/m3": {"µg/m3": _SAME, "mg/m3": (1000.0, 0.0)},
    "mg/m3": {"mg/m3": _SAME, "µg/m3": (0.001, 0.0)},
    "C": {"C": _SAME, "K": (1.0, -273.15), "F": (5 / 9, -32 * 5 / 9)},
    "dB(A)": {"dB(A)": _SAME, "dBA": _SAME},
}

_MOLAR_VOLUME_L = 24.45  # L/mol at 25 °C, 1 atm
_MOLAR_MASS = {"no2_ugm3": 46.0055, "o3_ugm3": 47.9982, "co_mgm3": 28.0101}  # g/mol


def normal_unit(unit: str) -> str:
    """`unit` in the spelling the tables above use."""
    text = unit.strip().replace(" ", "").replace("μ", "µ").replace("³", "3").replace("°", "")
    if text.startswith("ug/"):
        text = "µ" + text[1:]
    return {"degC": "C", "degF": "F", "ppmv": "ppm", "ppbv": "ppb"}.get(text, text)


def _gas(metric: str, unit: str) -> Linear | None:
    # 1 ppb = M / 24.45 µg/m³; ppm is 1000 ppb; mg/m³ is 1000 µg/m³.
    mass = _MOLAR_MASS.get(metric)
    if mass is None or unit not in ("ppb", "ppm"):
        return None
    ugm3_per_ppb = mass / _MOLAR_VOLUME_L
    per = ugm3_per_ppb * (1000.0 if unit == "ppm" else 1.0)
    return (per / 1000.0 if METRICS[metric].unit == "mg/m³" else per), 0.0


def converter(metric: str, unit: str | None) -> Callable[[float], float]:
    """A function turning a value in `unit` into `metric`'s unit (None: already ours).

    ValueError names the metric, its unit and the units it takes, for the config's message.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r} (known: {', '.join(sorted(METRICS))})")
    if unit is None:
        return float
    ours = normal_unit(METRICS[metric].unit)
    theirs = normal_unit(unit)
    linear = _TO_OURS.get(ours, {}).get(theirs) or _gas(metric, theirs)
    if linear is None:
        known = sorted(_TO_OURS.get(ours, {}))
        if metric in _MOLAR_MASS:
            known += ["ppb", "ppm"]
        raise ValueError(
            f"unit {unit!r} cannot be converted to {metric}'s {METRICS[metric].unit} "
            f"(it takes {', '.join(known)})"
        )
    factor, offset = linear
    if linear == _SAME:
        return float
    # 12 significant digits: 1.12 m is 112 cm, not 112.00000000000001
    return lambda value: float(f"{value * factor + offset:.12g}")

"""UN/CEFACT Recommendation 20 unit codes and the standards' times, read into our units.

A Smart Data Model number carries its unit as `unitCode` metadata (`GQ` µg/m³, `MTR` m ...).
Each code belongs to one quantity and is stored as (scale, offset) onto that quantity's base
unit, so any known code converts into the metric's own unit; a code of another quantity, or one
we do not know, is an error naming it (the reading is rejected, never guessed).

Times: `dateObserved` may be an instant or an ISO 8601 interval `start/end` (the reading time
is its end); an NGSI-LD value may come wrapped as `{"@type": "DateTime", "@value": ...}`. A
time without a zone is refused unless the source names the zone its feed writes in
(`naive_timezone`): guessing would shift every reading by the feed's offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

__all__ = ["UNITS", "MappingError", "Unit", "convert", "instant", "interval"]


class MappingError(ValueError):
    """Why one entity, or one of its attributes, cannot become a record (a Reject's reason)."""


@dataclass(frozen=True, slots=True)
class Unit:
    quantity: str
    scale: float  # base = value * scale + offset
    offset: float = 0.0


UNITS: dict[str, Unit] = {
    # speed, base km/h
    "KMH": Unit("speed", 1.0),
    "MTS": Unit("speed", 3.6),
    # mass concentration, base µg/m³
    "GQ": Unit("concentration", 1.0),
    "GP": Unit("concentration", 1000.0),
    # length, base m
    "MTR": Unit("length", 1.0),
    "CMT": Unit("length", 0.01),
    "MMT": Unit("length", 0.001),
    "KMT": Unit("length", 1000.0),
    # temperature, base °C
    "CEL": Unit("temperature", 1.0),
    "KEL": Unit("temperature", 1.0, -273.15),
    "FAH": Unit("temperature", 5 / 9, -32 * 5 / 9),
    # dimensionless ratio, base 1
    "C62": Unit("ratio", 1.0),
    "P1": Unit("ratio", 0.01),
    # power, base W
    "WTT": Unit("power", 1.0),
    "KWT": Unit("power", 1000.0),
    "MAW": Unit("power", 1_000_000.0),
    # energy, base kWh
    "KWH": Unit("energy", 1.0),
    "WHR": Unit("energy", 0.001),
    "MWH": Unit("energy", 1000.0),
}


def convert(value: Any, code: str, target: str, where: str) -> float:
    """`value` given in unit `code`, in unit `target` (both Rec 20 codes of one quantity)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MappingError(f"{where} is {type(value).__name__} {value!r}, not a number")
    unit = UNITS.get(code) if isinstance(code, str) else None
    goal = UNITS[target]
    if unit is None:
        raise MappingError(f"{where} has unitCode {code!r}, not a known UN/CEFACT code")
    if unit.quantity != goal.quantity:
        raise MappingError(
            f"{where} has unitCode {code!r} ({unit.quantity}), not a unit of {goal.quantity}"
        )
    base = float(value) * unit.scale + unit.offset
    return (base - goal.offset) / goal.scale


def _text(raw: Any, where: str) -> str:
    if isinstance(raw, dict) and "@value" in raw:  # NGSI-LD {"@type": "DateTime", "@value": ...}
        raw = raw["@value"]
    if not isinstance(raw, str) or not raw.strip():
        raise MappingError(f"{where} is {raw!r}, not an ISO 8601 date and time")
    return raw.strip()


def _parse(text: str, naive: tzinfo | None, where: str) -> datetime:
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        raise MappingError(f"{where} {text!r} is not an ISO 8601 date and time") from None
    if ts.tzinfo is None:
        if naive is None:
            raise MappingError(
                f"{where} {text!r} has no time zone (set naive_timezone for this source "
                "to read such times in the feed's zone)"
            )
        ts = ts.replace(tzinfo=naive)
    return ts.astimezone(UTC)


def instant(raw: Any, naive: tzinfo | None, where: str) -> datetime:
    """An instant (or an interval's end) as aware UTC."""
    return interval(raw, naive, where)[1]


def interval(raw: Any, naive: tzinfo | None, where: str) -> tuple[datetime | None, datetime]:
    """(start, end) of an ISO interval `start/end`, or (None, t) of an instant; aware UTC."""
    text = _text(raw, where)
    if "/" not in text:
        return None, _parse(text, naive, where)
    first, _, last = text.partition("/")
    start, end = _parse(first, naive, where), _parse(last, naive, where)
    if end <= start:
        raise MappingError(f"{where} {text!r} ends before it starts")
    return start, end

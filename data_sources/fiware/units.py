"""UN/CEFACT unit codes and the standards' times, as FIWARE entities carry them.

A Smart Data Model number carries its unit as `unitCode` metadata (`GQ` µg/m³, `MTR` m ...),
looked up in the one unit vocabulary (`data_sources.units.cefact`), so any known code converts
into the metric's own unit; a code of another quantity, or one we do not know, is an error
naming it (the reading is rejected, never guessed).

Times (read by `data_sources.timestamps`): `dateObserved` may be an instant or an ISO 8601
interval `start/end` (the reading time is its end); an NGSI-LD value may come wrapped as
`{"@type": "DateTime", "@value": ...}`. A time without a zone is refused unless the source
names the zone its feed writes in (`naive_timezone`): guessing would shift every reading by
the feed's offset.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from data_sources.timestamps import parse_interval
from data_sources.units import cefact

__all__ = ["MappingError", "convert", "instant", "interval"]


class MappingError(ValueError):
    """Why one entity, or one of its attributes, cannot become a record (a Reject's reason)."""


def convert(value: Any, code: str, target: str, where: str) -> float:
    """`value` given in unit `code`, in unit `target` (both Rec 20 codes of one quantity)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MappingError(f"{where} is {type(value).__name__} {value!r}, not a number")
    unit, goal = cefact(code), cefact(target)
    assert goal is not None, target  # the models' own targets are known codes
    if unit is None:
        raise MappingError(f"{where} has unitCode {code!r}, not a known UN/CEFACT code")
    if unit.quantity != goal.quantity:
        raise MappingError(
            f"{where} has unitCode {code!r} ({unit.quantity}), not a unit of {goal.quantity}"
        )
    base = float(value) * unit.scale + unit.offset
    return (base - goal.offset) / goal.scale


def instant(raw: Any, naive: tzinfo | None, where: str) -> datetime:
    """An instant (or an interval's end) as aware UTC."""
    return interval(raw, naive, where)[1]


def interval(raw: Any, naive: tzinfo | None, where: str) -> tuple[datetime | None, datetime]:
    """(start, end) of an ISO interval `start/end`, or (None, t) of an instant; aware UTC."""
    if isinstance(raw, dict) and "@value" in raw:  # NGSI-LD {"@type": "DateTime", "@value": ...}
        raw = raw["@value"]
    try:
        return parse_interval(raw, where, naive, zone_key="naive_timezone")
    except ValueError as exc:
        raise MappingError(str(exc)) from None

"""Cells of a dropped file read as our values: numbers, switch states and times.

Each reader raises ValueError with a reason short enough to count (the raw cell is in the
quarantined row): "not a number", "no UTC offset and no `timezone` set", ...
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from typing import Any

__all__ = ["read_number", "read_time"]

_SWITCH = {"true": 1.0, "false": 0.0, "on": 1.0, "off": 0.0, "bật": 1.0, "tắt": 0.0}
# A thousands-grouped number with the other separator as the decimal mark: 1,234.5 / 1.234,5
_GROUPED = {
    ".": re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?"),
    ",": re.compile(r"-?\d{1,3}(\.\d{3})+(,\d+)?"),
}


def read_number(cell: Any, decimal: str = ".") -> float:
    """A number from a cell: a JSON number, or text with `decimal` as its decimal mark
    (thousands grouped with the other mark are taken too); true/false and on/off (also
    Vietnamese bật/tắt) read as 1 and 0 for switch metrics."""
    if isinstance(cell, bool):
        return float(cell)
    if isinstance(cell, int | float):
        return float(cell)
    if not isinstance(cell, str):
        raise ValueError(f"not a number ({type(cell).__name__})")
    text = cell.strip().replace("\u00a0", "").replace(" ", "")
    if text.lower() in _SWITCH:
        return _SWITCH[text.lower()]
    if _GROUPED[decimal].fullmatch(text):
        text = text.replace("," if decimal == "." else ".", "")
    if decimal == ",":
        if "." in text:
            raise ValueError("not a number (a '.' where the decimal mark is ',')")
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise ValueError("not a number") from None
    return value


def read_time(cell: Any, time_format: str | None, zone: tzinfo | None) -> datetime:
    """An aware UTC time from a cell: ISO 8601 (or `time_format`, a strptime pattern, or
    "epoch" for seconds since 1970 UTC). A time without an offset is read in `zone`; with no
    zone configured it is refused rather than guessed."""
    if time_format == "epoch":
        try:
            return datetime.fromtimestamp(read_number(cell), UTC)
        except (ValueError, OverflowError, OSError):
            raise ValueError("time is not epoch seconds") from None
    if not isinstance(cell, str) or not cell.strip():
        raise ValueError("time is missing")
    text = cell.strip()
    try:
        if time_format is None:
            ts = datetime.fromisoformat(text)
        else:
            ts = datetime.strptime(text, time_format)
    except ValueError:
        expected = "ISO 8601" if time_format is None else f"time_format {time_format!r}"
        raise ValueError(f"time is not {expected}") from None
    if ts.tzinfo is None or ts.utcoffset() is None:
        if zone is None:
            raise ValueError("time has no UTC offset and no `timezone` is set")
        ts = ts.replace(tzinfo=zone)
    return ts.astimezone(UTC)

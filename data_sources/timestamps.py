"""Feed timestamps read once, the same way by every connector: ISO 8601 text to aware UTC.

A timestamp without an offset is refused (`ValueError` with the reason, which the connector
turns into a `Reject`) unless the source's settings name the zone its server writes in: a
guessed zone would shift every record by hours without anyone seeing it. An ISO 8601 interval
`start/end` (SensorThings' phenomenonTime, FIWARE's dateObserved) is read by `parse_interval`;
a reading taken over an interval is dated at its end.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator

__all__ = ["ZoneName", "iso_z", "parse_instant", "parse_interval", "zone_of"]


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None
    return name


# A settings key naming the IANA zone a feed writes offset-less times in (checked at start).
ZoneName = Annotated[str, AfterValidator(_known_zone)]


def zone_of(name: str | None) -> tzinfo | None:
    """The zone a `ZoneName` setting names; None when it is not set (such times are refused)."""
    return None if name is None else ZoneInfo(name)


def parse_instant(
    value: object, what: str, naive_zone: tzinfo | None = None, *, zone_key: str | None = None
) -> datetime:
    """`value` (ISO 8601 text: `T` or space, any fraction, `Z` or `±HH:MM`/`±HHMM`) as UTC.

    ValueError names `what` and the text: not text, unreadable, or without an offset (and no
    `naive_zone` given; `zone_key`, the setting that would give one, is then named).
    """
    return _parse(_text(value, what), what, naive_zone, zone_key)


def parse_interval(
    value: object, what: str, naive_zone: tzinfo | None = None, *, zone_key: str | None = None
) -> tuple[datetime | None, datetime]:
    """(start, end) of an ISO 8601 interval `start/end`, or (None, t) of an instant; UTC.

    ValueError as `parse_instant`, and for an interval ending before it starts.
    """
    text = _text(value, what)
    if "/" not in text:
        return None, _parse(text, what, naive_zone, zone_key)
    first, _, last = text.partition("/")
    start = _parse(first, what, naive_zone, zone_key)
    end = _parse(last, what, naive_zone, zone_key)
    if end <= start:
        raise ValueError(f"{what} {text!r} ends before it starts")
    return start, end


def _text(value: object, what: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{what} is missing")
    if not isinstance(value, str):
        raise ValueError(f"{what} is {value!r}, not an ISO 8601 date and time")
    return value.strip()


def _parse(text: str, what: str, naive_zone: tzinfo | None, zone_key: str | None) -> datetime:
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not an ISO 8601 date and time") from None
    if ts.tzinfo is None or ts.utcoffset() is None:
        if naive_zone is None:
            hint = (
                f" (set {zone_key} for this source to read such times in the feed's zone)"
                if zone_key
                else ""
            )
            raise ValueError(f"{what} {text!r} has no time zone{hint}")
        ts = ts.replace(tzinfo=naive_zone)
    return ts.astimezone(UTC)


def iso_z(ts: datetime) -> str:
    """An aware datetime as ISO 8601 UTC with `Z` (what query filters and W3C dates take)."""
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")

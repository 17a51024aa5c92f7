"""Feed timestamps read once, the same way by every connector: ISO 8601 text to aware UTC.

A timestamp without an offset is refused (`ValueError` with the reason, which the connector
turns into a `Reject`) unless the source's settings name the zone its server writes in: a
guessed zone would shift every record by hours without anyone seeing it.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

__all__ = ["iso_z", "parse_instant"]


def parse_instant(value: object, what: str, naive_zone: tzinfo | None = None) -> datetime:
    """`value` (ISO 8601 text: `T` or space, any fraction, `Z` or `±HH:MM`/`±HHMM`) as UTC.

    ValueError names `what` and the text: not text, unreadable, or without an offset (and no
    `naive_zone` given).
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} is missing")
    text = value.strip()
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not an ISO 8601 datetime") from None
    if ts.tzinfo is None or ts.utcoffset() is None:
        if naive_zone is None:
            raise ValueError(f"{what} {text!r} has no time zone")
        ts = ts.replace(tzinfo=naive_zone)
    return ts.astimezone(UTC)


def iso_z(ts: datetime) -> str:
    """An aware datetime as ISO 8601 UTC with `Z` (what query filters and W3C dates take)."""
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")

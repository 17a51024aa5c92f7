"""The query layer: the only SQL the pages and the API run, one module per domain.

Every function takes a `Session` from `Store.read_session()` and typed filters, never commits,
and returns a DataFrame or typed rows with timezone-aware UTC datetimes (the store keeps readings
as epoch-seconds integers; the conversion happens here, once). Pages and `/api/v1` call the same
functions, so a number on the wall and in the API is computed one way.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["from_epoch", "to_epoch"]


def to_epoch(ts: datetime) -> int:
    """Epoch seconds (UTC) of an aware datetime; a naive one is refused, never guessed."""
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError("naive datetime given to the query layer; pass an aware datetime")
    return int(ts.timestamp())


def from_epoch(seconds: int) -> datetime:
    """The aware UTC datetime of epoch seconds."""
    return datetime.fromtimestamp(seconds, tz=UTC)

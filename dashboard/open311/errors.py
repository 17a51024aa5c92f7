"""The one refusal of the Open311 server: an HTTP status and the spec's error description."""

from __future__ import annotations

__all__ = ["Open311Error"]


class Open311Error(ValueError):
    """A request the server refuses, answered with the spec's error list: `status` is the
    HTTP code (400 missing or bad argument, 403 missing or invalid api_key, 404 unknown
    resource, jurisdiction or service_code), also used as the error's `code`."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description

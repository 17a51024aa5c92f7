"""The app context: what `create_app` attaches to each Flask server (config, store, clock).

Its own module so that the API, the pages, the auth layer and the commands all reach the
per-app objects without importing one another: routes and page callbacks call
`current_context()`; tests and the CLI build an `AppContext` themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

import flask

from dashboard.config import Config
from dashboard.store import Store

__all__ = ["EXTENSION", "AppContext", "current_context", "utc_now"]

EXTENSION = "cityops"  # key of AppContext in flask_app.extensions


def utc_now() -> datetime:
    """The system clock, aware UTC: the default clock of an `AppContext`."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class AppContext:
    """The per-app objects: configuration, store, and the clock (tests pass a fixed one)."""

    config: Config
    store: Store
    clock: Callable[[], datetime] = field(default=utc_now)


def current_context() -> AppContext:
    """The AppContext of the app serving the current request."""
    return cast(AppContext, flask.current_app.extensions[EXTENSION])

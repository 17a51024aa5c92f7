"""Building a pull connector against a loopback feed and running it the way the scheduler does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dashboard.areas import Areas
from dashboard.config import Config, SourceConfig, load_config
from dashboard.pipeline import RunOutcome, run_source
from dashboard.store import Store
from data_sources.base import SourceConnector, create
from tests.sources.cases import FAST_HTTP

__all__ = ["build", "run"]

_CONFIG: Config | None = None


def _config() -> Config:
    global _CONFIG
    if _CONFIG is None:
        _CONFIG = load_config(env={})
    return _CONFIG


def build(kind: str, name: str = "feed", **options: Any) -> SourceConnector:
    """A `kind` connector named `name`, retrying without waiting (FAST_HTTP under `http`)."""
    http = {**FAST_HTTP, **options.pop("http", {})}
    source = SourceConfig.model_validate({"name": name, "type": kind, "http": http, **options})
    return create(source, _config())


def run(store: Store, connector: SourceConnector, now: datetime) -> RunOutcome:
    """One recorded run at `now`, placed in the demo city's wards and zones."""
    return run_source(store, connector, Areas.from_config(_config()), clock=lambda: now)

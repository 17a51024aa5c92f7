"""The connector interface, the batch it returns, and the registry of connector kinds.

A connector is one module with a class implementing `SourceConnector`: built from its
`SourceConfig` (plus the city config for geography), `fetch(since, now)` returns a `Batch` of
normalized records and per-item rejects with a reason; `check_health()` says whether the feed
answers; `close()` frees what it holds. Connectors never touch SQL, the store or the scheduler.

In-tree kinds are lazy "module:Class" paths in BUILTIN_KINDS (loaded the APScheduler way);
out-of-tree connectors register in the `cityops.data_sources` entry-point group.
"""

from __future__ import annotations

import importlib
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any, ClassVar

from dashboard.config import Config, SourceConfig
from dashboard.records import Asset, CitizenReport, Reading, ReadingBlock, Reject

__all__ = ["BUILTIN_KINDS", "Batch", "Health", "SourceConnector", "connector_class", "create"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Batch:
    """What one fetch produced. `cursor` is the data time the next fetch should start after.

    Readings come as objects (`readings`, what a parser of messages produces) or as columns
    (`blocks`, what a connector computing arrays holds); the store treats both alike.
    """

    assets: list[Asset] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)
    blocks: list[ReadingBlock] = field(default_factory=list)
    reports: list[CitizenReport] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    cursor: datetime | None = None

    def __len__(self) -> int:
        rows = len(self.readings) + sum(len(b) for b in self.blocks)
        return len(self.assets) + rows + len(self.reports)

    def all_readings(self) -> list[Reading]:
        """`readings` and the rows of `blocks`, as Reading objects (for tests and tools)."""
        return [*self.readings, *(r for b in self.blocks for r in b.readings())]


@dataclass(frozen=True, slots=True)
class Health:
    ok: bool
    message: str = ""


class SourceConnector(ABC):
    """Base class of every connector; subclasses set `kind` and implement `fetch`."""

    kind: ClassVar[str]

    def __init__(self, settings: SourceConfig, config: Config) -> None:
        self.settings = settings
        self.config = config

    @abstractmethod
    def fetch(self, since: datetime | None, now: datetime) -> Batch:
        """Records observed after `since` (None: the first run) up to `now` (both aware UTC)."""

    def check_health(self) -> Health:
        return Health(ok=True)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections or files; the default holds nothing."""


BUILTIN_KINDS: dict[str, str] = {
    "simulator": "data_sources.simulator:SimulatorSource",
}


def _load(path: str) -> Any:
    module_name, _, attr = path.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def connector_class(kind: str) -> type[SourceConnector]:
    """The class registered for `kind`; LookupError names the kind and the known ones."""
    target: Any = None
    if kind in BUILTIN_KINDS:
        target = _load(BUILTIN_KINDS[kind])
    else:
        for ep in entry_points(group="cityops.data_sources"):
            if ep.name != kind:
                continue
            try:
                target = ep.load()
            except Exception:  # a broken plugin is logged, never fatal to the others
                log.exception("connector plugin %r failed to load", kind)
                raise LookupError(f"connector type {kind!r} failed to load") from None
    if target is None:
        known = sorted(
            set(BUILTIN_KINDS) | {ep.name for ep in entry_points(group="cityops.data_sources")}
        )
        raise LookupError(f"unknown source type {kind!r} (known: {', '.join(known)})")
    if not (isinstance(target, type) and issubclass(target, SourceConnector)):
        raise LookupError(f"source type {kind!r} does not name a SourceConnector subclass")
    return target


def create(settings: SourceConfig, config: Config) -> SourceConnector:
    """A connector for one configured source."""
    return connector_class(settings.type)(settings, config)

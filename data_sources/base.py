"""The connector interface, its settings parser, and the registry of connector kinds.

A connector is one module with a `SourceConnector` subclass: `kind`, its own keys as a
`Settings` model (a `ConnectorSettings`), `fetch(since, now)` returning a `Batch`
(`dashboard.records`: normalized records and per-item rejects with a reason), and, where it
holds something, `check_health()` and `close()`. The base class parses and validates the
settings once, so every kind's errors read alike. Connectors never touch SQL, the store or the
scheduler.

Building a connector is pure: the constructor only parses settings (the CLI builds nothing but
checks every source's settings at start, `check_sources`), and any connection, file or city
model is made at the first `fetch` or `check_health`. `tests/sources/` holds the conformance
suite every registered kind must pass.

A push feed (MQTT, a broker's subscription) subclasses `PushConnector` instead: its
`subscribe(link)` holds one long-running subscription and hands each message or burst to
`link.deliver(batch)`, which returns once the batch is stored, through the same validation,
quarantine and idempotent ingest as a pulled batch. The scheduler runs one supervisor per push
source that calls `subscribe` again, with backoff, whenever it returns or raises.

In-tree kinds are lazy "module:Class" paths in BUILTIN_KINDS (loaded the APScheduler way);
out-of-tree connectors register in the `cityops.data_sources` entry-point group.
"""

from __future__ import annotations

import importlib
import logging
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

from dashboard.config import Config, ConfigError, SourceConfig
from dashboard.records import Batch, OriginResult

__all__ = [
    "BUILTIN_KINDS",
    "ConnectorSettings",
    "Health",
    "Link",
    "PushConnector",
    "SourceConnector",
    "check_sources",
    "connector_class",
    "create",
]

log = logging.getLogger(__name__)

# Keys whose values an error message never repeats.
_SECRET_WORDS = ("secret", "password", "token", "api_key", "credential")


class ConnectorSettings(BaseModel):
    """A connector's own keys in its `[[sources]]` entry: typed, defaulted, unknown keys refused.

    A kind declares its keys by subclassing this as its `Settings`; the bare class has none.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


def _problems(exc: ValidationError, source: SourceConfig) -> str:
    lines = [f"invalid settings for source {source.name!r} ({source.type}):"]
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        got = ""
        if "input" in err and err["type"] != "missing":
            secret = any(word in key.lower() for word in _SECRET_WORDS)
            got = " (got (hidden))" if secret else f" (got {err['input']!r})"
        lines.append(f"  sources[{source.name}].{key}: {msg}{got}")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Health:
    ok: bool
    message: str = ""


class SourceConnector(ABC):
    """Base class of every connector; subclasses set `kind` and `Settings`, implement `fetch`.

    `settings` holds the keys every source has (name, interval, timeout); `options` the kind's
    own, parsed into its `Settings`. A subclass narrows the annotation (`options: MySettings`).
    """

    kind: ClassVar[str]
    Settings: ClassVar[type[ConnectorSettings]] = ConnectorSettings
    options: ConnectorSettings

    def __init__(self, settings: SourceConfig, config: Config) -> None:
        """Parse and keep the settings; never connect, open or compute here (see the module)."""
        self.settings = settings
        self.config = config
        self.options = self.parse_settings(settings)

    @classmethod
    def parse_settings(cls, settings: SourceConfig) -> ConnectorSettings:
        """`settings.options` as this kind's `Settings`; ConfigError names the source and keys."""
        try:
            return cls.Settings.model_validate(settings.options)
        except ValidationError as exc:
            raise ConfigError(_problems(exc, settings)) from None

    @abstractmethod
    def fetch(self, since: datetime | None, now: datetime) -> Batch:
        """Records observed after `since` (None: the first run) up to `now` (both aware UTC).

        Fetching a window again may deliver records already delivered, never different values
        for them: the store keeps each reading once. A malformed item becomes a `Reject` with
        its reason in the batch; it never fails the rest.
        """

    def check_health(self) -> Health:
        """Whether the feed answers; the default has nothing to ask."""
        return Health(ok=True)

    def settled(self, result: OriginResult) -> None:  # noqa: B027 - optional hook
        """The pipeline has committed what became of a batch's `origin` (see `Batch.origin`):
        now, and only now, a connector may let go of the input (a file-drop source moves the
        file). Raising fails the run; the origin's result is kept, so the input is not taken
        twice. The default has no inputs to let go of."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections or files; safe to call twice. The default holds nothing."""


class Link(Protocol):
    """What a push connector's subscription talks to: the scheduler's supervisor (or a test).

    `stop` is set when the subscription must end (shutdown, lost lease, pause). `deliver`
    stores a batch and returns when it is committed: acknowledge the messages to the broker
    only then; when it raises, acknowledge nothing and let the exception end `subscribe` (the
    broker redelivers, the store keeps each record once). `connected` and `retrying` report
    the link's state, shown on /sources.
    """

    stop: threading.Event

    def deliver(self, batch: Batch) -> None: ...

    def connected(self) -> None: ...

    def retrying(self, why: str) -> None: ...


class PushConnector(SourceConnector):
    """A connector whose feed pushes: `subscribe` instead of polling.

    `fetch` is what a one-off `cityops ingest` or a "run now" gets: by default nothing (the
    subscription delivers everything); a kind whose server can also be asked may override it.
    """

    def fetch(self, since: datetime | None, now: datetime) -> Batch:
        return Batch(cursor=since)

    @abstractmethod
    def subscribe(self, link: Link) -> None:
        """Hold the subscription until `link.stop` is set, delivering each batch to `link`.

        Returning while `stop` is unset, or raising, means the link broke: the supervisor
        records why and calls `subscribe` again after a backoff. Reconnects the client library
        makes by itself are reported with `link.retrying(why)` and `link.connected()`.
        """


BUILTIN_KINDS: dict[str, str] = {
    "simulator": "data_sources.simulator:SimulatorSource",
    "open311": "data_sources.open311:Open311Source",
    "sensorthings": "data_sources.sensorthings:SensorThingsSource",
    "files": "data_sources.files:FilesSource",
    "ngsi-v2": "data_sources.fiware.ngsi_v2:NgsiV2Source",
    "ngsi-ld": "data_sources.fiware.ngsi_ld:NgsiLdSource",
    "mqtt": "data_sources.mqtt:MqttSource",
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
    """A connector for one configured source (pure: nothing connects before its first use)."""
    return connector_class(settings.type)(settings, config)


def check_sources(config: Config) -> None:
    """Fail at start on a source of an unknown type, or an enabled one with a wrong key.

    Only parses: nothing is built, connected or read. Every problem is a ConfigError naming
    the configuration file and `sources[<name>].<key>`.
    """
    for source in config.sources:
        try:
            kind = connector_class(source.type)
        except LookupError as exc:
            raise ConfigError(f"{config.origin}: sources[{source.name}].type: {exc}") from None
        if source.enabled:
            try:
                kind.parse_settings(source)
            except ConfigError as exc:
                raise ConfigError(f"{config.origin}: {exc}") from None

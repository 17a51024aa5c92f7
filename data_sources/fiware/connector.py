"""What the two NGSI kinds share: settings, the entity mapping, paging, notifications.

`NgsiSettings` holds the keys both kinds take; `map_entities` turns a list of raw entities
(a page, or a notification's `data`) into a `Batch`; `NgsiConnector.fetch` pages through the
broker's `/entities` with limit/offset until the count header's total, and each kind says how
to ask (`query`), what header carries the count and the version/health path.

Incremental fetch: the broker keeps each entity's latest state, so a fetch asks for what
changed since the cursor less `overlap_s` (the store keeps each reading once, so the overlap
costs nothing but a re-read) and keeps the readings observed after that; `Batch.cursor` is
the newest observation time delivered (never later than `now`), so a device that reports late
by less than the overlap is still read.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from datetime import datetime, timedelta, tzinfo
from typing import Any, ClassVar

from pydantic import Field, field_validator

from dashboard.config import Config, SourceConfig
from dashboard.records import REPORT_CATEGORIES, Batch, Reject

from ..base import ConnectorSettings, Health, SourceConnector
from ..credentials import Secret
from ..http import FeedClient, FeedError, FeedResponse, HttpSettings
from ..timestamps import ZoneName, zone_of
from .entities import read_entity
from .models import MODELS, map_asset_entity
from .reports import REPORT_TYPES, map_report_entity
from .units import MappingError

__all__ = ["KNOWN_TYPES", "NgsiConnector", "NgsiSettings", "map_entities"]

KNOWN_TYPES: tuple[str, ...] = (*MODELS, *REPORT_TYPES)
_JSON_TYPES = ("application/json", "application/ld+json")


class NgsiSettings(ConnectorSettings):
    """Keys both NGSI kinds take (each adds its tenant headers and `options`)."""

    url: str = Field(pattern=r"^https?://")
    entity_types: tuple[str, ...] = KNOWN_TYPES
    page_size: int = Field(default=100, ge=1, le=1000)
    overlap_s: int = Field(default=300, ge=0, le=86400)
    # The zone of a feed that writes times without one (the published AirQualityObserved
    # examples do); None: such a time is a Reject with its reason.
    naive_timezone: ZoneName | None = None
    # A feed's category text (service_code, service_name, category) -> one of ours.
    category_map: dict[str, str] = Field(default_factory=dict)
    # A feed's own attribute name -> the model's (e.g. {"pm2_5" = "pm25"}).
    attribute_aliases: dict[str, str] = Field(default_factory=dict)
    # The bearer token a broker's subscription sends to our notify endpoint (unset: off).
    notify_token: Secret | None = None
    notify_max_kb: int = Field(default=1024, ge=1, le=65536)
    http: HttpSettings = HttpSettings()

    @field_validator("entity_types")
    @classmethod
    def _known_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [t for t in value if t not in KNOWN_TYPES]
        if unknown or not value:
            raise ValueError(f"unknown entity types {unknown}; known: {', '.join(KNOWN_TYPES)}")
        return value

    @field_validator("category_map")
    @classmethod
    def _our_categories(cls, value: dict[str, str]) -> dict[str, str]:
        wrong = sorted({v for v in value.values() if v not in REPORT_CATEGORIES})
        if wrong:
            raise ValueError(f"not our categories: {wrong}; ours: {', '.join(REPORT_CATEGORIES)}")
        return value

    @property
    def naive_zone(self) -> tzinfo | None:
        return zone_of(self.naive_timezone)


def map_entities(
    raw_entities: list[Any],
    settings: NgsiSettings,
    since: datetime | None = None,
) -> Batch:
    """The records `raw_entities` state; each malformed one (or refused reading) a Reject
    with the entity as its payload. With `since`, readings at or before it are left out."""
    batch = Batch()
    naive = settings.naive_zone
    wanted = set(settings.entity_types)
    for raw in raw_entities:
        try:
            entity = read_entity(raw)
            if entity.type not in wanted:
                continue  # a broker may answer more than asked (a notification's subscription)
            if entity.type in REPORT_TYPES:
                batch.reports.append(map_report_entity(entity, naive, settings.category_map))
                continue
            asset, readings, problems = map_asset_entity(
                entity, MODELS[entity.type], naive, settings.attribute_aliases
            )
        except MappingError as exc:
            batch.rejects.append(Reject(str(exc), raw))
            continue
        batch.assets.append(asset)
        batch.readings += [r for r in readings if since is None or r.ts > since]
        batch.rejects += [Reject(p, raw) for p in problems]
    return batch


def _body_entities(resp: FeedResponse) -> list[Any]:
    kind = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if kind not in _JSON_TYPES:
        raise resp.refused(f"content type {kind or '(none)'!r} is not JSON")
    body = resp.json()
    if not isinstance(body, list):
        raise resp.refused("the answer is not a list of entities")
    return body


class NgsiConnector(SourceConnector):
    """A broker's entities of the configured types, page by page (see the module docstring)."""

    options: NgsiSettings
    count_header: ClassVar[str]
    entities_path: ClassVar[str]

    def __init__(self, settings: SourceConfig, config: Config, *, client: Any = None) -> None:
        super().__init__(settings, config)
        self.client = FeedClient(self.options.http, client)

    @abstractmethod
    def query(self, since: datetime | None) -> tuple[dict[str, str], dict[str, str]]:
        """The query arguments (besides limit/offset) and headers of an entities request."""

    def _url(self) -> str:
        return self.options.url.rstrip("/") + self.entities_path

    def pages(self, since: datetime | None) -> Iterator[list[Any]]:
        """Each page of entities changed after `since` (None: all)."""
        params, headers = self.query(since)
        size = self.options.page_size
        offset = 0
        while True:
            resp = self.client.get(
                self._url(),
                params={**params, "limit": str(size), "offset": str(offset)},
                headers=headers,
            )
            page = _body_entities(resp)
            yield page
            offset += len(page)
            total = resp.headers.get(self.count_header, "")
            if not page or (total.isdigit() and offset >= int(total)):
                return
            if not total.isdigit() and len(page) < size:
                return

    def fetch(self, since: datetime | None, now: datetime) -> Batch:
        start = None if since is None else since - timedelta(seconds=self.options.overlap_s)
        batch = Batch()
        for page in self.pages(start):
            part = map_entities(page, self.options, start)
            batch.assets += part.assets
            batch.readings += part.readings
            batch.reports += part.reports
            batch.rejects += part.rejects
        times = [r.ts for r in batch.readings if r.ts <= now]
        newest = max(times, default=None)
        batch.cursor = max(newest, since) if newest and since else newest or since
        return batch

    def notification(self, body: Any) -> Batch:
        """The records of one notification body (`data`: its entities); MappingError when
        the body is not a notification of this kind."""
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise MappingError("a notification is an object whose data is a list of entities")
        batch = map_entities(data, self.options)
        batch.cursor = max((r.ts for r in batch.readings), default=None)
        return batch

    def check_health(self) -> Health:
        params, headers = self.query(None)
        try:
            resp = self.client.get(self._url(), params={**params, "limit": "1"}, headers=headers)
            _body_entities(resp)
        except FeedError as exc:
            return Health(ok=False, message=str(exc))
        total = resp.headers.get(self.count_header)
        return Health(ok=True, message=f"{total} entities" if total else "answers")

    def close(self) -> None:
        self.client.close()

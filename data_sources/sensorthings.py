"""OGC SensorThings API 1.1 (OGC 18-088, Part 1: Sensing) client: Things as assets, the
Observations of their Datastreams as readings.

Reads `Things?$expand=Locations,Datastreams($expand=ObservedProperty)` (each Thing an Asset,
its geometry the first Location's GeoJSON, `application/geo+json` or v1.0's
`application/vnd.geo+json`), then, for each Datastream whose ObservedProperty maps onto one of
our metrics, `Datastreams(id)/Observations` with `$filter=phenomenonTime gt <since> and
phenomenonTime le <now>`, `$orderby=phenomenonTime asc` and `$top`, following `@iot.nextLink`
as given (it is opaque) until the server gives none. An interval `phenomenonTime` is read at its
end. Values are converted from the Datastream's `unitOfMeasurement` to the metric's unit; a
unit we cannot convert is a Reject naming it. Tests serve the spec's examples
(`shared/fixtures/standards/sensorthings/spec-18-088/`) from a FROST-like loopback server.

Cursor: the earliest of each Datastream's latest phenomenonTime in this fetch, so a stream that
uploads late loses nothing (the others are asked again from there; the store keeps each
reading once). A Datastream whose ObservedProperty we do not map is skipped, not rejected.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

import httpx
from pydantic import Field, field_validator

from dashboard.records import DOMAINS, METRICS, Asset, Batch, Reading, Reject

from .base import ConnectorSettings, Health, SourceConnector
from .http import FeedClient, FeedError, FeedUrl, HttpSettings
from .timestamps import iso_z, parse_interval
from .units import Convert, describe_uom, uom_converter

__all__ = ["DEFAULT_METRICS", "SensorThingsSettings", "SensorThingsSource"]

# ObservedProperty names (or the last part of their definition URI), compared folded
# (lower case, letters and digits only, subscripts as digits: "PM2.5", "pm_25", "NO₂").
DEFAULT_METRICS: dict[str, str] = {
    "pm25": "pm25_ugm3",
    "pm10": "pm10_ugm3",
    "no2": "no2_ugm3",
    "nitrogendioxide": "no2_ugm3",
    "o3": "o3_ugm3",
    "ozone": "o3_ugm3",
    "co": "co_mgm3",
    "carbonmonoxide": "co_mgm3",
    "temperature": "temp_c",
    "airtemperature": "temp_c",
    "humidity": "humidity_pct",
    "relativehumidity": "humidity_pct",
    "waterlevel": "water_level_cm",
    "noise": "noise_dba",
    "noiselevel": "noise_dba",
    "soundpressurelevel": "noise_dba",
}
_EXPAND = "Locations,Datastreams($expand=ObservedProperty)"
_GEO_TYPES = ("application/geo+json", "application/vnd.geo+json")
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def fold(name: str) -> str:
    """A property name as compared: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", name.translate(_SUBSCRIPTS).casefold())


class SensorThingsSettings(ConnectorSettings):
    """Keys of a `sensorthings` source (see the README, "Connecting a SensorThings server")."""

    url: FeedUrl  # the service root, e.g. http://host/FROST-Server/v1.1
    # ObservedProperty name or definition URI -> metric, over DEFAULT_METRICS.
    metrics: dict[str, str] = Field(default_factory=dict)
    domain: str | None = None  # None: the domain of the Thing's first mapped metric
    asset_kind: str = Field(default="sensor_station", min_length=1, max_length=32)
    page_size: int = Field(default=100, ge=1, le=10_000)
    max_pages: int = Field(default=1000, ge=1, le=100_000)
    first_days: float = Field(default=1, gt=0, le=3650)  # how far back the first run reaches
    http: HttpSettings = HttpSettings()

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, value: dict[str, str]) -> dict[str, str]:
        wrong = sorted(set(value.values()) - set(METRICS))
        if wrong:
            raise ValueError(f"unknown metrics {wrong} (known: {', '.join(METRICS)})")
        return value

    @field_validator("domain")
    @classmethod
    def _known_domain(cls, value: str | None) -> str | None:
        if value is not None and value not in DOMAINS:
            raise ValueError(f"unknown domain {value!r} (known: {', '.join(DOMAINS)})")
        return value


class _Bad(ValueError):
    """An entity that cannot be stored; its message is the Reject's reason."""


@dataclass(frozen=True, slots=True)
class _Stream:
    """A mapped Datastream: where its readings go and how its values convert."""

    id: Any
    asset_id: str
    metric: str
    convert: Convert


class SensorThingsSource(SourceConnector):
    """Pulls Things, then each mapped Datastream's new Observations, page by page."""

    kind: ClassVar[str] = "sensorthings"
    Settings: ClassVar[type[ConnectorSettings]] = SensorThingsSettings
    options: SensorThingsSettings

    def __init__(self, settings: Any, config: Any, client: httpx.Client | None = None) -> None:
        super().__init__(settings, config)
        self._feed = FeedClient(self.options.http, client)
        self._exact = dict(self.options.metrics)
        self._folded = {
            **DEFAULT_METRICS,
            **{fold(k): v for k, v in self.options.metrics.items()},
        }

    def fetch(self, since: datetime | None, now: datetime) -> Batch:
        start = since if since is not None else now - timedelta(days=self.options.first_days)
        batch = Batch()
        latest: list[datetime] = []
        for stream in self._things(batch):
            last = self._observations(stream, start, now, batch)
            if last is not None:
                latest.append(last)
        batch.cursor = min(latest) if latest else since
        return batch

    def check_health(self) -> Health:
        """The service root answers with its list of entity sets."""
        try:
            root = self._feed.get(self.options.url).expect_type("json").json()
        except FeedError as exc:
            return Health(ok=False, message=str(exc))
        if not isinstance(root, dict) or not isinstance(root.get("value"), list):
            return Health(ok=False, message=f"{self.options.url} is not a SensorThings root")
        return Health(ok=True)

    def close(self) -> None:
        self._feed.close()

    # -- asking the server -------------------------------------------------------------

    def _collection(self, url: str, params: dict[str, str] | None) -> Iterator[Any]:
        """Every entity of a collection, following `@iot.nextLink` as the server gives it."""
        seen: set[str] = set()
        for _ in range(self.options.max_pages):
            resp = self._feed.get(url, params=params).expect_type("json")
            page = resp.json()
            items = page.get("value") if isinstance(page, dict) else None
            if not isinstance(items, list):
                raise resp.refused("the answer has no `value` array")
            yield from items
            link = page.get("@iot.nextLink")
            if not isinstance(link, str) or not link:
                return
            if link in seen:
                raise FeedError("GET", resp.url, f"@iot.nextLink loops: {link}", attempts=1)
            seen.add(link)
            url, params = link, None
        raise FeedError(
            "GET", url, f"more than {self.options.max_pages} pages; raise max_pages", attempts=1
        )

    def _things(self, batch: Batch) -> list[_Stream]:
        streams: list[_Stream] = []
        params = {"$expand": _EXPAND, "$top": str(self.options.page_size)}
        for thing in self._collection(f"{self.options.url}/Things", params):
            try:
                asset, mapped = self._thing(thing, batch)
            except _Bad as exc:
                batch.rejects.append(Reject(str(exc), thing))
                continue
            batch.assets.append(asset)
            streams.extend(mapped)
        return streams

    def _observations(
        self, stream: _Stream, start: datetime, now: datetime, batch: Batch
    ) -> datetime | None:
        """Append the stream's readings in (start, now]; the latest time, None if none."""
        params = {
            "$filter": f"phenomenonTime gt {iso_z(start)} and phenomenonTime le {iso_z(now)}",
            "$orderby": "phenomenonTime asc",
            "$top": str(self.options.page_size),
        }
        url = f"{self.options.url}/Datastreams({_key(stream.id)})/Observations"
        latest: datetime | None = None
        for obs in self._collection(url, params):
            try:
                ts, value = _observation(obs, stream)
            except _Bad as exc:
                batch.rejects.append(Reject(str(exc), obs))
                continue
            if not start < ts <= now:
                continue  # a server that filters loosely: outside the window, not ours now
            batch.readings.append(Reading(stream.asset_id, stream.metric, ts, value))
            latest = ts if latest is None else max(latest, ts)
        return latest

    # -- entities -> records -------------------------------------------------------------

    def _thing(self, thing: Any, batch: Batch) -> tuple[Asset, list[_Stream]]:
        if not isinstance(thing, dict) or thing.get("@iot.id") is None:
            raise _Bad("Thing without @iot.id")
        asset_id = f"{self.settings.name}:{thing['@iot.id']}"
        geometry = _geometry(thing.get("Locations"))
        streams: list[_Stream] = []
        for ds in thing.get("Datastreams") or []:
            try:
                stream = self._stream(ds, asset_id)
            except _Bad as exc:
                batch.rejects.append(Reject(str(exc), ds))
                continue
            if stream is not None:
                streams.append(stream)
        domain = self.options.domain or (
            METRICS[streams[0].metric].domain if streams else "environment"
        )
        attributes = {
            "sensorthings_id": thing["@iot.id"],
            "description": thing.get("description"),
            "properties": thing.get("properties") or {},
        }
        name = str(thing.get("name") or asset_id)
        return Asset(
            asset_id, domain, self.options.asset_kind, name, geometry, None, None, attributes
        ), streams

    def _stream(self, ds: Any, asset_id: str) -> _Stream | None:
        if not isinstance(ds, dict) or ds.get("@iot.id") is None:
            raise _Bad("Datastream without @iot.id")
        prop = ds.get("ObservedProperty")
        if not isinstance(prop, dict):
            raise _Bad(f"Datastream {ds['@iot.id']} has no ObservedProperty (not expanded)")
        metric = self._metric(prop)
        if metric is None:
            return None
        unit = ds.get("unitOfMeasurement")
        convert = uom_converter(unit, metric)
        if convert is None:
            raise _Bad(
                f"Datastream {ds['@iot.id']}: unit {describe_uom(unit)} cannot be converted to "
                f"{METRICS[metric].unit} ({metric})"
            )
        return _Stream(ds["@iot.id"], asset_id, metric, convert)

    def _metric(self, prop: dict[str, Any]) -> str | None:
        name = str(prop.get("name") or "")
        definition = str(prop.get("definition") or "")
        if definition in self._exact:
            return self._exact[definition]
        tail = re.split(r"[/#]", definition.rstrip("/"))[-1] if definition else ""
        for key in (name, tail):
            if key and (metric := self._folded.get(fold(key))) is not None:
                return metric
        return None


def _key(entity_id: Any) -> str:
    """An @iot.id in a resource path: numbers bare, strings quoted (OData)."""
    if isinstance(entity_id, int) and not isinstance(entity_id, bool):
        return str(entity_id)
    return "'" + str(entity_id).replace("'", "''") + "'"


def _geometry(locations: Any) -> dict[str, Any]:
    for loc in locations or []:
        if not isinstance(loc, dict):
            continue
        encoding = str(loc.get("encodingType") or "application/geo+json").lower()
        if encoding not in _GEO_TYPES:
            raise _Bad(f"Location encodingType {encoding!r} is not GeoJSON")
        geo = loc.get("location")
        if isinstance(geo, dict) and geo.get("type") == "Feature":
            geo = geo.get("geometry")
        if isinstance(geo, dict) and isinstance(geo.get("coordinates"), list):
            return geo
        raise _Bad(f"Location {loc.get('@iot.id')} holds no GeoJSON geometry")
    raise _Bad("Thing has no Location")


def _observation(obs: Any, stream: _Stream) -> tuple[datetime, float]:
    if not isinstance(obs, dict):
        raise _Bad("Observation is not an object")
    try:
        ts = parse_interval(obs.get("phenomenonTime"), "phenomenonTime")[1]  # an interval: its end
    except ValueError as exc:
        raise _Bad(f"Observation {obs.get('@iot.id')}: {exc}") from None
    result = obs.get("result")
    if isinstance(result, bool) and METRICS[stream.metric].unit == "bool":
        result = float(result)
    if not isinstance(result, int | float) or isinstance(result, bool):
        raise _Bad(f"Observation {obs.get('@iot.id')}: result {result!r} is not a number")
    value = stream.convert(float(result))
    if not math.isfinite(value):
        raise _Bad(f"Observation {obs.get('@iot.id')}: result {result!r} is not finite")
    return ts, value

"""From an MQTT message (topic, payload bytes) to our records: the mapping forms a city's feeds use.

Pure: no client, no clock (the receive time comes in). Each `[[sources.mapping]]` entry names a
topic template and a payload form; the first entry whose template matches a message's topic
reads it.

Topic templates: levels split on `/`; `{name}` captures a level or part of one
(`Datastreams({datastream})`), `+` matches any one level, a final `#` the rest. Captured names
with a meaning: `asset_id`, `metric` (a word of the feed, looked up in `metrics`, else taken as
our metric's name). The subscription filter of a template is the template with every captured
level turned into `+`.

Payload forms (`payload = ...`):

- `value`: one metric of one asset per topic (`city/{domain}/{asset_id}/{metric}`); the payload
  is a bare number, or `{"value": 12.1, "ts": "2025-11-12T10:00:00Z"}`.
- `fields`: one message, several metrics (`{"id": "aq-01", "ts": "...", "pm25": 12.1, ...}`):
  `fields` maps a payload field to our metric, optionally with the unit the feed sends
  (`pm25 = "pm25_ugm3"`, `co = { metric = "co_mgm3", unit = "ug/m3" }`); the asset from the
  topic's `{asset_id}` or the payload's `asset_field`; with `lon_field`/`lat_field` the message
  also describes its asset (a point of `domain`/`kind`).
- `sensorthings`: OGC SensorThings over MQTT, an Observation published on
  `v1.1/Datastreams({datastream})/Observations` (`{"phenomenonTime": ..., "result": 12.1}`);
  `datastreams` maps each Datastream id to its asset, metric and unit.
- `asset`: an asset's description, usually retained (`city/assets/{asset_id}`:
  `{"domain", "kind", "name", "geometry" or "lon"/"lat", "attributes"}`), so readings of
  assets the store does not know yet have their asset.

Times: the payload's time (ISO 8601 with a zone, or epoch seconds or milliseconds), converted
to UTC. A time without a zone is refused (a Reject: we do not guess the sensor's zone). A
message without a time is stamped with its receive time; a broker that re-delivers such a
message after a restart then gives it a new time, so feeds that can should send one.
Anything else wrong in a message (not JSON, no number, an unknown topic) becomes a `Reject`
with the reason and the raw message, and costs only that message (or that field).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from dashboard.records import DOMAINS, METRICS, Asset, Reading, Reject
from data_sources.base import ConnectorSettings
from data_sources.timestamps import parse_interval
from data_sources.units import to_metric

__all__ = [
    "AssetMapping",
    "FieldsMapping",
    "Mapping",
    "Parsed",
    "Router",
    "SensorThingsMapping",
    "TopicTemplate",
    "ValueMapping",
    "convert",
]


def convert(unit: str | None, metric: str) -> tuple[float, float]:
    """(factor, offset) turning `unit` into `metric`'s own unit; ValueError when it cannot."""
    ours = METRICS[metric].unit
    if unit is None or unit == ours:
        return 1.0, 0.0
    got = to_metric(unit, metric)
    if got is None:
        raise ValueError(f"cannot convert {unit!r} to {metric}'s unit {ours!r}")
    return got


def _metric(name: str) -> str:
    if name not in METRICS:
        raise ValueError(f"unknown metric {name!r} (known: {', '.join(METRICS)})")
    return name


class _Target(ConnectorSettings):
    """A payload field's (or Datastream's) metric and the unit the feed sends it in."""

    metric: str
    unit: str | None = None

    @model_validator(mode="after")
    def _known(self) -> _Target:
        convert(self.unit, _metric(self.metric))
        return self


class _AssetTarget(_Target):
    asset: str


class _Base(ConnectorSettings):
    topic: str

    @model_validator(mode="after")
    def _template(self) -> _Base:
        TopicTemplate(self.topic)
        return self


class ValueMapping(_Base):
    payload: Literal["value"]
    metric: str | None = None  # when the topic names none
    metrics: dict[str, str] = {}  # topic word -> our metric (default: the word itself)
    units: dict[str, str] = {}  # our metric -> the unit the feed sends
    value_field: str = "value"
    time_field: str = "ts"

    @model_validator(mode="after")
    def _complete(self) -> ValueMapping:
        names = TopicTemplate(self.topic).names
        if "asset_id" not in names:
            raise ValueError(f"topic {self.topic!r} captures no {{asset_id}}")
        if "metric" not in names and self.metric is None:
            raise ValueError(f"topic {self.topic!r} captures no {{metric}}: set metric")
        for m in [*self.metrics.values(), *([self.metric] if self.metric else [])]:
            _metric(m)
        for m, unit in self.units.items():
            convert(unit, _metric(m))
        return self


class FieldsMapping(_Base):
    payload: Literal["fields"]
    fields: dict[str, str | _Target] = Field(min_length=1)
    asset_field: str = "id"  # when the topic captures no {asset_id}
    time_field: str | None = "ts"
    lon_field: str | None = None
    lat_field: str | None = None
    domain: str = "environment"  # of the asset a message with a position describes
    kind: str = "sensor"

    @model_validator(mode="after")
    def _complete(self) -> FieldsMapping:
        for target in self.fields.values():
            _metric(target if isinstance(target, str) else target.metric)
        if (self.lon_field is None) != (self.lat_field is None):
            raise ValueError("give both lon_field and lat_field, or neither")
        if self.domain not in DOMAINS:
            raise ValueError(f"unknown domain {self.domain!r}")
        return self


class SensorThingsMapping(_Base):
    payload: Literal["sensorthings"]
    topic: str = "v1.1/Datastreams({datastream})/Observations"
    datastreams: dict[str, _AssetTarget] = Field(min_length=1)

    @model_validator(mode="after")
    def _complete(self) -> SensorThingsMapping:
        if "datastream" not in TopicTemplate(self.topic).names:
            raise ValueError(f"topic {self.topic!r} captures no {{datastream}}")
        return self


class AssetMapping(_Base):
    payload: Literal["asset"]


Mapping = Annotated[
    ValueMapping | FieldsMapping | SensorThingsMapping | AssetMapping,
    Field(discriminator="payload"),
]


class TopicTemplate:
    """A topic template (module docstring): matches topics, captures their named parts."""

    _NAME = re.compile(r"\{([a-z_][a-z0-9_]*)\}")

    def __init__(self, text: str) -> None:
        levels = text.split("/")
        if not text or any(not level for level in levels[:-1]):
            raise ValueError(f"topic template {text!r} has an empty level")
        if "#" in text and (levels[-1] != "#" or text.count("#") > 1):
            raise ValueError(f"topic template {text!r}: '#' only as the whole last level")
        self.text, self.names = text, self._NAME.findall(text)
        self.rest = levels[-1] == "#"
        self._levels: list[re.Pattern[str] | str | None] = []
        filters = []
        for level in levels[: -1 if self.rest else None]:
            if level == "+":
                self._levels.append(None)
            elif self._NAME.search(level) is None:
                if "+" in level:
                    raise ValueError(f"topic template {text!r}: '+' only as a whole level")
                self._levels.append(level)
            else:
                parts = self._NAME.split(level)  # literal, name, literal, name, ...
                pattern = "".join(
                    f"(?P<{p}>[^/]+?)" if i % 2 else re.escape(p) for i, p in enumerate(parts)
                )
                self._levels.append(re.compile(pattern + r"\Z"))
            filters.append(level if isinstance(self._levels[-1], str) else "+")
        self.filter = "/".join([*filters, *(["#"] if self.rest else [])])

    def match(self, topic: str) -> dict[str, str] | None:
        levels = topic.split("/")
        if len(levels) < len(self._levels) or (len(levels) > len(self._levels) and not self.rest):
            return None
        found: dict[str, str] = {}
        for want, got in zip(self._levels, levels, strict=False):
            if isinstance(want, str):
                if want != got:
                    return None
            elif want is not None:
                m = want.match(got)
                if m is None:
                    return None
                found.update(m.groupdict())
        return found


@dataclass(slots=True)
class Parsed:
    """What one message gave: readings, assets it described, and what was refused."""

    readings: list[Reading] = field(default_factory=list)
    assets: list[Asset] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


class _Bad(ValueError):
    """Why a message (or one of its fields) cannot be read."""


def _time(value: Any, received: datetime) -> datetime:
    if value is None:
        return received
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Bad(f"time {value!r} is neither a number nor a string")
    if isinstance(value, str):
        try:
            return parse_interval(value, "time")[1]  # an interval: its end
        except ValueError as exc:
            raise _Bad(str(exc)) from None
    if not math.isfinite(value):
        raise _Bad(f"time {value!r} is not finite")
    seconds = value / 1000 if value > 1e11 else value  # epoch milliseconds, else seconds
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise _Bad(f"time {value!r} is out of range") from None


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad(f"{what} is {json.dumps(value)[:40]}, not a number")
    return float(value)


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise _Bad("payload is not a JSON object")
    return body


def _point(lon: Any, lat: Any) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [_number(lon, "lon"), _number(lat, "lat")]}


@dataclass(frozen=True, slots=True)
class _Message:
    """One message as the readers see it: the topic's captured parts, the decoded payload,
    when it came, and the raw message a Reject keeps."""

    parts: dict[str, str]
    body: Any
    received: datetime
    raw: dict[str, str]


class Router:
    """Reads messages by the first matching mapping; a topic's match is cached."""

    _CACHE = 100_000  # distinct topics remembered (a city's sensors, not its messages)

    def __init__(self, mappings: list[Any]) -> None:
        self._mappings = [(TopicTemplate(m.topic), m) for m in mappings]
        self._routes: dict[str, tuple[Any, dict[str, str]] | None] = {}

    @property
    def filters(self) -> list[str]:
        return [template.filter for template, _ in self._mappings]

    def _route(self, topic: str) -> tuple[Any, dict[str, str]] | None:
        if topic in self._routes:
            return self._routes[topic]
        route = next(
            ((m, got) for t, m in self._mappings if (got := t.match(topic)) is not None), None
        )
        if len(self._routes) < self._CACHE:
            self._routes[topic] = route
        return route

    def parse(
        self, topic: str, payload: bytes | bytearray, received: datetime, into: Parsed
    ) -> None:
        """Add what the message holds to `into`; anything refused becomes a Reject."""
        raw = {"topic": topic, "payload": payload.decode("utf-8", "backslashreplace")}
        try:
            route = self._route(topic)
            if route is None:
                raise _Bad(f"no mapping for topic {topic!r}")
            mapping, parts = route
            try:
                body = json.loads(payload)
            except (ValueError, RecursionError):
                raise _Bad("payload is not JSON") from None
            _READERS[mapping.payload](mapping, _Message(parts, body, received, raw), into)
        except _Bad as exc:
            into.rejects.append(Reject(str(exc), raw))


def _value(m: ValueMapping, msg: _Message, into: Parsed) -> None:
    parts, body = msg.parts, msg.body
    word = parts.get("metric")
    metric = m.metrics.get(word, word) if word is not None else m.metric
    assert metric is not None  # the mapping's validator
    if metric not in METRICS:
        raise _Bad(f"unknown metric {metric!r} in topic")
    if isinstance(body, dict):
        value, ts = body.get(m.value_field), _time(body.get(m.time_field), msg.received)
    else:
        value, ts = body, msg.received
    factor, offset = convert(m.units.get(metric), metric)
    value = _number(value, "value") * factor + offset
    into.readings.append(Reading(parts["asset_id"], metric, ts, value))


def _fields(m: FieldsMapping, msg: _Message, into: Parsed) -> None:
    body = _object(msg.body)
    asset = msg.parts.get("asset_id") or body.get(m.asset_field)
    if not isinstance(asset, str) or not asset:
        raise _Bad(f"no asset id (field {m.asset_field!r})")
    ts = _time(body.get(m.time_field) if m.time_field else None, msg.received)
    if m.lon_field and m.lat_field:
        point = _point(body.get(m.lon_field), body.get(m.lat_field))
        into.assets.append(Asset(asset, m.domain, m.kind, str(body.get("name", asset)), point))
    found = False
    for name, target in m.fields.items():
        if name not in body:
            continue
        found = True
        metric, unit = (target, None) if isinstance(target, str) else (target.metric, target.unit)
        factor, offset = convert(unit, metric)
        try:
            value = _number(body[name], f"field {name!r}") * factor + offset
        except _Bad as exc:
            into.rejects.append(Reject(str(exc), msg.raw))
            continue
        into.readings.append(Reading(asset, metric, ts, value))
    if not found:
        raise _Bad(f"none of the fields {', '.join(m.fields)} is in the payload")


def _observation(m: SensorThingsMapping, msg: _Message, into: Parsed) -> None:
    target = m.datastreams.get(msg.parts["datastream"])
    if target is None:
        raise _Bad(f"Datastream {msg.parts['datastream']!r} is not mapped")
    body = _object(msg.body)
    ts = _time(body.get("phenomenonTime", body.get("resultTime")), msg.received)
    factor, offset = convert(target.unit, target.metric)
    value = _number(body.get("result"), "result") * factor + offset
    into.readings.append(Reading(target.asset, target.metric, ts, value))


def _asset(m: AssetMapping, msg: _Message, into: Parsed) -> None:
    body = _object(msg.body)
    asset_id = msg.parts.get("asset_id") or body.get("id")
    geometry = body.get("geometry")
    if geometry is None and "lon" in body:
        geometry = _point(body["lon"], body.get("lat"))
    attributes = body.get("attributes", {})
    if not isinstance(asset_id, str) or not isinstance(geometry, dict):
        raise _Bad("an asset needs an id and a geometry (or lon and lat)")
    into.assets.append(
        Asset(
            asset_id,
            str(body.get("domain")),
            str(body.get("kind", "sensor")),
            str(body.get("name", asset_id)),
            geometry,
            attributes=attributes,
        )
    )


_READERS: dict[str, Any] = {
    "value": _value,
    "fields": _fields,
    "sensorthings": _observation,
    "asset": _asset,
}

"""Fake FIWARE brokers on loopback (an Orion and an NGSI-LD broker) over the SDM fixtures.

`fixtures(encoding)` gives the published examples of the models we map in one encoding;
`rach_gia(entity, encoding, i, when)` a copy of one placed near Rạch Giá (105.08 E, 10.01 N),
observed at `when`, with an id of its own (and a location where the model's example has none).
The apps behave like the brokers for what the connectors use: types, limit/offset paging with
the count header, Orion's `q=dateModified>=` and `attrs=dateModified`, the tenant headers
(another tenant sees no entities), and they keep every request for the tests to look at.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.sources.loopback import Request, Response, Server, serve
from tests.standards import load_json

__all__ = [
    "ENCODINGS",
    "MODEL_PATHS",
    "Broker",
    "fixtures",
    "ld_app",
    "orion_app",
    "rach_gia",
    "rach_gia_city",
    "serve_broker",
]

MODEL_PATHS = {
    "TrafficFlowObserved": "Transportation/TrafficFlowObserved",
    "AirQualityObserved": "Environment/AirQualityObserved",
    "Streetlight": "Streetlighting/Streetlight",
    "StreetlightControlCabinet": "Streetlighting/StreetlightControlCabinet",
    "WaterObserved": "Environment/WaterObserved",
    "FloodMonitoring": "Environment/FloodMonitoring",
    "service_requests": "IssueTracking/service_requests",
    "IssueReporting": "IssueTracking/IssueReporting",
}
ENCODINGS = {
    "v2-normalized": "example-normalized.json",
    "v2-keyValues": "example.json",
    "ld-normalized": "example-normalized.jsonld",
    "ld-concise": "example.jsonld",
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TIMES = ("dateObserved", "observationDateTime", "requested_datetime", "updated_datetime")


def fixtures(encoding: str) -> dict[str, dict[str, Any]]:
    """The published example of each mapped model in `encoding`, by type."""
    name = ENCODINGS[encoding]
    return {t: load_json(f"fiware-sdm/{p}/{name}") for t, p in MODEL_PATHS.items()}


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _put(entity: dict[str, Any], key: str, value: Any, encoding: str) -> None:
    """Set attribute `key` to `value` in the entity's own encoding."""
    old = entity.get(key)
    if isinstance(old, dict) and "value" in old:
        if isinstance(old["value"], dict) and "@value" in old["value"]:
            old["value"]["@value"] = value
        else:
            old["value"] = value
    elif isinstance(old, dict) and "object" in old:
        old["object"] = value
    elif encoding == "v2-normalized":
        kind = "geo:json" if key == "location" else "DateTime"
        entity[key] = {"type": kind, "value": value}
    elif encoding == "ld-normalized":
        entity[key] = {"type": "GeoProperty" if key == "location" else "Property", "value": value}
    else:
        entity[key] = value


def rach_gia(entity: dict[str, Any], encoding: str, i: int, when: datetime) -> dict[str, Any]:
    """A copy of `entity` as a device in Rạch Giá: own id, location, times (see the module)."""
    out = copy.deepcopy(entity)
    out["id"] = f"{entity['id']}-rg{i}"
    lon, lat = 105.08 + 0.002 * i, 10.01 + 0.001 * i
    geom: dict[str, Any]
    if entity["type"] == "TrafficFlowObserved":
        geom = {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.003, lat + 0.001]]}
    else:
        geom = {"type": "Point", "coordinates": [lon, lat]}
    _put(out, "location", geom, encoding)
    for key in _TIMES:
        if key in out:
            value = _iso(when)
            if key == "dateObserved" and entity["type"] == "TrafficFlowObserved":
                value = f"{_iso(when - timedelta(minutes=5))}/{_iso(when)}"
            _put(out, key, value, encoding)
    if "dateObservedFrom" in out:
        _put(out, "dateObservedFrom", _iso(when - timedelta(minutes=5)), encoding)
        _put(out, "dateObservedTo", _iso(when), encoding)
    if entity["type"] == "IssueReporting":
        _put(out, "observationDateTime", _iso(when), encoding)
    if entity["type"] == "AirQualityObserved" and isinstance(out.get("co"), dict):
        # The example's co 500 marked GP (mg/m³) is beyond any city's air; as µg/m³ it is
        # Madrid's usual 0.5 mg/m³, and exercises the conversion.
        if "metadata" in out["co"]:
            out["co"]["metadata"]["unitCode"]["value"] = "GQ"
        else:
            out["co"]["unitCode"] = "GQ"
    return out


def rach_gia_city(encoding: str, when: datetime, copies: int = 1) -> list[dict[str, Any]]:
    """Every mapped model's example, `copies` times, placed in Rạch Giá at `when`."""
    models = fixtures(encoding)
    return [rach_gia(e, encoding, i, when) for i in range(copies) for e in models.values()]


@dataclass
class Broker:
    """What a fake broker holds: entities per tenant and each entity's modification time."""

    entities: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    modified: dict[str, datetime] = field(default_factory=dict)
    content_type: str = "application/json"

    def put(self, entities: list[dict[str, Any]], when: datetime, tenant: str = "") -> None:
        self.entities.setdefault(tenant, []).extend(entities)
        for e in entities:
            if isinstance(e, dict):
                self.modified[e["id"]] = when

    def stamp(self, entity: Any) -> datetime:
        """When `entity` last changed (a malformed one: the epoch, never filtered out)."""
        return (
            self.modified.get(str(entity.get("id")), _EPOCH) if isinstance(entity, dict) else _EPOCH
        )


def _page(items: list[Any], req: Request) -> list[Any]:
    limit = int(req.arg("limit", "20") or 20)
    offset = int(req.arg("offset", "0") or 0)
    return items[offset : offset + limit]


def _typed(items: list[dict[str, Any]], req: Request) -> list[dict[str, Any]]:
    types = set((req.arg("type") or "").split(",")) - {""}
    # a malformed item (the tests put some there) is served to every query
    return [e for e in items if not types or not isinstance(e, dict) or e.get("type") in types]


def _with(entity: Any, key: str, when: datetime, bare: bool) -> Any:
    """`entity` with the system attribute `key` stamped `when` (bare, or as a v2 DateTime)."""
    if not isinstance(entity, dict):
        return entity
    return {**entity, key: _iso(when) if bare else {"type": "DateTime", "value": _iso(when)}}


def orion_app(broker: Broker) -> Callable[[Request], Response]:
    """Orion's GET /v2/entities (and /v2/entities/<id>), as the connectors use it."""

    def app(req: Request) -> Response:
        if not req.path.startswith("/v2/entities"):
            return Response.json({"error": "BadRequest", "description": "no such path"}, 400)
        if int(req.arg("limit", "20") or 20) > 1000:
            return Response.json({"error": "BadRequest", "description": "Bad pagination"}, 400)
        tenant = req.headers.get("fiware-service", "")
        items = _typed(broker.entities.get(tenant, []), req)
        q = req.arg("q") or ""
        if q.startswith("dateModified>="):
            after = datetime.fromisoformat(q.removeprefix("dateModified>="))
            items = [e for e in items if not isinstance(e, dict) or broker.stamp(e) >= after]
        if "dateModified" in (req.arg("attrs") or ""):
            kv = "keyValues" in (req.arg("options") or "")
            items = [_with(e, "dateModified", broker.stamp(e), kv) for e in items]
        headers = {"Content-Type": broker.content_type}
        if "count" in (req.arg("options") or ""):
            headers["Fiware-Total-Count"] = str(len(items))
        return Response.json(_page(items, req), headers=headers)

    return app


def ld_app(broker: Broker) -> Callable[[Request], Response]:
    """An NGSI-LD broker's GET /ngsi-ld/v1/entities."""

    def app(req: Request) -> Response:
        if req.path != "/ngsi-ld/v1/entities":
            return Response.json({"type": "BadRequestData", "title": "no such path"}, 400)
        tenant = req.headers.get("ngsild-tenant", "")
        items = _typed(broker.entities.get(tenant, []), req)
        if "sysAttrs" in (req.arg("options") or ""):
            items = [_with(e, "modifiedAt", broker.stamp(e), True) for e in items]
        headers = {"Content-Type": broker.content_type}
        if req.arg("count") == "true":
            headers["NGSILD-Results-Count"] = str(len(items))
        return Response.json(_page(items, req), headers=headers)

    return app


@contextmanager
def serve_broker(kind: str, broker: Broker) -> Iterator[Server]:
    """A fake Orion ("ngsi-v2") or NGSI-LD broker ("ngsi-ld") over `broker` on loopback."""
    with serve(orion_app(broker) if kind == "ngsi-v2" else ld_app(broker)) as server:
        yield server


@contextmanager
def case_feed(
    kind: str, encoding: str, when: datetime, extra: list[dict[str, Any]] | None = None
) -> Iterator[Mapping[str, Any]]:
    """A conformance feed: the city at `when` (plus `extra` entities), the keys to read it."""
    broker = Broker()
    broker.put([*rach_gia_city(encoding, when, copies=2), *(extra or [])], when)
    with serve_broker(kind, broker) as server:
        yield {"url": server.url}

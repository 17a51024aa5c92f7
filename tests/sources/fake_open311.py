"""A GeoReport v2 server over the real city payloads, as a loopback app (`tests/sources/loopback`).

It answers `services.json` and `requests.json`/`requests.xml` the way the cities' servers do:
requests filtered by `start_date`/`end_date` (on `requested_datetime`, both ends included),
`status`, `service_code`, and, where `updated_filter` is on, `updated_after`/`updated_before`;
newest first; paged by `page`/`page_size` where `paging` is on (Chicago: default 50, max 500),
else cut at `cap` (the spec's default of 1000) whatever `page` says. `requests` is the city's
current state: a test may close a request between two fetches.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from tests.sources.loopback import Request, Response
from tests.standards import STANDARDS, load_json

__all__ = ["City", "bloomington", "chicago", "located", "san_francisco"]

REAL = "open311/real"
_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def bloomington() -> list[dict[str, Any]]:
    """Bloomington IN, 2012-05-23: 21 requests (18 open, 3 closed), 6 at 0,0 and 2 without."""
    return list(load_json(f"{REAL}/bloomington_requests.json"))


def chicago() -> list[dict[str, Any]]:
    """Chicago 2014-07-12: 2 requests, ids like 14-01100669, one with status_notes "Locked"."""
    return list(load_json(f"{REAL}/chicago_requests_2014.json"))


def san_francisco() -> list[dict[str, Any]]:
    """San Francisco 2012-05-22 (XML): 56 requests, offset-less datetimes, 9 at 0.0,0.0."""
    root = ET.parse(STANDARDS / f"{REAL}/san_francisco_requests.xml").getroot()
    return [{child.tag: child.text for child in node} for node in root]


def located(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The requests with a real location (neither missing nor 0,0)."""
    return [r for r in requests if r.get("lat") not in (None, "", 0, "0.0")]


def _when(value: str | None, zone: tzinfo) -> datetime | None:
    if not value:
        return None
    ts = datetime.fromisoformat(value.strip())
    return ts if ts.tzinfo else ts.replace(tzinfo=zone)


@dataclass
class City:
    """One city's Open311 endpoint; call it with a loopback Request."""

    requests: list[dict[str, Any]]
    services: list[dict[str, Any]] = field(
        default_factory=lambda: list(load_json(f"{REAL}/bloomington_services.json"))
    )
    paging: bool = True
    cap: int = 1000
    updated_filter: bool = False
    jurisdiction_id: str | None = None
    zone: tzinfo = field(default_factory=lambda: ZoneInfo("America/Los_Angeles"))  # SF's clock

    def __call__(self, req: Request) -> Response:
        if self.jurisdiction_id and req.arg("jurisdiction_id") != self.jurisdiction_id:
            return _error(404, "jurisdiction_id not found")
        name, _, fmt = req.path.rsplit("/", 1)[-1].partition(".")
        if name == "services" and fmt == "json":
            return Response.json(self.services, headers=_json_type())
        if name == "services" and fmt == "xml":
            body = (STANDARDS / f"{REAL}/san_francisco_services.xml").read_bytes()
            return Response(200, body, {"Content-Type": "text/xml; charset=utf-8"})
        if name != "requests" or fmt not in ("json", "xml"):
            return _error(404, f"no resource {req.path}")
        try:
            chosen = self._select(req)
        except ValueError as exc:
            return _error(400, str(exc))
        if fmt == "xml":
            return _xml(chosen)
        return Response.json(chosen, headers=_json_type())

    def _select(self, req: Request) -> list[dict[str, Any]]:
        lo, hi = _when(req.arg("start_date"), self.zone), _when(req.arg("end_date"), self.zone)
        if lo and hi and (hi - lo).days > 90:
            raise ValueError("start_date to end_date spans more than 90 days")
        up_lo = _when(req.arg("updated_after"), self.zone) if self.updated_filter else None
        up_hi = _when(req.arg("updated_before"), self.zone) if self.updated_filter else None
        statuses = {s.casefold() for s in (req.arg("status") or "").split(",") if s}
        codes = {c for c in (req.arg("service_code") or "").split(",") if c}
        chosen = []
        for r in self.requests:
            created = _when(r.get("requested_datetime"), self.zone)
            updated = _when(r.get("updated_datetime"), self.zone) or created
            if created is None or updated is None:
                continue
            if (lo and created < lo) or (hi and created > hi):
                continue
            if (up_lo and updated <= up_lo) or (up_hi and updated > up_hi):
                continue
            if statuses and str(r.get("status", "")).casefold() not in statuses:
                continue
            if codes and r.get("service_code") not in codes:
                continue
            chosen.append((created, r))
        chosen.sort(key=lambda pair: pair[0], reverse=True)
        ordered = [r for _, r in chosen]
        if not self.paging:
            return ordered[: self.cap]
        size = min(int(req.arg("page_size") or 50), 500)
        page = int(req.arg("page") or 1)
        return ordered[(page - 1) * size : page * size]


def _json_type() -> dict[str, str]:
    return {"Content-Type": "application/json; charset=utf-8"}


def _error(status: int, description: str) -> Response:
    return Response.json([{"code": status, "description": description}], status)


def _xml(requests: list[dict[str, Any]]) -> Response:
    root = ET.Element("service_requests")
    for r in requests:
        node = ET.SubElement(root, "request")
        for key, value in r.items():
            child = ET.SubElement(node, key)
            if value is None:
                child.set(_XSI_NIL, "true")
            else:
                child.text = value if isinstance(value, str) else json.dumps(value)
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(200, body, {"Content-Type": "text/xml; charset=utf-8"})

"""The simulated city published as an Orion would: a small read-only NGSI-v2 server.

`cityops simulate --publish ngsi-v2 --port 1026` serves the simulator's current state as Smart
Data Model entities (normalized, or keyValues), so an operator can point an `ngsi-v2` source
at it and try the connector end to end on one machine. It answers what the connector asks:

    GET /v2/entities?type=A,B&limit=&offset=&options=count[,keyValues]&attrs=dateModified,*
        &q=dateModified>=<time>         (Fiware-Total-Count with options=count)
    GET /v2/entities/<id>               GET /version

Road segments become TrafficFlowObserved, air stations AirQualityObserved, lamps Streetlight,
cabinets StreetlightControlCabinet and gauges WaterObserved, in the units and codes the
connector reads back (`unitCode` metadata), with what the pages need besides readings: a
segment's free-flow speed and length (as RoadSegment's `maximumAllowedSpeed`, `length`) and a
gauge's stages (FloodMonitoring's `alertLevel`, `dangerLevel`). The state is refreshed from the
simulator at most every `refresh_s` (one fetch of what happened since the last), so many
readers cost one run.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from dashboard.records import Asset, Batch

from ..base import SourceConnector

__all__ = ["CityState", "entity_of", "make_server"]

_TYPES = {
    "road_segment": "TrafficFlowObserved",
    "air_station": "AirQualityObserved",
    "lamp": "Streetlight",
    "cabinet": "StreetlightControlCabinet",
    "water_level": "WaterObserved",
}
# metric -> (attribute, unitCode, factor from our unit)
_ATTRS: dict[str, tuple[str, str | None, float]] = {
    "speed_kmh": ("averageVehicleSpeed", "KMH", 1.0),
    "occupancy_pct": ("occupancy", "C62", 0.01),
    "pm25_ugm3": ("pm25", "GQ", 1.0),
    "pm10_ugm3": ("pm10", "GQ", 1.0),
    "no2_ugm3": ("no2", "GQ", 1.0),
    "o3_ugm3": ("o3", "GQ", 1.0),
    "co_mgm3": ("co", "GP", 1.0),
    "temp_c": ("temperature", "CEL", 1.0),
    "humidity_pct": ("relativeHumidity", "C62", 0.01),
    "power_w": ("totalActivePower", "KWT", 0.001),
    "water_level_cm": ("waterLevel", "MTR", 0.01),
}
# asset attribute -> (entity attribute, unitCode, factor): what the pages need besides readings
# (a segment's free-flow speed and length as RoadSegment's, a gauge's FloodMonitoring stages).
_STATIC: dict[str, tuple[str, str, float]] = {
    "free_flow_kmh": ("maximumAllowedSpeed", "KMH", 1.0),
    "length_m": ("length", "KMT", 0.001),
    "alert_stage_cm": ("alertLevel", "MTR", 0.01),
    "flood_stage_cm": ("dangerLevel", "MTR", 0.01),
}


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: str) -> dict[str, str]:
    return {"type": "Text", "value": value}


def _attr(kind: str, value: Any, ts: datetime, unit: str | None = None) -> dict[str, Any]:
    """A normalized attribute stamped with its own time (`TimeInstant`, as IoT Agents do)."""
    metadata: dict[str, Any] = {"TimeInstant": {"type": "DateTime", "value": _iso(ts)}}
    if unit:
        metadata["unitCode"] = _text(unit)
    return {"type": kind, "value": value, "metadata": metadata}


def entity_of(
    asset: Asset, latest: dict[str, tuple[datetime, float]], step_s: int
) -> dict[str, Any]:
    """The normalized NGSI-v2 entity of `asset` with its latest values (metric -> (ts, value))."""
    kind = _TYPES[asset.kind]
    out: dict[str, Any] = {
        "id": asset.id,
        "type": kind,
        "name": {"type": "Text", "value": asset.name},
        "location": {"type": "geo:json", "value": asset.geometry},
    }
    for key, (attr, code, scale) in _STATIC.items():
        if key in asset.attributes:
            value = round(float(asset.attributes[key]) * scale, 4)
            out[attr] = {"type": "Number", "value": value, "metadata": {"unitCode": _text(code)}}
    stamps = [ts for ts, _ in latest.values()]
    if not stamps:
        return out
    newest = max(stamps)
    for metric, (ts, value) in latest.items():
        if metric == "lamp_on":
            out["powerState"] = _attr("Text", "on" if value else "off", ts)
        elif metric == "lamp_fault":
            out["status"] = _attr("Text", "defectiveLamp" if value else "ok", ts)
        elif metric == "volume_vph":
            out["intensity"] = _attr("Number", round(value * step_s / 3600, 4), ts)
        elif metric in _ATTRS and not (kind == "Streetlight" and metric == "power_w"):
            name, unit, factor = _ATTRS[metric]
            out[name] = _attr("Number", round(value * factor, 4), ts, unit)
    if kind == "TrafficFlowObserved":
        start = datetime.fromtimestamp(newest.timestamp() - step_s, UTC)
        out["dateObserved"] = {"type": "DateTime", "value": f"{_iso(start)}/{_iso(newest)}"}
    elif kind == "Streetlight":
        out["observationDateTime"] = {"type": "DateTime", "value": _iso(newest)}
        if "cabinet_id" in asset.attributes:
            cabinet = asset.attributes["cabinet_id"]
            out["refStreetlightControlCabinet"] = {"type": "Relationship", "value": cabinet}
    elif kind != "StreetlightControlCabinet":  # a cabinet is dated by dateModified alone
        out["dateObserved"] = {"type": "DateTime", "value": _iso(newest)}
    out["dateModified"] = {"type": "DateTime", "value": _iso(newest)}
    return out


class CityState:
    """The simulated city's latest value per asset and metric, refreshed on demand."""

    def __init__(
        self,
        source: SourceConnector,
        step_s: int,
        refresh_s: float = 30.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.source = source
        self.step_s = step_s
        self.refresh_s = refresh_s
        self.clock = clock
        self.assets: dict[str, Asset] = {}
        self.latest: dict[str, dict[str, tuple[datetime, float]]] = {}
        self._since: datetime | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def _apply(self, batch: Batch) -> None:
        self.assets.update({a.id: a for a in batch.assets if a.kind in _TYPES})
        for r in batch.all_readings():
            series = self.latest.setdefault(r.asset_id, {})
            if r.metric not in series or series[r.metric][0] <= r.ts:
                series[r.metric] = (r.ts, r.value)

    def entities(self) -> list[dict[str, Any]]:
        """Every entity, as of now (refreshing first when the state is older than refresh_s)."""
        with self._lock:
            if time.monotonic() - self._checked >= self.refresh_s or self._since is None:
                now = self.clock()
                self._apply(self.source.fetch(self._since, now))
                self._since, self._checked = now, time.monotonic()
            return [
                entity_of(a, self.latest.get(a.id, {}), self.step_s) for a in self.assets.values()
            ]


def _key_values(entity: dict[str, Any]) -> dict[str, Any]:
    return {k: v["value"] if isinstance(v, dict) and "value" in v else v for k, v in entity.items()}


def _select(entities: list[dict[str, Any]], query: dict[str, list[str]]) -> list[dict[str, Any]]:
    arg = {k: v[0] for k, v in query.items()}
    types = set(arg.get("type", "").split(",")) - {""}
    found = [e for e in entities if not types or e["type"] in types]
    q = arg.get("q", "")
    if q.startswith("dateModified>="):
        after = datetime.fromisoformat(q.removeprefix("dateModified>="))
        found = [
            e
            for e in found
            if "dateModified" in e and datetime.fromisoformat(e["dateModified"]["value"]) >= after
        ]
    return found


def make_server(state: CityState, host: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server answering Orion's read API over `state` (not started)."""

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, error: str, description: str) -> None:
            self._send(status, {"error": error, "description": description})

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            options = set(query.get("options", [""])[0].split(","))
            render = _key_values if "keyValues" in options else (lambda e: e)
            if parts.path == "/version":
                self._send(200, {"orion": {"version": "cityops-simulate", "uptime": "0"}})
                return
            if parts.path.startswith("/v2/entities/"):
                ident = unquote(parts.path.removeprefix("/v2/entities/"))
                match = [e for e in state.entities() if e["id"] == ident]
                if not match:
                    self._error(404, "NotFound", "The requested entity has not been found")
                    return
                self._send(200, render(match[0]))
                return
            if parts.path != "/v2/entities":
                self._error(400, "BadRequest", "service not found")
                return
            try:
                limit = int(query.get("limit", ["20"])[0])
                offset = int(query.get("offset", ["0"])[0])
                found = _select(state.entities(), query)
            except ValueError as exc:
                self._error(400, "BadRequest", str(exc))
                return
            if not 0 < limit <= 1000 or offset < 0:
                self._error(400, "BadRequest", "Bad pagination limit")
                return
            headers = {"Fiware-Total-Count": str(len(found))} if "count" in options else {}
            self._send(200, [render(e) for e in found[offset : offset + limit]], headers)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server

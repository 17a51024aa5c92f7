"""A FROST-like SensorThings API 1.1 server as a loopback app, built from the spec's examples.

The entities keep the shapes of OGC 18-088's examples (`thing.json`, `location.json`,
`datastream.json`, `observation.json`, the ObservedProperties of the paged collection, the
units of `multidatastream.json`), re-located near Rạch Giá (105.08 E, 10.01 N) so the wards
place them. Two Things: an air station (Location as a GeoJSON Feature, `application/geo+json`)
and a tide gauge (a bare Point, v1.0's `application/vnd.geo+json`, interval phenomenonTimes).
It answers the service root, `Things` (with `$expand`), `Datastreams(n)/Observations` with
`$filter` on phenomenonTime (gt, ge, lt, le joined by `and`), `$orderby`, `$top` (default 100,
as FROST), `$skip` and an `@iot.nextLink` wherever more remain.

`broken=True` adds what a real server also holds: a PM10 Datastream in a unit nobody converts,
a Thing without a Location, an Observation whose result is text and one without an offset.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from tests.sources.loopback import Request, Response
from tests.standards import load_json

__all__ = ["FIRST", "STEP", "FrostLike", "Stream"]

SPEC = "sensorthings/spec-18-088"
# observation.json's phenomenonTime, 2014-12-31T11:59:59.00+08:00, in UTC
FIRST = datetime(2014, 12, 31, 3, 59, 59, tzinfo=UTC)
STEP = timedelta(minutes=15)
_PLUS8 = timezone(timedelta(hours=8))
_CELSIUS = load_json(f"{SPEC}/datastream.json")["unitOfMeasurement"]
_PERCENT = load_json(f"{SPEC}/multidatastream.json")["unitOfMeasurements"][1]
_PROPS = {
    "temperature": {"name": "Temperature", "definition": "http://dbpedia.org/page/Temperature"},
    # the paged collection's second entry, its "@iot.id " key fixed
    "humidity": {
        "name": "Relative Humidity",
        "definition": "http://dbpedia.org/page/Relative_humidity",
    },
    "dewpoint": {"name": "DewPoint Temperature", "definition": "http://dbpedia.org/page/Dew_point"},
    "pm25": {"name": "PM2.5", "definition": "http://dbpedia.org/page/Particulates"},
    "pm10": {"name": "PM10", "definition": "http://dbpedia.org/page/Particulates"},
    "co": {"name": "Carbon Monoxide", "definition": "http://dbpedia.org/page/Carbon_monoxide"},
    "water": {"name": "Water level", "definition": "http://dbpedia.org/page/Water_level"},
    "noise": {"name": "Noise", "definition": "http://dbpedia.org/page/Noise"},
}


@dataclass(frozen=True)
class Stream:
    """One Datastream: its Thing, property, unit, values and the factor into our unit."""

    id: int
    thing: int
    prop: str
    unit: dict[str, str]
    base: float  # result of observation k is base + k * slope
    slope: float
    factor: float  # our unit = result * factor (None of the conversions here has an offset)
    metric: str | None  # what the connector should map it to (None: skipped)
    interval: bool = False
    count: int = 12

    def result(self, k: int) -> float:
        return round(self.base + k * self.slope, 3)


STREAMS = (
    Stream(1, 1, "temperature", _CELSIUS, 27.0, 0.1, 1.0, "temp_c"),
    Stream(2, 1, "humidity", _PERCENT, 70.0, 1.0, 1.0, "humidity_pct"),
    Stream(
        3,
        1,
        "pm25",
        {
            "name": "microgram per cubic metre",
            "symbol": "μg/m³",
            "definition": "http://unitsofmeasure.org/ucum.html",
        },
        18.0,
        0.5,
        1.0,
        "pm25_ugm3",
    ),
    Stream(
        4,
        1,
        "co",
        {
            "name": "milligram per cubic metre",
            "symbol": "mg/m³",
            "definition": "http://unitsofmeasure.org/ucum.html",
        },
        0.6,
        0.01,
        1.0,
        "co_mgm3",
    ),
    Stream(5, 1, "dewpoint", _CELSIUS, 22.0, 0.1, 1.0, None),
    Stream(
        6,
        2,
        "water",
        {
            "name": "metre",
            "symbol": "m",
            "definition": "http://unitsofmeasure.org/ucum.html#para-30",
        },
        1.2,
        0.05,
        100.0,
        "water_level_cm",
        interval=True,
    ),
    Stream(
        7,
        2,
        "noise",
        {"name": "decibel", "symbol": "dB", "definition": "http://unitsofmeasure.org/ucum.html"},
        55.0,
        0.5,
        1.0,
        "noise_dba",
    ),
)
BROKEN_STREAM = Stream(
    8,
    1,
    "pm10",
    {"name": "grains per cubic foot", "symbol": "gr/ft³", "definition": ""},
    1.0,
    0.0,
    1.0,
    None,
)
PLACES = {
    1: {"type": "Point", "coordinates": [105.08, 10.01]},
    2: {"type": "Point", "coordinates": [105.07, 10.02]},
}


def _time(ts: datetime) -> str:
    """As observation.json writes it: local +08:00, two fraction digits."""
    return ts.astimezone(_PLUS8).strftime("%Y-%m-%dT%H:%M:%S.00+08:00")


@dataclass
class FrostLike:
    """The server's data and how it answers; call it with a loopback Request."""

    broken: bool = False
    url: str = ""  # set once served: links are absolute, as FROST writes them
    streams: list[Stream] = field(default_factory=lambda: list(STREAMS))

    def __post_init__(self) -> None:
        if self.broken:
            self.streams.append(BROKEN_STREAM)

    def observations(self, stream: Stream) -> list[dict[str, Any]]:
        """The stream's Observations as the server holds them (observation.json's shape)."""
        out = []
        for k in range(stream.count):
            end = FIRST + k * STEP
            obs = copy.deepcopy(load_json(f"{SPEC}/observation.json"))
            obs["@iot.id"] = stream.id * 1000 + k
            obs["@iot.selfLink"] = f"{self.url}/v1.1/Observations({obs['@iot.id']})"
            when = _time(end)
            obs["phenomenonTime"] = f"{_time(end - STEP)}/{when}" if stream.interval else when
            obs["resultTime"] = when
            obs["result"] = stream.result(k)
            out.append(obs)
        if self.broken and stream.id == 1:
            out.append({**out[2], "@iot.id": 1900, "result": "n/a"})
            out.append({**out[1], "@iot.id": 1901, "phenomenonTime": "2014-12-31T04:20:00"})
        return out

    def expected(self, asset_prefix: str, since: datetime, now: datetime) -> dict[tuple, float]:
        """(asset, metric, ts) -> value in our unit, for the mapped streams in (since, now]."""
        return {
            (f"{asset_prefix}:{s.thing}", s.metric, FIRST + k * STEP): s.result(k) * s.factor
            for s in STREAMS
            if s.metric
            for k in range(s.count)
            if since < FIRST + k * STEP <= now
        }

    def things(self) -> list[dict[str, Any]]:
        out = []
        for thing_id, name in ((1, "Air station Rạch Giá"), (2, "Tide gauge Rạch Giá")):
            thing = copy.deepcopy(load_json(f"{SPEC}/thing.json"))
            thing.update(
                {
                    "@iot.id": thing_id,
                    "name": name,
                    "@iot.selfLink": f"{self.url}/v1.1/Things({thing_id})",
                }
            )
            loc = copy.deepcopy(load_json(f"{SPEC}/location.json"))
            if thing_id == 1:  # the spec's Feature form
                loc["location"]["geometry"] = PLACES[1]
            else:  # a v1.0 server's bare geometry and media type
                loc.update({"encodingType": "application/vnd.geo+json", "location": PLACES[2]})
            loc["@iot.id"] = thing_id
            thing["Locations"] = [loc]
            thing["Datastreams"] = [
                self._datastream(s) for s in self.streams if s.thing == thing_id
            ]
            out.append(thing)
        if self.broken:
            out.append(
                {
                    "@iot.id": 3,
                    "name": "Unplaced",
                    "description": "no Location yet",
                    "Locations": [],
                    "Datastreams": [],
                }
            )
        return out

    def _datastream(self, s: Stream) -> dict[str, Any]:
        ds = copy.deepcopy(load_json(f"{SPEC}/datastream.json"))
        ds.update(
            {
                "@iot.id": s.id,
                "name": s.prop,
                "unitOfMeasurement": s.unit,
                "@iot.selfLink": f"{self.url}/v1.1/Datastreams({s.id})",
                "ObservedProperty": {
                    "@iot.id": s.id,
                    **_PROPS[s.prop],
                    "description": f"{_PROPS[s.prop]['name']}.",
                },
            }
        )
        return ds

    # -- answering ---------------------------------------------------------------------

    def __call__(self, req: Request) -> Response:
        path = req.path.rstrip("/")
        if path == "/v1.1":
            names = [
                "Things",
                "Locations",
                "Datastreams",
                "Sensors",
                "Observations",
                "ObservedProperties",
                "FeaturesOfInterest",
            ]
            return Response.json(
                {"value": [{"name": n, "url": f"{self.url}/v1.1/{n}"} for n in names]}
            )
        if path == "/v1.1/Things":
            return self._page(req, "/v1.1/Things", self.things())
        if m := re.fullmatch(r"/v1\.1/Datastreams\((\d+)\)/Observations", path):
            stream = next((s for s in self.streams if s.id == int(m.group(1))), None)
            if stream is None:
                return Response.json(
                    {"code": 404, "type": "error", "message": "Nothing found."}, 404
                )
            try:
                chosen = _filtered(self.observations(stream), req.arg("$filter"))
            except ValueError as exc:
                return Response.json({"code": 400, "type": "error", "message": str(exc)}, 400)
            return self._page(req, path, chosen)
        return Response.json({"code": 404, "type": "error", "message": "Nothing found."}, 404)

    def _page(self, req: Request, path: str, items: list[dict[str, Any]]) -> Response:
        top = int(req.arg("$top") or 100)
        skip = int(req.arg("$skip") or 0)
        body: dict[str, Any] = {"value": items[skip : skip + top]}
        if skip + top < len(items):
            query = {k: v[0] for k, v in req.query.items() if k != "$skip"}
            query["$skip"] = str(skip + top)
            body["@iot.nextLink"] = f"{self.url}{path}?{urlencode(query, safe='$(),= ')}"
        return Response.json(body, headers={"Content-Type": "application/json;charset=UTF-8"})


def _end(obs: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(obs["phenomenonTime"]).split("/")[-1])


def _filtered(observations: list[dict[str, Any]], expr: str | None) -> list[dict[str, Any]]:
    if not expr:
        return observations
    terms = re.findall(r"phenomenonTime (gt|ge|lt|le) (\S+)", expr)
    if not terms:
        raise ValueError(f"unsupported $filter {expr!r}")
    tests = {
        "gt": lambda a, b: a > b,
        "ge": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b,
    }
    out = []
    for obs in observations:
        end = _end(obs)
        # one without an offset (broken) cannot be compared: the server still serves it
        if end.tzinfo is None or all(tests[op](end, datetime.fromisoformat(v)) for op, v in terms):
            out.append(obs)
    return sorted(
        out, key=lambda o: _end(o).replace(tzinfo=UTC) if _end(o).tzinfo is None else _end(o)
    )

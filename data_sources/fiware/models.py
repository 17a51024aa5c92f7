"""The Smart Data Models we read, mapped onto our assets and readings (in our units).

Each `Model` names the asset it makes (domain, kind), its reading rules, the attributes that
give the observation time (first present wins; an attribute's own LD `observedAt` comes
before them) and the asset attributes the pages use (a gauge's stages, a segment's free-flow speed). Attributes not named
here are ignored, never a reject. Where the model gives no unit, the rule's `unit` is assumed
(the SDM schema's documented unit, or the one the published examples carry).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from dashboard.records import Asset, Reading

from .entities import Entity
from .units import MappingError, convert, instant, interval

__all__ = ["MODELS", "Model", "Rule", "map_asset_entity"]

# A Streetlight's powerState and status, as our lamp_on and lamp_fault.
_POWER_STATE = {"on": 1.0, "low": 1.0, "off": 0.0, "bootingUp": 0.0}
_LAMP_STATUS = {"ok": 0.0, "defectiveLamp": 1.0, "brokenLantern": 1.0, "columnIssue": 1.0}


@dataclass(frozen=True)
class Rule:
    """One attribute onto one metric: a number in a unit, a state of an enumeration, or a
    count over the observation interval (a rate per hour)."""

    attr: str
    metric: str
    unit: str = "C62"  # the unitCode assumed when the feed gives none
    target: str = "C62"  # our metric's unit as a code
    states: Mapping[str, float] | None = None
    per_hour: bool = False


@dataclass(frozen=True)
class Model:
    type: str
    domain: str
    kind: str
    rules: tuple[Rule, ...]
    times: tuple[str, ...]
    # asset attribute name -> (entity attribute, unit assumed, our unit)
    attributes: Mapping[str, tuple[str, str, str]] = field(default_factory=dict)


def _ug(attr: str, metric: str) -> Rule:
    return Rule(attr, metric, unit="GQ", target="GQ")


_TIMES = ("dateObserved", "observationDateTime", "dateModified", "modifiedAt")
# A gauge's stages: FloodMonitoring's thresholds, also read on a WaterObserved that has them.
_STAGES = {
    "alert_stage_cm": ("alertLevel", "MTR", "CMT"),
    "flood_stage_cm": ("dangerLevel", "MTR", "CMT"),
}

MODELS: dict[str, Model] = {
    m.type: m
    for m in (
        Model(
            "TrafficFlowObserved",
            "traffic",
            "road_segment",
            (
                Rule("averageVehicleSpeed", "speed_kmh", unit="KMH", target="KMH"),
                Rule("intensity", "volume_vph", per_hour=True),
                Rule("occupancy", "occupancy_pct", unit="C62", target="P1"),
            ),
            _TIMES,
            # RoadSegment's, when the feed adds them: the speed limit is the map's free-flow
            # speed (without one a segment's speed is a share of nothing, drawn grey), the
            # length weighs the network's mean speed.
            {
                "free_flow_kmh": ("maximumAllowedSpeed", "KMH", "KMH"),
                "length_m": ("length", "KMT", "MTR"),
            },
        ),
        Model(
            "AirQualityObserved",
            "environment",
            "air_station",
            (
                _ug("pm25", "pm25_ugm3"),
                _ug("pm10", "pm10_ugm3"),
                _ug("no2", "no2_ugm3"),
                _ug("o3", "o3_ugm3"),
                Rule("co", "co_mgm3", unit="GP", target="GP"),
                Rule("temperature", "temp_c", unit="CEL", target="CEL"),
                Rule("relativeHumidity", "humidity_pct", unit="C62", target="P1"),
            ),
            _TIMES,
        ),
        Model(
            "Streetlight",
            "lighting",
            "lamp",
            (
                Rule("powerState", "lamp_on", states=_POWER_STATE),
                Rule("status", "lamp_fault", states=_LAMP_STATUS),
                Rule("powerConsumption", "power_w", unit="WTT", target="WTT"),
            ),
            _TIMES,
        ),
        Model(
            "StreetlightControlCabinet",
            "lighting",
            "cabinet",
            (
                Rule("energyConsumed", "energy_kwh", unit="KWH", target="KWH"),
                Rule("totalActivePower", "power_w", unit="KWT", target="WTT"),
            ),
            _TIMES,
        ),
        Model(
            "WaterObserved",
            "water",
            "water_level",
            (Rule("waterLevel", "water_level_cm", unit="MTR", target="CMT"),),
            _TIMES,
            _STAGES,
        ),
        Model(
            "FloodMonitoring",
            "water",
            "water_level",
            (Rule("currentLevel", "water_level_cm", unit="MTR", target="CMT"),),
            _TIMES,
            _STAGES,
        ),
    )
}


def geometry(entity: Entity) -> dict[str, Any]:
    """The entity's `location` as a GeoJSON Point or LineString in WGS84 lon/lat.

    Coordinates are taken as GeoJSON says (lon, lat), never swapped by guess: a point whose
    latitude is beyond ±90 is refused (a swapped pair often is), one that is valid but far away
    is kept and placed in no ward or zone.
    """
    loc = entity.value("location")
    if loc is None:
        raise MappingError(f"{entity.type} {entity.id!r} has no location")
    gtype = loc.get("type") if isinstance(loc, dict) else None
    coords = loc.get("coordinates") if isinstance(loc, dict) else None
    points = [coords] if gtype == "Point" else coords if gtype == "LineString" else None
    if not isinstance(points, list) or not points:
        raise MappingError(
            f"{entity.type} {entity.id!r} location is not a GeoJSON Point/LineString"
        )
    for p in points:
        if not (
            isinstance(p, list)
            and len(p) in (2, 3)
            and all(isinstance(c, int | float) and not isinstance(c, bool) for c in p)
        ):
            raise MappingError(f"{entity.type} {entity.id!r} location has a bad position {p!r}")
        if not (-180 <= p[0] <= 180 and -90 <= p[1] <= 90):
            raise MappingError(
                f"{entity.type} {entity.id!r} location {p!r} is not lon/lat in WGS84 "
                "(latitude and longitude swapped?)"
            )
    return {"type": gtype, "coordinates": coords}


def _name(entity: Entity) -> str:
    for key in ("name", "stationID", "alternateName"):
        value = entity.value(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:256]
    return entity.id


@dataclass(frozen=True)
class _Time:
    start: datetime | None
    end: datetime


def _entity_time(entity: Entity, model: Model, naive: tzinfo | None) -> _Time | None:
    """The observation (start, end); the From/To pair of TrafficFlowObserved first, since the
    published LD example states `dateObserved` as a bare zone-less start but the pair fully."""
    start_raw, end_raw = entity.value("dateObservedFrom"), entity.value("dateObservedTo")
    if start_raw is not None and end_raw is not None:
        start = instant(start_raw, naive, f"{entity.type}.dateObservedFrom")
        end = instant(end_raw, naive, f"{entity.type}.dateObservedTo")
        if end <= start:
            raise MappingError(f"{entity.type} {entity.id!r}: dateObservedTo is not after From")
        return _Time(start, end)
    for key in model.times:
        raw = entity.value(key)
        if raw is not None:
            begin, stop = interval(raw, naive, f"{entity.type}.{key}")
            return _Time(begin, stop)
    return None


def _value(entity: Entity, rule: Rule, raw: Any, unit: str | None, when: _Time) -> float:
    where = f"{entity.type}.{rule.attr}"
    if rule.states is not None:
        if not isinstance(raw, str) or raw not in rule.states:
            known = ", ".join(rule.states)
            raise MappingError(f"{where} is {raw!r}, not one of {known}")
        return rule.states[raw]
    value = convert(raw, unit or rule.unit, rule.target, where)
    if rule.per_hour:
        if when.start is None:
            raise MappingError(
                f"{where} counts vehicles over the observation period, but dateObserved "
                "is an instant, not an interval start/end"
            )
        value = value * 3600.0 / (when.end - when.start).total_seconds()
    return value


def map_asset_entity(
    entity: Entity,
    model: Model,
    naive: tzinfo | None,
    aliases: Mapping[str, str],
) -> tuple[Asset, list[Reading], list[str]]:
    """The asset, its readings and the reasons of the readings refused (the asset stands).

    MappingError when the asset itself cannot be made (no or a bad location). `aliases`
    maps a feed's own attribute name onto a model's (`pm2_5` -> `pm25`).
    """
    geom = geometry(entity)
    attributes: dict[str, Any] = {"ngsi_type": entity.type}
    problems: list[str] = []
    for name, (key, unit, target) in model.attributes.items():
        found = entity.attrs.get(key)
        if found is not None:
            try:
                attributes[name] = round(
                    convert(found.value, found.unit or unit, target, f"{entity.type}.{key}"), 3
                )
            except MappingError as exc:
                problems.append(str(exc))
    cabinet = entity.value("refStreetlightControlCabinet")
    if isinstance(cabinet, str):
        attributes["cabinet_id"] = cabinet
    asset = Asset(entity.id, model.domain, model.kind, _name(entity), geom, attributes=attributes)
    by_name = {aliases.get(k, k): a for k, a in entity.attrs.items()}
    readings: list[Reading] = []
    try:
        when = _entity_time(entity, model, naive)
    except MappingError as exc:
        return asset, [], [*problems, str(exc)]
    for rule in model.rules:
        attr = by_name.get(rule.attr)
        if attr is None or attr.value is None:
            continue
        try:
            at = when
            if attr.observed_at is not None:
                at = _Time(
                    when.start if when else None, instant(attr.observed_at, naive, rule.attr)
                )
            if at is None:
                raise MappingError(
                    f"{entity.type} {entity.id!r} has no observation time "
                    f"({', '.join(model.times)})"
                )
            value = _value(entity, rule, attr.value, attr.unit, at)
        except MappingError as exc:
            problems.append(str(exc))
            continue
        readings.append(Reading(entity.id, rule.metric, at.end, value))
    return asset, readings, problems

"""A dropped GeoJSON FeatureCollection (RFC 7946) read into assets and readings.

A feature is an asset when it has a geometry and a domain (`properties.domain`, or the
source's `geojson.domain`), with `id`, `name`, `kind` from its properties (the rest of them
kept as the asset's attributes); it is readings of its asset when its properties hold a time
and metric values (named in `metrics`, or named as our metric). One feature can be both (a
station with its latest values). A quarantined feature carries the file name, its index and
the feature as it came. Anything but a FeatureCollection makes the file unreadable.
"""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any

from dashboard.records import Asset
from data_sources.files.rows import Parsed, RowRefused, Unreadable, metric_columns, row_readings
from data_sources.files.settings import FilesSettings
from data_sources.files.values import read_time

__all__ = ["read_geojson"]

_DESCRIBING = ("name", "domain", "kind")


def _collection(text: str) -> list[Any]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Unreadable(f"not JSON: {exc}") from None
    kind = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
    if kind != "FeatureCollection":
        raise Unreadable(f"not a GeoJSON FeatureCollection (type {kind!r})")
    features = doc.get("features")
    if not isinstance(features, list):
        raise Unreadable("the FeatureCollection has no list of features")
    return features


def _feature_id(feature: dict[str, Any], props: dict[str, Any], key: str) -> str:
    value = props.get(key, feature.get("id"))
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise RowRefused(f"no asset id (properties.{key} or the feature's id)")
    return str(value)


def _read_feature(
    feature: Any, opts: FilesSettings, zone: tzinfo | None, now: datetime, parsed: Parsed
) -> None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise RowRefused("not a GeoJSON Feature")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise RowRefused("properties is not an object")
    g = opts.geojson
    asset_id = _feature_id(feature, props, g.id)
    columns = metric_columns(props, opts.metrics)
    readings = []
    if g.time in props:
        try:
            ts = read_time(props[g.time], g.time_format, zone)
        except ValueError as exc:
            raise RowRefused(f"{g.time}: {exc}") from None
        readings = row_readings(asset_id, ts, props, columns, decimal=".", missing=("",), now=now)
        if not readings:
            raise RowRefused("a time but no metric values")
    asset = None
    domain = props.get("domain", g.domain)
    if feature.get("geometry") is not None and domain is not None:
        kind = props.get("kind", g.kind)
        if kind is None:
            raise RowRefused("an asset without a kind (properties.kind or geojson.kind)")
        skip = {g.id, g.time, *_DESCRIBING, *(c.name for c in columns)}
        attributes = {k: v for k, v in props.items() if k not in skip}
        name = props.get("name") or asset_id
        asset = Asset(asset_id, domain, kind, name, feature["geometry"], attributes=attributes)
    if asset is None and not readings:
        raise RowRefused(
            "neither an asset (a geometry and a domain) nor readings (a time and metric values)"
        )
    if asset is not None:
        parsed.add_asset(asset)
    parsed.readings.extend(readings)


def read_geojson(
    text: str, file_name: str, opts: FilesSettings, zone: tzinfo | None, now: datetime
) -> Parsed:
    """The records of a GeoJSON file's `text`; Unreadable when it is no FeatureCollection."""
    parsed = Parsed()
    for index, feature in enumerate(_collection(text)):
        try:
            _read_feature(feature, opts, zone, now, parsed)
        except RowRefused as exc:
            parsed.refuse(str(exc), {"file": file_name, "feature": index, "raw": feature})
    return parsed

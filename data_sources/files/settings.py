"""The keys of a `type = "files"` source: the folder, what to pick up, and how to read it.

Checked at start like every source's keys (a wrong one names `sources[<name>].<key>`): metric
names against the vocabulary, units against what converts into the metric's unit, the time
zone, the text encoding, and that the CSV mapping is one form (wide or long) with whole pairs.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from dashboard.records import DOMAINS
from data_sources.base import ConnectorSettings
from data_sources.files.units import converter
from data_sources.timestamps import ZoneName

__all__ = ["CsvSettings", "FilesSettings", "GeoJsonSettings", "MetricColumn"]

MIB = 1024 * 1024


class MetricColumn(ConnectorSettings):
    """What one column (CSV), property (GeoJSON) or metric name (long-form CSV) holds."""

    metric: str
    unit: str | None = None  # the file's unit; None: already the metric's own

    @model_validator(mode="after")
    def _converts(self) -> MetricColumn:
        converter(self.metric, self.unit)  # ValueError: unknown metric, or a unit it cannot take
        return self


def _asset_domain(value: str | None) -> str | None:
    if value is not None and value not in DOMAINS:
        raise ValueError(f"unknown domain {value!r} (known: {', '.join(DOMAINS)})")
    return value


class CsvSettings(ConnectorSettings):
    """A CSV's dialect and which columns mean what.

    Wide form: one row per asset and time, one column per metric (named in `metrics`, or
    named as our metric, e.g. `pm25_ugm3`). Long form (`metric` and `value` set): one
    reading per row, the metric named in a column. With `lon` and `lat` (and `domain`,
    `kind`) each row also describes its asset, so a file can bring assets the store does
    not know yet (readings of an unknown asset are refused).
    """

    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quotechar: str = Field(default='"', min_length=1, max_length=1)
    decimal: Literal[".", ","] = "."
    asset: str = "asset"
    time: str = "time"
    time_format: str | None = None  # strptime pattern, "epoch", or None for ISO 8601
    metric: str | None = None
    value: str | None = None
    unit: str | None = None  # long form: a column with each value's unit
    name: str | None = None
    lon: str | None = None
    lat: str | None = None
    domain: str | None = None
    kind: str | None = None
    missing: tuple[str, ...] = ("",)  # cells meaning "no value" (no reading, no reject)

    @field_validator("domain")
    @classmethod
    def _known_domain(cls, value: str | None) -> str | None:
        return _asset_domain(value)

    @model_validator(mode="after")
    def _one_form(self) -> CsvSettings:
        if (self.metric is None) != (self.value is None):
            raise ValueError("long form needs both `metric` and `value` (the columns)")
        if self.unit is not None and self.metric is None:
            raise ValueError("`unit` (a column of units) is for the long form only")
        if (self.lon is None) != (self.lat is None):
            raise ValueError("asset positions need both `lon` and `lat` (the columns)")
        if self.lon is not None and (self.domain is None or self.kind is None):
            raise ValueError("assets from the CSV need `domain` and `kind`")
        return self


class GeoJsonSettings(ConnectorSettings):
    """Which properties of a feature mean what.

    A feature with a geometry and a domain (its `domain` property or the default here) is
    an asset; one with a time property and metric values is readings of its asset.
    """

    id: str = "id"  # the asset id (else the feature's own `id`)
    time: str = "time"
    time_format: str | None = None
    domain: str | None = None  # for features without a `domain` property
    kind: str | None = None

    @field_validator("domain")
    @classmethod
    def _known_domain(cls, value: str | None) -> str | None:
        return _asset_domain(value)


class FilesSettings(ConnectorSettings):
    """A watched folder of CSV and GeoJSON files (see the package docstring)."""

    path: Path  # the folder; relative to the config file's folder
    done: Path = Path("done")  # relative to `path`
    failed: Path = Path("failed")
    patterns: tuple[str, ...] = Field(default=("*.csv", "*.geojson", "*.json"), min_length=1)
    encoding: str = "utf-8-sig"  # reads plain UTF-8 too; "cp1258" for old Windows exports
    timezone: ZoneName | None = None  # zone of times written without an offset; None: refused
    max_bytes: int = Field(default=64 * MIB, gt=0)
    settle_s: float = Field(default=10.0, ge=0)  # unchanged for this long before it is taken
    metrics: dict[str, MetricColumn] = Field(default_factory=dict)
    csv: CsvSettings = CsvSettings()
    geojson: GeoJsonSettings = GeoJsonSettings()

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown text encoding {value!r}") from None
        return value

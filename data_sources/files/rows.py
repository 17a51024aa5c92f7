"""What the CSV and GeoJSON readers share: their result, and a row's cells made readings.

A row (a CSV line, a GeoJSON feature) is the unit of refusal: any bad cell refuses the whole
row with the first reason found, its raw content kept in the quarantine, and the rest of the
file is stored. A file that cannot be read at all raises `Unreadable` with why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dashboard.records import METRICS, Asset, Reading, Reject, validate_asset, validate_reading
from data_sources.files.settings import MetricColumn
from data_sources.files.units import converter
from data_sources.files.values import read_number

__all__ = ["Column", "Parsed", "RowRefused", "Unreadable", "metric_columns", "row_readings"]


class Unreadable(Exception):
    """The file as a whole cannot be read (encoding, format, header): it goes to failed/."""


class RowRefused(ValueError):
    """One row cannot be stored; the message is the reason quarantined with it."""


@dataclass(frozen=True, slots=True)
class Column:
    """A column (or property) holding one metric, and how its values become ours."""

    name: str
    metric: str
    convert: Callable[[float], float]


@dataclass
class Parsed:
    """A file's records: assets (last description of an id wins), readings, refused rows."""

    assets: dict[str, Asset] = field(default_factory=dict)
    readings: list[Reading] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)

    def refuse(self, why: str, payload: Any) -> None:
        self.rejects.append(Reject(why, payload))

    def add_asset(self, asset: Asset) -> None:
        if (why := validate_asset(asset)) is not None:
            raise RowRefused(f"asset: {why}")
        self.assets[asset.id] = asset


def metric_columns(names: Iterable[str], mapping: Mapping[str, MetricColumn]) -> list[Column]:
    """The columns among `names` that hold a metric: mapped in the config, or named as ours."""
    columns = []
    for name in names:
        if name in mapping:
            m = mapping[name]
            columns.append(Column(name, m.metric, converter(m.metric, m.unit)))
        elif name in METRICS:
            columns.append(Column(name, name, float))
    return columns


def row_readings(
    asset_id: str,
    ts: datetime,
    cells: Mapping[str, Any],
    columns: Iterable[Column],
    *,
    decimal: str,
    missing: Iterable[str],
    now: datetime,
) -> list[Reading]:
    """The row's readings in our units; RowRefused names the column and why."""
    empty = set(missing)
    readings = []
    for col in columns:
        cell = cells.get(col.name)
        if cell is None or (isinstance(cell, str) and cell.strip() in empty):
            continue
        try:
            value = col.convert(read_number(cell, decimal))
        except ValueError as exc:
            raise RowRefused(f"{col.name}: {exc}") from None
        reading = Reading(asset_id, col.metric, ts, value)
        if (why := validate_reading(reading, None, now)) is not None:
            raise RowRefused(f"{col.name}: {why}")
        readings.append(reading)
    return readings

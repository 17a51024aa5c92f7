"""A dropped CSV read into records, wide form or long form (see `CsvSettings`).

The header is the first line (surrounding spaces dropped, so Excel's padded headers match);
a header without the mapped columns makes the file unreadable. Each later line is a row:
a quarantined row carries the file name, its line number and its cells by header.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from dashboard.records import Asset
from data_sources.files.rows import (
    Column,
    Parsed,
    RowRefused,
    Unreadable,
    metric_columns,
    row_readings,
)
from data_sources.files.settings import FilesSettings
from data_sources.files.units import converter
from data_sources.files.values import read_number, read_time

__all__ = ["read_csv"]


class _LongForm:
    """Long form: the metric is named in a cell; its Column (unit conversion) per name."""

    def __init__(self, opts: FilesSettings) -> None:
        self.opts = opts
        self._known: dict[tuple[str, str | None], Column] = {}

    def column(self, name: str, unit: str | None) -> Column:
        key = (name, unit)
        if key not in self._known:
            mapped = self.opts.metrics.get(name)
            metric = mapped.metric if mapped else name
            unit = unit or (mapped.unit if mapped else None)
            try:
                self._known[key] = Column(name, metric, converter(metric, unit))
            except ValueError as exc:
                raise RowRefused(str(exc).split(" (", 1)[0]) from None
        return self._known[key]


def _header(rows: Any, opts: FilesSettings) -> list[str]:
    try:
        header = [h.strip() for h in next(rows)]
    except StopIteration:
        raise Unreadable("the file is empty") from None
    c = opts.csv
    wanted = [c.asset, c.time, c.metric, c.value, c.unit, c.name, c.lon, c.lat]
    absent = [w for w in wanted if w is not None and w not in header]
    if absent:
        raise Unreadable(
            f"no column {', '.join(map(repr, absent))} in the header "
            f"({', '.join(map(repr, header[:12]))}; delimiter {c.delimiter!r})"
        )
    return header


def _asset(cells: dict[str, str], asset_id: str, opts: FilesSettings) -> Asset:
    c = opts.csv
    assert c.lon is not None and c.lat is not None and c.domain and c.kind
    try:
        lon, lat = read_number(cells[c.lon], c.decimal), read_number(cells[c.lat], c.decimal)
    except ValueError as exc:
        raise RowRefused(f"position: {exc}") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise RowRefused("position is not WGS84 lon/lat")
    name = (cells.get(c.name) or "").strip() if c.name else ""
    geometry = {"type": "Point", "coordinates": [lon, lat]}
    return Asset(asset_id, c.domain, c.kind, name or asset_id, geometry)


def read_csv(
    text: str, file_name: str, opts: FilesSettings, zone: tzinfo | None, now: datetime
) -> Parsed:
    """The records of a CSV file's `text`; Unreadable when its header or dialect is wrong."""
    c = opts.csv
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=c.delimiter, quotechar=c.quotechar)
    parsed = Parsed()
    try:
        header = _header(reader, opts)
        long_form = _LongForm(opts) if c.metric is not None else None
        wide = metric_columns(header, opts.metrics) if long_form is None else []
        if long_form is None and not wide:
            raise Unreadable(
                "no metric column in the header: name one in `metrics`, or name it as our metric"
            )
        read_row = _row_reader(header, opts, zone, now, wide, long_form)
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # blank lines, trailing separators
            cells = dict(zip(header, row, strict=False))
            try:
                if len(row) != len(header):
                    raise RowRefused(f"{len(row)} fields where the header has {len(header)}")
                read_row(cells, parsed)
            except RowRefused as exc:
                raw: Any = cells if len(row) == len(header) else row
                parsed.refuse(str(exc), {"file": file_name, "line": reader.line_num, "row": raw})
    except csv.Error as exc:
        raise Unreadable(f"not CSV at line {reader.line_num}: {exc}") from None
    return parsed


def _row_reader(
    header: list[str],
    opts: FilesSettings,
    zone: tzinfo | None,
    now: datetime,
    wide: list[Column],
    long_form: _LongForm | None,
) -> Callable[[dict[str, str], Parsed], None]:
    c = opts.csv

    def read_row(cells: dict[str, str], parsed: Parsed) -> None:
        asset_id = cells[c.asset].strip()
        if not asset_id:
            raise RowRefused(f"{c.asset}: the asset id is empty")
        try:
            ts = read_time(cells[c.time], c.time_format, zone)
        except ValueError as exc:
            raise RowRefused(f"{c.time}: {exc}") from None
        columns = wide
        if long_form is not None:
            assert c.metric is not None and c.value is not None
            unit = cells[c.unit].strip() or None if c.unit else None
            column = long_form.column(cells[c.metric].strip(), unit)
            columns = [Column(c.value, column.metric, column.convert)]
        asset = _asset(cells, asset_id, opts) if c.lon is not None else None
        readings = row_readings(
            asset_id, ts, cells, columns, decimal=c.decimal, missing=c.missing, now=now
        )
        if not readings and long_form is not None:
            raise RowRefused(f"{c.value}: no value")
        if asset is not None:
            parsed.add_asset(asset)  # a refused row gives nothing, its asset neither
        parsed.readings.extend(readings)

    return read_row

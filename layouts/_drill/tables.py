"""Ranking-table columns and rows for the drill-down pages: one place for headers, number formats
and how times are shown, so every table (and its CSV) reads the same way.

Rows carry the asset's `id` (DataTable's row id: a click opens the asset) and the shown
columns; times are local ("dd/mm/YYYY HH:MM" in the city's zone), numbers stay numbers
(formatted by the table per language, sortable as numbers, exact in the CSV).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import tzinfo
from typing import Any, Final

import numpy as np
import pandas as pd

from dashboard.i18n import TEXT, t

__all__ = ["NUMBER_FORMATS", "column_help", "columns", "records", "zone_words"]

# Shown decimals per column key; a key not listed is text.
NUMBER_FORMATS: Final[dict[str, str]] = {
    "speed_kmh": ",.1f",
    "free_flow_kmh": ",.0f",
    "ratio": ".2f",
    "min_ratio": ".2f",
    "congested_h": ",d",
    "jammed_h": ",d",
    "hours": ",d",
    "burn_h": ",.1f",
    "daylight_h": ",.1f",
    "fault_h": ",.1f",
    "energy_kwh": ",.1f",
    "lamps": ",d",
    "faults": ",d",
    "repair_h": ",.1f",
    "aqi_mean": ",.0f",
    "aqi_max": ",.0f",
    "exceed_h": ",d",
    "level_cm": ",.1f",
    "max_level_cm": ",.1f",
    "flood_stage_cm": ",.0f",
    "above_flood_h": ",d",
    "value": ",.1f",
    "threshold": ",.1f",
    "alerts": ",d",
    "acked_count": ",d",
    "resolved_count": ",d",
    "ack_min": ",.0f",
    "resolve_min": ",.0f",
    "previous": ",.1f",
}
_DECIMALS = {k: (0 if f.endswith("d") else int(f[-2])) for k, f in NUMBER_FORMATS.items()}
TIME_FORMAT: Final = "%d/%m/%Y %H:%M"


def columns(keys: Sequence[str], lang: str, *, text: Collection[str] = ()) -> list[dict[str, Any]]:
    """DataTable columns: header `drill.col.<key>`, numbers formatted per NUMBER_FORMATS
    (except the `text` keys: cells already written with their unit, e.g. "24 đèn")."""
    out = []
    for key in keys:
        column: dict[str, Any] = {"id": key, "name": t(f"drill.col.{key}", lang)}
        if key in NUMBER_FORMATS and key not in text:
            column |= {"type": "numeric", "format": {"specifier": NUMBER_FORMATS[key]}}
        out.append(column)
    return out


def column_help(columns: Sequence[Mapping[str, Any]], lang: str) -> list[str]:
    """What each column that needs it counts (`drill.help.<id>`), in the table's order."""
    return [t(f"drill.help.{c['id']}", lang) for c in columns if f"drill.help.{c['id']}" in TEXT]


def _cell(value: Any, key: str, tz: tzinfo) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.tz_convert(tz).strftime(TIME_FORMAT)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        decimals = _DECIMALS.get(key)
        return round(float(value)) if decimals == 0 else round(float(value), decimals or 6)
    return value


def zone_words(lang: str) -> dict[str, dict[Any, str]]:
    """`records` words naming a blank zone: the row lies outside every zone (filters.OUTSIDE)."""
    return {"zone": {None: t("drill.zone.outside", lang)}}


def records(
    frame: pd.DataFrame,
    keys: Sequence[str],
    tz: tzinfo,
    words: Mapping[str, Mapping[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """The rows of `frame` as table records: `id` plus `keys`, times local in `tz`; a column
    in `words` shows its codes as the page's words (e.g. an AQI band key as its label)."""
    picked = ["id", *[k for k in keys if k != "id"]]
    words = words or {}
    rows = []
    for values in frame[picked].itertuples(index=False, name=None):
        row = {k: _cell(v, k, tz) for k, v in zip(picked, values, strict=True)}
        for key, table in words.items():
            row[key] = table.get(row[key], row[key])
        rows.append(row)
    return rows

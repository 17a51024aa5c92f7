"""Realistic dropped files for the file-drop source's tests and its conformance case.

- WATER_CSV: a water utility's SCADA export of its Rạch Giá river gauges: English headers,
  comma-separated, levels in metres, times with their +07:00 offset, a battery column we do
  not map, and the gauges' positions, so the file brings its assets.
- AIR_CSV: an environment office's air-station export saved by Excel as "CSV UTF-8": a BOM,
  Vietnamese headers with diacritics and units, semicolons, decimal commas, NO₂ in ppb and
  times written in local time (dd/mm/yyyy hh:mm) without an offset.
- STATIONS_GEOJSON: those air stations as a FeatureCollection of assets near Rạch Giá
  (105.08 E 10.01 N): one in Phường Rạch Giá, one in Phường Vĩnh Thông.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

__all__ = [
    "AIR_CSV",
    "AIR_OPTIONS",
    "STATIONS_GEOJSON",
    "WATER_BAD_REASONS",
    "WATER_BAD_ROWS",
    "WATER_CSV",
    "WATER_OPTIONS",
    "drop",
]

WATER_CSV = """gauge_id,gauge_name,longitude,latitude,observed_at,level_m,battery_v
WL-RG-01,Cầu Sông Kiên,105.0823,10.0128,2025-11-12T17:00:00+07:00,1.12,12.6
WL-RG-02,Cống Rạch Sỏi,105.1100,10.0400,2025-11-12T17:00:00+07:00,0.87,12.4
WL-RG-01,Cầu Sông Kiên,105.0823,10.0128,2025-11-12T17:15:00+07:00,1.18,12.6
WL-RG-02,Cống Rạch Sỏi,105.1100,10.0400,2025-11-12T17:15:00+07:00,0.91,12.4
WL-RG-01,Cầu Sông Kiên,105.0823,10.0128,2025-11-12T17:30:00+07:00,1.25,12.5
WL-RG-02,Cống Rạch Sỏi,105.1100,10.0400,2025-11-12T17:30:00+07:00,,12.4
"""

# Rows a gauge export gets wrong, each with the reason it is quarantined for.
WATER_BAD_ROWS = """WL-RG-01,Cầu Sông Kiên,105.0823,10.0128,2025-11-12T17:45:00+07:00,n/a,12.5
WL-RG-02,Cống Rạch Sỏi,105.1100,10.0400,2025-11-12 17:45,0.95,12.4
WL-RG-03,Cống Vĩnh Thông,105.1150,,2025-11-12T17:45:00+07:00,0.60,12.1
WL-RG-01,Cầu Sông Kiên,105.0823,10.0128,2025-11-12T17:45:00+07:00,25.0,12.5
,Cầu Sông Kiên,105.0823,10.0128,2025-11-12T18:00:00+07:00,1.30,12.5
WL-RG-02,Cống Rạch Sỏi,105.1100,10.0400,2025-11-12T18:00:00+07:00
"""
# Their line numbers once appended to WATER_CSV (header line 1, six good rows), and why.
WATER_BAD_REASONS = {
    8: "level_m: not a number",
    9: "observed_at: time has no UTC offset and no `timezone` is set",
    10: "position: not a number",
    11: "level_m: water_level_cm=2500.0 outside plausible range [-500, 1000]",
    12: "gauge_id: the asset id is empty",
    13: "5 fields where the header has 7",
}

# The keys reading WATER_CSV (its `path` added by the test).
WATER_OPTIONS: dict[str, Any] = {
    "settle_s": 5,
    "csv": {
        "asset": "gauge_id",
        "time": "observed_at",
        "name": "gauge_name",
        "lon": "longitude",
        "lat": "latitude",
        "domain": "water",
        "kind": "water_level",
    },
    "metrics": {"level_m": {"metric": "water_level_cm", "unit": "m"}},
}

AIR_CSV = (
    "\ufeffMã trạm;Thời gian;PM2.5 (µg/m³);PM10 (µg/m³);NO₂ (ppb);Nhiệt độ (°C);Độ ẩm (%)\r\n"
    "KK-RG-01;12/11/2025 17:00;38,5;61,2;21,4;29,1;78\r\n"
    "KK-VT-02;12/11/2025 17:00;24,0;40,8;12,0;28,7;81\r\n"
    "KK-RG-01;12/11/2025 18:00;45,1;70,3;25,0;28,4;80\r\n"
    "KK-VT-02;12/11/2025 18:00;27,9;44,1;13,5;28,2;83\r\n"
)

AIR_OPTIONS: dict[str, Any] = {
    "settle_s": 5,
    "timezone": "Asia/Ho_Chi_Minh",
    "csv": {
        "delimiter": ";",
        "decimal": ",",
        "asset": "Mã trạm",
        "time": "Thời gian",
        "time_format": "%d/%m/%Y %H:%M",
    },
    "metrics": {
        "PM2.5 (µg/m³)": {"metric": "pm25_ugm3"},
        "PM10 (µg/m³)": {"metric": "pm10_ugm3"},
        "NO₂ (ppb)": {"metric": "no2_ugm3", "unit": "ppb"},
        "Nhiệt độ (°C)": {"metric": "temp_c"},
        "Độ ẩm (%)": {"metric": "humidity_pct"},
    },
}


def _station(sid: str, name: str, lon: float, lat: float) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "id": sid,
            "name": name,
            "domain": "environment",
            "kind": "air_station",
            "operator": "Sở Nông nghiệp và Môi trường An Giang",
        },
    }


STATIONS_GEOJSON = json.dumps(
    {
        "type": "FeatureCollection",
        "features": [
            _station("KK-RG-01", "Trạm quan trắc Công viên Rạch Giá", 105.08, 10.01),
            _station("KK-VT-02", "Trạm quan trắc Vĩnh Thông", 105.11, 10.04),
        ],
    },
    ensure_ascii=False,
)


def drop(
    folder: Path, name: str, content: str | bytes, *, age_s: float = 60, encoding: str = "utf-8"
) -> Path:
    """Write a file into the watched `folder` as an upload that finished `age_s` ago."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    data = content if isinstance(content, bytes) else content.encode(encoding)
    path.write_bytes(data)
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path

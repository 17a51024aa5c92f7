"""Regenerate streets_rach_gia.geojson and canals_rach_gia.geojson: the wall's street network.

No OSM extract for Rạch Giá ships with cityops (see shared fixtures NOTES.md §5), so the base
map draws the simulator's own street network: the same segments the simulator reports speeds
for, so every congestion line on the wall lies on a drawn street. The network depends only on
the boundary files in `[areas]` and the segment count (the simulator's default, 160), so this
script is deterministic; rerun it after changing either. A city with real street data replaces
both files (any LineString FeatureCollection; `road_class` arterial/collector/local sets the
width) and points `[map] streets` at its own. Run: python assets/geo/make_streets.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dashboard.config import Config
from data_sources.simulator import street_network_geojson

HERE = Path(__file__).parent
DECIMALS = 6  # ~0.1 m: finer than any street, coarse enough to keep the files small


def _rounded(coords: Any) -> Any:
    if isinstance(coords[0], (int, float)):
        return [round(float(c), DECIMALS) for c in coords]
    return [_rounded(c) for c in coords]


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    for f in features:
        f["geometry"]["coordinates"] = _rounded(f["geometry"]["coordinates"])
    return {"type": "FeatureCollection", "features": features}


def main() -> None:
    network = street_network_geojson(Config())
    roads = [f for f in network["features"] if f["properties"]["feature"] == "road"]
    canals = [f for f in network["features"] if f["properties"]["feature"] == "canal"]
    for name, features in (("streets", roads), ("canals", canals)):
        path = HERE / f"{name}_rach_gia.geojson"
        text = json.dumps(_collection(features), ensure_ascii=False, separators=(",", ":"))
        path.write_text(text + "\n", encoding="utf-8")
        print(f"{path.name}: {len(features)} features, {len(text):,} bytes")


if __name__ == "__main__":
    main()

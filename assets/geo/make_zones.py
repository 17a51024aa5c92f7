"""Regenerate zones_rach_gia.geojson: the demo's operational zones (APPROXIMATE).

Operators in Rạch Giá still speak of the nine former wards merged into phường Rạch Giá on
1 July 2025. No licensable outlines of them exist (see shared fixtures NOTES.md), so the demo
draws one zone per former ward as the Voronoi cell of an approximate centre, clipped to the real
2025 ward outline. A city replaces this file with the zones it draws itself; the product only
reads the GeoJSON. Run: python assets/geo/make_zones.py
"""

import json
from pathlib import Path

from shapely import voronoi_polygons
from shapely.geometry import MultiPoint, Point, mapping, shape

HERE = Path(__file__).parent
# Approximate centres (lon, lat) of the former wards, north to south.
CENTRES = {
    "Vĩnh Quang": (105.072, 10.034),
    "Vĩnh Thanh": (105.088, 10.022),
    "Vĩnh Thanh Vân": (105.082, 10.010),
    "Vĩnh Lạc": (105.088, 9.999),
    "Vĩnh Hiệp": (105.104, 10.012),
    "An Hòa": (105.100, 9.984),
    "An Bình": (105.113, 9.980),
    "Rạch Sỏi": (105.117, 9.953),
    "Vĩnh Lợi": (105.134, 9.968),
}


def main() -> None:
    wards = json.loads((HERE / "wards_rach_gia_2025.geojson").read_text(encoding="utf-8"))
    ward = next(f for f in wards["features"] if f["properties"]["name"] == "Phường Rạch Giá")
    outline = shape(ward["geometry"])
    cells = voronoi_polygons(MultiPoint([Point(c) for c in CENTRES.values()]), extend_to=outline)
    features = []
    for name, centre in CENTRES.items():
        cell = next(c for c in cells.geoms if c.contains(Point(centre)))
        zone = cell.intersection(outline)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": name,
                    "ward": "Phường Rạch Giá",
                    "approximate": True,
                    "note": "Operational zone named after a former ward; approximate outline",
                },
                "geometry": mapping(zone),
            }
        )
    out = {"type": "FeatureCollection", "features": features}
    (HERE / "zones_rach_gia.geojson").write_text(
        json.dumps(out, ensure_ascii=False, indent=None), encoding="utf-8"
    )


if __name__ == "__main__":
    main()

"""Areas come from the boundary files and place assets and reports by geometry."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from shapely.geometry import shape

from dashboard.areas import Areas
from dashboard.config import ConfigError, load_config
from dashboard.records import Asset, CitizenReport

SHARED = Path(__file__).resolve().parents[3] / "shared/fixtures/standards/geo"


@pytest.fixture(scope="module")
def areas() -> Areas:
    return Areas.from_config(load_config(env={}))


def lamp(lon: float, lat: float) -> Asset:
    return Asset("l1", "lighting", "lamp", "Lamp", {"type": "Point", "coordinates": [lon, lat]})


def test_the_two_2025_wards_and_nine_zones_are_loaded(areas: Areas) -> None:
    assert set(areas.wards.names) == {"Phường Rạch Giá", "Phường Vĩnh Thông"}
    assert areas.zones is not None
    assert set(areas.zones.names) == {
        "Vĩnh Quang",
        "Vĩnh Thanh",
        "Vĩnh Thanh Vân",
        "Vĩnh Lạc",
        "Vĩnh Hiệp",
        "An Hòa",
        "An Bình",
        "Rạch Sỏi",
        "Vĩnh Lợi",
    }
    assert all(f["properties"]["approximate"] for f in areas.zones.features)


def test_zones_lie_inside_phuong_rach_gia_and_the_pre2025_city(areas: Areas) -> None:
    assert areas.zones is not None
    ward = areas.wards.polygons[areas.wards.names.index("Phường Rạch Giá")]
    old = json.loads((SHARED / "kien_giang_pre2025/province_and_districts.geojson").read_text())
    city = next(shape(f["geometry"]) for f in old["features"] if f["properties"]["id"] == "899")
    for name, zone in zip(areas.zones.names, areas.zones.polygons, strict=True):
        assert zone.area > 0, name
        assert ward.buffer(1e-6).contains(zone), name
        # the 2025 ward came from the old city: most of each zone lies in its outline
        assert zone.intersection(city).area / zone.area > 0.75, name


def test_assets_are_placed_by_geometry(areas: Areas) -> None:
    centre = lamp(105.083, 10.009)  # old centre, near Vĩnh Thanh Vân market
    north = lamp(105.10, 10.08)  # Vĩnh Thông
    sea = lamp(104.95, 10.0)  # in the Gulf of Thailand
    road = Asset(
        "s1",
        "traffic",
        "road_segment",
        "Trần Phú",
        {"type": "LineString", "coordinates": [[105.105, 9.978], [105.118, 9.972]]},
    )
    placed = areas.place_assets([centre, north, sea, road])
    assert (placed[0].ward, placed[0].zone) == ("Phường Rạch Giá", "Vĩnh Thanh Vân")
    assert (placed[1].ward, placed[1].zone) == ("Phường Vĩnh Thông", None)
    assert (placed[2].ward, placed[2].zone) == (None, None)
    assert placed[3].ward == "Phường Rạch Giá" and placed[3].zone == "An Bình"


def test_reports_are_placed_by_location(areas: Areas) -> None:
    t = datetime(2026, 11, 1, tzinfo=UTC)
    r = CitizenReport("1", "pothole", "Ổ gà", "open", 105.083, 10.009, t, t)
    [placed] = areas.place_reports([r])
    assert (placed.ward, placed.zone) == ("Phường Rạch Giá", "Vĩnh Thanh Vân")


def test_missing_boundary_file_is_a_config_error(tmp_path: Path) -> None:
    config = load_config(env={}, overrides={"areas": {"wards": str(tmp_path / "x.geojson")}})
    with pytest.raises(ConfigError, match="does not exist"):
        Areas.from_config(config)

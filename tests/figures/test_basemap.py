"""The shipped base map: every layer loads from assets/geo, small and rounded, and the street
files are exactly what make_streets.py makes from the simulator's network."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

from dashboard import basemap
from dashboard.basemap import ROAD_CLASSES, BaseMap
from dashboard.config import Config
from dashboard.figures.mapbase import fit_view
from data_sources.simulator import street_network_geojson


def test_every_layer_loads_with_features() -> None:
    base = BaseMap.load(Config())
    assert {f["properties"]["name"] for f in base.wards["features"]} == {
        "Phường Rạch Giá",
        "Phường Vĩnh Thông",
    }
    assert len(base.zones["features"]) == 9
    assert len(base.land["features"]) == 1
    assert sorted(base.streets) == sorted(ROAD_CLASSES)
    assert sum(len(c["features"]) for c in base.streets.values()) == 160
    assert {f["properties"]["road_class"] for f in base.streets["arterial"]["features"]} == {
        "arterial"
    }
    assert len(base.canals["features"]) == 2


def test_geometry_is_valid_rounded_and_small() -> None:
    base = BaseMap.load(Config())
    for layer in (base.land, base.wards, base.zones, base.canals, *base.streets.values()):
        for feature in layer["features"]:
            geom = shape(feature["geometry"])
            assert geom.is_valid
            coords = shapely.get_coordinates(geom)
            assert (abs(coords * 1e5 - (coords * 1e5).round()) < 1e-6).all()
    total = sum(
        len(json.dumps(x)) for x in (base.land, base.wards, base.zones, base.canals, base.streets)
    )
    assert total < 200_000  # embedded in every full draw of the wall's map


def test_the_city_lies_inside_the_wards_box() -> None:
    base = BaseMap.load(Config())
    west, south, east, north = base.bounds
    assert (west + 0.01, south + 0.01, east + 0.01, north + 0.01) > (105.0, 9.93, 105.17, 10.12)
    cw, cs, ce, cn = base.city_bounds
    assert west <= cw < ce <= east and south <= cs < cn <= north
    assert cw < base.centre[0] < ce and cs < base.centre[1] < cn


def test_loaded_once_per_process_and_again_after_an_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(basemap, "RECHECK_S", 1e9)
    assert BaseMap.load(Config()) is BaseMap.load(Config())
    canals = tmp_path / "canals.geojson"
    canals.write_text(json.dumps({"type": "FeatureCollection", "features": []}), encoding="utf-8")
    config = Config.model_validate({"map": {"canals": str(canals)}})
    assert BaseMap.load(config).canals["features"] == []
    line = {"type": "LineString", "coordinates": [[105.08, 10.0], [105.09, 10.01]]}
    feature = {"type": "Feature", "properties": {"name": "Kênh thử"}, "geometry": line}
    canals.write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8"
    )
    os.utime(canals, (1, 1))  # a different mtime, whatever the clock's resolution
    # The files are looked at again RECHECK_S after the last look, not on every call.
    assert BaseMap.load(config).canals["features"] == []
    monkeypatch.setattr(basemap, "RECHECK_S", -1.0)
    assert [f["properties"]["name"] for f in BaseMap.load(config).canals["features"]] == [
        "Kênh thử"
    ]


def test_a_missing_layer_fails_loudly(tmp_path: Path) -> None:
    config = Config.model_validate({"map": {"streets": str(tmp_path / "nope.geojson")}})
    with pytest.raises(FileNotFoundError, match=r"nope\.geojson"):
        BaseMap.load(config)


def test_shipped_street_files_match_the_simulator_network() -> None:
    config = Config()
    network = street_network_geojson(config)
    shipped = json.loads(config.path(config.map.streets).read_text(encoding="utf-8"))
    canals = json.loads(config.path(config.map.canals).read_text(encoding="utf-8"))
    roads = [f for f in network["features"] if f["properties"]["feature"] == "road"]
    assert [f["properties"] for f in shipped["features"]] == [f["properties"] for f in roads]
    for made, kept in zip(roads, shipped["features"], strict=True):
        assert shape(made["geometry"]).equals_exact(shape(kept["geometry"]), 1e-6)
    assert [f["properties"]["name"] for f in canals["features"]] == [
        f["properties"]["name"]
        for f in network["features"]
        if f["properties"]["feature"] == "canal"
    ]


def test_fit_view_fits_the_city() -> None:
    base = BaseMap.load(Config())
    centre, zoom = fit_view(base.city_bounds, 1920, 1080)
    assert zoom == 12.48  # the whole city on a 1080p wall (looked at in the browser test)
    assert centre[0] == pytest.approx(base.centre[0])
    assert centre[1] == pytest.approx(base.centre[1], abs=1e-3)  # Mercator middle
    # Twice the pixels, one zoom level more; a narrow map is fitted by its width.
    assert fit_view(base.city_bounds, 3840, 2160)[1] == 13.48
    assert fit_view(base.city_bounds, 480, 1080)[1] - fit_view(base.city_bounds, 240, 1080)[1] == 1


def test_an_empty_base_map_draws_no_layers() -> None:
    empty = BaseMap.empty()
    assert [empty.land, empty.wards, empty.zones, empty.canals] == [
        {"type": "FeatureCollection", "features": []}
    ] * 4
    assert all(c["features"] == [] for c in empty.streets.values())

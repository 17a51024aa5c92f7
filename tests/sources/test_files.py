"""File drops: each dropped file is stored once, with its result, then moved away.

Runs go through `dashboard.pipeline.run_source` on a real store (SQLite; the ingest-once
test on PostgreSQL too), with the realistic exports of `tests/sources/drops.py`.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dashboard.areas import Areas
from dashboard.config import Config, ConfigError, SourceConfig, load_config
from dashboard.pipeline import RunOutcome, run_source
from dashboard.store import Store
from data_sources.base import create
from data_sources.files import FilesSource
from data_sources.files import folder as folder_module
from data_sources.files.units import converter
from tests.sources import drops
from tests.sources.drops import drop
from tests.standards import STANDARDS
from tests.store.data import count, frame

NOW = datetime(2025, 11, 12, 12, 0, tzinfo=UTC)
NAME = "drop"


@pytest.fixture(scope="module")
def config() -> Config:
    wards = STANDARDS / "geo/an_giang_2025/wards_rach_gia.geojson"
    return load_config(env={}, overrides={"areas": {"wards": str(wards), "zones": None}})


@pytest.fixture(scope="module")
def areas(config: Config) -> Areas:
    return Areas.from_config(config)


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'files.db'}")
    s.upgrade()
    yield s
    s.dispose()


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    path = tmp_path / "drop"
    path.mkdir()
    return path


def source(config: Config, inbox: Path, options: dict[str, Any]) -> FilesSource:
    settings = SourceConfig.model_validate(
        {"name": NAME, "type": "files", "path": str(inbox), **options}
    )
    connector = create(settings, config)
    assert isinstance(connector, FilesSource)
    return connector


def run(store: Store, connector: FilesSource, areas: Areas) -> RunOutcome:
    return run_source(store, connector, areas, clock=lambda: NOW)


def readings(store: Store) -> dict[tuple[str, str, datetime], float]:
    rows = frame(
        store,
        "SELECT s.asset_id, s.metric, r.ts, r.value FROM readings r "
        "JOIN series s ON s.id = r.series_id",
    )
    return {
        (r.asset_id, r.metric, datetime.fromtimestamp(r.ts, UTC)): r.value
        for r in rows.itertuples()
    }


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def at(hour: int, minute: int) -> datetime:
    return datetime(2025, 11, 12, hour, minute, tzinfo=UTC)


def test_a_water_gauge_export_is_stored_in_our_units_then_moved_to_done(
    config: Config, areas: Areas, sqlite: Store, inbox: Path
) -> None:
    drop(inbox, "water_levels.csv", drops.WATER_CSV)
    outcome = run(sqlite, source(config, inbox, drops.WATER_OPTIONS), areas)
    assert outcome.status == "ok"
    # metres in the file, centimetres in the store; 17:00 +07:00 is 10:00 UTC; an empty
    # cell is no reading
    assert readings(sqlite) == {
        ("WL-RG-01", "water_level_cm", at(10, 0)): 112.0,
        ("WL-RG-02", "water_level_cm", at(10, 0)): 87.0,
        ("WL-RG-01", "water_level_cm", at(10, 15)): 118.0,
        ("WL-RG-02", "water_level_cm", at(10, 15)): 91.0,
        ("WL-RG-01", "water_level_cm", at(10, 30)): 125.0,
    }
    assets = frame(sqlite, "SELECT id, name, domain, kind, ward FROM assets ORDER BY id")
    assert assets.values.tolist() == [
        ["WL-RG-01", "Cầu Sông Kiên", "water", "water_level", "Phường Rạch Giá"],
        ["WL-RG-02", "Cống Rạch Sỏi", "water", "water_level", "Phường Vĩnh Thông"],
    ]
    assert names(inbox) == ["done"] and names(inbox / "done") == ["water_levels.csv"]
    taken = frame(sqlite, "SELECT file_name, status, rows, quarantined FROM ingested_files")
    assert taken.values.tolist() == [["water_levels.csv", "done", 7, 0]]  # 2 assets, 5 readings


def test_air_stations_from_geojson_are_placed_in_their_wards_and_a_vietnamese_export_follows(
    config: Config, areas: Areas, sqlite: Store, inbox: Path
) -> None:
    """The stations file (older) is taken before the readings that need its assets, in one
    run: Excel's BOM, semicolons, decimal commas, NO₂ in ppb, local times without offset."""
    drop(inbox, "tram_quan_trac.geojson", drops.STATIONS_GEOJSON, age_s=120)
    drop(inbox, "Quan trắc không khí 12-11.csv", drops.AIR_CSV)
    outcome = run(sqlite, source(config, inbox, drops.AIR_OPTIONS), areas)
    assert outcome.status == "ok" and outcome.rejected == 0
    assets = frame(sqlite, "SELECT id, kind, ward, attributes FROM assets ORDER BY id")
    assert assets[["id", "kind", "ward"]].values.tolist() == [
        ["KK-RG-01", "air_station", "Phường Rạch Giá"],
        ["KK-VT-02", "air_station", "Phường Vĩnh Thông"],
    ]
    assert json.loads(assets["attributes"][0]) == {
        "operator": "Sở Nông nghiệp và Môi trường An Giang"
    }
    stored = readings(sqlite)
    assert len(stored) == 20  # 4 rows x 5 metrics
    first = {m: v for (a, m, ts), v in stored.items() if a == "KK-RG-01" and ts == at(10, 0)}
    # 17:00 in Asia/Ho_Chi_Minh is 10:00 UTC; 21.4 ppb NO₂ x 46.0055 / 24.45 = 40.27 µg/m³
    assert first == {
        "pm25_ugm3": 38.5,
        "pm10_ugm3": 61.2,
        "no2_ugm3": pytest.approx(40.2666, abs=1e-3),
        "temp_c": 29.1,
        "humidity_pct": 78.0,
    }
    assert names(inbox / "done") == ["Quan trắc không khí 12-11.csv", "tram_quan_trac.geojson"]


@pytest.mark.parametrize("again_as", ["water_levels.csv", "water_levels (1).csv"])
def test_the_same_file_again_even_renamed_stores_nothing_twice(
    config: Config, areas: Areas, store: Store, inbox: Path, again_as: str
) -> None:
    connector = source(config, inbox, drops.WATER_OPTIONS)
    drop(inbox, "water_levels.csv", drops.WATER_CSV)
    assert run(store, connector, areas).rows == 7
    stored = readings(store)
    drop(inbox, again_as, drops.WATER_CSV)
    again = run(store, source(config, inbox, drops.WATER_OPTIONS), areas)
    assert (again.status, again.rows, again.rejected) == ("ok", 0, 0)
    assert readings(store) == stored
    assert count(store, "ingested_files") == 1
    assert names(inbox) == ["done"] and len(names(inbox / "done")) == 2  # kept, never lost


def test_bad_rows_are_quarantined_with_reasons_and_the_rest_stored(
    config: Config, areas: Areas, sqlite: Store, inbox: Path
) -> None:
    drop(inbox, "water_levels.csv", drops.WATER_CSV + drops.WATER_BAD_ROWS)
    outcome = run(sqlite, source(config, inbox, drops.WATER_OPTIONS), areas)
    assert (outcome.status, outcome.rejected) == ("ok", len(drops.WATER_BAD_REASONS))
    assert len(readings(sqlite)) == 5  # the good rows, as if the bad ones were not there
    quarantined = frame(sqlite, "SELECT reason, payload FROM quarantine")
    by_line = {json.loads(p)["line"]: (r, json.loads(p)) for r, p in quarantined.values}
    assert {line: why for line, (why, _) in by_line.items()} == drops.WATER_BAD_REASONS
    raw = by_line[8][1]
    assert raw["file"] == "water_levels.csv" and raw["row"]["level_m"] == "n/a"
    taken = frame(sqlite, "SELECT status, rows, quarantined, detail FROM ingested_files")
    status, rows, bad, detail = taken.values.tolist()[0]
    assert (status, rows, bad) == ("done", 7, 6)
    assert "1 × level_m: not a number" in detail
    assert names(inbox / "done") == ["water_levels.csv"]


def _cp1258(text: str) -> bytes:
    return text.encode("cp1258", errors="replace")


UNREADABLE = {
    "not UTF-8": ("tram.csv", _cp1258(drops.AIR_CSV[1:]), "not UTF-8 text: byte 0x"),
    "not JSON": ("tram.geojson", b'{"type": "FeatureCollection", "features": [', "not JSON"),
    "not GeoJSON": ("tram.json", b'{"stations": []}', "not a GeoJSON FeatureCollection"),
    "no such column": ("water.csv", b"id;time;level\nWL-RG-01;2025;1\n", "no column 'gauge_id'"),
    "empty": ("water.csv", b"", "the file is empty"),
    "too big": ("water.csv", drops.WATER_CSV.encode() * 40, "over max_bytes 4096"),
}


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_an_unreadable_file_goes_to_failed_with_its_reason(
    config: Config, areas: Areas, sqlite: Store, inbox: Path, case: str
) -> None:
    name, content, why = UNREADABLE[case]
    drop(inbox, name, content)
    options = {**drops.WATER_OPTIONS, "max_bytes": 4096}
    outcome = run(sqlite, source(config, inbox, options), areas)
    assert outcome.status == "ok"  # a bad file is the file's failure, not the feed's
    assert count(sqlite, "readings") == 0 and count(sqlite, "assets") == 0
    status, detail = frame(sqlite, "SELECT status, detail FROM ingested_files").values[0]
    assert status == "failed" and why in detail
    assert names(inbox) == ["failed"]
    assert names(inbox / "failed") == [name, f"{name}.txt"]
    assert why in (inbox / "failed" / f"{name}.txt").read_text(encoding="utf-8")


def test_a_file_still_being_written_or_a_partial_upload_is_not_taken(
    config: Config, areas: Areas, sqlite: Store, inbox: Path
) -> None:
    connector = source(config, inbox, {**drops.WATER_OPTIONS, "settle_s": 30})
    drop(inbox, "water_levels.csv", drops.WATER_CSV, age_s=2)  # written 2 s ago
    drop(inbox, "air.csv.part", drops.AIR_CSV, age_s=600)
    drop(inbox, ".~lock.water_levels.csv#", "lock", age_s=600)
    drop(inbox, "notes.txt", "not a pattern", age_s=600)
    assert run(sqlite, connector, areas).rows == 0
    assert count(sqlite, "ingested_files") == 0
    assert len(names(inbox)) == 4
    drop(inbox, "water_levels.csv", drops.WATER_CSV, age_s=60)  # the upload has settled
    assert run(sqlite, connector, areas).rows == 7
    assert names(inbox) == [".~lock.water_levels.csv#", "air.csv.part", "done", "notes.txt"]


def test_a_file_that_changes_while_it_is_read_is_left_for_the_next_run(
    config: Config, areas: Areas, sqlite: Store, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = drop(inbox, "water_levels.csv", drops.WATER_CSV)
    read_bytes = Path.read_bytes

    def appended_meanwhile(self: Path) -> bytes:
        data = read_bytes(self)
        with self.open("a", encoding="utf-8") as f:
            f.write("WL-RG-01,Cầu Sông Kiên,105.0823,10.0128,2025-11-12T17:45:00+07:00,1.3,12\n")
        return data

    monkeypatch.setattr(Path, "read_bytes", appended_meanwhile)
    assert run(sqlite, source(config, inbox, drops.WATER_OPTIONS), areas).rows == 0
    assert path.exists() and count(sqlite, "ingested_files") == 0


def test_a_crash_between_the_record_and_the_move_does_not_ingest_twice(
    config: Config, areas: Areas, sqlite: Store, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop(inbox, "water_levels.csv", drops.WATER_CSV)

    def disk_full(*_: Any, **__: Any) -> Path:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(folder_module.shutil, "move", disk_full)
        crashed = run(sqlite, source(config, inbox, drops.WATER_OPTIONS), areas)
    assert crashed.status == "error" and "No space left" in (crashed.error or "")
    assert names(inbox) == ["done", "water_levels.csv"]  # recorded, not moved
    stored = readings(sqlite)
    again = run(sqlite, source(config, inbox, drops.WATER_OPTIONS), areas)
    assert (again.status, again.rows) == ("ok", 0)
    assert readings(sqlite) == stored and names(inbox / "done") == ["water_levels.csv"]


def test_a_crash_before_the_record_stores_nothing_twice_and_records_the_same_counts(
    config: Config, areas: Areas, sqlite: Store, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop(inbox, "water_levels.csv", drops.WATER_CSV + drops.WATER_BAD_ROWS)

    def database_gone(*_: Any, **__: Any) -> None:
        raise ConnectionError("server closed the connection")

    with monkeypatch.context() as patched:
        patched.setattr(type(sqlite.files), "record", database_gone)
        assert run(sqlite, source(config, inbox, drops.WATER_OPTIONS), areas).status == "error"
    stored, quarantined = readings(sqlite), count(sqlite, "quarantine")
    assert len(stored) == 5 and names(inbox) == ["water_levels.csv"]  # committed, kept
    assert run(sqlite, source(config, inbox, drops.WATER_OPTIONS), areas).status == "ok"
    assert readings(sqlite) == stored and count(sqlite, "quarantine") == quarantined
    taken = frame(sqlite, "SELECT rows, quarantined FROM ingested_files").values.tolist()
    assert taken == [[7, 6]]


def test_a_long_form_export_names_its_metrics_and_units_per_row(
    config: Config, areas: Areas, sqlite: Store, inbox: Path
) -> None:
    drop(inbox, "stations.geojson", drops.STATIONS_GEOJSON, age_s=120)
    drop(
        inbox,
        "long.csv",
        "asset,metric,ts,value,unit\n"
        "KK-RG-01,PM2.5,2025-11-12T10:00:00Z,0.0385,mg/m3\n"
        "KK-RG-01,temp_c,2025-11-12T10:00:00Z,84.2,°F\n"
        "KK-RG-01,rain_mm,2025-11-12T10:00:00Z,3,mm\n",
    )
    options = {
        "csv": {
            "asset": "asset",
            "time": "ts",
            "metric": "metric",
            "value": "value",
            "unit": "unit",
        },
        "metrics": {"PM2.5": {"metric": "pm25_ugm3"}},
    }
    outcome = run(sqlite, source(config, inbox, options), areas)
    assert outcome.rejected == 1
    assert readings(sqlite) == {
        ("KK-RG-01", "pm25_ugm3", at(10, 0)): 38.5,
        ("KK-RG-01", "temp_c", at(10, 0)): 29.0,
    }
    assert frame(sqlite, "SELECT reason FROM quarantine")["reason"][0] == "unknown metric 'rain_mm'"


def test_units_convert_into_ours() -> None:
    assert converter("water_level_cm", "mm")(1250) == 125.0
    assert converter("speed_kmh", "m/s")(10) == 36.0
    assert converter("temp_c", "K")(300.15) == 27.0
    assert converter("co_mgm3", "ppm")(1) == pytest.approx(1.1456, abs=1e-4)
    assert converter("o3_ugm3", "μg/m³")(80) == 80.0  # the Greek mu, a superscript three
    with pytest.raises(ValueError, match="cannot be converted to water_level_cm's cm"):
        converter("water_level_cm", "ppb")


@pytest.mark.parametrize(
    ("key", "value", "why"),
    [
        ("timezone", "Asia/Saigon_City", "unknown time zone"),
        ("encoding", "vni", "unknown text encoding"),
        ("metrics", {"Mực nước": {"metric": "level"}}, "unknown metric 'level'"),
        ("metrics", {"Mực nước": {"metric": "water_level_cm", "unit": "bar"}}, "unit 'bar'"),
        ("csv", {"lon": "x", "lat": "y"}, "need `domain` and `kind`"),
        ("csv", {"metric": "metric"}, "both `metric` and `value`"),
    ],
)
def test_a_wrong_setting_stops_the_start_naming_its_key(
    config: Config, inbox: Path, key: str, value: Any, why: str
) -> None:
    with pytest.raises(ConfigError, match=why) as raised:
        source(config, inbox, {key: value})
    assert f"sources[{NAME}].{key}" in str(raised.value)


def test_health_says_whether_the_folder_is_there(config: Config, tmp_path: Path) -> None:
    missing = source(config, tmp_path / "nowhere", {})
    assert not missing.check_health().ok
    shutil.copytree(STANDARDS / "geo/an_giang_2025", tmp_path / "geo")
    assert source(config, tmp_path / "geo", {}).check_health().ok


def test_the_example_configs_file_drop_sample_is_valid(config: Config) -> None:
    example = load_config(Path(__file__).parents[2] / "cityops.toml.example", env={})
    (sample,) = [s for s in example.sources if s.type == "files"]
    options = FilesSource.parse_settings(sample)
    assert isinstance(options, FilesSource.Settings)
    assert options.metrics["level_m"].unit == "m"


def test_a_file_that_cannot_be_opened_fails_the_run_after_the_others_are_stored(
    config: Config, areas: Areas, sqlite: Store, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop(inbox, "a_locked.csv", drops.WATER_CSV, age_s=120)
    drop(inbox, "b_water.csv", drops.WATER_CSV.replace("1.12", "1.13"))
    read_bytes = Path.read_bytes

    def locked(self: Path) -> bytes:
        if self.name == "a_locked.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", locked)
    outcome = run(sqlite, source(config, inbox, drops.WATER_OPTIONS), areas)
    assert outcome.status == "error" and "a_locked.csv" in (outcome.error or "")
    assert outcome.rows == 7 and names(inbox / "done") == ["b_water.csv"]


def test_a_failed_file_put_back_after_the_setting_is_fixed_is_taken(
    config: Config, areas: Areas, sqlite: Store, inbox: Path
) -> None:
    """Read with a comma delimiter the semicolon export has no mapped column; with the
    delimiter fixed, the same bytes moved back from failed/ are taken (a failed digest
    never blocks a retry)."""
    drop(inbox, "stations.geojson", drops.STATIONS_GEOJSON, age_s=300)
    wrong = {**drops.AIR_OPTIONS, "csv": {**drops.AIR_OPTIONS["csv"], "delimiter": ","}}
    assert run(sqlite, source(config, inbox, wrong), areas).rows == 2
    drop(inbox, "tram.csv", drops.AIR_CSV)
    run(sqlite, source(config, inbox, wrong), areas)
    assert names(inbox / "failed") == ["tram.csv", "tram.csv.txt"]
    back = shutil.move(inbox / "failed" / "tram.csv", inbox / "tram.csv")
    drop(inbox, "tram.csv", Path(back).read_bytes())  # settled again
    assert run(sqlite, source(config, inbox, drops.AIR_OPTIONS), areas).rows == 20
    taken = frame(sqlite, "SELECT file_name, status, rows FROM ingested_files ORDER BY rows")
    assert taken.values.tolist() == [["stations.geojson", "done", 2], ["tram.csv", "done", 20]]

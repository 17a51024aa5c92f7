"""The simulated Rạch Giá: deterministic, chunk-invariant, valid records, a believable city.

Every test builds its own connector from `load_config()` defaults (the real boundary files);
instants are chosen in local time (Asia/Ho_Chi_Minh) and converted to UTC at the boundary.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import shape
from shapely.ops import unary_union

from dashboard.config import Config, ConfigError, SourceConfig, load_config
from dashboard.records import METRICS, Batch, validate_asset, validate_reading, validate_report
from data_sources.base import connector_class
from data_sources.simulator import SimulatorSource, street_network_geojson

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
# Wednesday 12 November 2025, local midnight; the following Saturday is the 15th.
WEDNESDAY = datetime(2025, 11, 12, tzinfo=LOCAL)
SATURDAY = datetime(2025, 11, 15, tzinfo=LOCAL)


def utc(local: datetime) -> datetime:
    return local.astimezone(UTC)


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(env={})


def make(config: Config, **options: object) -> SimulatorSource:
    return SimulatorSource(SourceConfig(name="sim", type="simulator", **options), config)


def reading_rows(batch: Batch) -> list[tuple[str, str, datetime, float]]:
    return sorted((r.asset_id, r.metric, r.ts, r.value) for r in batch.all_readings())


def report_rows(batch: Batch) -> list[tuple[str, datetime, str]]:
    return sorted((r.external_id, r.updated_at, r.status) for r in batch.reports)


def lamp_values(batch: Batch, metric: str) -> dict[str, float]:
    """The value of `metric` for each lamp, from a single-step fetch."""
    return {
        r.asset_id: r.value
        for r in batch.all_readings()
        if r.metric == metric and ":lamp-" in r.asset_id
    }


def mean_of(batch: Batch, metric: str) -> float:
    values = [r.value for r in batch.all_readings() if r.metric == metric]
    return sum(values) / len(values)


@pytest.fixture(scope="module")
def two_days(config: Config) -> Batch:
    return make(config).fetch(utc(WEDNESDAY), utc(WEDNESDAY + timedelta(days=2)))


@pytest.fixture(scope="module")
def fortnight(config: Config) -> Batch:
    """Fifteen days from WEDNESDAY, keeping only the lamp, water and report records."""
    full = make(config).fetch(utc(WEDNESDAY), utc(WEDNESDAY + timedelta(days=15)))
    keep = {"lamp_on", "lamp_fault", "water_level_cm"}
    return Batch(
        assets=full.assets,
        readings=[r for r in full.all_readings() if r.metric in keep],
        reports=full.reports,
        cursor=full.cursor,
    )


def test_registry_finds_the_simulator() -> None:
    assert connector_class("simulator") is SimulatorSource


def test_same_seed_gives_the_same_batch_and_another_seed_differs(config: Config) -> None:
    since, now = utc(WEDNESDAY), utc(WEDNESDAY + timedelta(hours=6))
    a = make(config, seed=7).fetch(since, now)
    b = make(config, seed=7).fetch(since, now)
    c = make(config, seed=8).fetch(since, now)
    assert a.assets == b.assets
    assert a.all_readings() == b.all_readings()
    assert a.reports == b.reports
    assert reading_rows(a) != reading_rows(c)
    assert {r.asset_id for r in a.all_readings()} == {r.asset_id for r in c.all_readings()}


def test_one_two_day_fetch_equals_two_one_day_fetches(config: Config) -> None:
    start, end = utc(WEDNESDAY), utc(WEDNESDAY + timedelta(days=2))
    middle = start + timedelta(days=1, minutes=7, seconds=13)  # off the step grid on purpose
    whole = make(config).fetch(start, end)
    chunked = make(config)
    first, second = chunked.fetch(start, middle), chunked.fetch(middle, end)
    assert first.cursor == middle and second.cursor == end
    assert second.assets == []
    assert reading_rows(whole) == sorted(reading_rows(first) + reading_rows(second))
    assert report_rows(whole) == sorted(report_rows(first) + report_rows(second))


def test_readings_sit_on_the_step_grid_inside_the_window(config: Config) -> None:
    since = utc(WEDNESDAY) + timedelta(seconds=95)
    now = since + timedelta(hours=3, seconds=40)
    batch = make(config, step_s=600).fetch(since, now)
    stamps = {r.ts for r in batch.all_readings() if r.metric != "power_w"}
    power = {r.ts for r in batch.all_readings() if r.metric == "power_w"}  # cabinets: every 15 min
    assert stamps and power and all(since < ts <= now for ts in stamps | power)
    assert all(int(ts.timestamp()) % 600 == 0 for ts in stamps)
    assert all(int(ts.timestamp()) % 900 == 0 for ts in power)
    assert all(ts.tzinfo is UTC for ts in stamps | power)


def test_since_none_gives_only_the_current_step(config: Config) -> None:
    now = utc(WEDNESDAY + timedelta(hours=9, minutes=3))
    batch = make(config).fetch(None, now)
    assert {r.ts for r in batch.all_readings() if r.metric != "power_w"} == {
        utc(WEDNESDAY + timedelta(hours=9))
    }
    assert {r.metric for r in batch.all_readings()} == set(METRICS) - {"energy_kwh", "noise_dba"}


def test_every_record_is_valid_and_uses_the_vocabulary(config: Config, two_days: Batch) -> None:
    known = {a.id for a in two_days.assets}
    assert all(validate_asset(a) is None for a in two_days.assets)
    problems = Counter(validate_reading(r, known) for r in two_days.all_readings())
    assert problems == Counter({None: len(two_days.all_readings())})
    assert {r.metric for r in two_days.all_readings()} <= set(METRICS)
    assert all(validate_report(r) is None for r in two_days.reports)
    assert all(a.ward is None and a.zone is None for a in two_days.assets)
    assert all(r.ward is None and r.zone is None for r in two_days.reports)


def test_the_city_has_its_assets_inside_the_ward_outlines(config: Config, two_days: Batch) -> None:
    kinds = Counter(a.kind for a in two_days.assets)
    assert kinds["road_segment"] == 160
    assert kinds["lamp"] == 3000
    assert kinds["cabinet"] == 75
    assert kinds["air_station"] == 12
    assert kinds["water_level"] == 8
    wards = json.loads(config.path(config.areas.wards).read_text(encoding="utf-8"))
    land = unary_union([shape(f["geometry"]) for f in wards["features"]]).buffer(1e-5)  # ~1 m
    outside = [a.id for a in two_days.assets if not land.covers(shape(a.geometry))]
    assert outside == []
    reports_outside = [
        r.external_id
        for r in two_days.reports
        if not land.covers(shape({"type": "Point", "coordinates": [r.lon, r.lat]}))
    ]
    assert reports_outside == []


def test_road_segments_carry_street_attributes(two_days: Batch) -> None:
    roads = [a for a in two_days.assets if a.kind == "road_segment"]
    assert all(a.domain == "traffic" and a.geometry["type"] == "LineString" for a in roads)
    streets = {a.attributes["street"] for a in roads}
    assert {"Nguyễn Trung Trực", "Lâm Quang Ky", "3 Tháng 2", "Trần Phú", "Lê Lợi"} <= streets
    for a in roads:
        assert a.attributes["road_class"] in {"arterial", "collector", "local"}
        assert a.attributes["lanes"] >= 2 and 20 <= a.attributes["free_flow_kmh"] <= 80
        assert a.attributes["length_m"] > 50


def test_more_segments_on_request_and_too_few_refused(config: Config) -> None:
    kinds = Counter(a.kind for a in make(config, segments=300).assets())
    assert kinds["road_segment"] == 300
    with pytest.raises(ConfigError, match="segments"):
        make(config, segments=20)
    with pytest.raises(ConfigError, match="unknown_key"):
        make(config, unknown_key=1)


def test_street_network_geojson_matches_the_road_assets(config: Config, two_days: Batch) -> None:
    network = street_network_geojson(config)
    roads = [f for f in network["features"] if f["properties"]["feature"] == "road"]
    canals = [f for f in network["features"] if f["properties"]["feature"] == "canal"]
    assert network["type"] == "FeatureCollection" and len(roads) == 160 and len(canals) >= 2
    assets = [a for a in two_days.assets if a.kind == "road_segment"]
    assert [
        shape(f["geometry"]).equals_exact(shape(a.geometry), 1e-9)
        for f, a in zip(roads, assets, strict=True)
    ] == [True] * 160
    json.dumps(network)  # plain JSON types only


def test_lights_are_on_at_night_only(config: Config) -> None:
    noon = make(config).fetch(None, utc(WEDNESDAY + timedelta(hours=12)))
    night = make(config).fetch(None, utc(WEDNESDAY + timedelta(hours=22)))
    on_at_noon, on_at_night = lamp_values(noon, "lamp_on"), lamp_values(night, "lamp_on")
    assert len(on_at_noon) == len(on_at_night) == 3000  # a fresh instance states every lamp
    assert sum(on_at_noon.values()) == 0
    assert sum(on_at_night.values()) > 0.98 * 3000
    dark = [k for k, v in on_at_night.items() if v == 0]
    faulty = lamp_values(night, "lamp_fault")
    assert all(faulty[k] == 1 for k in dark)
    power = {r.asset_id: r.value for r in night.all_readings() if r.metric == "power_w"}
    daytime = {r.asset_id: r.value for r in noon.all_readings() if r.metric == "power_w"}
    assert len(power) == 75 and min(power.values()) > 1000 and max(daytime.values()) < 20


def test_lamps_report_only_on_change_after_the_first_fetch(config: Config) -> None:
    source = make(config)
    source.fetch(None, utc(WEDNESDAY + timedelta(hours=12)))
    afternoon = source.fetch(
        utc(WEDNESDAY + timedelta(hours=12)), utc(WEDNESDAY + timedelta(hours=16))
    )
    evening = source.fetch(
        utc(WEDNESDAY + timedelta(hours=16)), utc(WEDNESDAY + timedelta(hours=20))
    )
    assert lamp_values(afternoon, "lamp_on") == {}
    switched = [r for r in evening.all_readings() if r.metric == "lamp_on"]
    assert len(switched) > 0.98 * 3000 and all(r.value == 1 for r in switched)
    local = {r.ts.astimezone(LOCAL).hour for r in switched}
    assert local <= {17, 18}


def test_faults_persist_across_days_until_repair(fortnight: Batch) -> None:
    start, batch = utc(WEDNESDAY), fortnight
    events: dict[str, list[tuple[datetime, str, float]]] = defaultdict(list)
    for r in batch.all_readings():
        if r.metric in ("lamp_on", "lamp_fault") and r.ts > start + timedelta(minutes=5):
            events[r.asset_id].append((r.ts, r.metric, r.value))
    repaired = 0
    failures = 0
    for lamp, history in events.items():
        history.sort()
        failed_at = None
        for ts, metric, value in history:
            if metric == "lamp_fault" and value == 1:
                failed_at, failures = ts, failures + 1
            elif metric == "lamp_fault" and value == 0 and failed_at is not None:
                assert timedelta(days=1) <= ts - failed_at <= timedelta(days=6), lamp
                failed_at, repaired = None, repaired + 1
            elif metric == "lamp_on" and value == 1:
                assert failed_at is None, f"{lamp} lit while faulty"
    # ~0.2 % of 3000 lamps a night over 15 nights: about 90 failures
    assert 40 <= failures <= 160
    assert repaired >= failures // 2


def test_traffic_is_slower_at_the_morning_peak_and_lighter_at_weekends(config: Config) -> None:
    def at(local: datetime) -> Batch:
        return make(config).fetch(None, utc(local))

    peak, night = at(WEDNESDAY + timedelta(hours=7, minutes=30)), at(WEDNESDAY + timedelta(hours=3))
    assert mean_of(peak, "speed_kmh") < 0.9 * mean_of(night, "speed_kmh")
    assert mean_of(peak, "occupancy_pct") > 3 * mean_of(night, "occupancy_pct")
    assert mean_of(peak, "volume_vph") > 5 * mean_of(night, "volume_vph")
    weekday = make(config).fetch(utc(WEDNESDAY), utc(WEDNESDAY + timedelta(days=1)))
    saturday = make(config).fetch(utc(SATURDAY), utc(SATURDAY + timedelta(days=1)))
    assert mean_of(saturday, "volume_vph") < 0.9 * mean_of(weekday, "volume_vph")
    roads = {a.id: a.attributes["free_flow_kmh"] for a in peak.assets if a.kind == "road_segment"}
    slow = [
        r for r in peak.all_readings() if r.metric == "speed_kmh" and r.value < roads[r.asset_id]
    ]
    assert len(slow) > 0.8 * len(roads)


def test_air_follows_the_day(two_days: Batch) -> None:
    by_hour: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in two_days.all_readings():
        if r.asset_id.startswith("sim:air-"):
            by_hour[r.metric][r.ts.astimezone(LOCAL).hour].append(r.value)

    def hourly(metric: str, hour: int) -> float:
        values = by_hour[metric][hour]
        return sum(values) / len(values)

    assert hourly("temp_c", 14) > hourly("temp_c", 4) + 3
    assert hourly("humidity_pct", 14) < hourly("humidity_pct", 4) - 10
    assert hourly("o3_ugm3", 13) > 2 * hourly("o3_ugm3", 2)
    assert hourly("no2_ugm3", 7) > 1.5 * hourly("no2_ugm3", 2)
    pm25 = sorted(v for values in by_hour["pm25_ugm3"].values() for v in values)
    assert pm25[len(pm25) // 10] >= 12 and pm25[9 * len(pm25) // 10] <= 65


def test_tide_range_is_that_of_the_gulf_of_thailand(fortnight: Batch) -> None:
    batch = fortnight
    daily: dict[tuple[str, object], list[float]] = defaultdict(list)
    for r in batch.all_readings():
        if r.metric == "water_level_cm":
            daily[(r.asset_id, r.ts.astimezone(LOCAL).date())].append(r.value)
    ranges = [max(v) - min(v) for v in daily.values() if len(v) == 288]
    assert len(ranges) >= 8 * 14
    assert min(ranges) >= 10 and max(ranges) <= 150  # small at neaps, about a metre at springs
    assert 40 <= sum(ranges) / len(ranges) <= 110
    gauges = [a for a in batch.assets if a.kind == "water_level"]
    assert all(a.attributes["alert_stage_cm"] < a.attributes["flood_stage_cm"] for a in gauges)


def test_reports_arrive_at_a_plausible_rate_written_in_vietnamese(fortnight: Batch) -> None:
    start = utc(WEDNESDAY)
    created = {r.external_id: r for r in fortnight.reports if r.created_at > start}
    assert 15 * 25 <= len(created) <= 15 * 60  # reports_per_day = 40
    # Rạch Giá's citizens write Vietnamese, with its diacritics; no description is English.
    diacritic = re.compile(r"[ăâđêôơưạảấầẩậắằẳặẹẻẽếềểệịọỏốồổộớờởợụủứừửựỵỷỹ]", re.IGNORECASE)
    english = re.compile(r"\b(the|on|is|near|has|after|and|of|in|at|for|please)\b", re.IGNORECASE)
    texts = {r.description for r in created.values()}
    assert [d for d in texts if not diacritic.search(d) or english.search(d)] == []
    assert {r.category for r in created.values()} >= {"pothole", "streetlight", "waste", "flooding"}
    assert all(r.agency for r in created.values())
    daytime = sum(1 for r in created.values() if 7 <= r.created_at.astimezone(LOCAL).hour < 21)
    assert daytime > 0.7 * len(created)


def test_reports_move_through_their_lifecycle(fortnight: Batch) -> None:
    batch = fortnight
    versions: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for r in batch.reports:
        versions[r.external_id].append((r.updated_at, r.status))
        assert (r.closed_at is not None) == (r.status == "closed")
        assert r.updated_at >= r.created_at
    order = {"open": 0, "acknowledged": 1, "in_progress": 2, "closed": 3}
    for history in versions.values():
        ranks = [order[s] for _, s in sorted(history)]
        assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    full = [h for h in versions.values() if [s for _, s in sorted(h)] == list(order)]
    assert len(full) > 100


def test_a_restart_only_restates_what_is_already_true(config: Config) -> None:
    start, end = utc(WEDNESDAY), utc(WEDNESDAY + timedelta(days=1))
    middle = start + timedelta(hours=19)  # lamps lit, reports open
    whole = make(config).fetch(start, end)
    before = make(config).fetch(start, middle)
    after = make(config).fetch(middle, end)  # a new instance: the process restarted
    union = {
        (r.asset_id, r.metric, r.ts): r.value for r in before.all_readings() + after.all_readings()
    }
    truth = {(r.asset_id, r.metric, r.ts): r.value for r in whole.all_readings()}
    assert all(union[key] == value for key, value in truth.items())
    history: dict[tuple[str, str], list[tuple[datetime, float]]] = defaultdict(list)
    for (asset, metric, ts), value in truth.items():
        history[(asset, metric)].append((ts, value))
    for key in set(union) - set(truth):  # restated lamp states: equal to the last known one
        asset, metric, ts = key
        known = [v for t, v in sorted(history[(asset, metric)]) if t <= ts]
        assert known and known[-1] == union[key], key
    latest = {r.external_id: r for r in sorted(whole.reports, key=lambda r: r.updated_at)}
    for r in after.reports:
        assert r.updated_at <= latest[r.external_id].updated_at


def test_every_road_segment_has_a_name_of_its_own(config: Config) -> None:
    """A street cut in pieces (by the wards, the centre or a canal) numbers its segments
    along the whole street: no two segments of the city share a name, at any count."""
    for count in (160, 300):
        names = Counter(a.name for a in make(config, segments=count).assets())
        assert [n for n, k in names.items() if k > 1 and "(đoạn" in n] == []
    again = [a.name for a in make(config).assets() if a.kind == "road_segment"]
    assert again == [a.name for a in make(config).assets() if a.kind == "road_segment"]

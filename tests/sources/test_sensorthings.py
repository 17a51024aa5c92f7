"""The SensorThings client against a FROST-like loopback server built from the OGC 18-088
examples: stored values in our units, cursor, paging by @iot.nextLink, refusals, faults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.store import Store
from data_sources.sensorthings import SensorThingsSource, fold
from tests.sources.fake_sensorthings import FIRST, STEP, FrostLike
from tests.sources.feed_faults import assert_recorded_then_recovered, lasting_faults, passing_faults
from tests.sources.loopback import Fault, Server, serve
from tests.sources.running import build, run
from tests.store.data import count, frame

NOW = FIRST + 8 * STEP


def sensorthings(server: Server, **options: object) -> SensorThingsSource:
    connector = build(
        "sensorthings", name="st", **{"url": f"{server.url}/v1.1", "page_size": 5, **options}
    )
    assert isinstance(connector, SensorThingsSource)
    return connector


def stored_readings(store: Store) -> dict[tuple[str, str, datetime], float]:
    rows = frame(
        store,
        "SELECT s.asset_id, s.metric, r.ts, r.value FROM readings r "
        "JOIN series s ON s.id = r.series_id",
    )
    return {
        (a, m, datetime.fromtimestamp(int(t), UTC)): v
        for a, m, t, v in rows.itertuples(index=False)
    }


def test_observations_are_stored_at_their_times_in_our_units(store: Store) -> None:
    app = FrostLike()
    with serve(app) as server:
        app.url = server.url
        outcome = run(store, sensorthings(server), NOW)
    assert outcome.status == "ok" and outcome.rejected == 0
    expected = app.expected("st", NOW - timedelta(days=1), NOW)  # the first run: one day back
    assert stored_readings(store) == pytest.approx(expected)
    # water level: metres in the feed (1.2 m at the first instant), centimetres here
    assert stored_readings(store)[("st:2", "water_level_cm", FIRST)] == pytest.approx(120.0)
    assets = frame(store, "SELECT id, domain, ward FROM assets ORDER BY id")
    assert assets["id"].tolist() == ["st:1", "st:2"]
    assert assets["domain"].tolist() == ["environment", "water"]  # a tide gauge's first metric
    assert assets["ward"].notna().all()  # re-located into Rạch Giá's wards
    assert ("st:1", "temp_c", FIRST) in expected and not any(m is None for _, m, _ in expected)


def test_a_refetch_stores_nothing_twice_and_the_cursor_is_the_latest_time(store: Store) -> None:
    app = FrostLike()
    with serve(app) as server:
        app.url = server.url
        connector = sensorthings(server)
        run(store, connector, NOW)
        readings = count(store, "readings")
        state = store.source_state("st")
        assert state is not None and state.cursor == NOW
        server.requests.clear()
        again = run(store, connector, NOW + 2 * STEP)
    assert again.status == "ok"
    assert count(store, "readings") == readings + 2 * 6  # two new instants of 6 mapped streams
    filters = {r.arg("$filter") for r in server.requests if r.path.endswith("/Observations")}
    assert (
        "phenomenonTime gt 2014-12-31T05:59:59Z and phenomenonTime le 2014-12-31T06:29:59Z"
        in filters
    )


def test_next_links_are_followed_as_given_until_there_is_none() -> None:
    app = FrostLike()
    with serve(app) as server:
        app.url = server.url
        batch = sensorthings(server, page_size=3).fetch(FIRST - STEP, NOW)
    temperature = [r for r in server.requests if r.path == "/v1.1/Datastreams(1)/Observations"]
    assert [r.arg("$skip") for r in temperature] == [None, "3", "6"]  # 9 in the window
    assert all(r.arg("$orderby") == "phenomenonTime asc" for r in temperature)
    assert len([r for r in batch.readings if r.metric == "temp_c"]) == 9


def test_an_unmapped_property_is_skipped_and_one_mapped_across_units_refused() -> None:
    app = FrostLike()
    with serve(app) as server:
        app.url = server.url
        default = sensorthings(server).fetch(FIRST - STEP, NOW)
        paths = {r.path for r in server.requests}
        wrong = {"http://dbpedia.org/page/Dew_point": "humidity_pct"}  # a dew point in °C
        mapped = sensorthings(server, metrics=wrong).fetch(FIRST - STEP, NOW)
    assert "/v1.1/Datastreams(5)/Observations" not in paths  # dew point: not ours by default
    assert default.rejects == [] and len(mapped.readings) == len(default.readings)
    assert [r.reason for r in mapped.rejects] == [
        "Datastream 5: unit '°C' (degree Celsius, http://unitsofmeasure.org/ucum.html#para-30) "
        "cannot be converted to % (humidity_pct)"
    ]
    assert fold("PM2.5") == fold("pm_25") == "pm25" and fold("NO₂") == "no2"


def test_what_cannot_be_stored_is_refused_naming_why() -> None:
    app = FrostLike(broken=True)
    with serve(app) as server:
        app.url = server.url
        batch = sensorthings(server).fetch(FIRST - STEP, NOW)
    reasons = sorted(r.reason for r in batch.rejects)
    assert reasons == [
        "Datastream 8: unit 'gr/ft³' (grains per cubic foot, ) cannot be converted to µg/m³ "
        "(pm10_ugm3)",
        "Observation 1900: result 'n/a' is not a number",
        "Observation 1901: phenomenonTime '2014-12-31T04:20:00' has no time zone",
        "Thing has no Location",
    ]
    assert len(batch.readings) == 6 * 9  # the rest all kept


@passing_faults
def test_passing_faults_are_retried_and_the_run_stores_everything(
    store: Store, faults: list[Fault]
) -> None:
    app = FrostLike()
    with serve(app) as server:
        app.url = server.url
        server.faults += [Fault(), *faults]  # the Things answer, then an Observations page fails
        outcome = run(store, sensorthings(server, http={"read_timeout": 0.2}), NOW)
    assert outcome.status == "ok"
    assert stored_readings(store) == pytest.approx(app.expected("st", NOW - timedelta(days=1), NOW))


@lasting_faults
def test_lasting_faults_are_recorded_on_the_run_never_fatal(
    store: Store, faults: list[Fault], message: str
) -> None:
    app = FrostLike()
    with serve(app) as server:
        app.url = server.url
        server.faults += [Fault(), *faults]
        connector = sensorthings(server)
        failed = run(store, connector, NOW)
        recovered = run(store, connector, NOW)
    assert_recorded_then_recovered(store, failed, recovered, message)
    assert count(store, "readings") == 6 * 9

"""The Open311 client against a loopback city serving the real Bloomington, San Francisco and
Chicago payloads: what is stored, what is refused and why, windows, pages, faults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from dashboard.store import Store
from data_sources.open311 import Open311Source
from tests.sources import fake_open311 as o311
from tests.sources.feed_faults import assert_recorded_then_recovered, lasting_faults, passing_faults
from tests.sources.loopback import Fault, serve
from tests.sources.running import build, run
from tests.store.data import count, frame

SINCE = datetime(2012, 5, 22, tzinfo=UTC)
NOW = datetime(2012, 5, 24, tzinfo=UTC)
CATEGORIES = {"Yard Waste": "waste", "4e090d24992b941e78000019": "pothole"}


def open311(url: str, **options: object) -> Open311Source:
    connector = build(
        "open311", **{"url": url, "page_size": 5, "categories": CATEGORIES, **options}
    )
    assert isinstance(connector, Open311Source)
    return connector


def utc(value: object) -> datetime:
    """A stored time as aware UTC, whichever way the database hands it back."""
    ts = pd.Timestamp(value)
    return (ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")).to_pydatetime()


def reports(store: Store):  # type: ignore[no-untyped-def]
    sql = "SELECT * FROM reports ORDER BY external_id"
    return frame(store, sql).set_index("external_id")


def test_bloomington_requests_are_stored_in_our_terms_and_the_unlocated_refused(
    store: Store,
) -> None:
    with serve(o311.City(o311.bloomington())) as city:
        outcome = run(store, open311(city.url), NOW)
    assert outcome.status == "ok" and outcome.rejected == 8
    stored = reports(store)
    assert len(stored) == 13  # 21 requests: 6 at 0,0 and 2 without lat/long refused
    closed = stored.loc["4fbd14bbb1fe2c5214000000"]  # Yard Waste, closed
    assert (closed.status, closed.category, closed.agency) == (
        "closed",
        "waste",
        "Sanitation Department",
    )
    assert utc(closed.created_at) == datetime(2012, 5, 23, 16, 47, 55, tzinfo=UTC)
    assert utc(closed.closed_at) == utc(closed.updated_at)
    assert (closed.lat, closed.lon) == (39.139614, -86.49149)
    assert stored.loc["4fbcfe99b1fe2c4862000000"].category == "pothole"
    assert stored.loc["4fbd3beeb1fe2c9f5c000001"].category == "other"  # Graffiti: unmapped
    photo = "https://bloomington.in.gov/crm/media/2012/05/23/4fbd12bcb1fe2c1c7d000001/media.jpg"
    assert stored["media_url"].dropna().tolist() == [photo]  # the others are ""
    quarantined = frame(store, "SELECT reason, payload FROM quarantine")
    assert quarantined["payload"].str.contains("4fbd40b2b1fe2c4b02000001").sum() == 1  # raw item
    reasons = quarantined["reason"].value_counts().to_dict()
    assert reasons == {
        "location is 0,0: the server's placeholder for a request without one": 6,
        "no location: lat None, long None": 2,
    }


def test_a_refetch_stores_nothing_twice(store: Store) -> None:
    with serve(o311.City(o311.bloomington())) as city:
        run(store, open311(city.url), NOW)
        before = {t: count(store, t) for t in ("reports", "quarantine")}
        again = run(store, open311(city.url), NOW + timedelta(hours=1))
    assert again.status == "ok"
    assert {t: count(store, t) for t in ("reports", "quarantine")} == before


def test_a_request_closed_later_is_fetched_again_and_updates_the_stored_report(
    store: Store,
) -> None:
    city = o311.City(o311.located(o311.bloomington()))
    with serve(city) as server:
        connector = open311(server.url)
        run(store, connector, NOW)
        weeds = next(
            r for r in city.requests if r["service_request_id"] == "4fbbf5e7b1fe2c6a6c000000"
        )
        weeds.update(status="closed", updated_datetime="2012-05-25T09:30:00-04:00")
        later = NOW + timedelta(days=2)
        assert run(store, connector, later).status == "ok"
    row = reports(store).loc["4fbbf5e7b1fe2c6a6c000000"]
    assert row.status == "closed"
    assert utc(row.closed_at) == datetime(2012, 5, 25, 13, 30, tzinfo=UTC)
    assert count(store, "reports") == 13


def test_a_long_gap_is_asked_in_windows_of_at_most_90_days() -> None:
    since, now = NOW - timedelta(days=200), NOW
    with serve(o311.City(o311.located(o311.bloomington()))) as city:
        batch = open311(city.url, revisit_days=1).fetch(since, now)
    windows = sorted(
        {(r.arg("start_date"), r.arg("end_date")) for r in city.requests if r.arg("start_date")}
    )
    spans = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in windows]
    assert spans[0][0] == since - timedelta(days=1) and spans[-1][1] == now
    assert all(b - a <= timedelta(days=90) for a, b in spans)
    assert all(spans[i][1] == spans[i + 1][0] for i in range(len(spans) - 1))
    assert len(batch.reports) == 13


def test_pages_are_followed_until_a_short_one() -> None:
    with serve(o311.City(o311.located(o311.bloomington()))) as city:
        batch = open311(city.url).fetch(SINCE, NOW)
    pages = [r.arg("page") for r in city.requests]
    assert pages == ["1", "2", "3"] and {r.arg("page_size") for r in city.requests} == {"5"}
    assert len(batch.reports) == 13


def test_a_server_that_ignores_paging_and_cuts_is_asked_in_smaller_windows() -> None:
    with serve(o311.City(o311.located(o311.bloomington()), paging=False, cap=5)) as city:
        batch = open311(city.url).fetch(SINCE, NOW)
    assert len(batch.reports) == 13 and batch.rejects == []
    assert len({r.arg("start_date") for r in city.requests}) > 3


def test_the_updated_filter_asks_for_what_changed_since_the_cursor() -> None:
    with serve(o311.City(o311.located(o311.bloomington()), updated_filter=True)) as city:
        batch = open311(city.url, updated_filter=True, revisit_days=0).fetch(SINCE, NOW)
    first = city.requests[0]
    assert first.arg("updated_after") == "2012-05-22T00:00:00Z" and first.arg("start_date") is None
    assert len(batch.reports) == 13


def test_the_service_filter_and_jurisdiction_are_sent() -> None:
    city = o311.City(o311.located(o311.bloomington()), jurisdiction_id="bloomington.in.gov")
    with serve(city) as server:
        codes = ["4e090d24992b941e78000024"]
        connector = open311(server.url, jurisdiction_id="bloomington.in.gov", service_codes=codes)
        batch = connector.fetch(SINCE, NOW)
    assert city_args(server.requests[0]) == ("bloomington.in.gov", codes[0])
    assert {r.category for r in batch.reports} == {"waste"} and len(batch.reports) == 3


def city_args(req):  # type: ignore[no-untyped-def]
    return req.arg("jurisdiction_id"), req.arg("service_code")


def test_san_francisco_xml_offsetless_times_are_refused_unless_the_zone_is_named() -> None:
    with serve(o311.City(o311.san_francisco())) as city:
        refused = open311(city.url, format="xml").fetch(SINCE, NOW)
        zoned = open311(city.url, format="xml", timezone="America/Los_Angeles").fetch(SINCE, NOW)
    assert refused.reports == [] and len(refused.rejects) == 56
    assert refused.rejects[0].reason.endswith("has no time zone")
    assert len(zoned.reports) == 47  # 9 at 0.0,0.0 refused
    by_id = {r.external_id: r for r in zoned.reports}
    sweeny = by_id["1129790"]  # "228  SWEENY ST SAN FRANCISCO , CA ", zipcode 94134
    assert sweeny.address == "228 SWEENY ST SAN FRANCISCO , CA"
    assert sweeny.created_at == datetime(2012, 5, 23, 5, 36, 19, 113000, tzinfo=UTC)
    assert {r.status for r in zoned.reports} <= {"open", "closed"}
    assert sum(r.status == "closed" for r in zoned.reports) >= 1  # "Closed", capitalised


def test_chicago_ids_hex_codes_and_locked_notes() -> None:
    with serve(o311.City(o311.chicago())) as city:
        connector = open311(city.url, categories={"4ffa9cad6018277d4000007b": "streetlight"})
        batch = connector.fetch(
            datetime(2014, 7, 12, tzinfo=UTC), datetime(2014, 7, 13, tzinfo=UTC)
        )
    by_id = {r.external_id: r for r in batch.reports}
    assert set(by_id) == {"14-01100669", "14-01100627"}
    assert by_id["14-01100669"].category == "streetlight"
    assert by_id["14-01100627"].status == "open"  # status_notes "Locked" changes nothing
    assert by_id["14-01100669"].updated_at == datetime(2014, 7, 12, 16, 8, 21, tzinfo=UTC)


@passing_faults
def test_passing_faults_are_retried_and_the_run_stores_everything(
    store: Store, faults: list[Fault]
) -> None:
    with serve(o311.City(o311.located(o311.bloomington()))) as city:
        city.faults += faults
        outcome = run(store, open311(city.url, http={"read_timeout": 0.2}), NOW)
    assert outcome.status == "ok" and count(store, "reports") == 13


@lasting_faults
def test_lasting_faults_are_recorded_on_the_run_never_fatal(
    store: Store, faults: list[Fault], message: str
) -> None:
    with serve(o311.City(o311.located(o311.bloomington()))) as city:
        city.faults += faults
        connector = open311(city.url)
        failed = run(store, connector, NOW)
        recovered = run(store, connector, NOW)
    assert_recorded_then_recovered(store, failed, recovered, message)
    assert count(store, "reports") == 13

"""A record the database would refuse is quarantined with its reason; the batch still lands.

Each case once aborted the whole ingest (NOT NULL, PostgreSQL's varchar width, a TypeError in
validation or in sorting mixed ids), so one bad record cost every good one beside it.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import String

from dashboard.records import FIELD_LENGTHS, Asset, CitizenReport, Reading
from dashboard.store import Store
from dashboard.store.models import AssetRow, ReportRow
from tests.store.data import T0, count, frame, report, station

LAMP = Asset(
    "lamp-1", "lighting", "lamp", "Đèn 1", {"type": "Point", "coordinates": [105.08, 10.0]}
)


def _bad_asset(**kw: Any) -> Asset:
    return replace(LAMP, **kw)


def _bad_report(**kw: Any) -> CitizenReport:
    return replace(report("SR-9", "open", T0), **kw)


BAD_ASSETS = {
    "name None": (_bad_asset(name=None), "name is missing"),
    "name an int": (_bad_asset(name=7), "name is int, not str"),
    "id too long": (_bad_asset(id="x" * 129), "id is 129 characters long, more than 128"),
    "id an int": (_bad_asset(id=12), "id is int, not str"),
    "kind too long": (_bad_asset(kind="k" * 33), "kind is 33 characters long"),
    "ward too long": (_bad_asset(ward="w" * 129), "ward is 129 characters long"),
    "NUL in name": (_bad_asset(name="a\x00b"), "name contains a NUL character"),
    "surrogate in name": (_bad_asset(name="a\ud800"), "lone surrogate"),
    "attributes None": (_bad_asset(attributes=None), "attributes is NoneType, not dict"),
    "attributes not JSON": (_bad_asset(attributes={"at": T0}), "attributes is not JSON"),
    "NaN in geometry": (
        _bad_asset(geometry={"type": "Point", "coordinates": [math.nan, 10.0]}),
        "geometry is not JSON",
    ),
    "empty line": (
        _bad_asset(geometry={"type": "LineString", "coordinates": []}),
        "no usable coordinates",
    ),
}

BAD_REPORTS = {
    "category too long": (
        _bad_report(category="c" * 65),
        "category is 65 characters long, more than 64",
    ),
    "lon None": (
        _bad_report(lon=None, lat=None),
        "is not a pair of numbers",
    ),
    "lon a string": (_bad_report(lon="105.0"), "not a pair of numbers"),
    "id too long": (_bad_report(external_id="S" * 129), "external_id is 129 characters long"),
    "description None": (_bad_report(description=None), "missing"),
    "status a list": (_bad_report(status=["open"]), "unknown status"),  # type: ignore[arg-type]
    "media_url too long": (_bad_report(media_url="u" * 1025), "media_url is"),
}

BAD_READINGS = {
    "asset id an int": (Reading(5, "pm25_ugm3", T0, 1.0), "asset id is int, not str"),  # type: ignore[arg-type]
    "asset id a list": (Reading(["aq-00"], "pm25_ugm3", T0, 1.0), "asset id is list"),  # type: ignore[arg-type]
    "metric a list": (Reading("aq-00", ["pm25_ugm3"], T0, 1.0), "metric is list, not str"),  # type: ignore[arg-type]
    "metric None": (Reading("aq-00", None, T0, 1.0), "metric is NoneType"),  # type: ignore[arg-type]
}


def _quarantined(store: Store) -> list[list[str]]:
    q = frame(store, "SELECT record_kind, reason, payload FROM quarantine")
    for payload in q["payload"]:
        json.loads(payload)
    return q[["record_kind", "reason"]].values.tolist()


@pytest.mark.parametrize("bad,reason", BAD_ASSETS.values(), ids=BAD_ASSETS.keys())
def test_a_bad_asset_is_quarantined_and_the_batch_stored(
    store: Store, bad: Asset, reason: str
) -> None:
    good = [Reading("aq-00", "pm25_ugm3", T0, 18.4)]
    result = store.ingest("city", assets=[station(0), bad], readings=good, now=T0)
    assert (result.assets, result.readings, result.quarantined) == (1, 1, 1)
    [[kind, why]] = _quarantined(store)
    assert kind == "asset" and reason in why
    assert frame(store, "SELECT id FROM assets")["id"].tolist() == ["aq-00"]


@pytest.mark.parametrize("bad,reason", BAD_REPORTS.values(), ids=BAD_REPORTS.keys())
def test_a_bad_report_is_quarantined_and_the_batch_stored(
    store: Store, bad: CitizenReport, reason: str
) -> None:
    good = [Reading("aq-00", "pm25_ugm3", T0, 18.4)]
    reports = [report("SR-1", "open", T0), bad]
    result = store.ingest("city", assets=[station(0)], readings=good, reports=reports, now=T0)
    assert (result.readings, result.reports, result.quarantined) == (1, 1, 1)
    [[kind, why]] = _quarantined(store)
    assert kind == "report" and reason in why
    assert frame(store, "SELECT external_id FROM reports")["external_id"].tolist() == ["SR-1"]


@pytest.mark.parametrize("bad,reason", BAD_READINGS.values(), ids=BAD_READINGS.keys())
def test_a_reading_with_a_mistyped_key_is_quarantined_among_new_series(
    store: Store, bad: Reading, reason: str
) -> None:
    """The good reading's series is new, so the batch goes through series creation, which
    sorts asset ids: a mixed-type id once broke that sort for the whole batch."""
    good = [Reading("aq-00", "pm25_ugm3", T0, 18.4)]
    result = store.ingest("city", assets=[station(0)], readings=[bad, *good], now=T0)
    assert (result.readings, result.quarantined) == (1, 1)
    [[kind, why]] = _quarantined(store)
    assert kind == "reading" and reason in why
    assert count(store, "series") == 1


@pytest.mark.parametrize(
    "kind,model", [("asset", AssetRow), ("report", ReportRow)], ids=["asset", "report"]
)
def test_validation_widths_are_the_store_column_widths(kind: str, model: Any) -> None:
    columns = model.__table__.columns
    for name, width in FIELD_LENGTHS[kind].items():
        col_type = columns[name].type
        assert (col_type.length if isinstance(col_type, String) else None) == width, name

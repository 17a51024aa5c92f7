"""The wall's per-refresh reads (rows and arrays, no frames) say what the frames say: the ticker
rows are ticker_events' rows in the same order, the map read's frames are map_state's, and its
`inputs` digest moves exactly when what the segments, stations, gauges or reports layers draw
moves (a lamp change moves the data version, not that digest)."""

from __future__ import annotations

import math
from datetime import timedelta

import pandas as pd

from dashboard.queries.wall import map_read, map_state, ticker_events, ticker_rows
from dashboard.records import Reading
from tests.queries.city import NOW, City, epoch


def _same_events(city: City, at: object) -> int:
    with city.store.read_session() as session:
        frame = ticker_events(session, city.config, at, limit=10_000)  # type: ignore[arg-type]
        found = ticker_rows(session, city.config, at, limit=10_000)  # type: ignore[arg-type]
        top = ticker_rows(session, city.config, at)  # type: ignore[arg-type]
    assert len(found) == len(frame)
    for row, event in zip(found, frame.itertuples(index=False), strict=True):
        assert row.ts == event.ts.to_pydatetime()
        assert (row.kind, row.severity, row.asset_id, row.name) == (
            event.kind,
            event.severity,
            event.asset_id,
            event.name,
        )
        assert row.ward == (event.ward if isinstance(event.ward, str) else None)
        if row.value is None:
            assert math.isnan(event.value)
        else:
            assert row.value == event.value
    assert top == found[:30]
    return len(found)


def test_ticker_rows_are_the_ticker_events_in_order(city: City) -> None:
    assert _same_events(city, NOW) > 30  # enough to be cut to the wall's rows


def test_ticker_rows_with_a_stale_feed_are_the_ticker_events(city: City) -> None:
    later = NOW + timedelta(hours=2)  # the feed has been silent: it is on the ticker
    _same_events(city, later)
    with city.store.read_session() as session:
        kinds = {e.kind for e in ticker_rows(session, city.config, later, limit=10_000)}
    assert "feed_stale" in kinds


def test_map_read_frames_are_map_state(city: City) -> None:
    with city.store.read_session() as session:
        read = map_read(session, NOW)
        state = map_state(session, city.config, NOW)
    built = read.state()
    for name in ("segments", "lamps", "cabinets", "air", "water", "reports"):
        pd.testing.assert_frame_equal(getattr(built, name), getattr(state, name))
    assert built.version == state.version == read.version > 0


def test_inputs_move_with_a_speed_not_with_a_lamp(city: City) -> None:
    def read_now() -> tuple[str, int]:
        with city.store.read_session() as session:
            read = map_read(session, NOW)
        return read.inputs, read.version

    inputs, version = read_now()
    assert read_now() == (inputs, version)  # nothing moved: the same digest

    with city.store.read_session() as session:
        read = map_read(session, NOW)
        lamp = str(read.lamps["id"].iloc[0])
        segment = read.segments.ids[0]
        speed = float(read.segments.speed_kmh[0])
    at = NOW
    assert epoch(at) > version  # the new readings are the newest data
    city.store.ingest("sim", readings=[Reading(lamp, "lamp_on", at, 1.0)], now=NOW)
    assert read_now() == (inputs, epoch(at))  # a lamp moved the version only

    city.store.ingest("sim", readings=[Reading(segment, "speed_kmh", at, speed + 7.0)], now=NOW)
    assert read_now()[0] != inputs

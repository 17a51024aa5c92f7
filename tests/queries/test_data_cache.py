"""The wall's per-process caches (dashboard.queries._answer_cache) answer exactly what a fresh read
answers, and let go as soon as the data they describe moves: the lamps' state, the stations'
VN_AQI of the hour, the lamp fault transitions of the ticker's window."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from dashboard.queries import to_epoch
from dashboard.queries._answer_cache import forget
from dashboard.queries.events import _transitions, lamp_fault_transitions
from dashboard.queries.lamps import lamp_frame
from dashboard.queries.snapshot import station_aqi, station_frame
from dashboard.queries.wall import lamp_state
from dashboard.records import Reading
from tests.queries.city import NOW, City


def test_lamp_state_follows_a_lamp_change(city: City) -> None:
    forget()
    with city.store.read_session() as session:
        lamps, _ = lamp_state(session)
        again, cabinets = lamp_state(session)
        pd.testing.assert_frame_equal(again, lamp_frame(session))
    lamp = lamps[lamps["fault"] == 0].iloc[0]
    at = NOW + timedelta(seconds=20)
    city.store.ingest("sim", readings=[Reading(lamp["id"], "lamp_fault", at, 1.0)], now=at)
    with city.store.read_session() as session:
        after, cabinets_after = lamp_state(session)
        pd.testing.assert_frame_equal(after, lamp_frame(session))
    row = after[after["id"] == lamp["id"]].iloc[0]
    assert (row["fault"], row["ts"]) == (1, to_epoch(at))
    k = cabinets.index[cabinets["id"] == lamp["cabinet"]][0]
    assert cabinets_after.loc[k, "lamps_faulty"] == cabinets.loc[k, "lamps_faulty"] + 1


def test_station_aqi_follows_new_readings_and_the_hour(city: City) -> None:
    forget()
    now_s = to_epoch(NOW)
    with city.store.read_session() as session:
        cached = station_frame(session, now_s)
        assert cached.equals(station_frame(session, now_s))
        fresh = station_aqi(session, now_s)
    clean = fresh.loc[fresh["aqi"].idxmin()]  # a spike will show here
    at = NOW + timedelta(seconds=20)
    spike = Reading(clean["asset_id"], "pm25_ugm3", at, 400.0)
    city.store.ingest("sim", readings=[spike], now=at)
    with city.store.read_session() as session:
        after = station_frame(session, now_s)
        truth = station_aqi(session, now_s)
        later = station_frame(session, now_s + 3600)
        truth_later = station_aqi(session, now_s + 3600)
    assert after.set_index("id")["aqi"].to_dict() == truth.set_index("asset_id")["aqi"].to_dict()
    assert after.set_index("id").loc[clean["asset_id"], "aqi"] > clean["aqi"]
    assert (
        later.set_index("id")["aqi"].fillna(-1).to_dict()
        == truth_later.set_index("asset_id")["aqi"].fillna(-1).to_dict()
    )


def test_fault_transitions_equal_a_read_of_the_window(city: City) -> None:
    forget()
    end = to_epoch(NOW)
    with city.store.read_session() as session:
        for start in (end - 86400, end - 86400 + 1234, end - 3 * 3600 - 17):
            found = lamp_fault_transitions(session, start, end)
            pd.testing.assert_frame_equal(found, _transitions(session, start, end))
        assert len(lamp_fault_transitions(session, end - 86400, end))
        lamps, _ = lamp_state(session)
    lamp = lamps[lamps["fault"] == 0].iloc[0]
    at = NOW + timedelta(seconds=20)
    city.store.ingest("sim", readings=[Reading(lamp["id"], "lamp_fault", at, 1.0)], now=at)
    with city.store.read_session() as session:
        found = lamp_fault_transitions(session, end - 86400 + 20, end + 20)
        pd.testing.assert_frame_equal(found, _transitions(session, end - 86400 + 20, end + 20))
    newest = found.iloc[-1]
    assert (newest["asset_id"], newest["ts"], newest["value"]) == (lamp["id"], end + 20, 1)

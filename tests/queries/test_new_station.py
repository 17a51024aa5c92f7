"""A feed's first hour: a station that measures is listed on /environment before its index.

VN_AQI needs data in two of the last three hours, so a feed plugged in an hour ago has no
index yet; its stations must still show (with "no VN_AQI yet"), not vanish from the page.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard.areas import Areas
from dashboard.config import load_config
from dashboard.figures.drillenv import environment_layers
from dashboard.queries.environment import environment_view
from dashboard.queries.filters import FilterSpec, parse_filter
from dashboard.records import Asset, Reading
from dashboard.store import Store

NOW = datetime(2026, 12, 4, 5, 10, tzinfo=UTC)


def test_a_station_with_one_hour_of_readings_is_listed_without_an_index(store: Store) -> None:
    station = Asset(
        "aq-new", "environment", "air_station", "Trạm mới",
        {"type": "Point", "coordinates": [105.08, 10.01]},
    )  # fmt: skip
    readings = [
        Reading("aq-new", "pm25_ugm3", NOW - timedelta(minutes=m), 30.0 + m) for m in (2, 5, 8)
    ]
    store.ingest("orion", assets=[station], readings=readings, now=NOW)
    areas = Areas.from_config(load_config(env={}))
    spec = FilterSpec(areas.wards.names, areas.zones.names if areas.zones else (), {})
    drill = parse_filter({}, spec, now=NOW, tz=ZoneInfo("Asia/Ho_Chi_Minh")).filter
    with store.read_session() as session:
        ev = environment_view(session, drill, level="zone")
    row = ev.stations.set_index("id").loc["aq-new"]
    assert pd.isna(row["aqi_max"]) and row["band"] is None and row["exceed_h"] == 0
    layer = environment_layers(ev.stations, ev.gauges, "en")[0]
    assert list(layer.frame["label"]) == ["No VN_AQI yet (it needs data in 2 of the last 3 hours)"]

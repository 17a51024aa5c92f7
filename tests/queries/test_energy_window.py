"""Energy for a comparison is never a partial day: data that begins late gives no value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard.queries.snapshot import energy_kwh
from dashboard.records import Asset, Reading
from dashboard.store import Store

CABINET = Asset(
    "cab-1", "lighting", "cabinet", "Tủ điện 1", {"type": "Point", "coordinates": [105.08, 10.01]}
)


def test_energy_of_a_window_the_data_only_partly_covers(store: Store) -> None:
    midnight = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)  # 00:00 in Rạch Giá
    start = midnight + timedelta(hours=3)  # the store's history begins at 03:00
    readings = [
        Reading("cab-1", "power_w", start + timedelta(minutes=15 * k), 4000.0) for k in range(8)
    ]
    store.ingest("sim", assets=[CABINET], readings=readings, now=start + timedelta(hours=3))
    end = int((start + timedelta(hours=2)).timestamp())
    with store.read_session() as s:
        partial = energy_kwh(s, int(midnight.timestamp()), end)
        whole = energy_kwh(s, int(midnight.timestamp()), end, whole_window=True)
        from_start = energy_kwh(s, int(start.timestamp()), end, whole_window=True)
    assert partial == from_start == 8.0  # 4 kW for the two hours that have data
    assert whole is None

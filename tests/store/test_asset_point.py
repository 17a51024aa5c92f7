"""An asset's stored lon/lat is the point area placement used: a line's midpoint along it."""

from __future__ import annotations

import pytest
from shapely.geometry import box

from dashboard.areas import Areas, AreaSet
from dashboard.records import Asset
from dashboard.store import Store
from tests.store.data import T0, frame

# An L-shaped road: 0.01° east, then 0.03° north. Its midpoint along the line is 0.02° in,
# on the northward leg at (105.01, 10.01); its middle vertex is the corner (105.01, 10.00).
ROAD = Asset(
    id="seg-L",
    domain="traffic",
    kind="road_segment",
    name="Lâm Quang Ky",
    geometry={
        "type": "LineString",
        "coordinates": [[105.00, 10.00], [105.01, 10.00], [105.01, 10.03]],
    },
)
# Two wards split at latitude 10.005: the corner lies in the south one, the midpoint north.
WARDS = AreaSet(
    names=("South", "North"),
    polygons=(box(104.9, 9.9, 105.1, 10.005), box(104.9, 10.005, 105.1, 10.1)),
    features=(),
)


def test_a_line_is_stored_at_the_point_its_ward_was_placed_by(store: Store) -> None:
    (placed,) = Areas(wards=WARDS, zones=None).place_assets([ROAD])
    assert placed.ward == "North"
    store.ingest("sim", assets=[placed], now=T0)
    row = frame(store, "SELECT ward, lon, lat FROM assets")
    assert row["ward"].tolist() == ["North"]
    assert row.loc[0, ["lon", "lat"]].tolist() == pytest.approx([105.01, 10.01])
    assert WARDS.name_at(*row.loc[0, ["lon", "lat"]].tolist()) == "North"

"""Three alerts on the seeded store (tests.api.seed), opened through `Store.alerts` as the
engine would: a critical flood alert in ward A (left open), a warning on the air station in
ward B (acknowledged) and a traffic warning in ward A (resolved)."""

from __future__ import annotations

from datetime import timedelta

from dashboard.queries.alert_list import AlertFilter, list_alerts
from dashboard.store import Store
from dashboard.store.alerts import AlertView, Opening
from tests.api.seed import NOW, WARD_A, WARD_B

FLOOD = Opening(
    rule="water-flood-stage",
    scope="asset:light-00001",
    domain="environment",
    title_vi="Mực nước vượt mức ngập lụt",
    title_en="Water level above flood stage",
    severity="critical",
    ward=WARD_A,
    asset_id="light-00001",
    lon=105.0876,
    lat=10.0062,
    value=152.0,
    threshold=140.0,
    unit="cm",
)
AIR = Opening(
    rule="air-bad",
    scope="asset:air-station-01",
    domain="environment",
    title_vi="Chất lượng không khí xấu",
    title_en="Bad air quality",
    severity="warning",
    ward=WARD_B,
    asset_id="air-station-01",
    lon=105.0951,
    lat=9.9987,
    value=171.0,
    threshold=150.0,
)
JAM = Opening(
    rule="traffic-jam",
    scope="asset:traffic-seg-0001",
    domain="traffic",
    title_vi="Ùn tắc giao thông",
    title_en="Traffic jam",
    severity="warning",
    ward=WARD_A,
    asset_id="traffic-seg-0001",
    value=8.0,
    threshold=12.0,
    unit="km/h",
)


def open_alerts(store: Store) -> dict[str, AlertView]:
    """The three alerts (see module doc) by rule, as they stand after their changes."""
    jam = store.alerts.open([JAM], NOW - timedelta(hours=3))[0]
    air = store.alerts.open([AIR], NOW - timedelta(hours=2))[0]
    flood = store.alerts.open([FLOOD], NOW - timedelta(minutes=30))[0]
    store.alerts.resolve([(jam.id, 20.0)], NOW - timedelta(hours=2))
    acked = store.alerts.acknowledge(
        air.id, by="op1", comment="đã báo Sở TN&MT", at=NOW - timedelta(hours=1, minutes=30)
    )
    resolved = store.alerts.resolve([(jam.id, 20.0)], NOW)  # already resolved: no change
    assert resolved == []
    with store.read_session() as session:
        found, _ = list_alerts(session, AlertFilter())
    by_rule = {a.rule: a for a in found}
    assert by_rule["air-bad"] == acked
    return {"flood": flood, "air": acked, "jam": by_rule["traffic-jam"]}

"""No-data rules of several feeds evaluated together give the alerts each gives on its own."""

from __future__ import annotations

from datetime import timedelta

from dashboard.alerts.engine import AlertEngine
from dashboard.config import load_config
from dashboard.records import CitizenReport
from dashboard.store import Store
from tests.alerts.scenario import Recorder, alerts, asset, at, rule, series

# (feed, interval_s): five-minute speeds, a gauge that stopped early, a desk of reports only,
# a dead feed whose data looks recent, one that never delivered
FEEDS = [("sim", 60), ("tide", 300), ("citizens", 120), ("dead", 60), ("never", 60)]
SILENT = [("sim", 3), ("sim", 5), ("tide", 2), ("tide", 12), ("citizens", 3), ("dead", 3)]
SILENT += [("never", 3)]


def _report(minute: float) -> CitizenReport:
    return CitizenReport(
        "r-1", "pothole", "Ổ gà", "open", 105.08, 10.01, at(minute - 30), at(minute)
    )


def _city(store: Store) -> None:
    sim = asset("seg-001", "traffic", "road_segment", free_flow_kmh=50.0)
    speeds = series("seg-001", "speed_kmh", lambda m: 40.0, 60)
    store.ingest("sim", assets=[sim], readings=speeds, now=at(60))
    levels = series("wl-01", "water_level_cm", lambda m: 80.0, 30)
    store.ingest(
        "tide", assets=[asset("wl-01", "water", "water_level")], readings=levels, now=at(30)
    )
    store.ingest("citizens", reports=[_report(50)], now=at(50))
    air = series("air-01", "pm25_ugm3", lambda m: 20.0 if m == 70 else None, 70)
    store.ingest(
        "dead", assets=[asset("air-01", "environment", "air_station")], readings=air, now=at(70)
    )
    store.set_cursor("dead", None, at(10))  # its last success: long before its data's time


def test_no_data_rules_of_several_feeds_together_give_the_alerts_each_gives_alone(
    store: Store,
) -> None:
    _city(store)
    rules = [
        rule(name=f"{mode}-{feed}-{n}", kind="no_data", domain="feeds", source=feed, intervals=n)
        for mode in ("together", "alone")
        for feed, n in SILENT
    ]
    sources = [
        {"name": name, "type": "simulator", "interval_s": s, "enabled": True} for name, s in FEEDS
    ]
    cfg = load_config(env={}, overrides={"sources": sources, "alerts": {"rules": rules}})
    e = AlertEngine(cfg, store, [Recorder()])
    together = [r for r in e.rules if r.name.startswith("together-")]
    alone = [r for r in e.rules if r.name.startswith("alone-")]

    def evaluate(minute: float) -> None:
        e.evaluate(at(minute), rules=together)
        for r in alone:
            e.evaluate(at(minute), rules=[r])

    def by_mode() -> dict[str, dict[str, tuple[object, ...]]]:
        out: dict[str, dict[str, tuple[object, ...]]] = {"together": {}, "alone": {}}
        for a in alerts(store):
            mode, name = a.rule.split("-", 1)
            out[mode][name] = (a.scope, a.status, a.value, a.threshold, a.opened_at, a.resolved_at)
        return out

    evaluate(80)
    found = by_mode()
    assert found["together"] == found["alone"]
    assert {n: v[1] for n, v in found["together"].items()} == {
        "sim-3": "open",  # 20 minutes since its reading, 3 of its 5-minute periods is 15
        "tide-2": "open",
        "citizens-3": "open",
        "dead-3": "open",  # its data is 10 minutes old, its last success 70
    }
    assert found["together"]["sim-3"][2:4] == (1200.0, 900.0)

    store.ingest("sim", readings=series("seg-001", "speed_kmh", lambda m: 40.0, 85), now=at(85))
    evaluate(85)
    found = by_mode()
    assert found["together"] == found["alone"]
    assert found["together"]["sim-3"][1] == "resolved"
    assert found["together"]["sim-3"][5] == at(80) + timedelta(minutes=5)

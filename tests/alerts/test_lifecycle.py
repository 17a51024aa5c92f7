"""Hysteresis, racing engines, acknowledgement rights and audit, silences, notifier faults."""

from __future__ import annotations

import threading

import pytest

from dashboard.alerts.engine import AlertEngine
from dashboard.alerts.notice import AlertNotice
from dashboard.auth.principal import Principal
from dashboard.commands import acknowledge_alert, silence_alerts
from dashboard.config import ConfigError
from dashboard.store import AlertRefused, Store
from tests.alerts.scenario import (
    Recorder,
    alerts,
    asset,
    at,
    config,
    engine,
    recorder,
    rule,
    run,
    series,
)

OPERATOR = Principal("vanhanh", "operator", "user")
VIEWER = Principal("xem", "viewer", "user")
MANAGER = Principal("truongphong", "manager", "user")

HIGH_WATER = rule(
    name="high-water",
    kind="threshold",
    domain="water",
    metric="water_level_cm",
    above=100,
    clear=90,
    severity="warning",
    escalate_after_min=20,
)


def _gauge(store: Store) -> None:
    store.ingest("sim", assets=[asset("wl-01", "water", "water_level")], now=at(0))


def test_a_value_hovering_at_the_threshold_does_not_flap(store: Store) -> None:
    _gauge(store)
    e = engine(store, config([HIGH_WATER]))
    hover = series("wl-01", "water_level_cm", lambda m: 101.0 if int(m / 5) % 2 else 99.0, 120)
    run(e, 0, 120, readings=hover)
    assert [n.event for n in recorder(e).notices] == ["opened", "escalated"]
    (alert,) = alerts(store)
    assert alert.status == "open" and alert.opened_at == at(5)


def test_two_engines_racing_on_one_store_open_each_alert_once(store: Store) -> None:
    _gauge(store)
    store.ingest("sim", readings=series("wl-01", "water_level_cm", lambda m: 130.0, 10), now=at(10))
    cfg = config([HIGH_WATER])
    other = Store(store.url)
    engines = [AlertEngine(cfg, s, [Recorder()]) for s in (store, other)]
    start = threading.Barrier(2)
    told: list[list[AlertNotice]] = [[], []]

    def race(i: int) -> None:
        start.wait()
        told[i] = engines[i].evaluate(at(10))

    threads = [threading.Thread(target=race, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.dispose()
    assert len(alerts(store)) == 1
    assert sorted(n.event for n in told[0] + told[1]) == ["opened"]  # told once, by one


def test_an_operator_acknowledges_with_a_comment_audited_a_viewer_cannot(store: Store) -> None:
    _gauge(store)
    e = engine(store, config([HIGH_WATER]))
    run(e, 5, 5, readings=series("wl-01", "water_level_cm", lambda m: 120.0, 5))
    (alert,) = alerts(store)
    with pytest.raises(AlertRefused):
        acknowledge_alert(store, at(6), VIEWER, alert.id, "tôi xem rồi")
    acked = acknowledge_alert(store, at(7), OPERATOR, alert.id, "Đã cử đội bơm")
    assert (acked.status, acked.acknowledged_by, acked.ack_comment) == (
        "acknowledged",
        "vanhanh",
        "Đã cử đội bơm",
    )
    with pytest.raises(AlertRefused):
        acknowledge_alert(store, at(8), OPERATOR, alert.id, "again")
    entries, _ = store.audit_log.page(0, 10)
    assert [(x.action, x.actor, x.outcome) for x in reversed(entries)] == [
        ("alert.acknowledge", "xem", "denied"),
        ("alert.acknowledge", "vanhanh", "ok"),
    ]
    # the acknowledgement reaches the notifiers at the engine's next tick; no escalation
    e.evaluate(at(60))
    ack = [n for n in recorder(e).notices if n.event == "acknowledged"]
    assert [(n.by, n.comment) for n in ack] == [("vanhanh", "Đã cử đội bơm")]
    assert [n.event for n in recorder(e).notices] == ["opened", "acknowledged"]


def test_a_silenced_alert_tells_nobody_and_does_not_escalate(store: Store) -> None:
    _gauge(store)
    silence_alerts(store, at(0), MANAGER, rule="high-water", scope=None, until=at(60))
    e = engine(store, config([HIGH_WATER]))
    run(e, 5, 50, readings=series("wl-01", "water_level_cm", lambda m: 120.0, 50))
    (alert,) = alerts(store)
    assert alert.silenced and alert.severity == "warning"
    assert recorder(e).notices == []
    with pytest.raises(AlertRefused):
        silence_alerts(store, at(0), OPERATOR, rule="high-water", scope=None, until=at(60))


def test_a_failing_notifier_breaks_neither_the_engine_nor_the_others(store: Store) -> None:
    class Broken:
        def notify(self, notice: AlertNotice) -> None:
            raise RuntimeError("SMTP down")

    _gauge(store)
    good = Recorder()
    e = AlertEngine(config([HIGH_WATER]), store, [Broken(), good])
    run(e, 5, 5, readings=series("wl-01", "water_level_cm", lambda m: 120.0, 5))
    assert [n.event for n in good.notices] == ["opened"]


def test_a_wrong_rule_key_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"alerts\.rules\.0\.abvoe: unknown key"):
        config([{**HIGH_WATER, "abvoe": 3}])
    with pytest.raises(ConfigError, match="no source named 'orion'"):
        config([rule(name="x", kind="no_data", domain="feeds", source="orion")])


def test_an_evaluation_opens_every_alert_its_rule_finds_not_only_the_first_few(
    store: Store,
) -> None:
    """Forty gauges over the line open forty alerts, and a later evaluation opens the next
    ones (PostgreSQL: the same INSERT run far past psycopg's prepare threshold)."""
    gauges = [asset(f"wl-{i:02d}", "water", "water_level") for i in range(60)]
    store.ingest("sim", assets=gauges, now=at(0))
    high = [
        r for i in range(40) for r in series(f"wl-{i:02d}", "water_level_cm", lambda m: 130.0, 5)
    ]
    e = engine(store, config([HIGH_WATER]))
    run(e, 5, 5, readings=high)
    assert len(alerts(store)) == 40
    more = [
        r
        for i in range(40, 60)
        for r in series(f"wl-{i:02d}", "water_level_cm", lambda m: 130.0, 10)
    ]
    run(e, 10, 10, readings=more)
    assert len(alerts(store)) == 60
    assert sorted(n.event for n in recorder(e).notices) == ["opened"] * 60

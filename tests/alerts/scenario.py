"""Scenario data shaped like the simulated city's (assets with the simulator's attributes,
readings on its 5-minute grid) and an engine stepping through them on a clock."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from dashboard.alerts.engine import AlertEngine
from dashboard.alerts.notice import AlertNotice
from dashboard.config import AlertRule, Config, load_config
from dashboard.queries.alert_list import AlertFilter, list_alerts
from dashboard.records import Asset, Reading
from dashboard.store import AlertView, Store

T0 = datetime(2025, 6, 1, 0, 0, tzinfo=UTC)  # 07:00 in Rạch Giá
STEP = timedelta(minutes=5)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def asset(asset_id: str, domain: str, kind: str, **attributes: Any) -> Asset:
    return Asset(
        id=asset_id,
        domain=domain,
        kind=kind,
        name=asset_id,
        geometry={"type": "Point", "coordinates": [105.08, 10.01]},
        ward="Rạch Giá",
        attributes=attributes,
    )


def series(asset_id: str, metric: str, values: Callable[[float], float | None], end: float):
    """Readings every 5 minutes from T0 to `end` minutes; `values(minute)` None: none then."""
    out = []
    m = 0.0
    while m <= end:
        v = values(m)
        if v is not None:
            out.append(Reading(asset_id, metric, at(m), v))
        m += 5
    return out


def config(rules: Sequence[dict[str, Any]] | None = None) -> Config:
    alerts: dict[str, Any] = {} if rules is None else {"rules": list(rules)}
    return load_config(env={}, overrides={"alerts": alerts})


def rule(**kw: Any) -> dict[str, Any]:
    return {"title": {"vi": "Cảnh báo thử", "en": "Test alert"}, **kw}


class Recorder:
    def __init__(self) -> None:
        self.notices: list[AlertNotice] = []

    def notify(self, notice: AlertNotice) -> None:
        self.notices.append(notice)

    def events(self) -> list[tuple[str, str, float]]:
        """(event, scope, minutes after T0) of every notice."""
        return [(n.event, n.scope, (n.at - T0).total_seconds() / 60) for n in self.notices]


def engine(store: Store, cfg: Config, names: Iterable[str] | None = None) -> AlertEngine:
    chosen: list[AlertRule] | None = None
    if names is not None:
        wanted = set(names)
        from dashboard.alerts.engine import rules_of

        chosen = [r for r in rules_of(cfg) if r.name in wanted]
    return AlertEngine(cfg, store, [Recorder()], rules=chosen)


def recorder(e: AlertEngine) -> Recorder:
    r = e.notifiers[0]
    assert isinstance(r, Recorder)
    return r


def run(
    e: AlertEngine,
    start: float,
    end: float,
    every: float = 5,
    readings: Sequence[Reading] = (),
) -> None:
    """Step the clock from `start` to `end` minutes: at each step, the readings up to then
    arrive (as a feed would deliver them), then the engine evaluates."""
    m = start
    pending = sorted(readings, key=lambda r: r.ts)
    while m <= end:
        now = at(m)
        due = [r for r in pending if r.ts <= now]
        pending = pending[len(due) :]
        if due:
            e.store.ingest("sim", readings=due, now=now)
        e.evaluate(now)
        m += every


def alerts(store: Store) -> list[AlertView]:
    with store.read_session() as session:
        found, _ = list_alerts(session, AlertFilter(), limit=1000)
    return sorted(found, key=lambda a: a.id)

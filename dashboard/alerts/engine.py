"""The alert engine: rules against the store's data, alerts through their lifecycle, notices out.

`AlertEngine.evaluate(now)` reads each rule's conditions (`dashboard.queries.alert_eval`, one
statement per rule over all its scopes) and the unresolved alerts, then asks the store to
open the alerts whose condition holds where none is unresolved, resolve those whose clear
condition holds (hysteresis: the clear bound held for the quiet time, so a value hovering
at the threshold neither opens nor clears twice), and escalate the open ones left
unacknowledged past `escalate_after_min`. The store decides each change atomically
(`dashboard.store.alerts`), so engines racing on one store make each change once.

Notices go out from an outbox: every change writes an `alert_events` row, and `deliver()`
claims the rows nobody was told of (each claimed by one engine), builds an `AlertNotice` of
each and hands it to every notifier, after the change committed. Acknowledgements made in a
web process reach the notifiers the same way, at the scheduler's next tick. A notifier's
exception is logged; the engine and the other notifiers go on. Alerts opened inside a
maintenance window (`Store.alerts.silence`) tell nobody and do not escalate.

The scheduler calls `after_ingest(source, now, fed)` when a source's run (or, throttled, a
push subscription: `dashboard.alerts.throttle`) committed data: the rules that read what the
batches carried (`Fed`: their metrics, their reports' categories), not the others'; and
`tick()` on its clock (no-data rules, escalation, the outbox).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from dashboard.alerts.defaults import default_rules
from dashboard.alerts.notice import AlertNotice, Notifier
from dashboard.aqi import METRIC_POLLUTANT
from dashboard.config import AlertRule, Config
from dashboard.config_alerts import VN_AQI
from dashboard.queries import to_epoch
from dashboard.queries.alert_eval import Condition, conditions, no_data
from dashboard.queries.alert_list import Silence, active_silences, unresolved
from dashboard.records import METRICS, Fed
from dashboard.store import AlertView, Opening, Store
from dashboard.store.alerts import Told

__all__ = ["AlertEngine", "reads", "rules_of"]

log = logging.getLogger(__name__)

_RANK = {"info": 0, "warning": 1, "critical": 2}


def rules_of(config: Config) -> list[AlertRule]:
    """The enabled rules: `[[alerts.rules]]`, or the demo city's defaults when none is set."""
    rules = config.alerts.rules
    if rules is None:
        feeds = [(s.name, s.interval_s) for s in config.sources if s.enabled]
        rules = default_rules(feeds)
    return [r for r in rules if r.enabled]


def reads(rule: AlertRule, fed: Fed) -> bool:
    """Whether `rule`'s condition reads what `fed` carried (no-data rules read the clock)."""
    if rule.kind == "no_data":
        return False
    if rule.category is not None:
        return rule.category in fed.categories
    if rule.metric == VN_AQI:
        return not fed.metrics.isdisjoint(METRIC_POLLUTANT)
    return rule.metric in fed.metrics


def _unit(rule: AlertRule) -> str | None:
    if rule.kind == "no_data":
        return "s"
    if rule.kind == "count" or rule.metric is None or rule.metric not in METRICS:
        return None
    return METRICS[rule.metric].unit


class AlertEngine:
    """Evaluates `config`'s rules on `store`; tells `notifiers` (see the module doc)."""

    def __init__(
        self,
        config: Config,
        store: Store,
        notifiers: Iterable[Notifier] = (),
        *,
        clock: Callable[[], datetime] | None = None,
        rules: Sequence[AlertRule] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.notifiers: list[Notifier] = list(notifiers)
        self.rules: list[AlertRule] = list(rules) if rules is not None else rules_of(config)
        self.clock = clock
        self._feeds = {s.name: s for s in config.sources}

    def register(self, notifier: Notifier) -> None:
        """Tell `notifier` of every notice from now on."""
        self.notifiers.append(notifier)

    def _now(self, now: datetime | None) -> datetime:
        if now is not None:
            return now
        if self.clock is None:
            raise ValueError("no time given and the engine has no clock")
        return self.clock()

    # -- the scheduler's entry points -------------------------------------------------------

    def after_ingest(
        self, source: str, now: datetime | None = None, fed: Fed | None = None
    ) -> list[AlertNotice]:
        """After `source`'s data committed: the rules that read what it carried (`fed`; None:
        every rule that reads data, not the no-data rules). Nothing read: nothing done."""
        if fed is None:
            chosen = [r for r in self.rules if r.kind != "no_data"]
        else:
            chosen = [r for r in self.rules if reads(r, fed)]
        if not chosen:
            return []
        return self.evaluate(self._now(now), rules=chosen)

    def tick(self, now: datetime | None = None) -> list[AlertNotice]:
        """On the clock: no-data rules, escalation and the outbox."""
        return self.evaluate(self._now(now), kinds=("no_data",))

    # -- evaluation ------------------------------------------------------------------------

    def evaluate(
        self,
        now: datetime,
        *,
        kinds: Sequence[str] | None = None,
        rules: Sequence[AlertRule] | None = None,
    ) -> list[AlertNotice]:
        """Evaluate the rules (`rules`, else those of `kinds`; None: all) at `now`, escalate,
        deliver; the notices handed to the notifiers."""
        now_s = to_epoch(now)
        if rules is not None:
            chosen = list(rules)
        else:
            chosen = [r for r in self.rules if kinds is None or r.kind in kinds]
        openings: list[Opening] = []
        resolutions: list[tuple[int, float | None]] = []
        with self.store.read_session() as session:
            held = unresolved(session)
            silences = active_silences(session, now)
            by_rule: dict[str, dict[str, AlertView]] = {}
            for alert in held:
                by_rule.setdefault(alert.rule, {})[alert.scope] = alert
            # the no-data rules' feeds read at once, not one statement set per rule
            silent = no_data(
                session, [r for r in chosen if r.kind == "no_data"], now_s, self._feeds
            )
            for rule in chosen:
                found = silent.get(rule) or conditions(
                    session, rule, now_s, self._feeds.get(rule.source or "")
                )
                mine = by_rule.get(rule.name, {})
                o, r = self._changes(rule, found.items, found.absent_clears, mine, silences)
                openings += o
                resolutions += r
        self.store.alerts.open(openings, now)
        self.store.alerts.resolve(resolutions, now)
        resolved = {alert_id for alert_id, _ in resolutions}
        held = [a for a in held if a.id not in resolved]  # what was opened now is not late
        self.store.alerts.escalate(self._escalations(now, held, silences), now)
        return self.deliver(now)

    def _changes(
        self,
        rule: AlertRule,
        found: list[Condition],
        absent_clears: bool,
        mine: dict[str, AlertView],
        silences: list[Silence],
    ) -> tuple[list[Opening], list[tuple[int, float | None]]]:
        openings, resolutions = [], []
        seen = set()
        for c in found:
            seen.add(c.scope)
            alert = mine.get(c.scope)
            if alert is None and c.breach:
                openings.append(self._opening(rule, c, silences))
            elif alert is not None and c.cleared and not c.breach:
                resolutions.append((alert.id, c.value))
        if absent_clears:
            resolutions += [(a.id, 0.0) for scope, a in mine.items() if scope not in seen]
        return openings, resolutions

    def _opening(self, rule: AlertRule, c: Condition, silences: list[Silence]) -> Opening:
        return Opening(
            rule=rule.name,
            scope=c.scope,
            domain=rule.domain,
            title_vi=rule.title.vi,
            title_en=rule.title.en,
            severity=rule.severity,
            ward=c.ward,
            zone=c.zone,
            asset_id=c.asset_id,
            lon=c.lon,
            lat=c.lat,
            value=c.value,
            threshold=c.threshold,
            unit=_unit(rule),
            silenced=any(s.covers(rule.name, c.scope) for s in silences),
        )

    def _escalations(
        self, now: datetime, held: list[AlertView], silences: list[Silence]
    ) -> list[tuple[int, str]]:
        rules = {r.name: r for r in self.rules}
        due: list[tuple[int, str]] = []
        for alert in held:
            rule = rules.get(alert.rule)
            if rule is None or rule.escalate_after_min is None or alert.status != "open":
                continue
            if alert.escalated_at is not None or alert.silenced:
                continue
            if any(s.covers(alert.rule, alert.scope) for s in silences):
                continue
            late = now - alert.opened_at >= timedelta(minutes=rule.escalate_after_min)
            if late and _RANK[rule.escalate_to] > _RANK[alert.severity]:
                due.append((alert.id, rule.escalate_to))
        return due

    # -- the outbox ------------------------------------------------------------------------

    def deliver(self, now: datetime) -> list[AlertNotice]:
        """Claim the events nobody was told of and tell every notifier; the notices."""
        notices = [_notice(told) for told in self.store.alerts.claim_untold(now)]
        for notice in notices:
            for notifier in self.notifiers:
                try:
                    notifier.notify(notice)
                except Exception:
                    log.exception(
                        "notifier %r failed on alert %s (%s)",
                        notifier,
                        notice.alert_id,
                        notice.event,
                    )
        return notices


def _notice(told: Told) -> AlertNotice:
    a = told.alert
    acked = told.event == "acknowledged"
    return AlertNotice(
        alert_id=a.id,
        event=told.event,  # type: ignore[arg-type]
        at=told.at,
        rule=a.rule,
        title_vi=a.title_vi,
        title_en=a.title_en,
        severity=told.severity,  # type: ignore[arg-type]
        domain=a.domain,
        scope=a.scope,
        ward=a.ward,
        zone=a.zone,
        asset_id=a.asset_id,
        lon=a.lon,
        lat=a.lat,
        value=told.value if told.value is not None else a.value,
        threshold=a.threshold,
        unit=a.unit,
        opened_at=a.opened_at,
        comment=told.comment if acked else None,
        by=told.actor if acked else None,
    )

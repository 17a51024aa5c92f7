"""What the alert engine tells the outside world, and the hook it tells it through.

The engine (`dashboard.alerts.engine`) makes one `AlertNotice` per change in an alert's life
(opened, escalated, acknowledged, resolved) and, after that change is committed to the store,
hands it to every registered `Notifier` in the scheduler's process. A notifier that raises is
logged and skipped: it can never break the engine or hold back the other notifiers.
Outbound channels (webhook, mail, CAP feed) implement `Notifier`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

__all__ = ["AlertEvent", "AlertNotice", "Notifier", "Severity"]

AlertEvent = Literal["opened", "escalated", "acknowledged", "resolved"]
Severity = Literal["info", "warning", "critical"]


@dataclass(frozen=True, slots=True)
class AlertNotice:
    """One change in an alert's life that the outside world is told of."""

    alert_id: int
    event: Literal["opened", "escalated", "acknowledged", "resolved"]
    at: datetime  # aware UTC
    rule: str  # the rule's name (stable id)
    title_vi: str
    title_en: str
    severity: Literal["info", "warning", "critical"]
    domain: str  # traffic | lighting | environment | water | reports | feeds
    scope: str  # e.g. "asset:sim:air-03", "ward:Phường Rạch Giá", "source:orion"
    ward: str | None
    zone: str | None
    asset_id: str | None
    lon: float | None
    lat: float | None
    value: float | None  # the value that crossed, in the metric's unit
    threshold: float | None
    unit: str | None
    opened_at: datetime
    comment: str | None = None  # an acknowledgement's comment
    by: str | None = None  # who acknowledged


class Notifier(Protocol):
    """An outbound channel: told of every notice once, after its change is committed."""

    def notify(self, notice: AlertNotice) -> None:
        """Deliver `notice` (or queue it); may raise: the engine logs it and goes on."""
        ...

"""PDF exports outside the web request: the queue's producers, the render workers, delivery.

- `queue_report(store, config, report, at, requested_by)`: queue a run of a `[[reports]]`
  schedule (the scheduler's cron job, and "run now" on /exports), at most one pending each;
- `ExportWorkers` (`dashboard.exports.worker`): the bounded pool rendering the queue with
  `dashboard.pdf.Renderer`, in the scheduler's process;
- `dashboard.exports.deliver`: a scheduled report's folder, e-mail and webhook.

The queue itself is the store's (`Store.exports`); pages queue through `dashboard.commands`.
This module imports neither the renderer nor the app: pages and commands use it.
"""

from __future__ import annotations

from datetime import datetime

from dashboard.auth.principal import ROLES, Role
from dashboard.config import Config, ScheduledReport
from dashboard.store import SchedulePending, Store

__all__ = ["EXPORT_ROLE", "SCHEDULER", "may_export", "queue_report"]

SCHEDULER = "scheduler"  # `requested_by` of the runs the cron schedule makes
EXPORT_ROLE: Role = "manager"  # who may export (README: managers export)


def may_export(role: str | None, disabled: bool = False) -> bool:
    """Does an account of `role` (enabled unless `disabled`) hold the right to export?"""
    return role in ROLES and not disabled and ROLES.index(role) >= ROLES.index(EXPORT_ROLE)  # type: ignore[arg-type]


def queue_report(
    store: Store, config: Config, report: ScheduledReport, at: datetime, requested_by: str
) -> int | None:
    """Queue a run of `report`; its export id, or None while one is already queued or
    running (runs of a report never overlap). It renders with `report.user`'s rights."""
    try:
        return store.exports.enqueue(
            requested_by=requested_by,
            username=report.user,
            path=report.view,
            paper=report.paper,
            landscape=report.landscape,
            lang=report.lang or config.city.language,
            at=at,
            schedule=report.name,
        )
    except SchedulePending:
        return None

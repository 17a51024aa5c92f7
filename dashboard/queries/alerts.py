"""/alerts: the alert engine's alerts for a view, and how fast they were handled.

An alert belongs to a view when it lies in the view's areas (its ward and zone, as the drill
pages filter), matches the page's status, severity and domain, and was live in the window
(opened before its end, and unresolved or resolved after its start). `current` is the open
and acknowledged ones (most severe, then newest first), `history` the resolved ones (newest
resolved first); `timings` the mean minutes to acknowledge and to resolve by rule and ward;
`by_area` the count per area of the view's level.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from dashboard.queries._areas import area_condition
from dashboard.queries.filters import DrillFilter
from dashboard.queries.snapshot import query_frame
from dashboard.records import DOMAINS
from dashboard.store.alerts import ALERT_COLUMNS, AlertView
from dashboard.store.models import AlertRow

__all__ = [
    "DOMAIN_CHOICES",
    "SEVERITY_CHOICES",
    "STATUS_CHOICES",
    "AlertsPage",
    "alerts_page",
]

STATUS_CHOICES = ("all", "open", "acknowledged", "resolved")
SEVERITY_CHOICES = ("all", "critical", "warning", "info")
DOMAIN_CHOICES = ("all", *DOMAINS, "feeds")  # feeds: the no-data rules
_RANK = {"critical": 0, "warning": 1, "info": 2}
PAGE_LIMIT = 2000  # alerts in one view, newest opened first
_COLUMNS = [f.name for f in fields(AlertView)]
_TIMES = ("opened_at", "acknowledged_at", "escalated_at", "resolved_at")


@dataclass(frozen=True)
class AlertsPage:
    """current and history: AlertView's columns (times aware UTC); timings: rule, ward,
    alerts, acked_count, ack_min, resolved_count, resolve_min; by_area: area, alerts."""

    current: pd.DataFrame
    history: pd.DataFrame
    timings: pd.DataFrame
    by_area: pd.DataFrame


def _where(drill: DrillFilter) -> list[ColumnElement[bool]]:
    a = AlertRow
    where = [
        area_condition(a.ward, a.zone, drill.areas),
        a.opened_at <= drill.end,  # an alert opened at the clock's now is in a view ending now
        or_(a.resolved_at.is_(None), a.resolved_at >= drill.start),
    ]
    status, severity, domain = (drill.extra(n) for n in ("status", "severity", "domain"))
    if status != "all":
        where.append(a.status == status)
    if severity != "all":
        where.append(a.severity == severity)
    if domain != "all":
        where.append(a.domain == domain)
    return where


def _minutes(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.total_seconds() / 60


def _timings(alerts: pd.DataFrame) -> pd.DataFrame:
    cols = ["rule", "ward", "alerts", "acked_count", "ack_min", "resolved_count", "resolve_min"]
    if alerts.empty:
        return pd.DataFrame(columns=cols)
    frame = alerts.assign(
        ward=alerts["ward"].fillna(""),
        ack=_minutes(alerts["acknowledged_at"], alerts["opened_at"]),
        res=_minutes(alerts["resolved_at"], alerts["opened_at"]),
    )
    out = (
        frame.groupby(["rule", "ward"])
        .agg(
            alerts=("id", "size"),
            acked_count=("ack", "count"),
            ack_min=("ack", "mean"),
            resolved_count=("res", "count"),
            resolve_min=("res", "mean"),
        )
        .reset_index()
    )
    out["ward"] = out["ward"].replace("", None)
    return out[cols]


def alerts_page(session: Session, drill: DrillFilter, *, level: str) -> AlertsPage:
    """The view's alerts (see module doc); `level` ("ward" or "zone") groups `by_area`."""
    stmt = (
        select(*ALERT_COLUMNS)
        .where(*_where(drill))
        .order_by(AlertRow.opened_at.desc(), AlertRow.id.desc())
        .limit(PAGE_LIMIT)
    )
    alerts = query_frame(session, stmt, _COLUMNS)
    alerts = alerts.assign(**{c: pd.to_datetime(alerts[c], utc=True) for c in _TIMES})
    for c in ("value", "threshold", "resolved_value"):
        alerts[c] = pd.to_numeric(alerts[c])
    live = alerts["status"] != "resolved"
    rank = alerts["severity"].map(_RANK)
    current = (
        alerts[live]
        .assign(_rank=rank[live])
        .sort_values(["_rank", "opened_at"], ascending=[True, False], kind="stable")
        .drop(columns="_rank")
    )
    history = alerts[~live].sort_values("resolved_at", ascending=False, kind="stable")
    by_area = alerts.groupby(level).size().rename("alerts").rename_axis("area").reset_index()
    return AlertsPage(
        current.reset_index(drop=True),
        history.reset_index(drop=True),
        _timings(alerts),
        by_area,
    )

"""The /reports overview: volume by category and area, hotspots, time to acknowledge and to
close against each category's service level, over the same filter as the desk's list.

One statement reads the facts of the matching reports (the desk/feed overlay of
`dashboard.queries.report_desk`: shown status, acknowledgement and closing times); the
aggregates are computed from them in pandas, since medians and percentiles have no portable
SQL. Durations are hours; times aware UTC.

What "acknowledged at" means: the earlier of the desk's acknowledgement and the feed's, which
the ingest keeps as the versions pass (`reports.acknowledged_at`: the first version seen saying
"acknowledged" or "in progress"; Open311 itself keeps no history). A report first seen closed
carries no acknowledgement time, so time to acknowledge counts the reports where it is known
(`acknowledged` in the tables says how many).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.queries.report_desk import (
    ACKNOWLEDGED_AT,
    CLOSED,
    CLOSED_AT,
    STATUS,
    DeskFilter,
    conditions,
    joined,
    prepare,
    sla_hours,
)
from dashboard.store.models import ReportRow

__all__ = [
    "FACT_COLUMNS",
    "TIME_COLUMNS",
    "VOLUME_COLUMNS",
    "ReportSummary",
    "report_facts",
    "response_times",
    "summary",
    "volume_by",
]

FACT_COLUMNS: Final = (
    "id",
    "external_id",
    "category",
    "ward",
    "zone",
    "lon",
    "lat",
    "status",
    "created_at",
    "acknowledged_at",
    "closed_at",
)
VOLUME_COLUMNS: Final = ("key", "reports", "open", "overdue", "closed")
TIME_COLUMNS: Final = (
    "key",
    "reports",
    "acknowledged",
    "ack_median_h",
    "closed",
    "close_median_h",
    "close_p90_h",
    "sla_h",
    "closed_within_sla",
    "within_sla_share",
)


def report_facts(session: Session, filt: DeskFilter, now: datetime) -> pd.DataFrame:
    """The matching reports, one row each: FACT_COLUMNS plus hours_to_ack, hours_to_close
    (NaN when not known / not closed), sla_h, overdue (open past its service level at `now`)."""
    exprs: dict[str, Any] = {
        "id": ReportRow.id,
        "external_id": ReportRow.external_id,
        "category": ReportRow.category,
        "ward": ReportRow.ward,
        "zone": ReportRow.zone,
        "lon": ReportRow.lon,
        "lat": ReportRow.lat,
        "status": STATUS,
        "created_at": ReportRow.created_at,
        "acknowledged_at": ACKNOWLEDGED_AT,
        "closed_at": CLOSED_AT,
    }
    dialect = prepare(session)
    stmt = joined(select(*(e.label(k) for k, e in exprs.items())))
    stmt = stmt.where(*conditions(filt, now, dialect)).order_by(ReportRow.id)
    rows = session.connection().execute(stmt).all()
    frame = pd.DataFrame(rows, columns=list(FACT_COLUMNS))
    for col in ("created_at", "acknowledged_at", "closed_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    for col in ("lon", "lat"):
        frame[col] = frame[col].astype("float64")
    frame["hours_to_ack"] = (
        frame["acknowledged_at"] - frame["created_at"]
    ).dt.total_seconds() / 3600
    frame["hours_to_close"] = (frame["closed_at"] - frame["created_at"]).dt.total_seconds() / 3600
    frame["sla_h"] = frame["category"].map(sla_hours).astype("float64")
    age_h = (pd.Timestamp(now) - frame["created_at"]).dt.total_seconds() / 3600
    frame["overdue"] = ((frame["status"] != CLOSED) & (age_h > frame["sla_h"])).astype(bool)
    return frame


def _key(facts: pd.DataFrame, by: str) -> pd.Series:
    if by not in ("category", "ward", "zone"):
        raise ValueError(f"cannot group reports by {by!r}")
    return facts[by].fillna("")  # "" = outside every area (shown as such by the page)


def volume_by(facts: pd.DataFrame, by: str) -> pd.DataFrame:
    """Reports per `by` (category, ward or zone): VOLUME_COLUMNS, most reports first (ties by
    key). `key` "" gathers the reports outside every area."""
    closed = facts["status"] == CLOSED
    grouped = pd.DataFrame(
        {
            "key": _key(facts, by),
            "reports": 1,
            "open": (~closed).astype(int),
            "overdue": facts["overdue"].astype(int),
            "closed": closed.astype(int),
        }
    ).groupby("key", as_index=False, sort=True)[["reports", "open", "overdue", "closed"]]
    out = grouped.sum().sort_values(["reports", "key"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)[list(VOLUME_COLUMNS)]


def response_times(facts: pd.DataFrame, by: str) -> pd.DataFrame:
    """Time to acknowledge and to close per `by`: TIME_COLUMNS. Medians and the 90th
    percentile in hours over the reports where the time is known; `sla_h` the category's
    service level (NaN when grouped by area); `within_sla_share` the share of the closed
    reports closed within their own category's service level (NaN when none closed)."""
    key = _key(facts, by)
    within = facts["hours_to_close"] <= facts["sla_h"]
    rows = []
    for name, part in facts.groupby(key, sort=True):
        ack = part["hours_to_ack"].dropna()
        close = part["hours_to_close"].dropna()
        n_within = int(within[part.index].sum())
        rows.append(
            {
                "key": name,
                "reports": len(part),
                "acknowledged": len(ack),
                "ack_median_h": float(ack.median()) if len(ack) else np.nan,
                "closed": len(close),
                "close_median_h": float(close.median()) if len(close) else np.nan,
                "close_p90_h": float(close.quantile(0.9)) if len(close) else np.nan,
                "sla_h": sla_hours(str(name)) if by == "category" else np.nan,
                "closed_within_sla": n_within,
                "within_sla_share": n_within / len(close) if len(close) else np.nan,
            }
        )
    out = pd.DataFrame(rows, columns=list(TIME_COLUMNS))
    return out.sort_values(["reports", "key"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )


@dataclass(frozen=True, slots=True)
class ReportSummary:
    """The overview's headline numbers (hours; None when nothing to measure)."""

    received: int
    open: int
    overdue: int
    closed: int
    ack_median_h: float | None
    close_median_h: float | None
    within_sla_share: float | None


def _median(values: pd.Series) -> float | None:
    values = values.dropna()
    return float(values.median()) if len(values) else None


def summary(facts: pd.DataFrame) -> ReportSummary:
    """Headline numbers of `report_facts`' frame."""
    closed = facts["hours_to_close"].dropna()
    within = int((closed <= facts.loc[closed.index, "sla_h"]).sum())
    return ReportSummary(
        received=len(facts),
        open=int((facts["status"] != CLOSED).sum()),
        overdue=int(facts["overdue"].sum()),
        closed=len(closed),
        ack_median_h=_median(facts["hours_to_ack"]),
        close_median_h=_median(facts["hours_to_close"]),
        within_sla_share=within / len(closed) if len(closed) else None,
    )

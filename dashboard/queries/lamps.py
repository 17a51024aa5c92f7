"""The lamps' state from the latest table: every lamp's switch and fault state, counts, and
a cheap signature that tells whether any of it moved (what the wall's caches are keyed by).

Lamps report on change only, so their latest values are their state; a missing state is 0.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from dashboard.queries._statements import rows, statement
from dashboard.queries.snapshot import LAMP_METRICS, asset_signature, query_frame, session_memo
from dashboard.store.models import AssetRow, Latest, Series

__all__ = ["lamp_counts", "lamp_frame", "lamp_signature", "lamp_summary"]


def lamp_frame(session: Session, changed_after: int | None = None) -> pd.DataFrame:
    """Lamps with their latest state: id, lon, lat, cabinet, ward, on (0/1), fault (0/1),
    ts (epoch s of the newer of the two). With `changed_after`, only lamps with a state newer
    than it. A lamp is an asset with a `lamp_on` or `lamp_fault` series; a missing state is 0."""
    # Pivot the two states per lamp first, then meet the assets: half the JSON reads.
    newest = func.max(Latest.ts).label("ts")
    state = (
        select(
            Series.asset_id.label("asset_id"),
            func.max(case((Series.metric == "lamp_on", Latest.value))).label("on"),
            func.max(case((Series.metric == "lamp_fault", Latest.value))).label("fault"),
            newest,
        )
        .join(Latest, Latest.series_id == Series.id)
        .where(Series.metric.in_(LAMP_METRICS))
        .group_by(Series.asset_id)
    )
    if changed_after is not None:
        # Pivot only the lamps with a newer state (few, usually none), not all of them.
        newer = (
            select(Series.asset_id)
            .join(Latest, Latest.series_id == Series.id)
            .where(Series.metric.in_(LAMP_METRICS), Latest.ts > changed_after)
        )
        state = state.where(Series.asset_id.in_(newer)).having(func.max(Latest.ts) > changed_after)
    lamps = state.subquery()
    cabinet = AssetRow.attributes["cabinet_id"].as_string()
    stmt = (
        select(AssetRow.id, AssetRow.lon, AssetRow.lat, cabinet, AssetRow.ward)
        .add_columns(lamps.c.on, lamps.c.fault, lamps.c.ts)
        .join(lamps, lamps.c.asset_id == AssetRow.id)
        .order_by(AssetRow.id)
    )
    columns = ["id", "lon", "lat", "cabinet", "ward", "on", "fault", "ts"]
    frame = query_frame(session, stmt, columns)
    for col in ("on", "fault"):
        frame[col] = (frame[col].astype("float64").fillna(0.0) >= 0.5).astype("int8")
    frame["ts"] = frame["ts"].astype("int64")
    frame[["lon", "lat"]] = frame[["lon", "lat"]].astype("float64")
    return frame


@statement
def _summary_stmt() -> Any:
    return (
        select(
            Series.metric,
            func.count(),
            func.coalesce(func.sum(case((Latest.value >= 0.5, 1), else_=0)), 0),
            func.max(Latest.ts),
            func.sum(Latest.ts),
        )
        .join(Latest, Latest.series_id == Series.id)
        .where(Series.metric.in_(LAMP_METRICS))
        .group_by(Series.metric)
    )


def lamp_summary(session: Session) -> dict[str, tuple[int, int, int, int]]:
    """Per lamp metric: (lamps with a state, lamps whose latest value is 1, newest ts, sum of
    the lamps' latest ts). The sum grows whenever any lamp's latest state moves, so it tells
    a changed lamp state apart from an unchanged one without reading the lamps. Once per
    read session."""

    def read() -> dict[str, tuple[int, int, int, int]]:
        found = rows(session, _summary_stmt())
        return {m: (int(n), int(ones), int(ts), int(total)) for m, n, ones, ts, total in found}

    return dict(session_memo(session, ("lamp_summary",), read))


def lamp_counts(session: Session) -> dict[str, tuple[int, int, int]]:
    """Per lamp metric: (lamps with a state, lamps whose latest value is 1, newest ts)."""
    return {m: (n, ones, ts) for m, (n, ones, ts, _) in lamp_summary(session).items()}


def lamp_signature(session: Session) -> tuple[Hashable, ...]:
    """What the lamps' state and the lighting map are computed from, in a few numbers: the
    lamp states' summary and the assets' count and newest update (a lamp or cabinet added,
    moved or re-attached changes it). Equal signatures: equal lamp_frame and cabinet_frame."""
    return (tuple(sorted(lamp_summary(session).items())), asset_signature(session))

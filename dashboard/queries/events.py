"""What happened in the city: lamp events from raw readings (bounded), and the wall's ticker.

Lamps report on change only, so their raw readings are sparse events; the two functions that
read them are the only reads of raw readings on the wall, and both are bounded: one index seek
per lamp series (`lamp_states_at`), or the lamp_fault readings of one window
(`lamp_fault_transitions`). Everything else here comes from latest values and rollups.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from dashboard.config import Config
from dashboard.queries import to_epoch
from dashboard.queries.datacache import cached
from dashboard.queries.lamps import lamp_summary
from dashboard.queries.quality import feed_quality
from dashboard.queries.snapshot import (
    HOUR_S,
    LAMP_METRICS,
    query_frame,
    segments_now,
    session_memo,
    station_frame,
    water_frame,
)
from dashboard.store.models import AssetRow, Latest, ReadingRow, ReportRow, Series

__all__ = [
    "TICKER_COLUMNS",
    "TICKER_KINDS",
    "lamp_fault_transitions",
    "lamp_states_at",
    "ticker_events",
]

TICKER_KINDS = (
    "lamp_failed",
    "lamp_repaired",
    "segment_jammed",
    "report_new",
    "feed_stale",
    "aqi_bad",
    "water_high",
)
TICKER_COLUMNS = ("ts", "kind", "severity", "asset_id", "name", "ward", "value")
TICKER_WINDOW = timedelta(hours=24)
AQI_BAD_ABOVE = 150  # VN_AQI "Xấu" (bad) and worse


def lamp_states_at(session: Session, at: int) -> dict[str, tuple[int, int]]:
    """Per lamp metric, (lamps whose state at `at` is known, lamps whose state was 1).

    The state at `at` is the series' latest value when that is not newer than `at`, else the
    value of its newest raw reading at or before `at` (one index seek, only for the series
    that changed since). A lamp with neither is unknown and left out.
    """
    newest_raw = (
        select(ReadingRow.value)
        .where(ReadingRow.series_id == Series.id, ReadingRow.ts <= at)
        .order_by(ReadingRow.ts.desc())
        .limit(1)
        .correlate(Series)
        .scalar_subquery()
    )
    # A series whose latest reading is not newer than `at` needs no seek: that is its state.
    state = case((Latest.ts <= at, Latest.value), else_=newest_raw).label("state")
    per_series = (
        select(Series.metric.label("metric"), state)
        .join(Latest, Latest.series_id == Series.id)
        .where(Series.metric.in_(LAMP_METRICS))
        .subquery()
    )
    stmt = (
        select(
            per_series.c.metric,
            func.count(per_series.c.state),
            func.coalesce(func.sum(case((per_series.c.state >= 0.5, 1), else_=0)), 0),
        )
        .where(per_series.c.state.is_not(None))
        .group_by(per_series.c.metric)
    )
    return {m: (int(n), int(ones)) for m, n, ones in session.execute(stmt).all()}


def lamp_fault_transitions(session: Session, start: int, end: int) -> pd.DataFrame:
    """Lamps that failed or were repaired in (start, end]: asset_id, name, ward, ts (epoch s),
    value (1 failed, 0 repaired). A reading repeating the previous value (a connector's state
    snapshot) is no transition; a lamp's first reading counts only when it says "faulty".

    Read for whole hours around the window and kept per process (`datacache`) while the
    lamp_fault states stand still (snapshot.lamp_summary: a new fault reading moves it), then
    cut to (start, end]: each transition depends on its reading and the one before, never on
    the window, so the cut equals a read of the window itself."""
    first, last = start // HOUR_S * HOUR_S, (end // HOUR_S + 1) * HOUR_S
    key = (lamp_summary(session).get("lamp_fault"), first, last)
    found = cached(
        session, "lamp_fault_transitions", key, lambda: _transitions(session, first, last)
    )
    inside = (found["ts"] > start) & (found["ts"] <= end)
    return found[inside].reset_index(drop=True)


def _transitions(session: Session, start: int, end: int) -> pd.DataFrame:
    # Only series with a reading after `start` can have one in the window: the latest table
    # names them, and an explicit id list keeps PostgreSQL on the primary key (given a
    # subquery it scans the whole readings table in parallel).
    recent = list(
        session.scalars(
            select(Series.id)
            .join(Latest, Latest.series_id == Series.id)
            .where(Series.metric == "lamp_fault", Latest.ts > start)
        )
    )
    before = aliased(ReadingRow)
    before = aliased(ReadingRow)
    previous = (
        select(before.value)
        .where(before.series_id == ReadingRow.series_id, before.ts < ReadingRow.ts)
        .order_by(before.ts.desc())
        .limit(1)
        .correlate(ReadingRow)
        .scalar_subquery()
    )
    stmt = (
        select(AssetRow.id, AssetRow.name, AssetRow.ward, ReadingRow.ts, ReadingRow.value, previous)
        .join(Series, Series.id == ReadingRow.series_id)
        .join(AssetRow, AssetRow.id == Series.asset_id)
        .where(ReadingRow.series_id.in_(recent), ReadingRow.ts > start, ReadingRow.ts <= end)
        .order_by(ReadingRow.ts, AssetRow.id)
    )
    names = ["asset_id", "name", "ward", "ts", "value", "previous"]
    frame = query_frame(session, stmt, names)
    value = (frame["value"].astype("float64") >= 0.5).astype("int8")
    prev = frame["previous"].astype("float64")
    changed = prev.isna() & (value == 1) | prev.notna() & (value != (prev >= 0.5).astype("int8"))
    frame = frame.assign(value=value)[changed].drop(columns="previous")
    frame["ts"] = frame["ts"].astype("int64")
    return frame.reset_index(drop=True)


def _frame(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(TICKER_COLUMNS))
    frame["ts"] = pd.to_datetime(frame["ts"].astype("int64"), unit="s", utc=True)
    frame["value"] = frame["value"].astype("float64")
    return frame


def ticker_events(session: Session, config: Config, now: datetime, limit: int = 30) -> pd.DataFrame:
    """The newest events and bad conditions, newest first, at most `limit` rows.

    Columns: ts (aware UTC), kind (TICKER_KINDS), severity ("info", "warn", "bad"),
    asset_id, name, ward, value. What each kind means and what its value is:
    lamp_failed / lamp_repaired — a lamp_fault transition in the last 24 h (warn / info; NaN);
    segment_jammed — a segment whose latest speed / free-flow speed is below
    config.wall.congested_below, at its latest reading (bad below half that, else warn;
    speed km/h); report_new — a report created in the last 24 h (info; asset_id = its external
    id, name = its category; NaN); feed_stale — a stale feed (quality.feed_quality), at
    stale_since (bad; age s); aqi_bad — a station with VN_AQI > 150 (bad; the index);
    water_high — a gauge above its alert stage (warn) or flood stage (bad; level cm).
    """
    now_s = to_epoch(now)
    since = now - TICKER_WINDOW
    rows: list[tuple[object, ...]] = []
    lamps = lamp_fault_transitions(session, to_epoch(since), now_s)
    for lamp in lamps.itertuples(index=False):
        kind, severity = ("lamp_failed", "warn") if lamp.value else ("lamp_repaired", "info")
        rows.append((lamp.ts, kind, severity, lamp.asset_id, lamp.name, lamp.ward, None))
    threshold = config.wall.congested_below
    segments = segments_now(session, now_s)
    for seg in segments[segments["ratio"] < threshold].itertuples(index=False):
        severity = "bad" if seg.ratio < threshold / 2 else "warn"
        rows.append((seg.ts, "segment_jammed", severity, seg.id, seg.name, seg.ward, seg.speed_kmh))
    new = session.execute(
        select(
            ReportRow.created_at, ReportRow.external_id, ReportRow.category, ReportRow.ward
        ).where(ReportRow.created_at > since, ReportRow.created_at <= now)
    ).all()
    for created, ext, category, ward in new:
        rows.append((to_epoch(created), "report_new", "info", ext, category, ward, None))
    for feed in feed_quality(session, config, now):
        if feed.stale:
            at = to_epoch(feed.stale_since) if feed.stale_since else now_s
            rows.append((at, "feed_stale", "bad", feed.source, feed.source, None, feed.age_s))
    air = session_memo(session, ("stations", now_s), lambda: station_frame(session, now_s))
    for st in air[air["aqi"] > AQI_BAD_ABOVE].itertuples(index=False):
        rows.append((st.ts, "aqi_bad", "bad", st.id, st.name, st.ward, st.aqi))
    water = session_memo(session, ("gauges", now_s), lambda: water_frame(session))
    for g in water[water["level_cm"] > water["alert_stage_cm"]].itertuples(index=False):
        severity = "bad" if g.level_cm > g.flood_stage_cm else "warn"
        rows.append((g.ts, "water_high", severity, g.id, g.name, g.ward, g.level_cm))
    rank = {"bad": 0, "warn": 1, "info": 2}
    frame = _frame(rows)
    frame["_rank"] = frame["severity"].map(rank)
    frame = frame.sort_values(
        ["ts", "_rank", "kind", "asset_id"], ascending=[False, True, True, True]
    )
    return frame.drop(columns="_rank").head(limit).reset_index(drop=True)

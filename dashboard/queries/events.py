"""What happened in the city: lamp events from raw readings (bounded), and the wall's ticker.

Lamps report on change only, so their raw readings are sparse events; the two functions that
read them are the only reads of raw readings on the wall, and both are bounded: one index seek
per lamp series (`lamp_states_at`), or the lamp_fault readings of one window
(`lamp_fault_transitions`). Everything else here comes from latest values and rollups.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import Session, aliased

from dashboard.config import Config
from dashboard.queries import from_epoch, to_epoch
from dashboard.queries._answer_cache import cached
from dashboard.queries._statements import rows, statement
from dashboard.queries.airnow import stations_at
from dashboard.queries.citynow import gauges_now, segments_at
from dashboard.queries.lamps import lamp_summary
from dashboard.queries.quality import feed_quality
from dashboard.queries.snapshot import HOUR_S, LAMP_METRICS, query_frame
from dashboard.store.models import AssetRow, Latest, ReadingRow, ReportRow, Series

__all__ = [
    "TICKER_COLUMNS",
    "TICKER_KINDS",
    "TickerEvent",
    "lamp_fault_transition_rows",
    "lamp_fault_transitions",
    "lamp_states_at",
    "ticker_events",
    "ticker_rows",
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

    Read for whole hours around the window and kept per process (`_answer_cache`) while the
    lamp_fault states stand still (snapshot.lamp_summary: a new fault reading moves it), then
    cut to (start, end]: each transition depends on its reading and the one before, never on
    the window, so the cut equals a read of the window itself."""
    found, _ = _hourly_transitions(session, start, end)
    inside = (found["ts"] > start) & (found["ts"] <= end)
    return found[inside].reset_index(drop=True)


def lamp_fault_transition_rows(session: Session, start: int, end: int) -> list[tuple[Any, ...]]:
    """lamp_fault_transitions as rows (asset_id, name, ward, ts, value), without a frame."""
    _, found = _hourly_transitions(session, start, end)
    return [row for row in found if start < row[3] <= end]


def _hourly_transitions(
    session: Session, start: int, end: int
) -> tuple[pd.DataFrame, tuple[tuple[Any, ...], ...]]:
    """The transitions of the whole hours around (start, end], as a frame and as rows
    (asset_id, name, ward, ts, value), from the process cache (see lamp_fault_transitions)."""
    first, last = start // HOUR_S * HOUR_S, (end // HOUR_S + 1) * HOUR_S
    key = (lamp_summary(session).get("lamp_fault"), first, last)

    def read() -> tuple[pd.DataFrame, tuple[tuple[Any, ...], ...]]:
        frame = _transitions(session, first, last)
        return frame, tuple(frame.itertuples(index=False, name=None))

    found: tuple[pd.DataFrame, tuple[tuple[Any, ...], ...]] = cached(
        session, "lamp_fault_transitions", key, read
    )
    return found


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


class TickerEvent(NamedTuple):
    """One ticker row (see ticker_events): ts aware UTC, value None when it has none."""

    ts: datetime
    kind: str
    severity: str
    asset_id: str
    name: str
    ward: str | None
    value: float | None


@statement
def _new_reports_stmt() -> Any:
    return select(
        ReportRow.created_at, ReportRow.external_id, ReportRow.category, ReportRow.ward
    ).where(ReportRow.created_at > bindparam("since"), ReportRow.created_at <= bindparam("now"))


def _candidates(session: Session, config: Config, now: datetime) -> list[tuple[Any, ...]]:
    """Every ticker event at `now`, unsorted: (ts epoch s, kind, severity, asset_id, name,
    ward, value or None)."""
    now_s = to_epoch(now)
    since = now - TICKER_WINDOW
    start = to_epoch(since)
    found: list[tuple[Any, ...]] = []
    for asset_id, name, ward, ts, value in lamp_fault_transition_rows(session, start, now_s):
        kind, severity = ("lamp_failed", "warn") if value else ("lamp_repaired", "info")
        found.append((ts, kind, severity, asset_id, name, ward, None))
    threshold = config.wall.congested_below
    segs = segments_at(session, now_s)
    for k in np.flatnonzero(segs.ratio < threshold):
        severity = "bad" if segs.ratio[k] < threshold / 2 else "warn"
        speed = float(segs.speed_kmh[k])
        found.append(
            (
                int(segs.ts[k]),
                "segment_jammed",
                severity,
                segs.ids[k],
                segs.names[k],
                segs.wards[k],
                speed,
            )
        )
    new = rows(session, _new_reports_stmt(), {"since": since, "now": now})
    for created, ext, category, ward in new:
        found.append((to_epoch(created), "report_new", "info", ext, category, ward, None))
    for feed in feed_quality(session, config, now):
        if feed.stale:
            at = to_epoch(feed.stale_since) if feed.stale_since else now_s
            found.append((at, "feed_stale", "bad", feed.source, feed.source, None, feed.age_s))
    air = stations_at(session, now_s)
    for k in np.flatnonzero(air.aqi > AQI_BAD_ABOVE):
        found.append(
            (air.ts[k], "aqi_bad", "bad", air.ids[k], air.names[k], air.wards[k], float(air.aqi[k]))
        )
    water = gauges_now(session, now_s)
    for k in np.flatnonzero(water.level_cm > water.alert_stage_cm):
        level = float(water.level_cm[k])
        severity = "bad" if level > water.flood_stage_cm[k] else "warn"
        ts = int(water.ts[k])
        found.append(
            (ts, "water_high", severity, water.ids[k], water.names[k], water.wards[k], level)
        )
    return found


_RANK = {"bad": 0, "warn": 1, "info": 2}


def ticker_rows(
    session: Session, config: Config, now: datetime, limit: int = 30
) -> list[TickerEvent]:
    """ticker_events as rows: the same events in the same order, without a DataFrame."""
    found = sorted(
        _candidates(session, config, now), key=lambda r: (-r[0], _RANK[r[2]], r[1], r[3])
    )
    return [
        TickerEvent(from_epoch(int(r[0])), r[1], r[2], r[3], r[4], r[5], r[6])
        for r in found[:limit]
    ]


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
    frame = _frame(_candidates(session, config, now))
    frame["_rank"] = frame["severity"].map(_RANK)
    frame = frame.sort_values(
        ["ts", "_rank", "kind", "asset_id"], ascending=[False, True, True, True]
    )
    return frame.drop(columns="_rank").head(limit).reset_index(drop=True)

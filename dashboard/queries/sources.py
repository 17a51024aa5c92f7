"""Feed health for the /sources page, /healthz and /api/v1/sources.

A feed's health joins what the configuration says (type, interval, enabled) with what the store
recorded (`source_runs`: each run's outcome; `source_state`: last success, last error, paused)
and with the data it delivered. Times are aware UTC datetimes; ages and intervals are seconds.
"Now" is an argument, never read from the clock here, so the same data always gives the same
answer.

A feed's freshness is defined here once (`feed_freshness`), and the wall's feed strip and
banner, /sources, /healthz and /api/v1/sources all show it:

- data_as_of: the newest record the feed delivered — the newest reading of its assets' series
  (`latest`), or its newest citizen report (`reports.updated_at`) — never its last run nor its
  cursor (a run that stores nothing does not make a feed's data younger).
- age_s: now − data_as_of; None when it delivered nothing yet.
- stale: no data at all, or age_s > stale factor × the longer of the feed's interval and its
  data's own period (a 60-s feed whose sensors report every 5 minutes is live with a 4-minute
  old reading), or its last success older than stale factor × its interval (a dead feed whose
  data carries recent-looking times is still dead). The period is read from the hour before
  the newest reading's of the feed's most recent periodic series (`rollup_1h`: 3600 s / its
  readings); lamp events have none. stale_since: the first instant either limit was passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import pandas as pd
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from dashboard.config import Config, SourceConfig
from dashboard.queries import to_epoch
from dashboard.queries._statements import rows
from dashboard.queries.snapshot import EVENT_METRICS, HOUR_S
from dashboard.store.models import (
    AssetRow,
    Latest,
    ReportRow,
    Rollup1h,
    Series,
    SourceRun,
    SourceState,
)

__all__ = [
    "STALE_FACTOR",
    "FeedRecord",
    "Freshness",
    "Health",
    "SourceHealth",
    "feed_freshness",
    "feed_records",
    "freshness_of",
    "run_history",
    "source_health",
]

# A feed is stale when its data is older than this many intervals.
STALE_FACTOR = 3


class Health(StrEnum):
    """One word for a feed's state, most urgent first when several apply."""

    DISABLED = "disabled"
    PAUSED = "paused"
    NEVER = "never"
    ERROR = "error"
    STALE = "stale"
    RUNNING = "running"
    OK = "ok"


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """The health of one configured feed at `now` (datetimes aware UTC, durations in seconds)."""

    name: str
    type: str
    interval_s: int
    enabled: bool
    paused: bool
    health: Health
    stale: bool
    last_run_status: str | None  # running, ok, error; None when it never ran
    last_run_started: datetime | None
    last_run_ended: datetime | None
    rows: int | None  # stored by the last run
    rejected: int | None  # rejected by the last run
    data_as_of: datetime | None  # the newest record it delivered (feed_freshness)
    age_s: float | None  # now - data_as_of
    next_run: datetime | None  # last run start + interval; None when due, paused or disabled
    due: bool
    last_error: str | None
    last_error_at: datetime | None
    # A push source's link (None for pull sources, or no link held): connected, retrying,
    # failing; since when; why it retries or fails.
    link: str | None = None
    link_since: datetime | None = None
    link_detail: str | None = None


@dataclass(frozen=True, slots=True)
class Freshness:
    """How fresh one feed's data is at `now` (module docstring): times aware UTC, seconds."""

    data_as_of: datetime | None
    age_s: float | None
    period_s: float  # its data's own period; 0 when unknown
    stale: bool
    stale_since: datetime | None


def aware(at: datetime | str | None) -> datetime | None:
    """An aggregate's datetime as aware UTC: SQLite hands back the raw stored value (a naive
    UTC datetime, or its text) without the column's type processing; PostgreSQL an aware one."""
    if at is None:
        return None
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _newest_readings(session: Session, names: list[str]) -> dict[str, int]:
    stmt = (
        select(AssetRow.source, func.max(Latest.ts))
        .join(Series, Series.asset_id == AssetRow.id)
        .join(Latest, Latest.series_id == Series.id)
        .where(AssetRow.source.in_(names))
        .group_by(AssetRow.source)
    )
    return {src: int(ts) for src, ts in rows(session, stmt) if ts is not None}


def _periods(session: Session, names: list[str]) -> dict[str, float]:
    """Per feed, 3600 s / the readings of its most recent periodic series in the hour before
    that series' newest reading's hour (rollup_1h, by primary key; one statement). Lamps
    report on change only (EVENT_METRICS): their series say nothing of a feed's period."""
    newest = (
        select(
            AssetRow.source.label("source"),
            Series.id.label("sid"),
            Latest.ts.label("ts"),
            func.row_number()
            .over(partition_by=AssetRow.source, order_by=(Latest.ts.desc(), Series.id))
            .label("rank"),
        )
        .join(Series, Series.asset_id == AssetRow.id)
        .join(Latest, Latest.series_id == Series.id)
        .where(AssetRow.source.in_(names), Series.metric.not_in(EVENT_METRICS))
        .subquery()
    )
    hour_before = newest.c.ts - newest.c.ts % HOUR_S - HOUR_S
    stmt = (
        select(newest.c.source, Rollup1h.count)
        .outerjoin(
            Rollup1h, and_(Rollup1h.series_id == newest.c.sid, Rollup1h.bucket == hour_before)
        )
        .where(newest.c.rank == 1)
    )
    return {src: HOUR_S / count if count else 0.0 for src, count in rows(session, stmt)}


@dataclass(frozen=True, slots=True)
class FeedRecord:
    """What the store holds of one feed, whatever the stale factor: its newest record
    (epoch s; None: nothing delivered), its data's period (s; 0 when unknown) and its last
    success (aware UTC; None: never)."""

    newest: int | None
    period_s: float
    last_success: datetime | None


def feed_records(session: Session, names: Sequence[str]) -> dict[str, FeedRecord]:
    """The `FeedRecord` of each feed in `names`, by name: four statements for all of them."""
    names = list(names)
    if not names:
        return {}
    readings = _newest_readings(session, names)
    reports_stmt = (
        select(ReportRow.source, func.max(ReportRow.updated_at))
        .where(ReportRow.source.in_(names))
        .group_by(ReportRow.source)
    )
    reports = {src: aware(at) for src, at in rows(session, reports_stmt)}
    periods = _periods(session, names)
    success_stmt = select(SourceState.source, SourceState.last_success_at).where(
        SourceState.source.in_(names)
    )
    successes = dict(rows(session, success_stmt))
    out: dict[str, FeedRecord] = {}
    for name in names:
        times = [t for t in (readings.get(name), reports.get(name)) if t is not None]
        newest = max((t if isinstance(t, int) else to_epoch(t) for t in times), default=None)
        out[name] = FeedRecord(newest, periods.get(name, 0.0), aware(successes.get(name)))
    return out


def freshness_of(
    cfg: SourceConfig, record: FeedRecord, now: datetime, factor: float = STALE_FACTOR
) -> Freshness:
    """`cfg`'s freshness at `now` (aware) from what the store holds of it (module docstring)."""
    newest = record.newest
    as_of = None if newest is None else datetime.fromtimestamp(newest, UTC)
    period = record.period_s
    age = None if as_of is None else (now - as_of).total_seconds()
    # Stale from the first instant either the data or the feed itself is too old.
    limits = (
        [] if as_of is None else [as_of + timedelta(seconds=factor * max(cfg.interval_s, period))]
    )
    if record.last_success is not None:
        limits.append(record.last_success + timedelta(seconds=factor * cfg.interval_s))
    since = min(limits) if as_of is not None else None
    stale = since is None or now > since
    return Freshness(as_of, age, period, stale, since if stale else None)


def feed_freshness(
    session: Session,
    sources: Sequence[SourceConfig],
    now: datetime,
    factor: float = STALE_FACTOR,
) -> dict[str, Freshness]:
    """The freshness of each of `sources` at `now` (aware), by name (module docstring)."""
    records = feed_records(session, [s.name for s in sources])
    return {cfg.name: freshness_of(cfg, records[cfg.name], now, factor) for cfg in sources}


def _health(
    cfg: SourceConfig,
    paused: bool,
    status: str | None,
    has_data: bool,
    stale: bool,
    link: str | None = None,
) -> Health:
    if not cfg.enabled:
        return Health.DISABLED
    if paused:
        return Health.PAUSED
    if link == "failing":
        return Health.ERROR
    if status is None and not has_data:
        return Health.NEVER
    if status == "error":
        return Health.ERROR
    if stale:
        return Health.STALE
    if status == "running":
        return Health.RUNNING
    return Health.OK


def source_health(session: Session, config: Config, now: datetime) -> list[SourceHealth]:
    """Health of each of config.sources at `now` (aware), in configuration order; its age
    and staleness are `feed_freshness`'s at config.wall.stale_factor, as on the wall (read
    from the config here, so no screen can judge staleness by another threshold).

    A few queries whatever the number of feeds: the newest run of each, their states and
    their freshness. Runs of sources no longer configured are ignored.
    """
    sources = config.sources
    names = [s.name for s in sources]
    if not names:
        return []
    newest = (
        select(
            SourceRun,
            func.row_number()
            .over(
                partition_by=SourceRun.source,
                order_by=(SourceRun.started_at.desc(), SourceRun.id.desc()),
            )
            .label("rank"),
        )
        .where(SourceRun.source.in_(names))
        .subquery()
    )
    last_run = aliased(SourceRun, newest)
    last_runs = {
        run.source: run for run in session.scalars(select(last_run).where(newest.c.rank == 1))
    }
    states = {
        st.source: st
        for st in session.scalars(select(SourceState).where(SourceState.source.in_(names)))
    }
    fresh = feed_freshness(session, sources, now, config.wall.stale_factor)
    return [
        _one(cfg, last_runs.get(cfg.name), states.get(cfg.name), fresh[cfg.name], now)
        for cfg in sources
    ]


def _one(
    cfg: SourceConfig,
    run: SourceRun | None,
    state: SourceState | None,
    fresh: Freshness,
    now: datetime,
) -> SourceHealth:
    paused = bool(state and state.paused)
    as_of, age = fresh.data_as_of, fresh.age_s
    active = cfg.enabled and not paused
    stale = active and run is not None and fresh.stale
    link = state.link if state else None
    next_run: datetime | None = None
    due = False
    if active and link is None:  # a push source held by a supervisor runs on no interval
        if run is None:
            due = True
        else:
            next_run = run.started_at + timedelta(seconds=cfg.interval_s)
            due = next_run <= now
            next_run = None if due else next_run
    status = run.status if run else None
    return SourceHealth(
        name=cfg.name,
        type=cfg.type,
        interval_s=cfg.interval_s,
        enabled=cfg.enabled,
        paused=paused,
        health=_health(cfg, paused, status, as_of is not None, stale, link),
        stale=stale,
        last_run_status=status,
        last_run_started=run.started_at if run else None,
        last_run_ended=run.ended_at if run else None,
        rows=run.rows if run else None,
        rejected=run.rejected if run else None,
        data_as_of=as_of,
        age_s=age,
        next_run=next_run,
        due=due,
        last_error=state.last_error if state else None,
        last_error_at=state.last_error_at if state else None,
        link=link,
        link_since=state.link_since if state and link else None,
        link_detail=state.link_detail if state and link else None,
    )


HISTORY_COLUMNS = ("started_at", "ended_at", "status", "rows", "rejected", "duration_s", "error")


def run_history(session: Session, source: str, limit: int = 20) -> pd.DataFrame:
    """The newest `limit` runs of `source`, newest first.

    Columns: started_at, ended_at (aware UTC; ended_at NaT while running), status, rows,
    rejected, duration_s (seconds, NaN while running), error.
    """
    runs = session.scalars(
        select(SourceRun)
        .where(SourceRun.source == source)
        .order_by(SourceRun.started_at.desc(), SourceRun.id.desc())
        .limit(limit)
    ).all()
    frame = pd.DataFrame(
        [
            {
                "started_at": r.started_at,
                "ended_at": r.ended_at,
                "status": r.status,
                "rows": r.rows,
                "rejected": r.rejected,
                "duration_s": (r.ended_at - r.started_at).total_seconds() if r.ended_at else None,
                "error": r.error,
            }
            for r in runs
        ],
        columns=list(HISTORY_COLUMNS),
    )
    for col in ("started_at", "ended_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    frame["duration_s"] = frame["duration_s"].astype("float64")
    return frame

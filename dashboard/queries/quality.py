"""Each feed's freshness and its data quality over the last 24 hours, for the wall's feed strip.

Vietnam's IOC guidance (1709/BKHCN-CĐSQG, 2025) asks an IOC's data to be correct, complete,
clean and live; these are the measures the wall shows for it, per configured, enabled source:

- domains: the domains of the assets the source supplies (assets.source -> assets.domain, named
  as the wall's tiles name them: environment -> air; citizen reports are not assets: their
  counts are true at `now`); a domain is drawn stale exactly when a feed that
  supplies it is stale (a number's own timestamp says when it was measured, not whether its
  feed is alive: a 60-s feed may carry 5-minute readings).
- age_s, stale, stale_since: the feed's freshness as `sources.feed_freshness` defines it (the
  newest record it delivered, not its last run; stale past config.wall.stale_factor × the
  longer of its interval and its data's period, or with no data at all), the same figure
  /sources, /healthz and /api/v1/sources show.
- on_time_pct: runs that ended ok in the last 24 h, as a share of the runs due since the later
  of the window's start and the feed's first run ever: floor((now − start) / interval_s), the
  run due now left out (it may still be running), at least 1 once a run ended ok; capped at
  100. A feed started minutes ago (a demo whose 7-day backfill is one run) is owed minutes of
  runs, not a day's; a feed that has run every interval since it started is 100 % on time.
- complete_pct: the (series, hour) pairs of the last 24 complete hours that have data
  (rollup_1h), among the source's periodic series seen in the last 7 days (assets.source says
  whose; lamp_on/lamp_fault report on change only and are left out).
- plausible_pct: stored / (stored + rejected) over the runs started in the last 24 h (rejects
  are quarantined records: out of range, malformed, unknown asset).

Each measure is None when it cannot be known (no runs, no series). Times are aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import Session

from dashboard.config import Config
from dashboard.queries import to_epoch
from dashboard.queries._statements import rows, statement
from dashboard.queries.snapshot import EVENT_METRICS, HOUR_S, WEEK_S, session_memo
from dashboard.queries.sources import aware, feed_freshness
from dashboard.store.models import (
    AssetRow,
    Latest,
    Rollup1h,
    Series,
    SourceRun,
)

__all__ = ["FeedQuality", "feed_quality"]

DAY_S = 86400
# Asset domains (records.DOMAINS) by the names the wall gives them (its tiles' key prefixes):
# the environment domain's stations are the wall's air tiles and layer.
WALL_DOMAIN = {"environment": "air"}


@dataclass(frozen=True, slots=True)
class FeedQuality:
    """One feed's freshness and 24-hour quality (percentages 0-100, None when unknown)."""

    source: str
    interval_s: int
    age_s: float | None
    stale: bool
    stale_since: datetime | None
    on_time_pct: float | None
    complete_pct: float | None
    plausible_pct: float | None
    domains: tuple[str, ...] = ()  # what the feed supplies (sorted); stale with it
    data_as_of: datetime | None = None  # the newest record it delivered; age_s = now - this


def _pct(part: float, whole: float) -> float | None:
    return None if whole <= 0 else min(100.0, 100.0 * part / whole)


@statement
def _periodic() -> Any:
    """The sources' periodic series seen in the last 7 days (`since`), and whose they are."""
    return (
        select(Series.id.label("sid"), AssetRow.source.label("source"))
        .join(AssetRow, AssetRow.id == Series.asset_id)
        .join(Latest, Latest.series_id == Series.id)
        .where(AssetRow.source.in_(bindparam("names", expanding=True)))
        .where(Latest.ts > bindparam("since"))
        .where(Series.metric.not_in(sorted(EVENT_METRICS)))
        .subquery()
    )


@statement
def _series_stmt() -> Any:
    periodic = _periodic()
    return select(periodic.c.source, func.count()).group_by(periodic.c.source)


@statement
def _buckets_stmt() -> Any:
    periodic = _periodic()
    return (
        select(periodic.c.source, func.count())
        .join(Rollup1h, Rollup1h.series_id == periodic.c.sid)
        .where(Rollup1h.bucket >= bindparam("first"), Rollup1h.bucket < bindparam("end"))
        .group_by(periodic.c.source)
    )


def _completeness(session: Session, names: list[str], now: datetime) -> dict[str, float | None]:
    now_s = to_epoch(now)
    h_end = now_s // HOUR_S * HOUR_S  # the hour in progress is not complete yet
    params = {"names": names, "since": now_s - WEEK_S}
    series: dict[str, int] = dict(rows(session, _series_stmt(), params))
    window = {**params, "first": h_end - 24 * HOUR_S, "end": h_end}
    buckets: dict[str, int] = dict(rows(session, _buckets_stmt(), window))
    return {n: _pct(buckets.get(n, 0), 24 * series.get(n, 0)) for n in names}


@statement
def _domains_stmt() -> Any:
    return (
        select(AssetRow.source, AssetRow.domain)
        .where(AssetRow.source.in_(bindparam("names", expanding=True)))
        .group_by(AssetRow.source, AssetRow.domain)
    )


def _domains(session: Session, names: list[str]) -> dict[str, tuple[str, ...]]:
    """Per source, the domains of its assets: one grouped read of the assets table."""
    found: dict[str, set[str]] = {n: set() for n in names}
    for source, domain in rows(session, _domains_stmt(), {"names": names}):
        found[source].add(WALL_DOMAIN.get(domain, domain))
    return {n: tuple(sorted(d)) for n, d in found.items()}


def _on_time(ok: int, first_run: datetime | None, interval_s: int, now: datetime) -> float | None:
    """Runs ended ok as a share of the runs due since the feed started (module docstring)."""
    window_start = now - timedelta(seconds=DAY_S)
    start = window_start if first_run is None else max(window_start, first_run)
    due = int((now - start).total_seconds() // interval_s)
    return _pct(ok, max(due, 1 if ok else 0))


def feed_quality(session: Session, config: Config, now: datetime) -> list[FeedQuality]:
    """Freshness and quality of every enabled source at `now` (aware), in configuration order.

    A few small queries: states, runs of the last 24 h and each feed's first run grouped by
    source, the rollup buckets of their series and the domains of their assets (see the module docstring); once per read session and
    instant (the wall's tiles, ticker and feed strip all ask).
    """
    key = (
        "feed_quality",
        to_epoch(now),
        config.wall.stale_factor,
        tuple((s.name, s.interval_s, s.enabled) for s in config.sources),
    )
    return session_memo(session, key, lambda: _feed_quality(session, config, now))


@statement
def _runs_stmt() -> Any:
    return (
        select(
            SourceRun.source,
            func.sum(case((SourceRun.status == "ok", 1), else_=0)),
            func.sum(SourceRun.rows),
            func.sum(SourceRun.rejected),
            func.count(),
        )
        .where(SourceRun.source.in_(bindparam("names", expanding=True)))
        .where(SourceRun.started_at > bindparam("since"), SourceRun.started_at <= bindparam("now"))
        .group_by(SourceRun.source)
    )


@statement
def _first_runs_stmt() -> Any:
    return (
        select(SourceRun.source, func.min(SourceRun.started_at))
        .where(
            SourceRun.source.in_(bindparam("names", expanding=True)),
            SourceRun.started_at <= bindparam("now"),
        )
        .group_by(SourceRun.source)
    )


def _feed_quality(session: Session, config: Config, now: datetime) -> list[FeedQuality]:
    sources = [s for s in config.sources if s.enabled]
    names = [s.name for s in sources]
    if not names:
        return []
    fresh = feed_freshness(session, sources, now, config.wall.stale_factor)
    since = now - timedelta(seconds=DAY_S)
    window = {"names": names, "since": since, "now": now}
    runs = {
        source: (int(ok or 0), int(n_rows or 0), int(rejected or 0), int(n))
        for source, ok, n_rows, rejected, n in rows(session, _runs_stmt(), window)
    }
    first_runs: dict[str, datetime] = dict(
        rows(session, _first_runs_stmt(), {"names": names, "now": now})
    )
    complete = _completeness(session, names, now)
    domains = _domains(session, names)
    out = []
    for cfg in sources:
        feed = fresh[cfg.name]
        ok, stored, rejected, n_runs = runs.get(cfg.name, (0, 0, 0, 0))
        out.append(
            FeedQuality(
                source=cfg.name,
                interval_s=cfg.interval_s,
                age_s=feed.age_s,
                stale=feed.stale,
                stale_since=feed.stale_since,
                on_time_pct=_on_time(ok, aware(first_runs.get(cfg.name)), cfg.interval_s, now),
                complete_pct=complete[cfg.name],
                plausible_pct=_pct(stored, stored + rejected) if n_runs else None,
                domains=domains[cfg.name],
                data_as_of=feed.data_as_of,
            )
        )
    return out

"""Feed health for the /sources page, /healthz and /api/v1/sources.

A feed's health joins what the configuration says (type, interval, enabled) with what the store
recorded (`source_runs`: each run's outcome; `source_state`: cursor, last success, last error,
paused). Times are aware UTC datetimes; ages and intervals are seconds. "Now" is an argument,
never read from the clock here, so the same data always gives the same answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from dashboard.config import SourceConfig
from dashboard.store.models import SourceRun, SourceState

__all__ = ["STALE_FACTOR", "Health", "SourceHealth", "run_history", "source_health"]

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
    data_as_of: datetime | None  # the cursor, else the last success
    age_s: float | None  # now - data_as_of
    next_run: datetime | None  # last run start + interval; None when due, paused or disabled
    due: bool
    last_error: str | None
    last_error_at: datetime | None


def _health(
    cfg: SourceConfig, paused: bool, status: str | None, has_data: bool, stale: bool
) -> Health:
    if not cfg.enabled:
        return Health.DISABLED
    if paused:
        return Health.PAUSED
    if status is None and not has_data:
        return Health.NEVER
    if status == "error":
        return Health.ERROR
    if stale:
        return Health.STALE
    if status == "running":
        return Health.RUNNING
    return Health.OK


def source_health(
    session: Session, sources: Sequence[SourceConfig], now: datetime
) -> list[SourceHealth]:
    """Health of each configured source at `now` (aware), in configuration order.

    Two queries whatever the number of feeds: the newest run of each, and their states.
    Runs of sources no longer configured are ignored.
    """
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
    return [_one(cfg, last_runs.get(cfg.name), states.get(cfg.name), now) for cfg in sources]


def _one(
    cfg: SourceConfig, run: SourceRun | None, state: SourceState | None, now: datetime
) -> SourceHealth:
    paused = bool(state and state.paused)
    as_of = (state.cursor or state.last_success_at) if state else None
    age = (now - as_of).total_seconds() if as_of is not None else None
    active = cfg.enabled and not paused
    stale = active and run is not None and (age is None or age > STALE_FACTOR * cfg.interval_s)
    next_run: datetime | None = None
    due = False
    if active:
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
        health=_health(cfg, paused, status, as_of is not None, stale),
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

"""One run of one source: fetch -> place in areas -> ingest -> record the run.

The scheduler, `cityops ingest` and `cityops backfill` all go through here, so every run is
recorded the same way (start, end, rows, rejects, status, error) and a failure is caught,
recorded and reported, never propagated into another source's run.

A batch read from one input (`Batch.origin`, a dropped file) is stored once per input: the
store is asked whether its digest was taken before, its result (rows, quarantined and why) is
recorded after the ingest commits, and only then the connector is told (`settled`), so it
lets go of the file after the store knows it. A connector with more inputs ready says so
(`Batch.more`) and is asked again within the same run.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dashboard.areas import Areas
from dashboard.records import Batch, Fed, Origin, OriginResult, Reject
from dashboard.store import IngestResult, Store
from data_sources.base import SourceConnector

__all__ = ["PushSession", "RunOutcome", "backfill", "run_source", "store_pushed", "utcnow"]

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
StoredHook = Callable[[str, Fed, datetime], None]  # (source, what it carried, when)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RunOutcome:
    source: str
    status: str  # "ok" or "error"
    rows: int
    rejected: int
    started_at: datetime
    ended_at: datetime
    error: str | None = None
    fed: Fed = field(
        default_factory=Fed
    )  # what the run's batches carried (the alert rules they feed)


# A run asks again while its connector has more ready (`Batch.more`), up to this many
# batches; the rest waits for the next run, so a connector always saying "more" cannot hold it.
MAX_BATCHES_PER_RUN = 1000
# How many distinct reasons an origin's recorded result names (the quarantine has them all).
_REASONS_SHOWN = 3


def _ingest(store: Store, source: str, batch: Batch, areas: Areas, now: datetime) -> IngestResult:
    return store.ingest(
        source,
        assets=areas.place_assets(batch.assets),
        readings=batch.readings,
        blocks=batch.blocks,
        reports=areas.place_reports(batch.reports),
        rejects=batch.rejects,
        now=now,
    )


def _counts(result: IngestResult) -> tuple[int, int]:
    return result.assets + result.readings + result.reports, result.quarantined


def _why_quarantined(rejects: Sequence[Reject], quarantined: int) -> str | None:
    """The commonest reasons of an origin's refused records, in a line ("2 × ...; ...")."""
    commonest = Counter(r.reason for r in rejects).most_common()
    parts = [f"{n} × {why}" for why, n in commonest[:_REASONS_SHOWN]]
    if others := sum(n for _, n in commonest[_REASONS_SHOWN:]):
        parts.append(f"{others} × other reasons")
    if quarantined > len(rejects):
        parts.append(f"{quarantined - len(rejects)} × refused by the store's checks")
    return "; ".join(parts) or None


def _store_origin(
    store: Store,
    connector: SourceConnector,
    origin: Origin,
    batch: Batch,
    areas: Areas,
    now: datetime,
) -> tuple[int, int]:
    """Store a batch read from one input once per input, record its result, then settle it.

    Rows count what the store holds of the input, new or already there, so an input stored
    again after a crash before its record (nothing new: the ingest is idempotent) records
    the same counts."""
    name = connector.settings.name
    seen = store.files.get(name, origin.digest)
    if seen is not None and seen.status == "done":
        when = f"{seen.ingested_at:%Y-%m-%d %H:%M} UTC"
        connector.settled(
            OriginResult(origin, "duplicate", detail=f"same bytes as {seen.file_name}, {when}")
        )
        return 0, 0
    if origin.failed is not None:
        store.files.record(
            name,
            origin.digest,
            file_name=origin.name,
            at=now,
            status="failed",
            detail=origin.failed,
        )
        connector.settled(OriginResult(origin, "failed", detail=origin.failed))
        return 0, 0
    result = _ingest(store, name, batch, areas, now)
    rows = result.assets + result.readings + result.duplicates + result.reports
    why = _why_quarantined(batch.rejects, result.quarantined)
    store.files.record(
        name,
        origin.digest,
        file_name=origin.name,
        at=now,
        status="done",
        rows=rows,
        quarantined=result.quarantined,
        detail=why,
    )
    connector.settled(OriginResult(origin, "done", rows, result.quarantined, why))
    return _counts(result)


def _store_batch(
    store: Store, source: str, batch: Batch, areas: Areas, now: datetime
) -> tuple[int, int]:
    return _counts(_ingest(store, source, batch, areas, now))


def _fetch_and_store(
    store: Store,
    connector: SourceConnector,
    areas: Areas,
    tally: _Tally,
    since: datetime | None,
    now: datetime,
) -> Batch:
    """Fetch (since, now] and store it, again while the connector has more ready; the last
    batch fetched (its cursor is where the next run starts)."""
    name = connector.settings.name
    for _ in range(MAX_BATCHES_PER_RUN):
        batch = connector.fetch(since, now)
        tally.fed |= batch.fed()
        if batch.origin is None:
            tally.add(_store_batch(store, name, batch, areas, now))
        else:
            tally.add(_store_origin(store, connector, batch.origin, batch, areas, now))
        if not batch.more:
            break
        since = batch.cursor if batch.cursor is not None else since
    return batch


@dataclass
class _Tally:
    """What a run has committed so far, written to its run row after each committed batch
    (a run whose process is killed shows them until the next start closes it)."""

    store: Store = field(repr=False)
    run_id: int
    rows: int = 0
    rejected: int = 0
    fed: Fed = field(default_factory=Fed)

    def add(self, stored: tuple[int, int]) -> None:
        self.rows += stored[0]
        self.rejected += stored[1]
        self.store.record_run_progress(self.run_id, rows=self.rows, rejected=self.rejected)


def _recorded(
    store: Store,
    name: str,
    started: datetime,
    clock: Clock,
    work: Callable[[_Tally], None],
    *,
    close_stale: bool = True,
) -> RunOutcome:
    """Run `work` as one recorded run; it adds each committed batch's counts to the tally.

    Any exception is caught, logged, recorded on the run and the source state, and returned
    as an "error" outcome: one feed's failure never reaches another's. When even recording
    failed (the database dropped), the run stays "running" until this source's next start
    closes it as interrupted (`close_stale`; pushed batches may overlap and never close one
    another's runs).
    """
    if close_stale:
        store.close_stale_runs(name, started)
    tally = _Tally(store, store.start_run(name, started))
    try:
        work(tally)
    except Exception as exc:
        ended = clock()
        message = f"{type(exc).__name__}: {exc}"
        log.exception("source %s failed", name)
        store.record_error(name, ended, message)
        store.finish_run(
            tally.run_id,
            ended_at=ended,
            status="error",
            rows=tally.rows,
            rejected=tally.rejected,
            error=message,
        )
        return RunOutcome(name, "error", tally.rows, tally.rejected, started, ended, message)
    ended = clock()
    store.finish_run(
        tally.run_id, ended_at=ended, status="ok", rows=tally.rows, rejected=tally.rejected
    )
    return RunOutcome(name, "ok", tally.rows, tally.rejected, started, ended, fed=tally.fed)


def run_source(
    store: Store,
    connector: SourceConnector,
    areas: Areas,
    *,
    clock: Clock = utcnow,
) -> RunOutcome:
    """Fetch what `connector` has after its stored cursor, store it, and record the run."""
    name = connector.settings.name
    started = clock()

    def work(tally: _Tally) -> None:
        state = store.source_state(name)
        batch = _fetch_and_store(
            store, connector, areas, tally, state.cursor if state else None, started
        )
        store.set_cursor(name, batch.cursor or started, success_at=clock())

    return _recorded(store, name, started, clock, work)


def store_pushed(
    store: Store, name: str, batch: Batch, areas: Areas, *, clock: Clock = utcnow
) -> RunOutcome:
    """Store one batch a feed pushed (a broker's notification), recorded as one run.

    The same placement, validation, quarantine and idempotent ingest as a pulled batch. The
    cursor moves only forward, to the batch's data time.
    """
    started = clock()

    def work(tally: _Tally) -> None:
        tally.fed = batch.fed()
        tally.add(_store_batch(store, name, batch, areas, started))
        state = store.source_state(name)
        kept = state.cursor if state else None
        cursor = batch.cursor if batch.cursor is not None else kept
        if kept is not None and cursor is not None:
            cursor = max(cursor, kept)
        store.set_cursor(name, cursor, success_at=clock())

    return _recorded(store, name, started, clock, work, close_stale=False)


class PushSession:
    """One subscription session of a push source (a broker connection), recorded as ONE run.

    A busy feed hands over a batch every few milliseconds: a run row per batch would write
    thousands of rows a minute and push every useful run out of /sources' history. So the
    session opens one run when the subscription starts; each committed batch updates that
    run's counts and the source's cursor and last success in one transaction
    (`Store.record_pushed`); `finish` closes the run when the subscription ends, "ok" when it
    was stopped, "error" with why when it broke. A session left "running" by a killed
    process is closed as interrupted when the source's next session opens (sessions of one
    source never overlap: one supervisor per source, under the scheduler's lease).

    `on_stored(source, fed, now)` is called after each committed batch that stored rows (the
    scheduler's alert hook, which throttles it); it must not raise.
    """

    def __init__(
        self,
        store: Store,
        name: str,
        areas: Areas,
        *,
        clock: Clock = utcnow,
        on_stored: StoredHook | None = None,
    ) -> None:
        self.store, self.name, self.areas, self.clock = store, name, areas, clock
        self.on_stored = on_stored
        self.started = clock()
        store.close_stale_runs(name, self.started)
        state = store.source_state(name)
        self.cursor = state.cursor if state else None
        self.run_id = store.start_run(name, self.started)
        self.rows = self.rejected = self.batches = 0

    def deliver(self, batch: Batch) -> None:
        """Store `batch` (placement, validation, quarantine, idempotent ingest) and record it;
        returns only once both are committed, raises when either failed."""
        now = self.clock()
        rows, rejected = _store_batch(self.store, self.name, batch, self.areas, now)
        if batch.cursor is not None and (self.cursor is None or batch.cursor > self.cursor):
            self.cursor = batch.cursor  # the cursor only moves forward
        self.store.record_pushed(
            self.run_id,
            self.name,
            rows=self.rows + rows,
            rejected=self.rejected + rejected,
            cursor=self.cursor,
            success_at=self.clock(),
        )
        self.rows += rows
        self.rejected += rejected
        self.batches += 1
        if self.on_stored is not None and rows:
            self.on_stored(self.name, batch.fed(), now)

    def finish(self, error: str | None = None) -> RunOutcome:
        """Close the session's run: "ok", or "error" with `error` (also the source's last
        error). A database that is down leaves the run for the next session to close."""
        ended = self.clock()
        status = "ok" if error is None else "error"
        try:
            if error is not None:
                self.store.record_error(self.name, ended, error)
            self.store.finish_run(
                self.run_id,
                ended_at=ended,
                status=status,
                rows=self.rows,
                rejected=self.rejected,
                error=error,
            )
        except Exception:
            log.exception("could not record the end of %s's subscription session", self.name)
        return RunOutcome(self.name, status, self.rows, self.rejected, self.started, ended, error)


def backfill(
    store: Store,
    connector: SourceConnector,
    areas: Areas,
    *,
    days: float,
    now: datetime,
    chunk: timedelta = timedelta(hours=6),
    resume: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RunOutcome:
    """Fetch and store `days` of history up to `now` in chunks; recorded as one run.

    Ingest is idempotent, so history the store already has is stored nothing twice. With
    `resume`, the window starts at the source's cursor when that is later (a restarted demo
    fills only the gap). `progress(done, total)` counts chunks.
    """
    name = connector.settings.name
    state = store.source_state(name)
    kept = state.cursor if state else None
    start = now - timedelta(days=days)
    if resume and state and state.cursor and state.cursor > start:
        start = state.cursor
    steps: list[tuple[datetime, datetime]] = []
    t = start
    while t < now:
        steps.append((t, min(t + chunk, now)))
        t += chunk

    def work(tally: _Tally) -> None:
        for i, (a, b) in enumerate(steps, 1):
            _fetch_and_store(store, connector, areas, tally, a, b)
            # never move the cursor back: live data after the backfill window stays counted
            store.set_cursor(name, max(b, kept) if kept else b, success_at=utcnow())
            if progress:
                progress(i, len(steps))

    return _recorded(store, name, now, utcnow, work)

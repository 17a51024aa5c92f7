"""The scheduler: one APScheduler job per enabled source, plus housekeeping, under a lease.

A push source (a `PushConnector`: MQTT, a broker's subscription) gets no interval job but a
`dashboard.subscribers.Supervisor` that keeps its subscription alive while this instance
leads; it is stopped when the lease is lost or the scheduler shuts down, before the lease
is released, so two schedulers never hold one feed's subscription at once.

Scheduled PDF reports (`[[reports]]`) are cron jobs of the leader: each queues a run of its
report in the store's export queue (skipped while its previous run is still queued or
running). Every scheduler instance, leader or standby, runs a pool of render workers
(`dashboard.exports.worker`) that claim queued exports, its own reports' and those people
queue from any web worker; the claim is atomic, so each export is rendered once.

Only one scheduler may drive a store at a time (`cityops demo` or `cityops scheduler` beside
any number of web workers): each instance looks at a lease row in the store (`dashboard.lease`);
the holder runs the jobs, any other stands by and takes over when the lease expires. A new
leader runs each source first one interval after its last run in the store, so a hand-over
neither skips nor repeats a run. Runs of one source never overlap (`max_instances=1`, and a run
starts only while the lease holds), missed runs are coalesced into one, and a failing source
backs off exponentially without touching the others' schedules.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from dashboard.alerts.engine import AlertEngine
from dashboard.alerts.notice import Notifier
from dashboard.alerts.outbound.dispatch import DeliveryWorker
from dashboard.alerts.throttle import Throttle
from dashboard.areas import Areas
from dashboard.config import Config, ScheduledReport, SourceConfig
from dashboard.config_exports import cron_trigger
from dashboard.exports import SCHEDULER, queue_report
from dashboard.exports.worker import ExportWorkers, RendererFactory
from dashboard.lease import LEASE_NAME, HeldLease, Leadership, first_runs
from dashboard.pipeline import Clock, RunOutcome, run_source, utcnow
from dashboard.records import Fed
from dashboard.store import Store
from dashboard.subscribers import DEFAULT_BACKOFF, Backoff, Supervisor
from data_sources.base import PushConnector, SourceConnector, create

__all__ = ["HOUSEKEEPING", "LEASE_NAME", "CityScheduler", "HeldLease", "SourceJob"]

log = logging.getLogger(__name__)

HOUSEKEEPING = "_housekeeping"  # the run records of retention
MAX_BACKOFF = timedelta(minutes=30)


@dataclass
class SourceJob:
    """One source's job: its connector, and the back-off after consecutive failures."""

    settings: SourceConfig
    connector: SourceConnector
    store: Store
    areas: Areas
    clock: Clock = utcnow
    failures: int = 0
    not_before: datetime | None = None
    forced: bool = False  # a "run now" request: the next run ignores back-off and pause
    alerts: AlertEngine | None = None  # evaluated after each run that stored rows
    leading: Callable[[], bool] = lambda: True  # the scheduler's lease, checked before a run
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self) -> RunOutcome | None:
        """Run once, unless not leading, backing off, paused, or (defensively) running."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            if not self.leading():  # the lease is running out unrenewed: another may lead
                log.warning("source %s not run: this scheduler's lease is ending", self.name)
                return None
            now = self.clock()
            forced, self.forced = self.forced, False
            if not forced and self.not_before is not None and now < self.not_before:
                return None
            try:
                state = self.store.source_state(self.name)
                if not forced and state is not None and state.paused:
                    return None
                outcome = run_source(self.store, self.connector, self.areas, clock=self.clock)
            except Exception as exc:  # not even recorded: the database is down
                log.warning(
                    "source %s: run not recorded (%s); tried again at its next interval",
                    self.name,
                    type(exc).__name__,
                )
                return None
            if self.alerts is not None and outcome.status == "ok" and outcome.rows:
                evaluate_alerts(self.alerts, self.settings.name, outcome.ended_at, outcome.fed)
            if outcome.status == "ok":
                self.failures, self.not_before = 0, None
            else:
                self.failures += 1
                delay = timedelta(seconds=self.settings.interval_s * 2 ** min(self.failures, 10))
                self.not_before = outcome.ended_at + min(delay, MAX_BACKOFF)
            return outcome
        finally:
            self._lock.release()

    @property
    def name(self) -> str:
        return self.settings.name


def evaluate_alerts(
    engine: AlertEngine, source: str | None, now: datetime, fed: Fed | None = None
) -> None:
    """The alert rules that read what `source`'s committed data carried (`fed`), or on the
    clock (`source` None); an error is logged, never raised into the feed's run."""
    try:
        if source is None:
            engine.tick(now)
        else:
            engine.after_ingest(source, now, fed)
    except Exception:
        log.exception("alert evaluation failed (after %s)", source or "the clock")


class CityScheduler:
    """Owns the APScheduler instance; `start()` returns at once, jobs run in threads."""

    def __init__(
        self,
        config: Config,
        store: Store,
        areas: Areas,
        *,
        holder: str | None = None,
        clock: Clock = utcnow,
        push_backoff: Backoff = DEFAULT_BACKOFF,
        renderer: RendererFactory | None = None,
        notifiers: Sequence[Notifier] = (),
        standby: bool = False,
    ) -> None:
        self.config = config
        self.store = store
        self.areas = areas
        self.clock = clock
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.jobs: dict[str, SourceJob] = {}
        self.supervisors: dict[str, Supervisor] = {}
        self.push_backoff = push_backoff
        self.leader = False
        self.lease = Leadership(store, self.holder, config.scheduler, clock=clock, standby=standby)
        self._transition = threading.Lock()  # taking up or giving up leadership, one at a time
        self.exports = ExportWorkers(config, store, renderer=renderer, clock=clock)
        # The outbox every alert change is told to (the CAP feed reads it; webhooks and mail
        # are delivered from it by this worker, retried, each attempt recorded).
        self.outbound = DeliveryWorker(config, store, clock)
        self.alerts: AlertEngine | None = None
        self.pushed: Throttle | None = None  # push sources' batches, evaluated throttled
        if config.alerts.enabled:
            told = [*notifiers, self.outbound.notifier()]
            engine = self.alerts = AlertEngine(config, store, told, clock=clock)
            self.pushed = Throttle(
                lambda source, fed, now: evaluate_alerts(engine, source, now, fed),
                gap_s=config.alerts.push_evaluate_s,
            )
        # The lease has a thread of its own: busy or hung source jobs must never delay its
        # renewal, or a standby would take over while this one still runs jobs; the watch
        # has another, so a renewal hung on an unreachable database cannot keep it leading.
        self._scheduler = BackgroundScheduler(
            timezone="UTC",
            executors={
                "default": ThreadPoolExecutor(max_workers=4),
                "lease": ThreadPoolExecutor(max_workers=1),
                "watch": ThreadPoolExecutor(max_workers=1),
            },
            job_defaults={"coalesce": True, "max_instances": 1},
        )

    def start(self) -> None:
        """Start the lease loop; source jobs begin as soon as this instance holds the lease."""
        every = IntervalTrigger(seconds=self.config.scheduler.renew_every_s)
        self._scheduler.add_job(
            self._lease_tick, every, id="lease", executor="lease", next_run_time=self.clock()
        )
        self._scheduler.add_job(self._watch_lease, every, id="watch", executor="watch")
        self._scheduler.start()
        self.exports.start()
        self.outbound.start()

    def shutdown(self) -> None:
        self._scheduler.shutdown(wait=True)
        self.exports.stop()
        self.outbound.stop()
        self._stop_supervisors()
        if self.leader:
            self.leader = False
            try:
                self.lease.release()
            except Exception:  # the database is down: the lease runs out by itself
                log.exception("scheduler %s could not release its lease", self.holder)
        for job in self.jobs.values():
            job.connector.close()
        self.jobs.clear()

    def _lease_tick(self) -> None:
        held = self.lease.tick()
        with self._transition:
            if held and not self.leader:
                try:
                    self._add_jobs()
                except Exception:  # the database dropped meanwhile: try at the next look
                    log.exception("scheduler %s could not start its jobs", self.holder)
                    self._remove_jobs()
                else:
                    self.leader = True
            elif not held and self.leader:
                self._step_down()
        if self.leader:
            try:
                self._take_run_requests()
            except Exception as exc:  # the database is down; asked again at the next tick
                log.warning("could not take run requests (%s)", type(exc).__name__)

    def _watch_lease(self) -> None:
        """Step down once the lease runs out unrenewed, even while a renewal hangs."""
        if self.leader and not self.lease.holds() and self._transition.acquire(blocking=False):
            try:
                if self.leader:
                    self._step_down()
            finally:
                self._transition.release()

    def _step_down(self) -> None:
        """Stop leading: push subscriptions ended, source jobs removed (a run under way
        finishes; no new one starts, each checks the lease first)."""
        log.warning("scheduler %s is not the leader any more; standing by", self.holder)
        self._remove_jobs()
        self.leader = False

    def _take_run_requests(self) -> None:
        """Start the sources someone asked to run now (from any process, through the store)."""
        for name in self.store.take_run_requests():
            if name in self.supervisors:  # a push source: subscribe again now if backing off
                self.supervisors[name].wake()
                continue
            job = self.jobs.get(name)
            if job is None:
                log.warning("run requested for %s, which is not an enabled source", name)
                continue
            job.forced = True
            self._scheduler.modify_job(f"source:{name}", next_run_time=self.clock())

    def _add_jobs(self) -> None:
        now = self.clock()
        enabled = {s.name: s.interval_s for s in self.config.sources if s.enabled}
        first = first_runs(self.store, enabled, now)
        for settings in self.config.sources:
            if not settings.enabled:
                continue
            try:
                connector = create(settings, self.config)
            except Exception as exc:  # one broken source never stops the others
                log.exception("source %s cannot start", settings.name)
                self.store.record_error(settings.name, now, f"{type(exc).__name__}: {exc}")
                continue
            if isinstance(connector, PushConnector):
                supervisor = Supervisor(
                    connector,
                    self.store,
                    self.areas,
                    clock=self.clock,
                    backoff=self.push_backoff,
                    on_stored=self.pushed.stored if self.pushed is not None else None,
                )
                self.supervisors[settings.name] = supervisor
                supervisor.start()
                continue
            job = SourceJob(
                settings,
                connector,
                self.store,
                self.areas,
                self.clock,
                alerts=self.alerts,
                leading=self.lease.holds,
            )
            self.jobs[settings.name] = job
            self._scheduler.add_job(
                job,
                IntervalTrigger(seconds=settings.interval_s),
                id=f"source:{settings.name}",
                name=settings.name,
                next_run_time=first[settings.name],
                misfire_grace_time=settings.interval_s,
            )
        for report in self.config.reports:
            self._scheduler.add_job(
                self.queue_report,
                cron_trigger(report.cron, self.config.city.timezone),
                args=(report,),
                id=f"report:{report.name}",
                name=report.name,
                misfire_grace_time=300,
            )
        if self.alerts is not None:
            self._scheduler.add_job(
                self.alert_tick,
                IntervalTrigger(seconds=self.config.alerts.evaluate_s),
                id="alerts",
                next_run_time=now + timedelta(seconds=5),
            )
        self._scheduler.add_job(
            self.housekeeping,
            IntervalTrigger(seconds=self.config.scheduler.housekeeping_interval_s),
            id="housekeeping",
            next_run_time=now + timedelta(seconds=30),
        )

    def alert_tick(self) -> None:
        """The alert engine's clock: what push sources carried since their last (throttled)
        evaluation, then no-data rules, escalation, the outbox."""
        if self.alerts is None:
            return
        now = self.clock()
        if self.pushed is not None:
            self.pushed.flush(now)
        evaluate_alerts(self.alerts, None, now)

    def _stop_supervisors(self) -> None:
        """End every push subscription (all asked at once, then waited for)."""
        for supervisor in self.supervisors.values():
            supervisor.halt()
        for supervisor in self.supervisors.values():
            supervisor.join(timeout=30)
        self.supervisors.clear()

    def _remove_jobs(self) -> None:
        self._stop_supervisors()
        for job in self._scheduler.get_jobs():
            if job.id != "lease":
                job.remove()
        for job in self.jobs.values():
            job.connector.close()
        self.jobs.clear()

    def queue_report(self, report: ScheduledReport) -> int | None:
        """Queue a run of scheduled report `report` (its export id; None: the previous run is
        still queued or running, so this one is skipped)."""
        queued = queue_report(self.store, self.config, report, self.clock(), SCHEDULER)
        if queued is None:
            log.warning("report %s: the previous run is still under way; skipped", report.name)
        else:
            self.exports.wake()
        return queued

    def housekeeping(self) -> dict[str, int]:
        """Retention of raw readings, quarantine, run records and finished PDF exports (their
        files too) past their age; rollups stay.

        Recorded as a run of the pseudo-source `HOUSEKEEPING` (rows = rows deleted).
        """
        r = self.config.retention
        started = self.clock()
        self.store.close_stale_runs(HOUSEKEEPING, started)
        run_id = self.store.start_run(HOUSEKEEPING, started)
        try:
            deleted = self.store.apply_retention(
                started,
                raw_days=r.raw_days,
                quarantine_days=r.quarantine_days,
                runs_days=r.runs_days,
            )
            deleted["exports"] = self._purge_exports(started - timedelta(days=r.exports_days))
            self.store.optimize()
        except Exception as exc:
            log.exception("housekeeping failed")
            self.store.finish_run(
                run_id, ended_at=self.clock(), status="error", rows=0, rejected=0, error=repr(exc)
            )
            return {}
        self.store.finish_run(
            run_id, ended_at=self.clock(), status="ok", rows=sum(deleted.values()), rejected=0
        )
        log.info("housekeeping deleted %s", deleted)
        return deleted

    def _purge_exports(self, before: datetime) -> int:
        """Forget the exports finished before `before` and remove their PDFs; how many."""
        folder = self.config.exports_folder
        names = self.store.exports.purge(before)
        for name in names:
            (folder / name).unlink(missing_ok=True)
        return len(names)

    def next_runs(self) -> dict[str, datetime | None]:
        """Each source job's next run time (UTC), for the CLI and health pages."""
        return {
            job.name: job.next_run_time
            for job in self._scheduler.get_jobs()
            if job.id.startswith("source:")
        }

"""The scheduler's lease: one leader per store, and how long it may act as one.

A lease is one row in the store (`Store.try_lease`): a holder and an expiry. Every scheduler
looks at it every `renew_s` (`[scheduler] renew_s`, default `lease_s` / 3): the leader renews
it for `lease_s` more; any other takes it once it has expired. So a standby leads at most
`lease_s` + `renew_s` after the leader's last renewal (`SchedulerConfig.takeover_s`).

The leader also knows its lease's expiry locally, on the monotonic clock, from the moment it
asked for the renewal (the expiry it wrote is the same moment plus `lease_s`): when renewals
fail (the database is down or out of reach) it goes on leading only while the lease it last
renewed still has more than one renewal period to run (`holds()`), then steps down, one
period before a standby may take it over. A plain "no" from the store (another took it)
ends its leadership at once. Hosts' clocks must agree to well within `renew_s` (NTP).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from dashboard.config import Config, SchedulerConfig
from dashboard.pipeline import Clock, utcnow
from dashboard.store import Store

__all__ = ["LEASE_NAME", "HeldLease", "Leadership", "first_runs"]

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"


def _at(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"


class Leadership:
    """One scheduler's view of the lease: `tick()` every renewal period, `holds()` before
    every act of a leader.

    `standby`: started as the standby (`cityops scheduler --standby`): for its first
    `lease_s` it only watches, leaving a free lease to a plain scheduler started beside it;
    then it takes the lease whenever it is free or expired.
    """

    def __init__(
        self,
        store: Store,
        holder: str,
        settings: SchedulerConfig,
        *,
        clock: Clock = utcnow,
        standby: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store, self.holder, self.clock, self.monotonic = store, holder, clock, monotonic
        self.ttl_s, self.renew_s = settings.lease_s, settings.renew_every_s
        self._valid_until = float("-inf")  # monotonic: our lease's expiry, as we last renewed it
        self._watch_until = monotonic() + self.ttl_s if standby else float("-inf")
        self._seen: str | None = None  # the other holder last logged
        self._failing = False

    def holds(self) -> bool:
        """True while this scheduler may act as the leader: its lease, as last renewed, runs
        more than one renewal period longer (so it steps down before anyone may take over)."""
        return self.monotonic() < self._valid_until - self.renew_s

    def tick(self) -> bool:
        """Renew or take the lease (or, a standby in its first period, only look); whether
        this scheduler holds it now (`holds()`)."""
        asked, now = self.monotonic(), self.clock()
        if asked < self._watch_until:
            self._look(now)
            return False
        try:
            held = self.store.try_lease(LEASE_NAME, self.holder, now, self.ttl_s)
        except Exception as exc:  # the database is down or out of reach: we cannot know
            self._unreachable(exc)
            return self.holds()
        if self._failing:
            log.info("scheduler %s reaches the database again", self.holder)
            self._failing = False
        if not held:
            self._valid_until = float("-inf")
            self._look(now)
            return False
        was = self.holds()
        self._valid_until = asked + self.ttl_s
        if not was:
            if self._seen is not None:
                log.info(
                    "scheduler %s took over at %s (from %s)", self.holder, _at(now), self._seen
                )
            else:
                log.info("scheduler %s leads since %s", self.holder, _at(now))
            self._seen = None
        return self.holds()

    def _look(self, now: datetime) -> None:
        """Log who leads when that changes (a standby's one line per leader)."""
        try:
            lease = self.store.lease_holder(LEASE_NAME)
        except Exception as exc:
            self._unreachable(exc)
            return
        if lease is None or lease.holder == self._seen or lease.expires_at <= now:
            return
        self._seen = lease.holder
        log.info(
            "scheduler %s standing by, leader is %s until %s",
            self.holder,
            lease.holder,
            _at(lease.expires_at),
        )

    def _unreachable(self, exc: Exception) -> None:
        left = self._valid_until - self.renew_s - self.monotonic()
        standing = f"leading {left:.1f} s more at most" if left > 0 else "not leading"
        log.warning(
            "scheduler %s cannot reach the lease (%s: %s); %s",
            self.holder,
            type(exc).__name__,
            str(exc).strip().splitlines()[0] if str(exc).strip() else "",
            standing,
        )
        self._failing = True

    def release(self) -> None:
        """Give the lease up (at shutdown), so a standby takes over at its next look."""
        self._valid_until = float("-inf")
        self.store.release_lease(LEASE_NAME, self.holder)


class HeldLease:
    """The scheduler's lease held by a one-off command (ingest, backfill), renewed in a thread.

    `with HeldLease(store, config, "cli-ingest") as held:` — `held` is False when a scheduler
    (or another command) leads; then the command must not run sources itself.
    """

    def __init__(self, store: Store, config: Config, who: str, clock: Clock = utcnow) -> None:
        self.store, self.config, self.clock = store, config, clock
        self.holder = f"{who}:{socket.gethostname()}:{os.getpid()}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> bool:
        ttl = self.config.scheduler.lease_s
        if not self.store.try_lease(LEASE_NAME, self.holder, self.clock(), ttl):
            return False

        def renew() -> None:
            while not self._stop.wait(self.config.scheduler.renew_every_s):
                try:
                    self.store.try_lease(LEASE_NAME, self.holder, self.clock(), ttl)
                except Exception:
                    log.exception("could not renew the lease of %s", self.holder)

        self._thread = threading.Thread(target=renew, name="lease-renewal", daemon=True)
        self._thread.start()
        return True

    def __exit__(self, *_: object) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self.store.release_lease(LEASE_NAME, self.holder)


def first_runs(store: Store, intervals: Mapping[str, float], now: datetime) -> dict[str, datetime]:
    """When a new leader runs each polled source first: one interval after its last run in
    the store (whoever ran it), at once when that is past or it never ran. So a hand-over
    neither skips a run (an overdue source runs now) nor repeats one (a source the old leader
    just ran waits out its interval)."""
    try:
        last = store.last_run_starts(sorted(intervals))
    except Exception:
        log.exception("could not read the last runs; every source runs at once")
        last = {}
    return {
        name: max(now, last[name] + timedelta(seconds=interval)) if name in last else now
        for name, interval in intervals.items()
    }

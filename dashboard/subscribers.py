"""Supervision of push sources: one long-running subscription per source, kept alive.

A push connector (`data_sources.base.PushConnector`: MQTT, a broker's subscription) holds one
subscription in `subscribe(link)` and hands its batches to `link.deliver`. While the scheduler
leads, it runs one `Supervisor` per enabled push source instead of an interval job. The
supervisor:

- runs `subscribe` in a worker thread, as one recorded subscription session
  (`dashboard.pipeline.PushSession`: one run row per session, its counts, the cursor and the
  last success updated per committed batch, so a feed of thousands of messages a second
  writes no run row per message);
- stores each delivered batch through the pipeline's path (area placement, validation,
  quarantine, idempotent ingest) and returns from `deliver` only once it is committed: the
  connector acknowledges to its broker only then, so a batch the store could not take (the
  database is down) is never acknowledged, and the broker delivers it again;
- calls `subscribe` again whenever it returns or raises, after an exponential backoff with
  jitter (capped), reset once a session has stayed connected a while;
- polls `source_state.paused` and ends the subscription while the source is paused, starting
  it again when it is resumed; ends it when the scheduler loses its lease or shuts down;
- keeps the link's state in the store (`Store.set_link`: connected, retrying with why,
  failing with the error after several broken sessions in a row), shown on /sources.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from dashboard.areas import Areas
from dashboard.pipeline import Clock, PushSession, StoredHook, utcnow
from dashboard.records import Batch
from dashboard.store import Store
from data_sources.base import PushConnector

__all__ = ["DEFAULT_BACKOFF", "FAILING_AFTER", "Backoff", "Supervisor"]

log = logging.getLogger(__name__)

# Broken sessions in a row after which a link shows as failing rather than retrying.
FAILING_AFTER = 3


@dataclass(frozen=True, slots=True)
class Backoff:
    """When to subscribe again after a broken session, and how often to look at the store.

    The n-th broken session in a row waits `first_s * 2**(n-1)`, capped at `max_s`, times a
    random factor in [0.5, 1): sources that broke together (a broker restart) do not all
    come back in the same instant. A session that stayed connected `stable_s` resets it.
    """

    first_s: float = 1.0
    max_s: float = 60.0
    stable_s: float = 30.0
    poll_s: float = 1.0  # pause and stop are noticed within this

    def delay(self, failures: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait after `failures` (>= 1) broken sessions in a row."""
        base = min(self.max_s, self.first_s * 2 ** min(failures - 1, 30))
        return base * (0.5 + 0.5 * rand())


DEFAULT_BACKOFF = Backoff()


class _SessionLink:
    """The `Link` one subscription session talks to (see `data_sources.base.Link`)."""

    def __init__(self, supervisor: Supervisor, session: PushSession) -> None:
        self.stop = threading.Event()
        self._supervisor = supervisor
        self._session = session
        self.connected_at: float | None = None  # monotonic, while connected

    def deliver(self, batch: Batch) -> None:
        self._session.deliver(batch)

    def connected(self) -> None:
        self.connected_at = time.monotonic()
        self._supervisor.show_link("connected", None)

    def retrying(self, why: str) -> None:
        self.connected_at = None
        self._supervisor.show_link("retrying", why)


class Supervisor:
    """Keeps one push source subscribed while started (module docstring); threads inside."""

    def __init__(
        self,
        connector: PushConnector,
        store: Store,
        areas: Areas,
        *,
        clock: Clock = utcnow,
        backoff: Backoff = DEFAULT_BACKOFF,
        rand: Callable[[], float] = random.random,
        on_stored: StoredHook | None = None,
    ) -> None:
        self.connector, self.store, self.areas = connector, store, areas
        self.on_stored = on_stored  # each session's hook after a stored batch (PushSession)
        self.name = connector.settings.name
        self.clock, self.backoff, self.rand = clock, backoff, rand
        self.failures = 0  # broken sessions in a row
        self.sessions = 0  # subscriptions started, for tests and logs
        self._halt = threading.Event()
        self._wake = threading.Event()
        self._paused = False
        self._shown: tuple[str | None, str | None] = (None, None)
        self._since: datetime | None = None
        self._thread: threading.Thread | None = None

    # -- control, from the scheduler ---------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"push:{self.name}", daemon=True)
        self._thread.start()

    def halt(self) -> None:
        """Ask the subscription to end and the supervisor to stop (returns at once)."""
        self._halt.set()
        self._wake.set()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the supervisor to stop; then release the connector."""
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("push source %s did not stop within %s s", self.name, timeout)
                return
        self.connector.close()

    def stop(self, timeout: float | None = 30) -> None:
        self.halt()
        self.join(timeout)

    def wake(self) -> None:
        """Skip the current backoff ("run now"): subscribe again at once."""
        self._wake.set()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- the link state, shown on /sources -----------------------------------------------------

    def show_link(self, state: str | None, detail: str | None) -> None:
        """Keep the link's state in the store when it changed; its `since` moves only when
        the state itself changes (retrying for an hour stays "since" its first retry)."""
        if (state, detail) == self._shown:
            return
        if state != self._shown[0]:
            self._since = self.clock() if state is not None else None
        self._shown = (state, detail)
        try:
            self.store.set_link(self.name, state, self._since, detail)
        except Exception:  # the database is down: the next change writes it again
            log.exception("could not record the link state of %s", self.name)
            self._shown = (None, "unrecorded")

    # -- the loop ----------------------------------------------------------------------------

    def _is_paused(self) -> bool:
        try:
            state = self.store.source_state(self.name)
        except Exception:  # cannot know: keep what we knew (a delivery would fail anyway)
            log.exception("could not read whether %s is paused", self.name)
            return self._paused
        self._paused = bool(state and state.paused)
        return self._paused

    def _run(self) -> None:
        while not self._halt.is_set():
            if self._is_paused():
                self.show_link(None, None)
                self._halt.wait(self.backoff.poll_s)
                continue
            error, stable = self._session()
            if self._halt.is_set():
                break
            if error is None:  # ended by a pause: no failure, no wait
                continue
            self.failures = 1 if stable else self.failures + 1
            state = "retrying" if self.failures < FAILING_AFTER else "failing"
            self.show_link(state, error)
            delay = self.backoff.delay(self.failures, self.rand)
            log.warning("push source %s: %s; subscribing again in %.1f s", self.name, error, delay)
            self._wake.clear()
            self._wake.wait(delay)
        self.show_link(None, None)

    def _session(self) -> tuple[str | None, bool]:
        """One subscription, recorded as one run: (why it broke or None, whether it had
        stayed connected `stable_s`)."""
        try:
            session = PushSession(
                self.store, self.name, self.areas, clock=self.clock, on_stored=self.on_stored
            )
        except Exception as exc:  # the store is unreachable: nothing to deliver into
            log.exception("push source %s cannot open a session", self.name)
            return f"{type(exc).__name__}: {exc}", False
        link = _SessionLink(self, session)
        outcome: list[BaseException | None] = []

        def subscribe() -> None:
            try:
                self.connector.subscribe(link)
                outcome.append(None)
            except BaseException as exc:
                outcome.append(exc)

        self.sessions += 1
        worker = threading.Thread(target=subscribe, name=f"push:{self.name}:session")
        worker.start()
        while worker.is_alive():
            worker.join(self.backoff.poll_s)
            if not link.stop.is_set() and (self._halt.is_set() or self._is_paused()):
                link.stop.set()
        stable = link.connected_at is not None and (
            time.monotonic() - link.connected_at >= self.backoff.stable_s
        )
        raised = outcome[0] if outcome else None
        if raised is not None:
            error: str | None = f"{type(raised).__name__}: {raised}"
            log.error("push source %s: subscription failed", self.name, exc_info=raised)
        elif not link.stop.is_set():
            error = "the subscription ended by itself"
        else:
            error = None
        session.finish(error)
        return error, stable

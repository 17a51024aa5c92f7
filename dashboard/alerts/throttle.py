"""Alert evaluations after pushed batches, throttled per source.

A push subscription (MQTT) commits a batch every few milliseconds; evaluating the rules after
each would run them hundreds of times a minute for nothing. `Throttle.stored` is the
`PushSession`'s hook: what each batch carried is gathered per source, and the source's rules
are evaluated at most once every `gap_s` (the first batch at once, the later ones with the
first batch after the gap). What is still gathered when the feed goes quiet is evaluated by
`flush`, on the scheduler's alert clock. The scheduler owns the throttle and hands it the
evaluation (`evaluate(source, fed, now)`), so the engine knows nothing of the scheduler.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from dashboard.records import Fed

__all__ = ["Throttle"]

Evaluate = Callable[[str, Fed, datetime], None]


class Throttle:
    """At most one `evaluate` per source every `gap_s` of pushed batches (module doc)."""

    def __init__(self, evaluate: Evaluate, gap_s: float = 5.0) -> None:
        self.evaluate = evaluate
        self.gap = timedelta(seconds=gap_s)
        self._lock = threading.Lock()
        self._pending: dict[str, Fed] = {}
        self._last: dict[str, datetime] = {}

    def stored(self, source: str, fed: Fed, now: datetime) -> None:
        """A batch of `source` that carried `fed` committed at `now`."""
        with self._lock:
            gathered = self._pending.get(source, Fed()) | fed
            last = self._last.get(source)
            if last is not None and now - last < self.gap:
                self._pending[source] = gathered
                return
            self._pending.pop(source, None)
            self._last[source] = now
        self.evaluate(source, gathered, now)

    def flush(self, now: datetime) -> None:
        """Evaluate what every source's batches carried since its last evaluation."""
        with self._lock:
            due, self._pending = self._pending, {}
            for source in due:
                self._last[source] = now
        for source, fed in due.items():
            self.evaluate(source, fed, now)

"""The outbound notifier and the delivery worker: notices in, deliveries out, retried.

`OutboundNotifier.notify` is the engine's hook (`dashboard.alerts.notice.Notifier`): it only
writes the notice and one pending delivery per channel that wants it to the outbox (one
short transaction) and wakes the worker, so the engine is never held by a slow receiver.
`DeliveryWorker` runs in a thread of its own in the scheduler's process: it claims the due
deliveries, makes one attempt each, and records every attempt; a failed one worth retrying
is due again after an exponential backoff with jitter (`backoff_s` doubled per attempt up to
`max_backoff_s`, times a random 0.5-1; a 429's Retry-After when longer), until
`max_attempts`. Pending deliveries are in the store: the next process takes them up.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx

from dashboard.alerts.notice import AlertNotice
from dashboard.alerts.outbound.channels import Outcome, post_webhook, send_email
from dashboard.alerts.outbound.payload import notice_from_json, notice_json
from dashboard.config import Config
from dashboard.config_outbound import EmailChannel, WebhookChannel
from dashboard.store import DueDelivery, Store

__all__ = ["DeliveryWorker", "OutboundNotifier", "backoff_s"]

log = logging.getLogger(__name__)

LEASE_S = 300.0  # longer than any one attempt (webhook timeout_s <= 120, SMTP's own)


def _channels(config: Config) -> dict[str, WebhookChannel | EmailChannel]:
    out: dict[str, WebhookChannel | EmailChannel] = {}
    for hook in config.alerts.webhooks:
        out[f"webhook:{hook.name}"] = hook
    for mail in config.alerts.email:
        out[f"email:{mail.name}"] = mail
    return out


def backoff_s(channel: WebhookChannel | EmailChannel, attempt: int, rng: random.Random) -> float:
    """The wait before retrying after failed attempt `attempt` (1 for the first)."""
    delay = min(channel.max_backoff_s, channel.backoff_s * 2 ** (attempt - 1))
    return delay * rng.uniform(0.5, 1.0)


class OutboundNotifier:
    """The engine's `Notifier` for every outbound channel (see the module docstring). The
    CAP feed reads the same outbox, so every notice is kept even with no channel."""

    def __init__(
        self, config: Config, store: Store, clock: Callable[[], datetime], wake: Callable[[], None]
    ) -> None:
        self._config = config
        self._store = store
        self._clock = clock
        self._wake = wake

    def notify(self, notice: AlertNotice) -> None:
        channels = [
            name
            for name, channel in _channels(self._config).items()
            if channel.wants(notice.event, notice.severity)
        ]
        recorded = self._store.alert_outbox.record(
            alert_id=notice.alert_id,
            event=notice.event,
            at=notice.at,
            severity=notice.severity,
            payload=notice_json(notice),
            channels=channels,
            now=self._clock(),
        )
        if recorded is not None and channels:
            self._wake()


class DeliveryWorker:
    """Delivers the outbox (see the module docstring); `start()` its thread, `stop()` it."""

    def __init__(
        self,
        config: Config,
        store: Store,
        clock: Callable[[], datetime],
        *,
        client: httpx.Client | None = None,
        poll_s: float = 5.0,
        rng: random.Random | None = None,
    ) -> None:
        self._config = config
        self._store = store
        self._clock = clock
        self._client = client or httpx.Client(follow_redirects=False)
        self._poll_s = poll_s
        self._rng = rng or random.Random()
        self._channels = _channels(config)
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def notifier(self) -> OutboundNotifier:
        """The notifier whose notices this worker delivers (register it with the engine)."""
        return OutboundNotifier(self._config, self._store, self._clock, self._wakeup.set)

    def run_once(self) -> int:
        """Make one attempt at every delivery due now; how many were attempted."""
        due = self._store.alert_outbox.claim(self._clock(), LEASE_S)
        for delivery in due:
            self._attempt(delivery)
        return len(due)

    def _attempt(self, delivery: DueDelivery) -> None:
        channel = self._channels.get(delivery.channel)
        if channel is None:  # configured away since: nothing can send it
            outcome = Outcome(False, error=f"channel {delivery.channel} is no longer configured")
        elif isinstance(channel, WebhookChannel):
            outcome = post_webhook(
                channel,
                delivery.payload,
                delivery_id=delivery.id,
                now=self._clock(),
                base_url=self._config.exports.base_url,
                client=self._client,
            )
        else:
            notice = notice_from_json(delivery.payload)
            outcome = send_email(self._config, channel, notice)
        now = self._clock()
        retry_at = None
        retrying = not outcome.ok and outcome.retry and channel is not None
        if retrying and channel is not None and delivery.attempt < channel.max_attempts:
            wait = backoff_s(channel, delivery.attempt, self._rng)
            if outcome.retry_after_s is not None:
                wait = min(max(wait, outcome.retry_after_s), channel.max_backoff_s)
            retry_at = now + timedelta(seconds=wait)
        status = self._store.alert_outbox.record_attempt(
            delivery.id,
            attempt=delivery.attempt,
            at=now,
            ok=outcome.ok,
            http_status=outcome.http_status,
            error=outcome.error,
            retry_at=retry_at,
        )
        if status == "failed":
            log.warning(
                "alert delivery %s on %s failed for good after %s attempts: %s",
                delivery.id,
                delivery.channel,
                delivery.attempt,
                outcome.error,
            )

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wakeup.clear()  # before the round: a notice queued during it wakes the next
            try:
                self.run_once()
            except Exception:  # a store hiccup: logged, tried again next poll
                log.exception("alert delivery round failed")
            self._wakeup.wait(self._poll_s)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="alert-outbound", daemon=True)
            self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stopping.set()
        self._wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
        self._client.close()

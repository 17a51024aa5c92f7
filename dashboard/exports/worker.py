"""Render workers: a small pool of threads that claim queued exports and render them.

Where they run: in the scheduler's process (`cityops scheduler`, and `cityops demo`, which is
one process), never in a web worker's request. A web worker only queues (a row in the
store's `exports`); any process's workers claim from that one queue, each export once, so
several web workers, or a standby scheduler beside the leader, change nothing but capacity.
The pool is bounded (`[exports] workers`, default 1 render at a time per process); more
exports wait in the queue. Each thread owns one `dashboard.pdf.Renderer` (its loopback app
and headless Chromium; a renderer prints one page at a time), made at its first export and
again after a render broke it.

A render is bounded by the renderer's timeout (`[exports] timeout_s`), a browser's memory by
replacing it after `RECYCLE_AFTER` exports; an export that fails is recorded as failed with
its reason and never stops the worker. An export whose process died mid-render is failed as
interrupted once it has run past three timeouts (`fail_stale`). Renders run at a lower CPU
priority (`[exports] nice`, 10 by default, and Linux's SCHED_IDLE, `idle_priority`), and
optionally on CPUs of their own (`cpus`), so on a shared machine the web's callbacks come
first (bench/exports_load.py).
"""

from __future__ import annotations

import contextvars
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from dashboard.config import Config, ConfigError
from dashboard.config_exports import ExportsConfig
from dashboard.context import utc_now
from dashboard.exports import may_export
from dashboard.exports.deliver import deliver, pdf_filename, write_whole
from dashboard.store import ExportView, Store

if TYPE_CHECKING:
    from dashboard.pdf import PdfJob

__all__ = ["ExportWorkers", "RendererFactory", "Rendering", "chromium_renderer"]

log = logging.getLogger(__name__)

IDLE_POLL_S = 2.0  # how often an idle worker looks for exports queued by another process
STALE_CHECK_S = 60.0
RECYCLE_AFTER = 50  # exports one browser renders before it is replaced by a fresh one


class Rendering(Protocol):
    """What a worker needs of `dashboard.pdf.Renderer`."""

    def render(self, job: PdfJob) -> bytes: ...

    def close(self) -> None: ...


RendererFactory = Callable[[], Rendering]


def chromium_renderer(
    config: Config, store: Store, clock: Callable[[], datetime] | None = None
) -> RendererFactory:
    """The real renderer (headless Chromium), bounded by `[exports] timeout_s`; `clock` is
    the app's it serves (None: the system's)."""

    def make() -> Rendering:
        from dashboard.pdf import Renderer

        return Renderer(config, store, timeout_s=config.exports.timeout_s, clock=clock)

    return make


def _lower_priority(exports: ExportsConfig) -> None:
    """This thread's CPU priority and CPUs, as `[exports]` says; Linux gives each thread its
    own, inherited by the threads and processes it starts (the renderer's server, Playwright,
    Chromium). Where the system has no such call, the render runs as it is."""
    if exports.nice and hasattr(os, "nice"):
        os.nice(exports.nice)
    if exports.idle_priority and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except OSError:
            log.warning("could not give renders the idle CPU priority", exc_info=True)
    if exports.cpus and hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, set(exports.cpus))
        except OSError:
            log.warning("could not keep renders on CPUs %s", exports.cpus, exc_info=True)


class ExportWorkers:
    """`[exports] workers` threads rendering the queue; `start()` returns at once."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        renderer: RendererFactory | None = None,
        clock: Callable[[], datetime] = utc_now,
        holder: str | None = None,
        poll_s: float = IDLE_POLL_S,
    ) -> None:
        self.config, self.store, self.clock = config, store, clock
        self.renderer = renderer or chromium_renderer(config, store, clock)
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}"
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._stale_checked = 0.0

    def start(self) -> None:
        for n in range(self.config.exports.workers):
            # Each thread runs in a copy of the starting thread's context variables: the
            # renderer builds an app (`create_app`), and Dash's page registration reads a
            # context variable that is set only in the thread that imported Dash.
            context = contextvars.copy_context()
            thread = threading.Thread(
                target=context.run,
                args=(self._loop, f"{self.holder}:{n}"),
                name=f"export-{n}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def wake(self) -> None:
        """Look at the queue now (an export was queued in this process)."""
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        """Stop claiming; wait for the renders under way (each bounded by its timeout)."""
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _loop(self, worker: str) -> None:
        _lower_priority(self.config.exports)
        renderer: Rendering | None = None
        rendered = 0
        try:
            while not self._stop.is_set():
                try:
                    self._fail_stale()
                    job = self.store.exports.claim(worker, self.clock())
                except Exception:  # the database is away: try again later, never die
                    log.exception("export worker %s could not read the queue", worker)
                    job = None
                if job is None:
                    self._wake.wait(self.poll_s)
                    self._wake.clear()
                    continue
                try:
                    renderer = self.process(job, renderer)
                except Exception:  # the store failed mid-export: fail_stale ends it later
                    log.exception("export worker %s lost export %d", worker, job.id)
                rendered += 1
                if renderer is not None and rendered % RECYCLE_AFTER == 0:
                    _close_quietly(renderer)  # a fresh browser now and then bounds its memory
                    renderer = None
        finally:
            if renderer is not None:
                renderer.close()

    def _fail_stale(self) -> None:
        if time.monotonic() - self._stale_checked < STALE_CHECK_S:
            return
        self._stale_checked = time.monotonic()
        now = self.clock()
        bound = timedelta(seconds=3 * self.config.exports.timeout_s + 60)
        if found := self.store.exports.fail_stale(now - bound, now):
            log.warning("%d exports were left running by a stopped process", found)

    def process(self, job: ExportView, renderer: Rendering | None) -> Rendering | None:
        """Render claimed `job`, keep its PDF, deliver a scheduled report's, record the end.
        Returns the renderer to reuse (None after a failure that may have broken it)."""
        from dashboard.pdf import PdfError

        exports = self.store.exports
        refusal = self._refusal(job)
        if refusal is not None:
            exports.finish(job.id, at=self.clock(), status="failed", error=refusal)
            return renderer
        try:
            renderer = renderer or self.renderer()
            exports.set_progress(job.id, 20)
            pdf = renderer.render(_pdf_job(job))
        except Exception as exc:
            why = str(exc) if isinstance(exc, PdfError) else f"{type(exc).__name__}: {exc}"
            log.warning("export %d of %s failed: %s", job.id, job.path, why)
            exports.finish(job.id, at=self.clock(), status="failed", error=why or repr(exc))
            if renderer is not None and not isinstance(exc, PdfError):
                _close_quietly(renderer)
                return None
            return renderer
        exports.set_progress(job.id, 80)
        try:
            name = self._keep(job, pdf)
            status, error, delivery = self._deliver(job, pdf)
        except Exception as exc:
            log.exception("export %d could not be kept", job.id)
            exports.finish(job.id, at=self.clock(), status="failed", error=f"{exc}")
            return renderer
        exports.finish(
            job.id,
            at=self.clock(),
            status=status,
            error=error,
            file=name,
            size_bytes=len(pdf),
            delivery=delivery,
        )
        return renderer

    def _refusal(self, job: ExportView) -> str | None:
        # Rights are checked again when the render starts: an account disabled or demoted
        # since the export was queued gets no PDF.
        user = self.store.accounts.user(job.username)
        if user is None:
            return f"no account {job.username!r} to render with"
        if not may_export(user.role, user.disabled):
            state = "disabled" if user.disabled else f"a {user.role}"
            return f"account {job.username!r} may not export ({state})"
        return None

    def _keep(self, job: ExportView, pdf: bytes) -> str:
        folder = self.config.exports_folder
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{job.id}.pdf"
        write_whole(folder / name, pdf)
        return name

    def _deliver(self, job: ExportView, pdf: bytes) -> tuple[str, str | None, str | None]:
        """(status, error, delivery) of a kept PDF: a scheduled report goes to its
        destinations; any that fails makes the export failed, naming it (the PDF stays)."""
        if job.schedule is None:
            return "done", None, None
        try:
            report = self.config.report(job.schedule)
        except ConfigError as exc:
            return "failed", str(exc), None
        tz = self.config.city.tz
        filename = pdf_filename(report.name, job.requested_at.astimezone(tz))
        outcomes = deliver(self.config, report, job, pdf, filename)
        delivery = "; ".join(o.summary for o in outcomes) or None
        failed = [o.summary for o in outcomes if not o.ok]
        if failed:
            return "failed", "delivery failed: " + "; ".join(failed), delivery
        return "done", None, delivery


def _pdf_job(job: ExportView) -> PdfJob:
    from dashboard.pdf import PdfJob

    return PdfJob(
        path=job.path,
        username=job.username,
        paper="A3" if job.paper == "A3" else "A4",
        landscape=job.landscape,
        lang="vi" if job.lang == "vi" else "en" if job.lang == "en" else None,
    )


def _close_quietly(renderer: Rendering) -> None:
    try:
        renderer.close()
    except Exception:
        log.exception("a broken renderer did not close cleanly")

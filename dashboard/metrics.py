"""`/metrics` for Prometheus: this process's request and callback latencies, and the store's
feed, quarantine, lease and alert numbers (`dashboard.metrics_store`).

Recorded in each web process, by `install(app)` (called by `create_app`):

    cityops_http_request_duration_seconds{route,method,status}   histogram, every request
    cityops_callback_duration_seconds{page}                      histogram, Dash callbacks

`route` is the URL rule that matched (`/_dash-update-component`, `/api/v1/latest`, Dash's
`/<path:path>` for every page; `unmatched` for a 404), so its values are few. A callback's
`page` is the path of the page that registered it (`AccessMap`), the page it renders for
Dash's page router (`/404` for an unknown one), or `shell` for the chrome's own; only
callbacks that ran are timed (a 4xx refusal is not). The time runs from the first
before_request hook to the last after_request one (the guard and compression included).

Guarded like the API (`dashboard.auth.guard`): a signed-in person, or `Authorization: Bearer`
with an API token of scope `read:api` or `read:metrics` (`cityops token create prometheus
--kind api --scope read:metrics`); nobody signed in gets 401. OpenMetrics is answered to a
scraper that asks for it.

Several worker processes (gunicorn): prometheus_client's multiprocess mode, with its files in
the directory PROMETHEUS_MULTIPROC_DIR, which must be set before the workers start. Any
worker's scrape then sums the histograms of all workers, live or gone. The launcher wires two
hooks from here:

1. `prepare_multiproc_dir()`: in the gunicorn master, once, before the workers are forked (and
   best before `dashboard.app` is imported): makes a fresh temporary directory (or empties the
   one given: a restart starts from zero), sets PROMETHEUS_MULTIPROC_DIR for this process and
   its workers, and returns it. A directory it made is removed when the master exits.
2. `child_exit(server, worker)`: gunicorn's `child_exit` server hook as it is (the master calls
   it when a worker exits): `multiprocess.mark_process_dead(worker.pid)`, so a dead worker's
   live gauges are dropped (its counts stay in the sums).

Without PROMETHEUS_MULTIPROC_DIR (`cityops demo`, tests) each app keeps its own histograms in
memory and `/metrics` shows its own process.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import dash
import flask
from prometheus_client import CollectorRegistry, Histogram, multiprocess, values
from prometheus_client.exposition import choose_encoder

from dashboard.auth.access import ROUTER_OUTPUT, AccessMap
from dashboard.auth.guard import CALLBACK_PATH, METRICS_PATH, access_map, page_path
from dashboard.config import metrics_multiproc_dir, set_metrics_multiproc_dir
from dashboard.context import current_context
from dashboard.metrics_store import StoreCollector

__all__ = [
    "METRICS_PATH",
    "ProcessMetrics",
    "child_exit",
    "install",
    "prepare_multiproc_dir",
]

EXTENSION = "cityops_metrics"  # key of ProcessMetrics in flask_app.extensions
G_STARTED = "cityops_metrics_started"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
SHELL = "shell"


def prepare_multiproc_dir(path: Path | None = None) -> Path:
    """The directory of this server start's metrics (hook 1 of the module docstring): `path`
    created and emptied of metric files, or a fresh temporary one; PROMETHEUS_MULTIPROC_DIR
    names it from now on, in this process and the processes it starts."""
    if path is None:
        path = Path(tempfile.mkdtemp(prefix="cityops-metrics-"))
        atexit.register(_remove_at_exit, path, os.getpid())
    else:
        path.mkdir(parents=True, exist_ok=True)
        for old in path.glob("*.db"):  # prometheus_client's files, one set per process
            old.unlink()
    set_metrics_multiproc_dir(path)
    if values.ValueClass is values.MutexValue:
        # prometheus_client chose in-memory values when it was imported, before the variable
        # was set: metrics created from now on (each worker's app) go to the files.
        values.ValueClass = values.MultiProcessValue()
    return path


def _remove_at_exit(path: Path, owner: int) -> None:
    if os.getpid() == owner:  # forked workers inherit the hook: only the master removes it
        shutil.rmtree(path, ignore_errors=True)


def child_exit(server: Any, worker: Any) -> None:
    """gunicorn's `child_exit(server, worker)` hook (hook 2 of the module docstring)."""
    path = metrics_multiproc_dir()
    if path is not None:
        multiprocess.mark_process_dead(worker.pid, str(path))


class ProcessMetrics:
    """The histograms one app records (one per app: tests build many apps in one process;
    in multiprocess mode their values live in the files of the directory)."""

    def __init__(self, multiproc_dir: Path | None) -> None:
        self.multiproc_dir = multiproc_dir
        self.requests = Histogram(
            "cityops_http_request_duration_seconds",
            "HTTP requests served by this app, by URL rule, method and status",
            ["route", "method", "status"],
            registry=None,
        )
        self.callbacks = Histogram(
            "cityops_callback_duration_seconds",
            "Dash callbacks run, by the page they belong to",
            ["page"],
            registry=None,
        )

    def registry(self) -> CollectorRegistry:
        """A registry for one scrape: the process's (or every worker's) histograms, and the
        store read now."""
        registry = CollectorRegistry()
        if self.multiproc_dir is None:
            registry.register(self.requests)
            registry.register(self.callbacks)
        else:
            multiprocess.MultiProcessCollector(registry, path=str(self.multiproc_dir))
        registry.register(StoreCollector(current_context()))
        return registry


def _started() -> None:
    setattr(flask.g, G_STARTED, time.perf_counter())


def _callback_page(app: dash.Dash, access: AccessMap) -> str:
    """The page label of the callback request being answered (module docstring)."""
    body = flask.request.get_json(silent=True)  # parsed already, by the guard
    output = body.get("output") if isinstance(body, dict) else None
    entry = access.callback(output, app.callback_map) if isinstance(output, str) else None
    if entry is None:
        return SHELL
    if entry.output == ROUTER_OUTPUT:
        assert isinstance(body, dict)
        path = page_path(AccessMap.router_path(body) or "")
        return path if path in access.pages else "/404"
    return entry.page or SHELL


def _observer(app: dash.Dash, metrics: ProcessMetrics) -> Any:
    def observed(response: flask.Response) -> flask.Response:
        started = flask.g.pop(G_STARTED, None)
        if started is None:
            return response
        elapsed = time.perf_counter() - started
        request = flask.request
        rule = request.url_rule
        method = request.method if request.method in METHODS else "other"
        status = response.status_code
        route = rule.rule if rule is not None else "unmatched"
        metrics.requests.labels(route, method, str(status)).observe(elapsed)
        if request.path == CALLBACK_PATH and not 400 <= status < 500:
            metrics.callbacks.labels(_callback_page(app, access_map())).observe(elapsed)
        return response

    return observed


def _scrape() -> flask.Response:
    metrics: ProcessMetrics = flask.current_app.extensions[EXTENSION]
    encode, content_type = choose_encoder(flask.request.headers.get("Accept", ""))
    response = flask.Response(encode(metrics.registry()))
    response.headers["Content-Type"] = content_type
    response.headers["Cache-Control"] = "no-store"
    return response


def install(app: dash.Dash) -> ProcessMetrics:
    """Time every request of `app` and serve `/metrics` (module docstring). The hooks go
    first among the before_request hooks and last among the after_request ones."""
    server = app.server
    metrics = ProcessMetrics(metrics_multiproc_dir())
    server.extensions[EXTENSION] = metrics
    server.before_request_funcs.setdefault(None, []).insert(0, _started)
    # after_request hooks run last-registered first: the first in the list runs last.
    server.after_request_funcs.setdefault(None, []).insert(0, _observer(app, metrics))
    server.add_url_rule(METRICS_PATH, "cityops_metrics", _scrape, methods=["GET"])
    return metrics

"""The wall benchmark's city and its server: built once, cached, served in a process of its own.

The city is the simulator's Rạch Giá at bench size (5,000 lights, 300 segments, 30 air stations,
8 gauges, citizen reports; `city="demo"`: the demo city, the simulator's defaults, 3,000 lights)
with N days of 5-minute history up to `NOW`, stored through the real pipeline
(`dashboard.pipeline.backfill`). Every value is a pure function of the simulator's
seed, so the build is deterministic and can be cached: a SQLite file under bench/.cache, a
template database on PostgreSQL. Each run works on a copy (the run ingests lamp changes).

The server is the production app (`create_app`, werkzeug threaded, as `cityops serve`) with
three harness-only additions: a trivial string callback (the framework floor), a settable clock
(so the refreshes are reproducible), and a switch that records the SQL the app executes (the
bare-read limit re-runs exactly those statements).

Clients sign in as a real wall screen does (`wall_token`, `sign_in`): a wall token made in the
city's store, opened once as `/wall?token=...`, whose session cookie then rides on every
request. The guard's checks are part of each timed request, the trivial callback's too (it is
counted as a /wall callback, so the screen's token may call it).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import flask
import requests
from dash import Input, Output
from sqlalchemy import event, text

from bench.ingest import PG_URL
from dashboard.areas import Areas
from dashboard.config import PROJECT_ROOT, Config, load_config
from dashboard.pipeline import backfill
from dashboard.store import Store
from data_sources.simulator import SimulatorSource

CACHE = Path(__file__).parent / ".cache"
# Monday 19:27:30 in Rạch Giá: the lamps are on, the evening traffic is easing.
NOW = datetime(2026, 11, 2, 12, 27, 30, tzinfo=UTC)
SIM: dict[str, Any] = {
    "name": "sim",
    "type": "simulator",
    "interval_s": 60,
    "seed": 42,
    "segments": 300,
    "lights": 5000,
    "air_stations": 30,
    "water_sensors": 8,
    "step_s": 300,
}
# The demo city: the simulator's defaults, as the built-in configuration runs it (3,000 lights,
# 160 segments, 12 air stations, 8 gauges, 40 reports a day).
DEMO: dict[str, Any] = {"name": "sim", "type": "simulator", "interval_s": 60, "seed": 42}
CITIES: dict[str, dict[str, Any]] = {"wall": SIM, "demo": DEMO}
TRIVIAL_OUTPUT = "bench-trivial.children"
_IN_VIEW = "bench_in_view"


WALL_TOKEN = "bench-wall-screen"


def city_config(url: str, city: str = "wall") -> Config:
    """The config of `city` (`CITIES`: the wall's bench size, or the demo's) on `url`."""
    # Plain HTTP on the loopback: the session cookie cannot be Secure there.
    sim = CITIES[city]
    overrides = {"database": {"url": url}, "sources": [sim], "auth": {"secure_cookies": False}}
    return load_config(env={}, overrides=overrides)


def wall_token(url: str) -> str:
    """A wall token for /wall in the city at `url` (each run's copy gets its own); the secret."""
    from dashboard.auth.manage import CLI_ACTOR, create_token

    store = Store(url)
    try:
        return create_token(store, "wall", WALL_TOKEN, NOW, CLI_ACTOR, bound_path="/wall").secret
    finally:
        store.dispose()


def harness_session(url: str) -> str:
    """A session cookie of an admin for the harness's own routes (/_bench/...), which the
    guard opens to people only."""
    from dashboard.auth.sessions import open_session

    store = Store(url)
    try:
        user = store.accounts.create_user("bench-harness", "admin", "!unusable", NOW)
        return open_session(store, NOW, user_id=user.id, address="127.0.0.1")
    finally:
        store.dispose()


def sign_in(http: requests.Session, base: str, token: str) -> str:
    """Open `/wall?token=...` once, as a wall screen does: `http` keeps the session cookie
    (returned too, for a browser). Fails loudly when the server does not sign the screen in."""
    from dashboard.auth.sessions import COOKIE

    r = http.get(f"{base}/wall", params={"token": token}, allow_redirects=False)
    cookie = r.cookies.get(COOKIE)
    if r.status_code not in (301, 302, 303) or not cookie:
        raise RuntimeError(f"wall sign-in refused: {r.status_code} {r.text[:200]}")
    return cookie


def _code_digest(city: str = "wall") -> str:
    """What the cached data depends on: the simulator (the values), the schema (migrations,
    models) and the pipeline that places and stores them. Delete bench/.cache to force."""
    digest = hashlib.sha256(json.dumps([CITIES[city], NOW.isoformat()]).encode())
    for folder in ("data_sources/simulator", "dashboard/store/migrations/versions"):
        for path in sorted((PROJECT_ROOT / folder).glob("*.py")):
            digest.update(path.name.encode() + path.read_bytes())
    for rel in ("dashboard/store/models.py", "dashboard/pipeline.py", "dashboard/areas.py"):
        digest.update((PROJECT_ROOT / rel).read_bytes())
    return digest.hexdigest()[:10]


def _build(store: Store, days: float, city: str) -> None:
    config = city_config(store.url, city)
    connector = SimulatorSource(config.source("sim"), config)
    outcome = backfill(store, connector, Areas.from_config(config), days=days, now=NOW)
    if outcome.status != "ok":
        raise RuntimeError(f"city build failed: {outcome.error}")


def sqlite_city(days: float, workdir: Path, city: str = "wall") -> str:
    """The URL of a working copy of the cached `days`-day `city` (built first if missing)."""
    CACHE.mkdir(exist_ok=True)
    cached = CACHE / f"{city}-{days:g}d-{_code_digest(city)}.db"
    if not cached.exists():
        for stale in CACHE.glob(f"{city}-{days:g}d-*.db*"):
            stale.unlink()
        partial = cached.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        store = Store(f"sqlite:///{partial}")
        store.upgrade()
        print(f"building the {days:g}-day city into {cached} (once) ...", flush=True)
        _build(store, days, city)
        store.dispose()
        # Fold the WAL in (the cache is one file). No ANALYZE: the store never runs one, so
        # the planner sees what it sees in a deployment.
        conn = sqlite3.connect(partial)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        partial.rename(cached)
        for suffix in ("-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
    copy = workdir / f"{city}-{days:g}d.db"
    shutil.copyfile(cached, copy)
    return f"sqlite:///{copy}"


def _admin(sql: str) -> list[Any]:
    admin = Store(PG_URL)
    try:
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            result = conn.execute(text(sql))
            return list(result) if result.returns_rows else []
    finally:
        admin.dispose()


def postgres_city(days: float, city: str = "wall") -> str:
    """The URL of a fresh copy (CREATE DATABASE ... TEMPLATE) of the cached `days`-day `city`
    (databases of their own, `cityops_bench_<city>_...`: the tests' schemas are untouched)."""
    base = PG_URL.rsplit("/", 1)[0]
    prefix = f"cityops_bench_{city}_{days:g}d_"
    template = f"{prefix}{_code_digest(city)}"
    if not _admin(f"SELECT 1 FROM pg_database WHERE datname = '{template}'"):
        for (name,) in _admin(f"SELECT datname FROM pg_database WHERE datname LIKE '{prefix}%'"):
            _admin(f"DROP DATABASE {name} WITH (FORCE)")
        partial = f"{template}_partial"
        _admin(f"DROP DATABASE IF EXISTS {partial} WITH (FORCE)")
        _admin(f"CREATE DATABASE {partial}")
        store = Store(f"{base}/{partial}")
        store.upgrade()
        print(f"building the {days:g}-day city into {template} (once) ...", flush=True)
        _build(store, days, city)
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        store.dispose()
        _admin(f"ALTER DATABASE {partial} RENAME TO {template}")
    work = f"cityops_bench_{city}_run_{days:g}d"
    _admin(f"DROP DATABASE IF EXISTS {work} WITH (FORCE)")
    _admin(f"CREATE DATABASE {work} TEMPLATE {template}")
    return f"{base}/{work}"


# -- the server (runs in its own process) -------------------------------------------------


class _Capture:
    """The SQL the callbacks execute while switched on: (statement, DB-API parameters, many).

    Only the view's own statements: the guard's (the session's read, before the view runs)
    are part of every request, the trivial callback's too, so they count in its time."""

    def __init__(self) -> None:
        self.on = False
        self.statements: list[tuple[str, Any, bool]] = []

    def __call__(
        self, conn: Any, cursor: Any, statement: str, params: Any, ctx: Any, many: bool
    ) -> None:
        if self.on and flask.has_request_context() and flask.g.get(_IN_VIEW, False):
            self.statements.append((statement, params, many))


def bench_app(url: str, start: datetime) -> Any:
    """The production app on `url`, plus the harness routes and the trivial callback."""
    from dashboard.app import create_app

    clock = [start]
    store = Store(url)
    app = create_app(city_config(url), store, clock=lambda: clock[0])

    @app.callback(Output("bench-trivial", "children"), Input("bench-trivial-in", "n_clicks"))
    def trivial(n: int | None) -> str:
        return f"ok {n}"

    # The guard checks it as one of the wall's callbacks (a screen's token may call those).
    from dashboard.auth.access import CallbackAccess
    from dashboard.auth.guard import ACCESS

    app.server.extensions[ACCESS].callbacks[TRIVIAL_OUTPUT] = CallbackAccess(
        TRIVIAL_OUTPUT, "/wall", None
    )

    capture = _Capture()
    event.listen(store.engine, "before_cursor_execute", capture)
    server = app.server

    @server.before_request  # after the guard's hook (registered by create_app)
    def in_view() -> None:
        flask.g.setdefault(_IN_VIEW, True)

    @server.post("/_bench/clock")
    def set_clock() -> str:
        clock[0] = datetime.fromtimestamp(float(flask.request.json["t"]), UTC)  # type: ignore[index]
        return "ok"

    @server.post("/_bench/capture")
    def switch_capture() -> flask.Response:
        taken = capture.statements
        capture.on, capture.statements = bool(flask.request.json["on"]), []  # type: ignore[index]
        return flask.Response(pickle.dumps(taken), mimetype="application/octet-stream")

    return app


def serve(url: str, start_ts: float, cpu: int | None, port_out: Any) -> None:
    """Process target: serve the bench app on a free loopback port (sent back on `port_out`)."""
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})
    app = bench_app(url, datetime.fromtimestamp(start_ts, UTC))
    httpd = make_server("127.0.0.1", 0, app.server, threaded=True)
    port_out.send(httpd.server_port)
    port_out.close()
    threading.current_thread().name = "bench-wall-server"
    httpd.serve_forever()


# -- where a refresh's time goes (in this process, no HTTP) -------------------------------


def split(url: str, held: dict[str, dict[str, Any]], now: datetime, rounds: int) -> dict[str, Any]:
    """Median ms of each refresh's parts, the callback's own code run directly: the queries
    (`read_wall`; `sql_ms` is the time inside the driver's execute), the outputs
    (`refresh_values`: figures, patches, digests, texts) and Dash's JSON encoding."""
    import statistics
    import time

    from dash import Patch
    from dash._utils import to_json

    from layouts._wall import refresh as props
    from layouts._wall.skeleton import KPI_KEYS, TICKER_ROWS, app_version

    config = city_config(url)
    store = Store(url)
    spent = [0.0]
    started: list[float] = []
    event.listen(
        store.engine, "before_cursor_execute", lambda *a: started.append(time.perf_counter())
    )
    event.listen(
        store.engine,
        "after_cursor_execute",
        lambda *a: spent.__setitem__(0, spent[0] + time.perf_counter() - started.pop()),
    )
    feeds = [s.name for s in config.sources if s.enabled]
    keys: list[list[Any]] = [list(KPI_KEYS)] * 5 + [list(range(TICKER_ROWS))] * 3 + [feeds] * 5
    out: dict[str, Any] = {}
    for variant, states in held.items():
        request = props.RefreshRequest.parse(
            states["wall-version"].get("data"),
            states["wall-trend-key"].get("data"),
            states["wall-layers"].get("value"),
            states["wall-scene"].get("data"),
            states["wall-boot"]["data"],
            now,
        )
        parts: dict[str, list[float]] = {"read_ms": [], "sql_ms": [], "build_ms": [], "json_ms": []}
        for _ in range(rounds + 2):
            spent[0] = 0.0
            t0 = time.perf_counter()
            data = props.read_wall(store, config, request)
            t1 = time.perf_counter()
            values = props.refresh_values(data, request, config, keys, app_version())
            t2 = time.perf_counter()
            body = [v.to_plotly_json() if isinstance(v, Patch) else v for v in values]
            to_json(
                {"multi": True, "response": [v for v in body if type(v).__name__ != "NoUpdate"]}
            )
            t3 = time.perf_counter()
            for name, ms in zip(parts, (t1 - t0, spent[0], t2 - t1, t3 - t2), strict=True):
                parts[name].append(ms * 1000)
        out[variant] = {k: round(statistics.median(v[2:]), 2) for k, v in parts.items()}
    store.dispose()
    return out

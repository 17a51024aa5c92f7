"""/metrics as Prometheus scrapes it: guarded like the API, the request and callback
histograms of the app that answers, the store's numbers per source, and several worker
processes summed through prometheus_client's multiprocess directory (`dashboard.metrics`).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import dash
import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from dashboard.app import create_app
from dashboard.auth import manage
from dashboard.config import METRICS_DIR_ENV
from dashboard.queries.sources import run_history
from tests.api.alert_seed import open_alerts
from tests.api.seed import NOW, SOURCES, Seed, lamp_series
from tests.pages.test_wall_page import WallClient

SQLITE = pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: FlaskClient, headers: dict[str, str] | None = None) -> Samples:
    """Every sample of /metrics, by (name, labels), parsed as Prometheus parses the text."""
    r = client.get("/metrics", headers=headers or {})
    assert r.status_code == 200, r.data[:300]
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(r.get_data(as_text=True))
        for s in family.samples
    }


def sample(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


def bearer(seed: Seed, name: str, scope: str) -> dict[str, str]:
    made = manage.create_token(seed.store, "api", name, NOW, manage.CLI_ACTOR, scopes=(scope,))
    return {"Authorization": f"Bearer {made.secret}"}


@SQLITE
def test_metrics_answer_a_scraper_token_and_nobody_else(app: dash.Dash, seeded: Seed) -> None:
    nobody = app.server.test_client(role=None)
    r = nobody.get("/metrics")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="cityops"'
    assert b"cityops_" not in r.data
    scraper = bearer(seeded, "prometheus", "read:metrics")
    assert sample(scrape(nobody, scraper), "cityops_store_up") == 1
    # The scraper's token reads the metrics only; an API token reads them too.
    assert nobody.get("/api/v1/kpis", headers=scraper).status_code == 403
    platform = bearer(seeded, "platform", "read:api")
    assert sample(scrape(nobody, platform), "cityops_store_up") == 1


@SQLITE
def test_every_request_and_wall_refresh_is_timed(client: FlaskClient) -> None:
    kpis = {"route": "/api/v1/kpis", "method": "GET", "status": "200"}
    count = "cityops_http_request_duration_seconds_count"
    before = sample(scrape(client), count, **kpis) or 0
    for _ in range(3):
        assert client.get("/api/v1/kpis").status_code == 200
    after = scrape(client)
    assert sample(after, count, **kpis) == before + 3
    assert sample(after, "cityops_http_request_duration_seconds_bucket", le="+Inf", **kpis) == 3
    assert sample(after, "cityops_callback_duration_seconds_count", page="/wall") is None
    wall = WallClient(client)  # the page router renders /wall: one callback of the page
    wall.refresh()  # the wall's own refresh: a second
    timed = scrape(client)
    assert sample(timed, "cityops_callback_duration_seconds_count", page="/wall") == 2
    assert sample(timed, "cityops_callback_duration_seconds_sum", page="/wall")
    refreshes = {"route": "/_dash-update-component", "method": "POST", "status": "200"}
    assert sample(timed, count, **refreshes) == 2


def test_store_numbers_per_source_are_the_stores(client: FlaskClient, seeded: Seed) -> None:
    store = seeded.store
    open_alerts(store)  # one critical open, one warning acknowledged, one resolved
    assert store.try_lease("scheduler", "ioc-1:4242", NOW - timedelta(seconds=10), 30)
    found = scrape(client)
    with store.read_session() as session:
        runs = {s.name: run_history(session, s.name, limit=1000) for s in SOURCES}
    for name, history in runs.items():
        stored = sample(found, "cityops_source_rows_stored", source=name)
        assert stored == (history["rows"].sum() if len(history) else None), name
        for status, n in history["status"].value_counts().items():
            assert sample(found, "cityops_source_runs", source=name, status=status) == n
    assert sample(found, "cityops_source_runs", source="sim", status="ok") == 26
    assert sample(found, "cityops_source_last_run_rows", source="sim") == 144
    assert sample(found, "cityops_source_last_run_status", source="ngsi-city", status="error") == 1
    assert sample(found, "cityops_source_health", source="open311", health="stale") == 1
    newest = max(r.ts for r in [*seeded.pm25, *seeded.speed, *lamp_series()])
    lag = (NOW - newest).total_seconds()
    assert sample(found, "cityops_source_ingest_lag_seconds", source="sim") == lag
    assert sample(found, "cityops_source_ingest_lag_seconds", source="csv-drop") is None
    # The seed's one reject, kept in quarantine with its payload.
    assert sample(found, "cityops_quarantine_records", source="sim", record_kind="payload") == 1
    assert len([k for k in found if k[0] == "cityops_quarantine_records"]) == 1
    lease = {"lease": "scheduler", "holder": "ioc-1:4242"}
    assert sample(found, "cityops_lease_expires_in_seconds", **lease) == 20
    unresolved = {
        dict(k[1])["severity"] + "/" + dict(k[1])["status"]: v
        for k, v in found.items()
        if k[0] == "cityops_alerts_unresolved"
    }
    assert unresolved == {"critical/open": 1, "warning/acknowledged": 1}


WORKERS = """
import os, sys
from pathlib import Path
from dashboard.app import create_app  # prometheus_client is imported before the hook runs
from dashboard.config import Config
from dashboard.metrics import child_exit, prepare_multiproc_dir
from dashboard.store import Store

prepare_multiproc_dir(Path(sys.argv[1]))
url, token = sys.argv[2], sys.argv[3]
pids = []
for _ in range(2):  # two workers forked by one master, as gunicorn does
    pid = os.fork()
    if pid == 0:
        app = create_app(Config(database={"url": url}), Store(url))
        r = app.server.test_client().get("/api/v1/kpis", headers={"Authorization": token})
        os._exit(0 if r.status_code == 200 else 1)
    pids.append(pid)
for pid in pids:
    assert os.waitpid(pid, 0)[1] == 0
    child_exit(None, type("Worker", (), {"pid": pid}))
"""


@SQLITE
def test_a_scrape_sums_every_worker_process(
    seeded: Seed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "prometheus"
    shared.mkdir()
    (shared / "histogram_1.db").write_bytes(b"left by the server's last start")
    token = bearer(seeded, "platform", "read:api")["Authorization"]
    script = textwrap.dedent(WORKERS)
    done = subprocess.run(
        [sys.executable, "-c", script, str(shared), seeded.store.url, token],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert not (shared / "histogram_1.db").exists()
    # A third process (this one) built with the directory set reads both workers' requests.
    monkeypatch.setenv(METRICS_DIR_ENV, str(shared))
    app = create_app(seeded.config, seeded.store, clock=lambda: NOW)
    found = scrape(app.server.test_client())
    kpis = {"route": "/api/v1/kpis", "method": "GET", "status": "200"}
    assert sample(found, "cityops_http_request_duration_seconds_count", **kpis) == 2
    assert sample(found, "cityops_source_rows_stored", source="sim") is not None
    dash.page_registry.clear()

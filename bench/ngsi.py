"""NGSI-v2 pull (entities/s) against bare store ingest of the same readings, in one run.

    python -m bench.ngsi [--runs 3] [--lights 3000] [--page-size 1000]

The city is the simulator's, published by `data_sources.fiware.publisher` (the server of
`cityops simulate --publish ngsi-v2`) on loopback, its state computed before timing. Each run,
on fresh SQLite stores: `pull` is `pipeline.run_source` of an `ngsi-v2` source reading every
entity (HTTP paging, JSON, the SDM mapping, area placement, ingest); `bare` is `Store.ingest`
of the very batch that pull produced (assets, readings, reports), placed alike. The two
alternate which goes first. Figures: medians of entities/s and of the ratio pull/bare.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dashboard.areas import Areas
from dashboard.config import Config, SourceConfig, load_config
from dashboard.pipeline import run_source
from dashboard.records import Batch
from dashboard.store import Store
from data_sources.base import create
from data_sources.fiware.publisher import CityState, make_server
from data_sources.simulator import SimulatorSource

NOW = datetime(2025, 11, 12, 12, 0, tzinfo=UTC)


def _pull(store: Store, raw: dict[str, Any], config: Config, areas: Areas) -> float:
    t0 = time.perf_counter()
    source = create(SourceConfig.model_validate(raw), config)
    out = run_source(store, source, areas, clock=lambda: NOW)
    assert out.status == "ok", out.error
    return time.perf_counter() - t0


def _bare(store: Store, batch: Batch, areas: Areas) -> float:
    t0 = time.perf_counter()
    store.ingest(
        "fw",
        assets=areas.place_assets(batch.assets),
        readings=batch.readings,
        reports=areas.place_reports(batch.reports),
        rejects=batch.rejects,
        now=NOW,
    )
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--lights", type=int, default=3000)
    ap.add_argument("--page-size", type=int, default=1000)
    args = ap.parse_args()
    config = load_config(env={})
    areas = Areas.from_config(config)
    sim = SourceConfig.model_validate({"name": "orion", "type": "simulator", "lights": args.lights})
    state = CityState(SimulatorSource(sim, config), 300, refresh_s=1e9, clock=lambda: NOW)
    entities = len(state.entities())  # computed before timing
    server = make_server(state, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    raw = {"name": "fw", "type": "ngsi-v2", "url": url, "page_size": args.page_size}
    pulls, bares = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            stores = []
            for side in ("pull", "bare"):
                s = Store(f"sqlite:///{Path(tmp)}/{side}{run}.db")
                s.upgrade()
                stores.append(s)
            batch = create(SourceConfig.model_validate(raw), config).fetch(None, NOW)

            for side in ("bare", "pull") if run % 2 else ("pull", "bare"):
                if side == "pull":
                    pulls.append(_pull(stores[0], raw, config, areas))
                else:
                    bares.append(_bare(stores[1], batch, areas))
            for s in stores:
                s.dispose()
    server.shutdown()
    p, b = statistics.median(pulls), statistics.median(bares)
    ratio = statistics.median(x / y for x, y in zip(pulls, bares, strict=True))
    print(f"entities: {entities} ({len(batch.readings)} readings), runs: {args.runs}")
    print(f"pull: {entities / p:,.0f} entities/s ({p:.2f} s)")
    print(f"bare ingest: {entities / b:,.0f} entities/s ({b:.2f} s)")
    print(f"pull / bare: {ratio:.2f}x")


if __name__ == "__main__":
    main()

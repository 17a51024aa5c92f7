"""The store's side of `/metrics`: a prometheus_client collector that reads the store at
scrape time, so its numbers hold across processes and hosts (the scheduler that ingests runs
in a process of its own, the web in several).

Every scrape runs `sources.source_health` (the health /sources and /healthz show) and the four
tallies of `dashboard.queries.metrics`: a dozen small statements, whatever the number of feeds.
A store that does not answer gives `cityops_store_up 0` (logged) and no store metrics; the
process's own metrics are still served.

What is counted here is what the store still holds (retention prunes runs and quarantine), so
these are gauges; per configured source, by name:

    cityops_source_health{source,health}                  1 for its health, 0 for the others
    cityops_source_ingest_lag_seconds{source}             now - newest record (feed_freshness)
    cityops_source_data_timestamp_seconds{source}         that newest record's time
    cityops_source_last_run_status{source,status}         1 for the last run's status
    cityops_source_last_run_start_timestamp_seconds{source}, ..._end_timestamp_seconds
    cityops_source_last_run_rows{source}                  rows stored by the last run
    cityops_source_runs{source,status}                    runs kept, by status
    cityops_source_rows_stored{source}                    rows stored by the runs kept
    cityops_source_rows_rejected{source}                  rows rejected by the runs kept
    cityops_quarantine_records{source,record_kind}        records held in quarantine
    cityops_lease_expires_in_seconds{lease,holder}        negative: expired, nobody leads
    cityops_alerts_unresolved{severity,status}            open and acknowledged alerts
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from dashboard.context import AppContext
from dashboard.queries import metrics as tallies
from dashboard.queries import sources

__all__ = ["StoreCollector"]

log = logging.getLogger(__name__)

RUN_STATUSES = ("ok", "error", "running")


def _gauge(name: str, doc: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=labels)


class StoreCollector(Collector):
    """Reads the store of `context` on every `collect()` (one per scrape)."""

    def __init__(self, context: AppContext) -> None:
        self.context = context

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        families: list[Metric] = []
        try:
            families = self._read()
        except Exception:  # recorded, and said by cityops_store_up 0
            log.warning("/metrics: the store could not be read", exc_info=True)
        up = _gauge("cityops_store_up", "1 when the store answered this scrape", [])
        up.add_metric([], 1.0 if families else 0.0)
        took = _gauge("cityops_store_scrape_duration_seconds", "Time to read the store", [])
        took.add_metric([], time.perf_counter() - started)
        yield from families
        yield up
        yield took

    def _read(self) -> list[Metric]:
        ctx = self.context
        now = ctx.clock()
        names = [s.name for s in ctx.config.sources]
        with ctx.store.read_session() as session:
            health = sources.source_health(session, ctx.config, now)
            runs = tallies.run_tallies(session, names)
            quarantine = tallies.quarantine_tallies(session, names)
            leases = tallies.leases(session)
            alerts = tallies.unresolved_alerts(session)
        out = _health_families(health)
        out.extend(_run_families(runs))
        held = _gauge(
            "cityops_quarantine_records",
            "Records held in quarantine (rejected with a reason), by source and kind",
            ["source", "record_kind"],
        )
        for q in quarantine:
            held.add_metric([q.source, q.record_kind], q.records)
        lease = _gauge(
            "cityops_lease_expires_in_seconds",
            "Seconds until the lease expires unless renewed (negative: expired)",
            ["lease", "holder"],
        )
        for row in leases:
            lease.add_metric([row.name, row.holder], (row.expires_at - now).total_seconds())
        open_alerts = _gauge(
            "cityops_alerts_unresolved", "Alerts not resolved yet", ["severity", "status"]
        )
        for a in alerts:
            open_alerts.add_metric([a.severity, a.status], a.alerts)
        return [*out, held, lease, open_alerts]


def _health_families(health: list[sources.SourceHealth]) -> list[Metric]:
    state = _gauge(
        "cityops_source_health",
        "The feed's health as /sources shows it: 1 for the current one",
        ["source", "health"],
    )
    lag = _gauge(
        "cityops_source_ingest_lag_seconds",
        "Now minus the newest record the feed delivered",
        ["source"],
    )
    as_of = _gauge(
        "cityops_source_data_timestamp_seconds",
        "Time of the newest record the feed delivered (Unix seconds)",
        ["source"],
    )
    status = _gauge(
        "cityops_source_last_run_status",
        "Status of the feed's last run: 1 for the current one",
        ["source", "status"],
    )
    start = _gauge(
        "cityops_source_last_run_start_timestamp_seconds", "Start of the last run", ["source"]
    )
    end = _gauge("cityops_source_last_run_end_timestamp_seconds", "End of the last run", ["source"])
    last_rows = _gauge("cityops_source_last_run_rows", "Rows stored by the last run", ["source"])
    for h in health:
        for word in sources.Health:
            state.add_metric([h.name, str(word)], 1.0 if h.health == word else 0.0)
        if h.age_s is not None and h.data_as_of is not None:
            lag.add_metric([h.name], h.age_s)
            as_of.add_metric([h.name], h.data_as_of.timestamp())
        if h.last_run_status is None or h.last_run_started is None:
            continue
        for run_status in RUN_STATUSES:
            now_is = 1.0 if h.last_run_status == run_status else 0.0
            status.add_metric([h.name, run_status], now_is)
        start.add_metric([h.name], h.last_run_started.timestamp())
        if h.last_run_ended is not None:
            end.add_metric([h.name], h.last_run_ended.timestamp())
        last_rows.add_metric([h.name], h.rows or 0)
    return [state, lag, as_of, status, start, end, last_rows]


def _run_families(runs: list[tallies.RunTally]) -> list[Metric]:
    kept = _gauge(
        "cityops_source_runs",
        "Runs kept in the store ([retention] runs_days), by status",
        ["source", "status"],
    )
    stored = _gauge(
        "cityops_source_rows_stored",
        "Rows stored by the runs kept in the store (falls as retention prunes runs)",
        ["source"],
    )
    rejected = _gauge(
        "cityops_source_rows_rejected", "Rows rejected by the runs kept in the store", ["source"]
    )
    totals: dict[str, tuple[int, int]] = {}
    for r in runs:
        kept.add_metric([r.source, r.status], r.runs)
        done, refused = totals.get(r.source, (0, 0))
        totals[r.source] = (done + r.rows, refused + r.rejected)
    for source, (done, refused) in totals.items():
        stored.add_metric([source], done)
        rejected.add_metric([source], refused)
    return [kept, stored, rejected]

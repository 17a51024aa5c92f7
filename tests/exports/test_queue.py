"""The export queue on SQLite and PostgreSQL: claimers racing for it each get different
exports (every export claimed once), a scheduled report never has two runs pending, and an
export left running by a stopped process is failed with the reason."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.store import SchedulePending, Store

T0 = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)


def _queue(store: Store, n: int, schedule: str | None = None) -> list[int]:
    return [
        store.exports.enqueue(
            requested_by="lan",
            username="lan",
            path=f"/traffic?range=7d&n={i}",
            paper="A4",
            landscape=True,
            lang="vi",
            at=T0 + timedelta(seconds=i),
            schedule=schedule,
        )
        for i in range(n)
    ]


def test_two_claimers_take_each_export_once(store: Store) -> None:
    queued = _queue(store, 24)
    taken: dict[str, list[int]] = {"a": [], "b": []}
    start = threading.Barrier(2)

    def claimer(name: str) -> None:
        start.wait()
        while (job := store.exports.claim(f"worker-{name}", T0 + timedelta(minutes=1))) is not None:
            assert job.status == "running" and job.worker == f"worker-{name}"
            taken[name].append(job.id)  # "rendered" here: once per claim
            store.exports.finish(job.id, at=T0 + timedelta(minutes=2), status="done")

    threads = [threading.Thread(target=claimer, args=(n,)) for n in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    everything = taken["a"] + taken["b"]
    assert sorted(everything) == queued, "each export claimed exactly once"
    assert store.exports.claim("late", T0) is None


def test_a_claim_takes_the_oldest_and_records_who_and_when(store: Store) -> None:
    first, second = _queue(store, 2)
    job = store.exports.claim("w1", T0 + timedelta(minutes=5))
    assert job is not None and job.id == first
    assert (job.started_at, job.worker, job.paper, job.landscape) == (
        T0 + timedelta(minutes=5),
        "w1",
        "A4",
        True,
    )
    store.exports.set_progress(first, 60)
    store.exports.finish(
        first, at=T0 + timedelta(minutes=6), status="done", file=f"{first}.pdf", size_bytes=12345
    )
    nxt = store.exports.claim("w2", T0 + timedelta(minutes=6))
    assert nxt is not None and nxt.id == second


def test_a_scheduled_report_has_one_run_pending_at_a_time(store: Store) -> None:
    (first,) = _queue(store, 1, schedule="lighting-weekly")
    with pytest.raises(SchedulePending):
        _queue(store, 1, schedule="lighting-weekly")
    _queue(store, 1, schedule="traffic-daily")  # another report is not held up
    job = store.exports.claim("w", T0)
    assert job is not None and job.id == first
    with pytest.raises(SchedulePending):  # still running
        _queue(store, 1, schedule="lighting-weekly")
    store.exports.finish(first, at=T0, status="failed", error="HTTP 500")
    _queue(store, 1, schedule="lighting-weekly")  # its history stays; a new run may start


def test_an_export_left_running_by_a_stopped_process_fails_as_interrupted(store: Store) -> None:
    old, new = _queue(store, 2)
    assert store.exports.claim("gone", T0) is not None
    assert store.exports.claim("alive", T0 + timedelta(minutes=9)) is not None
    assert store.exports.fail_stale(T0 + timedelta(minutes=5), T0 + timedelta(minutes=10)) == 1
    from dashboard.queries.exports import export_by_id

    with store.read_session() as session:
        gone, alive = export_by_id(session, old), export_by_id(session, new)
    assert gone is not None and gone.status == "failed" and "interrupted" in (gone.error or "")
    assert alive is not None and alive.status == "running"

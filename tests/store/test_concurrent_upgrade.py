"""Processes upgrading one fresh database at once all succeed: upgrades are serialised.

Web workers and a scheduler started together each run `Store.upgrade()`; unserialised, one of
them died on PostgreSQL (UniqueViolation creating the same table) or SQLite ("database is
locked").
"""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from dashboard.store import Store
from dashboard.store.schema import alembic_config

PROCESSES = 4


def _upgrade(url: str, barrier: Any, results: Any) -> None:
    store = Store(url)
    try:
        barrier.wait(timeout=60)
        store.upgrade()
        results.put("ok")
    except Exception as exc:
        results.put(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        store.dispose()


def test_concurrent_upgrades_of_a_fresh_database_all_succeed(store_url: str) -> None:
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [
        ctx.Process(target=_upgrade, args=(store_url, barrier, results)) for _ in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert outcomes == ["ok"] * PROCESSES
    store = Store(store_url)
    try:
        with store.engine.connect() as conn:
            head = ScriptDirectory.from_config(alembic_config()).get_current_head()
            assert MigrationContext.configure(conn).get_current_revision() == head
    finally:
        store.dispose()

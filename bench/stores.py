"""Fresh, empty stores for benchmarks: a SQLite file, or a PostgreSQL database of their own."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from bench.ingest import PG_URL
from dashboard.store import Store


def fresh_store(db: str, workdir: Path, name: str) -> Store:
    """An upgraded, empty store named `name`; a PostgreSQL one never touches the tests' database."""
    if db == "sqlite":
        store = Store(f"sqlite:///{workdir}/{name}.db")
    else:
        admin = Store(PG_URL)
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS cityops_bench_{name} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE cityops_bench_{name}"))
        admin.dispose()
        store = Store(PG_URL.rsplit("/", 1)[0] + f"/cityops_bench_{name}")
    store.upgrade()
    return store

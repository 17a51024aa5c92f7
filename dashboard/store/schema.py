"""Schema management: Alembic upgrades run from code, with the scripts shipped in the package.

`upgrade()` needs no alembic.ini on disk, so an installed cityops can migrate its own database
(`cityops` CLI, the demo, tests) from nothing but a URL.

Several processes may upgrade one fresh database at once (web workers and a scheduler started
together), so upgrades are serialised: the first runs the migrations, the others wait and then
find the database at head. PostgreSQL takes a transaction-level advisory lock per schema
before Alembic reads its version; SQLite opens the transaction with BEGIN IMMEDIATE (a
deferred one would read, then fail to upgrade to a write lock: "database is locked"), retried
while another process's migration keeps the database locked past the busy timeout.
"""

from __future__ import annotations

import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

__all__ = ["MIGRATIONS_DIR", "UPGRADE_WAIT_S", "alembic_config", "upgrade"]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
UPGRADE_WAIT_S = 600.0  # how long an upgrade waits for another process's upgrade (SQLite)
_PG_UPGRADE_LOCK = (
    "SELECT pg_advisory_xact_lock(hashtext('cityops.upgrade.' || coalesce(current_schema(), '')))"
)


def alembic_config() -> Config:
    """An in-memory Alembic config whose scripts live inside the package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def _upgrade_once(engine: Engine, revision: str) -> None:
    cfg = alembic_config()
    # `cityops_write`: the Store's engines open SQLite transactions with BEGIN IMMEDIATE.
    with engine.execution_options(cityops_write=True).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(_PG_UPGRADE_LOCK)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database behind `engine` to `revision` in one transaction, one process at a
    time (see the module docstring)."""
    deadline = time.monotonic() + UPGRADE_WAIT_S
    while True:
        try:
            _upgrade_once(engine, revision)
            return
        except OperationalError as exc:
            locked = engine.dialect.name == "sqlite" and "database is locked" in str(exc)
            if not locked or time.monotonic() > deadline:
                raise

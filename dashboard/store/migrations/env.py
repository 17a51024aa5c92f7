"""Alembic environment for the cityops store, driven programmatically by `Store.upgrade()`.

There is no alembic.ini on disk: `dashboard.store.schema` builds the Config, points
`script_location` here and hands over an open connection in `config.attributes["connection"]`.
SQLite runs in batch mode because it cannot ALTER most things in place.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from dashboard.store.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through dashboard.store.Store.upgrade()")
    _run(connection)


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; use Store.upgrade()")
run_migrations_online()

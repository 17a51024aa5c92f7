"""The store: one SQL database (SQLite file with WAL by default, PostgreSQL by URL).

`Store` owns the engine and every write (ingest, runs, source state, leases, retention);
pages and the API read through `Store.read_session()` and the query layer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["Store", "make_engine"]


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str, echo: bool = False) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout, and its folder created."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, echo=echo, pool_pre_ping=True)


class Store:
    """The database behind cityops. Build one per process (or per test) from a URL."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session for reading; it never commits."""
        with self._sessions() as session:
            yield session
            session.rollback()

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error (store-internal writes)."""
        with self._sessions() as session, session.begin():
            yield session

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def create_schema(self) -> None:
        """Create every table directly (tests and throwaway stores; production uses upgrade)."""
        from dashboard.store.models import Base

        Base.metadata.create_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

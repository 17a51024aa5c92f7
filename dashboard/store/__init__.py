"""The store: one SQL database (SQLite file with WAL by default, PostgreSQL by URL).

`Store` owns the engine and every write (ingest, runs, source state, leases, retention);
pages and the API read through `Store.read_session()` and the query layer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from dashboard.store import ingest as _ingest
from dashboard.store import report_desk as _desk
from dashboard.store import runs
from dashboard.store.accounts import Accounts
from dashboard.store.alerts import AlertRefused, Alerts, AlertView, Opening
from dashboard.store.audit import AuditLog, LoginAttempts
from dashboard.store.exports import Exports, ExportView, SchedulePending
from dashboard.store.files import IngestedFile, IngestedFiles
from dashboard.store.ingest import IngestResult
from dashboard.store.outbound import AlertOutbox, DueDelivery
from dashboard.store.report_desk import DeskOutcome, DeskRefused
from dashboard.store.runs import LeaseView, SourceStateView

if TYPE_CHECKING:
    from dashboard.records import Asset, CitizenReport, Reading, ReadingBlock, Reject

__all__ = [
    "SQLITE_CACHE_KIB",
    "SQLITE_WAL_AUTOCHECKPOINT",
    "AlertOutbox",
    "AlertRefused",
    "AlertView",
    "DBAPIError",  # any error the database driver raised (callers outside the store catch it)
    "DeskOutcome",
    "DeskRefused",
    "DueDelivery",
    "ExportView",
    "IngestResult",
    "IngestedFile",
    "LeaseView",
    "Opening",
    "SchedulePending",
    "SourceStateView",
    "Store",
    "make_engine",
]

SQLITE_CACHE_KIB = 65536  # page cache per connection
SQLITE_WAL_AUTOCHECKPOINT = 10000  # pages (about 40 MiB of WAL between checkpoints)
PG_CONNECT_TIMEOUT_S = 10


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Take transactions out of pysqlite's hands (it would BEGIN only before DML, so a read
    # that decides a write could run outside the transaction); `_sqlite_begin` opens them.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA temp_store=MEMORY")
    # Ingest appends to every series' end of readings and rollup_5m at once: a 64 MiB page
    # cache keeps those leaf pages hot, and rarer checkpoints write each of them once rather
    # than once per batch (measured in bench/ingest.py: about 1.5x faster on 5-minute data).
    cur.execute(f"PRAGMA cache_size={-SQLITE_CACHE_KIB}")
    cur.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT}")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # Writers (execution option `cityops_write`) take the write lock up front, so the
    # duplicate pre-check of an ingest and its inserts see the same database.
    immediate = conn.get_execution_options().get("cityops_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, echo: bool = False) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout, and its folder created."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    # A pooled connection is tested before use, so after a database restart the first writes
    # get a fresh one rather than a dead one; a connect to a host that does not answer gives
    # up after PG_CONNECT_TIMEOUT_S, so the scheduler's lease renewal never hangs on it.
    args = {} if "connect_timeout" in url else {"connect_timeout": PG_CONNECT_TIMEOUT_S}
    return create_engine(url, echo=echo, pool_pre_ping=True, connect_args=args)


class Store:
    """The database behind cityops. Build one per process (or per test) from a URL."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Writes go through this view of the engine (same pool): on SQLite its transactions
        # start with BEGIN IMMEDIATE, so read-then-write steps cannot interleave.
        self._writer = self.engine.execution_options(cityops_write=True)
        self._series: dict[tuple[str, str], int] = {}  # (asset id, metric) -> series id

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def accounts(self) -> Accounts:
        """Users, tokens and sessions (`dashboard.store.accounts`)."""
        return Accounts(self.engine, self._writer)

    @property
    def alerts(self) -> Alerts:
        """The alert engine's alerts, their history and silences (`dashboard.store.alerts`)."""
        return Alerts(self.engine, self._writer)

    @property
    def alert_outbox(self) -> AlertOutbox:
        """Alert notices told outside and their deliveries (`dashboard.store.outbound`)."""
        return AlertOutbox(self.engine, self._writer)

    @property
    def audit_log(self) -> AuditLog:
        """Who did what and when (`dashboard.store.audit`)."""
        return AuditLog(self.engine, self._writer)

    @property
    def exports(self) -> Exports:
        """The PDF export queue (`dashboard.store.exports`)."""
        return Exports(self.engine, self._writer)

    @property
    def files(self) -> IngestedFiles:
        """The files each file-drop source took in, by digest (`dashboard.store.files`)."""
        return IngestedFiles(self.engine, self._writer)

    @property
    def login_attempts(self) -> LoginAttempts:
        """Failed sign-ins and the locks they earn (`dashboard.store.audit`)."""
        return LoginAttempts(self.engine, self._writer)

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

    def upgrade(self, revision: str = "head") -> None:
        """Migrate the database to `revision` with the Alembic scripts shipped in the package."""
        from dashboard.store.schema import upgrade

        upgrade(self.engine, revision)

    def dispose(self) -> None:
        self.engine.dispose()

    # -- ingest ------------------------------------------------------------------------------

    def ingest(
        self,
        source: str,
        *,
        assets: Sequence[Asset] = (),
        readings: Sequence[Reading] = (),
        blocks: Sequence[ReadingBlock] = (),
        reports: Sequence[CitizenReport] = (),
        rejects: Sequence[Reject] = (),
        now: datetime,
    ) -> IngestResult:
        """Store one batch in one transaction: upserts, rollups, latest, quarantine.

        Readings come as objects (`readings`), as columns (`blocks`), or both."""
        return _ingest.ingest(
            self._writer,
            self._series,
            source,
            assets=assets,
            readings=readings,
            blocks=blocks,
            reports=reports,
            rejects=rejects,
            now=now,
        )

    # -- runs and source state ---------------------------------------------------------------

    def start_run(self, source: str, started_at: datetime) -> int:
        """Open a run record (status "running") and return its id."""

        return runs.start_run(self._writer, source, started_at)

    def close_stale_runs(self, source: str, before: datetime) -> int:
        """Close `source`'s runs left "running" from before `before` (a process or database
        stopped mid-run) as errors, "interrupted (process or database stopped)"; how many."""
        return runs.close_stale_runs(self._writer, source, before)

    def record_run_progress(self, run_id: int, *, rows: int, rejected: int) -> None:
        """Keep on a running run what it has committed so far (rows stored and rejected), so
        a run that never finishes (its process killed) still shows them."""
        runs.record_progress(self._writer, run_id, rows=rows, rejected=rejected)

    def record_pushed(
        self,
        run_id: int,
        source: str,
        *,
        rows: int,
        rejected: int,
        cursor: datetime | None,
        success_at: datetime,
    ) -> None:
        """After a pushed batch committed: its subscription session's counts so far, the
        source's cursor and last success, in one transaction (one write per batch)."""
        runs.record_pushed(
            self._writer,
            run_id,
            source,
            rows=rows,
            rejected=rejected,
            cursor=cursor,
            success_at=success_at,
        )

    def finish_run(
        self,
        run_id: int,
        *,
        ended_at: datetime,
        status: str,
        rows: int,
        rejected: int,
        error: str | None = None,
    ) -> None:

        runs.finish_run(
            self._writer,
            run_id,
            ended_at=ended_at,
            status=status,
            rows=rows,
            rejected=rejected,
            error=error,
        )

    def source_state(self, source: str) -> SourceStateView | None:

        return runs.source_state(self.engine, source)

    def set_cursor(self, source: str, cursor: datetime | None, success_at: datetime) -> None:

        runs.set_cursor(self._writer, source, cursor, success_at)

    def record_error(self, source: str, at: datetime, message: str) -> None:

        runs.record_error(self._writer, source, at, message)

    def set_link(
        self, source: str, link: str | None, since: datetime | None, detail: str | None = None
    ) -> None:
        """Keep a push source's link state: "connected", "retrying" or "failing" (`detail`:
        why), since when; None when no link is held (paused, stopped)."""
        runs.set_link(self._writer, source, link, since, detail)

    def set_paused(self, source: str, paused: bool) -> None:

        runs.set_paused(self._writer, source, paused)

    def request_run(self, source: str, at: datetime) -> None:
        """Ask the active scheduler (whichever process it is in) to run `source` now."""
        runs.request_run(self._writer, source, at)

    def take_run_requests(self) -> list[str]:
        """Pending run-now requests, cleared as they are taken (the scheduler's side)."""
        return runs.take_run_requests(self._writer)

    # -- leases and retention ----------------------------------------------------------------

    def try_lease(self, name: str, holder: str, now: datetime, ttl_s: float) -> bool:
        """Acquire or renew lease `name` for `holder`; False while another holds it."""

        return runs.try_lease(self._writer, name, holder, now, ttl_s)

    def release_lease(self, name: str, holder: str) -> None:

        runs.release_lease(self._writer, name, holder)

    def lease_holder(self, name: str) -> LeaseView | None:
        """Who holds lease `name` and until when (None: nobody)."""
        return runs.lease_holder(self.engine, name)

    def last_run_starts(self, sources: list[str]) -> dict[str, datetime]:
        """When each source last started a run, from the runs table (absent: never ran)."""
        return runs.last_run_starts(self.engine, sources)

    def optimize(self) -> None:
        """Refresh the planner's statistics (SQLite; PostgreSQL's autovacuum already analyses),
        so the wall's queries keep their index plans as tables grow."""
        if self.dialect == "sqlite":
            with self.engine.begin() as conn:
                # a sampled ANALYZE: milliseconds even on millions of readings
                conn.exec_driver_sql("PRAGMA analysis_limit=1000")
                conn.exec_driver_sql("ANALYZE")

    def apply_retention(
        self, now: datetime, *, raw_days: int, quarantine_days: int, runs_days: int
    ) -> dict[str, int]:
        """Delete raw readings, quarantine rows and runs past their age; rollups stay, and
        ingest refuses readings older than the raw cut from then on (they would count twice)."""

        return runs.apply_retention(
            self._writer,
            now,
            raw_days=raw_days,
            quarantine_days=quarantine_days,
            runs_days=runs_days,
        )

    # -- the citizen-report desk -------------------------------------------------------------

    def desk_action(
        self,
        report_id: int,
        action: str,
        *,
        actor: str,
        at: datetime,
        agency: str | None = None,
        text: str | None = None,
        public: bool = True,
    ) -> DeskOutcome:
        """Apply a desk action (acknowledge, start, assign, comment, close) to a report as
        `actor`, audited; raises `DeskRefused` (nothing written) when it is not allowed from
        the report's state (see `dashboard.store.report_desk`)."""
        return _desk.apply_action(
            self._writer, report_id, action, actor, at, agency=agency, text=text, public=public
        )

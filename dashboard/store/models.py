"""The store's tables, as SQLAlchemy 2 typed ORM models (one schema for SQLite and PostgreSQL).

Readings are keyed by a small integer series id (one per asset and metric) and an integer
epoch-seconds UTC timestamp: the readings, rollup and latest tables are the ones that grow, and
integer keys keep them compact and the bulk paths fast on both databases. Everything else uses
`UTCDateTime`, which stores UTC and always hands back timezone-aware datetimes (SQLite drops the
zone otherwise). The query layer turns epoch seconds back into aware timestamps.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "AlertDeliveryAttemptRow",
    "AlertDeliveryRow",
    "AlertEventRow",
    "AlertNoticeRow",
    "AlertRow",
    "AlertSilenceRow",
    "ApiTokenRow",
    "AssetRow",
    "AuditRow",
    "AuthSessionRow",
    "Base",
    "ExportRow",
    "IngestedFileRow",
    "Latest",
    "Lease",
    "LoginAttemptRow",
    "QuarantineRow",
    "ReadingRow",
    "ReportDeskRow",
    "ReportEventRow",
    "ReportRow",
    "Rollup1h",
    "Rollup5m",
    "Series",
    "SourceRun",
    "SourceState",
    "UTCDateTime",
    "UserRow",
    "Watermark",
]


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class AssetRow(Base):
    __tablename__ = "assets"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    domain: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(256))
    geometry: Mapped[dict[str, Any]]
    lon: Mapped[float] = mapped_column(Float)  # a representative point, for maps and placement
    lat: Mapped[float] = mapped_column(Float)
    ward: Mapped[str | None] = mapped_column(String(128), index=True)
    zone: Mapped[str | None] = mapped_column(String(128))
    attributes: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class Series(Base):
    """One (asset, metric) pair; readings, rollups and latest values hang off its id."""

    __tablename__ = "series"
    __table_args__ = (UniqueConstraint("asset_id", "metric", name="uq_series_asset_metric"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(32), index=True)
    # True: every 5-minute bucket of the series is a rollup_5m row. False: the series never
    # had two readings in one bucket, and a bucket after the raw retention horizon is the
    # one raw reading it holds (see dashboard.store.readings; read with queries._five_minute).
    rolled_5m: Mapped[bool] = mapped_column(Boolean, default=False, server_default=true())


class ReadingRow(Base):
    """Raw readings: unique on (series = asset + metric, ts). Kept `retention.raw_days`."""

    __tablename__ = "readings"
    __table_args__ = {"sqlite_with_rowid": False}

    series_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    value: Mapped[float] = mapped_column(Float)


class _RollupMixin:
    series_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer)
    sum: Mapped[float] = mapped_column(Float)
    min: Mapped[float] = mapped_column(Float)
    max: Mapped[float] = mapped_column(Float)


class Rollup5m(_RollupMixin, Base):
    """Count, sum, min, max per series and 5-minute bucket (bucket = start, epoch seconds)."""

    __tablename__ = "rollup_5m"
    __table_args__ = {"sqlite_with_rowid": False}


class Rollup1h(_RollupMixin, Base):
    """Count, sum, min, max per series and hour (bucket = start, epoch seconds)."""

    __tablename__ = "rollup_1h"
    __table_args__ = {"sqlite_with_rowid": False}


class Latest(Base):
    """The newest reading of each series."""

    __tablename__ = "latest"

    series_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[float] = mapped_column(Float)


class ReportRow(Base):
    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_reports_source_external"),
        Index("ix_reports_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(128))
    category: Mapped[str] = mapped_column(String(64), index=True)
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(512))
    ward: Mapped[str | None] = mapped_column(String(128), index=True)
    zone: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    agency: Mapped[str | None] = mapped_column(String(128))
    media_url: Mapped[str | None] = mapped_column(String(1024))
    # The earliest version seen acknowledged or in progress (the feed keeps no history).
    acknowledged_at: Mapped[datetime | None]


class SourceRun(Base):
    """One run of one source: when, how many rows stored and rejected, and how it ended."""

    __tablename__ = "source_runs"
    __table_args__ = (Index("ix_source_runs_source_started", "source", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))  # running, ok, error
    rows: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class SourceState(Base):
    """Per source: where its data stands (cursor) and its last outcome."""

    __tablename__ = "source_state"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    cursor: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    paused: Mapped[bool] = mapped_column(default=False)
    # "run now": set by any web process, taken (and cleared) by the scheduler that leads
    run_requested_at: Mapped[datetime | None]
    # A push source's link, kept by its supervisor: "connected", "retrying" or "failing",
    # since when, and the last error of a retrying or failing link (pull sources: None).
    link: Mapped[str | None] = mapped_column(String(16))
    link_since: Mapped[datetime | None]
    link_detail: Mapped[str | None] = mapped_column(Text)


class IngestedFileRow(Base):
    """A file a file-drop source took in, by the sha256 of its bytes: taken once, whatever
    its name, with what it gave (rows stored, rows quarantined) and where it went."""

    __tablename__ = "ingested_files"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256, hex
    file_name: Mapped[str] = mapped_column(String(512))
    ingested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))  # done, failed
    rows: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(Text)


class QuarantineRow(Base):
    """A rejected record with its reason; `digest` makes a re-delivered reject count once."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("source", "digest", name="uq_quarantine_source_digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    received_at: Mapped[datetime]
    record_kind: Mapped[str] = mapped_column(String(16))  # reading, asset, report, payload
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))


class Lease(Base):
    """A named lease (the scheduler's leadership): one holder until `expires_at`."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime]


class Watermark(Base):
    """A store-wide mark. `raw_retained_before` (epoch seconds): retention deleted the raw
    readings before it, so the store can no longer tell a re-delivered reading from a new one
    there, and refuses them (see `dashboard.store.readings`)."""

    __tablename__ = "watermarks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class ReportDeskRow(Base):
    """The citizen-report desk's decisions on one report (one row once staff first act on it).

    The feed's row in `reports` stays the feed's record, untouched by staff, so a re-ingest can
    never undo a decision: the pages show the overlay (dashboard.queries.report_desk), where the
    status is the further along of the desk's and the feed's (a feed may move a report forward,
    never back behind the desk) and the desk's agency replaces the feed's once assigned.
    """

    __tablename__ = "report_desk"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    status: Mapped[str] = mapped_column(String(16))
    agency: Mapped[str | None] = mapped_column(String(128))
    acknowledged_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(128))


class ReportEventRow(Base):
    """The audit trail of the desk: every change to a report, who made it and when (UTC)."""

    __tablename__ = "report_events"
    __table_args__ = (Index("ix_report_events_report_at", "report_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))  # acknowledge, start, assign, comment, close
    status_from: Mapped[str | None] = mapped_column(String(16))
    status_to: Mapped[str | None] = mapped_column(String(16))
    agency: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[str | None] = mapped_column(Text)  # the comment or the resolution
    public: Mapped[bool] = mapped_column(Boolean, default=False)


# -- accounts (issue 4): users, tokens, sessions, audit, login attempts ------------------------


class UserRow(Base):
    """A person who signs in: a role (viewer < operator < manager < admin), an argon2 hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]


class ApiTokenRow(Base):
    """A machine's credential: kind "wall" (bound to one page, read-only) or "api" (scoped).

    Only the sha256 of the secret is kept; `prefix` (its first characters) tells tokens apart
    in lists without revealing them.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(256), default="")  # space-separated
    bound_path: Mapped[str | None] = mapped_column(String(128))  # wall tokens: the one page
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class AuthSessionRow(Base):
    """A signed-in browser: the sha256 of its cookie, whose it is (a user or a wall token)."""

    __tablename__ = "auth_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    address: Mapped[str | None] = mapped_column(String(64))


class AuditRow(Base):
    """One security-relevant event: who (name and kind), did what, to what, from where."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(64))
    actor_kind: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(String(256))
    outcome: Mapped[str] = mapped_column(String(16))  # ok, failed, denied, locked
    address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)


class LoginAttemptRow(Base):
    """Failed sign-ins counted per key ("account:<name>" or "address:<ip>"), shared by every
    worker through the store; `locked_until` grows with each failure past the free ones."""

    __tablename__ = "login_attempts"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]


class ExportRow(Base):
    """One PDF export: asked for by a person (or a scheduled report), rendered by a worker.

    `status` moves queued -> running (claimed by one worker: `worker`) -> done | failed.
    `username` is whose rights the page is rendered with; `requested_by` who asked
    ("scheduler" for a cron run); `schedule` the `[[reports]]` name it came from. `file` is
    the PDF's name in the `[exports] folder`; `delivery` what became of a scheduled report's
    destinations. At most one export of a schedule is queued or running at a time (0009)."""

    __tablename__ = "exports"
    __table_args__ = (
        Index("ix_exports_status_id", "status", "id"),
        Index("ix_exports_requested_at", "requested_at"),
        Index(
            "uq_exports_schedule_pending",
            "schedule",
            unique=True,
            sqlite_where=text("status IN ('queued', 'running')"),
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(Text)
    paper: Mapped[str] = mapped_column(String(2))
    landscape: Mapped[bool] = mapped_column(Boolean)
    lang: Mapped[str | None] = mapped_column(String(2))
    schedule: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # queued, running, done, failed
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    error: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    worker: Mapped[str | None] = mapped_column(String(128))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    file: Mapped[str | None] = mapped_column(String(256))
    delivery: Mapped[str | None] = mapped_column(Text)


# -- alerts (issue 13): the engine's alerts, their history, maintenance silences ---------------

_UNRESOLVED = text("status <> 'resolved'")
_UNTOLD = text("notified_at IS NULL")


class AlertRow(Base):
    """One alert: a rule's condition held at one scope ("asset:ID", "ward:NAME",
    "cabinet_id:ID", "source:NAME"), from when it opened until it resolved.

    `status` moves open -> acknowledged -> resolved (or open -> resolved). At most one
    unresolved alert per (rule, scope), by a partial unique index (0010): two engines
    racing on one store open it once. `base_severity` is the rule's, `severity` the current
    (raised by escalation). The titles and the place are copied at opening, so the history
    reads the same after the rule or the asset changes. `silenced`: opened inside a
    maintenance window, so nobody outside was told."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_status_opened", "status", "opened_at"),
        Index("ix_alerts_opened", "opened_at"),
        Index(
            "uq_alerts_rule_scope_unresolved",
            "rule",
            "scope",
            unique=True,
            sqlite_where=_UNRESOLVED,
            postgresql_where=_UNRESOLVED,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(256))
    domain: Mapped[str] = mapped_column(String(32))
    title_vi: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    base_severity: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))  # info, warning, critical
    status: Mapped[str] = mapped_column(String(16))  # open, acknowledged, resolved
    ward: Mapped[str | None] = mapped_column(String(128))
    zone: Mapped[str | None] = mapped_column(String(128))
    asset_id: Mapped[str | None] = mapped_column(String(128))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    value: Mapped[float | None] = mapped_column(Float)  # the value that crossed
    threshold: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(16))
    silenced: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    ack_comment: Mapped[str | None] = mapped_column(Text)
    escalated_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolved_value: Mapped[float | None] = mapped_column(Float)


class AlertEventRow(Base):
    """An alert's history: every change (opened, escalated, acknowledged, resolved), when,
    by whom ("engine" for the engine's own), with the value or the comment."""

    __tablename__ = "alert_events"
    __table_args__ = (
        Index("ix_alert_events_alert_at", "alert_id", "at"),
        Index("ix_alert_events_unnotified", "id", sqlite_where=_UNTOLD, postgresql_where=_UNTOLD),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    event: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    value: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    # The outbox: when the scheduler's engine handed it to the notifiers (None: not yet;
    # an event of a silenced alert is born told).
    notified_at: Mapped[datetime | None]


class AlertSilenceRow(Base):
    """A maintenance window: alerts of `rule` (None: every rule) at `scope` (None: every
    scope) opened from `starts_at` until `ends_at` tell nobody and do not escalate."""

    __tablename__ = "alert_silences"
    __table_args__ = (Index("ix_alert_silences_ends", "ends_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule: Mapped[str | None] = mapped_column(String(64))
    scope: Mapped[str | None] = mapped_column(String(256))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


# The desk list filters and by default sorts reports by creation time, newest first with the
# id breaking ties: (created_at, id) serves a first page without sorting them all (0005).
Index("ix_reports_created", ReportRow.created_at, ReportRow.id)


class AlertNoticeRow(Base):
    """One notice of an alert's life told to the outside world (the outbox, 0010): written
    once by the outbound notifier, read by the CAP feed, delivered by `alert_deliveries`.
    `payload` is the notice itself as JSON (`dashboard.alerts.outbound.payload`)."""

    __tablename__ = "alert_notices"
    __table_args__ = (
        UniqueConstraint("alert_id", "event", "at", name="uq_alert_notices_alert_event_at"),
        Index("ix_alert_notices_alert_id", "alert_id", "id"),
        Index("ix_alert_notices_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    severity: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]]


class AlertDeliveryRow(Base):
    """One notice for one channel ("webhook:<name>", "email:<name>"): pending until delivered
    or failed; `due_at` is when it may next be tried (a claim moves it forward by a lease, so
    a delivery whose process died is tried again by the next one)."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("notice_id", "channel", name="uq_alert_deliveries_notice_channel"),
        Index("ix_alert_deliveries_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("alert_notices.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16))  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    due_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class AlertDeliveryAttemptRow(Base):
    """Every attempt at a delivery: when, and the HTTP status (webhooks) or the error."""

    __tablename__ = "alert_delivery_attempts"
    __table_args__ = (Index("ix_alert_delivery_attempts_delivery", "delivery_id", "attempt"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("alert_deliveries.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    ok: Mapped[bool] = mapped_column(Boolean)
    http_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)

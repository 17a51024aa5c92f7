"""PDF exports: the queue every web worker and scheduler shares (`exports`).

One row per export, claimed by one worker at a time (queued -> running -> done | failed). A
partial unique index keeps at most one export of each scheduled report queued or running, so
a slow report never piles up runs of itself, whichever process's clock fires it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The plain type behind models.UTCDateTime (a migration never imports the models).
_TS = sa.DateTime(timezone=True)
_PENDING = sa.text("status IN ('queued', 'running')")


def upgrade() -> None:
    op.create_table(
        "exports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("paper", sa.String(length=2), nullable=False),
        sa.Column("landscape", sa.Boolean(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=True),
        sa.Column("schedule", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_at", _TS, nullable=False),
        sa.Column("started_at", _TS, nullable=True),
        sa.Column("finished_at", _TS, nullable=True),
        sa.Column("worker", sa.String(length=128), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("file", sa.String(length=256), nullable=True),
        sa.Column("delivery", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_exports_status_id", "exports", ["status", "id"])
    op.create_index("ix_exports_requested_at", "exports", ["requested_at"])
    op.create_index(
        "uq_exports_schedule_pending",
        "exports",
        ["schedule"],
        unique=True,
        sqlite_where=_PENDING,
        postgresql_where=_PENDING,
    )


def downgrade() -> None:
    op.drop_index("uq_exports_schedule_pending", table_name="exports")
    op.drop_index("ix_exports_requested_at", table_name="exports")
    op.drop_index("ix_exports_status_id", table_name="exports")
    op.drop_table("exports")

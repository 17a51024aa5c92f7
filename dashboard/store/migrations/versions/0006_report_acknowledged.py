"""When a report was first acknowledged, kept by the store as the feed's versions pass.

An Open311 record carries only its current status and last update: once a report moves on
to "in progress", the moment it was acknowledged is gone from the feed. The ingest therefore
keeps the earliest update time it saw of a version saying "acknowledged" or "in progress"
(`reports.acknowledged_at`); rows already stored get it where their status still says so.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("reports", sa.Column("acknowledged_at", sa.DateTime(timezone=True)))
    op.execute(
        "UPDATE reports SET acknowledged_at = updated_at WHERE status IN ('acknowledged', 'in_progress')"
    )


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:  # SQLite drops a column by a rebuild
        batch.drop_column("acknowledged_at")

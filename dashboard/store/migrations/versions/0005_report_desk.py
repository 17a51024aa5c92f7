"""The citizen-report desk: its decisions per report, its audit trail, the list's index.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

`report_desk` holds what staff decided (status, agency, times, resolution) beside the feed's
row, which the desk never writes (so a feed re-ingest cannot undo a decision); `report_events`
is the audit trail (who, when, what). `ix_reports_created` serves the desk list, which always
filters and by default sorts by creation time.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The plain type behind models.UTCDateTime (a migration never imports the models).
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "report_desk",
        sa.Column("report_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("agency", sa.String(length=128), nullable=True),
        sa.Column("acknowledged_at", _TS, nullable=True),
        sa.Column("started_at", _TS, nullable=True),
        sa.Column("closed_at", _TS, nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("report_id"),
    )
    op.create_table(
        "report_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("status_from", sa.String(length=16), nullable=True),
        sa.Column("status_to", sa.String(length=16), nullable=True),
        sa.Column("agency", sa.String(length=128), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_report_events_report_at", "report_events", ["report_id", "at"])
    op.create_index("ix_reports_created", "reports", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_reports_created", table_name="reports")
    op.drop_index("ix_report_events_report_at", table_name="report_events")
    op.drop_table("report_events")
    op.drop_table("report_desk")

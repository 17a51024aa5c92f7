"""Real feeds: a push source's link state, and the files a file-drop source took in.

`source_state.link` ("connected", "retrying", "failing"), `link_since` and `link_detail` are
kept by a push source's supervisor, so `/sources` shows a subscriber's state from any
process. `ingested_files` remembers each dropped file by the sha256 of its bytes, so a file
is taken once whatever its name, with its per-file result.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The plain type behind models.UTCDateTime (a migration never imports the models).
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("source_state") as batch:
        batch.add_column(sa.Column("link", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("link_since", _TS, nullable=True))
        batch.add_column(sa.Column("link_detail", sa.Text(), nullable=True))
    op.create_table(
        "ingested_files",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=512), nullable=False),
        sa.Column("ingested_at", _TS, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("source", "digest"),
    )


def downgrade() -> None:
    op.drop_table("ingested_files")
    with op.batch_alter_table("source_state") as batch:
        batch.drop_column("link_detail")
        batch.drop_column("link_since")
        batch.drop_column("link")

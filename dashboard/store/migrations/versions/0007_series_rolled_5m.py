"""Which series keep their 5-minute buckets in `rollup_5m`, and which are their own.

A series reporting every 5 minutes or less often has one reading per 5-minute bucket: its
rollup_5m row would repeat the reading (count 1, sum = min = max = value) and, on SQLite,
cost ingest as much again as the reading itself. Such a series (`rolled_5m` false) keeps its
recent 5-minute buckets as its raw readings; retention turns them into rollup_5m rows before
it deletes them, and the first time two readings share a bucket the store writes the
series' rollup_5m rows and flips the flag for good (see `dashboard.store.readings`).

Series stored before this revision have every bucket in rollup_5m already: they start as
`rolled_5m` true. New series start false.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "series",
        sa.Column("rolled_5m", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    # Going back needs every bucket in rollup_5m again: write the raw-only ones first.
    op.execute(
        "INSERT INTO rollup_5m (series_id, bucket, count, sum, min, max) "
        "SELECT r.series_id, r.ts - r.ts % 300, count(*), sum(r.value), min(r.value), "
        "max(r.value) FROM readings r JOIN series s ON s.id = r.series_id "
        "WHERE NOT s.rolled_5m GROUP BY r.series_id, r.ts - r.ts % 300"
    )
    with op.batch_alter_table("series") as batch:  # SQLite drops a column by a rebuild
        batch.drop_column("rolled_5m")

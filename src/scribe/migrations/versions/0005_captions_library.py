"""Lesson metadata (description, tags) and review status (draft, in review, approved).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from scribe.db.tables import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the columns to ``jobs``."""
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("description", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("tags", sa.JSON, nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column("review_status", sa.String(16), nullable=False, server_default="draft")
        )
        batch.add_column(sa.Column("reviewed_by", sa.String(255)))
        batch.add_column(sa.Column("reviewed_at", UtcDateTime))
        batch.add_column(sa.Column("assignee", sa.String(255)))
        batch.create_index("ix_jobs_review_status", ["review_status"])


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("ix_jobs_review_status")
        for name in ("assignee", "reviewed_at", "reviewed_by", "review_status", "tags"):
            batch.drop_column(name)
        batch.drop_column("description")

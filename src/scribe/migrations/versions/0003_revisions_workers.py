"""Transcript revisions and the workers seen by the orchestrator.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from scribe.db.tables import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the tables."""
    op.create_table(
        "transcript_revisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "job_id", sa.String(36), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("author", sa.String(255), nullable=False),
        sa.Column("edits", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("job_id", "number", name="uq_revisions_job_number"),
    )
    op.create_table(
        "workers",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("last_seen", UtcDateTime, nullable=False),
        sa.Column("current_job", sa.String(36)),
        sa.Column("processed", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("workers")
    op.drop_table("transcript_revisions")

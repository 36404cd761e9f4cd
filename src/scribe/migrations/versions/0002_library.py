"""Collections, searchable segments, term occurrences, webhooks, API keys, job metadata.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from scribe.db.tables import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the library tables and full-text search (FTS5 on SQLite, tsvector on PostgreSQL)."""
    op.create_table(
        "collections",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False, unique=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("bias_terms", sa.JSON),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    with op.batch_alter_table("jobs") as batch:
        batch.alter_column("size_bytes", type_=sa.BigInteger, existing_nullable=False)
        batch.add_column(sa.Column("title", sa.String(255)))
        batch.add_column(sa.Column("collection_id", sa.String(36)))
        batch.add_column(sa.Column("lesson_number", sa.Integer))
        batch.add_column(sa.Column("metadata", sa.JSON, nullable=False, server_default="{}"))
        batch.add_column(
            sa.Column("priority", sa.String(16), nullable=False, server_default="normal")
        )
        batch.add_column(sa.Column("source_url", sa.Text))
        batch.add_column(sa.Column("callback_url", sa.Text))
        batch.add_column(sa.Column("progress_notified_at", UtcDateTime))
        batch.create_foreign_key(
            "fk_jobs_collection", "collections", ["collection_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_jobs_collection", ["collection_id", "lesson_number"])
    op.create_table(
        "transcript_segments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "job_id", sa.String(36), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("start", sa.Float, nullable=False),
        sa.Column("end", sa.Float, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("mean_probability", sa.Float),
        sa.UniqueConstraint("job_id", "idx", name="uq_segments_job_idx"),
    )
    op.create_table(
        "term_occurrences",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "job_id", sa.String(36), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("term", sa.String(255), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("text", sa.String(512), nullable=False),
        sa.Column("start", sa.Float, nullable=False),
        sa.Column("end", sa.Float, nullable=False),
        sa.Column("segment", sa.Integer, nullable=False),
    )
    op.create_index("ix_terms_job", "term_occurrences", ["job_id"])
    op.create_index("ix_terms_term", "term_occurrences", ["term"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("job_id", sa.String(36), sa.ForeignKey("jobs.id", ondelete="CASCADE")),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime, nullable=False),
        sa.Column("last_status_code", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("delivered_at", UtcDateTime),
    )
    op.create_index("ix_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_deliveries_job", "webhook_deliveries", ["job_id"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False, unique=True),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("scopes", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("last_used_at", UtcDateTime),
        sa.Column("revoked_at", UtcDateTime),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE transcript_segments ADD COLUMN search tsvector "
            "GENERATED ALWAYS AS (to_tsvector('english', text)) STORED"
        )
        op.execute("CREATE INDEX ix_segments_search ON transcript_segments USING GIN (search)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE segments_fts USING fts5("
            "text, content='transcript_segments', content_rowid='id', "
            "tokenize='porter unicode61')"
        )
        op.execute(
            "CREATE TRIGGER segments_ai AFTER INSERT ON transcript_segments BEGIN "
            "INSERT INTO segments_fts(rowid, text) VALUES (new.id, new.text); END"
        )
        op.execute(
            "CREATE TRIGGER segments_ad AFTER DELETE ON transcript_segments BEGIN "
            "INSERT INTO segments_fts(segments_fts, rowid, text) "
            "VALUES ('delete', old.id, old.text); END"
        )
        op.execute(
            "CREATE TRIGGER segments_au AFTER UPDATE ON transcript_segments BEGIN "
            "INSERT INTO segments_fts(segments_fts, rowid, text) "
            "VALUES ('delete', old.id, old.text); "
            "INSERT INTO segments_fts(rowid, text) VALUES (new.id, new.text); END"
        )


def downgrade() -> None:
    """Drop what :func:`upgrade` added."""
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("segments_ai", "segments_ad", "segments_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS segments_fts")
    op.drop_table("api_keys")
    op.drop_table("webhook_deliveries")
    op.drop_table("term_occurrences")
    op.drop_table("transcript_segments")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("ix_jobs_collection")
        batch.drop_constraint("fk_jobs_collection", type_="foreignkey")
        for column in (
            "progress_notified_at",
            "callback_url",
            "source_url",
            "priority",
            "metadata",
            "lesson_number",
            "collection_id",
            "title",
        ):
            batch.drop_column(column)
        batch.alter_column("size_bytes", type_=sa.Integer, existing_nullable=False)
    op.drop_table("collections")

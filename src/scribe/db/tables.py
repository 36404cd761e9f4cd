"""The relational schema. Alembic migrations under ``scribe/migrations`` create it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored naive in UTC and always returned timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store UTC without the zone (SQLite keeps none)."""
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


metadata = MetaData()

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("state", String(32), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("source_key", String(512), nullable=False),
    Column("size_bytes", BigInteger, nullable=False, default=0),
    Column("options", JSON, nullable=False, default=dict),
    Column("progress", Float, nullable=False, default=0.0),
    Column("error", Text),
    Column("failed_stage", String(32)),
    Column("request_id", String(64), nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime),
    Column("audio_duration", Float),
    Column("facts", JSON, nullable=False, default=dict),
    Column("title", String(255)),
    Column("collection_id", String(36), ForeignKey("collections.id", ondelete="SET NULL")),
    Column("lesson_number", Integer),
    Column("metadata", JSON, nullable=False, default=dict),
    Column("priority", String(16), nullable=False, default="normal"),
    Column("source_url", Text),
    Column("callback_url", Text),
    Column("progress_notified_at", UtcDateTime),
    Column("description", Text, nullable=False, default=""),
    Column("tags", JSON, nullable=False, default=list),
    Column("review_status", String(16), nullable=False, default="draft"),
    Column("reviewed_by", String(255)),
    Column("reviewed_at", UtcDateTime),
    Column("assignee", String(255)),
    Index("ix_jobs_state", "state"),
    Index("ix_jobs_review_status", "review_status"),
    Index("ix_jobs_created_at", "created_at"),
    Index("ix_jobs_collection", "collection_id", "lesson_number"),
)

collections = Table(
    "collections",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("description", Text, nullable=False, default=""),
    Column("bias_terms", JSON),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

transcript_segments = Table(
    "transcript_segments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(36), ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("start", Float, nullable=False),
    Column("end", Float, nullable=False),
    Column("text", Text, nullable=False),
    Column("mean_probability", Float),
    UniqueConstraint("job_id", "idx", name="uq_segments_job_idx"),
)

term_occurrences = Table(
    "term_occurrences",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(36), ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("term", String(255), nullable=False),
    Column("category", String(64), nullable=False),
    Column("text", String(512), nullable=False),
    Column("start", Float, nullable=False),
    Column("end", Float, nullable=False),
    Column("segment", Integer, nullable=False),
    Index("ix_terms_job", "job_id"),
    Index("ix_terms_term", "term"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("job_id", String(36), ForeignKey("jobs.id", ondelete="CASCADE")),
    Column("url", Text, nullable=False),
    Column("event", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
    Index("ix_deliveries_job", "job_id"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("key_hash", String(64), nullable=False),
    Column("scopes", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
)

stage_runs = Table(
    "stage_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(36), ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("stage", String(32), nullable=False),
    Column("state", String(32), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("started_at", UtcDateTime),
    Column("finished_at", UtcDateTime),
    Column("progress", Float, nullable=False, default=0.0),
    Column("error", Text),
    UniqueConstraint("job_id", "stage", name="uq_stage_runs_job_stage"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("queue", String(64), nullable=False),
    Column("body", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("claimed_by", String(128)),
    Column("claimed_until", UtcDateTime),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("acquired_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

transcript_revisions = Table(
    "transcript_revisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(36), ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("author", String(255), nullable=False),
    Column("edits", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("job_id", "number", name="uq_revisions_job_number"),
)

workers = Table(
    "workers",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("stage", String(32), nullable=False),
    Column("last_seen", UtcDateTime, nullable=False),
    Column("current_job", String(36)),
    Column("processed", Integer, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
)

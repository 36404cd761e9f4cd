"""Response models of the REST API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from scribe.domain.jobs import Job, JobState, Stage
from scribe.domain.options import JobOptions


class StageView(BaseModel):
    """One stage of a job."""

    stage: Stage
    state: str
    attempts: int
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None
    progress: float
    error: str | None


class JobView(BaseModel):
    """A job as the API shows it."""

    id: str
    state: JobState
    filename: str
    size_bytes: int
    progress: float
    error: str | None
    failed_stage: Stage | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    audio_duration: float | None
    options: dict[str, Any]
    facts: dict[str, Any]
    stages: list[StageView]
    title: str | None
    collection_id: str | None
    lesson_number: int | None
    metadata: dict[str, Any]
    priority: str
    source_url: str | None
    callback_url: str | None
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    review_status: str = "draft"
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    assignee: str | None = None

    @classmethod
    def of(cls, job: Job) -> JobView:
        """The view of a domain job."""
        return cls(
            id=job.id,
            state=job.state,
            filename=job.filename,
            size_bytes=job.size_bytes,
            progress=job.progress,
            error=job.error,
            failed_stage=job.failed_stage,
            created_at=job.created_at,
            updated_at=job.updated_at,
            completed_at=job.completed_at,
            audio_duration=job.audio_duration,
            options=job.options,
            facts=job.facts,
            stages=[
                StageView(
                    stage=run.stage,
                    state=run.state,
                    attempts=run.attempts,
                    started_at=run.started_at,
                    finished_at=run.finished_at,
                    duration_seconds=run.duration_seconds,
                    progress=run.progress,
                    error=run.error,
                )
                for run in job.stages
            ],
            title=job.title,
            collection_id=job.collection_id,
            lesson_number=job.lesson_number,
            metadata=job.metadata,
            priority=job.priority,
            source_url=job.source_url,
            callback_url=job.callback_url,
            description=job.description,
            tags=job.tags,
            review_status=job.review_status,
            reviewed_by=job.reviewed_by,
            reviewed_at=job.reviewed_at,
            assignee=job.assignee,
        )


class JobList(BaseModel):
    """A page of jobs; pass ``next_cursor`` as ``cursor`` for the next page."""

    jobs: list[JobView]
    next_cursor: str | None = None


class CreatedJobs(BaseModel):
    """Jobs created by one request."""

    jobs: list[JobView]


class JobDetails(BaseModel):
    """What a job is about, besides its options."""

    title: str | None = Field(default=None, max_length=255)
    collection_id: str | None = Field(default=None, max_length=36)
    lesson_number: int | None = Field(default=None, ge=0, le=1_000_000)
    metadata: dict[str, Any] = Field(default_factory=dict)
    callback_url: str | None = Field(
        default=None, max_length=2000, description="Receives this job's webhook events."
    )
    description: str | None = Field(default=None, max_length=5000)
    tags: list[str] | None = Field(
        default=None, max_length=30, description="Tags (a list, or comma-separated in a form)."
    )
    collection_name: str | None = Field(
        default=None,
        max_length=255,
        description="Put the lessons in the collection of this name, created when missing.",
    )

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> list[str] | None:
        from scribe.library.metadata import clean_tags

        return None if value is None else clean_tags(value)

    @field_validator("collection_name")
    @classmethod
    def _collection_name(cls, value: str | None) -> str | None:
        return (value.strip() or None) if value is not None else None


class SourceJobRequest(JobDetails):
    """A job whose media the extract worker fetches."""

    source: str = Field(
        max_length=4000, description="An http(s) URL, or s3://bucket/key of the media bucket."
    )
    options: JobOptions = Field(default_factory=JobOptions)


class ManifestProblemView(BaseModel):
    """A manifest line that created no job."""

    line: int
    reason: str


class ManifestResult(BaseModel):
    """Jobs a manifest created, and the lines it refused."""

    jobs: list[JobView]
    errors: list[ManifestProblemView]


class DeliveryView(BaseModel):
    """One webhook delivery and how it went."""

    id: str
    url: str
    event: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime

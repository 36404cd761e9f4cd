"""Response models of the REST API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from scribe.domain.jobs import Job, JobState, Stage


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
        )


class JobList(BaseModel):
    """A page of jobs."""

    jobs: list[JobView]

"""Job states and pipeline stages."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Stage(StrEnum):
    """A pipeline stage; each has its own queue and worker."""

    EXTRACT = "extract"
    TRANSCRIBE = "transcribe"
    TERMS = "terms"


class JobState(StrEnum):
    """Where a job is: `queued → extracting → transcribing → recognizing_terms → completed`."""

    QUEUED = "queued"
    EXTRACTING = "extracting"
    TRANSCRIBING = "transcribing"
    RECOGNIZING_TERMS = "recognizing_terms"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


STAGE_ORDER: tuple[Stage, ...] = (Stage.EXTRACT, Stage.TRANSCRIBE, Stage.TERMS)

STAGE_STATE: dict[Stage, JobState] = {
    Stage.EXTRACT: JobState.EXTRACTING,
    Stage.TRANSCRIBE: JobState.TRANSCRIBING,
    Stage.TERMS: JobState.RECOGNIZING_TERMS,
}

FINAL_STATES: frozenset[JobState] = frozenset(
    {JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED}
)


def next_stage(stage: Stage) -> Stage | None:
    """The stage after ``stage``, or None after the last one."""
    index = STAGE_ORDER.index(stage)
    return STAGE_ORDER[index + 1] if index + 1 < len(STAGE_ORDER) else None


class StageRun(BaseModel):
    """One stage of one job: when it ran, how often, how it ended."""

    stage: Stage
    state: str = Field(description="`running`, `completed` or `failed`.")
    attempts: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    progress: float = 0.0
    error: str | None = None

    @property
    def duration_seconds(self) -> float | None:
        """Wall time of the stage, once finished."""
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class Job(BaseModel):
    """A media file going through the pipeline."""

    id: str
    state: JobState
    filename: str
    source_key: str
    size_bytes: int = 0
    options: dict[str, Any] = Field(default_factory=dict)
    progress: float = 0.0
    error: str | None = None
    failed_stage: Stage | None = None
    request_id: str = ""
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None
    audio_duration: float | None = None
    facts: dict[str, Any] = Field(default_factory=dict)
    stages: list[StageRun] = Field(default_factory=list)
    title: str | None = None
    collection_id: str | None = None
    lesson_number: int | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    priority: str = "normal"
    source_url: str | None = None
    callback_url: str | None = None
    progress_notified_at: datetime | None = None
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    review_status: str = Field(default="draft", description="`draft`, `in_review`, `approved`.")
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    assignee: str | None = None

    def stage_run(self, stage: Stage) -> StageRun | None:
        """The run of one stage, if it was ever queued."""
        return next((run for run in self.stages if run.stage == stage), None)

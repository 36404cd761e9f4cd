"""The bodies that travel on the queues: stage tasks to workers, events back to the orchestrator.

Bodies carry references (blob keys), never media.
"""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from scribe.domain.jobs import Stage
from scribe.domain.options import JobOptions


class StageOptions(JobOptions):
    """What a stage message carries of its job: the job's own options, and what the
    orchestrator adds from the job's collection. Validated when a worker receives it."""

    bias_terms: list[str] | None = Field(
        default=None,
        description="The collection's chosen lexicon terms to bias decoding towards.",
    )


class StageTask(BaseModel):
    """Work for one stage of one job."""

    job_id: str
    stage: Stage
    input_key: str = Field(description="Blob key the stage reads.")
    options: StageOptions = Field(default_factory=StageOptions, description="Per-job options.")
    request_id: str = Field(default="", description="Follows the job from the HTTP request.")
    source_url: str | None = Field(
        default=None, description="Where extract downloads the media first (URL or s3://)."
    )
    audio_seconds: float | None = Field(
        default=None, description="The audio's duration, once extraction measured it."
    )


class EventType(StrEnum):
    """What a worker reports about a stage."""

    STARTED = "stage.started"
    PROGRESS = "stage.progress"
    HEARTBEAT = "stage.heartbeat"
    RETRYING = "stage.retrying"
    COMPLETED = "stage.completed"
    FAILED = "stage.failed"


class StageEvent(BaseModel):
    """A worker's report, consumed by the orchestrator."""

    type: EventType
    job_id: str
    stage: Stage
    attempt: int = 1
    at: float = Field(default_factory=time.time)
    progress: float | None = Field(default=None, description="0..1 share of the stage done.")
    outputs: dict[str, str] = Field(default_factory=dict, description="Artifact keys written.")
    facts: dict[str, Any] = Field(default_factory=dict, description="Figures to keep on the job.")
    error: str | None = None
    request_id: str = ""
    worker: str = ""

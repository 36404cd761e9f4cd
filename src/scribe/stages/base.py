"""What every stage handler shares: its context, its outcome, and the handler protocol.

Handlers know the blob store and the artifact layout, never queues or the database, so the
workers and ``scribe process`` run exactly the same code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from scribe.domain.jobs import Stage
from scribe.domain.transcript import Transcript
from scribe.messages import StageTask
from scribe.storage.base import BlobStore


@dataclass
class StageContext:
    """What a handler may use besides its task: the store and the progress/stop hooks."""

    store: BlobStore
    progress: Callable[[float], None] = lambda _share: None
    should_stop: Callable[[], bool] = lambda: False
    decoded: Transcript | None = None
    """A transcript the batching worker already decoded (the transcribe stage uses it)."""


@dataclass
class StageOutcome:
    """Artifact keys written, figures for the job, and the next stage's input."""

    outputs: dict[str, str]
    facts: dict[str, Any] = field(default_factory=dict)
    next_input: str | None = None


class StageHandler(Protocol):
    """The work of one stage."""

    stage: Stage

    def load(self) -> None:
        """Load models and pipelines (once per process)."""
        ...

    def handle(self, task: StageTask, ctx: StageContext) -> StageOutcome:
        """Run the stage for one task."""
        ...

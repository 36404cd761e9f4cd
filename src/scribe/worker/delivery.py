"""What the worker core holds and reports: a held message, the worker's status, the hooks
around each message, and the retry backoff."""

from __future__ import annotations

import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from scribe.messages import StageTask
from scribe.observability.context import job_context
from scribe.queues.base import Queue, ReceivedMessage


@dataclass
class WorkerStatus:
    """What the health endpoint reports."""

    ready: bool = False
    reason: str | None = None
    """Why the worker is not ready (a model that does not fit), when it says."""
    current_job: str | None = None
    held: int = 0
    last_heartbeat: float = field(default_factory=time.time)
    processed: int = 0
    failed: int = 0
    busy_seconds: float = 0.0
    started: float = field(default_factory=time.monotonic)

    @property
    def busy_ratio(self) -> float:
        """Share of this worker's life spent handling messages."""
        alive = time.monotonic() - self.started
        return min(1.0, self.busy_seconds / alive) if alive > 0 else 0.0


def backoff_delay(attempt: int, *, base: float, maximum: float) -> float:
    """Seconds to wait before delivery ``attempt + 1``: base, 2×base, 4×base… capped."""
    return float(min(maximum, base * 2 ** max(0, attempt - 1)))


@dataclass(eq=False)
class Delivery:
    """One held message: its task, the queue it came from, and whether it is settled."""

    task: StageTask
    message: ReceivedMessage
    queue: Queue
    received: float = field(default_factory=time.monotonic)
    settled: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def attempt(self) -> int:
        """Which delivery of the message this is (1 for the first)."""
        return self.message.receive_count

    def log_context(self) -> AbstractContextManager[None]:
        """Every log line inside carries this job's id, stage, attempt and request id."""
        return job_context(
            job_id=self.task.job_id,
            stage=self.task.stage.value,
            attempt=self.attempt,
            request_id=self.task.request_id,
        )


class Hooks:
    """Called around each message whatever the strategy (subclass and override what you need);
    an exception in a hook is logged and changes nothing."""

    def before_process(self, delivery: Delivery) -> None:
        """A message was admitted (reported ``started``) and is about to be worked on."""

    def after_process(self, delivery: Delivery, outcome: str) -> None:
        """A message was settled: ``completed``, ``failed``, ``retrying``, ``cancelled`` or
        ``released``."""

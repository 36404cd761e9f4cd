"""A stage worker: one :class:`~scribe.worker.core.WorkerCore` and the strategy that runs it.

The core takes, heartbeats and settles messages; a :class:`Strategy` decides how the held
messages are worked on: :class:`~scribe.worker.sequential.OneAtATime` runs the stage's
handler on one message at a time, :class:`~scribe.worker.batching.SharedBatches` decodes
the speech of many transcribe messages in shared batches. Hooks
(:class:`~scribe.worker.core.Hooks`) run around each message, whichever strategy is in force.
"""

from __future__ import annotations

from typing import Protocol

from scribe.config import Settings
from scribe.queues.base import Queue
from scribe.stages.base import StageHandler
from scribe.storage.base import BlobStore
from scribe.worker.core import WorkerCore
from scribe.worker.delivery import Hooks, WorkerStatus


class Strategy(Protocol):
    """How a worker works on the messages its core takes."""

    def run(self, core: WorkerCore, handler: StageHandler) -> None:
        """Load the handler, then take and settle messages until the core is stopped."""
        ...

    def run_once(self, core: WorkerCore, handler: StageHandler, *, wait_seconds: float) -> bool:
        """Take what is waiting (at most what one round holds), see it through in this thread
        and return whether there was a message (for tests and tools)."""
        ...


class Worker:
    """Consumes one stage's queues with one handler, by a strategy."""

    def __init__(
        self,
        *,
        handler: StageHandler,
        queue: Queue | list[Queue],
        events: Queue,
        store: BlobStore,
        settings: Settings,
        strategy: Strategy | None = None,
        hooks: Hooks | None = None,
    ) -> None:
        from scribe.worker.sequential import OneAtATime

        self.handler = handler
        self.core = WorkerCore(
            stage=handler.stage,
            lanes=queue if isinstance(queue, list) else [queue],
            events=events,
            store=store,
            settings=settings,
            hooks=hooks,
        )
        self.strategy: Strategy = strategy or OneAtATime()

    @property
    def name(self) -> str:
        """``host:pid:stage``, as events and logs name this worker."""
        return self.core.name

    @property
    def queue(self) -> Queue:
        """The stage's normal-priority lane (where most jobs arrive)."""
        return self.core.waiting_lane

    @property
    def status(self) -> WorkerStatus:
        """What the health endpoint reports."""
        return self.core.status

    @property
    def stopping(self) -> bool:
        """Whether a stop was requested."""
        return self.core.stopping

    def request_stop(self) -> None:
        """Stop taking messages; held ones get ``stop_timeout`` seconds to finish."""
        self.core.request_stop()

    def release_held(self) -> bool:
        """Hand every held message back to its queue at once (the stop timeout ran out)."""
        return self.core.release_all()

    def run(self) -> None:
        """Take messages until asked to stop."""
        self.strategy.run(self.core, self.handler)

    def run_once(self, *, wait_seconds: float = 0.0) -> bool:
        """Process what is waiting now (one message, or one batch's worth); returns whether
        there was a message."""
        return self.strategy.run_once(self.core, self.handler, wait_seconds=wait_seconds)

"""The consume loop every stage worker runs.

For each message: report ``started``, keep the message hidden with a heartbeat while the
handler works, report ``completed`` (then delete the message) or sort the failure:

- a :class:`~scribe.errors.PermanentError` reports ``failed`` and deletes the message at once;
- anything else reports ``retrying`` and hides the message for an exponential backoff; the
  queue dead-letters it after ``max_receives`` deliveries and the orchestrator fails the job.

SIGTERM stops taking messages; the message in hand is finished, or released for another
worker when it is not done within ``stop_timeout``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import ValidationError

from scribe.config import Settings
from scribe.errors import CancelledError, PermanentError
from scribe.messages import EventType, StageEvent, StageTask
from scribe.observability.context import job_context
from scribe.observability.metrics import (
    AUDIO_SECONDS,
    REAL_TIME_FACTOR,
    STAGE_DURATION,
    STAGE_FAILURES,
    STAGE_RESULTS,
    EmfWriter,
)
from scribe.queues.base import Queue, ReceivedMessage, receive_first
from scribe.storage.base import BlobStore
from scribe.tombstones import refuse_late_outputs
from scribe.workers.handlers import StageContext, StageHandler, StageOutcome

log = logging.getLogger(__name__)


class WorkerStopping(Exception):
    """The worker was asked to stop and the stop timeout passed: release the message."""


@dataclass
class WorkerStatus:
    """What the health endpoint reports."""

    ready: bool = False
    current_job: str | None = None
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


class Worker:
    """Consumes one stage queue with one handler."""

    def __init__(
        self,
        *,
        handler: StageHandler,
        queue: Queue | list[Queue],
        events: Queue,
        store: BlobStore,
        settings: Settings,
    ) -> None:
        self.handler = handler
        self.lanes = queue if isinstance(queue, list) else [queue]
        self.queue = self.lanes[len(self.lanes) // 2] if len(self.lanes) == 3 else self.lanes[0]
        self.events = events
        self.store = store
        self.settings = settings
        self.name = f"{socket.gethostname()}:{os.getpid()}:{handler.stage.value}"
        self.status = WorkerStatus()
        self._stop = threading.Event()
        self._stop_deadline: float | None = None
        self.emf = EmfWriter(enabled=settings.metrics.emf)
        self._held: tuple[Queue, str] | None = None

    def request_stop(self) -> None:
        """Stop taking messages; give the current one ``stop_timeout`` seconds to finish."""
        if not self._stop.is_set():
            self._stop_deadline = time.monotonic() + self.settings.worker.stop_timeout
            self._stop.set()

    def release_held(self) -> bool:
        """Hand the message in progress back to the queue at once (the stop timeout ran out
        while the stage was inside a long computation with no checkpoint)."""
        held = self._held
        if held is None:
            return False
        queue, receipt = held
        return queue.change_visibility(receipt, 0)

    @property
    def stopping(self) -> bool:
        """Whether a stop was requested."""
        return self._stop.is_set()

    def run(self) -> None:
        """Load the handler, then take messages until asked to stop."""
        self.handler.load()
        self.status.ready = True
        log.info("worker %s ready", self.name)
        last_status = 0.0
        while not self._stop.is_set():
            self.status.last_heartbeat = time.time()
            if time.monotonic() - last_status >= self.settings.worker.status_interval:
                last_status = time.monotonic()
                self._send_status()
            taken = self._next(wait_seconds=min(self.settings.queue.wait_seconds, 1.0))
            if taken is None:
                continue
            queue, message = taken
            try:
                self.process(message, queue)
            except Exception:
                # The message was not deleted: it comes back after its visibility timeout.
                log.exception("could not settle message %s", message.message_id)
        log.info("worker %s stopped", self.name)

    def _send_status(self) -> None:
        """Tell the orchestrator this worker is alive (the operations page lists workers)."""
        try:
            self.events.send(
                {
                    "type": "worker.heartbeat",
                    "worker": self.name,
                    "stage": self.handler.stage.value,
                    "current_job": self.status.current_job,
                    "processed": self.status.processed,
                    "failed": self.status.failed,
                }
            )
        except Exception:
            log.warning("could not send the worker's heartbeat", exc_info=True)

    def _next(self, *, wait_seconds: float) -> tuple[Queue, ReceivedMessage] | None:
        """The next message, most urgent lane first (see :func:`receive_first`); a remote
        backend long-polls the normal lane, where most jobs arrive."""
        return receive_first(self.lanes, wait_seconds=wait_seconds, waiting_lane=self.queue)

    def run_once(self, *, wait_seconds: float = 0.0) -> bool:
        """Process at most one message; returns whether there was one (for tests and tools)."""
        self.handler.load()
        taken = self._next(wait_seconds=wait_seconds)
        if taken is not None:
            self.process(taken[1], taken[0])
        return taken is not None

    def process(self, message: ReceivedMessage, queue: Queue | None = None) -> None:
        """Run the handler on one delivery and settle the message on ``queue``."""
        queue = queue or self.queue
        try:
            task = StageTask.model_validate(message.body)
        except ValidationError as exc:
            log.error("dropping malformed message %s: %s", message.message_id, exc)
            queue.delete(message.receipt)
            return
        if self.store.exists(cancel_marker(task.job_id)):
            log.info("job %s was cancelled; dropping its %s message", task.job_id, task.stage)
            queue.delete(message.receipt)
            return
        attempt = message.receive_count
        with job_context(
            job_id=task.job_id, stage=task.stage.value, attempt=attempt, request_id=task.request_id
        ):
            self._run_task(task, message, queue, attempt)

    def _run_task(
        self, task: StageTask, message: ReceivedMessage, queue: Queue, attempt: int
    ) -> None:
        """Handle one task with a heartbeat, then settle and measure it."""
        self.status.current_job = task.job_id
        self._held = (queue, message.receipt)
        self._emit(task, EventType.STARTED, attempt)
        heartbeat = _Heartbeat(
            queue,
            message.receipt,
            self.settings,
            on_beat=lambda: self._emit(task, EventType.HEARTBEAT, attempt),
        )
        heartbeat.start()
        started = time.monotonic()
        outcome_name = "completed"
        outcome: StageOutcome | None = None
        try:
            outcome = self.handler.handle(task, self._context(task, attempt))
            refuse_late_outputs(self.store, task.job_id, outcome.outputs)
        except Exception as exc:
            heartbeat.stop()
            outcome_name = self._settle_failure(task, message, queue, attempt, exc)
        else:
            heartbeat.stop()
            self.status.processed += 1
            assert outcome is not None
            outputs = dict(outcome.outputs)
            if outcome.next_input is not None:
                outputs["next_input"] = outcome.next_input
            self._emit(task, EventType.COMPLETED, attempt, outputs=outputs, facts=outcome.facts)
            queue.delete(message.receipt)
            log.info("%s done in %.2f s", task.stage.value, time.monotonic() - started)
        finally:
            heartbeat.stop()
            elapsed = time.monotonic() - started
            self.status.busy_seconds += elapsed
            self.status.current_job = None
            self._held = None
            self._measure(task, outcome_name, elapsed, outcome)

    def _measure(
        self, task: StageTask, outcome_name: str, elapsed: float, outcome: StageOutcome | None
    ) -> None:
        stage = task.stage.value
        STAGE_DURATION.labels(stage, outcome_name).observe(elapsed)
        STAGE_RESULTS.labels(stage, outcome_name).inc()
        audio = task.audio_seconds
        facts = outcome.facts if outcome is not None else {}
        if audio is None and isinstance(facts.get("audio"), dict):
            audio = facts["audio"].get("duration")
        if outcome_name != "completed" or not audio:
            return
        AUDIO_SECONDS.labels(stage).inc(audio)
        REAL_TIME_FACTOR.labels(stage).observe(elapsed / audio)
        self.emf.emit(
            {
                "StageDuration": (elapsed, "Seconds"),
                "AudioSeconds": (float(audio), "Seconds"),
                "RealTimeFactor": (elapsed / audio, "None"),
            },
            dimensions={"Stage": stage},
            properties={"job_id": task.job_id, "request_id": task.request_id},
        )

    def _settle_failure(
        self,
        task: StageTask,
        message: ReceivedMessage,
        queue: Queue,
        attempt: int,
        exc: Exception,
    ) -> str:
        """Release, drop, fail or schedule a retry of a message whose handler raised; returns
        the outcome's name for the metrics."""
        if isinstance(exc, WorkerStopping):
            queue.change_visibility(message.receipt, 0)
            log.warning("released job %s: worker stopping", task.job_id)
            return "released"
        if isinstance(exc, CancelledError):
            log.info("job %s stopped: %s", task.job_id, exc)
            queue.delete(message.receipt)
            return "cancelled"
        STAGE_FAILURES.labels(task.stage.value, type(exc).__name__).inc()
        if isinstance(exc, PermanentError):
            self.status.failed += 1
            log.warning("job %s failed for good at %s: %s", task.job_id, task.stage.value, exc)
            self._emit(task, EventType.FAILED, attempt, error=str(exc))
            queue.delete(message.receipt)
            return "failed"
        self.status.failed += 1
        delay = backoff_delay(
            attempt,
            base=self.settings.worker.retry_base_delay,
            maximum=self.settings.worker.retry_max_delay,
        )
        reason = f"{type(exc).__name__}: {exc}"
        log.error(
            "job %s attempt %d failed (%s); retry in %.0f s", task.job_id, attempt, reason, delay
        )
        self._emit(task, EventType.RETRYING, attempt, error=reason)
        queue.change_visibility(message.receipt, delay)
        return "retrying"

    def _context(self, task: StageTask, attempt: int) -> StageContext:
        last = [0.0]
        interval = self.settings.whisper.progress_interval

        def progress(share: float) -> None:
            now = time.monotonic()
            if now - last[0] >= interval:
                last[0] = now
                self._emit(task, EventType.PROGRESS, attempt, progress=round(share, 4))

        def should_stop() -> bool:
            if self._stop_deadline is not None and time.monotonic() > self._stop_deadline:
                raise WorkerStopping()
            return self.store.exists(cancel_marker(task.job_id))

        return StageContext(store=self.store, progress=progress, should_stop=should_stop)

    def _emit(self, task: StageTask, kind: EventType, attempt: int, **fields: object) -> None:
        event = StageEvent(
            type=kind,
            job_id=task.job_id,
            stage=task.stage,
            attempt=attempt,
            request_id=task.request_id,
            worker=self.name,
            **fields,  # type: ignore[arg-type]
        )
        self.events.send(event.model_dump(mode="json"))


def cancel_marker(job_id: str) -> str:
    """The blob a cancelled or deleted job leaves so workers stop at their next checkpoint
    (its tombstone, see :mod:`scribe.tombstones`)."""
    from scribe.tombstones import tombstone_key

    return tombstone_key(job_id)


class _Heartbeat:
    """Extends a held message's visibility every ``heartbeat_interval`` seconds."""

    def __init__(
        self,
        queue: Queue,
        receipt: str,
        settings: Settings,
        on_beat: Callable[[], None] | None = None,
    ) -> None:
        self._queue = queue
        self._receipt = receipt
        self._on_beat = on_beat
        self._interval = settings.worker.heartbeat_interval
        self._timeout = settings.queue.visibility_timeout
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _beat(self) -> None:
        while not self._done.wait(self._interval):
            try:
                self._queue.change_visibility(self._receipt, self._timeout)
                if self._on_beat is not None:
                    self._on_beat()
            except Exception:
                log.exception("heartbeat failed")

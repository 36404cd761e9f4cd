"""The worker core: what every stage worker does with a message, implemented once.

A :class:`WorkerCore` takes messages from a stage's lanes, holds them (a :class:`Delivery`
each) and settles each one exactly once:

- **admit**: a malformed body is dropped, a cancelled job's message is dropped, anything
  else is held and reported ``started``;
- **heartbeat**: one thread extends the visibility of every held message each
  ``heartbeat_interval`` seconds (a long video is never handed to a second worker);
- **complete**: report ``completed`` with the outputs, then delete the message;
- **fail**: a :class:`~scribe.errors.WorkerStopping` releases the message at once, a
  :class:`~scribe.errors.JobCancelled` drops it, a :class:`~scribe.errors.PermanentError`
  reports ``failed`` and deletes it, anything else reports ``retrying`` and hides the message
  for an exponential backoff (the queue dead-letters it after ``max_receives``);
- **release**: on a stop past its timeout every held message goes back to its queue.

How messages are taken and run (one at a time, or many decoded in shared batches) is a
strategy's business (:mod:`scribe.worker.sequential`, :mod:`scribe.worker.batching`); the
strategies call the core and never settle a message themselves.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pydantic import ValidationError

from scribe.artifacts import cancel_marker
from scribe.config import Settings
from scribe.domain.jobs import Stage
from scribe.errors import JobCancelled, PermanentError, WorkerStopping
from scribe.messages import EventType, StageEvent, StageTask
from scribe.observability.metrics import (
    AUDIO_SECONDS,
    REAL_TIME_FACTOR,
    STAGE_DURATION,
    STAGE_FAILURES,
    STAGE_RESULTS,
    EmfWriter,
)
from scribe.queues.base import Queue, ReceivedMessage, receive_first
from scribe.stages.base import StageContext, StageOutcome
from scribe.storage.base import BlobStore
from scribe.tombstones import refuse_late_outputs
from scribe.worker.delivery import Delivery, Hooks, WorkerStatus, backoff_delay
from scribe.worker.protection import TaskProtection

log = logging.getLogger(__name__)

# How often the heartbeat thread looks at the clock.
TICK_SECONDS = 0.2


class WorkerCore:
    """Takes, holds, heartbeats and settles the messages of one stage's queues."""

    def __init__(
        self,
        *,
        stage: Stage,
        lanes: list[Queue],
        events: Queue,
        store: BlobStore,
        settings: Settings,
        hooks: Hooks | None = None,
    ) -> None:
        self.stage = stage
        self.hooks = hooks or Hooks()
        self.lanes = lanes
        # The lane a remote backend long-polls: the normal one, where most jobs arrive.
        self.waiting_lane = lanes[len(lanes) // 2] if len(lanes) == 3 else lanes[0]
        self.events = events
        self.store = store
        self.settings = settings
        self.name = f"{socket.gethostname()}:{os.getpid()}:{stage.value}"
        self.status = WorkerStatus()
        self.emf = EmfWriter(enabled=settings.metrics.emf)
        self._stop = threading.Event()
        self._stop_deadline: float | None = None
        self._lock = threading.Lock()
        self._held: list[Delivery] = []

    # --- stopping --------------------------------------------------------------------------

    def request_stop(self) -> None:
        """Stop taking messages; held ones get ``stop_timeout`` seconds to finish."""
        if not self._stop.is_set():
            self._stop_deadline = time.monotonic() + self.settings.worker.stop_timeout
            self._stop.set()

    @property
    def stopping(self) -> bool:
        """Whether a stop was requested."""
        return self._stop.is_set()

    def past_stop_deadline(self) -> bool:
        """Whether a stop was requested and its timeout has run out."""
        deadline = self._stop_deadline
        return deadline is not None and time.monotonic() > deadline

    # --- taking ----------------------------------------------------------------------------

    def take(self, *, wait_seconds: float) -> Delivery | None:
        """The next admitted message, most urgent lane first (see :func:`receive_first`)."""
        taken = receive_first(self.lanes, wait_seconds=wait_seconds, waiting_lane=self.waiting_lane)
        return None if taken is None else self.admit(*taken)

    def admit(self, queue: Queue, message: ReceivedMessage) -> Delivery | None:
        """Validate a delivery and hold it (reported ``started``); a malformed message or one of
        a cancelled job is dropped, and None returned."""
        try:
            task = StageTask.model_validate(message.body)
        except ValidationError as exc:
            log.error("dropping malformed message %s: %s", message.message_id, exc)
            self._fail_malformed(message.body, exc)
            queue.delete(message.receipt)
            return None
        if self.store.exists(cancel_marker(task.job_id)):
            log.info("job %s was cancelled; dropping its %s message", task.job_id, task.stage)
            queue.delete(message.receipt)
            return None
        delivery = Delivery(task, message, queue)
        with self._lock:
            self._held.append(delivery)
            self._refresh_status()
        self.emit(delivery, EventType.STARTED)
        self._call_hook(self.hooks.before_process, delivery)
        return delivery

    def _fail_malformed(self, body: object, exc: ValidationError) -> None:
        """A malformed message that still names its job fails that job at once, with what
        was wrong, instead of leaving it to the watchdog."""
        job_id = body.get("job_id") if isinstance(body, dict) else None
        if not isinstance(job_id, str) or not job_id:
            return
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'body'}: {error['msg']}"
            for error in exc.errors()[:3]
        )
        event = StageEvent(
            type=EventType.FAILED,
            job_id=job_id,
            stage=self.stage,
            error=f"malformed stage message ({problems})",
            worker=self.name,
        )
        try:
            self.events.send(event.model_dump(mode="json"))
        except Exception:
            log.warning("could not report the malformed message of job %s", job_id)

    @property
    def held_count(self) -> int:
        """How many messages are held (admitted and not yet settled)."""
        with self._lock:
            return len(self._held)

    def context(self, delivery: Delivery) -> StageContext:
        """The store and the progress and stop hooks a handler gets for one delivery."""
        last = [0.0]
        interval = self.settings.whisper.progress_interval

        def progress(share: float) -> None:
            now = time.monotonic()
            if now - last[0] >= interval:
                last[0] = now
                self.emit(delivery, EventType.PROGRESS, progress=round(share, 4))

        def should_stop() -> bool:
            if self.past_stop_deadline():
                raise WorkerStopping("the worker is stopping and its stop timeout ran out")
            return self.store.exists(cancel_marker(delivery.task.job_id))

        return StageContext(store=self.store, progress=progress, should_stop=should_stop)

    # --- settling --------------------------------------------------------------------------

    def _settle(self, delivery: Delivery) -> bool:
        """Mark a delivery settled (no more heartbeats, no longer held); False if it was."""
        with delivery.lock:
            if delivery.settled:
                return False
            delivery.settled = True
        with self._lock:
            if delivery in self._held:
                self._held.remove(delivery)
            self._refresh_status()
        return True

    def complete(self, delivery: Delivery, outcome: StageOutcome) -> None:
        """Report ``completed`` with the outcome's outputs and facts, then delete the message
        (nothing happens when the delivery was already settled, e.g. released). Outputs of a
        job cancelled or deleted while the stage ran are removed again, and the stage ends as
        cancelled (see :mod:`scribe.tombstones`)."""
        try:
            refuse_late_outputs(self.store, delivery.task.job_id, outcome.outputs)
        except JobCancelled as exc:
            self.fail(delivery, exc)
            return
        if not self._settle(delivery):
            return
        task = delivery.task
        outputs = dict(outcome.outputs)
        if outcome.next_input is not None:
            outputs["next_input"] = outcome.next_input
        self.emit(delivery, EventType.COMPLETED, outputs=outputs, facts=outcome.facts)
        delivery.queue.delete(delivery.message.receipt)
        self.status.processed += 1
        elapsed = time.monotonic() - delivery.received
        log.info("%s done in %.2f s", task.stage.value, elapsed)
        self._measure(task, "completed", elapsed, outcome)
        self._call_hook(self.hooks.after_process, delivery, "completed")

    def fail(self, delivery: Delivery, exc: Exception) -> None:
        """Settle a delivery whose work raised: release, drop, fail or schedule a retry."""
        if not self._settle(delivery):
            return
        with delivery.log_context():
            try:
                outcome = self._sort_failure(delivery, exc)
            except Exception:
                log.exception("could not settle job %s", delivery.task.job_id)
                return
        self._measure(delivery.task, outcome, time.monotonic() - delivery.received, None)
        self._call_hook(self.hooks.after_process, delivery, outcome)

    def _call_hook(self, hook: Callable[..., None], *args: object) -> None:
        try:
            hook(*args)
        except Exception:
            log.exception("a worker hook failed")

    def _sort_failure(self, delivery: Delivery, exc: Exception) -> str:
        """Act on a failure by its kind; returns the outcome's name for the metrics."""
        task, receipt, queue = delivery.task, delivery.message.receipt, delivery.queue
        if isinstance(exc, WorkerStopping):
            queue.change_visibility(receipt, 0)
            log.warning("released job %s: worker stopping", task.job_id)
            return "released"
        if isinstance(exc, JobCancelled):
            log.info("job %s stopped: %s", task.job_id, exc)
            queue.delete(receipt)
            return "cancelled"
        STAGE_FAILURES.labels(task.stage.value, type(exc).__name__).inc()
        self.status.failed += 1
        if isinstance(exc, PermanentError):
            log.warning("job %s failed for good at %s: %s", task.job_id, task.stage.value, exc)
            self.emit(delivery, EventType.FAILED, error=str(exc))
            queue.delete(receipt)
            return "failed"
        worker = self.settings.worker
        delay = backoff_delay(
            delivery.attempt, base=worker.retry_base_delay, maximum=worker.retry_max_delay
        )
        reason = f"{type(exc).__name__}: {exc}"
        log.error(
            "job %s attempt %d failed (%s); retry in %.0f s",
            task.job_id,
            delivery.attempt,
            reason,
            delay,
        )
        self.emit(delivery, EventType.RETRYING, error=reason)
        queue.change_visibility(receipt, delay)
        return "retrying"

    def release_all(self) -> bool:
        """Hand every held message back to its queue at once (the stop timeout ran out while
        a stage was inside a long computation); returns whether one was released."""
        with self._lock:
            held = list(self._held)
        released = False
        for delivery in held:
            if not self._settle(delivery):
                continue
            try:
                released = delivery.queue.change_visibility(delivery.message.receipt, 0) or released
            except Exception:
                log.exception("could not release job %s", delivery.task.job_id)
            self._call_hook(self.hooks.after_process, delivery, "released")
        return released

    # --- heartbeat -------------------------------------------------------------------------

    @contextmanager
    def heartbeating(self) -> Iterator[None]:
        """Extend every held message's visibility while the block runs (one thread)."""
        done = threading.Event()
        thread = threading.Thread(target=self._beat, args=(done,), name="heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join(timeout=5)

    def _beat(self, done: threading.Event) -> None:
        interval = self.settings.worker.heartbeat_interval
        next_beat = time.monotonic() + interval
        # In ECS: scale-in protection while any message is held, dropped once idle.
        protection = TaskProtection.for_worker(self.settings)
        while not done.wait(TICK_SECONDS):
            if protection is not None:
                protection.update(self.held_count > 0)
            if time.monotonic() >= next_beat:
                next_beat = time.monotonic() + interval
                self.extend_held()
        if protection is not None:
            protection.update(False)

    def extend_held(self) -> None:
        """One heartbeat: every held message stays hidden for another visibility timeout, and
        the orchestrator hears that its job is alive."""
        timeout = self.settings.queue.visibility_timeout
        with self._lock:
            held = list(self._held)
        for delivery in held:
            with delivery.lock:
                if delivery.settled:
                    continue
                try:
                    delivery.queue.change_visibility(delivery.message.receipt, timeout)
                except Exception:
                    log.exception("heartbeat failed for job %s", delivery.task.job_id)
                    continue
            try:
                self.emit(delivery, EventType.HEARTBEAT)
            except Exception:
                log.warning("could not report job %s's heartbeat", delivery.task.job_id)

    # --- reporting -------------------------------------------------------------------------

    def emit(self, delivery: Delivery, kind: EventType, **fields: object) -> None:
        """Send one stage event about a delivery to the orchestrator."""
        task = delivery.task
        event = StageEvent(
            type=kind,
            job_id=task.job_id,
            stage=task.stage,
            attempt=delivery.attempt,
            request_id=task.request_id,
            worker=self.name,
            **fields,  # type: ignore[arg-type]
        )
        self.events.send(event.model_dump(mode="json"))

    def send_status(self) -> None:
        """Tell the orchestrator this worker is alive (the operations page lists workers)."""
        try:
            self.events.send(
                {
                    "type": "worker.heartbeat",
                    "worker": self.name,
                    "stage": self.stage.value,
                    "current_job": self.status.current_job,
                    "processed": self.status.processed,
                    "failed": self.status.failed,
                }
            )
        except Exception:
            log.warning("could not send the worker's heartbeat", exc_info=True)

    def _refresh_status(self) -> None:
        """The held count and the oldest held job (call with ``_lock`` held)."""
        self.status.held = len(self._held)
        self.status.current_job = self._held[0].task.job_id if self._held else None

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

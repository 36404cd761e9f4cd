"""The orchestrator loop the api runs: outbox, events, dead letters.

Only this loop (and the api's commands) write job state; workers just send events.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from pydantic import ValidationError
from sqlalchemy import Engine

from scribe import artifacts
from scribe.config import WatchdogSettings, WebhookSettings
from scribe.db import repository as repo
from scribe.db.tables import utcnow
from scribe.domain.jobs import Job, JobState, Stage
from scribe.domain.options import lanes
from scribe.domain.terms import TermsResult
from scribe.domain.transcript import Transcript
from scribe.errors import NotFoundError
from scribe.messages import EventType, StageEvent, StageTask
from scribe.observability.context import job_context
from scribe.observability.metrics import EmfWriter
from scribe.orchestrator.machine import apply_event, fail_job, restart_stage, stale_jobs
from scribe.queues import EVENTS_QUEUE, LANE_QUEUES
from scribe.queues.base import QueueBroker
from scribe.storage.base import BlobStore

log = logging.getLogger(__name__)


class Orchestrator:
    """Drives jobs: applies events, sends the outbox, fails dead-lettered jobs."""

    def __init__(
        self,
        engine: Engine,
        broker: QueueBroker,
        store: BlobStore,
        *,
        webhooks: WebhookSettings | None = None,
        batch: int = 10,
        emf: bool = False,
        watchdog: WatchdogSettings | None = None,
    ) -> None:
        self.engine = engine
        self.broker = broker
        self.store = store
        self.webhooks = webhooks
        self.emf = EmfWriter(enabled=emf)
        self.events = broker.queue(EVENTS_QUEUE)
        self.batch = batch
        self._stop = threading.Event()
        self._outbox_lock = threading.Lock()
        self.watchdog_settings = watchdog or WatchdogSettings()
        self._last_watch = time.monotonic()

    def flush_outbox(self) -> int:
        """Send every pending outbox message; returns how many were sent.

        The api calls this right after creating a job, the loop after every batch of events;
        the lock keeps the two from sending the same row twice.
        """
        with self._outbox_lock:
            sent = 0
            while True:
                with self.engine.begin() as conn:
                    pending = repo.pending_outbox(conn, limit=100)
                if not pending:
                    return sent
                for message_id, queue, body in pending:
                    self.broker.queue(queue).send(body)
                    with self.engine.begin() as conn:
                        repo.delete_outbox(conn, message_id=message_id)
                    sent += 1

    def apply(self, event: StageEvent) -> bool:
        """Apply one event, with the completed stage's outputs read from the blob store."""
        transcript = terms = None
        if event.type == EventType.COMPLETED:
            try:
                if event.stage == Stage.TRANSCRIBE:
                    raw = self.store.get_bytes(artifacts.transcript_key(event.job_id, "json"))
                    transcript = Transcript.model_validate_json(raw)
                elif event.stage == Stage.TERMS:
                    raw = self.store.get_bytes(
                        artifacts.artifact_key(event.job_id, artifacts.TERMS_JSON)
                    )
                    terms = TermsResult.model_validate_json(raw)
            except NotFoundError:
                log.warning("job %s: %s output missing; not indexed", event.job_id, event.stage)
        with (
            job_context(
                job_id=event.job_id,
                stage=event.stage.value,
                attempt=event.attempt,
                request_id=event.request_id,
            ),
            self.engine.begin() as conn,
        ):
            changed = apply_event(
                conn, event, webhooks=self.webhooks, transcript=transcript, terms=terms
            )
            if changed and event.type in (EventType.COMPLETED, EventType.FAILED):
                job = repo.get_job(conn, job_id=event.job_id)
                if job is not None and job.state in (JobState.COMPLETED, JobState.FAILED):
                    self._report_final(job)
        return changed

    def _report_final(self, job: Job) -> None:
        """Log the end of a job and write its CloudWatch figures."""
        if job.state == JobState.COMPLETED:
            log.info("job completed (%.1f s of audio)", job.audio_duration or 0.0)
        else:
            log.warning("job failed at %s: %s", job.failed_stage, job.error)
        seconds = (job.completed_at - job.created_at).total_seconds() if job.completed_at else 0.0
        self.emf.emit(
            {
                "JobsCompleted": (1.0 if job.state == JobState.COMPLETED else 0.0, "Count"),
                "JobsFailed": (1.0 if job.state == JobState.FAILED else 0.0, "Count"),
                "JobDuration": (seconds, "Seconds"),
            },
            properties={"job_id": job.id, "request_id": job.request_id},
        )

    def process_events(self, *, wait_seconds: float = 0.0) -> int:
        """Apply a batch of events; returns how many were received."""
        messages = self.events.receive(max_messages=self.batch, wait_seconds=wait_seconds)
        for message in messages:
            if message.body.get("type") == "worker.heartbeat":
                self._record_worker(message.body)
                self.events.delete(message.receipt)
                continue
            try:
                event = StageEvent.model_validate(message.body)
            except ValidationError as exc:
                log.error("dropping malformed event %s: %s", message.message_id, exc)
                self.events.delete(message.receipt)
                continue
            self.apply(event)
            self.events.delete(message.receipt)
        if messages:
            self.flush_outbox()
        return len(messages)

    def _record_worker(self, body: dict[str, object]) -> None:
        from scribe.db.workers import record_worker

        with self.engine.begin() as conn:
            record_worker(conn, body)

    def sweep_dead_letters(self) -> int:
        """Fail the job of every dead-lettered stage message, with its last error."""
        failed = 0
        for name in LANE_QUEUES:
            queue = self.broker.queue(name)
            for message in queue.receive_dead(max_messages=self.batch):
                try:
                    task = StageTask.model_validate(message.body)
                except ValidationError:
                    queue.delete_dead(message.receipt)
                    continue
                with self.engine.begin() as conn:
                    job = repo.get_job(conn, job_id=task.job_id)
                    run = job.stage_run(task.stage) if job else None
                    last_error = run.error if run and run.error else "no error was reported"
                    reason = (
                        f"{task.stage.value} gave up after {message.receive_count} attempts: "
                        f"{last_error}"
                    )
                    if fail_job(
                        conn,
                        job_id=task.job_id,
                        stage=task.stage,
                        reason=reason,
                        webhooks=self.webhooks,
                    ):
                        failed += 1
                queue.delete_dead(message.receipt)
        return failed

    def watch(self) -> dict[str, str]:
        """Restart (or fail) jobs that nothing is working on; returns job id → action."""
        policy = self.watchdog_settings
        older_than = utcnow() - timedelta(seconds=policy.stale_after)
        actions: dict[str, str] = {}

        def lanes_empty(stage: Stage) -> bool:
            counts = [self.broker.queue(name).counts() for name in lanes(stage.value)]
            return all(c.visible == 0 and c.in_flight == 0 for c in counts)

        with self.engine.begin() as conn:
            for job in stale_jobs(conn, older_than=older_than, lanes_empty=lanes_empty):
                with job_context(job_id=job.id, request_id=job.request_id):
                    action = restart_stage(
                        conn,
                        job=job,
                        max_restarts=policy.max_restarts,
                        idle_seconds=policy.stale_after,
                        webhooks=self.webhooks,
                    )
                    log.warning("watchdog: job stalled, %s", action)
                actions[job.id] = action
        if actions:
            self.flush_outbox()
        return actions

    def step(self, *, wait_seconds: float = 0.0) -> int:
        """One round: outbox, events, dead letters, and now and then the watchdog."""
        self.flush_outbox()
        handled = self.process_events(wait_seconds=wait_seconds)
        self.sweep_dead_letters()
        if time.monotonic() - self._last_watch >= self.watchdog_settings.interval:
            self._last_watch = time.monotonic()
            self.watch()
        return handled

    def run(self, *, wait_seconds: float = 1.0) -> None:
        """Loop until :meth:`stop`; errors are logged and the loop goes on."""
        while not self._stop.is_set():
            try:
                self.step(wait_seconds=wait_seconds)
            except Exception:
                log.exception("orchestrator step failed; retrying")
                self._stop.wait(1.0)

    def stop(self) -> None:
        """Ask :meth:`run` to return."""
        self._stop.set()

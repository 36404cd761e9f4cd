"""The orchestrator loop the api runs: outbox, events, dead letters.

Only this loop (and the api's commands) write job state; workers just send events. Every api
process runs it: outbox rows are claimed before they are sent (:mod:`scribe.db.claims`), events
are applied under a lock on the job's row, and the watchdog runs in the one process holding
the ``watchdog`` lease (:mod:`scribe.db.leases`).
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
from scribe.db.claims import (
    claim_outbox,
    finish_claimed,
    jobs_in_outbox,
    lock_job,
    process_identity,
    release_claimed,
)
from scribe.db.leases import Lease
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

# Seconds an outbox claim lasts (the api passes the queue's visibility timeout): far above the
# time to send one batch, so only a dead claimer's rows pass on to another process.
OUTBOX_CLAIM_SECONDS = 60.0
# Rows claimed at a time: few enough to send well within one claim.
OUTBOX_CLAIM_BATCH = 10
# Shortest watchdog lease; it is renewed at each look (every ``interval`` seconds).
WATCHDOG_LEASE_MIN = 10.0


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
        outbox_claim_seconds: float = OUTBOX_CLAIM_SECONDS,
    ) -> None:
        self.engine = engine
        self.broker = broker
        self.store = store
        self.webhooks = webhooks
        self.emf = EmfWriter(enabled=emf)
        self.events = broker.queue(EVENTS_QUEUE)
        self.batch = batch
        self._stop = threading.Event()
        self.watchdog_settings = watchdog or WatchdogSettings()
        self._last_watch = time.monotonic()
        self.identity = process_identity()
        self.outbox_claim_seconds = outbox_claim_seconds
        self.watchdog_lease = Lease(
            engine,
            "watchdog",
            ttl=max(WATCHDOG_LEASE_MIN, 3 * self.watchdog_settings.interval),
            holder=self.identity,
        )

    def flush_outbox(self) -> int:
        """Send every outbox message nobody else holds; returns how many this call sent.

        The api calls this right after creating a job, the loop after every batch of events,
        in any number of processes: each batch is claimed first (one claimer per row), sent,
        and each row deleted once sent. Rows not sent because a send failed, or because half
        the claim has passed (a slow queue), are given back.
        """
        sent = 0
        while True:
            claimed_at = time.monotonic()
            with self.engine.begin() as conn:
                claimed = claim_outbox(
                    conn,
                    holder=self.identity,
                    limit=OUTBOX_CLAIM_BATCH,
                    claim_seconds=self.outbox_claim_seconds,
                )
            if not claimed:
                return sent
            for index, (message_id, queue, body) in enumerate(claimed):
                rest = [row[0] for row in claimed[index:]]
                if time.monotonic() - claimed_at > self.outbox_claim_seconds / 2:
                    # A slow queue: give the rest back and claim afresh, rather than send
                    # rows whose claim may lapse meanwhile (another process would send them too).
                    self._give_back(rest)
                    break
                try:
                    self.broker.queue(queue).send(body)
                except Exception:
                    self._give_back(rest)
                    raise
                with self.engine.begin() as conn:
                    if not finish_claimed(conn, message_id=message_id, holder=self.identity):
                        log.warning("outbox row %d was sent after its claim lapsed", message_id)
                sent += 1

    def _give_back(self, message_ids: list[int]) -> None:
        """Release outbox rows this process claimed and has not sent."""
        with self.engine.begin() as conn:
            release_claimed(conn, message_ids=message_ids, holder=self.identity)

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

        backlog = self.events.counts().visible
        if backlog > self.batch:
            # Unread events may hold the very heartbeats that say a job is alive: a job only
            # looks stalled here because the orchestrators are behind. Judge once caught up.
            log.info("watchdog: %d events not yet applied; looking again later", backlog)
            return actions

        def lanes_empty(stage: Stage) -> bool:
            counts = [self.broker.queue(name).counts() for name in lanes(stage.value)]
            return all(c.visible == 0 and c.in_flight == 0 for c in counts)

        with self.engine.begin() as conn:
            candidates = stale_jobs(conn, older_than=older_than, lanes_empty=lanes_empty)
            on_the_way = jobs_in_outbox(conn) if candidates else set()
        for candidate in candidates:
            if candidate.id in on_the_way:
                continue  # its message waits in the outbox (a dead api's claim lapses)
            with self.engine.begin() as conn:
                lock_job(conn, job_id=candidate.id)
                job = repo.get_job(conn, job_id=candidate.id)
                if job is None or (job.state, job.updated_at) != (
                    candidate.state,
                    candidate.updated_at,
                ):
                    continue  # it moved (or was restarted elsewhere) since it was listed
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
            if self.watchdog_lease.held():
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
        try:
            self.watchdog_lease.release()  # let another api take over now, not at expiry
        except Exception:
            log.warning("could not release the watchdog lease; it lapses by itself")

    def stop(self) -> None:
        """Ask :meth:`run` to return."""
        self._stop.set()

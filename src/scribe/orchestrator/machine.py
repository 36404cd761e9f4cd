"""The job state machine: the only code that changes a job's state.

It consumes the events queue, records each stage's start, progress, attempts and end, and
enqueues the next stage. Next-stage messages go through the outbox table in the same
transaction as the state change, so a crash can never advance a job without its next message
(at worst the message is sent twice, and stages are idempotent).

    queued → extracting → transcribing → recognizing_terms → completed
                 ╰──────────────╰──────────────────╰──→ failed (stage, reason) | cancelled
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine

from scribe.db import repository as repo
from scribe.db.tables import utcnow
from scribe.domain.jobs import FINAL_STATES, STAGE_ORDER, STAGE_STATE, JobState, Stage, next_stage
from scribe.messages import EventType, StageEvent, StageTask
from scribe.queues import EVENTS_QUEUE, STAGE_QUEUES
from scribe.queues.base import QueueBroker

log = logging.getLogger(__name__)

# Share of a job's overall progress each stage accounts for.
STAGE_WEIGHTS: dict[Stage, float] = {Stage.EXTRACT: 0.1, Stage.TRANSCRIBE: 0.8, Stage.TERMS: 0.1}


def overall_progress(stage: Stage, share: float) -> float:
    """The job's progress when ``stage`` is ``share`` done."""
    done = sum(STAGE_WEIGHTS[s] for s in STAGE_ORDER[: STAGE_ORDER.index(stage)])
    return round(min(1.0, done + STAGE_WEIGHTS[stage] * max(0.0, min(1.0, share))), 4)


def create_job(
    conn: Connection,
    *,
    filename: str,
    source_key: str,
    size_bytes: int,
    options: dict[str, Any],
    request_id: str = "",
    job_id: str | None = None,
) -> str:
    """Insert a job and its first stage message in one transaction; returns the job id."""
    job_id = job_id or uuid.uuid4().hex
    repo.insert_job(
        conn,
        job_id=job_id,
        filename=filename,
        source_key=source_key,
        size_bytes=size_bytes,
        options=options,
        request_id=request_id,
    )
    _enqueue_stage(
        conn,
        job_id=job_id,
        stage=Stage.EXTRACT,
        input_key=source_key,
        options=options,
        request_id=request_id,
    )
    return job_id


def _enqueue_stage(
    conn: Connection,
    *,
    job_id: str,
    stage: Stage,
    input_key: str,
    options: dict[str, Any],
    request_id: str,
) -> None:
    task = StageTask(
        job_id=job_id, stage=stage, input_key=input_key, options=options, request_id=request_id
    )
    repo.upsert_stage_run(conn, job_id=job_id, stage=stage, state="queued")
    repo.enqueue(conn, queue=stage.value, body=task.model_dump(mode="json"))


def apply_event(conn: Connection, event: StageEvent) -> bool:
    """Apply one worker event; returns whether it changed anything (duplicates do not)."""
    job = repo.get_job(conn, job_id=event.job_id)
    if job is None:
        log.warning("event for unknown job %s ignored", event.job_id)
        return False
    if job.state in FINAL_STATES:
        return False
    stage_state = STAGE_STATE[event.stage]
    run = next((r for r in job.stages if r.stage == event.stage), None)
    if run is None or run.state in ("completed", "failed"):
        return False  # a stage this job is not at, or a duplicate of a settled one
    allowed_from = {JobState.QUEUED, stage_state} if event.stage == Stage.EXTRACT else {stage_state}
    if job.state not in allowed_from:
        return False

    if event.type == EventType.STARTED:
        repo.transition(conn, job_id=job.id, from_states=allowed_from, to_state=stage_state)
        fields: dict[str, Any] = {"state": "running", "attempts": event.attempt}
        if run.started_at is None:
            fields["started_at"] = _event_time(event)
        repo.upsert_stage_run(conn, job_id=job.id, stage=event.stage, **fields)
        return True
    if event.type == EventType.PROGRESS:
        share = event.progress or 0.0
        repo.upsert_stage_run(conn, job_id=job.id, stage=event.stage, progress=share)
        repo.update_job(conn, job_id=job.id, progress=overall_progress(event.stage, share))
        return True
    if event.type == EventType.RETRYING:
        repo.upsert_stage_run(
            conn, job_id=job.id, stage=event.stage, attempts=event.attempt, error=event.error
        )
        return True
    if event.type == EventType.COMPLETED:
        _complete_stage(conn, job.id, event, job.options, job.request_id)
        return True
    if event.type == EventType.FAILED:
        fail_job(conn, job_id=job.id, stage=event.stage, reason=event.error or "stage failed")
        return True
    return False


def _event_time(event: StageEvent) -> datetime:
    """When the worker says the event happened."""
    return datetime.fromtimestamp(event.at, UTC)


def _complete_stage(
    conn: Connection, job_id: str, event: StageEvent, options: dict[str, Any], request_id: str
) -> None:
    now = _event_time(event)
    repo.upsert_stage_run(
        conn,
        job_id=job_id,
        stage=event.stage,
        state="completed",
        progress=1.0,
        finished_at=now,
        attempts=event.attempt,
        error=None,
    )
    if event.facts:
        repo.merge_facts(conn, job_id=job_id, facts=event.facts)
    audio = event.facts.get("audio") if event.facts else None
    if isinstance(audio, dict) and "duration" in audio:
        repo.update_job(conn, job_id=job_id, audio_duration=float(audio["duration"]))
    following = next_stage(event.stage)
    if following is None:
        repo.transition(
            conn,
            job_id=job_id,
            from_states=[STAGE_STATE[event.stage]],
            to_state=JobState.COMPLETED,
            progress=1.0,
            completed_at=now,
        )
        return
    next_input = event.outputs.get("next_input")
    if not next_input:
        fail_job(conn, job_id=job_id, stage=event.stage, reason="stage reported no output")
        return
    moved = repo.transition(
        conn,
        job_id=job_id,
        from_states=[STAGE_STATE[event.stage], JobState.QUEUED],
        to_state=STAGE_STATE[following],
        progress=overall_progress(following, 0.0),
    )
    if moved:
        _enqueue_stage(
            conn,
            job_id=job_id,
            stage=following,
            input_key=next_input,
            options=options,
            request_id=request_id,
        )


def fail_job(conn: Connection, *, job_id: str, stage: Stage, reason: str) -> bool:
    """Fail a job that is not final yet, recording the stage and reason."""
    non_final = [s for s in JobState if s not in FINAL_STATES]
    moved = repo.transition(
        conn,
        job_id=job_id,
        from_states=non_final,
        to_state=JobState.FAILED,
        error=reason,
        failed_stage=stage.value,
        completed_at=utcnow(),
    )
    if moved:
        repo.upsert_stage_run(
            conn, job_id=job_id, stage=stage, state="failed", error=reason, finished_at=utcnow()
        )
    return moved


class Orchestrator:
    """Drives jobs: applies events, sends the outbox, fails dead-lettered jobs."""

    def __init__(self, engine: Engine, broker: QueueBroker, *, batch: int = 10) -> None:
        self.engine = engine
        self.broker = broker
        self.events = broker.queue(EVENTS_QUEUE)
        self.batch = batch
        self._stop = threading.Event()
        self._outbox_lock = threading.Lock()

    def flush_outbox(self) -> int:
        """Send every pending outbox message; returns how many were sent.

        The api calls this right after creating a job, the loop after every batch of events;
        the lock keeps the two from sending the same row twice.
        """
        with self._outbox_lock:
            return self._flush_outbox()

    def _flush_outbox(self) -> int:
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

    def process_events(self, *, wait_seconds: float = 0.0) -> int:
        """Apply a batch of events; returns how many were received."""
        messages = self.events.receive(max_messages=self.batch, wait_seconds=wait_seconds)
        for message in messages:
            try:
                event = StageEvent.model_validate(message.body)
            except ValidationError as exc:
                log.error("dropping malformed event %s: %s", message.message_id, exc)
                self.events.delete(message.receipt)
                continue
            with self.engine.begin() as conn:
                apply_event(conn, event)
            self.events.delete(message.receipt)
        if messages:
            self.flush_outbox()
        return len(messages)

    def sweep_dead_letters(self) -> int:
        """Fail the job of every dead-lettered stage message, with its last error."""
        failed = 0
        for name in STAGE_QUEUES:
            queue = self.broker.queue(name)
            for message in queue.receive_dead(max_messages=self.batch):
                try:
                    task = StageTask.model_validate(message.body)
                except ValidationError:
                    queue.delete_dead(message.receipt)
                    continue
                with self.engine.begin() as conn:
                    job = repo.get_job(conn, job_id=task.job_id)
                    run = (
                        next((r for r in job.stages if r.stage == task.stage), None)
                        if job
                        else None
                    )
                    last_error = run.error if run and run.error else "no error was reported"
                    reason = (
                        f"{task.stage.value} gave up after {message.receive_count} attempts: "
                        f"{last_error}"
                    )
                    if fail_job(conn, job_id=task.job_id, stage=task.stage, reason=reason):
                        failed += 1
                queue.delete_dead(message.receipt)
        return failed

    def step(self, *, wait_seconds: float = 0.0) -> int:
        """One round: outbox, events, dead letters."""
        self.flush_outbox()
        handled = self.process_events(wait_seconds=wait_seconds)
        self.sweep_dead_letters()
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

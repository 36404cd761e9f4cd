"""The job state machine: the only code that changes a job's state.

Every function takes a connection inside the caller's transaction. Next-stage messages and
webhook deliveries are written in that same transaction (the outbox and the deliveries table),
so a crash can never advance a job without its next message or its notification; at worst a
message is sent twice, and stages are idempotent.

Several api processes may run this code against one database at once. Each function that
reads a job and then changes it first locks the job's row (:func:`scribe.db.claims.lock_job`),
and state changes are compare-and-set (:func:`scribe.db.repository.transition`): of two
processes applying the same event, the second sees the first one's result and does nothing,
so a transition, its next-stage message and its webhook happen once.

    queued → extracting → transcribing → recognizing_terms → completed
                 ╰──────────────╰──────────────────╰──→ failed (stage, reason) | cancelled
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from scribe import artifacts
from scribe.config import WebhookSettings
from scribe.db import library
from scribe.db import repository as repo
from scribe.db.claims import lock_job
from scribe.db.tables import utcnow
from scribe.domain.jobs import FINAL_STATES, STAGE_ORDER, STAGE_STATE, Job, JobState, Stage
from scribe.domain.jobs import next_stage as stage_after
from scribe.domain.options import lane
from scribe.domain.terms import TermsResult
from scribe.domain.transcript import Transcript
from scribe.errors import NotFoundError, TransitionError
from scribe.messages import EventType, StageEvent, StageOptions, StageTask
from scribe.observability.metrics import JOBS_FINISHED
from scribe.orchestrator.notify import notify

log = logging.getLogger(__name__)

# Share of a job's overall progress each stage accounts for.
STAGE_WEIGHTS: dict[Stage, float] = {Stage.EXTRACT: 0.1, Stage.TRANSCRIBE: 0.8, Stage.TERMS: 0.1}


def overall_progress(stage: Stage, share: float) -> float:
    """The job's progress when ``stage`` is ``share`` done."""
    done = sum(STAGE_WEIGHTS[s] for s in STAGE_ORDER[: STAGE_ORDER.index(stage)])
    return round(min(1.0, done + STAGE_WEIGHTS[stage] * max(0.0, min(1.0, share))), 4)


def stage_input(job: Job, stage: Stage) -> str:
    """The blob a stage reads, from the artifact layout."""
    if stage == Stage.EXTRACT:
        return job.source_key
    if stage == Stage.TRANSCRIBE:
        return artifacts.artifact_key(job.id, artifacts.AUDIO_WAV)
    return artifacts.transcript_key(job.id, "json")


def create_job(
    conn: Connection,
    *,
    filename: str,
    source_key: str,
    size_bytes: int,
    options: dict[str, Any],
    request_id: str = "",
    job_id: str | None = None,
    **details: Any,
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
        **details,
    )
    job = repo.get_job(conn, job_id=job_id)
    assert job is not None
    enqueue_stage(conn, job=job, stage=Stage.EXTRACT)
    return job_id


def enqueue_stage(conn: Connection, *, job: Job, stage: Stage) -> None:
    """Write the stage's message to the outbox, on the lane of the job's priority."""
    options = StageOptions.model_validate(job.options)
    if stage == Stage.TRANSCRIBE and job.collection_id:
        collection = library.get_collection(conn, collection_id=job.collection_id)
        if collection and collection.get("bias_terms"):
            options.bias_terms = list(collection["bias_terms"])
    task = StageTask(
        job_id=job.id,
        stage=stage,
        input_key=stage_input(job, stage),
        options=options,
        request_id=job.request_id,
        source_url=job.source_url if stage == Stage.EXTRACT else None,
        audio_seconds=job.audio_duration,
    )
    repo.upsert_stage_run(
        conn, job_id=job.id, stage=stage, state="queued", progress=0.0, error=None
    )
    repo.enqueue(conn, queue=lane(stage.value, job.priority), body=task.model_dump(mode="json"))


def apply_event(
    conn: Connection,
    event: StageEvent,
    *,
    webhooks: WebhookSettings | None = None,
    transcript: Transcript | None = None,
    terms: TermsResult | None = None,
) -> bool:
    """Apply one worker event; returns whether it changed anything (duplicates do not).

    ``transcript`` and ``terms`` are the completed stage's outputs, read by the caller from the
    blob store, so that search and term statistics are indexed with the state change.
    """
    if not lock_job(conn, job_id=event.job_id):
        return False
    job = repo.get_job(conn, job_id=event.job_id)
    if job is None or job.state in FINAL_STATES:
        return False
    stage_state = STAGE_STATE[event.stage]
    run = job.stage_run(event.stage)
    if run is None or run.state in ("completed", "failed"):
        return False  # a stage this job is not at, or a duplicate of a settled one
    allowed = {JobState.QUEUED, stage_state} if event.stage == Stage.EXTRACT else {stage_state}
    if job.state not in allowed:
        return False

    if event.type == EventType.STARTED:
        repo.transition(conn, job_id=job.id, from_states=allowed, to_state=stage_state)
        fields: dict[str, Any] = {"state": "running", "attempts": event.attempt}
        if run.started_at is None:
            fields["started_at"] = _event_time(event)
        repo.upsert_stage_run(conn, job_id=job.id, stage=event.stage, **fields)
    elif event.type == EventType.PROGRESS:
        share = event.progress or 0.0
        progress = overall_progress(event.stage, share)
        repo.upsert_stage_run(conn, job_id=job.id, stage=event.stage, progress=share)
        repo.update_job(conn, job_id=job.id, progress=progress)
        _notify_progress(conn, job, progress, webhooks)
    elif event.type == EventType.HEARTBEAT:
        repo.update_job(conn, job_id=job.id)  # the watchdog reads updated_at
    elif event.type == EventType.RETRYING:
        repo.upsert_stage_run(
            conn, job_id=job.id, stage=event.stage, attempts=event.attempt, error=event.error
        )
    elif event.type == EventType.COMPLETED:
        _complete_stage(conn, job, event, webhooks, transcript, terms)
    elif event.type == EventType.FAILED:
        # A worker reports "failed" only for errors retrying cannot fix (PermanentError).
        repo.merge_facts(conn, job_id=job.id, facts={"failure": {"retryable": False}})
        fail_job(
            conn,
            job_id=job.id,
            stage=event.stage,
            reason=event.error or "stage failed",
            webhooks=webhooks,
        )
    else:
        return False
    return True


def _event_time(event: StageEvent) -> datetime:
    """When the worker says the event happened."""
    return datetime.fromtimestamp(event.at, UTC)


def _notify_progress(
    conn: Connection, job: Job, progress: float, webhooks: WebhookSettings | None
) -> None:
    if webhooks is None:
        return
    now = utcnow()
    last = job.progress_notified_at
    if last is not None and (now - last).total_seconds() < webhooks.progress_interval:
        return
    repo.update_job(conn, job_id=job.id, progress_notified_at=now)
    notify(conn, job, "job.progress", webhooks, extra={"progress": progress})


def _complete_stage(
    conn: Connection,
    job: Job,
    event: StageEvent,
    webhooks: WebhookSettings | None,
    transcript: Transcript | None,
    terms: TermsResult | None,
) -> None:
    now = _event_time(event)
    run = job.stage_run(event.stage)
    # A re-run after an edit or a lexicon change keeps the job's and the stage's first times.
    rerun = job.completed_at is not None and run is not None and run.finished_at is not None
    repo.upsert_stage_run(
        conn,
        job_id=job.id,
        stage=event.stage,
        state="completed",
        progress=1.0,
        finished_at=run.finished_at if rerun and run is not None else now,
        attempts=event.attempt,
        error=None,
    )
    if event.facts:
        repo.merge_facts(conn, job_id=job.id, facts=event.facts)
    audio = event.facts.get("audio") if event.facts else None
    if isinstance(audio, dict) and "duration" in audio:
        repo.update_job(conn, job_id=job.id, audio_duration=float(audio["duration"]))
    if transcript is not None:
        library.replace_segments(conn, job_id=job.id, transcript=transcript)
    if terms is not None:
        library.replace_terms(conn, job_id=job.id, result=terms)
    following = stage_after(event.stage)
    if following is None:
        if not repo.transition(
            conn,
            job_id=job.id,
            from_states=[STAGE_STATE[event.stage]],
            to_state=JobState.COMPLETED,
            progress=1.0,
            completed_at=job.completed_at if rerun else now,
        ):
            return  # another process completed it first: it also notified
        JOBS_FINISHED.labels("completed").inc()
        finished = repo.get_job(conn, job_id=job.id)
        if webhooks is not None and finished is not None:
            notify(conn, finished, "job.completed", webhooks)
        return
    moved = repo.transition(
        conn,
        job_id=job.id,
        from_states=[STAGE_STATE[event.stage], JobState.QUEUED],
        to_state=STAGE_STATE[following],
        progress=overall_progress(following, 0.0),
    )
    if moved:
        current = repo.get_job(conn, job_id=job.id)
        assert current is not None
        enqueue_stage(conn, job=current, stage=following)


def fail_job(
    conn: Connection,
    *,
    job_id: str,
    stage: Stage,
    reason: str,
    webhooks: WebhookSettings | None = None,
) -> bool:
    """Fail a job that is not final yet, recording the stage and reason."""
    lock_job(conn, job_id=job_id)
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
        JOBS_FINISHED.labels("failed").inc()
        repo.upsert_stage_run(
            conn, job_id=job_id, stage=stage, state="failed", error=reason, finished_at=utcnow()
        )
        job = repo.get_job(conn, job_id=job_id)
        if webhooks is not None and job is not None:
            notify(conn, job, "job.failed", webhooks)
    return moved


def cancel_job(conn: Connection, *, job_id: str) -> Job:
    """Cancel a job that is not finished; its running stage stops at the next checkpoint."""
    lock_job(conn, job_id=job_id)
    job = repo.get_job(conn, job_id=job_id)
    if job is None:
        raise NotFoundError(f"no job {job_id}")
    if job.state in FINAL_STATES:
        raise TransitionError(f"job {job_id} is already {job.state.value}")
    non_final = [s for s in JobState if s not in FINAL_STATES]
    repo.transition(
        conn,
        job_id=job_id,
        from_states=non_final,
        to_state=JobState.CANCELLED,
        completed_at=None,
        error="cancelled by request",
    )
    JOBS_FINISHED.labels("cancelled").inc()
    for run in job.stages:
        if run.state in ("queued", "running"):
            repo.upsert_stage_run(conn, job_id=job_id, stage=run.stage, state="cancelled")
    cancelled = repo.get_job(conn, job_id=job_id)
    assert cancelled is not None
    return cancelled


def retry_job(conn: Connection, *, job_id: str) -> Job:
    """Start a failed or cancelled job again from the stage that did not finish."""
    lock_job(conn, job_id=job_id)
    job = repo.get_job(conn, job_id=job_id)
    if job is None:
        raise NotFoundError(f"no job {job_id}")
    if job.state not in (JobState.FAILED, JobState.CANCELLED):
        raise TransitionError(
            f"job {job_id} is {job.state.value}; only failed or cancelled jobs retry"
        )
    done = {run.stage for run in job.stages if run.state == "completed"}
    stage = job.failed_stage or next(s for s in STAGE_ORDER if s not in done)
    repo.transition(
        conn,
        job_id=job_id,
        from_states=[job.state],
        to_state=STAGE_STATE[stage],
        error=None,
        failed_stage=None,
        completed_at=None,
        progress=overall_progress(stage, 0.0),
    )
    repo.upsert_stage_run(
        conn, job_id=job_id, stage=stage, attempts=0, started_at=None, finished_at=None
    )
    enqueue_stage(conn, job=job, stage=stage)
    retried = repo.get_job(conn, job_id=job_id)
    assert retried is not None
    return retried


def rerun_terms(conn: Connection, *, job_id: str) -> Job:
    """Run term recognition again on a completed job (after a lexicon change or an edit);
    the job is ``recognizing_terms`` until the terms worker is done."""
    lock_job(conn, job_id=job_id)
    job = repo.get_job(conn, job_id=job_id)
    if job is None:
        raise NotFoundError(f"no job {job_id}")
    if job.state not in (JobState.COMPLETED, JobState.RECOGNIZING_TERMS):
        raise TransitionError(
            f"job {job_id} is {job.state.value}; only completed jobs re-run terms"
        )
    if job.state == JobState.COMPLETED:
        repo.transition(
            conn,
            job_id=job_id,
            from_states=[JobState.COMPLETED],
            to_state=JobState.RECOGNIZING_TERMS,
            progress=overall_progress(Stage.TERMS, 0.0),
        )
    # The stage keeps its first start and finish: a re-run never changes the job's times.
    repo.upsert_stage_run(conn, job_id=job_id, stage=Stage.TERMS, attempts=0)
    enqueue_stage(conn, job=job, stage=Stage.TERMS)
    updated = repo.get_job(conn, job_id=job_id)
    assert updated is not None
    return updated


def stale_jobs(
    conn: Connection, *, older_than: datetime, lanes_empty: Callable[[Stage], bool]
) -> list[Job]:
    """Jobs the watchdog should look at: a stage running with no word from its worker since
    ``older_than``, or queued although its stage's queues hold no message at all (lost)."""
    found = []
    busy = [JobState.EXTRACTING, JobState.TRANSCRIBING, JobState.RECOGNIZING_TERMS, JobState.QUEUED]
    for job in repo.list_jobs(conn, states=busy, limit=500, updated_before=older_than):
        stage = current_stage(job)
        run = job.stage_run(stage) if stage else None
        if run is None or stage is None:
            continue
        if run.state == "running" or (run.state == "queued" and lanes_empty(stage)):
            found.append(job)
    return found


def current_stage(job: Job) -> Stage | None:
    """The stage a job that is not final is at."""
    for stage in STAGE_ORDER:
        run = job.stage_run(stage)
        if run is None or run.state != "completed":
            return stage
    return None


def restart_stage(
    conn: Connection,
    *,
    job: Job,
    max_restarts: int,
    idle_seconds: float,
    webhooks: WebhookSettings | None = None,
) -> str:
    """Send a stalled job's stage again, or fail it once it was restarted too often;
    returns what was done ("restarted" or "failed")."""
    stage = current_stage(job)
    assert stage is not None
    restarts = int(job.facts.get("watchdog", {}).get("restarts", 0))
    if restarts >= max_restarts:
        fail_job(
            conn,
            job_id=job.id,
            stage=stage,
            webhooks=webhooks,
            reason=f"no worker reported on {stage.value} for {idle_seconds:.0f} s "
            f"(restarted {restarts} times)",
        )
        return "failed"
    repo.merge_facts(conn, job_id=job.id, facts={"watchdog": {"restarts": restarts + 1}})
    enqueue_stage(conn, job=job, stage=stage)
    return "restarted"

"""Repositories and the state machine on every database (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Engine

from scribe.db import repository as repo
from scribe.domain.jobs import JobState, Stage
from scribe.messages import EventType, StageEvent
from scribe.orchestrator.machine import apply_event, create_job


def _job(engine: Engine, name: str = "a.mp4") -> str:
    with engine.begin() as conn:
        return create_job(
            conn,
            filename=name,
            source_key=f"jobs/x/source/{name}",
            size_bytes=10,
            options={"language": "en"},
            request_id="r1",
        )


def test_create_and_read_a_job_with_its_first_message(engine: Engine) -> None:
    job_id = _job(engine)
    with engine.connect() as conn:
        job = repo.get_job(conn, job_id=job_id)
        pending = repo.pending_outbox(conn)
    assert job is not None
    assert job.state == JobState.QUEUED
    assert job.options == {"language": "en"}
    assert job.created_at.tzinfo is not None
    assert [(run.stage, run.state) for run in job.stages] == [(Stage.EXTRACT, "queued")]
    assert [(queue, body["job_id"]) for _, queue, body in pending] == [("extract", job_id)]


def test_transition_is_compare_and_set(engine: Engine) -> None:
    job_id = _job(engine)
    with engine.begin() as conn:
        assert repo.transition(
            conn, job_id=job_id, from_states=[JobState.QUEUED], to_state=JobState.EXTRACTING
        )
        assert not repo.transition(
            conn, job_id=job_id, from_states=[JobState.QUEUED], to_state=JobState.FAILED
        )
        assert repo.get_job(conn, job_id=job_id).state == JobState.EXTRACTING  # type: ignore[union-attr]


def test_list_filters_and_orders_newest_first(engine: Engine) -> None:
    ids = [_job(engine, f"{n}.mp4") for n in range(5)]
    with engine.begin() as conn:
        repo.transition(
            conn, job_id=ids[1], from_states=[JobState.QUEUED], to_state=JobState.FAILED
        )
        listed = repo.list_jobs(conn, limit=10)
        failed = repo.list_jobs(conn, state=JobState.FAILED)
        counts = repo.count_jobs_by_state(conn)
    assert [job.id for job in listed] == list(reversed(ids))
    assert [job.id for job in failed] == [ids[1]]
    assert counts == {"queued": 4, "failed": 1}


def test_events_drive_a_job_to_completion_and_duplicates_change_nothing(engine: Engine) -> None:
    job_id = _job(engine)
    events = [
        StageEvent(type=EventType.STARTED, job_id=job_id, stage=Stage.EXTRACT),
        StageEvent(type=EventType.PROGRESS, job_id=job_id, stage=Stage.EXTRACT, progress=0.5),
        StageEvent(
            type=EventType.COMPLETED,
            job_id=job_id,
            stage=Stage.EXTRACT,
            outputs={"next_input": "jobs/x/audio.wav"},
            facts={"audio": {"duration": 61.5}},
        ),
        StageEvent(type=EventType.STARTED, job_id=job_id, stage=Stage.TRANSCRIBE),
        StageEvent(
            type=EventType.COMPLETED,
            job_id=job_id,
            stage=Stage.TRANSCRIBE,
            outputs={"next_input": "jobs/x/transcript.json"},
        ),
        StageEvent(type=EventType.STARTED, job_id=job_id, stage=Stage.TERMS),
        StageEvent(type=EventType.COMPLETED, job_id=job_id, stage=Stage.TERMS),
    ]
    with engine.begin() as conn:
        applied = [apply_event(conn, event) for event in events]
        replayed = [apply_event(conn, event) for event in events]
        job = repo.get_job(conn, job_id=job_id)
        queues = [queue for _, queue, _ in repo.pending_outbox(conn)]
    assert all(applied)
    assert not any(replayed)
    assert job is not None and job.state == JobState.COMPLETED
    assert job.audio_duration == 61.5
    assert job.progress == 1.0
    assert queues == ["extract", "transcribe", "terms"]


def test_a_permanent_failure_records_stage_and_reason(engine: Engine) -> None:
    job_id = _job(engine)
    with engine.begin() as conn:
        apply_event(conn, StageEvent(type=EventType.STARTED, job_id=job_id, stage=Stage.EXTRACT))
        apply_event(
            conn,
            StageEvent(
                type=EventType.FAILED,
                job_id=job_id,
                stage=Stage.EXTRACT,
                error="no audio stream found",
            ),
        )
        job = repo.get_job(conn, job_id=job_id)
    assert job is not None
    assert (job.state, job.failed_stage, job.error) == (
        JobState.FAILED,
        Stage.EXTRACT,
        "no audio stream found",
    )
    assert job.stages[0].state == "failed"
